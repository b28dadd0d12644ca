"""`server/accounts/contacts.py` (a ticket's requester found or created by email) and
`GET /api/contacts` (finding a requester for a new ticket); the organisation's ticket settings
in `GET /api/org`, which the console's forms need."""

from __future__ import annotations

import httpx
import pytest
from tortoise.transactions import in_transaction

from server.accounts import contacts
from server.accounts.models import Contact
from tests.factories import Team, configure_org, make_org, make_ticket, unique, visitor_session

pytestmark = pytest.mark.usefixtures("app")


async def test_contacts_are_found_by_name_or_email(client: httpx.AsyncClient, team: Team) -> None:
    marker = unique("zed")
    await make_ticket(team.agent_principal, requester_name=f"Ada {marker}")
    await make_ticket(
        team.agent_principal, requester_name="Bo", requester_email=f"{marker}@example.com"
    )
    await visitor_session(client, team.org, name="Cy", email=f"typed-{marker}@example.com")
    await make_ticket(team.agent_principal, requester_name="Unrelated")

    r = await client.get("/api/contacts", params={"q": marker.upper()}, headers=team.agent_headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 3
    assert [c["name"] for c in body["items"]] == sorted(c["name"] for c in body["items"])
    assert set(body["items"][0]) == {"id", "name", "email", "verified"}

    every = await client.get("/api/contacts", headers=team.agent_headers)
    assert every.json()["total"] == 4
    page = await client.get(
        "/api/contacts", params={"pageSize": 1, "page": 2}, headers=team.agent_headers
    )
    assert len(page.json()["items"]) == 1


async def test_contacts_never_cross_organisations(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    marker = unique("secret")
    await make_ticket(other_team.agent_principal, requester_name=marker)
    r = await client.get("/api/contacts", params={"q": marker}, headers=team.agent_headers)
    assert r.json()["total"] == 0
    assert (await client.get("/api/contacts")).status_code == 401
    bad = await client.get("/api/contacts", params={"pageSize": 1000}, headers=team.agent_headers)
    assert bad.status_code == 422


async def test_the_organisation_names_its_categories_and_default_priority(
    client: httpx.AsyncClient, team: Team
) -> None:
    r = await client.get("/api/org", headers=team.agent_headers)
    assert (r.json()["categories"], r.json()["defaultPriority"]) == ([], "MEDIUM")
    await configure_org(team.org, categories=["Billing", "Other"], defaultPriority="HIGH")
    r = await client.get("/api/org", headers=team.agent_headers)
    assert (r.json()["categories"], r.json()["defaultPriority"]) == (["Billing", "Other"], "HIGH")


async def test_tickets_filter_by_requester(client: httpx.AsyncClient, team: Team) -> None:
    mine = await make_ticket(team.agent_principal)
    await make_ticket(team.agent_principal)
    requester = mine.ticket.requester_id
    r = await client.get(
        "/api/tickets", params={"requesterId": requester}, headers=team.agent_headers
    )
    assert r.status_code == 200, r.text
    assert [t["reference"] for t in r.json()["items"]] == [mine.reference]
    bad = await client.get("/api/tickets", params={"requesterId": 0}, headers=team.agent_headers)
    assert bad.status_code == 422


# --- finding or creating a contact ---------------------------------------------------------


async def test_contacts_are_found_by_lower_cased_email_and_names_filled_in() -> None:
    org = await make_org()
    email = f"{unique('Customer')}@Example.com"
    async with in_transaction() as conn:
        first = await contacts.find_or_create_contact(
            organization_id=org.id, email=email, name="", conn=conn
        )
    assert first.email == email.lower()
    async with in_transaction() as conn:
        named = await contacts.find_or_create_contact(
            organization_id=org.id, email=email.upper(), name="Cara", conn=conn
        )
        kept = await contacts.find_or_create_contact(
            organization_id=org.id, email=email, name="Someone Else", conn=conn
        )
    assert first.id == named.id == kept.id
    assert (await Contact.get(id=first.id)).name == "Cara"


async def test_contacts_without_email_are_never_merged() -> None:
    org = await make_org()
    async with in_transaction() as conn:
        one = await contacts.find_or_create_contact(
            organization_id=org.id, email=None, name="Anon", conn=conn
        )
        two = await contacts.find_or_create_contact(
            organization_id=org.id, email=None, name="Anon", conn=conn
        )
    assert one.id != two.id


async def test_the_same_contact_email_in_two_orgs_is_two_contacts() -> None:
    email = f"{unique('c')}@example.com"
    found = []
    for org in (await make_org(), await make_org()):
        async with in_transaction() as conn:
            found.append(
                await contacts.find_or_create_contact(
                    organization_id=org.id, email=email, name="", conn=conn
                )
            )
    assert found[0].id != found[1].id
