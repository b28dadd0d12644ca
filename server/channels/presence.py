"""Who is on a channel: per-connection presence with a TTL, rolled up per person.

Every socket that shows itself on a channel is one *connection* (an id unique per socket,
e.g. ``{process_id}:{n}``) carrying the *person* behind it (``agent:{id}`` or
``contact:{id}``), a display name, a status (``online`` or ``away``; ``offline`` means the
connection leaves) and a composing flag. Each connection has an expiry, `ttl` seconds after
its last join, update or heartbeat; one `heartbeat(connection_ids)` call per process
refreshes all of that process's connections on every channel they are in. When a process
dies its heartbeats stop, and the hub's periodic `expire(channel_key)` removes its
connections within the TTL.

Clients see people, not connections. The *rollup* of a channel merges the connections of one
person (several tabs or devices) into one `events.PresenceEntry`: the best status of any of
them (online > away), composing if any of them composes, and the name of the connection with
the smallest id (names of one person's tabs normally agree). Snapshots and diffs are sorted
by person key (plain string order).

Every mutation (`join`, `update`, `leave`, `expire`) first removes the channel's expired
connections, then applies its change, atomically, and returns the `PresenceDiff` between the
rollup of the *stored* connections before and after. Consequently a second tab of a person
already present gives an empty diff, closing one of two tabs gives no ``left``, and the diffs
of a channel, applied in order to a snapshot, always give the current rollup (an expired
connection the previous diffs still count is reported ``left`` by the next mutation).
`snapshot` reads without writing and leaves expired connections out. `heartbeat` extends
only connections that have not yet expired: an expired connection is dead, and its socket
has to join again.

This module holds what the backends share: the `Presence` base class (it checks every
argument, then calls the backend's hooks), `rollup` and `diff_rollups`, `PresenceDiff` and
`to_event`. Two backends give these semantics identically: `presence_memory.MemoryPresence`
(embedded mode) and `presence_redis.RedisPresence` (shared by every process). Each must make
every mutation atomic on its channel, judge expiry by one clock that every user of the store
agrees on, and report the diff of the rollups (as `rollup` makes them) of the stored
connections before and after. A channel untouched for `KEY_TTL_FACTOR` TTLs vanishes whole,
and so does a connection's record of its channels (what `heartbeat` refreshes) without
heartbeats.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from server.channels import events, names

DEFAULT_TTL_SECONDS = 30.0
# A channel's (or a connection's channel set's) keys live this many TTLs after the last
# write, so `expire` has a full TTL to report a dead connection before its channel vanishes.
KEY_TTL_FACTOR = 2
MAX_CONNECTION_ID_LENGTH = 200

Status = Literal["online", "away", "offline"]
STATUSES: tuple[str, ...] = ("online", "away", "offline")
_RANK = {"online": 2, "away": 1}
_PERSON = re.compile(r"(?:agent|contact):[1-9][0-9]{0,8}")


@dataclass(slots=True)
class PresenceDiff:
    """What changed in a channel's rollup; each list sorted by person key."""

    joined: list[events.PresenceEntry] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    updated: list[events.PresenceEntry] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing visible changed (nothing to push)."""
        return not (self.joined or self.left or self.updated)


def to_event(channel_wire: str, diff: PresenceDiff) -> events.PresenceChanged:
    """The `presence.changed` event announcing `diff` on the channel named `channel_wire`."""
    return events.PresenceChanged(
        channel=channel_wire,
        joined=list(diff.joined),
        left=list(diff.left),
        updated=list(diff.updated),
    )


@dataclass(frozen=True, slots=True)
class Conn:
    """One stored connection: the person behind it, their name, its status and composing."""

    person: str
    name: str
    status: str
    composing: bool


def rollup(connections: dict[str, Conn]) -> dict[str, events.PresenceEntry]:
    """Merge connections per person: best status, composing if any, smallest id's name."""
    grouped: dict[str, list[tuple[str, Conn]]] = {}
    for connection_id, conn in connections.items():
        grouped.setdefault(conn.person, []).append((connection_id, conn))
    result: dict[str, events.PresenceEntry] = {}
    for person in sorted(grouped):
        conns = grouped[person]
        best = max(_RANK.get(conn.status, 0) for _, conn in conns)
        result[person] = events.PresenceEntry(
            person=person,
            name=min(conns, key=lambda item: item[0])[1].name,
            status="online" if best == _RANK["online"] else "away",
            composing=any(conn.composing for _, conn in conns),
        )
    return result


