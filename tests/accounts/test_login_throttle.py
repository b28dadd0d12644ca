"""LoginThrottle: failed sign-ins counted per IP and per account, on memory and Redis storage."""

from __future__ import annotations

import uuid

import httpx
import pytest
from starlette.applications import Starlette

from server.accounts.login_throttle import LoginThrottle
from server.errors import NotReady, RateLimited
from tests.accounts.conftest import MakeThrottle
from tests.conftest import TEST_REDIS_URL
from tests.factories import Team


def email() -> str:
    return f"{uuid.uuid4().hex[:10]}@example.com"


async def fail(throttle: LoginThrottle, times: int, *, ip: str, account: str) -> None:
    for _ in range(times):
        await throttle.record_failure(ip=ip, account=account)


async def test_fresh_counters_allow_a_check(make_throttle: MakeThrottle) -> None:
    throttle = make_throttle(per_ip="1/minute", per_account="1/minute")
    await throttle.check(ip="10.0.0.1", account=email())


async def test_account_budget_spent_raises_with_retry_after(make_throttle: MakeThrottle) -> None:
    throttle = make_throttle(per_account="3/minute")
    account = email()
    await fail(throttle, 2, ip="10.0.0.1", account=account)
    await throttle.check(ip="10.0.0.1", account=account)
    await throttle.record_failure(ip="10.0.0.1", account=account)
    with pytest.raises(RateLimited) as caught:
        await throttle.check(ip="10.0.0.2", account=account)
    assert 1 <= caught.value.retry_after <= 60
    assert caught.value.headers == {"Retry-After": str(caught.value.retry_after)}
    assert caught.value.status == 429


async def test_account_key_ignores_case(make_throttle: MakeThrottle) -> None:
    throttle = make_throttle(per_account="2/minute")
    account = email()
    await fail(throttle, 2, ip="10.0.0.1", account=account.upper())
    with pytest.raises(RateLimited):
        await throttle.check(ip="10.0.0.9", account=account)


async def test_other_accounts_keep_their_budget(make_throttle: MakeThrottle) -> None:
    throttle = make_throttle(per_account="2/minute")
    await fail(throttle, 2, ip="10.0.0.1", account=email())
    await throttle.check(ip="10.0.0.1", account=email())


async def test_ip_budget_spans_accounts(make_throttle: MakeThrottle) -> None:
    throttle = make_throttle(per_ip="3/minute")
    for _ in range(3):
        await throttle.record_failure(ip="10.0.0.7", account=email())
    with pytest.raises(RateLimited):
        await throttle.check(ip="10.0.0.7", account=email())
    await throttle.check(ip="10.0.0.8", account=email())


async def test_every_limit_of_a_rate_string_applies(make_throttle: MakeThrottle) -> None:
    throttle = make_throttle(per_account="100/minute;2/hour")
    account = email()
    await fail(throttle, 2, ip="10.0.0.1", account=account)
    with pytest.raises(RateLimited) as caught:
        await throttle.check(ip="10.0.0.1", account=account)
    # The hourly window is the one that is spent, so the wait is longer than a minute.
    assert 60 < caught.value.retry_after <= 3600


async def test_reset_forgets_every_counter(make_throttle: MakeThrottle) -> None:
    throttle = make_throttle(per_ip="1/minute", per_account="1/minute")
    account = email()
    await throttle.record_failure(ip="10.0.0.1", account=account)
    with pytest.raises(RateLimited):
        await throttle.check(ip="10.0.0.1", account=account)
    await throttle.reset()
    await throttle.check(ip="10.0.0.1", account=account)


async def test_memory_throttles_do_not_share_counters() -> None:
    first = LoginThrottle(per_ip="1/minute", per_account="1/minute")
    second = LoginThrottle(per_ip="1/minute", per_account="1/minute")
    account = email()
    await first.record_failure(ip="10.0.0.1", account=account)
    await second.check(ip="10.0.0.1", account=account)


@pytest.mark.redis
async def test_redis_counters_are_shared_by_every_process_with_the_same_prefix() -> None:
    prefix = f"parley-test:{uuid.uuid4().hex}"
    # Two throttles stand for two server processes pointing at the same Redis.
    one = LoginThrottle(
        per_ip="100/minute", per_account="2/minute", redis_url=TEST_REDIS_URL, key_prefix=prefix
    )
    two = LoginThrottle(
        per_ip="100/minute", per_account="2/minute", redis_url=TEST_REDIS_URL, key_prefix=prefix
    )
    elsewhere = LoginThrottle(
        per_ip="100/minute",
        per_account="2/minute",
        redis_url=TEST_REDIS_URL,
        key_prefix=prefix + ":other",
    )
    account = email()
    try:
        await one.record_failure(ip="10.0.0.1", account=account)
        await two.record_failure(ip="10.0.0.2", account=account)
        with pytest.raises(RateLimited):
            await one.check(ip="10.0.0.3", account=account)
        with pytest.raises(RateLimited):
            await two.check(ip="10.0.0.3", account=account)
        await elsewhere.check(ip="10.0.0.3", account=account)
    finally:
        await one.reset()
        await elsewhere.reset()


@pytest.mark.redis
async def test_redis_keys_carry_the_prefix() -> None:
    import redis.asyncio as aioredis

    prefix = f"parley-test:{uuid.uuid4().hex}"
    throttle = LoginThrottle(
        per_ip="5/minute", per_account="5/minute", redis_url=TEST_REDIS_URL, key_prefix=prefix
    )
    client = aioredis.from_url(TEST_REDIS_URL)
    try:
        await throttle.record_failure(ip="10.0.0.1", account=email())
        keys = [key.decode() async for key in client.scan_iter(match=f"{prefix}*")]
        assert len(keys) == 2  # one per IP limit, one per account limit
        await throttle.reset()
        assert [key async for key in client.scan_iter(match=f"{prefix}*")] == []
    finally:
        await client.aclose()


async def test_unreachable_store_refuses_sign_in_with_503() -> None:
    # Nothing listens on port 1: the store is down, so neither counting nor checking works.
    throttle = LoginThrottle(
        per_ip="5/minute", per_account="5/minute", redis_url="redis://127.0.0.1:1/0"
    )
    with pytest.raises(NotReady) as checked:
        await throttle.check(ip="10.0.0.1", account=email())
    assert checked.value.status == 503
    assert checked.value.headers == {"Retry-After": "5"}
    assert "rate-limit store" in checked.value.message
    with pytest.raises(NotReady):
        await throttle.record_failure(ip="10.0.0.1", account=email())


async def test_sign_in_while_the_store_is_down_is_503_not_ready(
    app: Starlette, client: httpx.AsyncClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decision: sign-in fails closed while Redis is away (no unthrottled guessing), and
    says when to retry; agents already signed in keep working."""
    down = LoginThrottle(
        per_ip="5/minute", per_account="5/minute", redis_url="redis://127.0.0.1:1/0"
    )
    monkeypatch.setattr(app.state.parley, "login_throttle", down)
    response = await client.post(
        "/api/auth/login", json={"email": team.admin.email, "password": "whatever-it-is"}
    )
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"]["code"] == "not_ready"
    assert (await client.get("/api/me", headers=team.admin_headers)).status_code == 200
