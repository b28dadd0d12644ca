"""The agent console as a page object, and the pieces its browser tests are built from.

Why each exists:
- `Console` drives the console only through its DOM contract (`data-console` attributes and
  hash routes such as `#/tickets/REF`), so a test reads as what an agent does (sign in, open
  the queue, claim, reply, open a ticket) and survives any change of markup or styling.
- `AgentLogin` is an agent with a known password: the console is entered through its login
  form, never with a token planted in storage, so the sign-in path is exercised every time.
- `SocketGate` stands between one console page and `/ws` (Playwright's WebSocket routing) and
  can hold the frames the server sends: a slow network made on purpose, so a test can make a
  real race (a chat claimed by someone else while this console still shows it waiting) happen
  every time instead of now and then.
- `tab_to` reaches a control with the Tab key only: the keyboard-only flows must not depend on
  a mouse click hiding in a helper.
- `availability` asks `/api/embed/config`, as a customer's widget would, whether anyone can
  chat now: the console's online/away toggle must change that answer, and a test waits for
  the consoles to be online before the customer arrives (else the widget offers a form).
- `watch_for` timestamps, inside the page, the moment something first appears, so the time a
  new chat took to reach a queue can be reported exactly (it is printed, never asserted).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from playwright.async_api import Locator, Page, Response, WebSocketRoute, expect

from tests.notify.test_inbound import mail, signed
from tests.support.browser import LIVE, LIVE_MS, PageLog, artifacts_dir
from tests.support.wait import wait_until
from tests.widget.harness import Shop, Widget, exact, unique

__all__ = [
    "REFERENCE",
    "AgentLogin",
    "Console",
    "CustomerChat",
    "OpenConsole",
    "SocketGate",
    "availability",
    "console_artifacts_dir",
    "create_ticket",
    "customer_replies_to_ticket",
    "customer_starts_chat",
    "exact",
    "first_seen_ms",
    "tab_to",
    "unique",
    "wait_for_availability",
    "watch_for",
    "watch_page",
]

REFERENCE = re.compile(r"^[A-Z][A-Z0-9]*-\d+$")


def console_artifacts_dir() -> Path:
    """Where the console's screenshots go: `<artifacts>/console/`, where `<artifacts>` is
    `$PARLEY_ARTIFACTS_DIR` when set, else `<repo>/artifacts/`. A folder of its own, so the
    console's pictures (and its failure captures) never mix with the widget's."""
    return artifacts_dir("console")


@dataclass(frozen=True)
class AgentLogin:
    """An agent of the test's organisation with a known password (made by the factories)."""

    id: int
    name: str
    email: str
    password: str

    @property
    def person(self) -> str:
        """How presence names this agent (`data-person` on a viewer avatar)."""
        return f"agent:{self.id}"


class SocketGate:
    """Holds (or lets through) what the server sends to one console page over `/ws`.

    Installed on a page before the console opens its socket; while `hold()` is in force,
    frames from the server are queued instead of delivered, and `release()` delivers them in
    order. Frames from the page to the server always pass. The console cannot tell this from a
    slow network."""

    def __init__(self) -> None:
        self.holding = False
        self.routes: list[WebSocketRoute] = []
        self._held: list[tuple[WebSocketRoute, str | bytes]] = []

    async def install(self, page: Page) -> None:
        await page.route_web_socket(lambda url: urlparse(url).path == "/ws", self._route)

    def _route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        self.routes.append(ws)

        def from_server(message: str | bytes) -> None:
            if self.holding:
                self._held.append((ws, message))
            else:
                ws.send(message)

        server.on_message(from_server)

    def hold(self) -> None:
        self.holding = True

    def release(self) -> None:
        self.holding = False
        held, self._held = self._held, []
        for ws, message in held:
            ws.send(message)

    @property
    def held(self) -> int:
        return len(self._held)


async def tab_to(page: Page, target: Locator, *, presses: int = 120) -> None:
    """Press Tab (only Tab) until `target` has the focus; fails if it never does. The
    keyboard-only tests reach every control this way, as a keyboard user would. The target is
    looked up again before every press: a live list may redraw the element meanwhile."""
    for _ in range(presses):
        focused = await target.evaluate(
            "(el) => document.activeElement === el || el.contains(document.activeElement)"
        )
        if focused:
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"{presses} presses of Tab never reached {target}")


