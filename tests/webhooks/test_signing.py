"""Standard Webhooks secrets and signatures, checked with the reference verifier."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from server.webhooks.signing import new_secret, secret_problem, signature_headers


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret_problem(secret) is None
    assert new_secret() != secret


@pytest.mark.parametrize(
    "secret",
    [
        "secret",
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"short").decode(),
        "whsec_" + base64.b64encode(b"x" * 65).decode(),
    ],
)
def test_unusable_secrets_are_named(secret: str) -> None:
    assert secret_problem(secret) is not None


def test_each_secret_signs_and_either_verifies() -> None:
    old, new = new_secret(), new_secret()
    body = '{"id":"msg_1","type":"webhook.test"}'
    headers = signature_headers("msg_1", datetime.now(UTC), body, [new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert all(part.startswith("v1,") for part in headers["webhook-signature"].split(" "))
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers)["id"] == "msg_1"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + " ", headers)


def test_a_stale_timestamp_does_not_verify() -> None:
    secret = new_secret()
    headers = signature_headers("msg_2", datetime.now(UTC) - timedelta(minutes=10), "{}", [secret])
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify("{}", headers)
