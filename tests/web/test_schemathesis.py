"""The OpenAPI document against the running server: schemathesis, every route, every check.

Four runs, one per kind of caller: an admin, an agent and an integration (API key) on every
route behind a bearer token, and a widget visitor on the `/api/embed/*` routes (a visitor
token, or none). Each run has every check on and every phase (coverage, fuzzing, stateful) and
must end with no 5xx and no answer the document does not promise. A failure lists every
problem of the run with a curl command to reproduce it.

The app under test lives on the session's event loop (Tortoise, asyncpg and Redis connections
are bound to it), while schemathesis drives its ASGI client from its own thread and loop:
`SessionLoopApp` hands each request over to the session loop, and the run goes to a worker
thread so that the session loop stays free to serve it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import (
    NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
)
from schemathesis.core.failures import Failure
from schemathesis.engine import Status, events
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.applications import Starlette

from server.accounts import sessions
from server.accounts.models import Role
from server.app import build_api
from server.errors import Unauthenticated
from server.web.endpoints import Access
from tests.factories import (
    PASSWORD,
    Team,
    bearer_for,
    make_agent,
    make_team,
    make_ticket,
    start_chat,
    visitor_session,
)

T = TypeVar("T")
ACCESS = {ep.handler.__name__: ep.access for ep in build_api().endpoints}
BEARER_ROUTES = [name for name, access in ACCESS.items() if access in (Access.AGENT, Access.ADMIN)]
WIDGET_ROUTES = [
    name for name, access in ACCESS.items() if access in (Access.VISITOR, Access.PUBLIC)
]

# Examples per operation and phase: enough to reach the declared answers of most routes while
# the four runs stay within a few minutes on two cores, on either backend.
MAX_EXAMPLES = 10
SEED = 13
# How often a generated id, reference, site key or address is swapped for one that exists,
# so that runs reach past 404 into the routes' real work.
KNOWN_VALUE_PROBABILITY = 0.5

# Rules of the server that a JSON Schema cannot state: they depend on stored data, on the
# organisation's settings or on the kind of caller. A schema-valid request may get 422 naming
# these fields (and only these) of its operation; each rule is in docs/api.md.
ATTACHED = {"attachmentIds": "the caller's own uploads, not attached yet"}
RULES_BEYOND_SCHEMA: dict[str, dict[str, str]] = {
    "login": {"org": "needed when the email signs in to several organisations"},
    "embed_session": {"userId": "with userHash, or neither", "userHash": "with userId"},
    "update_org": {
        "body": "at least one of allowedOrigins and widget",
        "widget.businessHours.timezone": "an IANA time zone",
        "widget.businessHours.days": "each opening starts before it ends",
    },
    "create_ticket": {
        "assigneeId": "an active agent of the organisation",
        "category": "one of the organisation's categories",
    },
    "update_ticket": {"category": "one of the organisation's categories"},
    "bulk_update": {
        "changes": "at least one change",
        "changes.assigneeId": "an active agent of the organisation",
    },
    "assign_ticket": {"agentId": "an active agent of the organisation"},
    "list_tickets": {"assignee": "`me` needs an agent, not an API key"},
    "export_tickets": {"assignee": "`me` needs an agent, not an API key"},
    "list_conversations": {"view": "`mine` needs an agent, not an API key"},
    "transfer_conversation": {"agentId": "another active agent of the organisation"},
    "mark_conversation_read": {"lastReadMessageId": "a message of this conversation"},
    "visitor_mark_read": {"lastReadMessageId": "a message of this conversation"},
    "create_ticket_from_chat": {"category": "one of the organisation's categories"},
    "visitor_start_chat": {
        "preChat.name": "required by the organisation's pre-chat form",
        "preChat.email": "required by the organisation's pre-chat form",
    },
    "visitor_email_transcript": {
        "email": "required unless the visitor has an address, and then only that address",
    },
    "put_mailbox": {
        "password": "password or accessToken, required the first time",
        "accessToken": "not with password",
        "security": "`none` only for a loopback host",
    },
    "visitor_create_ticket": {
        "priority": "only where the organisation lets customers choose",
        "email": "required unless the visitor has an address",
        "category": "one of the organisation's categories",
        **ATTACHED,
    },
}
# Files go with a message by the ids of the caller's own pending uploads, and a message or
# reply needs text, files or both (docs/attachments.md).
for _operation, _text in (
    ("create_ticket", None), ("add_response", "content"), ("visitor_reply_ticket", "content"),
    ("reply_tracked_ticket", "content"), ("post_conversation_message", "body"),
    ("visitor_send_message", "body"),
):  # fmt: skip
    RULES_BEYOND_SCHEMA.setdefault(_operation, {}).update(ATTACHED)
    if _text:
        RULES_BEYOND_SCHEMA[_operation][_text] = "text, files or both"
# Uploads whose bytes are of a type off the allow-list: 415 `file_type_not_allowed`.
UPLOADS = {"upload_files", "visitor_upload_files", "tracked_upload_files"}

# The server refuses special-use domains (RFC 6761: .test, .invalid, localhost, ...), which
# no JSON Schema format can say; generated addresses use ordinary ones, internationalised
# mailboxes among them (the document says `idn-email`: server/web/schema.py, `Email`).
schemathesis.openapi.format(
    "idn-email",
    st.from_regex(
        r"\A[a-z0-9\u00e0-\u00f6\u00f8-\u00ff\u0130][a-z0-9._+\u00e0-\u00f6\u00f8-\u00ff-]{0,30}"
        r"@[a-z0-9]{1,20}\.(com|org|net|io)\Z"
    ),
)


# A raw email (`POST /api/webhooks/email`): the generated bytes go out as they are.
@schemathesis.serializer("message/rfc822")
def _raw_email(ctx: object, value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


@schemathesis.check
def positive_data_acceptance_beyond_schema(ctx: Any, response: Any, case: Any) -> bool | None:
    """`positive_data_acceptance`, except for a 422 that names only `RULES_BEYOND_SCHEMA`
    fields of its operation."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        operation = case.operation.definition.raw["operationId"]
        rules = RULES_BEYOND_SCHEMA.get(operation, {})
        if (
            operation in UPLOADS
            and response.status_code == 415
            and _code(response) == ("file_type_not_allowed")
        ):
            return None
        failed = _failed_fields(response)
        if response.status_code == 422 and all(name in rules or _grew(why) for name, why in failed):
            return None
        raise


