"""Live chat in a real browser: a customer on a host page of another origin chats with an agent
who works through the real HTTP API and `/ws`.

What only a browser can show: the widget really runs cross-origin, renders what the server
pushes (replies, typing, system lines, the escalated ticket) as it happens, and signals the
customer's typing back. Every wait is Playwright's auto-waiting `expect` (no sleeps).
"""

from __future__ import annotations

import json
import re

from playwright.async_api import expect

from tests.support.browser import LIVE_MS, browser_marks
from tests.support.smtp import MailCatcher
from tests.widget.harness import (
    ROOT,
    OpenWidget,
    Shop,
    Widget,
    composing,
    frame_matching,
    start_chat,
    subscribe,
    unique,
)

pytestmark = browser_marks()


async def test_a_customer_chats_live_with_an_agent_and_sees_the_escalated_ticket(
    shop: Shop, widget: Widget
) -> None:
    """The whole chat, live both ways: pre-chat form, the agent's typing and reply (with their
    name), the customer's typing on the agent's socket, and the escalated ticket's reference.
    Saves `chat-open.png`."""
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        chat = await start_chat(shop, widget, agent_ws)
        await subscribe(agent_ws, chat.channel)  # the agent looks at the chat: typing both ways
        await shop.desk.claim(chat.conversation_id)

        # The agent types: the customer sees who.
        typing = widget.part("typing")
        await agent_ws.send({"type": "typing", "channel": chat.channel, "composing": True})
        await expect(typing).to_be_visible(timeout=LIVE_MS)
        await expect(typing).to_contain_text(shop.agent_name)
        await agent_ws.send({"type": "typing", "channel": chat.channel, "composing": False})
        await expect(typing).to_be_hidden(timeout=LIVE_MS)

        # The agent replies: the customer sees it live, with the agent's name.
        reply = unique("Sorry to hear that, let me check")
        await shop.desk.say(chat.conversation_id, reply)
        shown = widget.message(reply, author="agent")
        await expect(shown).to_have_count(1, timeout=LIVE_MS)
        await expect(shown.locator("[data-parley=author]")).to_contain_text(shop.agent_name)
        message_id = await shown.get_attribute("data-message-id")
        assert message_id and message_id.isdigit(), message_id

        # The customer types: the agent's socket sees them composing on the conversation.
        await widget.part("composer").press_sequentially("It was order 4")
        await frame_matching(agent_ws, composing(chat.channel, chat.person, True))

        # Escalation: the customer sees the ticket's reference in the chat.
        escalated = await shop.desk.escalate(chat.conversation_id, subject="Lost parcel")
        reference = escalated["ticket"]["reference"]
        await expect(widget.part("chat-ticket")).to_contain_text(reference, timeout=LIVE_MS)

        await widget.screenshot("chat-open")
        widget.assert_no_page_errors()


async def test_the_customer_sends_messages_and_sees_the_agent_read_them(
    shop: Shop, widget: Widget
) -> None:
    """The customer's own message goes out with its client id (the optimistic copy is replaced
    by the stored one, never shown twice) and a read receipt appears once the agent reads."""
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        chat = await start_chat(shop, widget, agent_ws)
        await shop.desk.claim(chat.conversation_id)

        text = unique("Tracking number is 1Z999")
        await widget.send(text)
        mine = widget.message(text, author="contact")
        await expect(mine).to_have_count(1, timeout=LIVE_MS)
        await expect(mine).not_to_have_attribute("data-pending", "true", timeout=LIVE_MS)
        await expect(mine).to_have_attribute("data-message-id", re.compile(r"^\d+$"))

        stored = [m for m in await shop.desk.messages(chat.conversation_id) if m["body"] == text]
        assert len(stored) == 1, stored
        assert await mine.get_attribute("data-message-id") == str(stored[0]["id"])
        assert await mine.get_attribute("data-client-id") == stored[0]["clientMessageId"]

        receipt = mine.locator("[data-parley=receipt]")
        await expect(receipt).to_have_count(0)  # not read yet
        await shop.desk.call(
            "POST",
            f"/api/conversations/{chat.conversation_id}/read",
            {"lastReadMessageId": stored[0]["id"]},
        )
        await expect(receipt).to_be_visible(timeout=LIVE_MS)
        widget.assert_no_page_errors()


