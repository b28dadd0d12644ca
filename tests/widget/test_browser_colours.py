"""The colours the browser really draws: text on the organisation's primary colour (the header's
title and subtitle, the primary button, the customer's own message with its meta line and read
receipt) reaches WCAG AA, 4.5:1, on the default theme, a light custom colour and a mid-tone
(violet #8b5cf6, where neither white nor the widget's near-black reaches 4.5:1). Contrast is
computed from getComputedStyle, with every opacity between the text and its background.
(That the chosen text colour passes on every #RRGGBB is test_colour.py's, in Node.)
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, expect

from server.accounts import org_settings
from tests.support.browser import LIVE_MS, browser_marks
from tests.widget.harness import AA, Shop, Widget, hex_rgb, start_chat, text_contrast, unique

pytestmark = browser_marks()


async def assert_readable(part: Locator, primary: str) -> None:
    ratio, seen = await text_contrast(part)
    assert tuple(seen["background"]) == hex_rgb(primary), seen  # drawn on the primary colour
    assert ratio >= AA, (round(ratio, 2), seen)


@pytest.mark.parametrize(
    "primary", ["#2563eb", "#ffeb3b", "#8b5cf6"], ids=["default", "light", "mid-tone"]
)
async def test_text_on_the_primary_colour_reaches_aa(
    shop: Shop, widget: Widget, primary: str
) -> None:
    if primary != "#2563eb":  # a new organisation has the default theme
        await org_settings.update_organization(
            principal=shop.team.admin_principal, widget={"primaryColor": primary}
        )
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        await widget.open()
        header = widget.panel.locator(".panel__header")
        await expect(header.locator(".panel__subtitle")).not_to_be_empty(timeout=LIVE_MS)
        await expect(widget.part("start-chat")).to_be_visible(timeout=LIVE_MS)
        for part in (
            header.locator(".panel__title"),
            header.locator(".panel__subtitle"),
            widget.part("start-chat"),
        ):
            await assert_readable(part, primary)
        await widget.part("close").click()

        chat = await start_chat(shop, widget, agent_ws)
        await shop.desk.claim(chat.conversation_id)
        text = unique("Order 4711 please")
        await widget.send(text)
        mine = widget.message(text, author="contact")
        stored = re.compile(r"^\d+$")
        await expect(mine).to_have_attribute("data-message-id", stored, timeout=LIVE_MS)
        await shop.desk.call(
            "POST",
            f"/api/conversations/{chat.conversation_id}/read",
            {"lastReadMessageId": int(await mine.get_attribute("data-message-id") or 0)},
        )
        receipt = mine.locator("[data-parley=receipt]")
        await expect(receipt).to_be_visible(timeout=LIVE_MS)
        for part in (
            mine.locator("[data-parley=body]"),
            mine.locator("[data-parley=author]"),
            mine.locator("time"),
            receipt,
        ):
            await assert_readable(part, primary)
        widget.assert_no_page_errors()
