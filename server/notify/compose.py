"""Turning a notification into a finished email: both bodies from the templates (Jinja2, HTML
autoescaped), and the headers that thread it and keep auto-responders quiet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from server.notify.locales import STRINGS

_templates = Environment(
    loader=PackageLoader("server.notify", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

# The notifications customers get (template names), the one agents get, and the transcript.
KINDS = (
    "ticket_created", "public_reply", "status_changed", "resolved", "assigned", "chat_transcript",
)  # fmt: skip


def render(kind: str, locale: str, **context: Any) -> tuple[str, str]:
    """The text and the HTML body of notification `kind` in `locale`."""
    strings = STRINGS[locale]
    values = {"t": strings, "locale": locale, **context}
    text = _templates.get_template(f"{kind}.txt").render(values)
    html = _templates.get_template(f"{kind}.html").render(values)
    return text, html


def status_label(locale: str, status: str) -> str:
    return STRINGS[locale].get(f"status.{status}", status)


@dataclass(frozen=True)
class Envelope:
    """Who a message is from and to, and where it sits in its thread."""

    sender_name: str
    sender: str
    reply_to: str | None
    to: str
    to_name: str
    subject: str
    message_id: str
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    # RFC 3834: a notification Parley wrote by itself, not a person's reply.
    automatic: bool = True


def compose(envelope: Envelope, text: str, html: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(envelope.sender_name, envelope.sender)
    message["To"] = _address(envelope.to_name, envelope.to)
    if envelope.reply_to:
        message["Reply-To"] = envelope.reply_to
    message["Subject"] = envelope.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = envelope.message_id
    if envelope.in_reply_to:
        message["In-Reply-To"] = envelope.in_reply_to
    if envelope.references:
        message["References"] = " ".join(envelope.references)
    if envelope.automatic:
        message["Auto-Submitted"] = "auto-generated"
    # Asks Exchange and Outlook not to send out-of-office and other automatic answers.
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _address(name: str, address: str) -> Address:
    local, _, domain = address.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)
