"""server.db: the Tortoise configuration the app, the CLI and aerich share, and telling a
database that is away from a bug."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import pytest
from starlette.applications import Starlette
from tortoise import connections
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from server.db import connection_config, dialect_of, tortoise_config, unavailable
from tests.conftest import BACKEND


def test_sqlite_urls_are_passed_through() -> None:
    assert connection_config("sqlite:///tmp/x.db") == "sqlite:///tmp/x.db"
    assert dialect_of("sqlite:///tmp/x.db") == "sqlite"


def test_postgres_connections_always_plan_for_the_values_at_hand() -> None:
    config = connection_config("postgres://u:p@db.example:5433/parley")
    assert isinstance(config, dict)
    assert config["engine"] == "tortoise.backends.asyncpg"
    assert config["credentials"]["host"] == "db.example"
    assert config["credentials"]["port"] == 5433
    assert config["credentials"]["server_settings"] == {"plan_cache_mode": "force_custom_plan"}
    whole = tortoise_config("postgres://u:p@db.example:5433/parley")
    assert whole["connections"]["default"] == config


@pytest.mark.postgres
async def test_the_running_app_uses_custom_plans(app: Starlette) -> None:
    if BACKEND != "postgres":
        pytest.skip("the session app runs on SQLite in this pass")
    _, rows = await connections.get("default").execute_query("SHOW plan_cache_mode")
    assert rows[0]["plan_cache_mode"] == "force_custom_plan"


# --- unavailable: "the database is away" versus a bug ------------------------------------------


def _raised(exc: BaseException) -> BaseException:
    """`exc` with a traceback, as the app meets it."""
    try:
        raise exc
    except BaseException as caught:
        return caught


def _wrapped_by_tortoise(driver_error: BaseException) -> BaseException:
    """As Tortoise's clients re-raise a driver error: a Tortoise exception caused by it."""
    try:
        try:
            raise driver_error
        except BaseException as exc:
            raise OperationalError(exc) from exc
    except OperationalError as wrapped:
        return wrapped


def _sqlite_errors(tmp_path: Path) -> dict[str, sqlite3.Error]:
    """Real errors from SQLite: a write against another connection's exclusive lock, and two
    that are bugs (a syntax error, a constraint)."""
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    holder.execute("INSERT INTO t VALUES (1)")
    other = sqlite3.connect(path, timeout=0.05)
    found: dict[str, sqlite3.Error] = {}
    holder.execute("BEGIN EXCLUSIVE")
    for name, sql in (
        ("locked", "INSERT INTO t VALUES (2)"),
        ("syntax", "SELEC 1"),
    ):
        try:
            other.execute(sql)
        except sqlite3.Error as exc:
            found[name] = exc
    holder.execute("ROLLBACK")
    try:
        other.execute("INSERT INTO t VALUES (1)")
    except sqlite3.Error as exc:
        found["duplicate"] = exc
    holder.close()
    other.close()
    return found


def test_a_locked_sqlite_database_is_unavailable(tmp_path: Path) -> None:
    found = _sqlite_errors(tmp_path)
    assert "locked" in str(found["locked"])
    assert unavailable(_wrapped_by_tortoise(found["locked"])) is not None
    # Tortoise's sqlite client re-raises without `from`: the context still counts.
    try:
        try:
            raise found["locked"]
        except sqlite3.OperationalError as exc:
            raise OperationalError(exc)  # noqa: B904 (as tortoise.backends.sqlite does)
    except OperationalError as wrapped:
        assert unavailable(wrapped) is not None
    assert unavailable(_wrapped_by_tortoise(found["syntax"])) is None
    assert unavailable(found["duplicate"]) is None


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.CrashShutdownError("terminating connection because of crash"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.ObjectNotInPrerequisiteStateError('database "x" is not currently accepting'),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.ConnectionFailureError("connection failure"),
        asyncpg.InterfaceError("cannot call Transaction.rollback(): the underlying connection"
                               " is closed"),
        asyncpg.InterfaceError("cannot call Connection.fetch(): connection has been released"
                               " back to the pool"),
        DBConnectionError("Can't establish connection to database parley"),
    ],
    ids=lambda e: type(e).__name__,
)  # fmt: skip
def test_postgres_going_away_is_unavailable(error: BaseException) -> None:
    not_ready = unavailable(_wrapped_by_tortoise(error))
    assert not_ready is not None
    assert (not_ready.status, str(not_ready.code)) == (503, "not_ready")
    assert not_ready.headers["Retry-After"] == "5"
    assert unavailable(_raised(error)) is not None


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.UniqueViolationError("duplicate key value violates unique constraint"),
        asyncpg.PostgresSyntaxError('syntax error at or near "SELEC"'),
        asyncpg.LockNotAvailableError("could not obtain lock on row"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.InterfaceError("the server expects 1 argument for this query, 0 were passed"),
        IntegrityError("duplicate key"),
        ValueError("a bug"),
        RuntimeError("connection is closed"),  # the words alone are not enough
    ],
    ids=lambda e: type(e).__name__,
)
def test_bugs_and_bad_data_are_not_unavailable(error: BaseException) -> None:
    assert unavailable(_wrapped_by_tortoise(error)) is None
    assert unavailable(_raised(error)) is None


async def test_a_refused_connection_is_unavailable() -> None:
    # Nothing listens on port 1: the driver's OSError, raised inside asyncpg.
    with pytest.raises(OSError) as refused:
        await asyncpg.connect("postgresql://nobody@127.0.0.1:1/none", timeout=5)
    assert unavailable(refused.value) is not None


def test_an_oserror_outside_the_driver_is_not_unavailable(tmp_path: Path) -> None:
    # A full disk or a missing file under an attachment is not the database's doing.
    with pytest.raises(OSError) as missing:
        (tmp_path / "missing" / "file").read_bytes()
    assert unavailable(missing.value) is None
    assert unavailable(_raised(ConnectionRefusedError("not from a driver"))) is None


def test_a_cause_hidden_with_from_none_does_not_count() -> None:
    try:
        try:
            raise asyncpg.AdminShutdownError("terminating connection")
        except asyncpg.AdminShutdownError:
            raise ValueError("deliberately unrelated") from None
    except ValueError as exc:
        assert unavailable(exc) is None


def _raised_in(module: str, function: str, error: BaseException) -> BaseException:
    """`error` as raised by `function` of `module` (the traceback names both)."""
    namespace: dict[str, object] = {"__name__": module, "error": error}
    exec(f"def {function}():\n    raise error\n", namespace)
    try:
        namespace[function]()  # type: ignore[operator]
    except BaseException as raised:
        return raised
    raise AssertionError("not raised")


def test_a_terminated_connection_failing_its_release_is_unavailable() -> None:
    # Seen when the server terminated a connection mid-query: asyncpg's pool fails to reset it.
    message = "cannot switch to state 15; another operation (2) is in progress"
    in_release = _raised_in("asyncpg.pool", "release", asyncpg.InternalClientError(message))
    assert unavailable(in_release) is not None
    elsewhere = _raised_in("server.tickets.queries", "release", type(in_release)(message))
    assert unavailable(elsewhere) is None
