"""Channel names and Redis keys: the only place either is built.

A client names channels relative to the organisation it authenticated as (the *wire* name):

    queue            every agent of the organisation (new and changed tickets)
    ticket:{id}      everyone viewing one ticket
    agent:{id}       one agent's personal channel (assignments, mentions)
    contact:{id}     one customer's widget
    conversation:{id}  who is in one live chat and who is typing (presence only: the chat's
                     events go to the queue, the assignee and the customer's channel)
    tracking:{id}    one ticket's tracking page: what its requester may see of that ticket

Ids are positive decimal numbers of at most nine digits, written without leading zeros,
so every channel has exactly one wire name. The server never trusts an organisation from
the wire: `parse` takes the organisation id from the authenticated session, and every
internal name (the *key*, ``parley:org:{org}:{wire}``) carries it, so a wrong object id can
at worst name another channel of the same organisation, never another tenant's.

Redis keys holding a channel's history share the hash tag ``{<channel key>}`` so the Lua
script that appends and publishes touches keys of a single cluster slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast, get_args

ChannelKind = Literal["queue", "ticket", "agent", "contact", "conversation", "tracking"]
KINDS: tuple[str, ...] = get_args(ChannelKind)
MAX_OBJECT_ID = 999_999_999
KEY_PREFIX = "parley"

# ASCII digits only: `\d` would also accept other scripts' digits, which int() then parses.
_ID = r"[1-9][0-9]{0,8}"
_WIRE = re.compile(
    rf"(?:(?P<queue>queue)|(?P<kind>ticket|agent|contact|conversation|tracking):(?P<id>{_ID}))"
)
_KEY = re.compile(rf"{KEY_PREFIX}:org:(?P<org>[1-9][0-9]*):(?P<wire>.*)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Channel:
    """One channel of one organisation; `object_id` is None only for the queue."""

    organization_id: int
    kind: ChannelKind
    object_id: int | None = None

    def __post_init__(self) -> None:
        _check_organization(self.organization_id)
        if self.kind not in KINDS:
            raise ValueError(f"unknown channel kind {self.kind!r}")
        if self.kind == "queue":
            if self.object_id is not None:
                raise ValueError("the queue channel takes no id")
        elif not _is_object_id(self.object_id):
            raise ValueError(
                f"{self.kind} channel needs an id between 1 and {MAX_OBJECT_ID}, "
                f"got {self.object_id!r}"
            )

    @property
    def wire(self) -> str:
        """The name a client uses, relative to its organisation (`queue`, `ticket:42`)."""
        return "queue" if self.kind == "queue" else f"{self.kind}:{self.object_id}"

    @property
    def key(self) -> str:
        """The internal name, including the organisation; also the pub/sub channel."""
        return f"{KEY_PREFIX}:org:{self.organization_id}:{self.wire}"


def _is_object_id(value: object) -> bool:
    # bool is an int subclass; `True` must not pass for ticket 1.
    return type(value) is int and 1 <= value <= MAX_OBJECT_ID


def _check_organization(organization_id: object) -> None:
    if type(organization_id) is not int or organization_id < 1:
        raise ValueError(f"organisation id must be a positive integer, got {organization_id!r}")


def queue(organization_id: int) -> Channel:
    """The organisation's queue: every agent of the organisation."""
    return Channel(organization_id, "queue")


def ticket(organization_id: int, ticket_id: int) -> Channel:
    """Everyone viewing one ticket."""
    return Channel(organization_id, "ticket", ticket_id)


def agent(organization_id: int, agent_id: int) -> Channel:
    """One agent's personal channel."""
    return Channel(organization_id, "agent", agent_id)


def contact(organization_id: int, contact_id: int) -> Channel:
    """One customer's widget channel."""
    return Channel(organization_id, "contact", contact_id)


def conversation(organization_id: int, conversation_id: int) -> Channel:
    """Presence in one live chat: the customer and the agents in it, and who is typing."""
    return Channel(organization_id, "conversation", conversation_id)


def tracking(organization_id: int, ticket_id: int) -> Channel:
    """One ticket's tracking page: the public view of that ticket, nothing else."""
    return Channel(organization_id, "tracking", ticket_id)


def parse(organization_id: int, wire: str) -> Channel:
    """Map a client's wire name to a channel of the authenticated organisation.

    Raises ValueError for anything but the exact forms in the module docstring: unknown kind,
    missing, non-numeric, zero, leading-zero or over-long id, extra parts, whitespace.
    """
    _check_organization(organization_id)
    if not isinstance(wire, str):
        raise ValueError(f"channel name must be a string, got {type(wire).__name__}")
    match = _WIRE.fullmatch(wire)
    if match is None:
        raise ValueError(
            f"invalid channel name {wire[:80]!r}: expected queue, ticket:<id>, agent:<id>, "
            f"contact:<id>, conversation:<id> or tracking:<id> with an id from 1 to "
            f"{MAX_OBJECT_ID}"
        )
    if match["queue"]:
        return queue(organization_id)
    # `_WIRE` only matches the non-queue kinds in its `kind` group.
    return Channel(organization_id, cast(ChannelKind, match["kind"]), int(match["id"]))


def from_key(key: str) -> Channel:
    """The channel behind an internal key (as built by `Channel.key`); ValueError otherwise."""
    match = _KEY.fullmatch(key) if isinstance(key, str) else None
    if match is None:
        raise ValueError(f"invalid channel key {str(key)[:120]!r}")
    channel = parse(int(match["org"]), match["wire"])
    if channel.key != key:
        raise ValueError(f"invalid channel key {key[:120]!r}")
    return channel


def _channel(channel: Channel | str) -> Channel:
    return channel if isinstance(channel, Channel) else from_key(channel)


def history_key(channel: Channel | str) -> str:
    """Redis stream holding the channel's recent events (channel or its key)."""
    return f"{{{_channel(channel).key}}}:history"


def epoch_key(channel: Channel | str) -> str:
    """Redis string holding the channel history's epoch (channel or its key)."""
    return f"{{{_channel(channel).key}}}:epoch"


def offset_key(channel: Channel | str) -> str:
    """Redis counter holding the channel's latest offset (channel or its key)."""
    return f"{{{_channel(channel).key}}}:offset"


def history_bytes_key(channel: Channel | str) -> str:
    """Redis counter of what the channel's stream keeps, by `history.entry_size`."""
    return f"{{{_channel(channel).key}}}:history:bytes"


def presence_key(channel: Channel | str) -> str:
    """Redis hash of the channel's presence entries, by connection id (channel or its key)."""
    return f"{{{_channel(channel).key}}}:presence"


def presence_expiry_key(channel: Channel | str) -> str:
    """Redis sorted set of the channel's connections by expiry time (channel or its key)."""
    return f"{{{_channel(channel).key}}}:presence:expiry"


def connection_channels_key(connection_id: str) -> str:
    """Redis set of the channel keys one connection has joined (read by heartbeats)."""
    return f"{KEY_PREFIX}:presence:connection:{connection_id}"


# Process-to-process control messages (e.g. "close the sockets of this revoked token"); not
# a channel of any organisation, never subscribed to by a client, and kept in no history.
CONTROL_KEY = f"{KEY_PREFIX}:control"
