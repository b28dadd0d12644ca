"""Sending a finished email: to the log (`console`, the embedded default) or over SMTP.

SMTP goes through aiosmtplib (async, STARTTLS and implicit TLS, AUTH), one connection per
message: notifications are few per second at most, and a connection kept open would need
its own reconnect logic for every server that drops idle clients.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Literal, Protocol, cast

import aiosmtplib

from server.settings import Settings

log = logging.getLogger(__name__)

SmtpSecurity = Literal["starttls", "tls", "none"]


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand `message` on; raise if it was not accepted (the delivery is retried)."""
        ...


class ConsoleMailer:
    """Logs each message instead of sending it: the default until SMTP is configured."""

    async def send(self, message: EmailMessage) -> None:
        log.info(
            "email (console, not sent) to %s: %s [%s]\n%s",
            message["To"], message["Subject"], message["Message-ID"],
            _text_part(message),
        )  # fmt: skip


class SmtpMailer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: SmtpSecurity,
        username: str = "",
        password: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.host,
            port=self.port,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            username=self.username or None,
            password=self.password or None,
            timeout=self.timeout,
        )


def mailer_for(settings: Settings) -> Mailer:
    """The mailer PARLEY_MAIL_PROVIDER names."""
    if settings.mail_provider == "smtp":
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=cast(SmtpSecurity, settings.smtp_security),
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )
    return ConsoleMailer()


def _text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""
