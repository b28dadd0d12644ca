"""`Idempotency-Key` on the POSTs that create (server/web/idempotency.py), through the real
HTTP stack: a retry answers the first answer and creates nothing; keys are per caller."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from server.accounts.models import Agent, ApiKey
from server.app import build_api
from server.tickets import service as ticket_service
from server.tickets.models import Ticket, TicketResponse
from server.web import idempotency
from server.web.endpoints import Access, Api, Call
from server.web.idempotency import IdempotencyRecord, IdempotencyStore
from tests.factories import Team, start_chat, unique, visitor_session
from tests.support.clock import ManualClock as FakeClock

REPLAYED = idempotency.REPLAYED_HEADER


def new_key() -> str:
    return str(uuid.uuid4())


def ticket_body(subject: str = "The printer is on fire") -> bytes:
    # Sent as bytes, so a retry is byte for byte the same request.
    return json.dumps({"requesterEmail": "pat@example.com", "subject": subject}).encode()


async def post(
    client: httpx.AsyncClient,
    path: str,
    body: bytes,
    headers: dict[str, str],
    key: str | None,
) -> httpx.Response:
    extra = {idempotency.HEADER: key} if key is not None else {}
    return await client.post(
        path, content=body, headers={**headers, **extra, "Content-Type": "application/json"}
    )


async def tickets_of(team: Team) -> int:
    return await Ticket.filter(organization_id=team.org.id).count()


@pytest.fixture
def store(app: Starlette) -> IdempotencyStore:
    store: IdempotencyStore = app.state.parley.idempotency
    return store


@pytest.fixture
def clock(store: IdempotencyStore) -> Iterator[FakeClock]:
    """The app's idempotency store on a fake clock (sweeping on its first use)."""
    fake = FakeClock()
    original = store.clock, store._next_sweep
    store.clock, store._next_sweep = fake, None
    try:
        yield fake
    finally:
        store.clock, store._next_sweep = original


# --- the same request again --------------------------------------------------------------------


async def test_same_key_and_body_answers_the_first_answer_and_creates_once(
    client: httpx.AsyncClient, team: Team
) -> None:
    key = new_key()
    first = await post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    again = await post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.content == first.content
    assert again.headers["content-type"] == "application/json"
    assert again.headers[REPLAYED] == "true"
    assert REPLAYED not in first.headers
    assert await tickets_of(team) == 1


async def test_without_a_key_every_request_creates(client: httpx.AsyncClient, team: Team) -> None:
    for _ in range(2):
        response = await post(client, "/api/tickets", ticket_body(), team.agent_headers, None)
        assert response.status_code == 201
        assert REPLAYED not in response.headers
    assert await tickets_of(team) == 2


async def test_same_key_with_another_body_or_path_is_409_reused(
    client: httpx.AsyncClient, team: Team
) -> None:
    key = new_key()
    first = await post(client, "/api/tickets", ticket_body("One"), team.agent_headers, key)
    assert first.status_code == 201
    other_body = await post(client, "/api/tickets", ticket_body("Two"), team.agent_headers, key)
    assert other_body.status_code == 409
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    ref = first.json()["ticket"]["reference"]
    reply = json.dumps({"content": "On it."}).encode()
    other_path = await post(client, f"/api/tickets/{ref}/responses", reply, team.agent_headers, key)
    assert other_path.status_code == 409
    assert other_path.json()["error"]["code"] == "idempotency_key_reused"
    assert await tickets_of(team) == 1
    assert await TicketResponse.filter(ticket__organization_id=team.org.id).count() == 0


async def test_a_refused_request_leaves_the_key_free(client: httpx.AsyncClient, team: Team) -> None:
    """Only 2xx answers are kept: a refused request changed nothing, so the same key may be
    sent again with a corrected body."""
    key = new_key()
    invalid = json.dumps({"requesterEmail": "not an email", "subject": "x"}).encode()
    refused = await post(client, "/api/tickets", invalid, team.agent_headers, key)
    assert refused.status_code == 422
    fixed = await post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    assert fixed.status_code == 201
    assert REPLAYED not in fixed.headers
    # A refusal from the service itself (a duplicate email: 409) frees the key too.
    agent = {"email": team.agent.email, "name": "Twin", "password": "correct horse battery"}
    clash = await post(client, "/api/agents", json.dumps(agent).encode(), team.admin_headers, key)
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "conflict"
    agent["email"] = f"{unique('twin')}@example.com"
    created = await post(client, "/api/agents", json.dumps(agent).encode(), team.admin_headers, key)
    assert created.status_code == 201, created.text


