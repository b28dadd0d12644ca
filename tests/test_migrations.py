"""Migrations match the models, on both dialects, and the drift check really catches drift.

Each check runs in a subprocess: aerich keeps its diff state on a class and Tortoise allows
one live context per process, and this test session's app already holds one.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aerich.utils import decompress_dict, get_formatted_compressed_data

from server.db import DIALECTS, MIGRATIONS_ROOT, dialect_of, pg_connect
from tests.conftest import TEST_DATABASE_URL, create_pg_database, drop_pg_database

TIMEOUT = 180


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )


def check(database_url: str, reference_url: str, root: Path, cwd: Path) -> tuple[int, str]:
    result = run(
        "-m", "server.migrate", "check", "--database-url", database_url,
        "--reference-url", reference_url, "--root", str(root), cwd=cwd,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout


def sqlite_pair(tmp_path: Path) -> tuple[str, str]:
    return f"sqlite://{tmp_path / 'migrated.db'}", f"sqlite://{tmp_path / 'generated.db'}"


@pytest.fixture
async def postgres_pair() -> AsyncIterator[tuple[str, str]]:
    first = await create_pg_database("parley_migrated")
    second = await create_pg_database("parley_generated")
    try:
        yield first, second
    finally:
        await drop_pg_database(first)
        await drop_pg_database(second)


def tampered_copy(tmp_path: Path, *, sql: bool, state: bool) -> Path:
    """The migrations as they would be had `Organization.ticket_prefix` been added to the
    model without a migration (`state`: the newest recorded state lacks it), or had the SQL of
    the first migration lost it (`sql`).
    """
    root = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_ROOT, root)
    for dialect in DIALECTS:
        folder = root / dialect / "models"
        first = sorted(folder.glob("0_*.py"))[0]
        # aerich diffs the models against the state recorded by the newest migration.
        last = max(folder.glob("*_*.py"), key=lambda p: int(p.name.split("_", 1)[0]))
        if sql:
            text, found = re.subn(
                r'\n\s*"ticket_prefix" VARCHAR\(12\) NOT NULL,', "", first.read_text()
            )
            assert found == 1, f"{first}: the column to remove was not found"
            first.write_text(text)
        if state:
            text = last.read_text()
            models = decompress_dict(_module(last).MODELS_STATE)
            org = models["models.Organization"]
            org["data_fields"] = [f for f in org["data_fields"] if f["name"] != "ticket_prefix"]
            text = text[: text.index("MODELS_STATE = (")]
            text += f"MODELS_STATE = (\n    {get_formatted_compressed_data(models)}\n)\n"
            last.write_text(text)
    return root


def _module(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(f"tampered_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def migration_files(root: Path) -> dict[str, list[str]]:
    """Each dialect's migration files in the order they apply (by number: 9 before 10)."""
    return {
        d: sorted(
            (p.name for p in (root / d / "models").glob("*_*.py")),
            key=lambda name: int(name.split("_", 1)[0]),
        )
        for d in DIALECTS
    }


# --- the committed migrations match the models ---------------------------------------------


def test_sqlite_migrations_match_the_models(tmp_path: Path) -> None:
    before = migration_files(MIGRATIONS_ROOT)
    status, output = check(*sqlite_pair(tmp_path), MIGRATIONS_ROOT, tmp_path)
    assert (status, output) == (0, "sqlite: no model changes\n"), output
    assert migration_files(MIGRATIONS_ROOT) == before  # a check writes nothing


@pytest.mark.postgres
def test_postgres_migrations_match_the_models(
    tmp_path: Path, postgres_pair: tuple[str, str]
) -> None:
    status, output = check(*postgres_pair, MIGRATIONS_ROOT, tmp_path)
    assert (status, output) == (0, "postgres: no model changes\n"), output


def test_both_dialects_have_the_same_migrations() -> None:
    """A model change needs a migration in each folder: same count, same names."""
    files = migration_files(MIGRATIONS_ROOT)

    def steps(names: list[str]) -> list[tuple[str, str]]:
        return [(n.split("_", 1)[0], n.split("_", 2)[2]) for n in names]

    assert steps(files["sqlite"]) == steps(files["postgres"]), files


# --- the check catches drift ---------------------------------------------------------------


