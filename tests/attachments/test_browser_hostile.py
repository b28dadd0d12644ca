"""The hostile corpus opened in a real browser, as an agent and as a customer: no script runs.

Every file of tests/attachments/hostile_files.py is uploaded through the live server's HTTP
stack, by an agent and by a widget visitor: what the corpus says is refused gets 415
`file_type_not_allowed`, the rest is stored as the type it names. Then every accepted file
(the HTML/PDF and HTML/ZIP polyglots, SVGs with scripts, images with HTML inside, …) is opened
as a user opens it: the page the user is on (the signed-in console; a shop's page with the
widget, whose panel made the visitor's session) asks for a fresh signed link with the token it
holds, and a tab beside it goes there. Raster images Pillow decoded must render as an image
document; everything else must download without rendering anything. The images' thumbnails
are drawn in the user's page as `<img>`s.

How "no script ran" is seen, whatever a payload does (`Tab`): before the tab's first
navigation a CDP session turns the debugger on, and V8 reports every script it compiles (an
inline `<script>`, an `on…` handler, a `javascript:` URL) with the world it is for. A script
in the tab's main world is script a document ran (Playwright's own utility world is an
isolated one). Besides: any dialog, any request other than the file itself (and a favicon),
any popup. `test_the_probe_sees_script_run_and_parleys_headers_stop_it` proves the probe works
on the bytes a hostile page would carry: without Parley's headers it sees the scripts, the
handlers, the dialogs and the request that steals the cookie; with them it sees nothing, while
Chromium says it blocked each script (so nothing was missed for want of a document).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.async_api import (
    CDPSession,
    Dialog,
    Download,
    Page,
    Response,
    expect,
)
from playwright.async_api import (
    Error as PlaywrightError,
)

from server.attachments.download import safe_headers
from tests.attachments.hostile_files import HTML, REFUSED, HostileFile, corpus
from tests.console import conftest as console_fixtures
from tests.console.harness import AgentLogin, OpenConsole
from tests.support.browser import LIVE, LIVE_MS, PageLog, Pages, browser_marks
from tests.widget.harness import Shop, Widget

pytestmark = browser_marks()

# The console's own fixtures (an agent with a password; the console signed in through its login
# form), for this folder's one console test.
ada = console_fixtures.ada
new_console = console_fixtures.new_console

CORPUS = corpus()
ACCEPTED = [entry for entry in CORPUS if entry.expect != REFUSED]
INLINE = [entry for entry in ACCEPTED if entry.inline]
# The issue asks for at least 50 hostile files opened in the browser (the refused ones cannot be).
assert len(ACCEPTED) >= 50, len(ACCEPTED)
# Tabs opening files at once: enough to keep two cores busy.
TABS_AT_ONCE = 4


# --- the probe: a tab beside the user's page, every sign of script in it ----------------------


@dataclass
class Opening:
    """What a tab did with one URL."""

    url: str
    response: Response | None = None  # the answer for `url`, as the browser received it
    headers: dict[str, str] = field(default_factory=dict)
    download: Download | None = None
    document_url: str = ""  # what the tab shows afterwards, and its type
    document_type: str = ""
    scripts: list[str] = field(default_factory=list)  # compiled in the main world
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every request the tab made
    popups: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def signs_of_script(self) -> list[str]:
        """Everything that shows script ran in the tab; empty when none did."""
        own = urlsplit(self.url)
        others = [
            url
            for url in self.requests
            if url != self.url
            and not (urlsplit(url)[:2] == own[:2] and urlsplit(url).path == "/favicon.ico")
        ]
        return [
            *(f"script compiled: {s}" for s in self.scripts),
            *(f"dialog: {d!r}" for d in self.dialogs),
            *(f"request: {r}" for r in others),
            *(f"popup: {p}" for p in self.popups),
        ]


class Tab:
    """A tab of the user's browser (a new one, beside the page they are on) that opens URLs
    one after another, as following a link would, and records what each did.

    Its CDP session turns the debugger on once, before any navigation, so no compiled script
    can be missed; pauses are skipped (a `debugger;` statement must not hang the tab). After a
    URL has loaded (or its download began), one more command on the same session is a
    barrier: every event the renderer sent before it has arrived (a handler that fires on
    `load`, `pageshow` or an autofocus is compiled by then: the probe's own test shows it).
    Then the tab goes back to about:blank, so the next URL gets a fresh document. (What a
    document could run only as it goes away is out of sight; a document allowed to run it
    would have run its own scripts already.)"""

    def __init__(self, page: Page, cdp: CDPSession) -> None:
        self.page = page
        self.cdp = cdp
        self.opening = Opening("about:blank")
        loop = asyncio.get_running_loop()
        self._answered: asyncio.Future[Response] = loop.create_future()
        self._downloaded: asyncio.Future[Download] = loop.create_future()

    @classmethod
    async def beside(cls, page: Page) -> Tab:
        """A new tab in `page`'s browser context, watched from before its first navigation."""
        context = page.context
        new = await context.new_page()
        tab = cls(new, await context.new_cdp_session(new))
        tab.cdp.on("Debugger.scriptParsed", tab._parsed)
        await tab.cdp.send("Debugger.enable")
        await tab._settled()
        new.on("dialog", tab._dialog)
        new.on("request", lambda r: tab.opening.requests.append(r.url))
        new.on("popup", lambda p: tab.opening.popups.append(p.url))
        new.on("console", lambda m: tab.opening.console.append(m.text))
        new.on("response", tab._response)
        new.on("download", tab._download)
        return tab

    async def open(self, url: str) -> Opening:
        """Go to `url`; what happened, once the document it made (if any) is gone again."""
        loop = asyncio.get_running_loop()
        self._answered, self._downloaded = loop.create_future(), loop.create_future()
        opening = self.opening = Opening(url)
        try:
            await self.page.goto(url)
        except PlaywrightError as exc:
            if "Download is starting" not in exc.message:
                raise
            opening.download = await asyncio.wait_for(self._downloaded, LIVE)
        opening.response = await asyncio.wait_for(self._answered, LIVE)
        opening.headers = await opening.response.all_headers()
        await self._settled()
        frame = (await self.cdp.send("Page.getFrameTree"))["frameTree"]["frame"]
        opening.document_url, opening.document_type = frame["url"], frame.get("mimeType", "")
        await self.page.goto("about:blank")
        await self._settled()
        return opening

    async def _settled(self) -> None:
        await self.cdp.send("Debugger.setSkipAllPauses", {"skip": True})

    def _parsed(self, event: dict[str, Any]) -> None:
        world = event.get("executionContextAuxData") or {}
        if world.get("isDefault"):
            self.opening.scripts.append(event.get("url") or f"({event.get('length')} chars)")

    async def _dialog(self, dialog: Dialog) -> None:
        self.opening.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(PlaywrightError):
            await dialog.dismiss()

    def _response(self, response: Response) -> None:
        if (
            response.url == self.opening.url
            and response.request.frame == self.page.main_frame
            and not self._answered.done()
        ):
            self._answered.set_result(response)

    def _download(self, download: Download) -> None:
        if not self._downloaded.done():
            self._downloaded.set_result(download)


# --- the positive control ---------------------------------------------------------------------

# The page a hostile upload would be: a script that reads the cookie, calls home and alerts,
# and handlers that fire late (on load, after load, on an autofocus).
CONTROL_PAGE = HTML.replace(
    b"<body>",
    b"<body onpageshow=\"alert('pageshow')\"><script>fetch('/stolen?c=' + document.cookie)</script>"
    b"<svg onload=\"alert('svg')\"></svg><input autofocus onfocus=\"alert('focus')\">",
)
CONTROL_ORIGIN = "http://files.control.test"


async def test_the_probe_sees_script_run_and_parleys_headers_stop_it(pages: Pages) -> None:
    """The same hostile page three ways, in one tab (so also: nothing of one page is counted
    against the next). Served as a plain page, the probe sees each script and handler
    compiled, each dialog, and the request that steals the cookie. Served inline with
    Parley's headers for a file (the sandboxing Content-Security-Policy), the probe sees
    nothing, and Chromium reports each script it refused to run. Served exactly as Parley
    serves a non-image file, it is a download and no document exists at all."""
    page, _ = await pages.open()
    served: dict[str, dict[str, str]] = {
        "/plain.html": {"Content-Type": "text/html"},
        "/sandboxed.html": safe_headers("text/html", "control.html", inline=True),
        "/control.zip": safe_headers("application/zip", "control.zip", inline=False),
    }

    async def serve(route: Any) -> None:
        path = urlsplit(route.request.url).path
        if path in served:
            await route.fulfill(status=200, headers=served[path], body=CONTROL_PAGE)
        else:
            await route.fulfill(status=204)

    await page.context.route(CONTROL_ORIGIN + "/**", serve)

    tab = await Tab.beside(page)
    plain = await tab.open(CONTROL_ORIGIN + "/plain.html")
    assert len(plain.scripts) == 5, plain  # two <script>s and three handlers
    assert sorted(plain.dialogs) == [
        "alert: ",  # alert(document.cookie): no cookie on this origin
        "alert: focus",
        "alert: pageshow",
        "alert: svg",
    ], plain
    assert CONTROL_ORIGIN + "/stolen?c=" in plain.requests, plain
    assert len(plain.signs_of_script()) == 10, plain.signs_of_script()

    sandboxed = await tab.open(CONTROL_ORIGIN + "/sandboxed.html")
    assert sandboxed.document_type == "text/html", sandboxed  # rendered, yet nothing ran
    assert sandboxed.signs_of_script() == [], sandboxed
    blocked = [line for line in sandboxed.console if line.startswith("Blocked script execution")]
    assert len(blocked) == 5, sandboxed.console

    download = await tab.open(CONTROL_ORIGIN + "/control.zip")
    assert download.download is not None and download.document_url == "about:blank", download
    assert download.signs_of_script() == [], download


# --- uploading the corpus ---------------------------------------------------------------------


async def upload_corpus(
    http: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Upload every corpus file, one request each; check each answer against the corpus.
    Returns the stored attachments of the accepted ones, by corpus name."""
    stored: dict[str, dict[str, Any]] = {}
    wrong: list[str] = []
    for entry in CORPUS:
        answer = await http.post(path, headers=headers, files=[("file", (entry.name, entry.data))])
        if entry.expect == REFUSED:
            code = answer.json().get("error", {}).get("code") if answer.content else None
            if (answer.status_code, code) != (415, "file_type_not_allowed"):
                wrong.append(f"{entry.name!r}: {answer.status_code} {answer.text[:200]}")
            continue
        if answer.status_code != 201:
            wrong.append(f"{entry.name!r}: {answer.status_code} {answer.text[:200]}")
            continue
        (attachment,) = answer.json()["attachments"]
        if (attachment["contentType"], attachment["image"]) != (entry.expect, entry.inline):
            wrong.append(f"{entry.name!r}: stored as {attachment} ({entry.why})")
        stored[entry.name] = attachment
    assert not wrong, f"{len(wrong)} of {len(CORPUS)} uploads answered wrongly:\n" + "\n".join(
        wrong
    )
    return stored


# --- opening the files, as one audience --------------------------------------------------------

# In the user's page: a fresh signed link, asked for with the token the page keeps.
FRESH_LINK = """async ([url, storageKey]) => {
  const token = JSON.parse(localStorage.getItem(storageKey)).token;
  const res = await fetch(url, {method: "POST", headers: {Authorization: `Bearer ${token}`}});
  return {status: res.status, body: await res.json()};
}"""

# In the user's page: each thumbnail fetched with the page's token and drawn as an <img> from a
# data: URL (the console's Content-Security-Policy allows data: images, not blob:).
DRAW_THUMBNAILS = """async ([urls, storageKey]) => {
  const token = JSON.parse(localStorage.getItem(storageKey)).token;
  const shelf = document.createElement("div");
  shelf.id = "hostile-thumbnails";
  document.body.append(shelf);
  const drawn = [];
  for (const url of urls) {
    const res = await fetch(url, {headers: {Authorization: `Bearer ${token}`}});
    const blob = await res.blob();
    const src = await new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
    const img = new Image();
    img.src = src;
    shelf.append(img);
    let decoded = true;
    try { await img.decode(); } catch { decoded = false; }
    drawn.push({url, status: res.status, type: blob.type, decoded, width: img.naturalWidth,
                headers: Object.fromEntries(res.headers)});
  }
  return drawn;
}"""


@dataclass
class Audience:
    """Who opens the files, from which page: where its API is and where the page keeps its
    token."""

    name: str
    page: Page
    log: PageLog
    api: str  # Parley's URL as the page reaches it
    upload_path: str
    link_path: Callable[[int], str]
    thumbnail_path: Callable[[int], str]
    storage_key: str  # localStorage key of the page's {token: …}
    upload_headers: dict[str, str] = field(default_factory=dict)

    async def token(self) -> str:
        stored = await self.page.evaluate(
            "(key) => JSON.parse(localStorage.getItem(key) || '{}').token || null",
            self.storage_key,
        )
        assert stored, f"{self.name}: the page holds no token under {self.storage_key}"
        return str(stored)

    async def fresh_link(self, attachment_id: int) -> str:
        url = self.api + self.link_path(attachment_id)
        answer = await self.page.evaluate(FRESH_LINK, [url, self.storage_key])
        assert answer["status"] == 200, (self.name, attachment_id, answer)
        return str(answer["body"]["url"])


def problems_with(entry: HostileFile, stored: dict[str, Any], opening: Opening) -> list[str]:
    """What is wrong with how the browser got and showed one file (empty: all is well)."""
    seen: list[str] = [*opening.signs_of_script()]
    headers, response = opening.headers, opening.response
    if response is None or response.status != 200:
        seen.append(f"answer: {response.status if response else None}")
    if headers.get("x-content-type-options") != "nosniff":
        seen.append(f"X-Content-Type-Options: {headers.get('x-content-type-options')!r}")
    policy = [d.strip() for d in headers.get("content-security-policy", "").split(";")]
    if "sandbox" not in policy or "default-src 'none'" not in policy:
        seen.append(f"Content-Security-Policy: {headers.get('content-security-policy')!r}")
    if any(d.startswith(("script-src", "sandbox ")) for d in policy):
        seen.append(f"Content-Security-Policy loosened: {policy}")
    if headers.get("content-type", "").split(";")[0] != entry.expect:
        seen.append(f"Content-Type: {headers.get('content-type')!r}")
    disposition = headers.get("content-disposition", "")
    if disposition.split(";")[0] != ("inline" if entry.inline else "attachment"):
        seen.append(f"Content-Disposition: {disposition!r}")
    if entry.inline:
        if opening.download is not None:
            seen.append("downloaded, though an image to show inline")
        if opening.document_type != entry.expect:
            seen.append(f"the tab shows {opening.document_type!r}, not the image")
    else:
        if opening.download is None:
            seen.append("not downloaded")
        elif opening.download.suggested_filename != stored["filename"]:
            seen.append(f"downloaded as {opening.download.suggested_filename!r}")
        if opening.document_url != "about:blank":
            seen.append(f"the tab rendered {opening.document_type!r} at {opening.document_url}")
    return seen


async def check_download(entry: HostileFile, opening: Opening) -> list[str]:
    """The downloaded bytes are exactly the uploaded ones."""
    if opening.download is None:
        return []
    saved = await asyncio.to_thread(Path(await opening.download.path()).read_bytes)
    return [] if saved == entry.data else [f"downloaded {len(saved)} bytes that differ"]


@dataclass
class Tally:
    """What one audience did: files stored and refused, opened (downloaded or rendered),
    and the thumbnails its page drew (each as its in-page fetch saw it)."""

    stored: int = 0
    refused: int = 0
    downloaded: int = 0
    rendered: int = 0
    thumbnails: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.stored} stored, {self.refused} refused, {self.downloaded} downloaded,"
            f" {self.rendered} shown as images, {len(self.thumbnails)} thumbnails drawn"
        )


async def open_every_file(audience: Audience, http: httpx.AsyncClient) -> Tally:
    """Upload the corpus as the audience, open every accepted file with a fresh link in a tab
    beside the audience's page, and draw the images' thumbnails in that page; fails with
    every problem found, by file."""
    started = time.monotonic()
    stored = await upload_corpus(http, audience.upload_path, audience.upload_headers)
    tally = Tally(stored=len(stored), refused=len(CORPUS) - len(stored))
    waiting = list(ACCEPTED)
    found: dict[str, list[str]] = {}

    async def open_files(tab: Tab) -> None:
        while waiting:
            entry = waiting.pop()
            attachment = stored[entry.name]
            opening = await tab.open(await audience.fresh_link(attachment["id"]))
            seen = problems_with(entry, attachment, opening) + await check_download(entry, opening)
            if seen:
                found[entry.name] = [*seen, f"headers: {opening.headers}"]
            elif opening.download is not None:
                tally.downloaded += 1
            else:
                tally.rendered += 1
        await tab.page.close()

    tabs = [await Tab.beside(audience.page) for _ in range(TABS_AT_ONCE)]
    await asyncio.gather(*(open_files(tab) for tab in tabs))
    assert not found, f"{audience.name}: {len(found)} files misbehaved in the browser:\n" + (
        "\n".join(f"{name!r}: {seen}" for name, seen in found.items())
    )

    images = [stored[e.name]["id"] for e in INLINE]
    urls = [audience.api + audience.thumbnail_path(i) for i in images]
    drawn = await audience.page.evaluate(DRAW_THUMBNAILS, [urls, audience.storage_key])
    bad = [d for d in drawn if d["status"] != 200 or not d["decoded"] or d["width"] < 1]
    assert not bad, f"{audience.name}: thumbnails not drawn: {bad}"
    images_drawn = audience.page.locator("#hostile-thumbnails img")
    await expect(images_drawn).to_have_count(len(images), timeout=LIVE_MS)
    tally.thumbnails = drawn
    assert audience.log.dialogs == [], audience.log.dialogs
    print(f"{audience.name}: {tally}, in {time.monotonic() - started:.1f} s")
    return tally


# --- the two audiences --------------------------------------------------------------------------


async def test_hostile_files_opened_from_the_console_run_no_script(
    shop: Shop,
    ada: AgentLogin,
    new_console: OpenConsole,
) -> None:
    """An agent signed in to the console opens every accepted file of the corpus in a new
    tab, with a fresh link the console page asks for; the images' thumbnails are drawn in the
    console. Nothing runs: not in the tabs, not in the console."""
    console = await new_console(ada)
    audience = Audience(
        name="console",
        page=console.page,
        log=console.log,
        api=console.base_url,
        upload_path="/api/attachments",
        link_path=lambda i: f"/api/attachments/{i}/link",
        thumbnail_path=lambda i: f"/api/attachments/{i}/thumbnail",
        storage_key="parley:console:v1",
    )
    audience.upload_headers = {"Authorization": f"Bearer {await audience.token()}"}
    async with httpx.AsyncClient(base_url=console.base_url, timeout=30) as http:
        tally = await open_every_file(audience, http)
    # The thumbnails are Parley's own PNG or JPEG, served as safely as the files.
    for thumbnail in tally.thumbnails:
        assert thumbnail["type"] in ("image/png", "image/jpeg"), thumbnail
        assert thumbnail["headers"]["x-content-type-options"] == "nosniff", thumbnail
        assert thumbnail["headers"]["content-security-policy"].startswith("sandbox"), thumbnail
    assert (tally.downloaded, tally.rendered) == (len(ACCEPTED) - len(INLINE), len(INLINE))
    console.assert_no_page_errors()


async def test_hostile_files_opened_from_the_widget_run_no_script(
    shop: Shop, widget: Widget
) -> None:
    """A customer on the shop's page opens the widget (which makes their session), uploads
    the corpus with the widget's token, and opens every accepted file in a new tab with a
    fresh link the page asks for; the images' thumbnails are drawn in the shop's page.
    Nothing runs: not in the tabs, not in the shop's page."""
    await widget.goto(shop.page_url())
    await widget.open()
    storage_key = f"parley:v1:{shop.site_key}"
    await widget.page.wait_for_function(
        "(key) => !!JSON.parse(localStorage.getItem(key) || '{}').token", arg=storage_key
    )
    audience = Audience(
        name="widget",
        page=widget.page,
        log=widget.log,
        api=shop.server.http_url,
        upload_path="/api/embed/attachments",
        link_path=lambda i: f"/api/embed/attachments/{i}/link",
        thumbnail_path=lambda i: f"/api/embed/attachments/{i}/thumbnail",
        storage_key=storage_key,
    )
    audience.upload_headers = {
        "Authorization": f"Bearer {await audience.token()}",
        "Origin": shop.host.allowed_origin,  # as the widget's own requests
    }
    async with httpx.AsyncClient(base_url=shop.server.http_url, timeout=30) as http:
        tally = await open_every_file(audience, http)
    # Cross-origin, the page reads only the type of a thumbnail (the rest is not exposed).
    assert all(t["type"] in ("image/png", "image/jpeg") for t in tally.thumbnails), tally
    assert (tally.downloaded, tally.rendered) == (len(ACCEPTED) - len(INLINE), len(INLINE))
    widget.assert_no_page_errors()