def _code(response: Any) -> str | None:
    try:
        return str(json.loads(response.content)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def _failed_fields(response: Any) -> list[tuple[str, str]]:
    """The 422's `fields` (`tags.3` read as `tags`)."""
    try:
        fields = json.loads(response.content)["error"].get("fields") or {"body": ""}
    except (ValueError, KeyError, TypeError, AttributeError):
        return [("(not the error shape)", "")]
    return [(re.sub(r"\.\d+(?=\.|$)", "", name), str(why)) for name, why in fields.items()]


def _grew(why: str) -> bool:
    # Text that outgrows its limit once lower-cased (`lower_cased` in server/web/schema.py):
    # the document states the length of the text as sent.
    return why.endswith("once lower-cased.")


class SessionLoopApp:
    """An ASGI app that runs `app` on `loop` for a caller on another loop (and thread).

    The session fixture started the app, so its lifespan is only acknowledged here."""

    def __init__(self, app: Starlette, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.loop = loop

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        caller = asyncio.get_running_loop()

        def on_caller(awaitable: Awaitable[T]) -> Awaitable[T]:
            return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_wait(awaitable), caller))

        async def receive_from_caller() -> Any:
            return await on_caller(receive())

        async def send_to_caller(message: Any) -> None:
            await on_caller(send(message))

        app_call = self.app(scope, receive_from_caller, send_to_caller)
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(app_call, self.loop))


async def _wait(awaitable: Awaitable[T]) -> T:
    return await awaitable


