"""Deliveries end to end: events committed by real services reach a real receiver on
loopback, signed, through the spine's fan-out and the sender; failures are retried under the
same `webhook-id`; 410 and a day of failures disable the endpoint and tell its admins.

Tests that need several attempts park the app's sender and drive one of their own on a
`ManualClock`, so retries are due when the clock says, not after real waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from server.chat.events import ConversationMessageCreated
from server.events.delayed import DelayedRun
from server.events.relay import database_is_postgres
from server.tickets.events import TicketDeleted
from server.webhooks import service
from server.webhooks.delivery import WebhookSender
from server.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from server.webhooks.notice import NOTICE_JOB
from server.webhooks.signing import new_secret
from tests.factories import Team, make_ticket
from tests.push.test_chat_rules import NAMED, recorded
from tests.support.clock import ManualClock
from tests.support.smtp import MailCatcher
from tests.support.wait import wait_until
from tests.webhooks.conftest import HANG, Receiver, create_hook

HOUR = timedelta(hours=1)


def sender_on(clock: ManualClock) -> WebhookSender:
    return WebhookSender(
        postgres=database_is_postgres(), allow_private=True, timeout=10,
        disable_after=timedelta(hours=24), clock=clock,
    )  # fmt: skip


async def fanned_out(endpoint_id: int, count: int = 1) -> list[WebhookDelivery]:
    """The endpoint's deliveries once the app's spine has fanned `count` events out."""

    async def found() -> list[WebhookDelivery]:
        rows = await WebhookDelivery.filter(endpoint_id=endpoint_id).order_by("id")
        return rows if len(rows) >= count else []

    await wait_until(found, within=15, what="the event fanned out to the endpoint")
    return await found()


async def log_of(client: httpx.AsyncClient, team: Team, endpoint_id: int) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/admin/webhooks/{endpoint_id}/deliveries", headers=team.admin_headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_failing_twice_then_succeeding_delivers_once_more_under_the_same_id(
    client: httpx.AsyncClient, team: Team, receiver: Receiver, parked_sender: None
) -> None:
    receiver.answer(500, 500, 200)
    hook = await create_hook(client, team.admin_headers, receiver.url, "ticket.created")
    ticket = await make_ticket(team.agent_principal, subject="Printer on fire")
    await fanned_out(hook["id"])

    clock = ManualClock()
    sender = sender_on(clock)
    try:
        for _ in range(5):  # three due attempts, then nothing more for this endpoint
            await sender.run_due()
            clock.advance(HOUR)
    finally:
        await sender.stop()

    assert len(receiver.received) == 3
    ids = {r.message_id for r in receiver.received}
    assert len(ids) == 1 and next(iter(ids)).startswith("msg_")
    assert len({r.body for r in receiver.received}) == 1  # byte for byte the same body
    payload = receiver.received[-1].verified(hook["secret"])
    assert payload["id"] == receiver.received[-1].message_id
    assert payload["type"] == "ticket.created"
    assert datetime.fromisoformat(payload["createdAt"]).tzinfo is not None
    assert payload["data"]["ticket"]["reference"] == ticket.reference
    assert payload["data"]["ticket"]["subject"] == "Printer on fire"
    with pytest.raises(WebhookVerificationError):
        receiver.received[-1].verified(new_secret())

    [logged] = await log_of(client, team, hook["id"])
    assert logged["state"] == "succeeded" and logged["messageId"] == receiver.received[0].message_id
    assert [a["statusCode"] for a in logged["attempts"]] == [500, 500, 200]
    assert [a["attempt"] for a in logged["attempts"]] == [1, 2, 3]
    assert logged["attempts"][0]["error"] == "HTTP 500"
    assert all(a["durationMs"] >= 0 for a in logged["attempts"])
    endpoint = await WebhookEndpoint.get(id=hook["id"])
    assert endpoint.is_active and endpoint.failing_since is None


async def test_only_subscribed_events_are_sent_and_internal_notes_are_flagged(
    client: httpx.AsyncClient, team: Team, receiver: Receiver
) -> None:
    hook = await create_hook(client, team.admin_headers, receiver.url, "ticket.response_added")
    ticket = await make_ticket(team.agent_principal)  # ticket.created: not subscribed
    ref = ticket.reference
    for content, internal in (("Customer-visible reply", False), ("Note: VIP", True)):
        response = await client.post(
            f"/api/tickets/{ref}/responses", json={"content": content, "isInternal": internal},
            headers=team.agent_headers,
        )  # fmt: skip
        assert response.status_code == 201, response.text
    received = await receiver.wait_for(2)
    payloads = sorted(
        (r.verified(hook["secret"]) for r in received), key=lambda p: p["data"]["response"]["id"]
    )
    assert [p["type"] for p in payloads] == ["ticket.response_added"] * 2
    assert [p["data"]["response"]["isInternal"] for p in payloads] == [False, True]
    assert payloads[1]["data"]["response"]["content"] == "Note: VIP"
    assert len({r.message_id for r in received}) == 2
    assert len(await WebhookDelivery.filter(endpoint_id=hook["id"])) == 2


async def test_conversation_events_carry_the_agents_view_without_the_customers(
    client: httpx.AsyncClient, team: Team, receiver: Receiver
) -> None:
    """A chat's internal note is sent flagged `isInternal`; the event's `customerView` (the
    widget's projection) is not sent at all."""
    note = recorded(NAMED["internal-note"])
    assert isinstance(note, ConversationMessageCreated) and note.customer_view is not None
    hook = await create_hook(
        client, team.admin_headers, receiver.url, "conversation.message_created"
    )
    count = await service.fan_out(
        source_id=-hook["id"], event=note, organization_id=team.org.id,
        retry_window=timedelta(hours=1),
    )  # fmt: skip
    assert count == 1
    [got] = await receiver.wait_for(1)
    payload = got.verified(hook["secret"])
    assert payload["type"] == "conversation.message_created"
    assert payload["data"]["message"]["isInternal"] is True
    assert payload["data"]["conversation"]["id"] == note.conversation.id
    assert "customerView" not in payload["data"]


async def test_a_fan_out_run_twice_for_one_event_adds_nothing(
    client: httpx.AsyncClient, team: Team, receiver: Receiver, parked_sender: None
) -> None:
    hook = await create_hook(client, team.admin_headers, receiver.url, "ticket.deleted")
    event = TicketDeleted(ticket_id=1, reference="TKT-00001")
    for _ in range(2):
        await service.fan_out(
            source_id=987_654 + hook["id"], event=event, organization_id=team.org.id,
            retry_window=timedelta(hours=1),
        )  # fmt: skip
    assert await WebhookDelivery.filter(endpoint_id=hook["id"]).count() == 1


async def test_410_disables_the_endpoint_and_tells_its_admins(
    client: httpx.AsyncClient, team: Team, receiver: Receiver, mail_catcher: MailCatcher
) -> None:
    receiver.answer(410)
    hook = await create_hook(client, team.admin_headers, receiver.url, "ticket.created")
    response = await client.post(
        f"/api/admin/webhooks/{hook['id']}/test", headers=team.admin_headers
    )
    assert response.status_code == 202, response.text
    assert response.json()["type"] == "webhook.test"

    async def disabled() -> bool:
        return not (await WebhookEndpoint.get(id=hook["id"])).is_active

    await wait_until(disabled, within=15, what="the endpoint disabled")
    shown = (
        await client.get(f"/api/admin/webhooks/{hook['id']}", headers=team.admin_headers)
    ).json()
    assert shown["isActive"] is False and "410" in shown["disabledReason"]
    assert shown["disabledAt"] is not None
    [logged] = await log_of(client, team, hook["id"])
    assert logged["state"] == "failed" and logged["lastStatusCode"] == 410
    [mail] = await mail_catcher.wait_for(team.admin.email, 1)
    assert mail["Subject"] == f"Webhook disabled: {receiver.url}"
    assert "410" in mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]

    # Disabled: a new event is not even queued for it.
    await make_ticket(team.agent_principal)
    await client.post(f"/api/admin/webhooks/{hook['id']}/test", headers=team.admin_headers)
    assert len(receiver.received) == 1


