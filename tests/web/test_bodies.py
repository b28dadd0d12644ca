"""Reading JSON bodies and query strings into schemas, and every way that can go wrong."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field, ValidationError
from starlette.requests import Request

from server.app import build_api
from server.errors import (
    BadRequest,
    ErrorCode,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from server.tickets.models import TicketPriority
from server.web.bodies import parse_model, parse_query, read_json, validation_fields
from server.web.schema import RequestModel

LIMIT = 1024


class Receiver:
    """An ASGI `receive` that hands out body chunks and counts how many were asked for."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = iter(chunks)
        self.calls = 0

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        chunk = next(self.chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}


def request(
    chunks: Iterable[bytes] = (),
    *,
    headers: dict[str, str] | None = None,
    query: str = "",
    content_type: str | None = "application/json",
) -> tuple[Request, Receiver]:
    all_headers = dict(headers or {})
    if content_type is not None:
        all_headers.setdefault("content-type", content_type)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers.items()],
    }
    receiver = Receiver(chunks)
    return Request(scope, receiver), receiver


async def read(body: bytes, **kwargs: Any) -> Any:
    req, _ = request([body], **kwargs)
    return await read_json(req, limit=LIMIT)


# --- read_json -----------------------------------------------------------------------------


async def test_reads_json_in_chunks() -> None:
    req, _ = request([b'{"a": [1, ', b'2], "b": "\xc3\xa9"}'])
    assert await read_json(req, limit=LIMIT) == {"a": [1, 2], "b": "é"}


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        None,
        "application/merge-patch+json",
    ],
)
async def test_json_media_types_and_none_are_accepted(content_type: str | None) -> None:
    assert await read(b"{}", content_type=content_type) == {}


@pytest.mark.parametrize(
    "body", [b"", b"   ", b"{", b"{'a': 1}", b"[1,]", b"\xff\xfe", b"NaN", b'{"a": Infinity}']
)
async def test_malformed_json_is_invalid_json(body: bytes) -> None:
    with pytest.raises(BadRequest) as caught:
        await read(body)
    assert caught.value.code is ErrorCode.INVALID_JSON
    assert caught.value.status == 400


async def test_deeply_nested_json_is_invalid_json_not_a_crash() -> None:
    with pytest.raises(BadRequest) as caught:
        await read_json(request([b"[" * 50_000])[0], limit=100_000)
    assert caught.value.code is ErrorCode.INVALID_JSON


async def test_nesting_within_the_recursion_limit_is_read() -> None:
    body = b"[" * 200 + b"]" * 200
    assert await read_json(request([body])[0], limit=LIMIT) == json.loads(body)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
async def test_other_media_types_are_refused_before_reading(content_type: str) -> None:
    req, receiver = request([b"{}"], content_type=content_type)
    with pytest.raises(UnsupportedMediaType) as caught:
        await read_json(req, limit=LIMIT)
    assert caught.value.status == 415
    assert receiver.calls == 0


async def test_declared_length_over_the_limit_is_refused_before_reading() -> None:
    req, receiver = request([b"{}"], headers={"content-length": str(LIMIT + 1)})
    with pytest.raises(PayloadTooLarge) as caught:
        await read_json(req, limit=LIMIT)
    assert caught.value.status == 413
    assert receiver.calls == 0


async def test_body_of_exactly_the_limit_is_read() -> None:
    body = b'"' + b"x" * (LIMIT - 2) + b'"'
    assert len(body) == LIMIT
    assert await read(body, headers={"content-length": str(LIMIT)}) == "x" * (LIMIT - 2)


async def test_chunked_body_over_the_limit_stops_being_read() -> None:
    endless = (b"x" * 100 for _ in range(10_000))
    req, receiver = request(endless)
    with pytest.raises(PayloadTooLarge):
        await read_json(req, limit=LIMIT)
    # Reading stopped as soon as the limit was passed, not at the end of the stream.
    assert receiver.calls == LIMIT // 100 + 1


async def test_lying_content_length_does_not_get_past_the_limit() -> None:
    req, _ = request([b"x" * 600, b"x" * 600], headers={"content-length": "10"})
    with pytest.raises(PayloadTooLarge):
        await read_json(req, limit=LIMIT)


