"""The ticket status workflow: which transitions are allowed and what each one implies.

Terminal states (RESOLVED, CLOSED, CANCELLED) can only be left by reopening to OPEN, which is
recorded as REOPENED. A RESOLVED ticket may also be CLOSED. Nothing goes back to NEW.
"""

from __future__ import annotations

from server.errors import InvalidTransition
from server.tickets.models import ActivityType, TicketStatus

S = TicketStatus
WORKING = frozenset({S.NEW, S.OPEN, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.WAITING_ON_THIRD_PARTY})
TERMINAL = frozenset({S.RESOLVED, S.CLOSED, S.CANCELLED})

ALLOWED: dict[TicketStatus, frozenset[TicketStatus]] = {
    **{status: (WORKING | TERMINAL) - {S.NEW, status} for status in WORKING},
    S.RESOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset({S.OPEN}),
    S.CANCELLED: frozenset({S.OPEN}),
}


def check_transition(current: TicketStatus, target: TicketStatus) -> None:
    """Raise `InvalidTransition` (409) with a message saying what would be allowed."""
    if target == current or target in ALLOWED[current]:
        return
    if current in TERMINAL:
        hint = f"a {current} ticket must be reopened (status OPEN) first"
    elif target is S.NEW:
        hint = "a ticket cannot go back to NEW"
    else:  # pragma: no cover - every other pair is allowed by the table above
        hint = "that transition is not part of the workflow"
    raise InvalidTransition(f"Cannot change status from {current} to {target}: {hint}.")


def activity_for(current: TicketStatus, target: TicketStatus) -> ActivityType:
    """The audit-trail type that best names a transition."""
    if current in TERMINAL and target is S.OPEN:
        return ActivityType.REOPENED
    if target is S.RESOLVED:
        return ActivityType.RESOLVED
    if target is S.CLOSED:
        return ActivityType.CLOSED
    return ActivityType.STATUS_CHANGED
