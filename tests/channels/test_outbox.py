"""The outbox relay: committed rows are published in id order and deleted, at least once.

Each test drives its own `Relay` over a fake publish function. The app's relay is parked for
the test (its sweeper stopped and `relayed()` pointed nowhere) so it cannot take the rows;
the rows use channels of an organisation id no test creates, so nothing else touches them.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from tortoise.transactions import in_transaction

from server.channels import events, names, outbox
from server.channels.audiences import Delivery
from server.channels.models import OutboxEvent


class Recorder:
    """A fake `publish`: records (key, event, data), and can fail or dawdle on demand."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.fail_at: int | None = None  # raise on this (0-based) call, once
        self.delay = delay

    async def __call__(self, key: str, event: str, data: dict[str, Any]) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_at is not None and len(self.calls) == self.fail_at:
            self.fail_at = None
            raise ConnectionError("backend down")
        self.calls.append((key, event, data))

    def of(self, keys: set[str]) -> list[tuple[str, str, dict[str, Any]]]:
        return [call for call in self.calls if call[0] in keys]


@pytest.fixture
async def parked(app: Starlette) -> AsyncIterator[None]:
    """Stop the app's relay for the test (after it relayed what was pending); restore it."""
    relay = outbox._relay
    assert relay is not None, "the app's relay should be installed"
    await relay.flush()
    outbox.install(None)
    await relay.stop()
    try:
        yield
    finally:
        relay.start()
        outbox.install(relay)


def org_id() -> int:
    """An organisation id far beyond any the suite creates."""
    return 1_000_000_000 + secrets.randbelow(1_000_000_000)


def channel_keys(org: int, n: int) -> list[str]:
    return [names.ticket(org, i + 1).key for i in range(n)]


def deliveries(org: int, ticket_id: int, n: int) -> list[Delivery]:
    """`n` deliveries on one ticket channel, told apart by their `reference`."""
    return [
        Delivery(
            names.ticket(org, ticket_id),
            events.TicketDeleted(ticket_id=ticket_id, reference=f"T-{ticket_id}-{i}"),
        )
        for i in range(n)
    ]


async def remaining(keys: list[str] | set[str]) -> list[OutboxEvent]:
    return await OutboxEvent.filter(channel__in=list(keys)).order_by("id")


def postgres() -> bool:
    return outbox.database_is_postgres()


async def test_rows_are_published_in_id_order_then_deleted(parked: None) -> None:
    org = org_id()
    keys = set(channel_keys(org, 3))
    # Three transactions, interleaving channels: the id order is the commit order here.
    async with in_transaction() as conn:
        await outbox.stage(deliveries(org, 1, 2), conn)
        await outbox.stage(deliveries(org, 2, 1), conn)
    async with in_transaction() as conn:
        await outbox.stage(deliveries(org, 3, 2), conn)
    async with in_transaction() as conn:
        await outbox.stage(deliveries(org, 1, 1), conn)
    staged = await remaining(keys)
    assert len(staged) == 6
    assert [r.id for r in staged] == sorted(r.id for r in staged)

    publish = Recorder()
    relay = outbox.Relay(publish, postgres=postgres())
    assert await relay.flush() is True

    assert publish.of(keys) == [(r.channel, r.event, r.data) for r in staged]
    assert [data["reference"] for _, _, data in publish.of(keys)] == [
        "T-1-0", "T-1-1", "T-2-0", "T-3-0", "T-3-1", "T-1-0",
    ]  # fmt: skip
    assert publish.of(keys)[0] == (
        names.ticket(org, 1).key,
        "ticket.deleted",
        {"ticketId": 1, "reference": "T-1-0"},  # the wire shape, without `type`
    )
    assert await remaining(keys) == []
    assert relay.relayed >= 6 and relay.failures == 0

    # Nothing left: a second flush publishes nothing of ours.
    assert await relay.flush() is True
    assert len(publish.of(keys)) == 6