def watch_page(page: Page, log: PageLog) -> None:
    """Record what a console page says (console lines, uncaught errors, dialogs) and every
    HTTP answer of 400 or more it gets: a failed test's log then names the failing call."""
    log.attach(page)

    def answered(response: Response) -> None:
        if response.status >= 400:
            log.console.append(f"[http {response.status}] {response.request.method} {response.url}")

    page.on("response", answered)


class Console:
    """The agent console in one page, addressed by its `data-console` DOM contract."""

    def __init__(
        self,
        page: Page,
        log: PageLog,
        *,
        base_url: str,
        agent: AgentLogin,
        gate: SocketGate | None = None,
    ) -> None:
        self.page = page
        self.log = log
        self.base_url = base_url.rstrip("/")
        self.agent = agent
        self.gate = gate
        self.closed = False

    # --- addressing ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"{self.base_url}/console/"

    def part(self, name: str, within: Locator | None = None) -> Locator:
        scope: Page | Locator = within if within is not None else self.page
        return scope.locator(f"[data-console={name}]")

    @property
    def error(self) -> Locator:
        return self.part("error")

    def waiting_item(self, conversation_id: int) -> Locator:
        return self.page.locator(
            f'[data-console=waiting-item][data-conversation-id="{conversation_id}"]'
        )

    def chat_item(self, conversation_id: int) -> Locator:
        return self.page.locator(
            f'[data-console=chat-item][data-conversation-id="{conversation_id}"]'
        )

    def conversation(self, conversation_id: int) -> Locator:
        return self.page.locator(
            f'[data-console=conversation][data-conversation-id="{conversation_id}"]'
        )

    def message(self, text: str, *, within: Locator | None = None) -> Locator:
        """The conversation message(s) whose body is exactly `text`."""
        scope: Page | Locator = within if within is not None else self.page
        body = self.page.locator("[data-console=body]", has_text=exact(text))
        return scope.locator("[data-console=message]").filter(has=body)

    def ticket_row(self, ref: str, *, within: Locator | None = None) -> Locator:
        scope: Page | Locator = within if within is not None else self.page
        return scope.locator(f'[data-console=ticket-row][data-ref="{ref}"]')

    @property
    def ticket_list(self) -> Locator:
        return self.part("ticket-list")

    def ticket_detail(self, ref: str) -> Locator:
        return self.page.locator(f'[data-console=ticket-detail][data-ref="{ref}"]')

    def entry(self, text: str, *, within: Locator | None = None) -> Locator:
        """The ticket timeline entries whose body is exactly `text`."""
        scope: Page | Locator = within if within is not None else self.page
        body = self.page.locator("[data-console=body]", has_text=exact(text))
        return scope.locator("[data-console=entry]").filter(has=body)

    def attachment(self, filename: str, *, within: Locator | None = None) -> Locator:
        """A file shown on a reply, note, chat message or ticket, by its (stored) name."""
        scope: Page | Locator = within if within is not None else self.page
        return scope.locator(f'[data-console=attachment][data-name="{filename}"]')

    def pending_file(self, filename: str, *, within: Locator | None = None) -> Locator:
        """A file picked in a composer and not sent yet (`data-state`: queued, uploading,
        done, failed, sending)."""
        scope: Page | Locator = within if within is not None else self.page
        return scope.locator(f'[data-console=pending-file][data-name="{filename}"]')

    def viewer(self, person: str, *, within: Locator | None = None) -> Locator:
        """The avatar of another agent viewing the open ticket."""
        scope: Page | Locator = within if within is not None else self.page
        return scope.locator(f'[data-console=viewer][data-person="{person}"]')

    # --- navigation ------------------------------------------------------------------------

    async def open(self, route: str = "") -> None:
        """Load the console (optionally on a hash route such as `tickets`)."""
        await self.page.goto(self.url + (f"#/{route}" if route else ""))

    async def login(self) -> None:
        """Sign in through the login form, then wait until the console shows who is signed in
        and its socket is up (everything live depends on it)."""
        form = self.part("login")
        await expect(form).to_be_visible(timeout=LIVE_MS)
        await form.locator("input[name=email]").fill(self.agent.email)
        await form.locator("input[name=password]").fill(self.agent.password)
        await form.locator("button:not([type]), [type=submit]").click()
        await self.signed_in()

    async def signed_in(self) -> None:
        await expect(self.part("me")).to_contain_text(self.agent.name, timeout=LIVE_MS)
        await self.connected()

    async def connected(self) -> None:
        await expect(self.part("connection")).to_have_attribute(
            "data-state", "online", timeout=LIVE_MS
        )

    async def goto(self, route: str) -> None:
        """Follow a hash route (`queue`, `tickets`, `tickets/TKT-1`, `conversations/7`,
        `dashboard`) inside the running app, as a link in the console would: no reload."""
        await self.page.evaluate("(route) => { window.location.hash = '#/' + route; }", route)

    async def open_conversation(self, conversation_id: int) -> Locator:
        await self.goto(f"conversations/{conversation_id}")
        view = self.conversation(conversation_id)
        await expect(view).to_be_visible(timeout=LIVE_MS)
        return view

    async def open_ticket(self, ref: str) -> Locator:
        await self.goto(f"tickets/{ref}")
        detail = self.ticket_detail(ref)
        await expect(detail).to_be_visible(timeout=LIVE_MS)
        return detail

    async def open_ticket_list(self) -> Locator:
        await self.part("nav-tickets").click()
        await expect(self.ticket_list).to_be_visible(timeout=LIVE_MS)
        return self.ticket_list

    async def new_tab(self) -> Console:
        """Another tab of the same browser (same storage: the session is remembered)."""
        page = await self.page.context.new_page()
        watch_page(page, self.log)
        tab = Console(page, self.log, base_url=self.base_url, agent=self.agent)
        await tab.open()
        await tab.signed_in()
        return tab

    # --- actions ---------------------------------------------------------------------------

    async def reply_in_conversation(
        self, conversation_id: int, text: str, *, internal: bool = False
    ) -> None:
        """Type a message into the open conversation's reply box (key by key, so typing is
        signalled) and send it, as a public reply or (the checkbox) an internal note."""
        view = self.conversation(conversation_id)
        box = self.part("internal", within=view)
        if internal:
            await box.check()
        elif await box.count():
            await box.uncheck()
        reply = self.part("reply", within=view)
        await reply.fill("")
        await reply.press_sequentially(text)
        await self.part("send", within=view).click()

    async def close(self) -> None:
        """Close this browser context, as an agent closing the console's window would."""
        self.closed = True
        await self.page.context.close()

    async def screenshot(self, name: str, *, full_page: bool = False) -> Path:
        path = console_artifacts_dir() / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def assert_no_page_errors(self) -> None:
        """An uncaught exception or unhandled rejection in the console is a bug, whatever the
        test was about."""
        assert not self.log.errors, "uncaught errors in the console:\n" + "\n".join(self.log.errors)


