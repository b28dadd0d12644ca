"""The live queue and the conversation view in a real browser: two agents, each in their own
browser context, and a customer in the widget on a host page of another origin.

What only a browser can show: the console renders what the server pushes (a new chat in every
queue, a claim taking it out of the others', a reply reaching the widget, an escalated ticket
appearing in another agent's list) as it happens, without reloads or polling; the online/away
toggle changes whether customers are offered a chat; the main flow works from the keyboard;
an API error reaches the agent as a message. Every wait is Playwright's auto-waiting `expect`
or a polled condition with a deadline (no sleeps).
"""

from __future__ import annotations

import re
import time

from playwright.async_api import expect

from tests.console.harness import (
    REFERENCE,
    AgentLogin,
    OpenConsole,
    SocketGate,
    customer_starts_chat,
    first_seen_ms,
    tab_to,
    unique,
    wait_for_availability,
    watch_for,
)
from tests.support.browser import LIVE_MS, browser_marks
from tests.widget.harness import Shop, Widget

pytestmark = browser_marks()


async def test_a_new_chat_reaches_both_queues_and_follows_claim_reply_and_escalation(
    shop: Shop, ada: AgentLogin, ben: AgentLogin, new_console: OpenConsole, widget: Widget
) -> None:
    """Issue 6, first scenario. A new chat appears in both agents' queues (the time it took is
    printed, never asserted); Ada claims it and it leaves Ben's queue live; Ada's reply reaches
    the widget and the customer's typing and message reach Ada; Ada escalates through the
    Create ticket dialog and the ticket appears live in Ben's ticket list, marked as created
    from a chat. Saves `queue.png`, `conversation.png` and `ticket-list.png`."""
    a = await new_console(ada)
    b = await new_console(ben)
    # Both consoles are online on the queue: the widget offers a chat.
    await wait_for_availability(shop, True)
    for console in (a, b):
        await watch_for(console.page, "[data-console=waiting-item]")

    started_ms = time.time() * 1000
    chat = await customer_starts_chat(shop, widget)
    cid = chat.conversation_id
    for console in (a, b):
        item = console.waiting_item(cid)
        await expect(item).to_be_visible(timeout=LIVE_MS)
        await expect(console.part("position", within=item)).to_contain_text("1")
        await expect(console.part("count-waiting")).to_have_text("1")
        seen = await first_seen_ms(console.page, "[data-console=waiting-item]")
        assert seen is not None
        print(f"new chat in {console.agent.name}'s queue {seen - started_ms:.0f} ms after submit")
    await b.screenshot("queue")

    # Ada claims: it leaves Ben's queue live and becomes one of Ada's chats.
    await a.part("claim", within=a.waiting_item(cid)).click()
    await expect(b.waiting_item(cid)).to_have_count(0, timeout=LIVE_MS)
    await expect(b.part("count-waiting")).to_have_text("0", timeout=LIVE_MS)
    await expect(a.waiting_item(cid)).to_have_count(0, timeout=LIVE_MS)
    await expect(a.part("count-mine")).to_have_text("1", timeout=LIVE_MS)
    stored = (await shop.desk.call("GET", f"/api/conversations/{cid}"))["conversation"]
    assert stored["status"] == "ACTIVE" and stored["assigneeId"] == ada.id, stored

    # Ben watches the ticket list while Ada works the chat.
    ben_list = await b.open_ticket_list()

    view = await a.open_conversation(cid)
    await expect(a.part("conversation-status", within=view)).to_have_text("ACTIVE")
    first = a.message(chat.first_message, within=view)
    await expect(first).to_have_attribute("data-author", "contact", timeout=LIVE_MS)
    await expect(a.part("customer", within=view)).to_contain_text(chat.customer_name)

    # Ada replies: the customer sees it in the widget, once, as the agent's.
    reply = unique("Sorry to hear that, let me check the tracking")
    await a.reply_in_conversation(cid, reply)
    mine = a.message(reply, within=view)
    await expect(mine).to_have_count(1, timeout=LIVE_MS)
    await expect(mine).to_have_attribute("data-author", "agent")
    await expect(mine).to_have_attribute("data-internal", "false")
    await expect(widget.message(reply, author="agent")).to_have_count(1, timeout=LIVE_MS)

    # The customer types (Ada sees it) and answers (Ada sees it live).
    typing = a.part("typing", within=view)
    await widget.part("composer").press_sequentially("It was order 4")
    await expect(typing).to_be_visible(timeout=LIVE_MS)
    answer = unique("It was order 4711")
    await widget.send(answer)
    await expect(a.message(answer, within=view)).to_have_attribute(
        "data-author", "contact", timeout=LIVE_MS
    )
    await a.screenshot("conversation")

    # Ada escalates: the dialog is pre-filled from the chat; the new reference links to it.
    await a.part("create-ticket", within=view).click()
    dialog = a.part("ticket-dialog")
    await expect(dialog).to_be_visible()
    subject = dialog.locator("input[name=subject]")
    await expect(subject).not_to_have_value("")
    await expect(dialog.locator("input[name=includeTranscript]")).to_be_checked()
    chosen = unique("Lost parcel")
    await subject.fill(chosen)
    await dialog.locator("select[name=priority]").select_option("HIGH")
    await a.part("ticket-dialog-submit", within=dialog).click()
    created = a.part("created-ref")
    await expect(created).to_have_text(REFERENCE, timeout=LIVE_MS)
    ref = (await created.inner_text()).strip()
    assert (await created.get_attribute("href") or "").endswith(f"#/tickets/{ref}")
    await expect(a.part("ticket-badge", within=view)).to_have_text(ref, timeout=LIVE_MS)

    # The stored ticket is the one the dialog described.
    ticket = await shop.desk.ticket(ref)
    assert ticket["subject"] == chosen and ticket["priority"] == "HIGH", ticket
    assert ticket["originChatId"] == cid, ticket

    # Ben's open ticket list shows it live, marked as created from a chat; so does the widget.
    row = b.ticket_row(ref, within=ben_list)
    await expect(row).to_be_visible(timeout=LIVE_MS)
    await expect(b.part("from-chat", within=row)).to_be_visible()
    await expect(b.part("row-priority", within=row)).to_have_attribute("data-priority", "HIGH")
    await expect(widget.part("chat-ticket")).to_contain_text(ref, timeout=LIVE_MS)
    await b.screenshot("ticket-list")

    for console in (a, b):
        console.assert_no_page_errors()
    widget.assert_no_page_errors()


