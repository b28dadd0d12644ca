"""Base classes for request and response schemas (camelCase on the wire)."""

from __future__ import annotations

import math
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel


def unstorable_text(text: str) -> str | None:
    """Why `text` cannot be stored (NUL, unpaired surrogate), or None if it can."""
    if "\x00" in text:
        return "Must not contain NUL (\\u0000) characters."
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "Must not contain unpaired surrogates."
    return None


def reject_unstorable(value: Any) -> Any:
    """Refuse values no database column can hold: NUL, unpaired surrogates, NaN, infinity.

    PostgreSQL text and jsonb reject them, which would surface as a 500 at the insert. Checked
    on every request schema (bodies, queries, and service callers that are not HTTP). Walks
    nested lists and dicts without recursion, so a deeply nested value cannot overflow.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            problem = unstorable_text(item)
            if problem:
                raise ValueError(problem)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError("Numbers must be finite.")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return value


class RequestModel(BaseModel):
    """A request body or query: unknown fields and unstorable values are refused, strings
    are trimmed."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=True,
        allow_inf_nan=False,
    )

    _storable = field_validator("*", mode="before")(reject_unstorable)


class ResponseModel(BaseModel):
    """A response body, serialised by alias (camelCase)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


T = TypeVar("T")


class Page(ResponseModel, Generic[T]):
    """The envelope every list endpoint answers with."""

    items: list[T]
    total: int = Field(description="Matching items; a lower bound when `totalExact` is false.")
    total_exact: bool = Field(
        default=True,
        description="False when counting stopped early (the ticket list stops "
        "past 1,000 matches): `total` then means 'at least'.",
    )
    page: int
    page_size: int