@pytest.mark.parametrize("length", ["ten", "1e3", ""])
async def test_unparseable_content_length_is_a_bad_request(length: str) -> None:
    with pytest.raises(BadRequest) as caught:
        await read(b"{}", headers={"content-length": length})
    assert caught.value.code is ErrorCode.BAD_REQUEST


class Storable(RequestModel):
    subject: str = ""
    tags: list[str] = []
    custom_fields: dict[str, Any] = {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"subject": "a\\u0000b"}', "subject"),
        (b'{"tags": ["ok", "n\\u0000"]}', "tags.1"),
        (b'{"customFields": {"k": "\\ud800"}}', "customFields.k"),
        (b'{"customFields": {"\\udfff": 1}}', "customFields"),
        (b'{"customFields": {"big": 1e999}}', "customFields.big"),
    ],
)
async def test_values_no_database_can_store_are_refused_by_name(body: bytes, field: str) -> None:
    # read_json parses them (they are valid JSON); parse_model refuses them where they are (a
    # bad key: at the object holding it).
    data = await read(body)
    with pytest.raises(ValidationFailed) as caught:
        parse_model(Storable, data)
    assert list(caught.value.fields) == [field]
    # The error itself can always be sent back as UTF-8 JSON.
    json.dumps(caught.value.to_dict(), ensure_ascii=False).encode("utf-8")


async def test_a_field_name_with_a_lone_surrogate_is_refused_printably() -> None:
    # pydantic refuses such a key before looking at fields, so the whole body is at fault.
    with pytest.raises(ValidationFailed) as caught:
        parse_model(Storable, await read(b'{"\\udfff": 1}'))
    assert list(caught.value.fields) == ["body"]
    json.dumps(caught.value.to_dict(), ensure_ascii=False).encode("utf-8")


async def test_paired_surrogates_and_other_unicode_are_fine() -> None:
    assert await read(b'{"s": "\\ud83d\\ude00 \\u00e9 \\u200b"}') == {"s": "\U0001f600 é \u200b"}


# --- parse_model ---------------------------------------------------------------------------


class Item(RequestModel):
    item_name: str
    count: Annotated[int, Field(ge=0)] = 0


class Order(RequestModel):
    order_ref: str
    items: list[Item] = []


