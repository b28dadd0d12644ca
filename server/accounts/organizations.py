"""Organisations: creating and finding them, the widget's site key and identity secret.

Writes take keyword-only arguments, check access and validate first, then write in one
transaction.
"""

from __future__ import annotations

import re
import secrets
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.fields import CharField
from tortoise.transactions import in_transaction

from server.accounts import widget_identity
from server.accounts.models import Organization
from server.accounts.principal import Principal
from server.errors import Conflict, NotFound, ValidationFailed

SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
PREFIX_PATTERN = re.compile(r"[A-Z][A-Z0-9]{0,11}")
# A longer key cannot be stored, so it names no organisation (and the ORM refuses to look
# up a value longer than its column).
SITE_KEY_MAX_LENGTH: int = cast(
    "CharField[Any]", Organization._meta.fields_map["site_key"]
).max_length


async def create_organization(*, name: str, slug: str, ticket_prefix: str = "TKT") -> Organization:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed("Invalid organisation.", fields={"name": "1 to 200 characters."})
    # fullmatch: `$` would also accept a slug ending in a line break.
    if not SLUG_PATTERN.fullmatch(slug):
        raise ValidationFailed(
            "Invalid organisation.",
            fields={"slug": "Lower-case letters, digits and hyphens, at most 63."},
        )
    if not PREFIX_PATTERN.fullmatch(ticket_prefix):
        raise ValidationFailed(
            "Invalid organisation.",
            fields={"ticketPrefix": "Upper-case letters and digits, starting with a letter."},
        )
    try:
        async with in_transaction():
            return await Organization.create(
                name=name,
                slug=slug,
                ticket_prefix=ticket_prefix,
                site_key=widget_identity.new_site_key(),
                identity_secret=widget_identity.new_identity_secret(),
            )
    except IntegrityError:
        raise Conflict(f"An organisation with slug {slug!r} already exists.") from None


async def get_organization(*, organization_id: int) -> Organization:
    org = await Organization.get_or_none(id=organization_id)
    if org is None:
        raise NotFound("Organisation not found.")
    return org


async def get_organization_by_slug(*, slug: str) -> Organization:
    org = await Organization.get_or_none(slug=slug)
    if org is None:
        raise NotFound(f"No organisation with slug {slug!r}.")
    return org


async def rotate_identity_secret(*, principal: Principal) -> Organization:
    """A new identity secret; hashes made with the old one stop verifying at once."""
    principal.require_admin()
    async with in_transaction() as conn:
        org = await Organization.filter(id=principal.organization_id).using_db(conn).get_or_none()
        if org is None:
            raise NotFound("Organisation not found.")
        org.identity_secret = widget_identity.new_identity_secret()
        await org.save(using_db=conn, update_fields=["identity_secret", "updated_at"])
    return org


async def rotate_inbound_email_secret(*, principal: Principal) -> tuple[Organization, str]:
    """A new secret for the inbound email webhook; messages signed with the old one are
    refused from now on. Shown once, here."""
    principal.require_admin()
    secret = secrets.token_urlsafe(32)
    updated = await Organization.filter(id=principal.organization_id).update(
        inbound_email_secret=secret
    )
    if not updated:
        raise NotFound("Organisation not found.")
    return await Organization.get(id=principal.organization_id), secret


async def organization_for_site_key(site_key: str) -> Organization:
    """The organisation whose widget `site_key` names; 404 for any key that names none."""
    usable = 0 < len(site_key) <= SITE_KEY_MAX_LENGTH
    org = await Organization.get_or_none(site_key=site_key) if usable else None
    if org is None:
        raise NotFound("Unknown site key.")
    return org
