"""Test fixtures: one migrated database and one running app per test session.

Backends: with TEST_DATABASE_URL set (and PARLEY_TEST_BACKEND unset or `postgres`) the suite
runs on a fresh PostgreSQL database created on that server for this run (and dropped after)
plus TEST_REDIS_URL; otherwise on a SQLite file. Tests marked `postgres` or `redis` are
skipped, with a message saying how to enable them, when their URL is not set; when a URL IS
set but the service does not answer, the run fails at once instead of skipping.

Tests are isolated by tenant: each builds its own organisation with the factories, so no
table is truncated between tests.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette

from server import db
from server.accounts import secrets
from server.app import create_app
from server.chat.limits import ChatLimiter
from server.migrate import upgrade
from server.settings import Settings
from tests.factories import Team, make_team

if TYPE_CHECKING:
    from tests.support.smtp import MailCatcher

# The shared harness (tests/support/) and the widget's fixtures the console's tests use too:
# registered once for the whole suite.
pytest_plugins = [
    "tests.watchdog",
    "tests.support.spine",
    "tests.support.live",
    "tests.support.browser",
    "tests.support.smtp",
    "tests.support.dovecot",
    "tests.support.s3",
    "tests.widget.fixtures",
]

# Cheap argon2 parameters for the suite: every test's team hashes passwords, and the default
# cost (64 MiB, 3 passes) made hashing most of the run time. Still argon2id, still verified.
secrets._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
secrets._DUMMY_HASH = secrets._hasher.hash("dummy-password")

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
BACKEND = os.environ.get("PARLEY_TEST_BACKEND", "").strip() or (
    "postgres" if TEST_DATABASE_URL else "sqlite"
)
HOW_TO_ENABLE = {
    "postgres": "set TEST_DATABASE_URL=postgres://USER@HOST:5432/DB to run it",
    "redis": "set TEST_REDIS_URL=redis://HOST:6379/0 to run it",
}


def _check_services() -> list[str]:
    problems = []
    if TEST_DATABASE_URL:
        try:
            asyncio.run(db.pg_execute(TEST_DATABASE_URL, "SELECT 1"))
        except Exception as exc:
            problems.append(f"TEST_DATABASE_URL={TEST_DATABASE_URL} does not answer: {exc!r}")
    if TEST_REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=5).ping()
        except Exception as exc:
            problems.append(f"TEST_REDIS_URL={TEST_REDIS_URL} does not answer: {exc!r}")
    if BACKEND == "postgres" and not TEST_DATABASE_URL:
        problems.append("PARLEY_TEST_BACKEND=postgres needs TEST_DATABASE_URL")
    return problems


def pytest_configure(config: pytest.Config) -> None:
    problems = _check_services()
    if problems:
        # Configured services that do not answer fail the run; they are never skipped.
        raise pytest.UsageError("\n".join(problems))


def pytest_report_header(config: pytest.Config) -> str:
    redis = TEST_REDIS_URL if BACKEND == "postgres" and TEST_REDIS_URL else "in-process"
    return f"parley test backend: {BACKEND} (broadcast/limits: {redis})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    available = {"postgres": bool(TEST_DATABASE_URL), "redis": bool(TEST_REDIS_URL)}
    for item in items:
        for service, ok in available.items():
            if not ok and item.get_closest_marker(service):
                item.add_marker(
                    pytest.mark.skip(reason=f"needs {service}: {HOW_TO_ENABLE[service]}")
                )


# The session app's sending address.
MAIL_FROM = "support@parley.test"


async def create_pg_database(prefix: str = "parley_test") -> str:
    """A new, empty PostgreSQL database on TEST_DATABASE_URL's server; returns its URL."""
    return await db.create_pg_database(TEST_DATABASE_URL, prefix=prefix)


async def drop_pg_database(url: str) -> None:
    await db.drop_pg_database(TEST_DATABASE_URL, url)


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if BACKEND == "postgres":
        url = await create_pg_database()
        try:
            yield url
        finally:
            await drop_pg_database(url)
    else:
        yield "sqlite://" + str(tmp_path_factory.mktemp("db") / "parley.db")


def test_settings(database_url: str, data_dir: Path, **overrides: str) -> Settings:
    """Settings for an app under test; `overrides` are PARLEY_* names without the prefix."""
    env = {
        "PARLEY_DATABASE_URL": database_url,
        "PARLEY_REDIS_URL": TEST_REDIS_URL if BACKEND == "postgres" else "",
        "PARLEY_DATA_DIR": str(data_dir),
        "PARLEY_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "PARLEY_LOGIN_RATE_PER_IP": "10000/minute",
        "PARLEY_LOGIN_RATE_PER_ACCOUNT": "10000/minute",
        "PARLEY_WS_CONNECT_RATE_PER_IP": "100000/minute",
        # Every test comes from 127.0.0.1: the abuse limits are tested with their own limiter.
        "PARLEY_EMBED_SESSION_RATE_PER_IP": "100000/minute",
        "PARLEY_CHAT_START_RATE": "100000/minute",
        "PARLEY_CHAT_MESSAGE_RATE": "100000/minute",
        "PARLEY_TICKET_LOOKUP_RATE_PER_IP": "100000/minute",
        "PARLEY_MAX_BODY_BYTES": "65536",
    }
    env.update({f"PARLEY_{k}": v for k, v in overrides.items()})
    return Settings.from_env(env)


@pytest.fixture(scope="session")
def settings(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, mail_catcher: MailCatcher
) -> Settings:
    """The session app's settings: its email goes to the SMTP server `mail_catcher`."""
    return test_settings(
        database_url, tmp_path_factory.mktemp("data"), MAIL_PROVIDER="smtp",
        MAIL_FROM=MAIL_FROM, SMTP_HOST="127.0.0.1", SMTP_PORT=str(mail_catcher.port),
        SMTP_SECURITY="none", IMAP_POLL_SECONDS="1",
        # Webhook tests' receivers listen on loopback (the guard itself: tests/webhooks).
        WEBHOOK_ALLOW_PRIVATE_TARGETS="1",
    )  # fmt: skip


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    """The real app, migrated and started once per session (Tortoise allows one live app)."""
    await upgrade(settings.database_url)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def team(app: Starlette) -> Team:
    """A fresh organisation with an admin and an agent, both signed in."""
    return await make_team()


@pytest.fixture
async def other_team(app: Starlette) -> Team:
    """A second organisation, for tenant-isolation tests."""
    return await make_team()


CHAT_LIMITS_PLENTY = "100000/minute"
InstallLimiter = Callable[..., ChatLimiter]


@pytest.fixture
def install_limiter(app: Starlette) -> Iterator[InstallLimiter]:
    """Swap the app's chat limiter for a strict one on the app's own storage (fresh keys);
    restored after. The live server serves the same app, so a browser meets it too."""
    state = app.state.parley
    original = state.chat_limiter

    def install(
        *,
        sessions_per_ip: str = CHAT_LIMITS_PLENTY,
        starts: str = CHAT_LIMITS_PLENTY,
        messages: str = CHAT_LIMITS_PLENTY,
    ) -> ChatLimiter:
        state.chat_limiter = ChatLimiter(
            sessions_per_ip=sessions_per_ip,
            starts=starts,
            messages=messages,
            redis_url=state.settings.redis_url,
            key_prefix=f"parley-test:chat:{uuid.uuid4().hex}",
        )
        return state.chat_limiter

    try:
        yield install
    finally:
        state.chat_limiter = original
