"""Declaring REST endpoints once: authentication, input parsing, output shaping, OpenAPI.

A route is declared with `@api.endpoint(...)`, naming its body/query/response schemas and who
may call it. The wrapper authenticates, validates the query and body into those schemas, calls
the handler with a `Call`, and serialises what it returns; on endpoints declared
`idempotent`, a retry with the same `Idempotency-Key` gets the first answer instead
(`server.web.idempotency`). `server.web.openapi` reads the same declarations, so the document
cannot drift from what the server validates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.web import idempotency
from server.web.bodies import parse_json, parse_model, parse_query, read_body
from server.web.idempotency import IdempotencyStore

if TYPE_CHECKING:
    # For annotations only: the HTTP plumbing sits below the domains (accounts supplies the
    # authenticators at runtime, through `Api.routes`).
    from server.accounts.models import Contact
    from server.accounts.principal import Principal
    from server.tickets.tracking import TrackedTicket


class Access(StrEnum):
    PUBLIC = "public"
    AGENT = "agent"
    ADMIN = "admin"
    # A customer's widget: a visitor token (`prl_vt_`), naming one contact.
    VISITOR = "visitor"
    # A ticket's tracking page: a tracking session token (`prl_ts_`), naming one ticket.
    TRACKER = "tracker"


@dataclass
class Call:
    """Everything a handler gets: the request, who made it, and the validated inputs."""

    request: Request
    principal: Principal | None
    body: Any = None
    query: Any = None
    visitor: Contact | None = None
    tracker: TrackedTicket | None = None

    @property
    def path(self) -> dict[str, Any]:
        return self.request.path_params

    @property
    def agent(self) -> Principal:
        """The authenticated principal (endpoints with AGENT/ADMIN access always have one)."""
        assert self.principal is not None
        return self.principal

    @property
    def contact(self) -> Contact:
        """The visitor's contact (endpoints with VISITOR access always have one)."""
        assert self.visitor is not None
        return self.visitor

    @property
    def tracked(self) -> TrackedTicket:
        """The tracking session's ticket (endpoints with TRACKER access always have one)."""
        assert self.tracker is not None
        return self.tracker


Handler = Callable[[Call], Awaitable[BaseModel | Response | None]]
Authenticator = Callable[[Request], Awaitable["Principal"]]
VisitorAuthenticator = Callable[[Request], Awaitable["Contact"]]
TrackerAuthenticator = Callable[[Request], Awaitable["TrackedTicket"]]


@dataclass
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    access: Access
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    media_type: str = "application/json"
    errors: tuple[int, ...] = ()
    description: str = ""
    # Accepts `Idempotency-Key` (server/web/idempotency.py): for POSTs that create.
    idempotent: bool = False
    # The media type of a body the handler reads itself, raw (`read_raw_body`), if any.
    raw_body: str | None = None


@dataclass
class Api:
    """A collection of endpoints; `routes()` gives Starlette routes."""

    authenticate: Authenticator | None = None
    endpoints: list[Endpoint] = field(default_factory=list)

    def endpoint(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tag: str,
        access: Access = Access.AGENT,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        media_type: str = "application/json",
        errors: tuple[int, ...] = (),
        idempotent: bool = False,
        raw_body: str | None = None,
    ) -> Callable[[Handler], Handler]:
        if idempotent and access is Access.PUBLIC:
            # Keys are scoped per caller; an anonymous caller has no scope to keep them in.
            raise ValueError(f"{method} {path}: a public endpoint cannot be idempotent")

        def register(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(
                    method=method,
                    path=path,
                    handler=handler,
                    summary=summary,
                    tag=tag,
                    access=access,
                    body=body,
                    query=query,
                    response=response,
                    status=status,
                    media_type=media_type,
                    errors=errors,
                    description=(handler.__doc__ or "").strip(),
                    idempotent=idempotent,
                    raw_body=raw_body,
                )
            )
            return handler

        return register

    def include(self, other: Api) -> None:
        self.endpoints.extend(other.endpoints)

    def routes(
        self,
        authenticate: Authenticator,
        body_limit: int,
        authenticate_visitor: VisitorAuthenticator | None = None,
        idempotency: IdempotencyStore | None = None,
        authenticate_tracker: TrackerAuthenticator | None = None,
    ) -> list[Route]:
        by_path: dict[str, dict[str, Endpoint]] = {}
        for ep in self.endpoints:
            by_path.setdefault(ep.path, {})[ep.method] = ep
            if ep.idempotent and idempotency is None:
                raise RuntimeError(f"{ep.method} {ep.path} needs an idempotency store")
        return [
            Route(
                path,
                _dispatcher(
                    methods,
                    authenticate,
                    body_limit,
                    authenticate_visitor,
                    idempotency,
                    authenticate_tracker,
                ),
                methods=list(methods),
            )
            for path, methods in by_path.items()
        ]


