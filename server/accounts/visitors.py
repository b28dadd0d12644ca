"""Widget visitors: the contact a widget session is for (identity verification, anonymous
visitors coming back), visitor tokens, and what visitors type into forms about themselves."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.accounts import contacts, org_settings, visitor_tokens, widget_identity
from server.accounts.models import Contact, Organization
from server.accounts.principal import Principal
from server.errors import Unauthenticated, ValidationFailed
from server.web.schema import lower_case

# How long after issue a visitor token can still be exchanged for a new one (same contact).
VISITOR_REFRESH_WINDOW = timedelta(days=7)


async def issue_visitor_token(
    *, principal: Principal, contact_id: int, secret_key: str, ttl: timedelta
) -> tuple[str, datetime, Contact]:
    """A widget token for one of the organisation's contacts (any agent may mint one)."""
    contact = await contacts.get_contact(principal=principal, contact_id=contact_id)
    token, expires_at = visitor_tokens.issue(
        secret_key, organization_id=contact.organization_id, contact_id=contact.id, ttl=ttl
    )
    return token, expires_at, contact


async def authenticate_visitor(*, token: str, secret_key: str, ttl: timedelta) -> Contact:
    """The contact behind a valid visitor token (the contact must still exist)."""
    claims = visitor_tokens.verify(secret_key, token, ttl=ttl)
    contact = await Contact.get_or_none(
        id=claims.contact_id, organization_id=claims.organization_id
    )
    if contact is None:
        raise Unauthenticated("The visitor token's contact no longer exists.")
    return contact


async def open_visitor_session(
    *,
    org: Organization,
    name: str | None,
    email: str | None,
    user_id: str | None,
    user_hash: str | None,
    token: str | None,
    secret_key: str,
) -> Contact:
    """The contact a widget session is for (see docs/widget.md):

    - `userId` + `userHash` (HMAC of the user id with the identity secret): that user's
      verified contact, found by user id or created;
    - else, when the organisation requires verification: 401;
    - else a still-valid visitor token of this organisation: the same (anonymous) contact;
    - else a new anonymous contact. The email an unverified visitor types is kept as
      `claimedEmail` only: it never finds or merges with another contact.
    """
    widget = org_settings.widget_settings(org)
    if user_id is not None or user_hash is not None:
        if not user_id or not user_hash:
            raise ValidationFailed(
                "Identity verification needs both userId and userHash.",
                fields={"userHash" if user_id else "userId": "Required with the other."},
            )
        if not org.identity_secret or not widget_identity.verify(
            org.identity_secret, user_id, user_hash
        ):
            raise Unauthenticated("Identity verification failed: userHash does not match.")
        return await _verified_contact(org, user_id, name, email)
    if widget["verificationRequired"]:
        raise Unauthenticated("This site requires identity verification (userId and userHash).")
    if token:
        claims = _visitor_claims(token, secret_key)
        if claims is not None and claims.organization_id == org.id:
            contact = await Contact.get_or_none(id=claims.contact_id, organization_id=org.id)
            if contact is not None:
                return await _fill_in(contact, name, email)
    async with in_transaction() as conn:
        return await Contact.create(
            organization_id=org.id, name=name or "", claimed_email=email, using_db=conn
        )


def _visitor_claims(token: str, secret_key: str) -> visitor_tokens.VisitorClaims | None:
    try:
        # A token past its lifetime still identifies an anonymous visitor for a refresh
        # within a week of issue; after that they start over.
        return visitor_tokens.verify(secret_key, token, ttl=VISITOR_REFRESH_WINDOW)
    except Unauthenticated:
        return None


async def _verified_contact(
    org: Organization, user_id: str, name: str | None, email: str | None
) -> Contact:
    async with in_transaction() as conn:
        contact = (
            await Contact.filter(organization_id=org.id, external_id=user_id)
            .using_db(conn)
            .get_or_none()
        )
        if contact is None:
            try:
                async with in_transaction(conn.connection_name) as inner:
                    contact = await Contact.create(
                        organization_id=org.id, external_id=user_id, verified=True,
                        name=name or "", claimed_email=email, using_db=inner,
                    )  # fmt: skip
                    return contact
            except IntegrityError:  # created meanwhile by another session of this user
                contact = (
                    await Contact.filter(organization_id=org.id, external_id=user_id)
                    .using_db(conn)
                    .get()
                )
        if not contact.verified:
            contact.verified = True
            await contact.save(using_db=conn, update_fields=["verified", "updated_at"])
    return await _fill_in(contact, name, email)


async def remember_visitor_answers(
    contact: Contact, *, name: str | None, email: str | None, conn: BaseDBAsyncClient
) -> None:
    """What a visitor typed in a form (pre-chat, ticket form) fills in an anonymous contact:
    the name they give replaces theirs, the email becomes their `claimedEmail` unless they
    have a real one. A verified contact's identity is never changed."""
    changed = []
    if name and name != contact.name and not contact.verified:
        contact.name = name
        changed.append("name")
    if email and not contact.verified and not contact.email:
        contact.claimed_email = lower_case(email)
        changed.append("claimed_email")
    if changed:
        await contact.save(using_db=conn, update_fields=[*changed, "updated_at"])


async def _fill_in(contact: Contact, name: str | None, email: str | None) -> Contact:
    """A name or email given now fills in what the contact lacks (never overwrites)."""
    changed = []
    if name and not contact.name:
        contact.name = name
        changed.append("name")
    if email and not contact.email and not contact.claimed_email:
        contact.claimed_email = email
        changed.append("claimed_email")
    if changed:
        await contact.save(update_fields=[*changed, "updated_at"])
    return contact
