"""Ticket request schemas: normalising and refusing input before any service runs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from server.tickets.schemas import (
    BulkUpdateRequest,
    ResponseCreate,
    TicketCreate,
    TicketFilters,
    TicketUpdate,
)

BASE = {"requesterEmail": "rita@example.com", "subject": "Help"}


def _error_locs(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[Any, ...]]:
    return [e["loc"] for e in exc.value.errors()]


def test_tags_are_trimmed_lower_cased_and_deduplicated() -> None:
    data = TicketCreate.model_validate({**BASE, "tags": [" VIP ", "vip", "Billing", "billing"]})
    assert data.tags == ["vip", "billing"]


@pytest.mark.parametrize("model", [TicketCreate, TicketUpdate])
def test_tags_do_not_grow_when_lower_cased(model: type[TicketCreate] | type[TicketUpdate]) -> None:
    """`str.lower` made `İ` two code points: 33 of them became 66 characters, too long for
    the column. It lower-cases to `i`, so what fits the schema fits the column."""
    body = {} if model is TicketUpdate else BASE
    data = model.model_validate({**body, "tags": ["İ" * 64, "İSTANBUL"]})
    assert data.tags == ["i" * 64, "istanbul"]
    with pytest.raises(ValidationError) as caught:
        model.model_validate({**body, "tags": ["İ" * 65]})
    assert _error_locs(caught) == [("tags", 0)]


def test_tag_and_requester_email_filters_do_not_grow_when_lower_cased() -> None:
    filters = TicketFilters.model_validate({"tag": "İ" * 64, "requesterEmail": "İ" * 254})
    assert (filters.tag, filters.requester_email) == ("i" * 64, "i" * 254)


def test_camel_and_snake_names_are_both_accepted() -> None:
    assert TicketCreate.model_validate({**BASE, "customFields": {"a": 1}}).custom_fields == {"a": 1}
    assert TicketCreate.model_validate({**BASE, "custom_fields": {"a": 1}}).custom_fields == {
        "a": 1
    }


@pytest.mark.parametrize(
    "custom",
    [
        {f"field{i}": i for i in range(51)},
        {"": "empty name"},
        {"x" * 65: "long name"},
        {"nested": {"a": 1}},
        {"list": [1, 2]},
        {"long": "x" * 2001},
        {"nan": float("nan")},
        {"inf": float("inf")},
    ],
    ids=["too-many", "empty-key", "long-key", "nested", "list", "long-value", "nan", "inf"],
)
def test_custom_field_limits(custom: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        TicketCreate.model_validate({**BASE, "customFields": custom})
    assert _error_locs(caught) == [("customFields",)]


def test_custom_fields_at_the_limits_are_fine() -> None:
    custom: dict[str, Any] = {f"f{i}": i for i in range(48)}
    custom.update({"k" * 64: "x" * 2000, "flag": None})
    assert TicketCreate.model_validate({**BASE, "customFields": custom}).custom_fields == custom


@pytest.mark.parametrize(
    ("model", "data", "loc"),
    [
        (TicketCreate, {**BASE, "subject": "a\x00b"}, "subject"),
        (TicketCreate, {**BASE, "description": "\x00"}, "description"),
        (TicketCreate, {**BASE, "requesterName": "Ri\x00ta"}, "requesterName"),
        (TicketCreate, {**BASE, "tags": ["ok", "b\x00d"]}, "tags"),
        (TicketCreate, {**BASE, "customFields": {"k": "v\x00"}}, "customFields"),
        (TicketCreate, {**BASE, "customFields": {"k\x00": "v"}}, "customFields"),
        (TicketCreate, {**BASE, "subject": "lone \ud800 surrogate"}, "subject"),
        (TicketUpdate, {"category": "a\x00"}, "category"),
        (ResponseCreate, {"content": "hi\x00"}, "content"),
        (BulkUpdateRequest, {"refs": ["TKT-1"], "changes": {"addTags": ["\x00"]}}, "changes"),
        (TicketFilters, {"q": "a\x00b"}, "q"),
    ],
)
def test_text_a_database_cannot_store_is_refused(
    model: type[Any], data: dict[str, Any], loc: str
) -> None:
    """PostgreSQL refuses NUL and unpaired surrogates: without this check they were a 500."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    assert caught.value.errors()[0]["loc"][0] == loc


