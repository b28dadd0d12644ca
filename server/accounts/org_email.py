"""An organisation's email settings: who its mail comes from, its signature and language, and
which notifications it sends. Stored under `Organization.settings["email"]`, read with their
defaults (a stored value that no longer validates reads as its default), changed through
`PATCH /api/org` (`email`: given fields only; null puts one back to its default).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, ValidationError

from server.accounts.models import Organization
from server.web.schema import Email, RequestModel, ResponseModel, omittable

log = logging.getLogger(__name__)

Locale = Literal["en", "de"]
# The notifications an organisation can switch off, with their defaults (all on).
NOTIFICATIONS = (
    "ticketCreated", "publicReply", "statusChanged", "resolved", "assigned", "chatTranscript",
)  # fmt: skip


def _one_line(value: str) -> str:
    if any(c in value for c in "\r\n\x00"):
        raise ValueError("One line: no line breaks.")
    return value


FromName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_one_line)]


class EmailNotificationSwitches(RequestModel):
    """Given switches only; none takes null."""

    ticket_created: bool = omittable(description="To the requester: we received your ticket.")
    public_reply: bool = omittable(description="To the requester: an agent's public reply.")
    status_changed: bool = omittable(
        description="To the requester: the ticket is in progress, waiting on a third party, "
        "closed or cancelled."
    )
    resolved: bool = omittable(description="To the requester: the ticket was resolved.")
    assigned: bool = omittable(
        description="To an agent: a ticket was assigned to them by someone else (each agent "
        "can also turn it off for themselves: `PATCH /api/me`)."
    )
    chat_transcript: bool = omittable(
        description="To a customer who asks (or whose agent asks) for a chat's transcript. "
        "Off: asking is refused (409)."
    )


class EmailSettingsUpdate(RequestModel):
    """A change to the email settings: given fields only; null puts one back to its default."""

    from_name: FromName | None = Field(
        default=None, description="The sender's name. null: the organisation's name."
    )
    reply_to: Email | None = Field(
        default=None,
        description="The mailbox replies go to (tagged per ticket: `support+t42.…@…`). "
        "null: the server's sending address (PARLEY_MAIL_FROM).",
    )
    signature: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="Plain text under every customer email. null: none."
    )
    locale: Locale | None = Field(default=None, description="Emails' language. null: `en`.")
    notifications: EmailNotificationSwitches | None = None


class EmailSettingsOut(ResponseModel):
    from_name: str | None
    reply_to: str | None
    signature: str
    locale: Locale
    notifications: dict[str, bool]


DEFAULTS: dict[str, Any] = {
    "fromName": None,
    "replyTo": None,
    "signature": "",
    "locale": "en",
    "notifications": dict.fromkeys(NOTIFICATIONS, True),
}


def email_settings(org: Organization) -> dict[str, Any]:
    """The organisation's email settings, defaults filled in (wire names)."""
    stored = (org.settings or {}).get("email")
    if not isinstance(stored, dict):
        if stored is not None:
            _invalid(org, "email")
        stored = {}
    merged: dict[str, Any] = {}
    for name, default in DEFAULTS.items():
        if name == "notifications":
            continue
        value = stored.get(name)
        merged[name] = default if value is None else _checked(org, name, value, default)
    switches = stored.get("notifications")
    switches = switches if isinstance(switches, dict) else {}
    merged["notifications"] = {
        name: value if isinstance(value := switches.get(name), bool) else True
        for name in NOTIFICATIONS
    }
    return merged


def _checked(org: Organization, name: str, value: Any, default: Any) -> Any:
    try:
        checked: BaseModel = EmailSettingsUpdate.model_validate({name: value})
    except ValidationError:
        _invalid(org, f"email.{name}")
        return default
    dumped = checked.model_dump(mode="json", by_alias=True)
    return dumped[name] if dumped[name] is not None else default


def _invalid(org: Organization, where: str) -> None:
    log.warning("organisation %s: stored %s is not valid; using its default", org.id, where)


def email_settings_patch(update: EmailSettingsUpdate) -> Any:
    """What `PATCH /api/org` applies to the stored email settings, under the org's lock."""
    changes = update.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def patch(stored: Any) -> dict[str, Any]:
        new = dict(stored) if isinstance(stored, dict) else {}
        for name, value in changes.items():
            if value is None:
                new.pop(name, None)
            elif name == "notifications":
                old = new.get(name)
                given = {k: v for k, v in value.items() if v is not None}
                new[name] = {**(old if isinstance(old, dict) else {}), **given}
            else:
                new[name] = value
        return new

    return patch
