"""Applying aerich migrations (one folder per dialect) before the app starts Tortoise."""

from __future__ import annotations

from aerich import Command

from server.db import migrations_dir, tortoise_config


async def upgrade(database_url: str) -> list[str]:
    """Apply every pending migration for this database's dialect; returns what was applied.

    A brand-new database is initialised from the committed migrations; aerich's own context
    is closed again so the app can initialise Tortoise afterwards in the same process.
    """
    location = migrations_dir(database_url)
    command = Command(
        tortoise_config=tortoise_config(database_url), app="models", location=str(location)
    )
    async with command:
        await command.init()
        applied = await command.upgrade(run_in_transaction=True)
    return applied
