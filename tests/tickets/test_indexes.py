"""UpperTrigramIndex: the PostgreSQL trigram index behind the text search."""

from __future__ import annotations

from typing import Any

from server.tickets.indexes import UpperTrigramIndex
from server.tickets.models import Ticket


class Generator:
    def __init__(self, dialect: str) -> None:
        self.DIALECT = dialect


def sql(dialect: str, *, safe: bool = True) -> str:
    index = UpperTrigramIndex(field="description", name="idx_test_trgm")
    generator: Any = Generator(dialect)
    return index.get_sql(generator, Ticket, safe)


def test_postgres_gets_a_gin_trigram_index_on_the_upper_cased_column() -> None:
    assert sql("postgres") == (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
        'CREATE INDEX IF NOT EXISTS "idx_test_trgm" ON "ticket" '
        'USING GIN (UPPER("description") gin_trgm_ops) WITH (gin_pending_list_limit = 256);'
    )
    assert 'CREATE INDEX "idx_test_trgm"' in sql("postgres", safe=False)


def test_sqlite_gets_no_index() -> None:
    assert sql("sqlite") == ""


def test_the_committed_postgres_migration_creates_exactly_what_the_model_declares() -> None:
    """The migration line was edited by hand (aerich cannot write it): keep them identical."""
    from server.db import MIGRATIONS_ROOT

    migration = next(
        (MIGRATIONS_ROOT / "postgres" / "models").glob("1_*_search_and_tag_indexes.py")
    )
    text = migration.read_text()
    generator: Any = Generator("postgres")
    for index in Ticket._meta.indexes:
        if isinstance(index, UpperTrigramIndex):
            create = index.get_sql(generator, Ticket, True).splitlines()[1]
            assert create in text
