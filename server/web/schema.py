"""Base classes for request and response schemas (camelCase on the wire)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class RequestModel(BaseModel):
    """A request body or query: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=True,
    )


class ResponseModel(BaseModel):
    """A response body, serialised by alias (camelCase)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


T = TypeVar("T")


class Page(ResponseModel, Generic[T]):
    """The envelope every list endpoint answers with."""

    items: list[T]
    total: int
    page: int
    page_size: int
