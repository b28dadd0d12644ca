"""Visitor tokens: signed, expiring, scoped to one contact of one organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from server.accounts import visitor_tokens
from server.errors import Unauthenticated

SECRET = "s" * 40
TTL = timedelta(hours=1)


def test_a_token_round_trips_to_its_claims() -> None:
    token, expires_at = visitor_tokens.issue(SECRET, organization_id=3, contact_id=9, ttl=TTL)
    assert token.startswith("prl_vt_")
    assert visitor_tokens.verify(SECRET, token, ttl=TTL) == visitor_tokens.VisitorClaims(3, 9)
    assert expires_at.tzinfo is not None


def test_another_secret_or_a_tampered_token_is_refused() -> None:
    token, _ = visitor_tokens.issue(SECRET, organization_id=3, contact_id=9, ttl=TTL)
    with pytest.raises(Unauthenticated):
        visitor_tokens.verify("t" * 40, token, ttl=TTL)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(Unauthenticated):
        visitor_tokens.verify(SECRET, tampered, ttl=TTL)


@pytest.mark.parametrize("token", ["", "prl_at_abc", "prl_vt_", "prl_vt_not.a.token"])
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(Unauthenticated):
        visitor_tokens.verify(SECRET, token, ttl=TTL)


def test_an_expired_token_is_refused() -> None:
    token, _ = visitor_tokens.issue(SECRET, organization_id=3, contact_id=9, ttl=TTL)
    with pytest.raises(Unauthenticated, match="expired"):
        visitor_tokens.verify(SECRET, token, ttl=timedelta(seconds=-1))


def test_a_signed_body_with_the_wrong_shape_is_refused() -> None:
    signer = URLSafeTimedSerializer(SECRET, salt=visitor_tokens._SALT)
    for body in ({"o": "3", "c": 9}, {"o": 3}, [3, 9], {"o": True, "c": 9}):
        token = visitor_tokens.PREFIX + str(signer.dumps(body))
        with pytest.raises(Unauthenticated):
            visitor_tokens.verify(SECRET, token, ttl=TTL)
