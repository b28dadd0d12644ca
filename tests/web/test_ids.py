"""Ids in paths and bodies: anything that cannot be a row is simply not found."""

from __future__ import annotations

import re

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from server.web.ids import MAX_ID, NO_SUCH_ID, Id, IdConvertor
from tests.factories import Team


def test_convertor_parses_ids_in_range() -> None:
    convertor = IdConvertor()
    assert convertor.convert("42") == 42
    assert convertor.convert("0042") == 42
    assert convertor.convert(str(MAX_ID)) == MAX_ID
    assert convertor.to_string(42) == "42"


@pytest.mark.parametrize("value", [str(MAX_ID + 1), "9" * 20])
def test_convertor_maps_ids_past_the_column_to_no_row(value: str) -> None:
    assert IdConvertor().convert(value) == NO_SUCH_ID


@pytest.mark.parametrize("value", ["", "-1", "1.5", "abc", "1e3", "٣", "²", "9" * 21])
def test_convertor_does_not_match_non_ids(value: str) -> None:
    assert not re.fullmatch(IdConvertor.regex, value)


def test_id_type_bounds_body_ids() -> None:
    adapter = TypeAdapter(Id)
    assert adapter.validate_python(MAX_ID) == MAX_ID
    for bad in (0, -1, MAX_ID + 1, 10**30):
        with pytest.raises(ValidationError):
            adapter.validate_python(bad)


@pytest.mark.parametrize(
    "agent_id", ["1000000000", str(MAX_ID), str(MAX_ID + 1), "9" * 20, "9" * 40, "²", "-1"]
)
async def test_any_unknown_agent_id_is_a_json_404(
    client: httpx.AsyncClient, team: Team, agent_id: str
) -> None:
    response = await client.patch(
        f"/api/agents/{agent_id}", headers=team.admin_headers, json={"name": "X"}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
