"""Schema base classes: camelCase on the wire, unknown input refused, one list envelope."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.web.schema import Page, RequestModel, ResponseModel


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
