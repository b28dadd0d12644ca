"""aerich migrations, one folder per dialect: applying them, and making and checking new ones.

Layout: `migrations/<dialect>/models/<n>_<timestamp>_<name>.py` with dialect `sqlite` or
`postgres`. `upgrade()` runs before the app starts Tortoise. Making or checking migrations
works on throwaway, empty databases and handles ONE dialect per process (`python -m
server.migrate`, driven by `parley makemigrations`): aerich keeps its diff state on the
`Migrate` class and Tortoise allows one live context per process, so two dialects in one
process would leak into each other.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import importlib.util
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aerich import Command
from aerich.ddl.sqlite import SqliteDDL
from tortoise import Tortoise, connections

from server.db import (
    MIGRATIONS_ROOT,
    describe_schema,
    dialect_of,
    migrations_dir,
    pg_connect,
    probe,
    sqlite_path,
    tortoise_config,
)

APP = "models"
# Key of the PostgreSQL advisory lock that serialises migrations (any fixed 64-bit number).
MIGRATION_LOCK_KEY = 0x7061726C6579  # "parley"
log = logging.getLogger("parley.migrate")


def _sqlite_set_comment(self: SqliteDDL, model: object, field_describe: object) -> str:
    """A column comment changed: nothing to do on SQLite.

    SQLite has no column comments of its own (Tortoise writes them as `/* */` in the CREATE
    TABLE text, which nothing reads), so aerich refuses the change and makemigrations would
    fail for SQLite whenever a description changes, an enum's members included. The model
    state the migration records still moves on; PostgreSQL gets its COMMENT ON COLUMN."""
    return "SELECT 1"


SqliteDDL.set_comment = _sqlite_set_comment  # type: ignore[method-assign]


@asynccontextmanager
async def _aerich(database_url: str, location: Path) -> AsyncIterator[Command]:
    """An initialised aerich `Command` (call `probe()` first: see why there)."""
    config = tortoise_config(database_url)
    # aerich initialises Tortoise only when no context says "inited", and a closed context
    # still does: without this, a second upgrade in one process finds no connections.
    await Tortoise.init(config=config)
    async with Command(tortoise_config=config, app=APP, location=str(location)) as command:
        yield command


async def upgrade(database_url: str, *, root: Path = MIGRATIONS_ROOT) -> list[str]:
    """Apply every pending migration for this database's dialect; returns what was applied.

    A brand-new database is initialised from the committed migrations; aerich's own context
    is closed again so the app can initialise Tortoise afterwards in the same process. Raises
    `NotReady` when the database cannot be reached.
    """
    await probe(database_url)
    location = migrations_dir(database_url, root)
    async with _one_migrator(database_url), _aerich(database_url, location) as command:
        return await command.upgrade(run_in_transaction=True)


@asynccontextmanager
async def _one_migrator(database_url: str) -> AsyncIterator[None]:
    """Hold the database's migration lock: one process migrates, the others wait for it.

    Every `parley serve` migrates on start, and several containers or hosts may start at
    once. Unlocked, aerich in each of them sees the same pending migration: on PostgreSQL all
    but one fail on the tables the first one created, on SQLite the migration is recorded
    again by each. Waiters then find nothing left to apply.
    """
    if dialect_of(database_url) == "postgres":
        conn = await pg_connect(database_url)
        try:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", MIGRATION_LOCK_KEY):
                log.info("waiting for another process to finish migrating")
                await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            yield
        finally:
            await conn.close()  # ending the session releases the lock
        return
    path = sqlite_path(database_url)
    if path is None:  # in memory: no other process can see this database
        yield
        return
    # A lock file beside the database (fcntl: Parley runs on Linux and macOS).
    fd = os.open(f"{path}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another process to finish migrating")
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


@dataclass
class Outcome:
    """What comparing the models with one dialect's migrations found."""

    dialect: str
    created: Path | None = None  # the migration written for model changes, if any
    created_sql: str = ""
    apply_error: str = ""  # why the written migration failed to apply, if it did
    schema_differences: list[str] = field(default_factory=list)


