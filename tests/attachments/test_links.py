"""Signed download links: valid for one file of one organisation, for a short while only."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from itsdangerous import timed

from server.attachments import links
from server.errors import Unauthenticated

SECRET = "link-test-secret-" + "k" * 32
CLAIMS = links.LinkClaims(organization_id=7, attachment_id=41)
TTL = timedelta(minutes=5)


def token_of(url: str) -> str:
    return url.split("?sig=", 1)[1]


def test_a_link_opens_its_file_and_names_it_for_the_browser() -> None:
    url, expires_at = links.link(
        secret_key=SECRET, base_url="https://files.example.com", claims=CLAIMS,
        filename="report 2026 (final).pdf", ttl=TTL,
    )  # fmt: skip
    assert url.startswith("https://files.example.com/files/41/report%202026%20%28final%29.pdf?sig=")
    assert links.verify(SECRET, token_of(url), attachment_id=41, ttl=TTL) == CLAIMS
    assert timedelta(minutes=4) < expires_at - expires_at.now(expires_at.tzinfo) <= TTL


def test_a_link_past_its_time_is_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    token = links.sign(SECRET, CLAIMS)
    later = time.time() + TTL.total_seconds() + 2

    class Clock:
        @staticmethod
        def time() -> float:
            return later

    monkeypatch.setattr(timed, "time", Clock)
    with pytest.raises(Unauthenticated) as refused:
        links.verify(SECRET, token, attachment_id=41, ttl=TTL)
    assert refused.value.details == {"reason": "expired"}


@pytest.mark.parametrize(
    "case", ["another file", "another key", "cut short", "a character changed", "empty"]
)
def test_anything_but_the_issued_link_is_invalid(case: str) -> None:
    token = links.sign(SECRET, CLAIMS)
    attachment_id, secret = 41, SECRET
    if case == "another file":
        attachment_id = 42
    elif case == "another key":
        secret = SECRET + "x"
    elif case == "cut short":
        token = token[:-6]
    elif case == "a character changed":
        token = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    else:
        token = ""
    with pytest.raises(Unauthenticated) as refused:
        links.verify(secret, token, attachment_id=attachment_id, ttl=TTL)
    assert refused.value.details == {"reason": "invalid"}