async def test_the_availability_toggle_decides_whether_customers_are_offered_a_chat(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole
) -> None:
    """With Ada the only agent signed in, `/api/embed/config` says `availableNow` while she is
    online and not while she is away: the toggle really sets her presence status."""
    a = await new_console(ada)
    toggle = a.part("availability")
    await expect(toggle).to_have_attribute("data-status", "online")
    await wait_for_availability(shop, True)

    await toggle.click()
    await expect(toggle).to_have_attribute("data-status", "away")
    await wait_for_availability(shop, False)

    await toggle.click()
    await expect(toggle).to_have_attribute("data-status", "online")
    await wait_for_availability(shop, True)
    a.assert_no_page_errors()


async def test_a_waiting_chat_marks_the_page_title_unless_notices_are_muted(
    shop: Shop, ada: AgentLogin, ben: AgentLogin, new_console: OpenConsole, widget: Widget
) -> None:
    """The new-chat notice: Ben's title gains "(1)" while a chat waits; Ada has muted notices
    (the mute button says so with `aria-pressed`) and her title stays as it was, though her
    queue shows the chat too."""
    a = await new_console(ada)
    b = await new_console(ben)
    mute = a.part("mute")
    await expect(mute).not_to_have_attribute("aria-pressed", "true")
    await mute.click()
    await expect(mute).to_have_attribute("aria-pressed", "true")
    ada_title = await a.page.title()
    assert not ada_title.startswith("("), ada_title
    await wait_for_availability(shop, True)

    chat = await customer_starts_chat(shop, widget)
    for console in (a, b):
        await expect(console.waiting_item(chat.conversation_id)).to_be_visible(timeout=LIVE_MS)
    await expect(b.page).to_have_title(re.compile(r"^\(1\) "), timeout=LIVE_MS)
    assert await a.page.title() == ada_title
    for console in (a, b):
        console.assert_no_page_errors()


