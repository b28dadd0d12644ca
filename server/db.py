"""Tortoise ORM configuration (the same dict serves the app, the CLI and aerich), plus the
database-level helpers migrations need: throwaway databases and schema descriptions."""

from __future__ import annotations

import re
import sqlite3
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import DBConnectionError

from server.errors import NotReady
from server.settings import mask_password

MODEL_MODULES = [
    "server.accounts.models",
    "server.attachments.models",
    "server.tickets.models",
    "server.events.outbox",
    "server.events.deliveries",
    "server.events.scheduler",
    "server.events.delayed",
    "server.notify.inbound",
    "server.notify.mailbox",
    "server.push.legacy_outbox",
    "server.chat.models",
    "server.web.idempotency",
    "server.webhooks.models",
    "aerich.models",
]
MIGRATIONS_ROOT = Path(__file__).resolve().parent.parent / "migrations"
DIALECTS = ("sqlite", "postgres")
# The largest value of the INTEGER primary keys on PostgreSQL (and of every id Parley issues):
# a larger id cannot exist, and sending it to PostgreSQL would make the query fail.
MAX_ID = 2**31 - 1


def dialect_of(database_url: str) -> str:
    """`sqlite` or `postgres`: the name of the migrations folder for this database."""
    return "sqlite" if database_url.startswith("sqlite") else "postgres"


def migrations_dir(database_url: str, root: Path = MIGRATIONS_ROOT) -> Path:
    """aerich migrations are not portable between dialects: one folder each."""
    return root / dialect_of(database_url)


