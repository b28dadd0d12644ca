"""The widget and a bad network, in a real browser: the page loads the widget through a TCP
proxy, so every REST call and the WebSocket go through it, and the test cuts them all.

The promise under test: no message shown twice, none missing, and what the customer typed
while offline is sent once when the connection returns. Counts are checked after a later
"sentinel" message arrived, so a late duplicate would already be on screen.
"""

from __future__ import annotations

import json
import re

from playwright.async_api import expect

from tests.conftest import InstallLimiter
from tests.support.browser import LIVE_MS, browser_marks
from tests.widget.harness import RECONNECT_MS, ROOT, Shop, TcpProxy, Widget, start_chat, unique

pytestmark = browser_marks()


def please_wait(seconds: int) -> re.Pattern[str]:
    """The English "please wait N s" notice for any N from `seconds` down to 1."""
    texts = json.loads((ROOT / "widget" / "locales" / "en.json").read_text(encoding="utf-8"))
    template = re.escape(texts["pleaseWait"]).replace(re.escape("{n}"), f"[1-{seconds}]")
    return re.compile(f"^{template}$")


async def shown_message_ids(widget: Widget) -> list[str]:
    ids = await widget.messages.evaluate_all(
        "(els) => els.map((e) => e.getAttribute('data-message-id') || '')"
    )
    return [str(i) for i in ids if i]


async def test_after_the_network_returns_every_message_is_shown_once_and_the_outbox_is_sent(
    shop: Shop, widget: Widget, proxy: TcpProxy
) -> None:
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url(via=proxy))
        chat = await start_chat(shop, widget, agent_ws)
        await shop.desk.claim(chat.conversation_id)
        hello = unique("Hello, I am looking into it")
        await shop.desk.say(chat.conversation_id, hello)
        await expect(widget.message(hello, author="agent")).to_have_count(1, timeout=LIVE_MS)
        # Everything went through the proxy, the socket included (websocketUrl is built from
        # the Host the config request came to).
        assert proxy.saw("GET /widget.js"), proxy.request_lines
        assert proxy.saw("GET /ws/widget"), proxy.request_lines

        proxy.drop()
        status = widget.part("status")
        await expect(status).to_have_attribute("data-state", "reconnecting", timeout=LIVE_MS)
        await expect(status).to_be_visible()
        await expect(status).to_contain_text("Reconnecting")

        missed = [unique(f"While you were away, part {n}") for n in (1, 2, 3)]
        for text in missed:
            await shop.desk.say(chat.conversation_id, text)

        offline = unique("Typed while offline")
        await widget.send(offline)
        pending = widget.message(offline, author="contact")
        await expect(pending).to_have_count(1)
        await expect(pending).to_have_attribute("data-pending", "true")
        await expect(status).to_have_attribute("data-state", "reconnecting")

        proxy.restore()
        await expect(status).to_have_attribute("data-state", "online", timeout=RECONNECT_MS)
        for text in missed:
            await expect(widget.message(text, author="agent")).to_have_count(1, timeout=LIVE_MS)
        await expect(pending).not_to_have_attribute("data-pending", "true", timeout=LIVE_MS)

        sentinel = unique("Anything else?")
        await shop.desk.say(chat.conversation_id, sentinel)
        await expect(widget.message(sentinel, author="agent")).to_have_count(1, timeout=LIVE_MS)

        for text in [chat.first_message, hello, *missed, offline]:
            assert await widget.message(text).count() == 1, text
        ids = await shown_message_ids(widget)
        assert len(ids) == len(set(ids)), ids

        stored = await shop.desk.messages(chat.conversation_id)
        assert [m["body"] for m in stored].count(offline) == 1, stored
        # The missed messages are in the order the agent sent them.
        bodies = await widget.messages.locator("[data-parley=body]").all_inner_texts()
        positions = [bodies.index(text) for text in missed]
        assert positions == sorted(positions), bodies
        widget.assert_no_page_errors()


async def test_a_rate_limit_answer_tells_the_customer_how_long_to_wait(
    shop: Shop, widget: Widget, install_limiter: InstallLimiter
) -> None:
    """The server's real limiter (installed strict for this test on the live app: one message
    per 4 seconds per customer) answers 429 `rate_limited`; the widget shows "please wait N s"
    and sends the message by itself once the wait is over, exactly once."""
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        chat = await start_chat(shop, widget, agent_ws)
        install_limiter(messages="1/4seconds")
        first, second = unique("One more thing"), unique("Are you still there?")
        await widget.send(first)
        mine = widget.message(first, author="contact")
        await expect(mine).not_to_have_attribute("data-pending", "true", timeout=LIVE_MS)

        await widget.send(second)
        notice = widget.part("notice")
        await expect(notice).to_be_visible(timeout=LIVE_MS)
        # "Please wait N s", counting down from at most the window.
        await expect(notice).to_have_text(please_wait(4))
        later = widget.message(second, author="contact")
        await expect(later).to_have_attribute("data-pending", "true")

        await expect(later).not_to_have_attribute("data-pending", "true", timeout=RECONNECT_MS)
        stored = [m["body"] for m in await shop.desk.messages(chat.conversation_id)]
        assert stored.count(first) == 1 and stored.count(second) == 1, stored
        assert stored.index(first) < stored.index(second), stored
        widget.assert_no_page_errors()
