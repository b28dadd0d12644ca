"""The identifiers Parley's email threads hang on, each signed so Parley can trust it back.

- A Message-ID names the organisation, the ticket and what the message is (`created`, a
  reply `r<response id>`, another notification `n<delivery id>`), with an HMAC:
  `<parley.3.42.r17.5f0c…@support.example.com>`. Every message of a ticket is in its thread,
  so a customer's reply carries one or more of them in In-Reply-To/References, and inbound
  mail is matched to its ticket by a Message-ID whose signature checks out (a forged one, or
  one naming another ticket, does not).
- The reply-to address is the sending address with a plus tag naming the ticket, signed:
  `support+t42.9a1b…@support.example.com`. Replying to any of Parley's messages goes there.

The signatures use a key derived from PARLEY_SECRET_KEY for this purpose alone, truncated to
64 bits: enough that guessing one is hopeless, short enough for a mail header.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

_SIGNATURE_HEX = 16
_MESSAGE_ID = re.compile(
    r"^<?parley\.(?P<org>\d{1,18})\.(?P<ticket>\d{1,18})\.(?P<part>created|[rn]\d{1,18})\."
    r"(?P<sig>[0-9a-f]{16})@(?P<domain>[^<>@\s]+)>?$"
)
_REPLY_TAG = re.compile(r"^t(?P<ticket>\d{1,18})\.(?P<sig>[0-9a-f]{16})$")


@dataclass(frozen=True)
class MessageRef:
    """What a verified Message-ID of Parley's names."""

    organization_id: int
    ticket_id: int
    part: str  # "created", "r<response id>" or "n<delivery id>"


class EmailIds:
    """Makes and verifies Message-IDs and reply-to addresses for one sending address."""

    def __init__(self, secret_key: str, sender: str) -> None:
        local, _, domain = sender.rpartition("@")
        if not local or not domain:
            raise ValueError(f"not an email address: {sender!r}")
        self._key = hmac.new(secret_key.encode(), b"parley email ids", hashlib.sha256).digest()
        self.local = local
        self.domain = domain.lower()

    def _sign(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()[:_SIGNATURE_HEX]

    def message_id(self, organization_id: int, ticket_id: int, part: str) -> str:
        body = f"parley.{organization_id}.{ticket_id}.{part}"
        return f"<{body}.{self._sign(body)}@{self.domain}>"

    def read_message_id(self, value: str) -> MessageRef | None:
        """What `value` names if it is a Message-ID Parley made with this key, else None."""
        found = _MESSAGE_ID.match(value.strip())
        if found is None:
            return None
        body = f"parley.{found['org']}.{found['ticket']}.{found['part']}"
        if not hmac.compare_digest(self._sign(body), found["sig"]):
            return None
        return MessageRef(int(found["org"]), int(found["ticket"]), found["part"])

    def reply_address(self, organization_id: int, ticket_id: int) -> str:
        tag = f"t{ticket_id}.{self._sign(f'reply.{organization_id}.{ticket_id}')}"
        return f"{self.local}+{tag}@{self.domain}"

    def read_reply_address(self, organization_id: int, address: str) -> int | None:
        """The ticket a reply-to address of this organisation names, if its tag checks out."""
        local, _, domain = address.strip().rpartition("@")
        base, plus, tag = local.partition("+")
        if not plus or domain.lower() != self.domain or base.lower() != self.local.lower():
            return None
        found = _REPLY_TAG.match(tag.lower())
        if found is None:
            return None
        ticket_id = int(found["ticket"])
        expected = self._sign(f"reply.{organization_id}.{ticket_id}")
        if not hmac.compare_digest(expected, found["sig"]):
            return None
        return ticket_id
