"""The widget's security promises, checked where they matter: in a real browser.

- Text from agents (and customers) is text: markup is shown, never parsed, so a message
  cannot run script in the customer's page; links are made clickable as links only.
- A page on an origin the organisation has not allowed gets no widget, and the server
  refuses its socket (close 4403) even with a valid visitor token.
"""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.support.browser import LIVE_MS, browser_marks
from tests.widget.harness import Shop, Widget, start_chat, unique

pytestmark = browser_marks()

XSS = "<img src=x onerror=alert(1)>"

# Opens `/ws/widget` from the page, authenticates with the first frame, and reports every
# frame and how the socket ended. The timeout only bounds a hang: the assertions on the
# result say what was expected.
OPEN_SOCKET = """
([url, token]) => new Promise((resolve) => {
  const frames = [];
  const ws = new WebSocket(url);
  ws.onopen = () => ws.send(JSON.stringify({type: "auth", token}));
  ws.onmessage = (e) => {
    const frame = JSON.parse(e.data);
    frames.push(frame);
    if (frame.type === "ready") { ws.close(1000); }
  };
  ws.onclose = (e) => resolve({code: e.code, frames});
  setTimeout(() => resolve({code: null, frames, timedOut: true}), 10000);
})
"""


async def body_text(widget: Widget, text: str) -> str:
    body = widget.message(text).locator("[data-parley=body]")
    return str(await body.evaluate("(el) => el.textContent"))


async def test_markup_in_messages_is_shown_as_text_and_never_runs(
    shop: Shop, widget: Widget
) -> None:
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        chat = await start_chat(shop, widget, agent_ws)

        mine = "<script>alert(2)</script><b>bold?</b>"
        await widget.send(mine)
        await shop.desk.say(chat.conversation_id, XSS)
        shown = widget.message(XSS, author="agent")
        await expect(shown).to_have_count(1, timeout=LIVE_MS)
        await expect(widget.message(mine, author="contact")).to_have_count(1, timeout=LIVE_MS)

        assert await body_text(widget, XSS) == XSS
        assert await body_text(widget, mine) == mine
        messages = widget.part("messages")
        await expect(messages.locator("img")).to_have_count(0)
        await expect(messages.locator("script")).to_have_count(0)
        await expect(messages.locator("b")).to_have_count(0)

        # Links are clickable; nothing else becomes markup, and a javascript: URL is no link.
        link_text = unique("See") + " https://example.com/help?a=1&b=2 or javascript:alert(3) ok"
        await shop.desk.say(chat.conversation_id, link_text)
        await expect(widget.message(link_text, author="agent")).to_have_count(1, timeout=LIVE_MS)
        assert await body_text(widget, link_text) == link_text
        links = widget.message(link_text).locator("[data-parley=body] a")
        await expect(links).to_have_count(1)
        await expect(links).to_have_attribute("href", "https://example.com/help?a=1&b=2")

        # A later message arrived, so an onerror handler would have had its chance by now.
        assert widget.log.dialogs == [], widget.log.dialogs
        widget.assert_no_page_errors()


async def open_widget_socket(page: Page, url: str, token: str) -> dict[str, Any]:
    result = await page.evaluate(OPEN_SOCKET, [url, token])
    assert isinstance(result, dict), result
    return result


async def test_a_foreign_origin_gets_no_widget_and_its_socket_is_refused(
    shop: Shop, widget: Widget
) -> None:
    host = shop.host
    foreign_page = host.page_url(
        site_key=shop.site_key, parley=shop.server.http_url, origin=host.foreign_origin
    )
    async with widget.page.expect_response(lambda r: "/api/embed/" in r.url) as answer:
        await widget.goto(foreign_page)
    refused = await answer.value
    assert refused.status == 403, (refused.url, refused.status)

    # A valid visitor token of this organisation, minted by an agent.
    async with httpx.AsyncClient(base_url=shop.server.http_url) as anonymous:
        created = await anonymous.post(
            "/api/embed/session", json={"siteKey": shop.site_key, "name": "Mallory"}
        )
    assert created.status_code == 200, created.text
    token = await shop.desk.widget_token(created.json()["contact"]["id"])

    closed = await open_widget_socket(widget.page, shop.server.widget_url, token)
    assert closed["code"] == 4403, closed
    assert [f.get("code") for f in closed["frames"]] == ["origin_refused"], closed

    # The widget did not start: no launcher, and its host element is gone or empty (checked
    # after the socket round trip, so a widget that ignored the refusal had time to draw).
    await expect(widget.launcher).to_have_count(0)
    await widget.page.wait_for_function(
        "() => { const h = document.getElementById('parley-widget');"
        " return !h || !h.shadowRoot || !h.shadowRoot.querySelector('[data-parley]'); }"
    )
    assert widget.log.dialogs == []
    widget.assert_no_page_errors()

    # The same token from the allowed origin is accepted: the origin made the difference.
    await widget.goto(host.page_url(site_key=None, parley=""))
    accepted = await open_widget_socket(widget.page, shop.server.widget_url, token)
    assert [f["type"] for f in accepted["frames"]][:1] == ["ready"], accepted
