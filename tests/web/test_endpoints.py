"""Declared endpoints: who may call them, how inputs are parsed, what they answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

import server.web.ids  # noqa: F401  (registers the `{name:id}` convertor)
from server.accounts.models import Role
from server.accounts.principal import Principal
from server.errors import ParleyError, Unauthenticated
from server.web.endpoints import Access, Api, Call
from server.web.schema import RequestModel, ResponseModel

ADMIN = Principal(organization_id=1, role=Role.ADMIN, name="Ada")
AGENT = Principal(organization_id=1, role=Role.AGENT, name="Bo")


class Greeting(RequestModel):
    first_name: str


class Paging(RequestModel):
    page: Annotated[int, Field(ge=1)] = 1


class Reply(ResponseModel):
    full_text: str
    called_by: str | None = None


api = Api()
calls: list[Call] = []


@api.endpoint("GET", "/open", summary="Open", tag="t", access=Access.PUBLIC, response=Reply)
async def open_endpoint(call: Call) -> BaseModel:
    """Anyone may call this."""
    calls.append(call)
    return Reply(full_text="hello", called_by=call.principal.name if call.principal else None)


@api.endpoint(
    "POST", "/greet", summary="Greet", tag="t", body=Greeting, query=Paging, response=Reply,
    status=201,
)  # fmt: skip
async def greet(call: Call) -> BaseModel:
    calls.append(call)
    return Reply(
        full_text=f"hi {call.body.first_name} p{call.query.page}", called_by=call.agent.name
    )


@api.endpoint("DELETE", "/greet", summary="Forget", tag="t", access=Access.ADMIN)
async def forget(call: Call) -> None:
    calls.append(call)


@api.endpoint("POST", "/accepted", summary="Queue", tag="t", status=202)
async def accepted(call: Call) -> None:
    return None


@api.endpoint("GET", "/raw", summary="Raw", tag="t", media_type="text/plain")
async def raw(call: Call) -> Response:
    return PlainTextResponse("as is", headers={"X-Mine": "1"})


@api.endpoint("GET", "/items/{item_id:id}", summary="Item", tag="t", response=Reply)
async def item(call: Call) -> BaseModel:
    return Reply(full_text=f"item {call.path['item_id']!r}")


async def authenticate(request: Request) -> Principal:
    """Tokens `admin` and `agent`; anything else is refused."""
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    principals = {"admin": ADMIN, "agent": AGENT}
    if token not in principals:
        raise Unauthenticated()
    return principals[token]


async def render(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ParleyError)
    return JSONResponse(exc.to_dict(), status_code=exc.status, headers=exc.headers)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    calls.clear()
    app = Starlette(
        routes=api.routes(authenticate, body_limit=256),
        exception_handlers={ParleyError: render},
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


AS_ADMIN = {"Authorization": "Bearer admin"}
AS_AGENT = {"Authorization": "Bearer agent"}


async def test_public_endpoint_never_authenticates(client: httpx.AsyncClient) -> None:
    response = await client.get("/open", headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 200
    assert response.json() == {"fullText": "hello", "calledBy": None}
    assert calls[0].principal is None


async def test_agent_endpoint_needs_a_principal(client: httpx.AsyncClient) -> None:
    response = await client.post("/greet", json={"firstName": "Al"})
    assert response.status_code == 401
    assert calls == []


async def test_authentication_comes_before_reading_the_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/greet", content=b"{not json", headers={"X": "y"})
    assert response.status_code == 401


async def test_inputs_are_parsed_and_the_model_answered_by_alias(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/greet", params={"page": "3"}, json={"firstName": " Al "}, headers=AS_AGENT
    )
    assert response.status_code == 201
    assert response.json() == {"fullText": "hi Al p3", "calledBy": "Bo"}
    call = calls[0]
    assert isinstance(call.body, Greeting)
    assert isinstance(call.query, Paging)
    assert call.principal is AGENT


async def test_query_is_validated_before_the_body_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/greet", params={"page": "0"}, content=b"{not json", headers=AS_AGENT
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"page"}


async def test_body_limit_applies(client: httpx.AsyncClient) -> None:
    response = await client.post("/greet", json={"firstName": "x" * 300}, headers=AS_AGENT)
    assert response.status_code == 413


async def test_admin_endpoint_refuses_agents(client: httpx.AsyncClient) -> None:
    response = await client.delete("/greet", headers=AS_AGENT)
    assert response.status_code == 403
    assert calls == []
    response = await client.delete("/greet", headers=AS_ADMIN)
    assert response.status_code == 204
    assert response.content == b""


async def test_none_answers_the_declared_status_without_a_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/accepted", headers=AS_AGENT)
    assert response.status_code == 202
    assert response.content == b""


async def test_a_returned_response_is_sent_as_is(client: httpx.AsyncClient) -> None:
    response = await client.get("/raw", headers=AS_AGENT)
    assert (response.status_code, response.text, response.headers["x-mine"]) == (200, "as is", "1")


async def test_head_is_served_by_the_get_endpoint(client: httpx.AsyncClient) -> None:
    response = await client.head("/open")
    assert response.status_code == 200
    assert response.content == b""


async def test_methods_share_one_route_per_path(client: httpx.AsyncClient) -> None:
    paths = [route.path for route in api.routes(authenticate, body_limit=1)]
    assert len(paths) == len(set(paths))
    response = await client.put("/greet", headers=AS_ADMIN)
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"POST", "DELETE"}


async def test_id_paths_reach_the_handler_as_ints(client: httpx.AsyncClient) -> None:
    response = await client.get("/items/42", headers=AS_AGENT)
    assert response.json()["fullText"] == "item 42"
    # Past the database's integer range an id is one that cannot exist.
    response = await client.get("/items/2147483648", headers=AS_AGENT)
    assert response.json()["fullText"] == "item 0"


def test_declarations_keep_what_openapi_needs() -> None:
    by_name = {ep.handler.__name__: ep for ep in api.endpoints}
    assert by_name["open_endpoint"].description == "Anyone may call this."
    assert by_name["open_endpoint"].access is Access.PUBLIC
    assert by_name["greet"].body is Greeting
    assert by_name["greet"].query is Paging
    assert (by_name["greet"].status, by_name["greet"].access) == (201, Access.AGENT)
    assert by_name["forget"].access is Access.ADMIN
    assert by_name["raw"].media_type == "text/plain"


def test_include_collects_endpoints() -> None:
    combined = Api()
    combined.include(api)
    other = Api()

    @other.endpoint("GET", "/other", summary="Other", tag="t")
    async def other_endpoint(call: Call) -> None:
        return None

    combined.include(other)
    assert [ep.path for ep in combined.endpoints][-1] == "/other"
    assert len(combined.endpoints) == len(api.endpoints) + 1