async def compare_and_migrate(
    *, database_url: str, reference_url: str, location: Path, name: str, apply_new: bool
) -> Outcome:
    """Write a migration into `location` for model changes that no migration holds yet.

    `database_url` and `reference_url` must be empty throwaway databases of one dialect. The
    existing migrations are applied to the first, then aerich diffs the models against the
    state they recorded and writes a migration if anything changed; with `apply_new` that
    migration is applied too, to prove it runs on this dialect. Finally the migrated schema
    is compared with the one Tortoise generates from the models in the reference database,
    which catches migrations that record the right state but run the wrong SQL.
    """
    outcome = Outcome(dialect=dialect_of(database_url))
    await probe(database_url)
    async with _aerich(database_url, location) as command:
        await command.upgrade(run_in_transaction=True)
        # Reload the model state aerich diffs against: it comes from the rows just applied.
        await command.init()
        created = await command.migrate(name=name, no_input=True)
        if created:
            outcome.created = location / APP / created
            outcome.created_sql = await _upgrade_sql(outcome.created)
            if apply_new:
                try:
                    await command.upgrade(run_in_transaction=True)
                except Exception as exc:  # whatever the driver raises, the file needs editing
                    outcome.apply_error = f"{type(exc).__name__}: {exc}"
        migrated = await describe_schema(connections.get("default"), outcome.dialect)
    await Tortoise.init(config=tortoise_config(reference_url))
    try:
        await Tortoise.generate_schemas(safe=False)
        generated = await describe_schema(connections.get("default"), outcome.dialect)
    finally:
        await Tortoise.close_connections()
    outcome.schema_differences = sorted(
        [f"only in the migrated database: {line}" for line in migrated - generated]
        + [f"only in the models' schema:    {line}" for line in generated - migrated]
    )
    return outcome


async def _upgrade_sql(path: Path) -> str:
    spec = importlib.util.spec_from_file_location(f"parley_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sql: str = await module.upgrade(connections.get("default"))
    return sql.strip()


async def check(*, database_url: str, reference_url: str, root: Path) -> Outcome:
    """Like `compare_and_migrate`, on a copy of the migrations: nothing is written."""
    with tempfile.TemporaryDirectory(prefix="parley-migrations-check-") as tmp:
        copy = Path(tmp, dialect_of(database_url))
        shutil.copytree(migrations_dir(database_url, root), copy)
        return await compare_and_migrate(
            database_url=database_url,
            reference_url=reference_url,
            location=copy,
            name="drift",
            apply_new=False,
        )


def report(outcome: Outcome, *, checking: bool) -> bool:
    """Print what was found; True when this dialect's migrations match the models."""
    dialect = outcome.dialect
    if outcome.created and checking:
        print(f"{dialect}: the models changed but no migration says so; it would be:")
        print("    " + outcome.created_sql.replace("\n", "\n    "))
    elif outcome.created:
        print(f"{dialect}: wrote {outcome.created}")
    else:
        print(f"{dialect}: no model changes")
    if outcome.apply_error:
        print(f"{dialect}: the new migration does not apply, edit it: {outcome.apply_error}")
    elif outcome.schema_differences:
        print(f"{dialect}: the migrated schema differs from the schema the models generate:")
        print("\n".join("    " + line for line in outcome.schema_differences))
    failed = outcome.apply_error or outcome.schema_differences or (checking and outcome.created)
    return not failed


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m server.migrate {check,make}`: one dialect, given two empty databases."""
    parser = argparse.ArgumentParser(prog="python -m server.migrate", description=main.__doc__)
    parser.add_argument("action", choices=["check", "make"])
    parser.add_argument("--database-url", required=True, help="an empty throwaway database")
    parser.add_argument("--reference-url", required=True, help="another one, same dialect")
    parser.add_argument("--root", type=Path, default=MIGRATIONS_ROOT, help="migrations root")
    parser.add_argument("--name", default="update", help="name of a new migration")
    args = parser.parse_args(argv)
    if dialect_of(args.database_url) != dialect_of(args.reference_url):
        parser.error("--database-url and --reference-url must be of the same dialect")
    if args.action == "check":
        outcome = asyncio.run(
            check(database_url=args.database_url, reference_url=args.reference_url, root=args.root)
        )
    else:
        outcome = asyncio.run(
            compare_and_migrate(
                database_url=args.database_url,
                reference_url=args.reference_url,
                location=migrations_dir(args.database_url, args.root),
                name=args.name,
                apply_new=True,
            )
        )
    return 0 if report(outcome, checking=args.action == "check") else 1


if __name__ == "__main__":
    sys.exit(main())