@dataclass
class Persona:
    """Who a run acts as. The run itself may sign its token out, change its password, demote
    it or revoke its key; after a 401 schemathesis asks again, and gets a working one."""

    kind: str  # "admin" | "agent" | "integration"
    team: Team
    token: str = ""

    async def working_token(self) -> str:
        if self.token:
            try:
                principal = await sessions.authenticate_token(self.token)
                if self.kind != "admin" or principal.is_admin:
                    return self.token
            except Unauthenticated:
                pass
        if self.kind == "integration":
            self.token, _ = await sessions.create_api_key(
                principal=self.team.admin_principal, name="schemathesis"
            )
        else:
            agent = self.team.agent
            if self.kind == "admin":
                agent = await make_agent(self.team.org, role=Role.ADMIN, name="Ada Admin")
            self.token = (await bearer_for(agent))["Authorization"].removeprefix("Bearer ")
        return self.token


# Text that grows when lower-cased (`İ` becomes two code points), for the fields that are.
GROWS_LOWER_CASED = ["İ" * 64, "İ" * 200, "İ" * 60 + "@example.com", "İ" * 242 + "@example.com"]


@dataclass
class Known:
    """Values that exist in a team's organisation (or are known to be hard), offered to the
    generator in place of generated ones."""

    visitor_token: str
    values: dict[str, list[str | int]]

    # Where each kind of value goes (schemathesis parameter bindings).
    BINDINGS = {
        "refs": ["path.ref", "query.ref", "body.refs[*]"],
        "conversations": ["path.conversation_id"],
        "messages": ["body.lastReadMessageId"],
        "agents": ["path.agent_id", "body.agentId", "body.assigneeId"],
        "contacts": ["path.contact_id", "query.requesterId", "query.contactId"],
        "site_keys": ["query.siteKey", "body.siteKey"],
        "emails": ["query.email", "body.email", "body.requesterEmail"],
        "passwords": ["body.password"],
        "lower_cased": [
            "body.tags[*]",
            "body.addTags[*]",
            "body.removeTags[*]",
            "query.tag",
            "query.requesterEmail",
        ],
    }

    def config(self, *, visitor: bool) -> dict[str, Any]:
        dictionaries = {name: {"values": values} for name, values in self.values.items()}
        parameters = {
            where: {"dictionary": name, "probability": KNOWN_VALUE_PROBABILITY}
            for name, places in self.BINDINGS.items()
            for where in places
        }
        if visitor:  # the visitor's own ticket; anyone else's is 404 by design
            parameters["path.ref"]["dictionary"] = "own_refs"
        return {"dictionaries": dictionaries, "parameters": parameters}


async def populate(team: Team, client: httpx.AsyncClient) -> Known:
    """Tickets, replies and a chat in `team`'s organisation, so that lists and lookups answer
    with real items for the response schemas to be checked against."""
    loaded = await make_ticket(team.admin_principal, tags=["billing", "vip"])
    reply = {"content": "We are on it.", "statusChange": "WAITING_ON_CUSTOMER"}
    response = await client.post(
        f"/api/tickets/{loaded.ticket.id}/responses", json=reply, headers=team.admin_headers
    )
    assert response.status_code == 201, response.text
    visitor = await visitor_session(client, team.org, name="Vera Visitor", email="vera@example.com")
    chat = await start_chat(client, visitor)
    conversation_id = chat["conversation"]["id"]
    answer = {"body": "Hello Vera", "clientMessageId": "agent-1"}
    response = await client.post(
        f"/api/conversations/{conversation_id}/messages", json=answer, headers=team.agent_headers
    )
    assert response.status_code == 201, response.text
    messages = [chat["message"]["id"], response.json()["message"]["id"]]
    form = {"subject": "Refund", "description": "Please refund order 42."}
    response = await client.post("/api/embed/tickets", json=form, headers=visitor["headers"])
    assert response.status_code == 201, response.text
    own = response.json()["ticket"]["reference"]
    return Known(
        visitor_token=visitor["token"],
        values={
            "refs": [loaded.reference, str(loaded.ticket.id), own],
            "own_refs": [own],
            "conversations": [conversation_id],
            "messages": messages,
            "agents": [team.admin.id, team.agent.id],
            "contacts": [visitor["contact"]["id"]],
            "site_keys": [team.org.site_key],
            "emails": [
                "vera@example.com",
                loaded.ticket.requester_email or "x@example.com",
                team.admin.email,
                *GROWS_LOWER_CASED[2:],
            ],
            "passwords": [PASSWORD],
            "lower_cased": GROWS_LOWER_CASED,
        },
    )


