"""Who makes a change: one `Actor` for every service, and the one `AuthorType` it is stored as.

Services take an `Actor` for whatever they record about who did something (a ticket's audit
trail, a reply's or a chat message's author). Authorisation is not its business: agents are
checked through their `Principal` (which gives its `actor`), customers through their visitor
token, before a service writes anything.

Four kinds: an `agent`; a `customer` (from the widget, or `by_email`); an `integration` (an
API key); and `system` (Parley itself: routing, jobs, the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal


class AuthorType(StrEnum):
    """How an author is stored, in tickets and chat alike.

    The REST API and the WebSocket protocol show it as is, with one exception kept for API
    compatibility: chat messages (v1) call the customer `CONTACT` (`server/chat/schemas.py`
    `MessageAuthor`). An integration is stored and shown as `SYSTEM`, as it was before the
    actor had kinds (`Actor.author_type`).
    """

    CUSTOMER = "CUSTOMER"
    AGENT = "AGENT"
    SYSTEM = "SYSTEM"
    EMAIL = "EMAIL"  # a customer writing by email


# The authors that are the customer, however they wrote.
CUSTOMER_AUTHORS = (AuthorType.CUSTOMER, AuthorType.EMAIL)

ActorKind = Literal["agent", "customer", "integration", "system"]


@dataclass(frozen=True)
class Actor:
    """One who changes something. `id` is the agent's, the contact's or the API key's id
    (None for the system); `name` is what trails and messages show."""

    kind: ActorKind
    name: str
    id: int | None = None
    by_email: bool = False  # a customer's change arriving by email
    # Sent by a machine on the customer's side (an auto-responder): nothing answers it.
    automatic: bool = False

    @classmethod
    def agent(cls, agent_id: int, name: str) -> Actor:
        return cls(kind="agent", name=name, id=agent_id)

    @classmethod
    def customer(
        cls, contact_id: int, name: str, *, by_email: bool = False, automatic: bool = False
    ) -> Actor:
        return cls(
            kind="customer", name=name, id=contact_id, by_email=by_email, automatic=automatic
        )

    @classmethod
    def integration(cls, api_key_id: int, name: str) -> Actor:
        return cls(kind="integration", name=name, id=api_key_id)

    @classmethod
    def system(cls, name: str = "Parley") -> Actor:
        return cls(kind="system", name=name)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "name": self.name, "id": self.id,
            "byEmail": self.by_email, "automatic": self.automatic,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Actor:
        return cls(
            kind=data["kind"],
            name=str(data.get("name") or ""),
            id=None if data.get("id") is None else int(data["id"]),
            by_email=bool(data.get("byEmail")),
            automatic=bool(data.get("automatic")),
        )

    @property
    def author_type(self) -> AuthorType:
        if self.kind == "agent":
            return AuthorType.AGENT
        if self.kind == "customer":
            return AuthorType.EMAIL if self.by_email else AuthorType.CUSTOMER
        return AuthorType.SYSTEM

    @property
    def agent_id(self) -> int | None:
        return self.id if self.kind == "agent" else None

    @property
    def contact_id(self) -> int | None:
        return self.id if self.kind == "customer" else None