async def test_a_closed_panel_counts_unread_agent_messages(shop: Shop, widget: Widget) -> None:
    """With the panel closed, an agent's reply raises the badge and the page title notice,
    and the `unread` event reaches `window.Parley` listeners; opening the panel clears them."""
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        chat = await start_chat(shop, widget, agent_ws)
        await shop.desk.claim(chat.conversation_id)
        title = await widget.page.title()
        await widget.page.evaluate(
            "() => { window.__unread = []; window.Parley.on('unread', (n) => "
            "window.__unread.push(typeof n === 'object' && n !== null ? n.count : n)); }"
        )

        await widget.part("close").click()
        await expect(widget.panel).to_be_hidden()
        await shop.desk.say(chat.conversation_id, unique("Found it!"))

        badge = widget.part("badge")
        await expect(badge).to_be_visible(timeout=LIVE_MS)
        await expect(badge).to_have_text("1")
        await expect(widget.page).not_to_have_title(title)
        await widget.page.wait_for_function("() => window.__unread.includes(1)")

        await widget.launcher.click()
        await expect(widget.panel).to_be_visible()
        await expect(badge).to_be_hidden(timeout=LIVE_MS)
        await expect(widget.page).to_have_title(title)
        widget.assert_no_page_errors()


async def test_the_javascript_api_opens_closes_and_reports_messages(
    shop: Shop, widget: Widget
) -> None:
    """`window.Parley.open()/close()` drive the panel, and `on('message')` hears an agent's
    reply (the host site's integration points)."""
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        await expect(widget.launcher).to_be_visible(timeout=LIVE_MS)
        await widget.page.evaluate("() => window.Parley.open()")
        await expect(widget.panel).to_be_visible()
        await widget.page.evaluate("() => window.Parley.close()")
        await expect(widget.panel).to_be_hidden()

        chat = await start_chat(shop, widget, agent_ws)
        await widget.page.evaluate(
            "() => { window.__messages = []; window.Parley.on('message', (m) => "
            "window.__messages.push(JSON.stringify(m))); }"
        )
        reply = unique("Hello from the desk")
        await shop.desk.say(chat.conversation_id, reply)
        await widget.page.wait_for_function(
            "(text) => window.__messages.some((m) => m.includes(text))", arg=reply
        )
        widget.assert_no_page_errors()


async def test_the_panel_fits_a_phone_and_opens_from_the_keyboard(
    shop: Shop, widget: Widget
) -> None:
    """On a phone-sized screen the open panel stays inside the viewport, and keyboard users can
    open it (Enter on the focused launcher) and land inside it."""
    await widget.page.set_viewport_size({"width": 375, "height": 667})
    async with shop.agent_online():
        await widget.goto(shop.page_url())
        await expect(widget.launcher).to_be_visible(timeout=LIVE_MS)
        await widget.launcher.focus()
        await widget.page.keyboard.press("Enter")
        await expect(widget.panel).to_be_visible()

        box = await widget.panel.bounding_box()
        assert box is not None
        assert box["x"] >= -1 and box["y"] >= -1, box
        assert box["x"] + box["width"] <= 376 and box["y"] + box["height"] <= 668, box

        focus_inside = await widget.page.wait_for_function(
            "() => { const root = document.getElementById('parley-widget').shadowRoot;"
            " const panel = root.querySelector('[data-parley=panel]');"
            " return root.activeElement !== null && panel.contains(root.activeElement); }"
        )
        assert await focus_inside.json_value() is True
        widget.assert_no_page_errors()


HOST_PROBE = """() => ['host-text', 'host-button'].map((id) => {
  const s = getComputedStyle(document.getElementById(id));
  return [s.color, s.fontFamily, s.fontSize, s.padding].join('|');
})"""
WIDGET_PROBE = """() => {
  const root = document.getElementById('parley-widget').shadowRoot;
  return ['launcher', 'panel', 'tab-chat'].map((name) => {
    const s = getComputedStyle(root.querySelector(`[data-parley=${name}]`));
    return [s.color, s.fontFamily, s.fontSize, s.display].join('|');
  });
}"""


