"""A server killed (SIGKILL) between an event's commit and its webhook's delivery still
delivers it once restarted: the delivery row was written durably, and the one the dead
process had taken comes back when its lease runs out. A real `parley serve` process, a real
receiver on loopback, one PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import create_pg_database, drop_pg_database
from tests.support.processes import Deployment, ParleyProcess, seed
from tests.webhooks.conftest import HANG, Receiver

pytestmark = [pytest.mark.postgres]

SERVER_ENV = {
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
    # A short timeout makes the lease on a taken delivery short (2 x timeout + 5 s).
    "WEBHOOK_TIMEOUT_SECONDS": "2",
}


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    url = await create_pg_database("parley_webhooks")
    try:
        yield await seed(url, tmp_path)
    finally:
        await drop_pg_database(url)


async def test_a_killed_server_delivers_after_restart(
    deployment: Deployment, receiver: Receiver
) -> None:
    receiver.answer(HANG)  # the first attempt is taken, then never answered
    first = ParleyProcess(deployment, "", "webhooks-a", **SERVER_ENV)
    second = ParleyProcess(deployment, "", "webhooks-b", **SERVER_ENV)
    try:
        await first.start()
        token = await first.login(deployment.admin)
        async with first.client(token) as api:
            response = await api.post(
                "/api/admin/webhooks",
                json={"url": receiver.url, "eventTypes": ["ticket.created"]},
            )
            assert response.status_code == 201, response.text
            hook = response.json()
            response = await api.post(
                "/api/tickets",
                json={"requesterName": "Rita", "requesterEmail": "rita@example.com",
                      "subject": "Killed mid-flight", "description": "..."},
            )  # fmt: skip
            assert response.status_code == 201, response.text
            reference = response.json()["ticket"]["reference"]
        [taken] = await receiver.wait_for(1)
        await first.kill()  # committed, sent, never acknowledged

        await second.start()
        received = await receiver.wait_for(2, within=60)
        assert len(received) == 2
        assert received[1].message_id == taken.message_id
        payload = received[1].verified(hook["secret"])
        assert payload["data"]["ticket"]["reference"] == reference
        async with second.client(token) as api:
            log = (await api.get(f"/api/admin/webhooks/{hook['id']}/deliveries")).json()
        [delivery] = log["items"]
        assert delivery["messageId"] == taken.message_id
        assert delivery["state"] == "succeeded"
        assert [a["statusCode"] for a in delivery["attempts"]] == [200]  # the dead one: unlogged
    finally:
        for server in (first, second):
            await server.stop()
            server.cleanup()
