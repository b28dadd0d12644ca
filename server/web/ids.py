"""Database ids in URLs and bodies: positive integers that fit the integer primary key.

Starlette's `int` convertor accepts any length, and an id past 2**31 - 1 makes PostgreSQL
raise instead of simply finding nothing. The `{name:id}` convertor maps such ids to 0, which
no row has, so the service answers its usual 404; `Id` bounds ids given in bodies and
queries the same way (422 instead of a 500 at the query).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from starlette.convertors import Convertor, register_url_convertor

from server.db import MAX_ID

NO_SUCH_ID = 0

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class IdConvertor(Convertor[int]):
    # Up to 20 digits reach the handler (so 1_000_000_000 and above still resolve); anything
    # longer is not an id at all and is left unrouted (404).
    regex = "[0-9]{1,20}"

    def convert(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else NO_SUCH_ID

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())
