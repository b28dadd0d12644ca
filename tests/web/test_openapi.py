"""The OpenAPI document: valid 3.1, complete, and built from the schemas the server uses."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette

from server.app import build_api
from server.web.endpoints import Access, Api, Call, Endpoint
from server.web.openapi import IDEMPOTENCY_KEY_PARAMETER, ErrorResponse, build_openapi
from server.web.schema import RequestModel, ResponseModel

ENDPOINTS = build_api().endpoints


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    return response.json()


def openapi_path(path: str) -> str:
    return re.sub(r"{(\w+):\w+}", r"{\1}", path)


def resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith("#/components/schemas/"), ref
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs_in(value)]
    if isinstance(node, list):
        return [r for item in node for r in refs_in(item)]
    return []


def operation(document: dict[str, Any], ep: Endpoint) -> dict[str, Any]:
    return document["paths"][openapi_path(ep.path)][ep.method.lower()]


async def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


async def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs = refs_in(document)
    assert refs
    for ref in refs:
        resolve(document, ref)


async def test_every_endpoint_is_documented_once(document: dict[str, Any]) -> None:
    documented = {
        (path, method.upper()) for path, item in document["paths"].items() for method in item
    }
    declared = {(openapi_path(ep.path), ep.method) for ep in ENDPOINTS}
    assert documented == declared
    assert len(declared) == len(ENDPOINTS)
    operation_ids = [operation(document, ep)["operationId"] for ep in ENDPOINTS]
    assert len(operation_ids) == len(set(operation_ids))


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda ep: f"{ep.method} {ep.path}")
async def test_operation_matches_its_declaration(document: dict[str, Any], ep: Endpoint) -> None:
    op = operation(document, ep)
    assert op["summary"] == ep.summary
    assert op["tags"] == [ep.tag]
    if ep.raw_body is not None:
        assert list(op["requestBody"]["content"]) == [ep.raw_body]
    elif ep.body is None:
        assert "requestBody" not in op
    else:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        component = resolve(document, schema["$ref"])
        expected = ep.body.model_json_schema(by_alias=True, mode="validation")
        assert set(component["properties"]) == set(expected["properties"])
        assert set(component.get("required", [])) == set(expected.get("required", []))
    success = op["responses"][str(ep.status)]
    if ep.response is not None:
        schema = success["content"][ep.media_type]["schema"]
        component = resolve(document, schema["$ref"])
        expected = ep.response.model_json_schema(by_alias=True, mode="serialization")
        assert set(component["properties"]) == set(expected["properties"])
    elif ep.media_type != "application/json":
        assert ep.media_type in success["content"]
    else:
        assert "content" not in success
    if ep.query is not None:
        names = {p["name"] for p in op["parameters"] if p["in"] == "query"}
        assert names == set(ep.query.model_json_schema(by_alias=True)["properties"])
    path_params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
    assert path_params == set(re.findall(r"{(\w+)", ep.path))
    if ep.access is Access.PUBLIC:
        assert "security" not in op
    else:
        schemes = {Access.VISITOR: "visitor", Access.TRACKER: "tracking"}
        scheme = schemes.get(ep.access, "bearer")
        assert op["security"] == [{scheme: []}]
        assert "401" in op["responses"]
    if ep.access is Access.ADMIN:
        assert "403" in op["responses"]
    if ep.body is not None:
        assert {"400", "413", "415", "422"} <= set(op["responses"])
    headers = [p for p in op.get("parameters", []) if p["in"] == "header"]
    if ep.idempotent:
        assert headers == [IDEMPOTENCY_KEY_PARAMETER]
        assert {"409", "422"} <= set(op["responses"])
        assert set(success["headers"]) == {"Idempotent-Replayed"}
    else:
        assert headers == []
        assert "headers" not in success


async def test_idempotency_key_schema_matches_what_the_server_accepts(
    document: dict[str, Any],
) -> None:
    (param,) = (
        p for p in document["paths"]["/api/tickets"]["post"]["parameters"] if p["in"] == "header"
    )
    assert param["name"] == "Idempotency-Key" and param["required"] is False
    pattern = re.compile(param["schema"]["pattern"])
    assert pattern.match("0b8f2c1e-5d7a-4e61-9d0a-1c2b3c4d5e6f")
    assert pattern.match("~" * 255)
    for refused in ("", "a b", "x" * 256, "caf\u00e9"):
        assert not pattern.match(refused)


async def test_error_responses_use_the_error_schema(document: dict[str, Any]) -> None:
    error_ref = None
    for ep in ENDPOINTS:
        for status, response in operation(document, ep)["responses"].items():
            if int(status) < 400:
                continue
            schema = response["content"]["application/json"]["schema"]
            error_ref = error_ref or schema["$ref"]
            assert schema == {"$ref": error_ref}
    assert error_ref is not None
    component = resolve(document, error_ref)
    assert component["required"] == ["error"]
    detail = resolve(document, component["properties"]["error"]["$ref"])
    assert set(detail["properties"]) == {"code", "message", "fields"}
    assert set(detail["required"]) == {"code", "message"}


async def test_error_schema_describes_real_errors(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    response = await client.get("/api/me")
    ErrorResponse.model_validate(response.json())


async def test_query_enums_are_components(document: dict[str, Any]) -> None:
    params = {p["name"]: p for p in document["paths"]["/api/tickets"]["get"]["parameters"]}
    sort = resolve(document, refs_in(params["sort"]["schema"])[0])
    assert "-created" in sort["enum"]
    assert params["status"]["explode"] is True


async def test_id_path_parameters_are_integers(document: dict[str, Any]) -> None:
    params = document["paths"]["/api/agents/{agent_id}"]["patch"]["parameters"]
    assert params == [
        {"name": "agent_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]


def test_generated_from_any_api() -> None:
    class Colour(StrEnum):
        RED = "red"

    class Filters(RequestModel):
        colour: Colour | None = None
        shades: list[Colour] = []

    class Paint(RequestModel):
        colour: Colour

    class Tin(ResponseModel):
        colour: Colour
        litres: float

    api = Api()

    @api.endpoint("GET", "/tins", summary="Tins", tag="paint", query=Filters, response=Tin)
    async def list_tins(call: Call) -> None:
        """All the tins."""

    @api.endpoint(
        "POST", "/tins/{tin_id:id}/paint", summary="Paint", tag="paint", body=Paint,
        access=Access.ADMIN, status=204, errors=(404, 409),
    )  # fmt: skip
    async def paint(call: Call) -> None:
        return None

    doc = build_openapi(api.endpoints)
    validate(doc)
    op = doc["paths"]["/tins"]["get"]
    assert op["description"] == "All the tins."
    assert {r.rsplit("/", 1)[1] for r in refs_in(op["parameters"])} == {"Colour"}
    paint_op = doc["paths"]["/tins/{tin_id}/paint"]["post"]
    assert set(paint_op["responses"]) == {
        "204",
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "415",
        "422",
    }