# --- whose keys ----------------------------------------------------------------------------------


async def test_keys_are_scoped_per_caller(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    """The same key and body from another organisation, another agent or an API key is a
    request of its own: it creates, and never sees someone else's answer."""
    key = new_key()
    made = await client.post("/api/api-keys", headers=team.admin_headers, json={"name": "CRM"})
    api_key_headers = {"Authorization": f"Bearer {made.json()['key']}"}
    callers = [team.agent_headers, team.admin_headers, api_key_headers, other_team.agent_headers]
    answers = [await post(client, "/api/tickets", ticket_body(), h, key) for h in callers]
    assert [a.status_code for a in answers] == [201] * 4
    assert all(REPLAYED not in a.headers for a in answers)
    assert len({a.json()["ticket"]["id"] for a in answers}) == 4
    assert await tickets_of(team) == 3
    assert await tickets_of(other_team) == 1


async def test_visitor_endpoints_replay_per_contact(client: httpx.AsyncClient, team: Team) -> None:
    visitor = await visitor_session(client, team.org)
    stranger = await visitor_session(client, team.org)
    form = json.dumps(
        {"subject": "Loud blender", "description": "It screams.", "email": "v@example.com"}
    ).encode()
    key = new_key()
    first = await post(client, "/api/embed/tickets", form, visitor["headers"], key)
    again = await post(client, "/api/embed/tickets", form, visitor["headers"], key)
    assert first.status_code == again.status_code == 201, first.text
    assert again.content == first.content and again.headers[REPLAYED] == "true"
    # Another visitor with the same key gets a ticket of their own.
    theirs = await post(client, "/api/embed/tickets", form, stranger["headers"], key)
    assert theirs.status_code == 201 and REPLAYED not in theirs.headers
    assert await tickets_of(team) == 2

    ref = first.json()["ticket"]["reference"]
    reply = json.dumps({"content": "Any news?"}).encode()
    reply_key = new_key()
    path = f"/api/embed/tickets/{ref}/responses"
    replies = TicketResponse.filter(ticket__organization_id=team.org.id)
    before = await replies.count()
    sent = await post(client, path, reply, visitor["headers"], reply_key)
    resent = await post(client, path, reply, visitor["headers"], reply_key)
    assert sent.status_code == resent.status_code == 201, sent.text
    assert resent.content == sent.content and resent.headers[REPLAYED] == "true"
    assert await replies.count() == before + 1


async def test_agent_creates_replay_once_each(client: httpx.AsyncClient, team: Team) -> None:
    """Replies, agents, API keys and escalations: each created once under one key."""
    ticket = (await post(client, "/api/tickets", ticket_body(), team.agent_headers, None)).json()
    ref, ticket_id = ticket["ticket"]["reference"], ticket["ticket"]["id"]
    visitor = await visitor_session(client, team.org, name="Carla Customer")
    chat = await start_chat(client, visitor)
    agent = {"email": f"{unique('new')}@example.com", "name": "New", "password": "x" * 12}
    cases: list[tuple[str, dict[str, Any], dict[str, str], Callable[[], Awaitable[int]]]] = [
        (
            f"/api/tickets/{ref}/responses",
            {"content": "Looking into it."},
            team.agent_headers,
            lambda: TicketResponse.filter(ticket_id=ticket_id).count(),
        ),
        (
            "/api/agents",
            agent,
            team.admin_headers,
            lambda: Agent.filter(organization_id=team.org.id).count(),
        ),
        (
            "/api/api-keys",
            {"name": "Zapier"},
            team.admin_headers,
            lambda: ApiKey.filter(organization_id=team.org.id).count(),
        ),
        (
            f"/api/tickets/from-chat/{chat['conversation']['id']}",
            {"allowMultiple": True},
            team.agent_headers,
            lambda: tickets_of(team),
        ),
    ]
    for path, body, headers, count in cases:
        before = await count()
        key, raw = new_key(), json.dumps(body).encode()
        first = await post(client, path, raw, headers, key)
        again = await post(client, path, raw, headers, key)
        assert first.status_code == again.status_code == 201, (path, first.text)
        assert again.content == first.content, path
        assert again.headers[REPLAYED] == "true"
        assert await count() == before + 1, path


# --- in progress, crashes, expiry -------------------------------------------------------------


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[asyncio.Event, asyncio.Event]]:
    """(entered, release): the first `create_ticket` creates, says so, and waits for
    `release`; later ones just create."""
    entered, release = asyncio.Event(), asyncio.Event()
    original = ticket_service.create_ticket

    async def create_and_wait(**kwargs: Any) -> Any:
        created = await original(**kwargs)
        if not entered.is_set():
            entered.set()
            await release.wait()
        return created

    monkeypatch.setattr(ticket_service, "create_ticket", create_and_wait)
    yield entered, release
    release.set()