@dataclass
class Findings:
    """Every failed check and every error of a run, readable in the assertion message."""

    problems: list[str] = field(default_factory=list)
    scenarios: int = 0

    def add(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished):
            self.scenarios += 1
            for case_id, nodes in event.recorder.checks.items():
                for node in nodes:
                    if node.status == Status.FAILURE and node.failure_info is not None:
                        self._failure(event.recorder, case_id, node)
        elif isinstance(event, events.NonFatalError):
            self.problems.append(f"[{event.label}] error: {event.value!r}")
        elif isinstance(event, events.FatalError):
            self.problems.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            self.problems.extend(f"[after run] {f.title}: {f.message}" for f in event.failures)

    def _failure(self, recorder: Any, case_id: str, node: Any) -> None:
        info = node.failure_info
        response = recorder.find_response(case_id=case_id)
        answer = f"{response.status_code} {_shown(response.content)}" if response else "no response"
        self.problems.append(
            f"[{recorder.label}] {node.name}: {info.failure.title}\n{info.failure.message}\n"
            f"{info.code_sample}\n-> {answer}"
        )


def _shown(content: bytes) -> str:
    """The start of an answer, as text when it is text (a file download may not be)."""
    try:
        return content[:300].decode()
    except UnicodeDecodeError:
        return repr(content[:60])


def run_schemathesis(
    app: SessionLoopApp,
    loop: asyncio.AbstractEventLoop,
    *,
    operations: list[str],
    known: Known,
    bearer: Persona | None = None,
) -> Findings:
    """One run over `operations` (operation ids) with every check; blocks its thread."""

    def on_loop(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            # Repeatable in CI: no example database, no cache, derandomized generation.
            "cache": {"enabled": False},
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                # PostgreSQL text cannot hold NUL: every string refuses it with 422 (docs/api.md).
                "allow-x00": False,
            },
            # Every registered check. `max_response_time` is not one unless given a limit: no
            # timing assertions here.
            "checks": {
                "enabled": True,
                # Replaced by `positive_data_acceptance_beyond_schema` above. A body past
                # PARLEY_MAX_BODY_BYTES is refused with 413 whatever its schema says (declared
                # on every operation with a body): a schema-valid one may get it, an invalid
                # one is rejected by it.
                "positive_data_acceptance": {
                    "enabled": False,
                    "expected-statuses": [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, "413"],
                },
                "negative_data_rejection": {
                    "expected-statuses": [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"],
                },
            },
            **known.config(visitor=bearer is None),
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    schema = schema.include(operation_id=operations)

    def access_of(case: Any) -> Access:
        return ACCESS[case.operation.definition.raw["operationId"]]

    class Credentials:
        def get(self, case: Any, ctx: Any) -> str | None:
            access = access_of(case)
            if access is Access.VISITOR:
                return known.visitor_token
            if access is Access.PUBLIC or bearer is None:
                return None
            return on_loop(bearer.working_token())

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    # One cached credential per kind of route; a 401 makes schemathesis ask again.
    schema.auth.auth(cache_by_key=lambda case, ctx: str(access_of(case)))(Credentials)
    findings = Findings()
    for event in schemathesis.engine.from_schema(schema).execute():
        findings.add(event)
    return findings


@pytest.mark.parametrize("persona", ["admin", "agent", "integration", "visitor"])
async def test_every_route_keeps_the_documents_promises(
    app: Starlette, client: httpx.AsyncClient, persona: str
) -> None:
    loop = asyncio.get_running_loop()
    team = await make_team()
    known = await populate(team, client)
    run: dict[str, Any] = {"operations": WIDGET_ROUTES, "known": known}
    if persona != "visitor":
        signed_in = {"admin": team.admin_headers, "agent": team.agent_headers}.get(persona, {})
        token = signed_in.get("Authorization", "").removeprefix("Bearer ")
        run = {"operations": BEARER_ROUTES, "known": known, "bearer": Persona(persona, team, token)}
    findings = await asyncio.to_thread(run_schemathesis, SessionLoopApp(app, loop), loop, **run)
    assert findings.scenarios
    assert not findings.problems, "\n\n".join(findings.problems)