async def test_more_rows_than_a_batch_all_go_out_in_order(parked: None) -> None:
    org = org_id()
    keys = {names.ticket(org, 1).key}
    count = outbox.BATCH_SIZE + 5
    async with in_transaction() as conn:
        await outbox.stage(deliveries(org, 1, count), conn)

    publish = Recorder()
    assert await outbox.Relay(publish, postgres=postgres()).flush() is True
    assert [d["reference"] for _, _, d in publish.of(keys)] == [f"T-1-{i}" for i in range(count)]
    assert await remaining(keys) == []


async def test_a_rolled_back_transaction_publishes_nothing(parked: None) -> None:
    org = org_id()
    keys = set(channel_keys(org, 2))
    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            await outbox.stage(deliveries(org, 1, 3), conn)
            await outbox.stage_control({"revoke": {"tokenDigest": f"rollback-{org}"}}, conn)
            raise RuntimeError("the write failed")
    async with in_transaction() as conn:
        await outbox.stage(deliveries(org, 2, 1), conn)

    publish = Recorder()
    assert await outbox.Relay(publish, postgres=postgres()).flush() is True
    assert [(k, d["reference"]) for k, _, d in publish.of(keys)] == [
        (names.ticket(org, 2).key, "T-2-0")
    ]
    assert not any(
        d.get("revoke", {}).get("tokenDigest") == f"rollback-{org}" for _, _, d in publish.calls
    )
    assert await remaining(keys) == []


async def test_a_failed_publish_keeps_the_rows_for_a_later_flush(parked: None) -> None:
    org = org_id()
    keys = {names.ticket(org, 1).key}
    async with in_transaction() as conn:
        await outbox.stage(deliveries(org, 1, 4), conn)
    staged_ids = [r.id for r in await remaining(keys)]

    publish = Recorder()
    relay = outbox.Relay(publish, postgres=postgres())
    first_ours = len(publish.calls)
    publish.fail_at = first_ours + 2  # the backend dies on our third row
    assert await relay.flush() is False
    assert relay.failures == 1
    # Nothing was deleted: the batch's transaction rolled back.
    assert [r.id for r in await remaining(keys)] == staged_ids
    assert [d["reference"] for _, _, d in publish.of(keys)] == ["T-1-0", "T-1-1"]

    # Back up: everything goes out, in order (the first two a second time: at least once).
    assert await relay.flush() is True
    assert [d["reference"] for _, _, d in publish.of(keys)] == [
        "T-1-0", "T-1-1", "T-1-0", "T-1-1", "T-1-2", "T-1-3",
    ]  # fmt: skip
    assert await remaining(keys) == []


async def test_a_hanging_backend_does_not_hang_the_flush(parked: None) -> None:
    org = org_id()
    keys = {names.ticket(org, 1).key}
    async with in_transaction() as conn:
        await outbox.stage(deliveries(org, 1, 2), conn)
    staged_ids = [r.id for r in await remaining(keys)]

    async def hangs(key: str, event: str, data: dict[str, Any]) -> None:
        await asyncio.Event().wait()

    relay = outbox.Relay(hangs, postgres=postgres(), timeout=0.2)
    assert await relay.flush() is False
    assert relay.failures == 1
    assert [r.id for r in await remaining(keys)] == staged_ids  # they wait for a later flush
    assert await outbox.Relay(Recorder(), postgres=postgres()).flush() is True
    assert await remaining(keys) == []


async def test_a_control_message_goes_out_as_control(parked: None) -> None:
    digest = f"digest-{secrets.token_hex(6)}"
    message = {"revoke": {"tokenDigest": digest}}
    async with in_transaction() as conn:
        await outbox.stage_control(message, conn)
    row = await OutboxEvent.filter(channel=names.CONTROL_KEY).order_by("-id").first()
    assert row is not None and row.data == message

    publish = Recorder()
    assert await outbox.Relay(publish, postgres=postgres()).flush() is True
    assert (names.CONTROL_KEY, outbox.CONTROL_EVENT, message) in publish.calls
    assert outbox.CONTROL_EVENT == "control"
    assert not await OutboxEvent.filter(id=row.id).exists()


