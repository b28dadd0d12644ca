"""Contacts, the organisation's customers: found or created by email (tickets), looked up and
searched by agents. Widget visitors' contacts are in `visitors.py`."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server.accounts.models import Contact
from server.accounts.principal import Principal
from server.db import MAX_ID
from server.errors import NotFound
from server.web.schema import lower_case


async def find_or_create_contact(
    *, organization_id: int, email: str | None, name: str, conn: BaseDBAsyncClient
) -> Contact:
    """The organisation's contact with this email, created if new, inside `conn`'s transaction.

    A name given for an existing contact that has none fills it in; an existing name is kept.
    """
    email = lower_case(email.strip()) if email else None
    if email is None:
        return await Contact.create(organization_id=organization_id, name=name, using_db=conn)
    contact = (
        await Contact.filter(organization_id=organization_id, email=email)
        .using_db(conn)
        .get_or_none()
    )
    if contact is None:
        try:
            # A savepoint, so a concurrent insert of the same email does not abort the caller.
            async with in_transaction(conn.connection_name) as inner:
                contact = await Contact.create(
                    organization_id=organization_id, email=email, name=name, using_db=inner
                )
        except IntegrityError:
            contact = (
                await Contact.filter(organization_id=organization_id, email=email)
                .using_db(conn)
                .get()
            )
    elif name and not contact.name:
        contact.name = name
        await contact.save(using_db=conn, update_fields=["name", "updated_at"])
    return contact


async def get_contact(*, principal: Principal, contact_id: int) -> Contact:
    contact = (
        await Contact.get_or_none(id=contact_id, organization_id=principal.organization_id)
        if 0 < contact_id <= MAX_ID
        else None
    )
    if contact is None:
        raise NotFound("Contact not found.")
    return contact


async def search_contacts(
    *, principal: Principal, text: str | None, page: int, page_size: int
) -> tuple[list[Contact], int]:
    """The organisation's contacts whose name, email or typed email contains `text`."""
    query = Contact.filter(organization_id=principal.organization_id)
    if text:
        query = query.filter(
            Q(name__icontains=text) | Q(email__icontains=text) | Q(claimed_email__icontains=text)
        )
    total = await query.count()
    rows = await query.order_by("name", "id").offset((page - 1) * page_size).limit(page_size)
    return list(rows), total
