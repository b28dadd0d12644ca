"""A real SMTP server on loopback (aiosmtpd) that keeps every message it receives.

`mail_catcher` (session) is the server the session's app sends its email to (the `settings`
fixture points PARLEY_SMTP_* at it); tests read what arrived for an address with
`await mail_catcher.wait_for(address, count)`, parsed by the standard library.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller

from tests.support.ports import free_port


class MailCatcher:
    """aiosmtpd's handler: each message's recipients and bytes, in arrival order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.received: list[tuple[list[str], bytes]] = []
        self.refuse = False  # answer 451 to every message (a server in trouble)
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 Try again later"
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted"

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            raw = [data for rcpt, data in self.received if address.lower() in map(str.lower, rcpt)]
        return [cast(EmailMessage, message_from_bytes(data, policy=policy.default)) for data in raw]

    async def wait_for(self, address: str, count: int, *, within: float = 15) -> list[EmailMessage]:
        """The messages to `address` once at least `count` arrived (fails after `within` s)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            found = self.messages_to(address)
            if len(found) >= count:
                return found
            if loop.time() > deadline:
                raise AssertionError(f"{len(found)} of {count} messages to {address} arrived")
            await asyncio.sleep(0.05)


@pytest.fixture(scope="session")
def mail_catcher() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.port = free_port()
    controller = Controller(catcher, hostname="127.0.0.1", port=catcher.port)
    controller.start()
    try:
        yield catcher
    finally:
        controller.stop()
