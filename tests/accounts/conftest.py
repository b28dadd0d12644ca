"""Fixtures for the accounts tests: a login throttle with small limits, on either storage."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from starlette.applications import Starlette

from server.accounts.login_throttle import LoginThrottle
from tests.conftest import TEST_REDIS_URL

MakeThrottle = Callable[..., LoginThrottle]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def throttle_storage(request: pytest.FixtureRequest) -> str:
    """The Redis URL a throttle should use: empty for in-memory storage."""
    return TEST_REDIS_URL if request.param == "redis" else ""


@pytest.fixture
async def make_throttle(throttle_storage: str) -> AsyncIterator[MakeThrottle]:
    """Build throttles with small limits; each gets its own Redis key prefix and is reset."""
    made: list[LoginThrottle] = []

    def build(*, per_ip: str = "1000/minute", per_account: str = "1000/minute") -> LoginThrottle:
        throttle = LoginThrottle(
            per_ip=per_ip,
            per_account=per_account,
            redis_url=throttle_storage,
            key_prefix=f"parley-test:{uuid.uuid4().hex}",
        )
        made.append(throttle)
        return throttle

    yield build
    for throttle in made:
        await throttle.reset()


@pytest.fixture
async def install_throttle(
    app: Starlette, make_throttle: MakeThrottle
) -> AsyncIterator[MakeThrottle]:
    """Swap the app's login throttle for a small one; the original is restored afterwards."""
    state = app.state.parley
    original = state.login_throttle

    def install(**limits: str) -> LoginThrottle:
        state.login_throttle = make_throttle(**limits)
        return state.login_throttle

    try:
        yield install
    finally:
        state.login_throttle = original