def connection_config(database_url: str) -> str | dict[str, Any]:
    """The connection entry for Tortoise: the URL, plus session settings on PostgreSQL.

    PostgreSQL switches a prepared statement to a generic plan after five runs. Ticket data
    is skewed (one status or tenant can be 2% or 90% of the rows), and the generic plan for
    "the first 1,001 OPEN tickets" was a 40 ms sequential scan instead of a 1 ms index scan.
    Custom plans cost a fraction of a millisecond of planning per query and are always
    chosen for the values at hand.
    """
    if dialect_of(database_url) != "postgres":
        return database_url
    config = expand_db_url(database_url)
    settings = config["credentials"].setdefault("server_settings", {})
    settings.setdefault("plan_cache_mode", "force_custom_plan")
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for one database URL."""
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def sqlite_path(database_url: str) -> Path | None:
    """The file of a `sqlite://` URL; None for an in-memory database."""
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


async def probe(database_url: str) -> None:
    """Raise `NotReady`, naming the database, unless it answers a query.

    Uses the drivers directly, before aerich or Tortoise touch the database: when opening a
    SQLite file fails inside a transaction, Tortoise's client keeps its lock and the next step
    waits forever (a missing directory in PARLEY_DATABASE_URL hung `parley migrate`), and a
    refused PostgreSQL connection surfaces as a bare OSError from deep inside aerich.
    """
    try:
        if dialect_of(database_url) == "postgres":
            await pg_execute(database_url, "SELECT 1")
            return
        path = sqlite_path(database_url)
        if path is not None:
            sqlite3.connect(path).close()  # aiosqlite would leave a thread behind on failure
    except Exception as exc:  # every driver has its own errors; all mean the same here
        raise NotReady(f"Cannot use the database {mask_password(database_url)}: {exc}") from exc


# --- telling "the database is away" from a bug ------------------------------------------------

# SQLite: another connection holds the write lock past the busy timeout, or the file cannot
# be opened (a volume that went away).
_SQLITE_UNAVAILABLE = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN}
# asyncpg, when a pooled connection died under a query or between two statements.
_PG_CONNECTION_GONE = re.compile(r"connection (?:is closed|has been released back to the pool)")
# Code paths whose OSErrors are the database's (a refused or reset socket, a connect timeout),
# as opposed to, say, a full disk under an attachment.
_DRIVER_MODULES = ("asyncpg", "aiosqlite", "tortoise.backends")


def unavailable(exc: BaseException) -> NotReady | None:
    """`NotReady` when `exc` means the database cannot be used right now, else None.

    "Right now": PostgreSQL refuses or drops the connection, is starting or shutting down, has
    no connection slot left or does not accept connections to this database (`ALLOW_CONNECTIONS
    false`); SQLite is locked by another writer past the busy timeout. The same request may
    succeed a moment later, so it is a 503, not a 500. Everything else (constraint violations,
    SQL errors, bugs) stays what it is. Tortoise wraps driver errors, so the whole chain of
    causes is looked at.
    """
    for error in _causes(exc):
        if _says_unavailable(error):
            return NotReady("The database is unavailable for a moment; retry shortly.")
    return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        hidden = current.__suppress_context__  # `raise ... from None` hides what came before
        current = current.__cause__ or (None if hidden else current.__context__)


def _says_unavailable(error: BaseException) -> bool:
    if isinstance(error, sqlite3.Error):
        return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_UNAVAILABLE
    if isinstance(error, DBConnectionError):
        return True
    asyncpg = sys.modules.get("asyncpg")  # not imported: not an asyncpg error either
    if asyncpg is not None and _asyncpg_says_unavailable(asyncpg, error):
        return True
    return isinstance(error, OSError) and _raised_in_driver(error)


def _asyncpg_says_unavailable(asyncpg: Any, error: BaseException) -> bool:
    if isinstance(
        error,
        (
            asyncpg.PostgresConnectionError,  # SQLSTATE class 08, ConnectionDoesNotExist too
            asyncpg.CannotConnectNowError,  # starting up, or in recovery
            asyncpg.AdminShutdownError,  # pg_terminate_backend, a fast shutdown
            asyncpg.CrashShutdownError,
            asyncpg.TooManyConnectionsError,
        ),
    ):
        return True
    # 55000 is what a database closed to connections answers; its subclasses (lock timeouts)
    # are about a query, not about the server.
    if type(error) is asyncpg.ObjectNotInPrerequisiteStateError:
        return True
    if isinstance(error, asyncpg.InterfaceError):
        return bool(_PG_CONNECTION_GONE.search(str(error)))
    # Handing back a connection the server terminated mid-query can fail inside asyncpg's
    # reset ("cannot switch to state 15; another operation (2) is in progress"): the pool
    # drops that connection, so the next request gets a fresh one.
    return isinstance(error, asyncpg.InternalClientError) and _raised_in_pool_release(error)


def _raised_in_pool_release(error: BaseException) -> bool:
    traceback = error.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        if frame.f_globals.get("__name__") == "asyncpg.pool" and frame.f_code.co_name == "release":
            return True
        traceback = traceback.tb_next
    return False


def _raised_in_driver(error: BaseException) -> bool:
    traceback = error.__traceback__
    while traceback is not None:
        module = traceback.tb_frame.f_globals.get("__name__", "")
        if module.startswith(_DRIVER_MODULES):
            return True
        traceback = traceback.tb_next
    return False


# --- throwaway databases (for making and checking migrations) ------------------------------


@asynccontextmanager
async def throwaway_databases(
    dialect: str, *, count: int, postgres_url: str = ""
) -> AsyncIterator[list[str]]:
    """`count` new, empty databases of `dialect`, removed again on exit.

    SQLite files go to a temporary directory. PostgreSQL databases are created on the server
    of `postgres_url` (any database on it; the role needs CREATEDB) and dropped afterwards.
    """
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix="parley-migrations-") as tmp:
            yield [f"sqlite://{Path(tmp, f'db{i}.sqlite3')}" for i in range(count)]
        return
    if not postgres_url:
        raise ValueError("a PostgreSQL server URL is needed for throwaway databases")
    urls = [await create_pg_database(postgres_url, prefix="parley_throwaway") for _ in range(count)]
    try:
        yield urls
    finally:
        for url in urls:
            await drop_pg_database(postgres_url, url)


async def create_pg_database(server_url: str, *, prefix: str) -> str:
    """A new, empty database `<prefix>_<random>` on `server_url`'s server; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await pg_execute(server_url, f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(server_url)._replace(path="/" + name))