async def test_a_second_request_while_the_first_runs_is_409_in_use(
    client: httpx.AsyncClient, team: Team, gate: tuple[asyncio.Event, asyncio.Event]
) -> None:
    entered, release = gate
    key = new_key()
    first = asyncio.create_task(
        post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    )
    await entered.wait()
    busy = await post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "idempotency_key_in_use"
    assert busy.headers["retry-after"] == "1"
    release.set()
    assert (await first).status_code == 201
    after = await post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    assert after.status_code == 201 and after.headers[REPLAYED] == "true"
    assert await tickets_of(team) == 1


async def test_concurrent_duplicates_create_once(client: httpx.AsyncClient, team: Team) -> None:
    key = new_key()
    answers = await asyncio.gather(
        *(post(client, "/api/tickets", ticket_body(), team.agent_headers, key) for _ in range(6))
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses[0] == 201 and set(statuses) <= {201, 409}, statuses
    created = [a for a in answers if a.status_code == 201]
    assert len({a.json()["ticket"]["id"] for a in created}) == 1
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.json()["error"]["code"] == "idempotency_key_in_use"
    assert await tickets_of(team) == 1


async def test_a_stop_after_the_commit_never_creates_twice(
    client: httpx.AsyncClient,
    team: Team,
    gate: tuple[asyncio.Event, asyncio.Event],
    clock: FakeClock,
) -> None:
    """The process stops between the create's commit and storing its answer: the key stays
    reserved, so a retry cannot create a second ticket; once the first clearly will not
    finish, the 409 says so and no longer asks to retry."""
    entered, _ = gate
    key = new_key()
    first = asyncio.create_task(
        post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    )
    await entered.wait()
    first.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await first
    assert await tickets_of(team) == 1
    soon = await post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    assert soon.status_code == 409 and soon.headers["retry-after"] == "1"
    clock.advance(idempotency.IN_PROGRESS_LEASE + timedelta(seconds=1))
    later = await post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    assert later.status_code == 409
    assert later.json()["error"]["code"] == "idempotency_key_in_use"
    assert "did not finish" in later.json()["error"]["message"]
    assert "retry-after" not in later.headers
    assert await tickets_of(team) == 1


async def test_a_key_expires_after_24_hours(
    client: httpx.AsyncClient, team: Team, clock: FakeClock
) -> None:
    key = new_key()
    first = await post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    clock.advance(idempotency.TTL - timedelta(seconds=1))
    within = await post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    assert within.headers.get(REPLAYED) == "true"
    clock.advance(timedelta(seconds=2))
    after = await post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
    assert after.status_code == 201 and REPLAYED not in after.headers
    assert after.json()["ticket"]["id"] != first.json()["ticket"]["id"]
    assert await tickets_of(team) == 2


async def test_expired_records_are_swept(
    client: httpx.AsyncClient, team: Team, other_team: Team, clock: FakeClock
) -> None:
    scope = f"org:{team.org.id}:agent:{team.agent.id}"
    for _ in range(3):
        await post(client, "/api/tickets", ticket_body(), team.agent_headers, new_key())
    assert await IdempotencyRecord.filter(scope=scope).count() == 3
    clock.advance(idempotency.TTL + idempotency.SWEEP_INTERVAL)
    # Any caller's write sweeps every expired record, not only its own.
    await post(client, "/api/tickets", ticket_body(), other_team.agent_headers, new_key())
    assert await IdempotencyRecord.filter(scope=scope).count() == 0


# --- what is stored ------------------------------------------------------------------------------


async def test_stored_answers_are_sealed(
    client: httpx.AsyncClient, team: Team, store: IdempotencyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer to `POST /api/api-keys` holds a live key: the database keeps neither it nor
    the client's Idempotency-Key readable, and a changed secret cannot replay it."""
    key = f"create-crm-key-{uuid.uuid4()}"
    raw = json.dumps({"name": "CRM"}).encode()
    first = await post(client, "/api/api-keys", raw, team.admin_headers, key)
    assert first.status_code == 201
    secret = first.json()["key"]
    (record,) = await IdempotencyRecord.filter(scope=f"org:{team.org.id}:agent:{team.admin.id}")
    stored = bytes(record.body or b"")
    assert record.status == 201 and stored
    assert secret.encode() not in stored and b"CRM" not in stored
    assert record.key_digest != key and key not in record.scope
    again = await post(client, "/api/api-keys", raw, team.admin_headers, key)
    assert again.json()["key"] == secret
    monkeypatch.setattr(store, "secret_key", "another-secret-" + "y" * 32)
    unreadable = await post(client, "/api/api-keys", raw, team.admin_headers, key)
    assert unreadable.status_code == 409
    assert unreadable.json()["error"]["code"] == "idempotency_key_reused"
    assert await ApiKey.filter(organization_id=team.org.id).count() == 1


# --- the header ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["", " ", "a b", "x" * 256, "caf\u00e9", "tab\there"],
    ids=["empty", "space", "inner-space", "too-long", "non-ascii", "control"],
)
async def test_malformed_keys_are_422(client: httpx.AsyncClient, team: Team, value: str) -> None:
    headers = {**team.agent_headers, idempotency.HEADER: value.encode("latin-1")}
    response = await client.post("/api/tickets", content=ticket_body(), headers=headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {idempotency.HEADER}
    assert await tickets_of(team) == 0


async def test_two_keys_are_422(client: httpx.AsyncClient, team: Team) -> None:
    headers = [*team.agent_headers.items(), (idempotency.HEADER, "a"), (idempotency.HEADER, "b")]
    response = await client.post("/api/tickets", content=ticket_body(), headers=headers)
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {idempotency.HEADER}


async def test_the_longest_key_is_accepted(client: httpx.AsyncClient, team: Team) -> None:
    key = "~" * idempotency.MAX_KEY_LENGTH
    for _ in range(2):
        response = await post(client, "/api/tickets", ticket_body(), team.agent_headers, key)
        assert response.status_code == 201
    assert await tickets_of(team) == 1


async def test_endpoints_not_declared_idempotent_ignore_the_key(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = (await post(client, "/api/tickets", ticket_body(), team.agent_headers, None)).json()
    path = f"/api/tickets/{ticket['ticket']['reference']}/assign"
    key = new_key()
    for agent_id in (team.agent.id, None):
        body = json.dumps({"agentId": agent_id}).encode()
        response = await post(client, path, body, team.agent_headers, key)
        assert response.status_code == 200 and REPLAYED not in response.headers
        assert response.json()["ticket"]["assigneeId"] == agent_id


# --- the declarations ----------------------------------------------------------------------------


def test_the_posts_that_create_are_idempotent() -> None:
    """Chat messages and chat starts carry `clientMessageId` instead; state changes (claim,
    assign, end, read) are repeatable as they are; the public session has no caller."""
    declared = {(ep.method, ep.path) for ep in build_api().endpoints if ep.idempotent}
    assert declared == {
        ("POST", "/api/tickets"),
        ("POST", "/api/tickets/{ref}/responses"),
        ("POST", "/api/agents"),
        ("POST", "/api/api-keys"),
        ("POST", "/api/tickets/from-chat/{conversation_id:id}"),
        ("POST", "/api/embed/tickets"),
        ("POST", "/api/embed/tickets/{ref}/responses"),
        ("POST", "/api/track/ticket/responses"),
    }


def test_a_public_endpoint_cannot_be_idempotent() -> None:
    with pytest.raises(ValueError, match="public"):

        @Api().endpoint("POST", "/x", summary="X", tag="t", access=Access.PUBLIC, idempotent=True)
        async def anonymous(call: Call) -> None:
            return None


def test_idempotent_routes_need_a_store() -> None:
    api = Api()

    @api.endpoint("POST", "/x", summary="X", tag="t", idempotent=True)
    async def make(call: Call) -> None:
        return None

    async def nobody(request: Any) -> Any:
        raise AssertionError

    with pytest.raises(RuntimeError, match="idempotency store"):
        api.routes(nobody, body_limit=10)
    assert api.routes(nobody, body_limit=10, idempotency=IdempotencyStore(secret_key="s"))
