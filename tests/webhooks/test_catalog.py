"""What webhooks carry: the spine's ticket and conversation event types, each documented, and
the body each is sent with."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.events import registry
from server.webhooks import catalog
from tests.push.test_chat_rules import NAMED, recorded

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def test_the_offered_types_are_the_registered_ticket_and_conversation_events() -> None:
    offered = catalog.event_types()
    registered = set(registry.registered())
    assert set(offered) <= registered
    assert {t for t in registered if t.startswith("ticket.")} <= set(offered)
    assert "conversation.queue_position" not in offered
    assert not [t for t in offered if not t.startswith(("ticket.", "conversation."))]


@pytest.mark.parametrize("name", [*catalog.event_types(), catalog.TEST_EVENT_TYPE])
def test_every_offered_type_has_a_row_in_the_docs(name: str) -> None:
    assert re.search(rf"^\| `{re.escape(name)}` \|", DOCS.read_text(), re.M), name


def test_the_body_is_id_type_created_at_and_the_agents_view() -> None:
    event = recorded(NAMED["internal-note"])
    at = datetime(2026, 12, 6, 15, 4, 5, tzinfo=UTC)
    body = json.loads(catalog.body("msg_1", event.type, at, catalog.event_data(event)))
    assert list(body) == ["id", "type", "createdAt", "data"]
    assert body["createdAt"] == "2026-12-06T15:04:05Z"
    assert body["data"]["message"]["isInternal"] is True
    assert set(body["data"]) == {"conversation", "message"}  # no customerView
