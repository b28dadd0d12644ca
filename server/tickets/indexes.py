"""A PostgreSQL trigram index for the ticket text search, declared on the model.

The list's `q` filter is Tortoise's `icontains`, which PostgreSQL runs as
`UPPER(col::varchar) LIKE UPPER('%text%')`: no B-tree helps a leading wildcard, so at 100,000
tickets it was a sequential scan (~0.5 s). A GIN index with `gin_trgm_ops` on `UPPER(col)`
answers it. Tortoise's own `GinIndex` cannot express an operator class on an expression, and
SQLite has no such index, so this class writes its own SQL: the trigram index on PostgreSQL,
nothing on SQLite (where the scan stays, as the embedded mode is not meant for that size).

Declared on the model so `generate_schemas` (and the drift check built on it) knows it. aerich
rebuilds indexes from their description and cannot write this SQL itself: a migration that
adds one is generated, then its CREATE INDEX line is replaced by `get_sql`'s text (see
docs/operations.md); the description aerich stores keeps later diffs quiet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise.indexes import Index

if TYPE_CHECKING:
    from tortoise.backends.base.schema_generator import BaseSchemaGenerator
    from tortoise.models import Model


class UpperTrigramIndex(Index):
    INDEX_TYPE = "GIN_TRGM_UPPER"

    def __init__(self, *, field: str, name: str) -> None:
        super().__init__(fields=(field,), name=name)

    def get_sql(self, schema_generator: BaseSchemaGenerator, model: type[Model], safe: bool) -> str:
        if schema_generator.DIALECT != "postgres":
            return ""
        column = model._meta.fields_map[self.fields[0]].source_field or self.fields[0]
        exists = "IF NOT EXISTS " if safe else ""
        # A small pending list keeps fresh rows searchable by the index between vacuums; with
        # the default, thousands of creates made the planner fall back to a sequential scan.
        return (
            "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
            f'CREATE INDEX {exists}"{self.name}" ON "{model._meta.db_table}" '
            f'USING GIN (UPPER("{column}") gin_trgm_ops) WITH (gin_pending_list_limit = 256);'
        )