def test_check_catches_a_model_change_without_migration(tmp_path: Path) -> None:
    root = tampered_copy(tmp_path, sql=True, state=True)
    before = migration_files(root)
    status, output = check(*sqlite_pair(tmp_path), root, tmp_path)
    assert status == 1
    assert "sqlite: the models changed but no migration says so" in output
    assert 'ALTER TABLE "organization" ADD "ticket_prefix" VARCHAR(12)' in output
    assert "only in the models' schema:    organization.ticket_prefix" in output
    assert migration_files(root) == before


def test_check_catches_migration_sql_that_differs_from_the_models(tmp_path: Path) -> None:
    root = tampered_copy(tmp_path, sql=True, state=False)
    status, output = check(*sqlite_pair(tmp_path), root, tmp_path)
    assert status == 1
    assert "sqlite: no model changes" in output  # the recorded state alone looks fine
    assert "only in the models' schema:    organization.ticket_prefix" in output


@pytest.mark.postgres
def test_check_catches_drift_on_postgres(tmp_path: Path, postgres_pair: tuple[str, str]) -> None:
    root = tampered_copy(tmp_path, sql=True, state=True)
    status, output = check(*postgres_pair, root, tmp_path)
    assert status == 1
    assert "postgres: the models changed but no migration says so" in output
    assert "organization.ticket_prefix character varying" in output


# --- parley makemigrations -----------------------------------------------------------------


