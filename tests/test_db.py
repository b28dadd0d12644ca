"""server.db: the Tortoise configuration the app, the CLI and aerich share."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from tortoise import connections

from server.db import connection_config, dialect_of, tortoise_config
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
