"""JsonErrorCORSMiddleware: Starlette's CORS decisions, refusals in the JSON error shape."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from server.web.cors import JsonErrorCORSMiddleware

ALLOWED = "https://shop.example.com"


def app() -> Starlette:
    async def hello(request: object) -> PlainTextResponse:
        return PlainTextResponse("hi")

    return Starlette(
        routes=[Route("/hello", hello)],
        middleware=[
            Middleware(
                JsonErrorCORSMiddleware,
                allow_origins=[ALLOWED],
                allow_methods=["GET"],
                allow_headers=["Authorization"],
            )
        ],
    )


async def preflight(origin: str, method: str = "GET") -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app()), base_url="http://testserver"
    ) as client:
        return await client.options(
            "/hello", headers={"Origin": origin, "Access-Control-Request-Method": method}
        )


async def test_an_allowed_preflight_is_untouched() -> None:
    response = await preflight(ALLOWED)
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["access-control-allow-origin"] == ALLOWED


async def test_a_refused_preflight_is_the_json_error_shape() -> None:
    response = await preflight("https://evil.example.com", method="DELETE")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.json() == {
        "error": {"code": "bad_request", "message": "Disallowed CORS origin, method."}
    }
    assert "access-control-allow-origin" not in response.headers