def makemigrations(root: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(
        "-m", "server.cli", "makemigrations", "--migrations-root", str(root), *args, cwd=cwd
    )  # fmt: skip


def test_makemigrations_writes_a_migration_that_applies(tmp_path: Path) -> None:
    root = tampered_copy(tmp_path, sql=True, state=True)
    made = makemigrations(root, tmp_path, "--name", "ticket_prefix", "--dialect", "sqlite")
    assert made.returncode == 0, made.stdout + made.stderr
    new = set(migration_files(root)["sqlite"]) - set(migration_files(MIGRATIONS_ROOT)["sqlite"])
    assert len(new) == 1 and re.fullmatch(r"\d+_\d{14}_ticket_prefix\.py", new.pop())
    assert migration_files(root)["postgres"] == migration_files(MIGRATIONS_ROOT)["postgres"]
    checked = makemigrations(root, tmp_path, "--check", "--dialect", "sqlite")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == "sqlite: no model changes\n"


def test_makemigrations_check_fails_on_drift(tmp_path: Path) -> None:
    root = tampered_copy(tmp_path, sql=True, state=True)
    checked = makemigrations(root, tmp_path, "--check", "--dialect", "sqlite")
    assert checked.returncode == 1
    assert "parley: makemigrations failed for sqlite" in checked.stderr


@pytest.mark.postgres
def test_makemigrations_writes_both_dialects(tmp_path: Path) -> None:
    root = tampered_copy(tmp_path, sql=True, state=True)
    server = ("--postgres-url", TEST_DATABASE_URL)
    made = makemigrations(root, tmp_path, "--name", "ticket_prefix", *server)
    assert made.returncode == 0, made.stdout + made.stderr
    for dialect in DIALECTS:
        names = migration_files(root)[dialect]
        assert len(names) == len(migration_files(MIGRATIONS_ROOT)[dialect]) + 1
        assert names[-1].endswith("_ticket_prefix.py")
    checked = makemigrations(root, tmp_path, "--check", *server)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == "sqlite: no model changes\npostgres: no model changes\n"


# --- several processes starting at once ----------------------------------------------------


def migrate_concurrently(database_url: str, cwd: Path, processes: int = 4) -> list[str]:
    """Start `parley migrate` several times at once; returns the versions recorded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env |= {"PARLEY_DATABASE_URL": database_url, "PARLEY_DATA_DIR": str(cwd / "data")}
    command = [sys.executable, "-m", "server.cli", "migrate"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    started = [subprocess.Popen(command, cwd=cwd, env=env, **pipes) for _ in range(processes)]
    outputs = [process.communicate(timeout=TIMEOUT) for process in started]
    for process, (stdout, stderr) in zip(started, outputs, strict=True):
        assert process.returncode == 0, stdout + stderr
    applied = [line for stdout, _ in outputs for line in stdout.splitlines()]
    assert sum(line.startswith("applied migration") for line in applied) == len(
        migration_files(MIGRATIONS_ROOT)[dialect_of(database_url)]
    ), applied  # each migration applied by exactly one of them
    return applied


def test_concurrent_starts_migrate_a_sqlite_database_once(tmp_path: Path) -> None:
    migrate_concurrently(f"sqlite://{tmp_path / 'parley.db'}", tmp_path)
    with sqlite3.connect(tmp_path / "parley.db") as db:
        versions = [row[0] for row in db.execute("SELECT version FROM aerich")]
    assert sorted(versions) == sorted(migration_files(MIGRATIONS_ROOT)["sqlite"])


@pytest.mark.postgres
async def test_concurrent_starts_migrate_a_postgres_database_once(tmp_path: Path) -> None:
    url = await create_pg_database("parley_race")
    try:
        await asyncio.to_thread(migrate_concurrently, url, tmp_path)
        conn = await pg_connect(url)
        try:
            versions = [row["version"] for row in await conn.fetch("SELECT version FROM aerich")]
        finally:
            await conn.close()
        assert sorted(versions) == sorted(migration_files(MIGRATIONS_ROOT)["postgres"])
    finally:
        await drop_pg_database(url)


# --- data migrations -----------------------------------------------------------------------

_UPGRADE_TO = """
import asyncio, sys
from pathlib import Path
from server.migrate import upgrade
print(asyncio.run(upgrade(sys.argv[1], root=Path(sys.argv[2]))))
"""

# Raw rows: the tables' foreign keys are not what this is about (sqlite3 leaves them off;
# on PostgreSQL `session_replication_role = replica` skips them).
_CHAT_MESSAGES = """
INSERT INTO chat_message
    (id, conversation_id, organization_id, author_type, author_name, body, is_internal,
     created_at)
VALUES (1, 1, 1, 'CONTACT', 'Rita', 'hello', false, '2026-12-01 10:00:00'),
       (2, 1, 1, 'AGENT', 'Bob', 'hi', false, '2026-12-01 10:01:00'),
       (3, 1, 1, 'SYSTEM', '', 'Bob joined the chat.', false, '2026-12-01 10:01:00')
"""


def _upgrade_to(database_url: str, root: Path, cwd: Path) -> None:
    result = run("-c", _UPGRADE_TO, database_url, str(root), cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr


def _without_newest(tmp_path: Path, newest: str) -> Path:
    root = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_ROOT, root)
    for dialect in DIALECTS:
        (found,) = (root / dialect / "models").glob(f"*_{newest}.py")
        found.unlink()
    return root


@pytest.mark.parametrize(
    "dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_chat_customers_become_customer_authors(dialect: str, tmp_path: Path) -> None:
    """One author enum: chat messages stored as CONTACT are CUSTOMER after `one_author_type`
    (the chat API still spells them CONTACT: tests/chat)."""
    before = _without_newest(tmp_path, "one_author_type")
    url = (
        await create_pg_database("parley_authors")
        if dialect == "postgres"
        else f"sqlite://{tmp_path / 'parley.db'}"
    )
    try:
        await asyncio.to_thread(_upgrade_to, url, before, tmp_path)
        if dialect == "postgres":
            conn = await pg_connect(url)
            try:
                await conn.execute("SET session_replication_role = replica")
                await conn.execute(_CHAT_MESSAGES)
            finally:
                await conn.close()
        else:
            with sqlite3.connect(tmp_path / "parley.db") as db:
                db.execute(_CHAT_MESSAGES)
        await asyncio.to_thread(_upgrade_to, url, MIGRATIONS_ROOT, tmp_path)
        query = "SELECT author_type FROM chat_message ORDER BY id"
        if dialect == "postgres":
            conn = await pg_connect(url)
            try:
                authors = [row["author_type"] for row in await conn.fetch(query)]
            finally:
                await conn.close()
        else:
            with sqlite3.connect(tmp_path / "parley.db") as db:
                authors = [row[0] for row in db.execute(query)]
        assert authors == ["CUSTOMER", "AGENT", "SYSTEM"]
    finally:
        if dialect == "postgres":
            await drop_pg_database(url)