# The `new_console` fixture: opens the console for an agent in a fresh browser context and
# signs in (`context`: another tab of an existing one; `gate`: a SocketGate on the page).
OpenConsole = Callable[..., Awaitable[Console]]


async def availability(shop: Shop) -> bool:
    """`availableNow` from `/api/embed/config`, asked from the shop's own (allowed) origin as
    the widget would."""
    async with httpx.AsyncClient(base_url=shop.server.http_url, timeout=30) as http:
        response = await http.get(
            "/api/embed/config",
            params={"siteKey": shop.site_key},
            headers={"Origin": shop.host.allowed_origin},
        )
    assert response.status_code == 200, response.text
    return bool(response.json()["availableNow"])


async def wait_for_availability(shop: Shop, expected: bool, *, within: float = LIVE) -> float:
    """Wait until the widget's configuration says someone can (or cannot) chat now; returns
    how long it took. Polling a condition with a deadline, not sleeping for a guess."""

    async def matches() -> bool:
        return await availability(shop) is expected

    return await wait_until(matches, within=within, what=f"availableNow == {expected}", every=0.1)


async def customer_replies_to_ticket(shop: Shop, contact_id: int, ref: str, content: str) -> Any:
    """The ticket's requester answers, through the widget's endpoint with a widget token
    minted for them (what their widget would send)."""
    token = await shop.desk.widget_token(contact_id)
    async with httpx.AsyncClient(base_url=shop.server.http_url, timeout=30) as http:
        response = await http.post(
            f"/api/embed/tickets/{ref}/responses",
            json={"content": content},
            headers={"Authorization": f"Bearer {token}", "Origin": shop.host.allowed_origin},
        )
    assert response.status_code == 201, response.text
    return response.json()


