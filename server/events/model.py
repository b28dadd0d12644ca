"""What every domain event is: a typed payload (`Event`) about one `Subject`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

SubjectKind = Literal["ticket", "conversation", "agent", "api_key", "access_token"]


class Event(BaseModel):
    """A domain event: a literal `type`, camelCase on the wire, nothing it does not declare.

    The payload is a snapshot taken when the write recorded it (the state after the write),
    so a listener running later sees what the change was, not what the row is by then.
    """

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, from_attributes=True, extra="forbid"
    )

    type: str
    # Fields of the snapshot that projections read but no agent payload carries.
    internal_fields: ClassVar[frozenset[str]] = frozenset()

    def payload(self) -> dict[str, Any]:
        """The snapshot as stored in the outbox: JSON, camelCase, without `type`."""
        return self.model_dump(mode="json", by_alias=True, exclude={"type"})


@dataclass(frozen=True)
class Subject:
    """What a change is about, and whom it concerns beyond the organisation's agents.

    `contact_id` is the customer it concerns (a ticket's requester, a chat's contact), if any;
    `agent_ids` are the agents it moves between (an assignment's new and previous assignee).
    """

    organization_id: int
    kind: SubjectKind
    id: int
    contact_id: int | None = None
    agent_ids: tuple[int, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "organizationId": self.organization_id,
            "kind": self.kind,
            "id": self.id,
            "contactId": self.contact_id,
            "agentIds": list(self.agent_ids),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Subject:
        return cls(
            organization_id=int(data["organizationId"]),
            kind=data["kind"],
            id=int(data["id"]),
            contact_id=data.get("contactId"),
            agent_ids=tuple(int(a) for a in data.get("agentIds") or ()),
        )