async def test_a_day_of_failures_disables_the_endpoint_and_tells_its_admins(
    client: httpx.AsyncClient, team: Team, receiver: Receiver, parked_sender: None,
    mail_catcher: MailCatcher,
) -> None:  # fmt: skip
    receiver.answer(otherwise=503)
    hook = await create_hook(client, team.admin_headers, receiver.url, "ticket.created")
    # Starts 40 hours ago, so that the email scheduled at the (hand-moved) time of the
    # disabling is due for the app's real-time delayed runner when the test gets there.
    clock = ManualClock(datetime.now(UTC) - timedelta(hours=40))
    await service.send_test(
        organization_id=team.org.id, endpoint_id=hook["id"], retry_window=timedelta(days=3),
        clock=clock,
    )  # fmt: skip
    sender = sender_on(clock)
    try:
        await sender.run_due()  # the first failure: the streak starts
        started = clock()
        assert (await WebhookEndpoint.get(id=hook["id"])).failing_since == started
        # Hour by hour; the retries, further and further apart, find it failing still.
        while (await WebhookEndpoint.get(id=hook["id"])).is_active:
            assert clock() - started < timedelta(hours=36), "never disabled"
            clock.advance(HOUR)
            await sender.run_due()
    finally:
        await sender.stop()

    endpoint = await WebhookEndpoint.get(id=hook["id"])
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert endpoint.disabled_at - started >= timedelta(hours=24)  # never before a day
    assert endpoint.disabled_reason and "24 hours" in endpoint.disabled_reason
    assert "HTTP 503" in endpoint.disabled_reason
    runs = await DelayedRun.filter(job=NOTICE_JOB, key__startswith=f"{hook['id']}:")
    assert [run.payload["agentId"] for run in runs] == [team.admin.id]  # admins only
    [mail] = await mail_catcher.wait_for(team.admin.email, 1)
    assert "24 hours" in mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert mail_catcher.messages_to(team.agent.email) == []
    [delivery] = await WebhookDelivery.filter(endpoint_id=hook["id"])
    assert delivery.state == DeliveryState.PENDING  # waits for the endpoint to be enabled

    # Enabled again by an admin: the reason and the streak are cleared, and the waiting
    # delivery goes out.
    receiver.answer(otherwise=200)
    response = await client.patch(
        f"/api/admin/webhooks/{hook['id']}", json={"isActive": True}, headers=team.admin_headers
    )
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["isActive"] and shown["disabledReason"] is None and shown["failingSince"] is None
    clock.now = datetime.now(UTC)  # the PATCH made it due at the real time
    sender = sender_on(clock)
    try:
        await sender.run_due()
    finally:
        await sender.stop()
    await delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED


async def test_a_success_ends_the_failure_streak(
    client: httpx.AsyncClient, team: Team, receiver: Receiver
) -> None:
    """Recorded outcomes at explicit times: the day is counted from the first failure after
    the last success."""
    hook = await create_hook(client, team.admin_headers, receiver.url, "ticket.created")
    clock = ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    await WebhookEndpoint.filter(id=hook["id"]).update(
        is_active=False
    )  # the app's sender: hands off
    delivery = await service.send_test(
        organization_id=team.org.id, endpoint_id=hook["id"], retry_window=timedelta(days=30),
        clock=clock,
    )  # fmt: skip
    await WebhookEndpoint.filter(id=hook["id"]).update(is_active=True)
    failed = service.Outcome(status_code=500, error=None, duration_ms=3)
    succeeded = service.Outcome(status_code=204, error=None, duration_ms=3)

    async def at(hours: float, outcome: service.Outcome) -> WebhookEndpoint:
        clock.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC) + timedelta(hours=hours)
        await service.record_attempt(
            delivery, outcome, disable_after=timedelta(hours=24), clock=clock
        )
        return await WebhookEndpoint.get(id=hook["id"])

    assert (await at(0, failed)).failing_since == clock.now
    assert (await at(20, succeeded)).failing_since is None
    streak = (await at(21, failed)).failing_since
    assert streak == clock.now
    assert (await at(44, failed)).is_active  # 23 hours of this streak: still on
    assert (await at(25 + 20, failed)).is_active is False  # 24 hours of it
    endpoint = await WebhookEndpoint.get(id=hook["id"])
    assert endpoint.disabled_reason and streak.isoformat() in endpoint.disabled_reason