async def customer_replies_by_email(shop: Shop, ticket: dict[str, Any], content: str) -> bytes:
    """The ticket's requester answers by email: the message their provider would post to
    `POST /api/webhooks/email`, signed with a fresh inbound secret. Returns the raw message."""
    raw = mail(
        sender=f"Rita Requester <{ticket['requesterEmail']}>",
        subject=f"Re: [{ticket['reference']}] {ticket['subject']}",
        body=f"{content}\n\nOn Monday, Acme wrote:\n> How can we help?\n",
    )
    async with httpx.AsyncClient(base_url=shop.server.http_url, timeout=30) as http:
        made = await http.post("/api/org/inbound-email-secret", headers=shop.team.admin_headers)
        assert made.status_code == 200, made.text
        posted = await http.post(
            "/api/webhooks/email",
            content=raw,
            headers={
                "Content-Type": "message/rfc822", "X-Parley-Organization": shop.team.org.slug,
                **signed(made.json()["secret"], raw),
            },
        )  # fmt: skip
    assert posted.status_code == 202, posted.text
    assert posted.json()["reference"] == ticket["reference"], posted.text
    return raw


@dataclass(frozen=True)
class CustomerChat:
    """A chat a customer started in the widget, as the agents' API stores it."""

    conversation_id: int
    contact_id: int
    customer_name: str
    customer_email: str
    first_message: str


async def customer_starts_chat(
    shop: Shop, widget: Widget, *, name: str = "Rita Customer"
) -> CustomerChat:
    """The customer opens the widget on the shop's page and starts a chat through the pre-chat
    form. Returns once the widget shows the first message as stored (not pending); the
    conversation is then found through the agents' API by the customer's email."""
    email = f"{unique('rita')}@example.com"
    first = unique("My parcel never arrived")
    await widget.goto(shop.page_url())
    await widget.open()
    await widget.start_chat(name=name, email=email, message=first)
    mine = widget.message(first, author="contact")
    await expect(mine).to_have_count(1, timeout=LIVE_MS)
    await expect(mine).not_to_have_attribute("data-pending", "true", timeout=LIVE_MS)
    listed = await shop.desk.call("GET", "/api/conversations?view=all&pageSize=200")
    found = [c for c in listed["items"] if c["contact"]["email"] == email]
    assert len(found) == 1, listed
    return CustomerChat(
        conversation_id=int(found[0]["id"]),
        contact_id=int(found[0]["contact"]["id"]),
        customer_name=name,
        customer_email=email,
        first_message=first,
    )


async def create_ticket(shop: Shop, **fields: Any) -> dict[str, Any]:
    """A ticket made through the agents' API (another agent's work the console must show)."""
    body: dict[str, Any] = {
        "requesterName": "Rita Requester",
        "requesterEmail": f"{unique('customer')}@example.com",
        "subject": unique("The blender makes a grinding noise"),
        "description": "It started after a week of use.",
    }
    body.update(fields)
    created = await shop.desk.call("POST", "/api/tickets", body, status=201)
    return dict(created["ticket"])


# Records, in the page, when an element matching a selector first appears (Date.now(), the
# same clock as the test's time.time()), so a test can log how fast something showed up
# without a polling interval blurring it.
WATCH_SCRIPT = """(selector) => {
  window.__parleySeen = window.__parleySeen || {};
  const seen = window.__parleySeen;
  const check = () => {
    if (!(selector in seen) && document.querySelector(selector)) seen[selector] = Date.now();
  };
  check();
  new MutationObserver(check).observe(document, {subtree: true, childList: true,
                                                 attributes: true});
}"""


async def watch_for(page: Page, selector: str) -> None:
    await page.evaluate(WATCH_SCRIPT, selector)


async def first_seen_ms(page: Page, selector: str) -> float | None:
    """When (epoch ms) `watch_for`'s selector first matched in `page`, or None."""
    value = await page.evaluate(
        "(selector) => (window.__parleySeen || {})[selector] ?? null", selector
    )
    return None if value is None else float(value)
