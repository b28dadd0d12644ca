"""Tortoise ORM configuration: the same dict serves the app, the CLI and aerich."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MODEL_MODULES = ["server.accounts.models", "server.tickets.models", "aerich.models"]
MIGRATIONS_ROOT = Path(__file__).resolve().parent.parent / "migrations"


def dialect_of(database_url: str) -> str:
    """`sqlite` or `postgres`: the name of the migrations folder for this database."""
    return "sqlite" if database_url.startswith("sqlite") else "postgres"


def migrations_dir(database_url: str) -> Path:
    """aerich migrations are not portable between dialects: one folder each."""
    return MIGRATIONS_ROOT / dialect_of(database_url)


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for one database URL."""
    return {
        "connections": {"default": database_url},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }
