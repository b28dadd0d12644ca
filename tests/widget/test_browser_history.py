"""A long chat in a real browser: the widget shows the latest 50 messages, and "Load earlier
messages" fetches the rest (`before=<oldest shown id>`), each once, in order, without moving
what the customer is looking at.
"""

from __future__ import annotations

from playwright.async_api import expect

from tests.support.browser import LIVE_MS, browser_marks
from tests.widget.harness import Shop, Widget, start_chat, unique

pytestmark = browser_marks()


async def shown_ids(widget: Widget) -> list[int]:
    ids = await widget.messages.evaluate_all(
        "(els) => els.map((e) => e.getAttribute('data-message-id') || '')"
    )
    return [int(i) for i in ids if i]


async def test_earlier_messages_load_on_demand_once_each_in_order_and_in_place(
    shop: Shop, widget: Widget
) -> None:
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        chat = await start_chat(shop, widget, agent_ws)
        await shop.desk.claim(chat.conversation_id)
        texts = [unique(f"Update {n:02d}") for n in range(64)]
        for text in texts:
            await shop.desk.say(chat.conversation_id, text)
        await expect(widget.message(texts[-1], author="agent")).to_have_count(1, timeout=LIVE_MS)

        stored = await shop.desk.messages(chat.conversation_id)
        ids = [m["id"] for m in stored if not m.get("isInternal")]
        assert len(ids) > 60, stored

        # A returning visitor (the page again): the latest 50 only, and the button.
        await widget.page.reload()
        await widget.open()
        await expect(widget.message(texts[-1], author="agent")).to_have_count(1, timeout=LIVE_MS)
        await expect(widget.messages).to_have_count(50)
        button = widget.part("load-earlier")
        await expect(button).to_be_visible()
        assert await shown_ids(widget) == ids[-50:]

        # The oldest message shown stays where it is while the earlier ones go above it.
        oldest = widget.page.locator(f'[data-parley=message][data-message-id="{ids[-50]}"]')
        await button.scroll_into_view_if_needed()
        before = await oldest.bounding_box()
        await button.click()
        await expect(widget.messages).to_have_count(len(ids), timeout=LIVE_MS)
        await expect(button).to_be_hidden()
        assert await shown_ids(widget) == ids
        after = await oldest.bounding_box()
        assert before is not None and after is not None
        assert abs(after["y"] - before["y"]) <= 1, (before, after)

        for text in [chat.first_message, *texts]:
            assert await widget.message(text).count() == 1, text
        widget.assert_no_page_errors()
