"""Schema base classes: camelCase on the wire, unknown input refused, one list envelope."""

from __future__ import annotations

import re
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field, ValidationError

from server.web.schema import Page, RequestModel, ResponseModel, trimmed_length_pattern


class NewThing(RequestModel):
    display_name: str
    is_shared: bool = False


class Thing(ResponseModel):
    display_name: str
    is_shared: bool


def test_requests_use_camel_case_and_trim_strings() -> None:
    thing = NewThing.model_validate({"displayName": "  Box  ", "isShared": True})
    assert (thing.display_name, thing.is_shared) == ("Box", True)


def test_requests_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        NewThing.model_validate({"displayName": "Box", "colour": "red"})
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_responses_serialise_camel_case() -> None:
    out = Thing(display_name="Box", is_shared=False).model_dump(by_alias=True)
    assert out == {"displayName": "Box", "isShared": False}


def test_responses_read_attributes() -> None:
    class Row:
        display_name = "Row"
        is_shared = True

    assert Thing.model_validate(Row()).display_name == "Row"


def test_page_envelope() -> None:
    page = Page[Thing](
        items=[Thing(display_name="a", is_shared=True)], total=9, page=2, page_size=1
    )
    assert page.model_dump(by_alias=True) == {
        "items": [{"displayName": "a", "isShared": True}],
        "total": 9,
        "totalExact": True,
        "page": 2,
        "pageSize": 1,
    }


class Lengths(RequestModel):
    one: Annotated[str, Field(min_length=1)] = "x"
    eight: Annotated[str, Field(min_length=8)] = "xxxxxxxx"


# Blanks pydantic trims, blanks it keeps (U+001C is Python whitespace, not Unicode's), text.
TRICKY = st.text(alphabet=" \t\n\x0b\u00a0\u3000\u2028\x85\x1c\u200b\u180eab", max_size=12)


@given(text=TRICKY)
def test_trimmed_length_pattern_states_what_validation_accepts(text: str) -> None:
    # The OpenAPI document shows this pattern with every trimmed minimum length.
    for name, min_length in (("one", 1), ("eight", 8)):
        stated = len(text) >= min_length and bool(
            re.search(trimmed_length_pattern(min_length), text)
        )
        try:
            Lengths.model_validate({name: text})
            accepted = True
        except ValidationError:
            accepted = False
        assert stated == accepted, (name, text)


def test_email_addresses_are_documented_as_internationalised() -> None:
    """Parley takes Unicode mailboxes and domains (email-validator's rules); the document
    must not call them invalid with `format: email`, which is ASCII-only."""
    from pydantic import TypeAdapter

    from server.web.schema import Email

    assert TypeAdapter(Email).json_schema() == {"type": "string", "format": "idn-email"}
    assert TypeAdapter(Email).validate_python("\u0130nci@example.com")
    assert TypeAdapter(Email).validate_python("rita@b\u00fccher.de")
