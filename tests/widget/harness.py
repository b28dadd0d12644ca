"""The pieces the browser tests are built from: a host site on other origins, a TCP proxy that
can cut the network, the agent's side (HTTP API and WebSocket), and the widget as a page object.

Why each exists:
- The widget must work on a page served from a different origin than Parley and refuse to
  run on origins the organisation has not allowed, so the host pages come from a second
  server (two ports: two origins, one allowed per test, one never allowed).
- "Never confused by the network" can only be shown by really cutting the connections a
  browser holds, so the host page loads `/widget.js` through `TcpProxy`; the widget derives
  every REST and WebSocket address from its script's URL (and `/api/embed/config` builds
  `websocketUrl` from the `Host` the request came to, i.e. the proxy), so all of its traffic
  passes through the proxy, which records the first request line of every connection so a
  test can prove it.
- Agents act exactly as an integration would: the real HTTP API and a real `/ws` socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from playwright.async_api import Locator, Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from tests.factories import Team
from tests.support.browser import LIVE, LIVE_MS, PageLog, artifacts_dir
from tests.support.live import STARTUP_TIMEOUT, LiveServer, running
from tests.support.ports import listening_socket
from tests.support.wsclient import WS, session

Frame = dict[str, Any]

ROOT = Path(__file__).resolve().parents[2]


# A reconnect after a network cut: the widget backs off (0.5 s doubling, with jitter), so the
# attempt after the network returns can come several seconds later.
RECONNECT = 30.0
RECONNECT_MS = RECONNECT * 1000


def widget_artifacts_dir() -> Path:
    """Where screenshots go: `$PARLEY_ARTIFACTS_DIR`, else `<repo>/artifacts/widget/`."""
    return artifacts_dir("widget", configured="")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def exact(text: str) -> re.Pattern[str]:
    """A pattern matching exactly `text` (Playwright's `has_text` strings are substrings)."""
    return re.compile("^" + re.escape(text) + "$")


# --- the host site: pages on other origins ---------------------------------------------------

# Host CSS that would wreck the widget if it leaked in (isolation is part of the contract).
HOSTILE_CSS = """
button, div, section, form, input, textarea, [data-parley] {
  display: none !important; color: red !important; font-size: 40px !important;
}
#parley-widget { display: block !important; }
"""

HOST_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Shop</title>
<style>
body {{ font-family: Georgia, serif; margin: 2rem; background: #fafaf7; color: #222; }}
#host-button {{ padding: 4px 10px; font-size: 15px; }}
{extra_css}
</style>
</head>
<body>
<h1>Acme Shop</h1>
<p id="host-text">Welcome to the Acme shop. Our support team is one click away.</p>
<button id="host-button" type="button">Buy now</button>
{snippet}
</body>
</html>
"""


def _host_page(request: Request) -> HTMLResponse:
    q = request.query_params
    snippet = ""
    if q.get("parley"):
        attrs = {
            "src": q["parley"].rstrip("/") + "/widget.js",
            "data-site-key": q.get("siteKey", ""),
            "data-position": q.get("position", "bottom-right"),
            "data-locale": q.get("locale", "en"),
        }
        rendered = " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs.items())
        snippet = f"<script {rendered} async></script>"
    extra_css = HOSTILE_CSS if q.get("hostile") == "1" else ""
    return HTMLResponse(HOST_PAGE.format(snippet=snippet, extra_css=extra_css))


def _no_icon(request: Request) -> Response:
    return Response(status_code=204)  # keeps "404 favicon.ico" out of the console logs


@dataclass
class HostSite:
    """A tiny website on two ports of 127.0.0.1, i.e. two origins different from Parley's.

    `allowed_origin` is the one tests put in their organisation's allow-list;
    `foreign_origin` is never allowed."""

    allowed_port: int
    foreign_port: int

    @property
    def allowed_origin(self) -> str:
        return f"http://127.0.0.1:{self.allowed_port}"

    @property
    def foreign_origin(self) -> str:
        return f"http://127.0.0.1:{self.foreign_port}"

    def page_url(
        self,
        *,
        site_key: str | None,
        parley: str,
        origin: str | None = None,
        locale: str = "en",
        hostile: bool = False,
    ) -> str:
        """The host page embedding the widget (`site_key` None: the page without it)."""
        params: dict[str, str] = {}
        if site_key is not None:
            params = {"siteKey": site_key, "parley": parley, "locale": locale}
        if hostile:
            params["hostile"] = "1"
        base = origin or self.allowed_origin
        return f"{base}/shop?{urlencode(params)}"


@contextlib.asynccontextmanager
async def run_host_site() -> AsyncIterator[HostSite]:
    """Serve the host pages with uvicorn on the current loop, on two ports at once."""
    app = Starlette(routes=[Route("/shop", _host_page), Route("/favicon.ico", _no_icon)])
    sockets = [listening_socket(), listening_socket()]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=2)
    try:
        async with running(
            config, name="widget host site", stop_within=STARTUP_TIMEOUT, sockets=sockets
        ):
            ports = [s.getsockname()[1] for s in sockets]
            yield HostSite(allowed_port=ports[0], foreign_port=ports[1])
    finally:
        for s in sockets:
            s.close()


# --- the network between the browser and Parley ----------------------------------------------


@dataclass(eq=False)  # compared (and hashed) by identity: one per connection
class _Link:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter

    def abort(self) -> None:
        for writer in (self.client, self.upstream):
            writer.transport.abort()

    @property
    def closing(self) -> bool:
        return self.client.transport.is_closing() and self.upstream.transport.is_closing()


class TcpProxy:
    """A TCP proxy in front of Parley that a test can cut.

    `drop()` resets every open connection (REST keep-alives and the WebSocket alike) and
    makes new ones fail at once (accepted, then reset): to the browser the server is gone.
    `restore()` lets connections through again. `request_lines` holds the first line sent on
    each connection that got through, e.g. `GET /ws/widget HTTP/1.1`, so a test can check
    that the widget's traffic really went through the proxy.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.refusing = False
        self.request_lines: list[str] = []
        self.refused = 0
        self._links: set[_Link] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def drop(self) -> None:
        """Cut every connection now and refuse new ones until `restore()`."""
        self.refusing = True
        for link in list(self._links):
            link.abort()
        self._links.clear()

    def restore(self) -> None:
        self.refusing = False

    def saw(self, request_line_prefix: str) -> bool:
        return any(line.startswith(request_line_prefix) for line in self.request_lines)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        self.drop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.transport.abort()
            return
        link = _Link(client=writer, upstream=up_writer)
        if self.refusing:  # cut while we were connecting upstream
            link.abort()
            return
        self._links.add(link)
        to_server = asyncio.create_task(self._pipe(reader, up_writer, link, first=True))
        to_client = asyncio.create_task(self._pipe(up_reader, writer, link, first=False))
        for task in (to_server, to_client):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        link: _Link,
        *,
        first: bool,
    ) -> None:
        pending_line = first
        try:
            while data := await reader.read(65536):
                if pending_line:
                    self.request_lines.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
                    pending_line = False
                writer.write(data)
                await writer.drain()
        except OSError:
            # Reset (by `drop()` or by a peer): reset the other side too.
            self._links.discard(link)
            link.abort()
            return
        # An orderly end: pass it on once what was written is flushed; the other direction
        # then sees its own end and closes its side (the link stays cuttable until then).
        writer.close()
        if link.closing:
            self._links.discard(link)


# --- the agent's side ----------------------------------------------------------------------


@dataclass
class AgentDesk:
    """An agent acting through the real HTTP API of the live server."""

    http: httpx.AsyncClient
    token: str

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, status: int = 200
    ) -> Any:
        response = await self.http.request(method, path, json=body)
        assert response.status_code == status, f"{method} {path}: {response.text}"
        return response.json() if response.content else None

    async def claim(self, conversation_id: int) -> Frame:
        return await self.call("POST", f"/api/conversations/{conversation_id}/claim")

    async def say(self, conversation_id: int, body: str, *, internal: bool = False) -> Frame:
        payload = {"body": body, "clientMessageId": uuid.uuid4().hex, "isInternal": internal}
        path = f"/api/conversations/{conversation_id}/messages"
        return await self.call("POST", path, payload, status=201)

    async def messages(self, conversation_id: int) -> list[Frame]:
        """Every message of the conversation the agents see (internal notes included)."""
        path = f"/api/conversations/{conversation_id}/messages?limit=200"
        return list((await self.call("GET", path))["items"])

    async def escalate(self, conversation_id: int, **options: Any) -> Frame:
        path = f"/api/tickets/from-chat/{conversation_id}"
        return await self.call("POST", path, options, status=201)

    async def ticket(self, ref: str) -> Frame:
        return dict((await self.call("GET", f"/api/tickets/{ref}"))["ticket"])

    async def respond(self, ref: str, content: str, *, internal: bool = False) -> Frame:
        body = {"content": content, "isInternal": internal}
        return await self.call("POST", f"/api/tickets/{ref}/responses", body, status=201)

    async def set_status(self, ref: str, status: str) -> Frame:
        return await self.call("PATCH", f"/api/tickets/{ref}/status", {"status": status})

    async def widget_token(self, contact_id: int) -> str:
        path = f"/api/contacts/{contact_id}/widget-token"
        return str((await self.call("POST", path, status=201))["token"])


async def frame_matching(ws: WS, match: Callable[[Frame], bool], *, within: float = LIVE) -> Frame:
    """The first frame (of any type, presence included) `match` accepts; others are dropped.
    Fails with what was received when none arrives within `within` seconds."""
    seen: list[Frame] = []
    try:
        async with asyncio.timeout(within):
            while True:
                frame = await ws.recv(skip=(), within=within)
                seen.append(frame)
                if match(frame):
                    return frame
    except TimeoutError:
        raise AssertionError(f"no matching frame within {within} s; received {seen}") from None


def is_event(name: str) -> Callable[[Frame], bool]:
    return lambda frame: frame.get("type") == "event" and frame.get("event") == name


def composing(channel: str, person: str, value: bool) -> Callable[[Frame], bool]:
    """A presence frame on `channel` saying `person` is (or is not) composing."""

    def match(frame: Frame) -> bool:
        if frame.get("type") != "presence" or frame.get("channel") != channel:
            return False
        entries = frame.get("snapshot") or [*frame.get("joined", []), *frame.get("updated", [])]
        return any(e.get("person") == person and e.get("composing") is value for e in entries)

    return match


# --- colour contrast (WCAG 2) ---------------------------------------------------------------

RGB = tuple[float, float, float]
AA = 4.5  # WCAG 2 level AA, normal text


def luminance(rgb: RGB) -> float:
    """WCAG 2's relative luminance of an sRGB colour (channels 0..255)."""

    def lin(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: RGB, b: RGB) -> float:
    """WCAG 2's contrast ratio, 1 to 21."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def hex_rgb(colour: str) -> RGB:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


# An element's text as getComputedStyle has it: the colour (with alpha), the product of the
# opacities from the element up to the nearest opaque background (they fade the text into it),
# that background, the opacity above it (which would fade both into whatever is behind), and
# whether a translucent background lies in between.
_TEXT_ON_JS = """(el) => {
  const rgba = (s) => {
    const p = s.match(/rgba?\\(([^)]*)\\)/)[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return p.length > 3 ? p : [...p, 1];
  };
  const up = (node) => node.parentElement || node.getRootNode().host || null;
  let opacity = 1, translucent = false, node = el;
  for (; node; node = up(node)) {
    const style = getComputedStyle(node);
    const bg = rgba(style.backgroundColor);
    if (bg[3] === 1) break;
    if (bg[3] > 0) translucent = true;
    opacity *= Number(style.opacity);
  }
  if (!node) return null;
  const background = rgba(getComputedStyle(node).backgroundColor).slice(0, 3);
  let above = 1;
  for (let n = node; n; n = up(n)) above *= Number(getComputedStyle(n).opacity);
  return {color: rgba(getComputedStyle(el).color), opacity, background, above, translucent,
          text: el.textContent};
}"""


async def text_contrast(element: Locator) -> tuple[float, dict[str, Any]]:
    """The contrast of an element's text against its background as the page draws it: the
    text colour blended into the background by its alpha and every opacity in between.
    Returns the ratio and what it was computed from."""
    seen: dict[str, Any] | None = await element.evaluate(_TEXT_ON_JS)
    assert seen is not None, "no opaque background behind the element"
    assert seen["above"] == 1 and not seen["translucent"], f"cannot measure: {seen}"
    *rgb, alpha = seen["color"]
    a = alpha * seen["opacity"]
    bg = seen["background"]
    drawn = (
        rgb[0] * a + bg[0] * (1 - a),
        rgb[1] * a + bg[1] * (1 - a),
        rgb[2] * a + bg[2] * (1 - a),
    )
    return contrast(drawn, (bg[0], bg[1], bg[2])), seen


# --- the widget in a page ------------------------------------------------------------------


class Widget:
    """The widget in a host page, addressed by its `data-parley` DOM contract (Playwright's
    CSS locators pierce the widget's open shadow root)."""

    def __init__(self, page: Page, log: PageLog) -> None:
        self.page = page
        self.log = log

    def part(self, name: str, within: Locator | None = None) -> Locator:
        scope: Page | Locator = within if within is not None else self.page
        return scope.locator(f"[data-parley={name}]")

    @property
    def launcher(self) -> Locator:
        return self.part("launcher")

    @property
    def panel(self) -> Locator:
        return self.part("panel")

    @property
    def messages(self) -> Locator:
        return self.part("message")

    def message(self, text: str, author: str | None = None) -> Locator:
        """The chat message(s) whose body is exactly `text` (and by `author`, if given)."""
        selector = "[data-parley=message]"
        if author is not None:
            selector += f'[data-author="{author}"]'
        body = self.page.locator("[data-parley=body]", has_text=exact(text))
        return self.page.locator(selector).filter(has=body)

    async def goto(self, url: str) -> None:
        await self.page.goto(url)

    async def open(self) -> None:
        """Click the launcher and wait for the panel."""
        await expect(self.launcher).to_be_visible(timeout=LIVE_MS)
        await self.launcher.click()
        await expect(self.panel).to_be_visible(timeout=LIVE_MS)

    async def start_chat(self, *, name: str, email: str, message: str) -> None:
        prechat = self.part("prechat")
        await expect(prechat).to_be_visible(timeout=LIVE_MS)
        await prechat.locator("input[name=name]").fill(name)
        await prechat.locator("input[name=email]").fill(email)
        await prechat.locator("textarea[name=message]").fill(message)
        await self.part("start-chat").click()

    async def send(self, text: str) -> None:
        """Type into the composer (key by key, so typing is signalled) and press send."""
        composer = self.part("composer")
        await composer.fill("")
        await composer.press_sequentially(text)
        await self.part("send").click()

    async def shadow_text(self) -> str:
        """All text inside the widget's shadow root, hidden parts included."""
        return str(
            await self.page.evaluate(
                "() => { const h = document.getElementById('parley-widget');"
                " return h && h.shadowRoot ? h.shadowRoot.textContent : ''; }"
            )
        )

    async def screenshot(self, name: str) -> Path:
        path = widget_artifacts_dir() / f"{name}.png"
        await self.page.screenshot(path=str(path))
        return path

    def assert_no_page_errors(self) -> None:
        """An uncaught exception or unhandled rejection in the widget is a bug, whatever
        the test was about."""
        assert not self.log.errors, "uncaught errors in the page:\n" + "\n".join(self.log.errors)


# The `new_widget` fixture: opens another customer's page, in a fresh browser context.
OpenWidget = Callable[[], Awaitable[Widget]]


# --- one test's organisation -----------------------------------------------------------------


@dataclass
class Shop:
    """One test's organisation, whose widget may run on the host site's allowed origin, and
    its agent at the desk (HTTP API on the live server)."""

    team: Team
    desk: AgentDesk
    host: HostSite
    server: LiveServer

    @property
    def site_key(self) -> str:
        return str(self.team.org.site_key)

    @property
    def agent_token(self) -> str:
        return self.desk.token

    @property
    def agent_name(self) -> str:
        return str(self.team.agent.name)

    def page_url(
        self, *, via: TcpProxy | None = None, locale: str = "en", hostile: bool = False
    ) -> str:
        """The host page (allowed origin) embedding this organisation's widget, loaded from
        Parley directly or through `via`."""
        parley = via.url if via is not None else self.server.http_url
        return self.host.page_url(
            site_key=self.site_key, parley=parley, locale=locale, hostile=hostile
        )

    @contextlib.asynccontextmanager
    async def agent_online(self) -> AsyncIterator[WS]:
        """The agent's `/ws` socket subscribed to `queue`: the agent is online, so
        `/api/embed/config` says `availableNow: true` (open it before the page loads)."""
        async with session(self.server.ws_url, self.agent_token) as ws:
            await subscribe(ws, "queue")
            yield ws


@dataclass(frozen=True)
class Chat:
    conversation_id: int
    contact_id: int
    first_message: str

    @property
    def channel(self) -> str:
        return f"conversation:{self.conversation_id}"

    @property
    def person(self) -> str:
        return f"contact:{self.contact_id}"


async def subscribe(ws: WS, channel: str) -> Frame:
    """Subscribe and wait for the `subscribed` answer (events of other channels may arrive
    first; they are dropped)."""
    await ws.send({"type": "subscribe", "channel": channel})

    def answer(frame: Frame) -> bool:
        return frame.get("type") == "error" or (
            frame.get("type") == "subscribed" and frame.get("channel") == channel
        )

    frame = await frame_matching(ws, answer)
    assert frame["type"] == "subscribed", f"subscribing to {channel}: {frame}"
    return frame


async def start_chat(
    shop: Shop, widget: Widget, agent_ws: WS, *, name: str = "Rita Customer"
) -> Chat:
    """The customer opens the panel and starts a chat through the pre-chat form; the agent's
    queue socket sees it. Returns the conversation, once the widget shows the first message
    as sent (not pending)."""
    first = unique("My parcel never arrived")
    await widget.open()
    await widget.start_chat(name=name, email=f"{unique('rita')}@example.com", message=first)
    created = await frame_matching(agent_ws, is_event("conversation.created"))
    conversation = created["data"]["conversation"]
    mine = widget.message(first, author="contact")
    await expect(mine).to_have_count(1, timeout=LIVE_MS)
    await expect(mine).not_to_have_attribute("data-pending", "true", timeout=LIVE_MS)
    return Chat(
        conversation_id=int(conversation["id"]),
        contact_id=int(conversation["contact"]["id"]),
        first_message=first,
    )
