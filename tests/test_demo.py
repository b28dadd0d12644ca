"""The demo seed: idempotent across runs, completes a half-done seed, and its login works."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.accounts.models import Agent, Organization
from server.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, DEMO_SLUG, DEMO_TICKETS, seed_demo
from server.demo_page import demo_page_app, render_page
from server.tickets.models import Ticket, TicketResponse
from tests.conftest import create_pg_database, drop_pg_database


def parley(database_url: str, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env |= {"PARLEY_DATABASE_URL": database_url, "PARLEY_DATA_DIR": str(workdir / "data")}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def sqlite_counts(path: Path) -> dict[str, int]:
    """Rows per table of a database holding only the demo (plain sqlite3, not Tortoise)."""
    with sqlite3.connect(path) as db:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in EXPECTED}


EXPECTED = {"organization": 1, "agent": 2, "ticket": len(DEMO_TICKETS), "ticket_response": 1}


def test_demo_twice_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'parley.db'}"
    first = parley(url, tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(
        "demo organisation 'demo' created\n"
        "demo login: org demo, email admin@demo.example.com, password parley-demo\n"
    )
    assert re.search(
        r"demo widget: site key pk_\w+, allowed origins: none besides Parley's own\n$",
        first.stdout,
    ), first.stdout
    assert sqlite_counts(tmp_path / "parley.db") == EXPECTED
    second = parley(url, tmp_path, "demo")
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("demo organisation 'demo' already present\n")
    assert sqlite_counts(tmp_path / "parley.db") == EXPECTED


def test_demo_completes_a_half_done_seed_and_revives_nothing(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'parley.db'}"
    # As if an earlier run stopped right after creating the organisation.
    made = parley(url, tmp_path, "createorg", "--name", "Demo", "--slug", DEMO_SLUG)
    assert made.returncode == 0, made.stderr
    completed = parley(url, tmp_path, "demo")
    assert completed.returncode == 0, completed.stderr
    assert sqlite_counts(tmp_path / "parley.db") == EXPECTED
    with sqlite3.connect(tmp_path / "parley.db") as db:  # an admin deletes a demo ticket
        db.execute("DELETE FROM ticket WHERE number = 1")
    parley(url, tmp_path, "demo")
    assert sqlite_counts(tmp_path / "parley.db")["ticket"] == len(DEMO_TICKETS) - 1


def test_demo_allows_the_demo_pages_origin_once(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'parley.db'}"
    page = ("--allow-origin", "http://127.0.0.1:8001", "--allow-origin", "HTTP://localhost:8001")
    for _ in range(2):
        result = parley(url, tmp_path, "demo", *page)
        assert result.returncode == 0, result.stderr
        assert "allowed origins: http://127.0.0.1:8001, http://localhost:8001\n" in result.stdout
    bad = parley(url, tmp_path, "demo", "--allow-origin", "http://127.0.0.1:8001/shop")
    assert bad.returncode == 2
    assert "is not an origin" in bad.stderr


def test_the_demo_page_embeds_the_widget_from_parley() -> None:
    html = render_page(parley_url="http://127.0.0.1:8000/", site_key="pk_abc", locale="de")
    assert (
        '<script src="http://127.0.0.1:8000/widget.js" data-site-key="pk_abc" '
        'data-position="bottom-right" data-locale="de" async></script>'
    ) in html
    # The snippet is also shown as text, escaped.
    assert "&lt;script src=&quot;http://127.0.0.1:8000/widget.js&quot;" in html
    assert "{{" not in html


async def test_the_demo_page_app_serves_the_page() -> None:
    app = demo_page_app(parley_url="http://parley.test", site_key="pk_xyz")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as c:
        page = await c.get("/", params={"locale": "<script>"})
    assert page.status_code == 200
    assert 'data-site-key="pk_xyz"' in page.text and 'data-locale="en"' in page.text


@pytest.mark.postgres
async def test_demo_twice_on_a_fresh_postgres_database(tmp_path: Path) -> None:
    url = await create_pg_database("parley_demo")
    try:
        for _ in range(2):
            result = parley(url, tmp_path, "demo")
            assert result.returncode == 0, result.stderr
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            counts = {
                table: await conn.fetchval(f"SELECT COUNT(*) FROM {table}") for table in EXPECTED
            }
        finally:
            await conn.close()
        assert counts == EXPECTED
    finally:
        await drop_pg_database(url)


# --- in the running app, on whichever backend this run uses ----------------------------------


@pytest.fixture
async def demo(app: object) -> AsyncIterator[None]:
    await seed_demo()
    yield


async def demo_rows() -> tuple[int, int, int, int]:
    org = await Organization.get(slug=DEMO_SLUG)
    return (
        await Organization.filter(slug=DEMO_SLUG).count(),
        await Agent.filter(organization_id=org.id).count(),
        await Ticket.filter(organization_id=org.id).count(),
        await TicketResponse.filter(ticket__organization_id=org.id).count(),
    )


async def test_seeding_again_changes_nothing(demo: None) -> None:
    before = await demo_rows()
    assert before == (1, 2, len(DEMO_TICKETS), 1)
    again = await seed_demo()
    assert not again.created
    assert await demo_rows() == before


async def test_demo_login_works(demo: None, client: httpx.AsyncClient) -> None:
    login = await client.post(
        "/api/auth/login", json={"email": DEMO_ADMIN_EMAIL, "password": DEMO_PASSWORD}
    )
    assert login.status_code == 200, login.text
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {login.json()['token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["organization"]["slug"] == DEMO_SLUG
    assert me.json()["agent"]["email"] == DEMO_ADMIN_EMAIL
    tickets = await client.get(
        "/api/tickets", headers={"Authorization": f"Bearer {login.json()['token']}"}
    )
    assert tickets.status_code == 200, tickets.text
    assert tickets.json()["total"] == len(DEMO_TICKETS)
