"""`server/accounts/organizations.py`: creating and finding organisations."""

from __future__ import annotations

import pytest

from server.accounts import organizations
from server.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_org, unique

pytestmark = pytest.mark.usefixtures("app")


async def test_create_organization_validates_each_field() -> None:
    cases = [
        ({"name": "  ", "slug": unique("org")}, "name"),
        ({"name": "x" * 201, "slug": unique("org")}, "name"),
        ({"name": "Acme", "slug": "Has Spaces"}, "slug"),
        ({"name": "Acme", "slug": "-leading"}, "slug"),
        ({"name": "Acme", "slug": unique("org"), "ticket_prefix": "tk"}, "ticketPrefix"),
        ({"name": "Acme", "slug": unique("org"), "ticket_prefix": "1AB"}, "ticketPrefix"),
        # `$` matches before a final line break: the whole value must match.
        ({"name": "Acme", "slug": unique("org") + "\n"}, "slug"),
        ({"name": "Acme", "slug": unique("org"), "ticket_prefix": "TK\n"}, "ticketPrefix"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            await organizations.create_organization(**kwargs)
        assert field in caught.value.fields


async def test_duplicate_slug_conflicts() -> None:
    org = await make_org()
    with pytest.raises(Conflict):
        await organizations.create_organization(name="Again", slug=org.slug)


async def test_organization_lookups() -> None:
    org = await make_org(name="  Trimmed  ", ticket_prefix="HELP")
    assert org.name == "Trimmed"
    assert (await organizations.get_organization(organization_id=org.id)).slug == org.slug
    assert (await organizations.get_organization_by_slug(slug=org.slug)).id == org.id
    with pytest.raises(NotFound):
        await organizations.get_organization(organization_id=2**31 - 1)
    with pytest.raises(NotFound):
        await organizations.get_organization_by_slug(slug=unique("missing"))
