"""Actor: one kind of author for every service, stored as the one AuthorType."""

from __future__ import annotations

import pytest

from server.accounts.models import Agent, Role
from server.accounts.principal import Principal
from server.chat.schemas import MessageAuthor
from server.events.actor import CUSTOMER_AUTHORS, Actor, AuthorType


@pytest.mark.parametrize(
    ("actor", "author", "agent_id", "contact_id"),
    [
        (Actor.agent(7, "Ann"), AuthorType.AGENT, 7, None),
        (Actor.customer(5, "Rita"), AuthorType.CUSTOMER, None, 5),
        (Actor.customer(5, "Rita", by_email=True), AuthorType.EMAIL, None, 5),
        (Actor.integration(9, "API key ci"), AuthorType.SYSTEM, None, None),
        (Actor.system(), AuthorType.SYSTEM, None, None),
    ],
)
def test_each_kind_is_stored_as_one_author_type(
    actor: Actor, author: AuthorType, agent_id: int | None, contact_id: int | None
) -> None:
    assert actor.author_type is author
    assert (actor.agent_id, actor.contact_id) == (agent_id, contact_id)
    assert (author in CUSTOMER_AUTHORS) == (actor.kind == "customer")


def test_a_principal_acts_as_its_agent_its_key_or_the_system() -> None:
    ann = Agent(id=7, organization_id=3, email="a@example.com", name="Ann", role=Role.AGENT)
    as_agent = Principal(organization_id=3, role=Role.AGENT, name="Ann", agent=ann)
    as_key = Principal(organization_id=3, role=Role.ADMIN, name="API key ci", api_key_id=9)
    as_cli = Principal(organization_id=3, role=Role.ADMIN, name="parley createorg")
    assert as_agent.actor == Actor.agent(7, "Ann")
    assert as_key.actor == Actor.integration(9, "API key ci")
    assert as_cli.actor == Actor.system("parley createorg")


def test_the_chat_api_spells_every_customer_contact() -> None:
    """Chat API v1 keeps CONTACT on the wire; tickets show the stored type as is."""
    assert {author: MessageAuthor.of(author) for author in AuthorType} == {
        AuthorType.CUSTOMER: MessageAuthor.CONTACT,
        AuthorType.EMAIL: MessageAuthor.CONTACT,
        AuthorType.AGENT: MessageAuthor.AGENT,
        AuthorType.SYSTEM: MessageAuthor.SYSTEM,
    }