async def test_host_page_styles_do_not_reach_the_widget_and_its_styles_stay_inside(
    shop: Shop, widget: Widget
) -> None:
    """Style isolation both ways: the widget's CSS does not change how the host page's own
    elements look, and host CSS that restyles and hides every button and div (inherited
    colour and font size included) changes nothing inside the widget.

    The hostile CSS leaves `#parley-widget` itself displayed: a page can always hide what it
    embeds (an iframe too); what must not happen is its rules reaching inside."""
    await widget.goto(shop.host.page_url(site_key=None, parley=""))
    host_alone = await widget.page.evaluate(HOST_PROBE)

    await widget.goto(shop.page_url())
    await widget.open()
    assert await widget.page.evaluate(HOST_PROBE) == host_alone
    calm = await widget.page.evaluate(WIDGET_PROBE)

    await widget.goto(shop.page_url(hostile=True))
    await widget.open()
    assert await widget.page.evaluate(WIDGET_PROBE) == calm
    widget.assert_no_page_errors()


async def test_waiting_customers_see_their_queue_position_move(
    shop: Shop, widget: Widget, new_widget: OpenWidget
) -> None:
    """Two customers wait; when the agent takes the first, the second sees their place in the
    queue change live (1 = next in line)."""
    second = await new_widget()
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        first_chat = await start_chat(shop, widget, agent_ws)
        await expect(widget.part("queue")).to_contain_text("1", timeout=LIVE_MS)

        await second.goto(shop.page_url())
        await start_chat(shop, second, agent_ws, name="Sam Second")
        queue = second.part("queue")
        await expect(queue).to_be_visible(timeout=LIVE_MS)
        await expect(queue).to_contain_text("2", timeout=LIVE_MS)

        await shop.desk.claim(first_chat.conversation_id)
        await expect(queue).to_contain_text("1", timeout=LIVE_MS)
        await expect(queue).not_to_contain_text("2")
        await expect(widget.part("queue")).to_be_hidden(timeout=LIVE_MS)  # being helped now
        widget.assert_no_page_errors()
        second.assert_no_page_errors()


async def test_the_customer_ends_the_chat(
    shop: Shop, widget: Widget, mail_catcher: MailCatcher
) -> None:
    """ "End chat" ends the conversation on the server (the agent sees ENDED), the customer
    sees the system line and can no longer type into it; "Email me this chat" sends them its
    transcript (once: the button goes)."""
    async with shop.agent_online() as agent_ws:
        await widget.goto(shop.page_url())
        chat = await start_chat(shop, widget, agent_ws)
        await shop.desk.claim(chat.conversation_id)
        await widget.part("end-chat").click()

        await expect(widget.part("composer")).to_be_hidden(timeout=LIVE_MS)
        conversation = await shop.desk.call("GET", f"/api/conversations/{chat.conversation_id}")
        assert conversation["conversation"]["status"] == "ENDED", conversation
        system = [m for m in conversation["messages"] if m["authorType"] == "SYSTEM"]
        ended_line = system[-1]["body"]
        await expect(widget.message(ended_line, author="system")).to_have_count(1, timeout=LIVE_MS)

        customer = conversation["conversation"]["contact"]["email"]
        await widget.part("transcript").click()
        await expect(widget.part("notice")).to_contain_text(customer, timeout=LIVE_MS)
        await expect(widget.part("transcript")).to_be_hidden()
        (transcript,) = await mail_catcher.wait_for(customer, 1)
        assert chat.first_message in str(transcript.get_body(preferencelist=("plain",)))
        widget.assert_no_page_errors()


async def test_the_second_locale_translates_the_widget(shop: Shop, widget: Widget) -> None:
    """`data-locale="de"` shows the German texts from widget/locales/de.json (the strings are
    externalised: the same markup, other words)."""
    german = json.loads((ROOT / "widget" / "locales" / "de.json").read_text(encoding="utf-8"))
    english = json.loads((ROOT / "widget" / "locales" / "en.json").read_text(encoding="utf-8"))
    assert german["tabTickets"] != english["tabTickets"]
    await widget.goto(shop.page_url(locale="de"))
    await widget.open()
    await expect(widget.part("tab-tickets")).to_have_text(german["tabTickets"])
    await expect(widget.part("tab-contact")).to_have_text(german["tabContact"])
    await expect(widget.launcher).to_have_attribute("aria-label", german["closeChat"])
    widget.assert_no_page_errors()
