"""Reading what came in by email: the message a reply came from (by its response), as text
to read and byte for byte, only within the organisation."""

from __future__ import annotations

import httpx

from tests.factories import Team
from tests.notify.test_customer_emails import create
from tests.notify.test_inbound import deliver, detail, mail


async def test_the_original_of_a_reply_by_email_is_found_by_its_response(
    client: httpx.AsyncClient, team: Team, other_team: Team, secret: str
) -> None:
    ticket = await create(client, team)
    ref = ticket["reference"]
    raw = mail(
        sender=ticket["requesterEmail"], subject=f"Re: [{ref}] Printer",
        body="Still smoking.\n\nOn Monday, Acme wrote:\n> Anything else?\n",
    )  # fmt: skip
    await deliver(client, team, secret, raw)
    response_id = (await detail(client, team, ref))["ticket"]["responses"][-1]["id"]

    found = await client.get(
        "/api/inbound-emails", params={"responseId": response_id}, headers=team.agent_headers
    )
    assert found.status_code == 200, found.text
    (item,) = found.json()["items"]
    assert item["responseId"] == response_id

    shown = await client.get(f"/api/inbound-emails/{item['id']}", headers=team.agent_headers)
    assert shown.status_code == 200, shown.text
    email = shown.json()["email"]
    assert email["source"] == raw.decode()  # the whole message, quote and headers included
    assert (email["truncated"], email["status"], email["ticketId"]) == (
        False, "accepted", ticket["id"],
    )  # fmt: skip
    raw_answer = await client.get(
        f"/api/inbound-emails/{item['id']}/raw", headers=team.agent_headers
    )
    assert raw_answer.content == raw

    for path in (f"/api/inbound-emails/{item['id']}", f"/api/inbound-emails/{item['id']}/raw"):
        foreign = await client.get(path, headers=other_team.agent_headers)
        assert foreign.status_code == 404, foreign.text
    elsewhere = await client.get(
        "/api/inbound-emails", params={"responseId": response_id},
        headers=other_team.agent_headers,
    )  # fmt: skip
    assert elsewhere.json()["items"] == []
