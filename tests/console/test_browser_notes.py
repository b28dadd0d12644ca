"""Internal notes written in the console never reach the customer's widget.

Issue 6, fourth scenario, for both places an agent writes a note: the conversation's reply box
with "internal" ticked, and the ticket detail's "add note". The proof that a note did not
arrive is ordering: the note is written first and a public reply after it, and only once the
widget shows that reply is the widget's text searched for the note (had the note been pushed
or fetched, it would be there by then). The agents' API shows the notes were stored as notes,
so the test cannot pass because nothing was sent.
"""

from __future__ import annotations

from playwright.async_api import expect

from tests.console.harness import (
    AgentLogin,
    OpenConsole,
    customer_starts_chat,
    unique,
    wait_for_availability,
)
from tests.support.browser import LIVE_MS, browser_marks
from tests.widget.harness import Shop, Widget

pytestmark = browser_marks()


async def test_internal_notes_in_a_chat_and_its_ticket_never_reach_the_widget(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole, widget: Widget
) -> None:
    """A chat note (the `internal` checkbox) and a ticket note (`send-note`) are shown to the
    agent as notes, stored as internal, and absent from the widget after the public reply
    that followed each has arrived there."""
    a = await new_console(ada)
    await wait_for_availability(shop, True)
    chat = await customer_starts_chat(shop, widget)
    cid = chat.conversation_id
    await expect(a.waiting_item(cid)).to_be_visible(timeout=LIVE_MS)
    await a.part("claim", within=a.waiting_item(cid)).click()
    view = await a.open_conversation(cid)

    # In the chat: a note, then a public reply.
    chat_note = unique("internal: customer is on the VIP list")
    await a.reply_in_conversation(cid, chat_note, internal=True)
    shown_note = a.message(chat_note, within=view)
    await expect(shown_note).to_have_attribute("data-internal", "true", timeout=LIVE_MS)
    chat_reply = unique("I have found your parcel")
    await a.reply_in_conversation(cid, chat_reply)
    await expect(a.message(chat_reply, within=view)).to_have_attribute(
        "data-internal", "false", timeout=LIVE_MS
    )
    await expect(widget.message(chat_reply, author="agent")).to_have_count(1, timeout=LIVE_MS)
    assert chat_note not in await widget.shadow_text()

    stored = {m["body"]: m for m in await shop.desk.messages(cid)}
    assert stored[chat_note]["isInternal"] is True, stored[chat_note]
    assert stored[chat_reply]["isInternal"] is False, stored[chat_reply]

    # The chat becomes a ticket; the customer opens it in the widget's ticket tab.
    ref = (await shop.desk.escalate(cid, subject=unique("Lost parcel")))["ticket"]["reference"]
    await expect(widget.part("chat-ticket")).to_contain_text(ref, timeout=LIVE_MS)
    await widget.part("tab-tickets").click()
    await widget.page.locator(f'[data-parley=ticket-item][data-ref="{ref}"]').click()
    widget_detail = widget.page.locator(f'[data-parley=ticket-detail][data-ref="{ref}"]')
    await expect(widget_detail).to_be_visible(timeout=LIVE_MS)

    # On the ticket: a note, then a public reply.
    detail = await a.open_ticket(ref)
    ticket_note = unique("internal: refund approved by finance")
    await a.part("reply", within=detail).fill(ticket_note)
    await a.part("send-note", within=detail).click()
    await expect(a.entry(ticket_note, within=detail)).to_have_attribute(
        "data-kind", "note", timeout=LIVE_MS
    )
    ticket_reply = unique("Your refund is on its way")
    await a.part("reply", within=detail).fill(ticket_reply)
    await a.part("send", within=detail).click()
    await expect(a.entry(ticket_reply, within=detail)).to_have_attribute(
        "data-kind", "reply", timeout=LIVE_MS
    )

    responses = widget.part("ticket-response", within=widget_detail)
    body = widget.page.locator("[data-parley=body]", has_text=ticket_reply)
    await expect(responses.filter(has=body)).to_have_count(1, timeout=LIVE_MS)
    text = await widget.shadow_text()
    assert ticket_note not in text
    assert chat_note not in text

    ticket = await shop.desk.ticket(ref)
    kinds = {r["content"]: r["isInternal"] for r in ticket["responses"]}
    assert kinds.get(ticket_note) is True and kinds.get(ticket_reply) is False, kinds
    a.assert_no_page_errors()
    widget.assert_no_page_errors()