async def drop_pg_database(server_url: str, database_url: str) -> None:
    """Drop `database_url`'s database (closing its sessions), connected through `server_url`."""
    name = urlsplit(database_url).path.lstrip("/")
    await pg_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def pg_connect(url: str) -> Any:
    """A plain asyncpg connection (no Tortoise) to a PostgreSQL URL in Tortoise's spelling."""
    import asyncpg

    parts = urlsplit(url)
    # asyncpg speaks libpq URLs; Tortoise's `postgres://`/`asyncpg://` name the same thing.
    return await asyncpg.connect(urlunsplit(parts._replace(scheme="postgresql")), timeout=10)


async def pg_execute(url: str, *statements: str) -> None:
    """Run statements on a PostgreSQL URL, each in its own implicit transaction."""
    conn = await pg_connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


# --- schema descriptions (migrated database vs the schema the models generate) -------------


async def describe_schema(connection: BaseDBAsyncClient, dialect: str) -> set[str]:
    """Every table, column, index and constraint of the database as comparable lines.

    Left out, because they differ between a migrated and a generated database without any
    difference that matters to the models: object names (generated index names vary), column
    order (a column added later lands at the end of its table) and column defaults (the models
    set defaults in Python; aerich adds a DEFAULT only to fill existing rows when it adds a NOT
    NULL column). A change of a model's default still shows in aerich's own model-state diff.
    """
    if dialect == "sqlite":
        return await _describe_sqlite(connection)
    return await _describe_postgres(connection)


async def _describe_sqlite(connection: BaseDBAsyncClient) -> set[str]:
    lines: set[str] = set()
    _, tables = await connection.execute_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    for table in (row["name"] for row in tables):
        _, columns = await connection.execute_query(f'PRAGMA table_info("{table}")')
        for c in columns:
            null = "NOT NULL" if c["notnull"] else "NULL"
            lines.add(f"{table}.{c['name']} {c['type']} {null} pk={c['pk']}")
        _, indexes = await connection.execute_query(f'PRAGMA index_list("{table}")')
        for index in indexes:
            _, info = await connection.execute_query(f'PRAGMA index_info("{index["name"]}")')
            cols = ", ".join(i["name"] for i in sorted(info, key=lambda i: i["seqno"]))
            kind = "unique index" if index["unique"] else "index"
            lines.add(f"{table} {kind} ({cols})")
        _, keys = await connection.execute_query(f'PRAGMA foreign_key_list("{table}")')
        for k in keys:
            lines.add(
                f"{table} foreign key ({k['from']}) -> {k['table']}({k['to']}) "
                f"on delete {k['on_delete']}"
            )
    return lines


async def _describe_postgres(connection: BaseDBAsyncClient) -> set[str]:
    lines: set[str] = set()
    _, columns = await connection.execute_query(
        "SELECT table_name, column_name, data_type, character_maximum_length,"
        " numeric_precision, numeric_scale, is_nullable"
        " FROM information_schema.columns WHERE table_schema = current_schema()"
    )
    for c in columns:
        lines.add(
            f"{c['table_name']}.{c['column_name']} {c['data_type']}"
            f"({c['character_maximum_length']},{c['numeric_precision']},{c['numeric_scale']})"
            f" nullable={c['is_nullable']}"
        )
    _, indexes = await connection.execute_query(
        "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    )
    for i in indexes:
        definition = re.sub(r" INDEX \S+ ON ", " INDEX ON ", i["indexdef"])
        lines.add(f"{i['tablename']} {definition}")
    _, constraints = await connection.execute_query(
        "SELECT conrelid::regclass::text AS table_name, pg_get_constraintdef(oid) AS definition"
        " FROM pg_constraint WHERE connamespace = current_schema()::regnamespace"
    )
    for k in constraints:
        lines.add(f"{k['table_name']} constraint {k['definition']}")
    return lines