def test_parse_model_returns_the_model() -> None:
    order = parse_model(Order, {"orderRef": " A1 ", "items": [{"itemName": "x", "count": 2}]})
    assert order.order_ref == "A1"
    assert order.items[0].count == 2


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"orderRef"}),
        ({"orderRef": 5}, {"orderRef"}),
        ({"orderRef": "a", "surprise": 1}, {"surprise"}),
        ({"orderRef": "a", "items": [{"itemName": "x", "count": -1}]}, {"items.0.count"}),
        ({"orderRef": "a", "items": "none"}, {"items"}),
        ([], {"body"}),
        ("text", {"body"}),
    ],
)
def test_parse_model_names_wire_fields(data: Any, fields: set[str]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_model(Order, data)
    assert set(caught.value.fields) == fields
    assert caught.value.status == 422


def test_unknown_fields_say_so() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_model(Order, {"orderRef": "a", "extra": 1})
    assert caught.value.fields == {"extra": "Unknown field."}


def test_validation_fields_joins_each_error_location() -> None:
    class Either(BaseModel):
        value: int | bool

    with pytest.raises(ValidationError) as caught:
        Either.model_validate({"value": "nope"})
    assert set(validation_fields(caught.value)) == {"value.int", "value.bool"}


class Typed(RequestModel):
    count: int = 0
    flag: bool = False
    ratio: float = 0.0
    window: tuple[str, str] | None = None
    priority: TicketPriority | None = None


@pytest.mark.parametrize(
    "data",
    [
        {"count": False},
        {"count": True},
        {"count": "5"},
        {"count": 5.5},
        {"count": 1e300},
        {"flag": 0},
        {"flag": 1},
        {"flag": "yes"},
        {"flag": "true"},
        {"ratio": "1.5"},
        {"ratio": True},
        {"window": "09:00-17:00"},
    ],
)
def test_bodies_take_only_the_json_type_their_schema_names(data: dict[str, Any]) -> None:
    """`false` was taken as 0 and `"yes"` as true: a JSON body is validated as JSON."""
    with pytest.raises(ValidationFailed) as caught:
        parse_model(Typed, data)
    assert list(caught.value.fields) == list(data)


def test_json_values_still_become_what_their_schema_says() -> None:
    typed = parse_model(
        Typed,
        {"count": 5, "flag": True, "ratio": 2, "window": ["09:00", "17:00"], "priority": "HIGH"},
    )
    assert typed == Typed(
        count=5, flag=True, ratio=2.0, window=("09:00", "17:00"), priority=TicketPriority.HIGH
    )
    assert typed.model_fields_set == {"count", "flag", "ratio", "window", "priority"}


def test_an_integral_number_is_an_integer_as_json_schema_says() -> None:
    """JSON Schema counts `10.0` as an integer: schemathesis sends it, and it is accepted."""
    assert parse_model(Typed, json.loads('{"count": 10.0, "ratio": 1e2}')) == Typed(
        count=10, ratio=100.0
    )
    assert parse_model(Item, json.loads('{"itemName": "x", "count": 2E3}')).count == 2000


WRONG_JSON = {"integer": [True, "5"], "number": [True, "1.5"], "boolean": [0, 1, "true"]}


def _loose_type_cases() -> list[tuple[type[BaseModel], tuple[str, ...], str]]:
    """(body model, wire path, JSON type) of every integer, number and boolean field that
    the app's bodies take, nested objects included; not those that also take a string."""
    cases = []
    for model in sorted({ep.body for ep in build_api().endpoints if ep.body}, key=str):
        schema = model.model_json_schema(by_alias=True)
        defs = schema.get("$defs", {})
        pending: list[tuple[dict[str, Any], tuple[str, ...]]] = [(schema, ())]
        while pending:
            node, path = pending.pop()
            for name, prop in node.get("properties", {}).items():
                options = prop.get("anyOf", [prop])
                for option in options:
                    if "$ref" in option:
                        pending.append((defs[option["$ref"].rsplit("/", 1)[1]], (*path, name)))
                types = {option.get("type") for option in options}
                if "string" not in types:
                    cases += [(model, (*path, name), t) for t in WRONG_JSON if t in types]
    return cases


LOOSE_TYPE_CASES = _loose_type_cases()


def test_the_sweep_sees_the_fields_that_were_loose() -> None:
    paths = {(model.__name__, ".".join(path)) for model, path, _ in LOOSE_TYPE_CASES}
    assert {("AgentUpdate", "chatCapacity"), ("AgentUpdate", "isActive"),
            ("OrganizationUpdate", "widget.allowPriority"),
            ("ResponseCreate", "seen.offset")} <= paths  # fmt: skip


@pytest.mark.parametrize(
    ("model", "path", "json_type"),
    LOOSE_TYPE_CASES,
    ids=[f"{m.__name__}.{'.'.join(p)}" for m, p, _ in LOOSE_TYPE_CASES],
)
def test_no_body_field_takes_another_json_type(
    model: type[BaseModel], path: tuple[str, ...], json_type: str
) -> None:
    for wrong in WRONG_JSON[json_type]:
        data: Any = wrong
        for name in reversed(path):
            data = {name: data}
        with pytest.raises(ValidationFailed) as caught:
            parse_model(model, data)
        where = ".".join(path)
        assert any(f == where or f.startswith(where + ".") for f in caught.value.fields), (
            wrong,
            caught.value.fields,
        )


# --- parse_query ---------------------------------------------------------------------------


class Search(RequestModel):
    status: list[str] | None = None
    page_size: Annotated[int, Field(ge=1, le=100)] = 25
    exact: bool = False


def query(text: str) -> Request:
    return request(query=text)[0]


def test_query_lists_accept_repeats_and_commas() -> None:
    search = parse_query(Search, query("status=NEW,OPEN&status=CLOSED&status=&pageSize=5"))
    assert search.status == ["NEW", "OPEN", "CLOSED"]
    assert search.page_size == 5


def test_query_defaults_apply() -> None:
    assert parse_query(Search, query("")) == Search()


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("pageSize=0", "pageSize"),
        ("pageSize=many", "pageSize"),
        ("exact=perhaps", "exact"),
        ("page_size=5", "page_size"),
        ("token=abc", "token"),
        ("status=%00", "status"),
    ],
)
def test_query_errors_name_the_parameter(text: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_query(Search, query(text))
    assert field in caught.value.fields
