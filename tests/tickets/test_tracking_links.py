"""Tracking link and session tokens (`server/tickets/tracking_links.py`): what they name, when
they expire, and that nothing but an untouched token of the right kind and key passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import itsdangerous.timed
import pytest

from server.errors import Unauthenticated
from server.tickets import tracking_links
from server.tickets.tracking_links import TrackingClaims

KEY = "k" * 40
CLAIMS = TrackingClaims(organization_id=3, ticket_id=42, contact_id=7)
MONTH = timedelta(days=30)


def refused(kind: tracking_links.Kind, token: str, *, key: str = KEY) -> str:
    with pytest.raises(Unauthenticated) as caught:
        tracking_links.verify(key, kind, token, ttl=MONTH)
    reason: str = caught.value.details["reason"]
    return reason


def test_a_link_names_the_organisation_the_ticket_and_the_requester() -> None:
    token = tracking_links.sign(KEY, "link", CLAIMS)
    assert token.startswith("prl_tl_")
    assert tracking_links.verify(KEY, "link", token, ttl=MONTH) == CLAIMS


def test_a_link_expires_after_its_lifetime_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # itsdangerous reads the time from its module's `time`: a clock this test moves.
    now = datetime(2026, 1, 1, 12, tzinfo=UTC).timestamp()
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: now))
    token = tracking_links.sign(KEY, "link", CLAIMS)
    now += MONTH.total_seconds() - 1
    assert tracking_links.verify(KEY, "link", token, ttl=MONTH) == CLAIMS
    now += 2
    assert refused("link", token) == "expired"
    # A session lives two hours, whatever the link's lifetime.
    session = tracking_links.sign(KEY, "session", CLAIMS)
    now += 2 * 3600 + 1
    with pytest.raises(Unauthenticated):
        tracking_links.verify(KEY, "session", session, ttl=tracking_links.SESSION_TTL)


@pytest.mark.parametrize("position", [7, 12, 20, -30, -5, -1])
def test_a_changed_character_anywhere_is_refused(position: int) -> None:
    token = tracking_links.sign(KEY, "link", CLAIMS)
    # From one half of the base64url alphabet to the other: the last character's low bits
    # are padding, so only a change of its high bits is a different signature.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    flipped = "A" if alphabet.find(token[position]) >= 32 else "_"
    tampered = token[:position] + flipped + (token[position + 1 :] if position != -1 else "")
    assert refused("link", tampered) == "invalid"


def test_another_key_another_kind_or_a_visitor_token_is_refused() -> None:
    link = tracking_links.sign(KEY, "link", CLAIMS)
    session = tracking_links.sign(KEY, "session", CLAIMS)
    assert refused("link", link, key="z" * 40) == "invalid"
    assert refused("session", link) == "invalid"  # a link is not a session
    assert refused("link", session) == "invalid"  # nor the other way round
    # Same body, other prefix: each kind has its own salt, so the signature does not carry over.
    assert refused("session", "prl_ts_" + link.removeprefix("prl_tl_")) == "invalid"
    assert refused("link", "prl_vt_" + link.removeprefix("prl_tl_")) == "invalid"
    for junk in ("", "prl_tl_", "prl_tl_.", "hello"):
        assert refused("link", junk) == "invalid"


def test_the_payload_can_be_read_but_not_changed() -> None:
    """The claims are signed, not secret: rewriting the ticket id breaks the signature."""
    other = tracking_links.sign(KEY, "link", TrackingClaims(3, 43, 7))
    mine = tracking_links.sign(KEY, "link", CLAIMS)
    spliced = mine.split(".")[0] + "." + ".".join(other.split(".")[1:])
    assert spliced != mine and refused("link", spliced) == "invalid"


def test_the_link_url_puts_the_token_in_the_fragment() -> None:
    url = tracking_links.link_url("https://help.example.com/", KEY, CLAIMS)
    page, _, token = url.partition("#")
    assert page == "https://help.example.com/track"
    assert tracking_links.verify(KEY, "link", token, ttl=MONTH) == CLAIMS