async def test_stage_control_outside_a_transaction_commits_at_once(parked: None) -> None:
    message = {"revoke": {"tokenDigest": f"digest-{secrets.token_hex(6)}"}}
    await outbox.stage_control(message)
    publish = Recorder()
    assert await outbox.Relay(publish, postgres=postgres()).flush() is True
    assert publish.calls.count((names.CONTROL_KEY, "control", message)) == 1


async def test_relayed_uses_the_installed_relay_and_nothing_without_one(parked: None) -> None:
    org = org_id()
    keys = {names.ticket(org, 1).key}
    async with in_transaction() as conn:
        await outbox.stage(deliveries(org, 1, 1), conn)
    await outbox.relayed()  # no relay installed: the row waits
    assert len(await remaining(keys)) == 1

    publish = Recorder()
    outbox.install(outbox.Relay(publish, postgres=postgres()))
    try:
        await outbox.relayed()
    finally:
        outbox.install(None)
    assert [d["reference"] for _, _, d in publish.of(keys)] == ["T-1-0"]
    assert await remaining(keys) == []


@pytest.mark.postgres
async def test_concurrent_relays_never_publish_a_row_twice(parked: None) -> None:
    assert postgres()
    org = org_id()
    keys = set(channel_keys(org, 4))
    for ticket_id in range(1, 5):
        async with in_transaction() as conn:
            await outbox.stage(deliveries(org, ticket_id, 10), conn)
    staged = await remaining(keys)
    assert len(staged) == 40

    # Both relays write to one log, so its order is the order of publication.
    log: list[tuple[str, str, dict[str, Any]]] = []

    class Shared(Recorder):
        async def __call__(self, key: str, event: str, data: dict[str, Any]) -> None:
            await asyncio.sleep(self.delay)
            log.append((key, event, data))
            self.calls.append((key, event, data))

    first, second = Shared(delay=0.002), Shared(delay=0.002)
    relays = [outbox.Relay(first, postgres=True), outbox.Relay(second, postgres=True)]
    results = await asyncio.gather(*(relay.flush() for relay in relays))

    ours = [call for call in log if call[0] in keys]
    assert ours == [(r.channel, r.event, r.data) for r in staged]  # once each, in id order
    assert await remaining(keys) == []
    # A relay that found the lock taken waited and then saw the outbox empty, or gave up
    # within LOCK_WAIT_SECONDS; either way it published nothing the other one did.
    assert True in results
    assert sum(len(recorder.of(keys)) for recorder in (first, second)) == 40


@pytest.mark.postgres
async def test_a_relay_waits_while_another_holds_the_lock(parked: None) -> None:
    """With the advisory lock held elsewhere, a flush publishes nothing and reports False."""
    org = org_id()
    keys = {names.ticket(org, 1).key}
    async with in_transaction() as conn:
        await outbox.stage(deliveries(org, 1, 2), conn)

    publish = Recorder()
    relay = outbox.Relay(publish, postgres=True)
    locked, done = asyncio.Event(), asyncio.Event()

    async def other_process() -> None:
        # Its own task, so its transaction (and connection) is not the test's.
        async with in_transaction() as holder:
            assert await outbox._try_lock(holder)
            locked.set()
            await done.wait()

    holder = asyncio.create_task(other_process())
    await asyncio.wait_for(locked.wait(), 5)
    try:
        assert await relay.flush() is False  # gave up after LOCK_WAIT_SECONDS
        assert publish.of(keys) == []
    finally:
        done.set()
        await holder
    assert len(await remaining(keys)) == 2

    assert await relay.flush() is True
    assert [d["reference"] for _, _, d in publish.of(keys)] == ["T-1-0", "T-1-1"]
