"""Errors: stable codes and statuses, and one JSON shape for every failure a client can see."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from server import errors
from server.app import build_api
from server.errors import ErrorCode, ParleyError, error_body
from server.web.endpoints import Access
from tests.factories import Team, make_ticket, start_chat, visitor_session

# --- the error classes ---------------------------------------------------------------------

CLASSES: list[tuple[type[ParleyError], int, ErrorCode]] = [
    (errors.BadRequest, 400, ErrorCode.BAD_REQUEST),
    (errors.ValidationFailed, 422, ErrorCode.VALIDATION_FAILED),
    (errors.Unauthenticated, 401, ErrorCode.UNAUTHENTICATED),
    (errors.Forbidden, 403, ErrorCode.FORBIDDEN),
    (errors.NotFound, 404, ErrorCode.NOT_FOUND),
    (errors.Conflict, 409, ErrorCode.CONFLICT),
    (errors.InvalidTransition, 409, ErrorCode.INVALID_TRANSITION),
    (errors.TicketClosed, 409, ErrorCode.TICKET_CLOSED),
    (errors.IdempotencyKeyReused, 409, ErrorCode.IDEMPOTENCY_KEY_REUSED),
    (errors.IdempotencyKeyInUse, 409, ErrorCode.IDEMPOTENCY_KEY_IN_USE),
    (errors.PayloadTooLarge, 413, ErrorCode.PAYLOAD_TOO_LARGE),
    (errors.UnsupportedMediaType, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (errors.NotReady, 503, ErrorCode.NOT_READY),
]


@pytest.mark.parametrize(("cls", "status", "code"), CLASSES)
def test_each_error_has_its_status_and_code(
    cls: type[ParleyError], status: int, code: ErrorCode
) -> None:
    error = cls("Something.")
    assert (error.status, error.code) == (status, code)
    extra = {"retryAfter": errors.NOT_READY_RETRY_AFTER} if cls is errors.NotReady else {}
    assert error.to_dict() == {"error": {"code": str(code), "message": "Something.", **extra}}
    assert str(error) == "Something."


def test_websocket_close_codes_are_ours_or_standard() -> None:
    for cls, _, _ in CLASSES:
        assert 4000 <= cls.ws_close_code <= 4999 or cls.ws_close_code in (1009, 1013)
    assert errors.RateLimited.ws_close_code == 4429


def test_fields_are_included_only_when_given() -> None:
    error = errors.ValidationFailed("Bad.", fields={"subject": "Required."})
    assert error.to_dict() == {
        "error": {
            "code": "validation_failed",
            "message": "Bad.",
            "fields": {"subject": "Required."},
        }
    }


def test_code_can_be_narrowed_per_instance() -> None:
    error = errors.BadRequest("Not JSON.", code=ErrorCode.INVALID_JSON)
    assert error.code is ErrorCode.INVALID_JSON
    assert errors.BadRequest("Other.").code is ErrorCode.BAD_REQUEST


def test_unauthenticated_asks_for_a_bearer_token() -> None:
    assert errors.Unauthenticated().headers == {"WWW-Authenticate": 'Bearer realm="parley"'}
    assert errors.Unauthenticated().message == "Authentication required."
    assert errors.Unauthenticated("x", headers={"X": "1"}).headers == {"X": "1"}


@pytest.mark.parametrize(("given", "sent"), [(0, 1), (-5, 1), (1, 1), (30, 30)])
def test_rate_limited_says_when_to_retry(given: int, sent: int) -> None:
    error = errors.RateLimited("Slow down.", retry_after=given)
    assert (error.status, error.retry_after) == (429, sent)
    assert error.headers == {"Retry-After": str(sent)}


@pytest.mark.parametrize(("given", "sent"), [(None, 5), (0, 1), (30, 30)])
def test_not_ready_says_when_to_retry(given: int | None, sent: int) -> None:
    kwargs = {} if given is None else {"retry_after": given}
    error = errors.NotReady("Away.", **kwargs)
    assert (error.status, error.retry_after) == (503, sent)
    assert error.headers == {"Retry-After": str(sent)}
    assert error.to_dict()["error"]["retryAfter"] == sent


@pytest.mark.parametrize(
    ("status", "code"),
    [(404, "not_found"), (405, "method_not_allowed"), (413, "payload_too_large"),
     (418, "bad_request"), (500, "internal_error"), (502, "internal_error")],
)  # fmt: skip
def test_error_body_for_plain_statuses(status: int, code: str) -> None:
    assert error_body(status, "Message.") == {"error": {"code": code, "message": "Message."}}


# --- the shape on the wire -----------------------------------------------------------------


# The members some errors add for a client to act on (docs/api.md, "Errors").
ACTIONABLE = {
    "retryAfter", "conversationId", "assigneeId", "ticketId", "reason",
    # An upload's refusals (docs/attachments.md): which file, what it looked like, the limit.
    "file", "detectedType", "limitBytes", "limit",
}  # fmt: skip


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"]
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"code", "message", "fields", *ACTIONABLE}
    return error


@pytest.fixture
async def ticket_ref(team: Team) -> str:
    return (await make_ticket(team.agent_principal)).reference


def raw(headers: dict[str, str], content_type: str = "application/json") -> dict[str, str]:
    return {**headers, "Content-Type": content_type}


@pytest.mark.parametrize("body", [b"{", b"{'a': 1}", b"", b"NaN", b"[" * 20_000, b"\xff"])
async def test_malformed_json_is_400_invalid_json(
    client: httpx.AsyncClient, team: Team, body: bytes
) -> None:
    response = await client.post("/api/tickets", content=body, headers=raw(team.agent_headers))
    assert_error(response, 400, "invalid_json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"requesterEmail": 5, "subject": "x"}, "requesterEmail"),
        ({"requesterEmail": "a@example.com", "subject": ["x"]}, "subject"),
        ({"requesterEmail": "a@example.com", "subject": "x", "priority": "HIGHEST"}, "priority"),
        ({"requesterEmail": "a@example.com", "subject": "x", "requester_phone": "1"},
         "requester_phone"),
        ({"requesterEmail": "a@example.com", "subject": "x", "tags": [1]}, "tags.0"),
        ({"requesterEmail": "a@example.com"}, "subject"),
        ({"requesterEmail": "a@example.com", "subject": "a\u0000b"}, "subject"),
    ],
)  # fmt: skip
async def test_invalid_fields_are_422_naming_the_wire_field(
    client: httpx.AsyncClient, team: Team, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/tickets", json=body, headers=team.agent_headers)
    error = assert_error(response, 422, "validation_failed")
    assert field in error["fields"]


async def test_unknown_enum_values_name_the_field(
    client: httpx.AsyncClient, team: Team, ticket_ref: str
) -> None:
    response = await client.patch(
        f"/api/tickets/{ticket_ref}/status", json={"status": "DONE"}, headers=team.agent_headers
    )
    assert "status" in assert_error(response, 422, "validation_failed")["fields"]
    response = await client.post(
        "/api/tickets/bulk-update",
        json={"refs": [ticket_ref], "changes": {"priority": "MEH"}},
        headers=team.agent_headers,
    )
    assert "changes.priority" in assert_error(response, 422, "validation_failed")["fields"]
    response = await client.post(
        "/api/agents",
        json={"email": "r@example.com", "name": "R", "password": "long-enough", "role": "boss"},
        headers=team.admin_headers,
    )
    assert "role" in assert_error(response, 422, "validation_failed")["fields"]


async def test_body_over_the_limit_is_413(client: httpx.AsyncClient, team: Team) -> None:
    big = json.dumps({"requesterEmail": "a@example.com", "subject": "x" * 70_000})
    response = await client.post("/api/tickets", content=big, headers=raw(team.agent_headers))
    assert_error(response, 413, "payload_too_large")


async def chunks(total: int, size: int = 8192) -> AsyncIterator[bytes]:
    yield b'{"subject": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


async def test_chunked_body_without_length_over_the_limit_is_413(
    client: httpx.AsyncClient, team: Team
) -> None:
    request = client.build_request(
        "POST", "/api/tickets", content=chunks(200_000), headers=raw(team.agent_headers)
    )
    assert "content-length" not in request.headers
    assert_error(await client.send(request), 413, "payload_too_large")


async def test_body_longer_than_its_content_length_is_413(
    client: httpx.AsyncClient, team: Team
) -> None:
    request = client.build_request(
        "POST",
        "/api/tickets",
        content=chunks(200_000),
        headers={**raw(team.agent_headers), "Content-Length": "100"},
    )
    assert request.headers["content-length"] == "100"
    assert_error(await client.send(request), 413, "payload_too_large")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_wrong_content_type_is_415(
    client: httpx.AsyncClient, team: Team, content_type: str
) -> None:
    body = json.dumps({"requesterEmail": "a@example.com", "subject": "x"})
    response = await client.post(
        "/api/tickets", content=body, headers=raw(team.agent_headers, content_type)
    )
    assert_error(response, 415, "unsupported_media_type")


async def test_missing_token_is_401_with_a_challenge(client: httpx.AsyncClient, team: Team):
    response = await client.get("/api/tickets")
    assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == 'Bearer realm="parley"'


async def test_wrong_role_is_403(client: httpx.AsyncClient, team: Team, ticket_ref: str) -> None:
    response = await client.delete(f"/api/tickets/{ticket_ref}", headers=team.agent_headers)
    assert_error(response, 403, "forbidden")


@pytest.mark.parametrize(
    "ref",
    ["TKT-99999", "TKT-999999999", "OTHER-00001", "0", "2147483648", "9" * 30, "%00", "é"],
)
async def test_unknown_ticket_refs_are_404(client: httpx.AsyncClient, team: Team, ref: str) -> None:
    assert_error(
        await client.get(f"/api/tickets/{ref}", headers=team.agent_headers), 404, "not_found"
    )
    response = await client.post(
        f"/api/tickets/{ref}/responses", json={"content": "hi"}, headers=team.agent_headers
    )
    assert_error(response, 404, "not_found")


async def test_conflicting_change_is_409(
    client: httpx.AsyncClient, team: Team, ticket_ref: str
) -> None:
    url = f"/api/tickets/{ticket_ref}/status"
    closed = await client.patch(url, json={"status": "CLOSED"}, headers=team.agent_headers)
    assert closed.status_code == 200, closed.text
    response = await client.patch(url, json={"status": "IN_PROGRESS"}, headers=team.agent_headers)
    assert_error(response, 409, "invalid_transition")


GARBAGE_BODIES: list[Any] = [
    None, [], "text", 0, True, {}, {"unknown": 1}, {"subject": {"$gt": ""}},
    {"refs": ["x"] * 600}, {"content": "x" * 60_000}, {"email": None, "password": None},
    {"name": [[[[[]]]]]}, {"customFields": {"": 1}}, {"tags": ["a"] * 100},
]  # fmt: skip


async def test_bad_bodies_never_cause_a_500(
    client: httpx.AsyncClient, team: Team, ticket_ref: str
) -> None:
    visitor = await visitor_session(client, team.org)
    chat = str((await start_chat(client, visitor))["conversation"]["id"])
    for ep in build_api().endpoints:
        if ep.body is None:
            continue
        path = ep.path.replace("{ref}", ticket_ref).replace("{agent_id:id}", str(team.agent.id))
        path = path.replace("{conversation_id:id}", chat)
        headers = visitor["headers"] if ep.access is Access.VISITOR else team.admin_headers
        for body in GARBAGE_BODIES:
            response = await client.request(
                ep.method, path, content=json.dumps(body), headers=raw(headers)
            )
            assert response.status_code < 500, (ep.method, path, body, response.text)
            if response.status_code >= 400:
                assert_error(response, response.status_code, response.json()["error"]["code"])


GARBAGE_QUERIES: list[dict[str, str]] = [
    {"page": "-1"}, {"page": "1" * 30}, {"pageSize": "0"}, {"page": "NaN"}, {"sort": "evil"},
    {"status": "NOPE"}, {"assignee": "someone"}, {"createdFrom": "yesterday"}, {"q": "x" * 500},
    {"unknown": "1"}, {"q": "\u0000"}, {"tag": "\u0000"},
]  # fmt: skip


async def test_bad_queries_never_cause_a_500(client: httpx.AsyncClient, team: Team) -> None:
    visitor = await visitor_session(client, team.org)
    chat = await start_chat(client, visitor)
    for ep in build_api().endpoints:
        if ep.query is None:
            continue
        path = ep.path.replace("{conversation_id:id}", str(chat["conversation"]["id"]))
        path = re.sub(r"\{[a-z_]+:id\}", "1", path)  # the query is checked before the id
        headers = visitor["headers"] if ep.access is Access.VISITOR else team.admin_headers
        for params in GARBAGE_QUERIES:
            response = await client.get(path, params=params, headers=headers)
            assert response.status_code == 422, (ep.path, params, response.text)
            assert_error(response, 422, "validation_failed")