def _dispatcher(
    methods: dict[str, Endpoint],
    authenticate: Authenticator,
    body_limit: int,
    authenticate_visitor: VisitorAuthenticator | None,
    idempotency_store: IdempotencyStore | None,
    authenticate_tracker: TrackerAuthenticator | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    async def dispatch(request: Request) -> Response:
        ep = methods[request.method if request.method != "HEAD" else "GET"]
        principal: Principal | None = None
        visitor: Contact | None = None
        tracker: TrackedTicket | None = None
        if ep.access is Access.TRACKER:
            if authenticate_tracker is None:
                raise RuntimeError(f"{ep.path} needs a tracking session authenticator")
            tracker = await authenticate_tracker(request)
        elif ep.access is Access.VISITOR:
            if authenticate_visitor is None:
                raise RuntimeError(f"{ep.path} needs a visitor authenticator")
            visitor = await authenticate_visitor(request)
        elif ep.access is not Access.PUBLIC:
            principal = await authenticate(request)
            if ep.access is Access.ADMIN:
                principal.require_admin()
        key = idempotency.key_from(request) if ep.idempotent else None
        query = parse_query(ep.query, request) if ep.query else None
        raw = await read_body(request, limit=body_limit) if ep.body else b""
        body = parse_model(ep.body, parse_json(raw)) if ep.body else None
        call = Call(
            request=request, principal=principal, body=body, query=query, visitor=visitor,
            tracker=tracker,
        )  # fmt: skip
        if key is None:
            return await _answer(ep, call)
        assert idempotency_store is not None  # checked when the routes were built
        return await idempotency_store.run(
            scope=_caller_scope(principal, visitor, tracker),
            key=key,
            fingerprint=idempotency.fingerprint(request, raw),
            answer=lambda: _answer(ep, call),
        )

    return dispatch


async def _answer(ep: Endpoint, call: Call) -> Response:
    result = await ep.handler(call)
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=204 if ep.status == 200 else ep.status)
    # pydantic's own JSON encoder (Rust) in one step, rather than dict then json.dumps.
    return Response(
        result.model_dump_json(by_alias=True),
        status_code=ep.status,
        media_type="application/json",
    )


def _caller_scope(
    principal: Principal | None, visitor: Contact | None, tracker: TrackedTicket | None = None
) -> str:
    """Whose idempotency keys these are: one organisation's agent, API key or contact (in
    the widget, or on one ticket's tracking page)."""
    if tracker is not None:
        c = tracker.claims
        return f"org:{c.organization_id}:tracking:{c.ticket_id}:contact:{c.contact_id}"
    if visitor is not None:
        return f"org:{visitor.organization_id}:contact:{visitor.id}"
    assert principal is not None  # idempotent endpoints are never public
    if principal.api_key_id is not None:
        return f"org:{principal.organization_id}:api-key:{principal.api_key_id}"
    return f"org:{principal.organization_id}:agent:{principal.agent_id}"
