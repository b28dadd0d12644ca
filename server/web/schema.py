"""Base classes for request and response schemas (camelCase on the wire)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    WithJsonSchema,
    field_validator,
)
from pydantic.alias_generators import to_camel

# Where a value sits in a request body: keys and list indexes, as pydantic reports `loc`.
Path = tuple[str | int, ...]


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


def find_unstorable(value: Any) -> tuple[Path, str] | None:
    """Where in `value` something no database column can hold is (NUL, unpaired surrogate,
    NaN, infinity) and why; None if nowhere. A bad key is reported at the object holding it.

    PostgreSQL text and jsonb reject such values, which would surface as a 500 at the insert.
    Walks nested lists and dicts without recursion, so a deeply nested value cannot overflow.
    """
    pending: list[tuple[Path, Any]] = [((), value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            problem = unstorable_text(item)
            if problem:
                return path, problem
        elif isinstance(item, float) and not math.isfinite(item):
            return path, "Numbers must be finite."
        elif isinstance(item, dict):
            for key, child in item.items():
                pending.append((path, key))
                pending.append(((*path, key), child))
        elif isinstance(item, list | tuple):
            pending.extend(((*path, index), child) for index, child in enumerate(item))
    return None


def reject_unstorable(value: Any) -> Any:
    """Refuse values no database column can hold (see `find_unstorable`).

    Checked on every request schema: bodies, queries, and service callers that are not HTTP.
    """
    found = find_unstorable(value)
    if found:
        raise ValueError(found[1])
    return value


def lower_case(text: str) -> str:
    """`text` lower-cased as Parley stores and compares it (emails, tags).

    `str.lower` turns `İ` (U+0130, the only character it lengthens) into `i` and a combining
    dot, so 33 of them outgrew a 64-character column; Parley lower-cases it to `i`, as Turkish
    does, and no text gets longer: the OpenAPI document's `maxLength` holds once stored.
    """
    return text.replace("\u0130", "i").lower()


# An email address, internationalised ones included (`İnci@…`, a Unicode domain): what
# email-validator accepts. The document says so with `format: idn-email` (RFC 6531); plain
# `email` means ASCII-only (RFC 5321), which would call addresses Parley takes invalid.
Email = Annotated[EmailStr, WithJsonSchema({"type": "string", "format": "idn-email"})]


def lower_cased(max_length: int) -> AfterValidator:
    """Lower-case text (`lower_case`), then check its length again, as stored. Put it after
    the field's `StringConstraints(max_length=...)`, which the OpenAPI document shows."""

    def lower(value: str) -> str:
        lowered = lower_case(value)
        if len(lowered) > max_length:
            raise ValueError(f"At most {max_length} characters once lower-cased.")
        return lowered

    return AfterValidator(lower)


def omittable(**kwargs: Any) -> Any:
    """A field that may be left out (it is then None: "not given") but is never null on the
    wire. The schema shows the plain type, without a null default; null answers 422."""
    return Field(default=None, json_schema_extra=_without_default, **kwargs)


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


# What trimming removes from request strings (pydantic trims Unicode White_Space), as a
# regex character class body: the OpenAPI document states minimum lengths with it.
BLANK_CHARS = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def trimmed_length_pattern(min_length: int) -> str:
    """A regex for text that is at least `min_length` long once trimmed (`min_length` >= 1)."""
    if min_length == 1:
        return f"[^{BLANK_CHARS}]"
    middle = f"[\\s\\S]{{{min_length - 2},}}"
    return f"^[{BLANK_CHARS}]*[^{BLANK_CHARS}]{middle}[^{BLANK_CHARS}][{BLANK_CHARS}]*$"


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

    # After each field's own validation: a "before" validator would hand JSON input to the
    # field as Python objects, which strict JSON validation (server/web/bodies.py) then
    # refuses where the type is not the JSON one (a list for a tuple).
    _storable = field_validator("*")(reject_unstorable)


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
