"""The ticket REST API end to end: httpx against the real app, on the session's backend."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from server.accounts import agents, sessions
from server.accounts.models import Contact, Organization, Role
from server.tickets.models import Ticket, TicketActivity, TicketResponse, TicketTag
from tests.factories import (
    Team,
    bearer_for,
    configure_org,
    make_agent,
    make_org,
    make_ticket,
)
from tests.tickets.helpers import (
    activity_types,
    create,
    detail,
    error_of,
    requester_email,
    snapshot,
)

# --- create --------------------------------------------------------------------------------


async def test_create_returns_the_whole_ticket(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.post(
        "/api/tickets",
        headers={**team.agent_headers, "User-Agent": "parley-tests/1.0"},
        json={
            "requesterName": "  Pat Jones ",
            "requesterEmail": "Pat.Jones@Example.com",
            "subject": " Cannot log in ",
            "description": "Since the update.",
            "priority": "HIGH",
            "category": "accounts",
            "tags": ["Login", "urgent", "LOGIN"],
            "customFields": {"plan": "pro", "seats": 12, "trial": False, "note": None},
            "assigneeId": team.agent.id,
        },
    )
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"ticket"}
    ticket = response.json()["ticket"]
    assert ticket["reference"] == "TKT-00001"
    assert ticket["number"] == 1
    assert ticket["subject"] == "Cannot log in"
    assert ticket["description"] == "Since the update."
    assert ticket["status"] == "NEW"
    assert ticket["priority"] == "HIGH"
    assert ticket["category"] == "accounts"
    assert ticket["tags"] == ["login", "urgent"]
    assert ticket["customFields"] == {"plan": "pro", "seats": 12, "trial": False, "note": None}
    assert ticket["requesterName"] == "Pat Jones"
    assert ticket["requesterEmail"] == "pat.jones@example.com"
    assert ticket["assigneeId"] == team.agent.id
    assert ticket["assigneeName"] == "Bob Agent"
    assert ticket["assignedAt"] is not None
    assert ticket["metadata"] == {
        "source": "agent",
        "ip": "127.0.0.1",
        "userAgent": "parley-tests/1.0",
    }
    assert ticket["firstResponseDueAt"] is not None
    assert ticket["resolutionDueAt"] is not None
    assert ticket["firstResponseAt"] is None

    contact = await Contact.get(id=ticket["requesterId"])
    assert (contact.organization_id, contact.email, contact.name) == (
        team.org.id,
        "pat.jones@example.com",
        "Pat Jones",
    )
    full = await detail(client, team.agent_headers, "TKT-00001")
    assert activity_types(full) == ["CREATED", "TAG_ADDED", "ASSIGNED"]
    assert full["activity"][1]["changes"] == {"tags": {"from": [], "to": ["login", "urgent"]}}
    assert full["activity"][2]["changes"] == {
        "assignee": {"from": None, "to": {"id": team.agent.id, "name": "Bob Agent"}}
    }
    assert full["activity"][0]["performedBy"] == {
        "type": "AGENT",
        "id": team.agent.id,
        "name": "Bob Agent",
    }


async def test_create_with_only_the_required_fields(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.post(
        "/api/tickets",
        headers=team.agent_headers,
        json={"requesterEmail": "min@example.com", "subject": "Hi"},
    )
    assert response.status_code == 201, response.text
    ticket = response.json()["ticket"]
    assert ticket["priority"] == "MEDIUM"
    assert (ticket["category"], ticket["tags"], ticket["customFields"]) == (None, [], {})
    assert (ticket["description"], ticket["requesterName"]) == ("", "")
    assert ticket["assigneeId"] is None


async def test_the_contact_is_reused_whatever_the_email_case(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    first = await create(client, team.agent_headers, requesterEmail="Sam@Example.com")
    del first["requesterName"]
    nameless = await client.post(
        "/api/tickets",
        headers=team.agent_headers,
        json={"requesterEmail": "new@example.com", "subject": "No name yet"},
    )
    second = await create(client, team.agent_headers, requesterEmail="sAM@example.COM")
    assert second["requesterId"] == first["requesterId"]
    assert second["requesterEmail"] == "sam@example.com"
    assert await Contact.filter(organization_id=team.org.id, email="sam@example.com").count() == 1

    # A name given later fills in a contact that had none.
    named = await create(
        client, team.agent_headers, requesterEmail="NEW@example.com", requesterName="Nia"
    )
    assert named["requesterId"] == nameless.json()["ticket"]["requesterId"]
    assert (await Contact.get(id=named["requesterId"])).name == "Nia"

    # The same email in another organisation is another contact.
    theirs = await create(client, other_team.agent_headers, requesterEmail="sam@example.com")
    assert theirs["requesterId"] != first["requesterId"]


async def test_priority_defaults_to_the_organisation_setting(
    client: httpx.AsyncClient, team: Team
) -> None:
    assert (await create(client, team.agent_headers))["priority"] == "MEDIUM"
    await configure_org(team.org, defaultPriority="HIGH")
    assert (await create(client, team.agent_headers))["priority"] == "HIGH"
    assert (await create(client, team.agent_headers, priority="LOW"))["priority"] == "LOW"
    # Stored before validation existed (written directly): not a priority, so MEDIUM.
    await Organization.filter(id=team.org.id).update(settings={"defaultPriority": "SEVERE"})
    assert (await create(client, team.agent_headers))["priority"] == "MEDIUM"


async def test_categories_are_checked_when_the_organisation_has_some(
    client: httpx.AsyncClient, team: Team
) -> None:
    assert (await create(client, team.agent_headers, category="anything"))["category"] == (
        "anything"
    )
    await configure_org(team.org, categories=["billing", "technical"])
    assert (await create(client, team.agent_headers, category="billing"))["category"] == "billing"
    before = await snapshot(team.org.id)
    response = await client.post(
        "/api/tickets",
        headers=team.agent_headers,
        json={"requesterEmail": requester_email(), "subject": "x", "category": "sales"},
    )
    error = error_of(response, 422, "validation_failed")
    assert error["fields"] == {"category": "One of: billing, technical."}
    assert await snapshot(team.org.id) == before


async def test_the_assignee_must_be_an_active_agent_of_the_organisation(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    leaver = await make_agent(team.org, name="Lee Leaver")
    await agents.update_agent(principal=team.admin_principal, agent_id=leaver.id, is_active=False)
    before = await snapshot(team.org.id)
    for agent_id in (leaver.id, other_team.agent.id, 999_999_999, 2**31, 10**20, 0, -5):
        response = await client.post(
            "/api/tickets",
            headers=team.agent_headers,
            json={"requesterEmail": requester_email(), "subject": "x", "assigneeId": agent_id},
        )
        assert response.status_code == 422, (agent_id, response.text)
        assert "assigneeId" in response.json()["error"]["fields"]
    assert await snapshot(team.org.id) == before
    admin_assigned = await create(client, team.agent_headers, assigneeId=team.admin.id)
    assert admin_assigned["assigneeName"] == "Alice Admin"


async def test_create_through_an_api_key(client: httpx.AsyncClient, team: Team) -> None:
    key, record = await sessions.create_api_key(principal=team.admin_principal, name="zapier")
    headers = {"Authorization": f"Bearer {key}"}
    ticket = await create(client, headers)
    assert ticket["metadata"]["source"] == "api"
    full = await detail(client, headers, ticket["reference"])
    assert full["activity"][0]["performedBy"] == {
        "type": "SYSTEM",
        "id": record.id,
        "name": "API key zapier",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "x"}, "requesterEmail"),
        ({"requesterEmail": "not-an-email", "subject": "x"}, "requesterEmail"),
        ({"requesterEmail": "a@example.com"}, "subject"),
        ({"requesterEmail": "a@example.com", "subject": "   "}, "subject"),
        ({"requesterEmail": "a@example.com", "subject": "x" * 301}, "subject"),
        ({"requesterEmail": "a@example.com", "subject": 5}, "subject"),
        ({"requesterEmail": "a@example.com", "subject": "x", "priority": "SEVERE"}, "priority"),
        ({"requesterEmail": "a@example.com", "subject": "x", "tags": "a,b"}, "tags"),
        ({"requesterEmail": "a@example.com", "subject": "x", "tags": ["t"] * 21}, "tags"),
        ({"requesterEmail": "a@example.com", "subject": "x", "tags": ["x" * 65]}, "tags.0"),
        ({"requesterEmail": "a@example.com", "subject": "x", "customFields": []}, "customFields"),
        (
            {"requesterEmail": "a@example.com", "subject": "x", "customFields": {"a": {"b": 1}}},
            "customFields",
        ),
        ({"requesterEmail": "a@example.com", "subject": "x", "assigneeId": "me"}, "assigneeId"),
        ({"requesterEmail": "a@example.com", "subject": "x", "assigneeId": 1.5}, "assigneeId"),
        ({"requesterEmail": "a@example.com", "subject": "x", "status": "OPEN"}, "status"),
        ({"requesterEmail": "a@example.com", "subject": "x", "Subject": "y"}, "Subject"),
        ({"requesterEmail": "a@example.com", "subject": "a\u0000b"}, "subject"),
    ],
)
async def test_create_refuses_bad_bodies(
    client: httpx.AsyncClient, team: Team, body: dict[str, Any], field: str
) -> None:
    before = await snapshot(team.org.id)
    response = await client.post("/api/tickets", headers=team.agent_headers, json=body)
    error = error_of(response, 422, "validation_failed")
    assert field in error["fields"], error
    assert await snapshot(team.org.id) == before


# `str.lower` made "İ" two code points ("i" and a combining dot): 33 of them passed the
# 64-character check and became 66 characters, which the tag column cannot hold (500).
DOTTED_TAG = "İ" * 64


async def test_tags_fit_their_column_once_lower_cased(
    client: httpx.AsyncClient, team: Team
) -> None:
    """Each way a tag is written answered 500; each now stores it whole, as `i`s."""
    stored = "i" * 64
    created = await create(client, team.agent_headers, tags=[DOTTED_TAG])
    patched = await create(client, team.agent_headers)
    bulk = await create(client, team.agent_headers)
    writes = [
        ("PATCH", f"/api/tickets/{patched['id']}", {"tags": [DOTTED_TAG]}),
        ("POST", "/api/tickets/bulk-update",
         {"refs": [bulk["id"]], "changes": {"addTags": [DOTTED_TAG]}}),
    ]  # fmt: skip
    for method, path, body in writes:
        response = await client.request(method, path, headers=team.agent_headers, json=body)
        assert response.status_code == 200, response.text
    ids = [created["id"], patched["id"], bulk["id"]]
    for ticket_id in ids:
        assert await TicketTag.filter(ticket_id=ticket_id).values_list("name", flat=True) == [
            stored
        ]
    found = await client.get("/api/tickets", headers=team.agent_headers, params={"tag": DOTTED_TAG})
    assert found.status_code == 200, found.text
    assert sorted(t["id"] for t in found.json()["items"]) == sorted(ids)
    too_long = await client.post(
        "/api/tickets",
        headers=team.agent_headers,
        json={"requesterEmail": requester_email(), "subject": "x", "tags": [DOTTED_TAG + "İ"]},
    )
    assert "tags.0" in error_of(too_long, 422, "validation_failed")["fields"]


async def test_the_requester_email_filter_fits_once_lower_cased(
    client: httpx.AsyncClient, team: Team
) -> None:
    email = "İnci." + uuid.uuid4().hex[:8] + "@example.com"
    ticket = await create(client, team.agent_headers, requesterEmail=email)
    assert ticket["requesterEmail"] == "i" + email[1:].lower()
    for given in (email, email.upper(), "i" + email[1:]):
        found = await client.get(
            "/api/tickets", headers=team.agent_headers, params={"requesterEmail": given}
        )
        assert [t["id"] for t in found.json()["items"]] == [ticket["id"]], given
    longest = await client.get(
        "/api/tickets", headers=team.agent_headers, params={"requesterEmail": "İ" * 254}
    )
    assert longest.status_code == 200, longest.text


async def test_the_longest_email_a_requester_may_have_fits_once_lower_cased(
    client: httpx.AsyncClient, team: Team
) -> None:
    """Addresses are checked in UTF-8 bytes (254), so one is at most 254 characters, and
    lower-casing never lengthens it (`İ` becomes `i`): this one is stored whole."""
    email = "İ" * 25 + "@" + ".".join(["d" * 60] * 3 + ["d" * 16, "com"])
    assert (len(email), len(email.encode())) == (229, 254)
    ticket = await create(client, team.agent_headers, requesterEmail=email)
    assert ticket["requesterEmail"] == "i" * 25 + email[25:]
    contact = await Contact.get(id=ticket["requesterId"])
    assert contact.email == ticket["requesterEmail"]


@pytest.mark.parametrize("moment", ["12345", "1714550400", "2024", "tomorrow", "12345.5"])
async def test_dates_in_the_list_filters_are_iso_8601(
    client: httpx.AsyncClient, team: Team, moment: str
) -> None:
    """`createdFrom=12345` used to be read as a Unix time."""
    for name in ("createdFrom", "createdTo"):
        response = await client.get(
            "/api/tickets", headers=team.agent_headers, params={name: moment}
        )
        assert name in error_of(response, 422, "validation_failed")["fields"]


# --- read ----------------------------------------------------------------------------------


async def test_get_by_reference_or_id(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    await create(client, team.agent_headers)
    ticket = await create(client, team.agent_headers)
    for ref in ("TKT-00002", "tkt-00002", "TKT-2", "Tkt-000000002", str(ticket["id"])):
        fetched = await detail(client, team.agent_headers, ref)
        assert fetched["id"] == ticket["id"], ref
        assert fetched["reference"] == "TKT-00002"
    # A reference in another organisation's numbering is not this ticket.
    theirs = await create(client, other_team.agent_headers)
    response = await client.get(f"/api/tickets/{theirs['id']}", headers=team.agent_headers)
    error_of(response, 404, "not_found")


UNKNOWN_REFS = [
    "TKT-00099",
    "OTH-00001",
    "TKT-0",
    "TKT-",
    "TKT-00001x",
    "TKT--1",
    "0",
    "-1",
    "1.0",
    "99999999999999999999",
    "2147483648",
    "TKT-1234567890",
    "²",
    "TKT-²",
    "%C2%B3",
    "stats2",
    "%00",
]


async def test_unknown_references_are_404(client: httpx.AsyncClient, team: Team) -> None:
    await create(client, team.agent_headers)
    before = await snapshot(team.org.id)
    for ref in UNKNOWN_REFS:
        for method, suffix, body in [
            ("GET", "", None),
            ("PATCH", "", {"subject": "x"}),
            ("DELETE", "", None),
            ("PATCH", "/status", {"status": "OPEN"}),
            ("POST", "/responses", {"content": "x"}),
            ("POST", "/assign", {"agentId": None}),
        ]:
            url = f"/api/tickets/{ref}{suffix}"
            response = await client.request(method, url, headers=team.admin_headers, json=body)
            assert response.status_code == 404, (method, url, response.text)
            error_of(response, 404, "not_found")
    assert await snapshot(team.org.id) == before


async def test_another_organisations_prefix_is_404(client: httpx.AsyncClient, team: Team) -> None:
    other = await make_org(ticket_prefix="OTH")
    other_agent = await make_agent(other)
    await create(client, await bearer_for(other_agent))
    await create(client, team.agent_headers)
    error_of(await client.get("/api/tickets/OTH-00001", headers=team.agent_headers), 404)
    assert (await detail(client, team.agent_headers, "TKT-00001"))["number"] == 1


async def test_detail_has_responses_and_activity_in_order(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await create(client, team.agent_headers)
    url = f"/api/tickets/{ticket['reference']}/responses"
    h = team.agent_headers
    for body in (
        {"content": "Looking into it", "isInternal": True},
        {"content": "Could you send a screenshot?", "statusChange": "WAITING_ON_CUSTOMER"},
        {"content": "Customer is on the Pro plan", "isInternal": True},
    ):
        assert (await client.post(url, headers=h, json=body)).status_code == 201
    full = await detail(client, h, ticket["reference"])
    assert [(r["content"], r["isInternal"]) for r in full["responses"]] == [
        ("Looking into it", True),
        ("Could you send a screenshot?", False),
        ("Customer is on the Pro plan", True),
    ]
    assert all(r["authorType"] == "AGENT" for r in full["responses"])
    assert all(r["authorId"] == team.agent.id for r in full["responses"])
    assert activity_types(full) == [
        "CREATED",
        "INTERNAL_NOTE_ADDED",
        "RESPONDED",
        "STATUS_CHANGED",
        "INTERNAL_NOTE_ADDED",
    ]
    ids = [a["id"] for a in full["activity"]]
    assert ids == sorted(ids)


async def test_reading_needs_a_token(client: httpx.AsyncClient, team: Team) -> None:
    await create(client, team.agent_headers)
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = await client.get("/api/tickets/TKT-00001", headers=headers)
        error_of(response, 401, "unauthenticated")


# --- update --------------------------------------------------------------------------------


async def test_patch_changes_every_field_and_records_each_change(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await create(
        client,
        team.agent_headers,
        subject="Old subject",
        description="Old description",
        category="billing",
        tags=["a", "b"],
        customFields={"plan": "free"},
    )
    response = await client.patch(
        f"/api/tickets/{ticket['reference']}",
        headers=team.agent_headers,
        json={
            "subject": "New subject",
            "description": "New description",
            "priority": "HIGH",
            "category": "technical",
            "tags": ["B", "c"],
            "customFields": {"plan": "pro", "seats": 3},
            "status": "IN_PROGRESS",
        },
    )
    assert response.status_code == 200, response.text
    changed = response.json()["ticket"]
    assert changed["subject"] == "New subject"
    assert changed["description"] == "New description"
    assert changed["priority"] == "HIGH"
    assert changed["category"] == "technical"
    assert changed["tags"] == ["b", "c"]
    assert changed["customFields"] == {"plan": "pro", "seats": 3}
    assert changed["status"] == "IN_PROGRESS"

    full = await detail(client, team.agent_headers, ticket["id"])
    new = full["activity"][2:]  # after CREATED and TAG_ADDED
    assert [a["type"] for a in new] == [
        "UPDATED",
        "PRIORITY_CHANGED",
        "TAG_ADDED",
        "TAG_REMOVED",
        "STATUS_CHANGED",
    ]
    assert new[0]["changes"] == {
        "subject": {"from": "Old subject", "to": "New subject"},
        "description": {"from": "Old description", "to": "New description"},
        "category": {"from": "billing", "to": "technical"},
        "customFields": {"from": {"plan": "free"}, "to": {"plan": "pro", "seats": 3}},
    }
    assert new[1]["changes"] == {"priority": {"from": "MEDIUM", "to": "HIGH"}}
    assert new[2]["changes"] == {"tags": {"from": ["a", "b"], "to": ["b", "c"]}}
    assert new[3]["changes"] == {"tags": {"from": ["a", "b"], "to": ["b", "c"]}}
    assert new[4]["changes"] == {"status": {"from": "NEW", "to": "IN_PROGRESS"}}
    assert all(a["performedBy"]["id"] == team.agent.id for a in new)


async def test_patch_with_nothing_new_records_nothing(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await create(client, team.agent_headers, tags=["a"], priority="LOW")
    same = {
        "subject": ticket["subject"],
        "priority": "LOW",
        "tags": ["A"],
        "category": None,
        "status": "NEW",
    }
    for body in ({}, same):
        response = await client.patch(
            f"/api/tickets/{ticket['id']}", headers=team.agent_headers, json=body
        )
        assert response.status_code == 200, response.text
    assert activity_types(await detail(client, team.agent_headers, ticket["id"])) == [
        "CREATED",
        "TAG_ADDED",
    ]


async def test_patch_null_category_clears_it(client: httpx.AsyncClient, team: Team) -> None:
    ticket = await create(client, team.agent_headers, category="billing")
    response = await client.patch(
        f"/api/tickets/{ticket['reference']}", headers=team.agent_headers, json={"category": None}
    )
    assert response.json()["ticket"]["category"] is None
    full = await detail(client, team.agent_headers, ticket["reference"])
    assert full["activity"][-1]["changes"] == {"category": {"from": "billing", "to": None}}


async def test_patch_checks_the_category_list(client: httpx.AsyncClient, team: Team) -> None:
    await configure_org(team.org, categories=["billing"])
    ticket = await create(client, team.agent_headers, category="billing")
    before = await snapshot(team.org.id)
    response = await client.patch(
        f"/api/tickets/{ticket['reference']}",
        headers=team.agent_headers,
        json={"category": "sales", "subject": "Changed"},
    )
    assert error_of(response, 422)["fields"] == {"category": "One of: billing."}
    assert await snapshot(team.org.id) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": None}, "subject"),
        ({"description": None}, "description"),
        ({"priority": None}, "priority"),
        ({"tags": None}, "tags"),
        ({"customFields": None}, "customFields"),
        ({"status": None}, "status"),
        ({"assigneeId": 1}, "assigneeId"),
        ({"number": 7}, "number"),
        ({"reference": "TKT-9"}, "reference"),
        ({"subject": ""}, "subject"),
        ({"priority": "urgent"}, "priority"),
        ({"status": "DONE"}, "status"),
        ({"tags": [1, 2]}, "tags.0"),
        ({"customFields": {"x": [1]}}, "customFields"),
        ({"description": "x" * 50_001}, "description"),
    ],
)
async def test_patch_refuses_bad_fields(
    client: httpx.AsyncClient, team: Team, body: dict[str, Any], field: str
) -> None:
    ticket = await create(client, team.agent_headers, category="billing", tags=["a"])
    before = await snapshot(team.org.id)
    response = await client.patch(
        f"/api/tickets/{ticket['reference']}",
        headers=team.agent_headers,
        json={"subject": "Would change", **body},
    )
    error = error_of(response, 422, "validation_failed")
    assert field in error["fields"], error
    assert await snapshot(team.org.id) == before


async def test_patch_with_an_impossible_status_writes_nothing(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await create(client, team.agent_headers)
    ref = ticket["reference"]
    close = await client.patch(
        f"/api/tickets/{ref}/status", headers=team.agent_headers, json={"status": "CLOSED"}
    )
    assert close.status_code == 200
    before = await snapshot(team.org.id)
    response = await client.patch(
        f"/api/tickets/{ref}",
        headers=team.agent_headers,
        json={"subject": "Changed", "priority": "HIGH", "tags": ["x"], "status": "IN_PROGRESS"},
    )
    assert "reopened" in error_of(response, 409, "invalid_transition")["message"]
    assert await snapshot(team.org.id) == before


# --- delete --------------------------------------------------------------------------------


async def test_only_admins_delete(client: httpx.AsyncClient, team: Team) -> None:
    ticket = await create(client, team.agent_headers, tags=["a"])
    ref = ticket["reference"]
    reply = await client.post(
        f"/api/tickets/{ref}/responses", headers=team.agent_headers, json={"content": "Hi"}
    )
    assert reply.status_code == 201

    refused = await client.delete(f"/api/tickets/{ref}", headers=team.agent_headers)
    error_of(refused, 403, "forbidden")
    assert (await detail(client, team.agent_headers, ref))["id"] == ticket["id"]

    deleted = await client.delete(f"/api/tickets/{ref}", headers=team.admin_headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    error_of(await client.get(f"/api/tickets/{ref}", headers=team.admin_headers), 404)
    error_of(await client.delete(f"/api/tickets/{ref}", headers=team.admin_headers), 404)
    # Everything on the ticket went with it.
    assert not await Ticket.filter(id=ticket["id"]).exists()
    assert not await TicketResponse.filter(ticket_id=ticket["id"]).exists()
    assert not await TicketActivity.filter(ticket_id=ticket["id"]).exists()
    assert not await TicketTag.filter(ticket_id=ticket["id"]).exists()
    # The requester stays a contact.
    assert await Contact.filter(id=ticket["requesterId"]).exists()


async def test_delete_by_numeric_id(client: httpx.AsyncClient, team: Team) -> None:
    ticket = await create(client, team.agent_headers)
    response = await client.delete(f"/api/tickets/{ticket['id']}", headers=team.admin_headers)
    assert response.status_code == 204
    assert (await client.get("/api/tickets/TKT-00001", headers=team.admin_headers)).status_code == (
        404
    )


# --- responses -----------------------------------------------------------------------------


async def test_first_public_reply_sets_first_response_and_opens(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await create(client, team.agent_headers)
    url = f"/api/tickets/{ticket['reference']}/responses"
    response = await client.post(url, headers=team.agent_headers, json={"content": " Hello! "})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"response", "ticket"}
    reply = body["response"]
    assert reply["content"] == "Hello!"
    assert reply["isInternal"] is False
    assert reply["authorType"] == "AGENT"
    assert reply["authorName"] == "Bob Agent"
    assert reply["authorEmail"] == team.agent.email
    assert reply["ticketId"] == ticket["id"]
    assert body["ticket"]["status"] == "OPEN"
    assert body["ticket"]["firstResponseAt"] == reply["createdAt"]

    second = await client.post(url, headers=team.admin_headers, json={"content": "Again"})
    assert second.json()["ticket"]["firstResponseAt"] == reply["createdAt"]
    full = await detail(client, team.agent_headers, ticket["reference"])
    assert activity_types(full) == ["CREATED", "RESPONDED", "STATUS_CHANGED", "RESPONDED"]
    assert full["activity"][1]["changes"] == {"responseId": reply["id"]}
    assert full["activity"][2]["changes"] == {"status": {"from": "NEW", "to": "OPEN"}}


async def test_internal_notes_do_not_count_as_a_response(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await create(client, team.agent_headers)
    url = f"/api/tickets/{ticket['reference']}/responses"
    note = await client.post(
        url, headers=team.agent_headers, json={"content": "Probably DNS", "isInternal": True}
    )
    assert note.status_code == 201
    assert note.json()["response"]["isInternal"] is True
    assert note.json()["ticket"]["firstResponseAt"] is None
    assert note.json()["ticket"]["status"] == "NEW"
    reply = await client.post(url, headers=team.agent_headers, json={"content": "Fixed"})
    assert reply.json()["ticket"]["firstResponseAt"] == reply.json()["response"]["createdAt"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"content": "Confirm?", "statusChange": "WAITING_ON_CUSTOMER"}, "WAITING_ON_CUSTOMER"),
        ({"content": "Up", "isInternal": True, "statusChange": "IN_PROGRESS"}, "IN_PROGRESS"),
        ({"content": "Done", "statusChange": "RESOLVED"}, "RESOLVED"),
    ],
)
async def test_a_reply_can_move_the_status(
    client: httpx.AsyncClient, team: Team, body: dict[str, Any], status: str
) -> None:
    ticket = await create(client, team.agent_headers)
    response = await client.post(
        f"/api/tickets/{ticket['reference']}/responses", headers=team.agent_headers, json=body
    )
    assert response.status_code == 201, response.text
    assert response.json()["ticket"]["status"] == status
    full = await detail(client, team.agent_headers, ticket["reference"])
    assert full["status"] == status
    assert full["activity"][-1]["changes"] == {"status": {"from": "NEW", "to": status}}


@pytest.mark.parametrize(
    ("setup", "status_change"),
    [("CLOSED", "IN_PROGRESS"), ("OPEN", "NEW"), ("CANCELLED", "RESOLVED")],
)
async def test_an_impossible_status_change_writes_nothing(
    client: httpx.AsyncClient, team: Team, setup: str, status_change: str
) -> None:
    """No response row, no activity, no first-response time: no write is half-done."""
    ticket = await create(client, team.agent_headers)
    ref = ticket["reference"]
    moved = await client.patch(
        f"/api/tickets/{ref}/status", headers=team.agent_headers, json={"status": setup}
    )
    assert moved.status_code == 200
    before = await snapshot(team.org.id)
    response = await client.post(
        f"/api/tickets/{ref}/responses",
        headers=team.agent_headers,
        json={"content": "This should not be kept", "statusChange": status_change},
    )
    error_of(response, 409, "invalid_transition")
    assert await snapshot(team.org.id) == before
    assert (await detail(client, team.agent_headers, ref))["responses"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "content"),
        ({"content": ""}, "content"),
        ({"content": "   "}, "content"),
        ({"content": None}, "content"),
        ({"content": "x" * 50_001}, "content"),
        ({"content": "hi", "isInternal": "maybe"}, "isInternal"),
        ({"content": "hi", "statusChange": "DONE"}, "statusChange"),
        ({"content": "hi", "authorType": "CUSTOMER"}, "authorType"),
    ],
)
async def test_responses_refuse_bad_bodies(
    client: httpx.AsyncClient, team: Team, body: dict[str, Any], field: str
) -> None:
    ticket = await create(client, team.agent_headers)
    before = await snapshot(team.org.id)
    response = await client.post(
        f"/api/tickets/{ticket['reference']}/responses", headers=team.agent_headers, json=body
    )
    assert field in error_of(response, 422, "validation_failed")["fields"]
    assert await snapshot(team.org.id) == before


# --- assignment ----------------------------------------------------------------------------


async def test_assign_reassign_and_unassign(client: httpx.AsyncClient, team: Team) -> None:
    ticket = await create(client, team.agent_headers)
    url = f"/api/tickets/{ticket['reference']}/assign"
    h = team.agent_headers
    bob = {"id": team.agent.id, "name": "Bob Agent"}
    alice = {"id": team.admin.id, "name": "Alice Admin"}

    assigned = (await client.post(url, headers=h, json={"agentId": team.agent.id})).json()
    assert assigned["ticket"]["assigneeId"] == team.agent.id
    assert assigned["ticket"]["assignedAt"] is not None
    again = await client.post(url, headers=h, json={"agentId": team.agent.id})
    assert again.json()["ticket"]["assignedAt"] == assigned["ticket"]["assignedAt"]
    moved = (await client.post(url, headers=h, json={"agentId": team.admin.id})).json()
    assert moved["ticket"]["assigneeName"] == "Alice Admin"
    cleared = (await client.post(url, headers=h, json={"agentId": None})).json()
    assert cleared["ticket"]["assigneeId"] is None
    assert cleared["ticket"]["assigneeName"] is None
    assert cleared["ticket"]["assignedAt"] is None

    full = await detail(client, h, ticket["reference"])
    assert activity_types(full) == ["CREATED", "ASSIGNED", "ASSIGNED", "UNASSIGNED"]
    assert [a["changes"] for a in full["activity"][1:]] == [
        {"assignee": {"from": None, "to": bob}},
        {"assignee": {"from": bob, "to": alice}},
        {"assignee": {"from": alice, "to": None}},
    ]


async def test_assign_refuses_agents_that_cannot_take_it(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    leaver = await make_agent(team.org)
    await agents.update_agent(principal=team.admin_principal, agent_id=leaver.id, is_active=False)
    ticket = await create(client, team.agent_headers, assigneeId=team.agent.id)
    url = f"/api/tickets/{ticket['reference']}/assign"
    before = await snapshot(team.org.id)
    for agent_id in (leaver.id, other_team.agent.id, 999_999_999, 2**31, 10**30):
        response = await client.post(url, headers=team.agent_headers, json={"agentId": agent_id})
        error = error_of(response, 422, "validation_failed")
        assert error["fields"] == {"agentId": "No active agent with this id in your organisation."}
    for body in ({}, {"agentId": "bob"}, {"agentId": [1]}, {"agent": 1}):
        response = await client.post(url, headers=team.agent_headers, json=body)
        error_of(response, 422, "validation_failed")
    assert await snapshot(team.org.id) == before


# --- bulk update ---------------------------------------------------------------------------


async def _bulk(client: httpx.AsyncClient, team: Team, refs: list[Any], **changes: Any) -> Any:
    return await client.post(
        "/api/tickets/bulk-update",
        headers=team.agent_headers,
        json={"refs": refs, "changes": changes},
    )


async def test_bulk_update_changes_every_ticket(client: httpx.AsyncClient, team: Team) -> None:
    first = await create(client, team.agent_headers, tags=["old", "keep"])
    second = await create(client, team.agent_headers, tags=["keep"])
    third = await create(client, team.agent_headers)
    untouched = await create(client, team.agent_headers, tags=["old"])
    response = await _bulk(
        client,
        team,
        [third["reference"], first["reference"], second["id"]],
        status="IN_PROGRESS",
        priority="URGENT",
        assigneeId=team.admin.id,
        addTags=["Escalated"],
        removeTags=["old"],
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["updated"] == 3
    assert [t["reference"] for t in result["tickets"]] == ["TKT-00001", "TKT-00002", "TKT-00003"]
    for ticket in result["tickets"]:
        assert ticket["status"] == "IN_PROGRESS"
        assert ticket["priority"] == "URGENT"
        assert ticket["assigneeId"] == team.admin.id
        assert "escalated" in ticket["tags"] and "old" not in ticket["tags"]
    assert [t["tags"] for t in result["tickets"]] == [
        ["escalated", "keep"],
        ["escalated", "keep"],
        ["escalated"],
    ]
    full = await detail(client, team.agent_headers, first["reference"])
    assert activity_types(full)[2:] == [
        "STATUS_CHANGED",
        "PRIORITY_CHANGED",
        "ASSIGNED",
        "TAG_ADDED",
        "TAG_REMOVED",
    ]
    assert full["activity"][-1]["changes"] == {
        "tags": {"from": ["keep", "old"], "to": ["escalated", "keep"]}
    }
    assert (await detail(client, team.agent_headers, untouched["id"]))["tags"] == ["old"]


async def test_bulk_update_unassigns_with_null(client: httpx.AsyncClient, team: Team) -> None:
    ticket = await create(client, team.agent_headers, assigneeId=team.agent.id)
    response = await _bulk(client, team, [ticket["reference"]], assigneeId=None)
    assert response.json()["tickets"][0]["assigneeId"] is None
    assert activity_types(await detail(client, team.agent_headers, ticket["id"]))[-1] == (
        "UNASSIGNED"
    )


async def test_bulk_update_counts_each_ticket_once(client: httpx.AsyncClient, team: Team) -> None:
    one = await create(client, team.agent_headers)
    await create(client, team.agent_headers)
    response = await _bulk(
        client, team, ["TKT-00001", "tkt-1", " TKT-00001 ", one["id"], "TKT-00002"], priority="LOW"
    )
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 2
    full = await detail(client, team.agent_headers, "TKT-00001")
    assert activity_types(full).count("PRIORITY_CHANGED") == 1


async def test_bulk_update_is_all_or_nothing_on_a_bad_transition(
    client: httpx.AsyncClient, team: Team
) -> None:
    for _ in range(3):
        await create(client, team.agent_headers, tags=["x"])
    closed = await client.patch(
        "/api/tickets/TKT-00003/status", headers=team.agent_headers, json={"status": "CLOSED"}
    )
    assert closed.status_code == 200
    before = await snapshot(team.org.id)
    response = await _bulk(
        client,
        team,
        ["TKT-00001", "TKT-00002", "TKT-00003"],
        status="IN_PROGRESS",
        priority="HIGH",
        addTags=["y"],
        removeTags=["x"],
    )
    error = error_of(response, 409, "invalid_transition")
    assert error["message"].startswith("TKT-00003: Cannot change status from CLOSED")
    assert await snapshot(team.org.id) == before
    for ref in ("TKT-00001", "TKT-00002"):
        ticket = await detail(client, team.agent_headers, ref)
        assert (ticket["status"], ticket["priority"], ticket["tags"]) == ("NEW", "MEDIUM", ["x"])


async def test_bulk_update_is_all_or_nothing_on_an_unknown_ref(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    await create(client, team.agent_headers)
    second = await create(client, team.agent_headers)
    theirs = await create(client, other_team.agent_headers)
    before = await snapshot(team.org.id)
    their_before = await snapshot(other_team.org.id)
    refs = ["TKT-00001", "TKT-00404", theirs["id"], "nonsense", second["id"]]
    response = await _bulk(client, team, refs, priority="HIGH")
    error = error_of(response, 404, "not_found")
    assert error["fields"] == {"refs": f"TKT-00404, {theirs['id']}, NONSENSE"}
    assert await snapshot(team.org.id) == before
    assert await snapshot(other_team.org.id) == their_before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"refs": ["TKT-00001"], "changes": {}}, "changes"),
        ({"refs": ["TKT-00001"], "changes": {"addTags": []}}, "changes"),
        ({"refs": ["TKT-00001"], "changes": {"status": None}}, "changes.status"),
        ({"refs": ["TKT-00001"], "changes": {"priority": None}}, "changes.priority"),
        ({"refs": ["TKT-00001"], "changes": {"assigneeId": 2**31}}, "changes.assigneeId"),
        ({"refs": ["TKT-00001"], "changes": {"subject": "x"}}, "changes.subject"),
        ({"refs": ["TKT-00001"], "changes": {"status": "DONE"}}, "changes.status"),
        ({"refs": [], "changes": {"priority": "LOW"}}, "refs"),
        ({"refs": "TKT-00001", "changes": {"priority": "LOW"}}, "refs"),
        ({"refs": [["TKT-00001"]], "changes": {"priority": "LOW"}}, "refs.0.int"),
        ({"refs": ["TKT-00001"] * 501, "changes": {"priority": "LOW"}}, "refs"),
        ({"changes": {"priority": "LOW"}}, "refs"),
        ({"refs": ["TKT-00001"]}, "changes"),
    ],
)
async def test_bulk_update_refuses_bad_requests(
    client: httpx.AsyncClient, team: Team, body: dict[str, Any], field: str
) -> None:
    await create(client, team.agent_headers)
    before = await snapshot(team.org.id)
    response = await client.post("/api/tickets/bulk-update", headers=team.agent_headers, json=body)
    assert field in error_of(response, 422, "validation_failed")["fields"]
    assert await snapshot(team.org.id) == before


async def test_bulk_update_refuses_an_inactive_assignee(
    client: httpx.AsyncClient, team: Team
) -> None:
    leaver = await make_agent(team.org)
    await agents.update_agent(principal=team.admin_principal, agent_id=leaver.id, is_active=False)
    await create(client, team.agent_headers)
    before = await snapshot(team.org.id)
    response = await _bulk(client, team, ["TKT-00001"], assigneeId=leaver.id, priority="HIGH")
    assert error_of(response, 422)["fields"] == {
        "changes.assigneeId": "No active agent with this id in your organisation."
    }
    assert await snapshot(team.org.id) == before


# --- tenant isolation on writes ------------------------------------------------------------


async def test_another_organisation_cannot_touch_a_ticket(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    ticket = await create(client, team.agent_headers)
    before = await snapshot(team.org.id)
    url = f"/api/tickets/{ticket['id']}"
    h = other_team.admin_headers
    for method, path, body in [
        ("GET", url, None),
        ("PATCH", url, {"subject": "Mine now"}),
        ("PATCH", url + "/status", {"status": "CLOSED"}),
        ("POST", url + "/responses", {"content": "hello"}),
        ("POST", url + "/assign", {"agentId": None}),
        ("DELETE", url, None),
    ]:
        response = await client.request(method, path, headers=h, json=body)
        error_of(response, 404, "not_found")
    assert await snapshot(team.org.id) == before


# --- input the server must refuse cleanly (never a 500, never a partial write) -------------

WRITES = [
    ("POST", "/api/tickets"),
    ("PATCH", "/api/tickets/TKT-00001"),
    ("PATCH", "/api/tickets/TKT-00001/status"),
    ("POST", "/api/tickets/TKT-00001/responses"),
    ("POST", "/api/tickets/TKT-00001/assign"),
    ("POST", "/api/tickets/bulk-update"),
]
RAW_BODIES = [
    (b'{"subject": ', 400, "invalid_json"),
    (b"{'subject': 'x'}", 400, "invalid_json"),
    (b"", 400, "invalid_json"),
    (b"   ", 400, "invalid_json"),
    (b"\xff\xfe{}", 400, "invalid_json"),
    (b"[]", 422, "validation_failed"),
    (b"null", 422, "validation_failed"),
    (b'"text"', 422, "validation_failed"),
    (b"12", 422, "validation_failed"),
    (b"[" * 30_000 + b"]" * 30_000, None, None),
    (b'{"content": "x", "subject": "x", "status": "OPEN", "agentId": 1e999}', None, None),
    (b'{"content": NaN, "subject": NaN, "status": NaN, "agentId": NaN}', None, None),
]


@pytest.mark.parametrize(("raw", "status", "code"), RAW_BODIES)
async def test_malformed_bodies_are_refused(
    client: httpx.AsyncClient, team: Team, raw: bytes, status: int | None, code: str | None
) -> None:
    await create(client, team.agent_headers)
    before = await snapshot(team.org.id)
    for method, path in WRITES:
        response = await client.request(
            method,
            path,
            headers={**team.admin_headers, "Content-Type": "application/json"},
            content=raw,
        )
        if status is None:  # refused one way or another, as a client error
            assert response.status_code in (400, 422), (path, response.text)
            assert response.json()["error"]["code"] in ("invalid_json", "validation_failed")
        else:
            assert response.status_code == status, (path, response.text)
            error_of(response, status, code)
    assert await snapshot(team.org.id) == before


async def test_oversized_bodies_are_413(client: httpx.AsyncClient, team: Team) -> None:
    await create(client, team.agent_headers)
    before = await snapshot(team.org.id)
    body = json.dumps({"subject": "x", "description": "y" * 70_000}).encode()
    assert len(body) > 65_536

    async def chunks() -> Any:  # no Content-Length: counted as it arrives
        for _ in range(10):
            yield b" " * 8_000
        yield b"{}"

    for method, path in WRITES:
        headers = {**team.admin_headers, "Content-Type": "application/json"}
        response = await client.request(method, path, headers=headers, content=body)
        assert response.status_code == 413, (path, response.text)
        error_of(response, 413, "payload_too_large")
        streamed = await client.request(method, path, headers=headers, content=chunks())
        assert streamed.status_code == 413, (path, streamed.text)
        error_of(streamed, 413, "payload_too_large")
    assert await snapshot(team.org.id) == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_non_json_bodies_are_415(
    client: httpx.AsyncClient, team: Team, content_type: str
) -> None:
    await create(client, team.agent_headers)
    before = await snapshot(team.org.id)
    for method, path in WRITES:
        response = await client.request(
            method,
            path,
            headers={**team.admin_headers, "Content-Type": content_type},
            content=b'{"subject": "x", "requesterEmail": "a@example.com", "content": "x"}',
        )
        assert response.status_code == 415, (path, response.text)
        error_of(response, 415, "unsupported_media_type")
    assert await snapshot(team.org.id) == before


async def test_json_with_a_charset_is_fine(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.post(
        "/api/tickets",
        headers={**team.agent_headers, "Content-Type": "application/json; charset=utf-8"},
        content=json.dumps({"requesterEmail": "a@example.com", "subject": "Ünïcode ✓"}).encode(),
    )
    assert response.status_code == 201
    assert response.json()["ticket"]["subject"] == "Ünïcode ✓"


async def test_unknown_methods_and_routes(client: httpx.AsyncClient, team: Team) -> None:
    await create(client, team.agent_headers)
    error_of(await client.put("/api/tickets/TKT-00001", headers=team.agent_headers), 405)
    error_of(await client.get("/api/tickets/TKT-00001/nope", headers=team.agent_headers), 404)
    error_of(await client.get("/api/tickets/bulk-update", headers=team.agent_headers), 404)


async def test_admin_role_of_an_agent_is_checked_on_each_request(
    client: httpx.AsyncClient, team: Team
) -> None:
    """Demoting an admin takes effect at once for deletes."""
    ticket = await create(client, team.agent_headers)
    second_admin = await make_agent(team.org, role=Role.ADMIN)
    headers = await bearer_for(second_admin)
    await agents.update_agent(
        principal=team.admin_principal, agent_id=second_admin.id, role=Role.AGENT
    )
    response = await client.delete(f"/api/tickets/{ticket['reference']}", headers=headers)
    error_of(response, 403, "forbidden")


async def test_factories_and_http_share_the_numbering(
    client: httpx.AsyncClient, team: Team
) -> None:
    await make_ticket(team.agent_principal)
    assert (await create(client, team.agent_headers))["reference"] == "TKT-00002"