async def test_rotation_signs_with_both_secrets_for_the_overlap(
    client: httpx.AsyncClient, team: Team, receiver: Receiver
) -> None:
    hook = await create_hook(client, team.admin_headers, receiver.url, "ticket.created")
    old = hook["secret"]
    response = await client.post(
        f"/api/admin/webhooks/{hook['id']}/secret", headers=team.admin_headers
    )
    assert response.status_code == 200, response.text
    rotated = response.json()
    new = rotated["secret"]
    assert new != old and new.startswith("whsec_")
    expires = datetime.fromisoformat(rotated["previousSecretExpiresAt"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(hours=24)

    await client.post(f"/api/admin/webhooks/{hook['id']}/test", headers=team.admin_headers)
    [got] = await receiver.wait_for(1)
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert got.verified(old)["type"] == "webhook.test"
    assert got.verified(new)["data"]["webhookId"] == hook["id"]

    endpoint = await WebhookEndpoint.get(id=hook["id"])
    later = datetime.now(UTC) + timedelta(hours=25)
    assert service.signing_secrets(endpoint, later) == [new]  # the overlap is over
    shown = (
        await client.get(f"/api/admin/webhooks/{hook['id']}", headers=team.admin_headers)
    ).json()
    assert "secret" not in shown


async def test_replay_resends_a_delivered_and_a_failed_delivery_under_the_same_id(
    client: httpx.AsyncClient, team: Team, receiver: Receiver
) -> None:
    hook = await create_hook(client, team.admin_headers, receiver.url, "ticket.created")
    base = f"/api/admin/webhooks/{hook['id']}"
    sent = (await client.post(f"{base}/test", headers=team.admin_headers)).json()
    [first] = await receiver.wait_for(1)

    async def state_of(delivery_id: int) -> str:
        return str((await WebhookDelivery.get(id=delivery_id)).state)

    await wait_until(
        lambda: _equals(state_of(sent["id"]), "succeeded"), within=15, what="delivered"
    )
    replayed = await client.post(
        f"{base}/deliveries/{sent['id']}/replay", headers=team.admin_headers
    )
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["state"] == "pending" and replayed.json()["attemptCount"] == 0
    received = await receiver.wait_for(2)
    assert received[1].message_id == first.message_id and received[1].body == first.body
    await wait_until(
        lambda: _equals(state_of(sent["id"]), "succeeded"), within=15, what="delivered again"
    )
    [logged] = await log_of(client, team, hook["id"])
    assert [a["statusCode"] for a in logged["attempts"]] == [200, 200]

    # A failed one (410 disabled the endpoint): enabled and replayed, it goes out as it was.
    receiver.answer(410)
    failed = (await client.post(f"{base}/test", headers=team.admin_headers)).json()
    await wait_until(lambda: _equals(state_of(failed["id"]), "failed"), within=15, what="410")
    await client.patch(base, json={"isActive": True}, headers=team.admin_headers)
    response = await client.post(
        f"{base}/deliveries/{failed['id']}/replay", headers=team.admin_headers
    )
    assert response.status_code == 202, response.text
    received = await receiver.wait_for(4)
    assert received[3].message_id == received[2].message_id == failed["messageId"]
    await wait_until(
        lambda: _equals(state_of(failed["id"]), "succeeded"), within=15, what="replayed"
    )


async def test_a_hung_receiver_costs_one_attempt_and_is_retried(
    client: httpx.AsyncClient, team: Team, receiver: Receiver, parked_sender: None
) -> None:
    receiver.answer(HANG)
    hook = await create_hook(client, team.admin_headers, receiver.url, "ticket.created")
    clock = ManualClock()
    await service.send_test(
        organization_id=team.org.id, endpoint_id=hook["id"], retry_window=timedelta(days=3),
        clock=clock,
    )  # fmt: skip
    sender = WebhookSender(
        postgres=database_is_postgres(), allow_private=True, timeout=1,
        disable_after=timedelta(hours=24), clock=clock,
    )  # fmt: skip
    try:
        await sender.run_due()
        clock.advance(HOUR)
        await sender.run_due()
    finally:
        await sender.stop()
    [logged] = await log_of(client, team, hook["id"])
    assert logged["state"] == "succeeded"
    assert logged["attempts"][0]["statusCode"] is None
    assert "1 s" in logged["attempts"][0]["error"]
    assert receiver.received[0].message_id == receiver.received[1].message_id


async def _equals(value: Any, expected: str) -> bool:
    return bool(await value == expected)
