"""Abuse limits of the widget (server/chat/limits.py): 429 `rate_limited` over the endpoints,
and ChatLimiter itself on memory and Redis storage."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from server.chat.limits import ChatLimiter
from server.errors import RateLimited
from tests.conftest import CHAT_LIMITS_PLENTY, TEST_REDIS_URL, InstallLimiter
from tests.factories import Team, start_chat, visitor_session

MakeLimiter = Callable[..., ChatLimiter]
PLENTY = CHAT_LIMITS_PLENTY


def prefix() -> str:
    return f"parley-test:chat:{uuid.uuid4().hex}"


@asynccontextmanager
async def client_from(app: Starlette, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from `ip`."""
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def other_ip() -> str:
    raw = uuid.uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2] or 1}"


def assert_rate_limited(response: httpx.Response, *, most: int) -> int:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert 1 <= error["retryAfter"] <= most
    assert response.headers["Retry-After"] == str(error["retryAfter"])
    return int(error["retryAfter"])


async def start(client: httpx.AsyncClient, visitor: dict[str, Any]) -> httpx.Response:
    return await client.post(
        "/api/embed/conversations",
        json={"body": "Hello?", "clientMessageId": uuid.uuid4().hex},
        headers=visitor["headers"],
    )


async def end(client: httpx.AsyncClient, visitor: dict[str, Any], conversation_id: int) -> None:
    response = await client.post(
        f"/api/embed/conversations/{conversation_id}/end", headers=visitor["headers"]
    )
    assert response.status_code == 200, response.text


async def send(
    client: httpx.AsyncClient, visitor: dict[str, Any], conversation_id: int, body: str
) -> httpx.Response:
    return await client.post(
        f"/api/embed/conversations/{conversation_id}/messages",
        json={"body": body, "clientMessageId": uuid.uuid4().hex},
        headers=visitor["headers"],
    )


async def visitor_conversations(client: httpx.AsyncClient, visitor: dict[str, Any]) -> int:
    response = await client.get("/api/embed/conversations", headers=visitor["headers"])
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


# --- over the endpoints ------------------------------------------------------------------------


async def test_widget_sessions_per_address_are_limited(
    app: Starlette, team: Team, install_limiter: InstallLimiter
) -> None:
    install_limiter(sessions_per_ip="2/minute")
    ip = other_ip()
    async with client_from(app, ip) as client:
        for _ in range(2):
            await visitor_session(client, team.org)

        response = await client.post("/api/embed/session", json={"siteKey": team.org.site_key})

        assert_rate_limited(response, most=60)
        assert "token" not in response.json()
    # Another address has its own budget.
    async with client_from(app, other_ip()) as elsewhere:
        await visitor_session(elsewhere, team.org)


async def test_new_conversations_per_contact_are_limited_across_addresses(
    app: Starlette, client: httpx.AsyncClient, team: Team, install_limiter: InstallLimiter
) -> None:
    install_limiter(starts="2/hour")
    visitor = await visitor_session(client, team.org)

    for _ in range(2):
        # A new address each time: only the contact's budget is spent.
        async with client_from(app, other_ip()) as fresh:
            response = await start(fresh, visitor)
            assert response.status_code == 201, response.text
            await end(fresh, visitor, response.json()["conversation"]["id"])

    async with client_from(app, other_ip()) as fresh:
        response = await start(fresh, visitor)

    retry_after = assert_rate_limited(response, most=3600)
    assert "new conversations" in response.json()["error"]["message"]
    assert retry_after > 60  # the hourly window is the one spent
    assert await visitor_conversations(client, visitor) == 2


async def test_new_conversations_per_address_are_limited_across_visitors(
    app: Starlette, team: Team, install_limiter: InstallLimiter
) -> None:
    install_limiter(starts="2/hour")
    async with client_from(app, other_ip()) as client:
        for _ in range(2):
            await start_chat(client, await visitor_session(client, team.org))
        third = await visitor_session(client, team.org)

        response = await start(client, third)

        assert_rate_limited(response, most=3600)
        assert await visitor_conversations(client, third) == 0
    # The same visitor from another address still has budget on both counts.
    async with client_from(app, other_ip()) as elsewhere:
        assert (await start(elsewhere, third)).status_code == 201


async def test_messages_per_contact_are_limited_and_the_refused_one_is_not_stored(
    client: httpx.AsyncClient, team: Team, install_limiter: InstallLimiter
) -> None:
    install_limiter(messages="3/minute")
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]

    for n in range(3):
        assert (await send(client, visitor, conversation_id, f"message {n}")).status_code == 201
    response = await send(client, visitor, conversation_id, "one too many")

    assert_rate_limited(response, most=60)
    assert "too fast" in response.json()["error"]["message"]
    shown = await client.get(f"/api/conversations/{conversation_id}", headers=team.agent_headers)
    assert shown.status_code == 200, shown.text
    bodies = [m["body"] for m in shown.json()["messages"]]
    assert bodies == ["Hello, I need help", "message 0", "message 1", "message 2"]
    assert shown.json()["conversation"]["unread"] == 4


async def test_message_budget_does_not_touch_other_visitors(
    client: httpx.AsyncClient, team: Team, install_limiter: InstallLimiter
) -> None:
    install_limiter(messages="1/minute")
    spent = await visitor_session(client, team.org)
    spent_chat = (await start_chat(client, spent))["conversation"]["id"]
    assert (await send(client, spent, spent_chat, "first")).status_code == 201
    assert (await send(client, spent, spent_chat, "second")).status_code == 429

    other = await visitor_session(client, team.org)
    other_chat = (await start_chat(client, other))["conversation"]["id"]
    assert (await send(client, other, other_chat, "mine")).status_code == 201


