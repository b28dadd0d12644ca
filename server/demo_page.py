"""The demo host page `./scripts/serve` shows next to Parley: a pretend shop on a port of its
own, so the widget really runs cross-origin, exactly as on a customer's website.

It is a separate tiny app (`parley demo-page`) rather than a route of Parley's: a page served
by Parley itself would be same-origin and hide every CORS or origin mistake.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

PAGE = Path(__file__).with_name("demo_page.html")


def render_page(*, parley_url: str, site_key: str, locale: str = "en") -> str:
    """The page with the embed snippet for `site_key`, loading the widget from `parley_url`."""
    snippet = (
        f'<script src="{escape(parley_url.rstrip("/"))}/widget.js" '
        f'data-site-key="{escape(site_key)}" data-position="bottom-right" '
        f'data-locale="{escape(locale)}" async></script>'
    )
    return (
        PAGE.read_text(encoding="utf-8")
        .replace("{{snippet}}", snippet)
        .replace("{{snippet_text}}", escape(snippet))
        .replace("{{parley_url}}", escape(parley_url))
    )


def demo_page_app(*, parley_url: str, site_key: str) -> Starlette:
    async def page(request: Request) -> Response:
        locale = request.query_params.get("locale", "en")
        locale = locale if locale in ("en", "de") else "en"
        html = render_page(parley_url=parley_url, site_key=site_key, locale=locale)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    return Starlette(routes=[Route("/", page)])
