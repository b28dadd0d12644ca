"""Public endpoints the widget calls from customers' sites: `/api/embed/*`.

No bearer token: the site key names the organisation, and the page's origin must be one the
organisation allows (see server/web/origins.py). CORS for these paths is answered by
`EmbedCORSMiddleware` (server/web/cors.py) for any origin; the decision is made here, per
organisation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field, StringConstraints
from starlette.requests import Request

from server.accounts import org_settings, organizations, visitor_tokens, visitors
from server.accounts.models import Contact, Organization
from server.accounts.schemas import Name
from server.errors import Forbidden
from server.web import origins
from server.web.endpoints import Access, Api, Call
from server.web.schema import Email, RequestModel, ResponseModel

api = Api()
TAG = "embed"

SiteKey = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    Field(description="The widget's site key (`pk_...`); one that names no organisation is 404."),
]


class EmbedSessionRequest(RequestModel):
    site_key: SiteKey
    name: Name | None = None
    email: Email | None = None
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="The host site's id for this user (identity verification)."
    )
    user_hash: Annotated[str, StringConstraints(max_length=128)] | None = Field(
        default=None, description="HMAC-SHA256(identity secret, userId), lower-case hex."
    )
    token: Annotated[str, StringConstraints(max_length=512)] | None = Field(
        default=None,
        description="The visitor token held so far: the same anonymous visitor gets a fresh "
        "token for the same contact (within 7 days of its issue).",
    )


class VisitorContact(ResponseModel):
    id: int
    name: str
    email: str | None
    verified: bool


class EmbedSessionOut(ResponseModel):
    token: str
    expires_at: datetime
    contact: VisitorContact


def check_origin(request: Request, org: Organization) -> None:
    settings = request.app.state.parley.settings
    if not origins.origin_allowed(
        request, settings.allowed_origins, org_settings.allowed_origins(org)
    ):
        raise Forbidden("This page's origin may not use this organisation's widget.")


def _visitor(contact: Contact) -> VisitorContact:
    return VisitorContact(
        id=contact.id,
        name=contact.name,
        email=contact.email or contact.claimed_email,
        verified=contact.verified,
    )


@api.endpoint(
    "POST", "/api/embed/session", summary="Start or refresh a widget session", tag=TAG,
    access=Access.PUBLIC, body=EmbedSessionRequest, response=EmbedSessionOut,
    errors=(401, 403, 404, 422, 429),
)  # fmt: skip
async def embed_session(call: Call) -> EmbedSessionOut:
    """A visitor token for the widget: verified (`userId` + `userHash`), the same anonymous
    visitor again (`token`), or a new anonymous visitor."""
    b = call.body
    request = call.request
    await request.app.state.parley.chat_limiter.session(
        request.client.host if request.client else "unknown"
    )
    org = await organizations.organization_for_site_key(b.site_key)
    check_origin(call.request, org)
    settings = call.request.app.state.parley.settings
    contact = await visitors.open_visitor_session(
        org=org, name=b.name, email=str(b.email) if b.email else None,
        user_id=b.user_id, user_hash=b.user_hash, token=b.token,
        secret_key=settings.secret_key,
    )  # fmt: skip
    token, expires_at = visitor_tokens.issue(
        settings.secret_key, organization_id=org.id, contact_id=contact.id,
        ttl=timedelta(hours=settings.visitor_token_ttl_hours),
    )  # fmt: skip
    return EmbedSessionOut(token=token, expires_at=expires_at, contact=_visitor(contact))


@api.endpoint(
    "GET", "/api/embed/me", summary="The visitor", tag=TAG, access=Access.VISITOR,
    response=VisitorContact,
)  # fmt: skip
async def embed_me(call: Call) -> VisitorContact:
    """Who the widget's visitor token is for."""
    return _visitor(call.contact)
