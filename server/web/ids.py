"""The `{name:id}` path convertor: a positive id that fits the database's integer column.

Starlette's `int` convertor accepts any length, and an id past 2**31 - 1 makes PostgreSQL
raise instead of simply finding nothing; ids that long are routed to 404 instead.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class IdConvertor(Convertor[int]):
    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())
