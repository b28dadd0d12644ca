"""What the widget needs before it can chat: the organisation's public configuration, and
whether someone can answer right now (presence and business hours)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.accounts.models import Organization
from server.channels import names
from server.channels.presence import Presence

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def within_business_hours(hours: dict[str, Any] | None, moment: datetime) -> bool:
    """Is `moment` inside the opening hours? No hours configured: always."""
    if not hours:
        return True
    local = moment.astimezone(ZoneInfo(hours["timezone"]))
    now = local.strftime("%H:%M")
    ranges = (hours.get("days") or {}).get(WEEKDAYS[local.weekday()]) or []
    return any(start <= now < end for start, end in ranges)


async def agents_online(presence: Presence, org: Organization) -> bool:
    """Is at least one agent of the organisation online (not away) on its queue?"""
    entries = await presence.snapshot(names.queue(org.id).key)
    return any(e.person.startswith("agent:") and e.status == "online" for e in entries)