async def test_a_chat_is_claimed_and_answered_with_the_keyboard_alone(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole, widget: Widget
) -> None:
    """From the queue, Tab and Enter only: claim the waiting chat, open it, write a reply and
    send it; the customer receives it."""
    a = await new_console(ada)
    await wait_for_availability(shop, True)
    chat = await customer_starts_chat(shop, widget)
    cid = chat.conversation_id
    claim = a.part("claim", within=a.waiting_item(cid))
    await expect(claim).to_be_visible(timeout=LIVE_MS)

    await tab_to(a.page, claim)
    await a.page.keyboard.press("Enter")
    view = a.conversation(cid)
    await expect(view.or_(a.chat_item(cid))).to_be_visible(timeout=LIVE_MS)
    if not await view.is_visible():  # the claim kept Ada on the queue: open the chat
        await tab_to(a.page, a.chat_item(cid))
        await a.page.keyboard.press("Enter")
    await expect(view).to_be_visible(timeout=LIVE_MS)

    reply = unique("Typed without a mouse")
    await tab_to(a.page, a.part("reply", within=view))
    await a.page.keyboard.type(reply)
    await tab_to(a.page, a.part("send", within=view))
    await a.page.keyboard.press("Enter")
    await expect(widget.message(reply, author="agent")).to_have_count(1, timeout=LIVE_MS)
    stored = (await shop.desk.call("GET", f"/api/conversations/{cid}"))["conversation"]
    assert stored["assigneeId"] == ada.id, stored
    a.assert_no_page_errors()


async def test_a_refused_claim_is_shown_as_a_readable_message(
    shop: Shop, ada: AgentLogin, ben: AgentLogin, new_console: OpenConsole, widget: Widget
) -> None:
    """A real race made certain: Ben's socket is slowed down (the frames the server sends him
    are held) while Ada claims the chat, so Ben still sees it waiting and claims it too. The
    server refuses (409); Ben's console shows the server's message in its error area, not
    silence and not raw JSON. Once his frames flow again the chat leaves his queue."""
    gate = SocketGate()
    a = await new_console(ada)
    b = await new_console(ben, gate=gate)
    await wait_for_availability(shop, True)
    chat = await customer_starts_chat(shop, widget)
    cid = chat.conversation_id
    for console in (a, b):
        await expect(console.waiting_item(cid)).to_be_visible(timeout=LIVE_MS)

    gate.hold()
    await a.part("claim", within=a.waiting_item(cid)).click()
    await expect(a.part("count-mine")).to_have_text("1", timeout=LIVE_MS)
    stored = (await shop.desk.call("GET", f"/api/conversations/{cid}"))["conversation"]
    assert stored["assigneeId"] == ada.id, stored
    await expect(b.waiting_item(cid)).to_be_visible()  # Ben has not heard yet

    await b.part("claim", within=b.waiting_item(cid)).click()
    error = b.error
    await expect(error).to_be_visible(timeout=LIVE_MS)
    await expect(error).to_contain_text(f"{ada.name} already has this conversation")
    text = (await error.inner_text()).strip()
    assert not text.startswith("{") and '"code"' not in text, f"raw JSON shown: {text}"
    stored = (await shop.desk.call("GET", f"/api/conversations/{cid}"))["conversation"]
    assert stored["assigneeId"] == ada.id, stored

    gate.release()
    await expect(b.waiting_item(cid)).to_have_count(0, timeout=LIVE_MS)
    for console in (a, b):
        console.assert_no_page_errors()
