"""`/api/admin/deliveries`: an organisation's pending and dead deliveries, for its admins
only, and sending one again; against the session app's real SMTP server (`mail_catcher`)."""

from __future__ import annotations

from typing import Any

import httpx

from server.events.deliveries import Delivery, DeliveryState
from tests.factories import Team, unique
from tests.support.smtp import MailCatcher
from tests.support.wait import wait_until


async def new_ticket(client: httpx.AsyncClient, team: Team) -> dict[str, Any]:
    answer = await client.post(
        "/api/tickets",
        json={"subject": "Help", "description": "Please.", "requesterName": "Rita",
              "requesterEmail": f"{unique('rita')}@example.com"},
        headers=team.agent_headers,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    ticket: dict[str, Any] = answer.json()["ticket"]
    return ticket


async def listed(client: httpx.AsyncClient, team: Team, query: str = "") -> dict[str, Any]:
    answer = await client.get(f"/api/admin/deliveries{query}", headers=team.admin_headers)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


async def test_a_refused_email_is_listed_pending_then_dead_and_sent_again_on_retry(
    client: httpx.AsyncClient, team: Team, other_team: Team, mail_catcher: MailCatcher
) -> None:
    mail_catcher.refuse = True
    try:
        ticket = await new_ticket(client, team)

        async def failed_once() -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = (await listed(client, team, "?state=pending"))["items"]
            return [d for d in items if d["attempts"] >= 1 and d["lastError"]]

        await wait_until(failed_once, within=15, what="the first attempt refused")
    finally:
        mail_catcher.refuse = False
    (pending,) = await failed_once()
    assert pending["listener"] == "email.customer"
    assert (pending["type"], pending["subjectKind"], pending["subjectId"]) == (
        "ticket.created", "ticket", ticket["id"],
    )  # fmt: skip
    assert pending["lastError"].startswith("SMTPDataError") and "451" in pending["lastError"]
    # Out of attempts: dead, with its last error, until an admin sends it again.
    await Delivery.filter(id=pending["id"]).update(state=DeliveryState.DEAD)
    page = await listed(client, team, "?state=dead&listener=email.customer")
    assert [d["id"] for d in page["items"]] == [pending["id"]] and page["total"] == 1
    assert (await listed(client, team, "?state=pending"))["items"] == []
    # Another organisation's admins neither see it nor can retry it.
    assert (await listed(client, other_team))["items"] == []
    foreign = await client.post(
        f"/api/admin/deliveries/{pending['id']}/retry", headers=other_team.admin_headers
    )
    assert foreign.status_code == 404
    retried = await client.post(
        f"/api/admin/deliveries/{pending['id']}/retry", headers=team.admin_headers
    )
    assert retried.status_code == 200, retried.text
    assert (retried.json()["state"], retried.json()["attempts"]) == ("pending", 0)
    (message,) = await mail_catcher.wait_for(ticket["requesterEmail"], 1)
    assert message["Subject"] == f"[{ticket['reference']}] Help"

    async def gone() -> bool:
        return not await Delivery.exists(id=pending["id"])

    await wait_until(gone, within=15, what="the sent delivery deleted")


async def test_only_admins_see_deliveries_and_bad_queries_are_422(
    client: httpx.AsyncClient, team: Team
) -> None:
    agent = await client.get("/api/admin/deliveries", headers=team.agent_headers)
    assert agent.status_code == 403
    for query in ("?state=sent", "?page=0", "?pageSize=500", "?listener="):
        answer = await client.get(f"/api/admin/deliveries{query}", headers=team.admin_headers)
        assert answer.status_code == 422, (query, answer.text)
    missing = await client.post("/api/admin/deliveries/999999999/retry", headers=team.admin_headers)
    assert missing.status_code == 404