def diff_rollups(
    before: dict[str, events.PresenceEntry], after: dict[str, events.PresenceEntry]
) -> PresenceDiff:
    """The diff taking rollup `before` to rollup `after`."""
    return PresenceDiff(
        joined=[after[p] for p in sorted(after.keys() - before.keys())],
        left=sorted(before.keys() - after.keys()),
        updated=[after[p] for p in sorted(after.keys() & before.keys()) if after[p] != before[p]],
    )


def check_ttl(ttl: float) -> None:
    """Refuse a TTL that is not a positive number of seconds (both backends' constructors)."""
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl > 0:
        raise ValueError(f"ttl must be a positive number of seconds, got {ttl!r}")


def _check_channel(channel_key: str) -> None:
    names.from_key(channel_key)  # Only well-formed channel keys get presence.


def _check_connection(connection_id: str) -> None:
    if (
        not isinstance(connection_id, str)
        or not connection_id
        or len(connection_id) > MAX_CONNECTION_ID_LENGTH
    ):
        raise ValueError(
            f"connection id must be a non-empty string of at most {MAX_CONNECTION_ID_LENGTH} "
            f"characters, got {str(connection_id)[:80]!r}"
        )


def _check_status(status: object) -> None:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")


def _check_join(connection_id: str, person: str, name: str, status: str) -> None:
    _check_connection(connection_id)
    if not isinstance(person, str) or not _PERSON.fullmatch(person):
        raise ValueError(f"person must be agent:<id> or contact:<id>, got {str(person)[:80]!r}")
    if not isinstance(name, str):
        raise ValueError(f"name must be a string, got {type(name).__name__}")
    _check_status(status)


def _check_update(connection_id: str, status: str | None, composing: bool | None) -> None:
    _check_connection(connection_id)
    if status is not None:
        _check_status(status)
    if composing is not None and not isinstance(composing, bool):
        raise ValueError(f"composing must be a bool, got {composing!r}")


class Presence(ABC):
    """Per-connection presence rolled up per person (see the module docstring)."""

    ttl: float

    async def join(
        self,
        channel_key: str,
        connection_id: str,
        person: str,
        name: str,
        status: Status = "online",
    ) -> PresenceDiff:
        """Show a connection on a channel (again: replaces it, composing off); `offline` leaves."""
        _check_channel(channel_key)
        _check_join(connection_id, person, name, status)
        if status == "offline":
            return await self._leave(channel_key, connection_id)
        return await self._join(channel_key, connection_id, Conn(person, name, status, False))

    async def update(
        self,
        channel_key: str,
        connection_id: str,
        *,
        status: Status | None = None,
        composing: bool | None = None,
    ) -> PresenceDiff:
        """Change a present connection's status/composing and refresh its expiry.

        `offline` leaves; an unknown (or expired) connection is ignored (empty diff).
        """
        _check_channel(channel_key)
        _check_update(connection_id, status, composing)
        return await self._update(channel_key, connection_id, status, composing)

    async def leave(self, channel_key: str, connection_id: str) -> PresenceDiff:
        """Remove a connection from a channel (an unknown one is ignored)."""
        _check_channel(channel_key)
        _check_connection(connection_id)
        return await self._leave(channel_key, connection_id)

    async def heartbeat(self, connection_ids: Iterable[str]) -> None:
        """Extend the expiry of these connections on every channel they are still alive in."""
        ids = list(dict.fromkeys(connection_ids))
        for connection_id in ids:
            _check_connection(connection_id)
        if ids:
            await self._heartbeat(ids)

    async def snapshot(self, channel_key: str) -> list[events.PresenceEntry]:
        """The channel's rollup without expired connections, sorted by person."""
        _check_channel(channel_key)
        return await self._snapshot(channel_key)

    async def expire(self, channel_key: str) -> PresenceDiff:
        """Remove the channel's expired connections; the diff says who disappeared."""
        _check_channel(channel_key)
        return await self._expire(channel_key)

    # Each backend implements these; arguments arrive validated (see the methods above).

    @abstractmethod
    async def _join(self, channel_key: str, connection_id: str, conn: Conn) -> PresenceDiff: ...

    @abstractmethod
    async def _update(
        self,
        channel_key: str,
        connection_id: str,
        status: Status | None,
        composing: bool | None,
    ) -> PresenceDiff: ...

    @abstractmethod
    async def _leave(self, channel_key: str, connection_id: str) -> PresenceDiff: ...

    @abstractmethod
    async def _heartbeat(self, connection_ids: list[str]) -> None: ...

    @abstractmethod
    async def _snapshot(self, channel_key: str) -> list[events.PresenceEntry]: ...

    @abstractmethod
    async def _expire(self, channel_key: str) -> PresenceDiff: ...