def test_a_deeply_nested_value_is_refused_without_recursing() -> None:
    nested: Any = "x"
    for _ in range(50_000):
        nested = [nested]
    with pytest.raises(ValidationError):
        TicketCreate.model_validate({**BASE, "customFields": {"deep": nested}})


def test_a_bare_date_is_a_whole_day() -> None:
    """`createdTo=2024-05-01` used to be read as midnight, dropping the day it names."""
    filters = TicketFilters.model_validate({"createdFrom": "2024-05-01", "createdTo": "2024-05-01"})
    assert filters.created_from == date(2024, 5, 1)
    assert filters.created_to == date(2024, 5, 1)
    assert type(filters.created_to) is date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T10:00:00", datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
        ("2024-05-01T10:00:00+02:00", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
        ("2024-05-01T00:00:00", datetime(2024, 5, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_moments_are_normalised_to_utc(raw: str, expected: datetime) -> None:
    value = TicketFilters.model_validate({"createdFrom": raw}).created_from
    assert value == expected
    assert isinstance(value, datetime)
    assert value.utcoffset() is not None and value.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "raw",
    [
        "2024-02-30",
        "yesterday",
        "0001-01-01T00:00:00+05:00",  # before the first representable UTC moment
        "9999-12-31T23:59:59-05:00",  # after the last one
    ],
)
def test_impossible_dates_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TicketFilters.model_validate({"createdTo": raw})
    assert _error_locs(caught)[0][0] == "createdTo"


@pytest.mark.parametrize("raw", ["12345", "1714550400", "1714550400.5", 12345, 1.5, "", "T10:00"])
def test_dates_are_iso_8601_never_numbers(raw: Any) -> None:
    """pydantic alone reads `12345` as a Unix time; the OpenAPI document says date-time."""
    with pytest.raises(ValidationError) as caught:
        TicketFilters.model_validate({"createdFrom": raw})
    assert _error_locs(caught)[0][0] == "createdFrom"


@pytest.mark.parametrize("assignee", ["me", "none", "1", "999999999"])
def test_assignee_filter_values(assignee: str) -> None:
    assert TicketFilters.model_validate({"assignee": assignee}).assignee == assignee


@pytest.mark.parametrize("assignee", ["bob", "ME", "-1", "2147483648", "1" * 18, "²", "\u0661"])
def test_assignee_filter_refuses_anything_else(assignee: str) -> None:
    """Ids longer than the integer column are refused (they were a 500 on PostgreSQL)."""
    with pytest.raises(ValidationError):
        TicketFilters.model_validate({"assignee": assignee})


def test_update_knows_which_fields_were_given() -> None:
    data = TicketUpdate.model_validate({"category": None, "subject": " New "})
    assert data.model_fields_set == {"category", "subject"}
    assert data.subject == "New"
    assert data.category is None


@pytest.mark.parametrize(
    "data",
    [
        {"refs": [], "changes": {"priority": "HIGH"}},
        {"refs": ["TKT-1"] * 501, "changes": {"priority": "HIGH"}},
        {"refs": ["TKT-1"], "changes": {"priority": "high"}},
        {"refs": ["TKT-1"], "changes": {"colour": "red"}},
        {"refs": ["TKT-1"]},
        {"refs": [""], "changes": {"priority": "HIGH"}},
    ],
    ids=["no-refs", "too-many-refs", "bad-enum", "unknown-change", "no-changes", "empty-ref"],
)
def test_bulk_request_shape(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        BulkUpdateRequest.model_validate(data)
