"""Who a socket's token is, and who may subscribe to which channel: handed to the transport.

Agents may subscribe to the organisation's queue, any of its tickets and conversations, and
their own `agent:{id}` channel; integrations (API keys) the same but no agent's channel;
customers (visitor tokens) only their own `contact:{id}` channel and their own conversations;
a ticket's tracking page (a tracking session token on the widget endpoint) only that ticket's
`tracking:{id}` channel.
A ticket or conversation that does not exist in the organisation, or a conversation that is
another customer's, answers `not_found` either way, so ids reveal nothing.
"""

from __future__ import annotations

from datetime import timedelta

from server.accounts import org_settings, organizations, sessions, visitors
from server.channels import names
from server.channels.access import Admission, Endpoint
from server.channels.connection import Identity
from server.channels.protocol import BadFrame
from server.chat.models import Conversation
from server.settings import Settings
from server.tickets import tracking, tracking_links
from server.tickets.models import Ticket


class ParleyGate:
    """Parley's answers to the transport's two questions (`server/channels/access.Gate`)."""

    def __init__(self, settings: Settings) -> None:
        self._secret_key = settings.secret_key
        self._visitor_ttl = timedelta(hours=settings.visitor_token_ttl_hours)

    async def admit(self, token: str, endpoint: Endpoint) -> Admission:
        if endpoint == "widget" and token.startswith(tracking_links.SESSION_PREFIX):
            return await self._admit_tracker(token)
        if endpoint == "widget":
            return await self._admit_visitor(token)
        principal = await sessions.authenticate_token(token)

        async def revalidate() -> object:
            return await sessions.authenticate_token(token)

        if principal.agent is not None:
            identity = Identity(
                organization_id=principal.organization_id, kind="agent",
                id=principal.agent.id, name=principal.name, revalidate=revalidate,
                token_digest=principal.token_digest,
            )  # fmt: skip
        else:
            assert principal.api_key_id is not None
            identity = Identity(
                organization_id=principal.organization_id, kind="integration",
                id=principal.api_key_id, name=principal.name, revalidate=revalidate,
            )  # fmt: skip
        return Admission(identity)

    async def _admit_visitor(self, token: str) -> Admission:
        async def revalidate() -> object:
            return await visitors.authenticate_visitor(
                token=token, secret_key=self._secret_key, ttl=self._visitor_ttl
            )

        contact = await visitors.authenticate_visitor(
            token=token, secret_key=self._secret_key, ttl=self._visitor_ttl
        )
        org = await organizations.get_organization(organization_id=contact.organization_id)
        identity = Identity(
            organization_id=contact.organization_id, kind="contact", id=contact.id,
            name=contact.name or contact.email or f"Visitor {contact.id}", revalidate=revalidate,
        )  # fmt: skip
        return Admission(identity, widget_origins=tuple(org_settings.allowed_origins(org)))

    async def _admit_tracker(self, token: str) -> Admission:
        async def revalidate() -> object:
            # Ends the socket when the session expires or its ticket is deleted or moves to
            # another requester.
            return await tracking.authenticate_tracking_session(
                token=token, secret_key=self._secret_key
            )

        tracked = await tracking.authenticate_tracking_session(
            token=token, secret_key=self._secret_key
        )
        identity = Identity(
            organization_id=tracked.organization.id, kind="tracker", id=tracked.ticket.id,
            name=tracked.contact.name or tracked.ticket.requester_name or "Customer",
            revalidate=revalidate,
        )  # fmt: skip
        # The page is Parley's own (`/track`): no organisation's widget origins apply.
        return Admission(identity)

    async def may_subscribe(self, identity: Identity, channel: names.Channel) -> None:
        who = identity
        allowed = {
            "agent": lambda c: (
                c.kind in ("queue", "ticket", "conversation")
                or c == names.agent(who.organization_id, who.id)
            ),
            "integration": lambda c: c.kind in ("queue", "ticket", "conversation"),
            "contact": lambda c: (
                c == names.contact(who.organization_id, who.id) or c.kind == "conversation"
            ),
            "tracker": lambda c: c == names.tracking(who.organization_id, who.id),
        }[who.kind](channel)
        if not allowed:
            raise BadFrame("forbidden", f"You may not subscribe to {channel.wire}.")
        if channel.kind == "ticket":
            exists = await Ticket.filter(
                id=channel.object_id, organization_id=who.organization_id
            ).exists()
            if not exists:
                raise BadFrame("not_found", f"No ticket {channel.object_id}.")
        elif channel.kind == "conversation":
            # A customer may only be in their own chat; another's answers like a missing one.
            mine = {"contact_id": who.id} if who.kind == "contact" else {}
            exists = await Conversation.filter(
                id=channel.object_id, organization_id=who.organization_id, **mine
            ).exists()
            if not exists:
                raise BadFrame("not_found", f"No conversation {channel.object_id}.")