# --- ChatLimiter itself ------------------------------------------------------------------------


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def make_limiter(request: pytest.FixtureRequest) -> MakeLimiter:
    """Limiters with small budgets on memory or Redis storage (a fresh key prefix each)."""
    url = TEST_REDIS_URL if request.param == "redis" else ""

    def build(
        *, sessions_per_ip: str = PLENTY, starts: str = PLENTY, messages: str = PLENTY
    ) -> ChatLimiter:
        return ChatLimiter(
            sessions_per_ip=sessions_per_ip,
            starts=starts,
            messages=messages,
            redis_url=url,
            key_prefix=prefix(),
        )

    return build


async def test_session_budget_is_per_address(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(sessions_per_ip="2/minute")
    await limiter.session("10.0.0.1")
    await limiter.session("10.0.0.1")

    with pytest.raises(RateLimited) as caught:
        await limiter.session("10.0.0.1")

    assert 1 <= caught.value.retry_after <= 60
    assert caught.value.status == 429
    assert caught.value.headers == {"Retry-After": str(caught.value.retry_after)}
    await limiter.session("10.0.0.2")


async def test_start_budget_is_per_contact_and_per_address(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(starts="2/minute")
    # One contact from two addresses: the contact's budget is spent.
    await limiter.start(organization_id=1, contact_id=7, ip="10.0.0.1")
    await limiter.start(organization_id=1, contact_id=7, ip="10.0.0.2")
    with pytest.raises(RateLimited):
        await limiter.start(organization_id=1, contact_id=7, ip="10.0.0.3")
    # The same contact id in another organisation is another person.
    await limiter.start(organization_id=2, contact_id=7, ip="10.0.0.4")
    # One address for two contacts: the address's budget is spent.
    await limiter.start(organization_id=1, contact_id=8, ip="10.0.0.5")
    await limiter.start(organization_id=1, contact_id=9, ip="10.0.0.5")
    with pytest.raises(RateLimited):
        await limiter.start(organization_id=1, contact_id=10, ip="10.0.0.5")


async def test_message_budget_is_per_contact_and_separate_from_starts(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(starts="1/minute", messages="3/minute")
    await limiter.start(organization_id=1, contact_id=7, ip="10.0.0.1")
    for _ in range(3):
        await limiter.message(organization_id=1, contact_id=7)

    with pytest.raises(RateLimited) as caught:
        await limiter.message(organization_id=1, contact_id=7)

    assert 1 <= caught.value.retry_after <= 60
    assert "too fast" in caught.value.message
    await limiter.message(organization_id=1, contact_id=8)
    await limiter.message(organization_id=2, contact_id=7)


async def test_every_budget_of_a_rate_string_applies(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(messages="100/minute;2/hour")
    await limiter.message(organization_id=1, contact_id=7)
    await limiter.message(organization_id=1, contact_id=7)

    with pytest.raises(RateLimited) as caught:
        await limiter.message(organization_id=1, contact_id=7)

    assert 60 < caught.value.retry_after <= 3600


async def test_memory_limiters_do_not_share_counters() -> None:
    first = ChatLimiter(sessions_per_ip="1/minute", starts=PLENTY, messages=PLENTY)
    second = ChatLimiter(sessions_per_ip="1/minute", starts=PLENTY, messages=PLENTY)
    await first.session("10.0.0.1")
    await second.session("10.0.0.1")
    with pytest.raises(RateLimited):
        await first.session("10.0.0.1")


@pytest.mark.redis
async def test_redis_counters_are_shared_by_processes_with_the_same_prefix() -> None:
    shared = prefix()

    def limiter(key_prefix: str) -> ChatLimiter:
        return ChatLimiter(
            sessions_per_ip=PLENTY, starts=PLENTY, messages="2/minute",
            redis_url=TEST_REDIS_URL, key_prefix=key_prefix,
        )  # fmt: skip

    # Two limiters stand for two server processes on the same Redis.
    one, two, elsewhere = limiter(shared), limiter(shared), limiter(shared + ":other")
    await one.message(organization_id=1, contact_id=7)
    await two.message(organization_id=1, contact_id=7)

    with pytest.raises(RateLimited):
        await one.message(organization_id=1, contact_id=7)
    with pytest.raises(RateLimited):
        await two.message(organization_id=1, contact_id=7)
    await elsewhere.message(organization_id=1, contact_id=7)


async def test_unreachable_store_lets_requests_through() -> None:
    # Nothing listens on port 1: the limits fail open instead of silencing every customer.
    limiter = ChatLimiter(
        sessions_per_ip="1/minute", starts="1/minute", messages="1/minute",
        redis_url="redis://127.0.0.1:1/0", key_prefix=prefix(),
    )  # fmt: skip
    for _ in range(3):
        await limiter.session("10.0.0.1")
        await limiter.start(organization_id=1, contact_id=7, ip="10.0.0.1")
        await limiter.message(organization_id=1, contact_id=7)


async def test_unreachable_store_does_not_block_the_widget(
    client: httpx.AsyncClient, team: Team, app: Starlette
) -> None:
    state = app.state.parley
    original = state.chat_limiter
    state.chat_limiter = ChatLimiter(
        sessions_per_ip="1/minute", starts="1/minute", messages="1/minute",
        redis_url="redis://127.0.0.1:1/0", key_prefix=prefix(),
    )  # fmt: skip
    try:
        visitor = await visitor_session(client, team.org)
        await visitor_session(client, team.org)
        conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
        for n in range(2):
            assert (await send(client, visitor, conversation_id, f"m{n}")).status_code == 201
    finally:
        state.chat_limiter = original
