"""Two tabs of one browser share the widget's storage entry (`parley:v1:<siteKey>`): a tab's
write merges with what the other stored, so a message typed offline in one tab stays in the
stored outbox while the other tab writes, and is sent (and stored) once.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from tests.support.browser import LIVE_MS, PageLog, browser_marks
from tests.widget.harness import RECONNECT_MS, Shop, TcpProxy, Widget, start_chat, unique

pytestmark = browser_marks()

STORED = "(key) => JSON.parse(localStorage.getItem(key) || '{}')"


async def stored(widget: Widget, shop: Shop) -> dict[str, Any]:
    return dict(await widget.page.evaluate(STORED, f"parley:v1:{shop.site_key}"))


async def test_a_tab_keeps_the_other_tabs_offline_outbox_entry_in_storage(
    shop: Shop, widget: Widget, proxy: TcpProxy
) -> None:
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url(via=proxy))
        chat = await start_chat(shop, widget, agent_ws)
        await shop.desk.claim(chat.conversation_id)

        # The second tab: the same browser context (the same localStorage), the same host page,
        # but Parley reached directly, so cutting the proxy takes only the first tab offline.
        page = await widget.page.context.new_page()
        log = PageLog()
        log.attach(page)
        other = Widget(page, log)
        await other.goto(shop.page_url())
        await other.open()
        await expect(other.message(chat.first_message)).to_have_count(1, timeout=LIVE_MS)

        proxy.drop()
        status = widget.part("status")
        await expect(status).to_have_attribute("data-state", "reconnecting", timeout=LIVE_MS)
        offline = unique("Typed in the first tab while offline")
        await widget.send(offline)
        mine = widget.message(offline, author="contact")
        await expect(mine).to_have_attribute("data-pending", "true")
        entry = await stored(widget, shop)
        assert offline in [item["body"] for item in entry["outbox"]], entry
        channel = f"contact:{chat.contact_id}"
        offset = entry["offsets"][channel]["offset"]

        # The second tab gets an event and stores its offset (the first cannot: it is offline).
        reply = unique("Still there?")
        await shop.desk.say(chat.conversation_id, reply)
        await expect(other.message(reply, author="agent")).to_have_count(1, timeout=LIVE_MS)
        await other.page.wait_for_function(
            "([key, channel, offset]) => {"
            " const o = (JSON.parse(localStorage.getItem(key) || '{}').offsets || {})[channel];"
            " return !!o && o.offset > offset; }",
            arg=[f"parley:v1:{shop.site_key}", channel, offset],
        )
        entry = await stored(other, shop)
        assert offline in [item["body"] for item in entry["outbox"]], entry
        await expect(mine).to_have_attribute("data-pending", "true")

        proxy.restore()
        await expect(status).to_have_attribute("data-state", "online", timeout=RECONNECT_MS)
        await expect(mine).not_to_have_attribute("data-pending", "true", timeout=LIVE_MS)
        await expect(widget.message(reply, author="agent")).to_have_count(1, timeout=LIVE_MS)
        await expect(other.message(offline, author="contact")).to_have_count(1, timeout=LIVE_MS)

        sentinel = unique("Anything else?")
        await shop.desk.say(chat.conversation_id, sentinel)
        for tab in (widget, other):
            await expect(tab.message(sentinel, author="agent")).to_have_count(1, timeout=LIVE_MS)
            assert await tab.message(offline).count() == 1
        bodies = [m["body"] for m in await shop.desk.messages(chat.conversation_id)]
        assert bodies.count(offline) == 1, bodies
        await widget.page.wait_for_function(
            "(key) => (JSON.parse(localStorage.getItem(key) || '{}').outbox || []).length === 0",
            arg=f"parley:v1:{shop.site_key}",
        )
        widget.assert_no_page_errors()
        other.assert_no_page_errors()


async def test_a_tab_adopts_the_session_another_tab_started(shop: Shop, widget: Widget) -> None:
    """`identify()` in one tab stores a new token; the other tab (already running, with no
    session yet) hears the `storage` event and takes it, so its chat is the same contact's
    instead of a second anonymous one."""
    async with shop.agent_online() as agent_ws:
        page = await widget.page.context.new_page()
        log = PageLog()
        log.attach(page)
        other = Widget(page, log)
        for tab in (widget, other):
            await tab.goto(shop.page_url())
            await expect(tab.launcher).to_be_visible(timeout=LIVE_MS)

        name = unique("Vera")
        contact = await widget.page.evaluate("(name) => window.Parley.identify({name})", name)
        await expect(other.launcher).to_be_visible()
        await other.open()
        # The adopted contact's name fills in the pre-chat form.
        await expect(other.part("prechat").locator("input[name=name]")).to_have_value(
            name, timeout=LIVE_MS
        )
        await other.part("close").click()
        chat = await start_chat(shop, other, agent_ws, name=name)
        assert chat.contact_id == contact["id"], (chat, contact)
        widget.assert_no_page_errors()
        other.assert_no_page_errors()
