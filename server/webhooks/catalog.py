"""Which events webhooks carry, and the body each is sent with.

Every ticket and conversation event the spine registers (`server/tickets/events.py`,
`server/chat/events.py`), read from the registry so a new event type is offered the day it is
declared. `conversation.queue_position` is the customer's place in the queue, pushed to their
widget only: not an event about the organisation's data, so not offered.

The body is `{id, type, createdAt, data}`; `data` is the event as agents receive it: the
ticket, conversation, message or response in the REST API's shape. Webhooks go to the
organisation's own systems, so internal notes are included, marked as the REST API marks them
(`isInternal: true`); what no agent payload carries (`Event.internal_fields`: the customer's
projection of a conversation) is left out.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import server.chat.events
import server.tickets.events  # noqa: F401  (each registers its event types on import)
from server.events import registry
from server.events.model import Event

# The message `POST /api/admin/webhooks/{id}/test` sends; not a domain event.
TEST_EVENT_TYPE = "webhook.test"
_PREFIXES = ("ticket.", "conversation.")
_NOT_OFFERED = frozenset({"conversation.queue_position"})


def event_types() -> list[str]:
    """Every event type an endpoint may subscribe to, sorted."""
    return sorted(
        name
        for name in registry.registered()
        if name.startswith(_PREFIXES) and name not in _NOT_OFFERED
    )


def event_data(event: Event) -> dict[str, Any]:
    """The event as agents see it: its REST shapes, without its internal fields."""
    return event.model_dump(mode="json", by_alias=True, exclude={"type", *event.internal_fields})


def body(message_id: str, type_: str, created_at: datetime, data: dict[str, Any]) -> str:
    """The JSON body, compact; stored once and sent byte for byte on every attempt."""
    return json.dumps(
        {
            "id": message_id,
            "type": type_,
            "createdAt": created_at.isoformat().replace("+00:00", "Z"),
            "data": data,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )
