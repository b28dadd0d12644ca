"""Tickets in the console with two agents at once, in real browsers.

What only a browser can show: presence on a ticket (who else is looking, who is composing,
who left) is drawn from the live socket; a change one agent makes shows up in the other
agent's open detail view and open list without a reload; a customer reply that arrives while
an agent is composing stops the agent's send with a warning they can override; the new
ticket form finds an existing requester. The agents' HTTP API is the witness of what was
stored.
"""

from __future__ import annotations

import time

from playwright.async_api import Page, Response, expect

from server.settings import Settings
from tests.console.harness import (
    REFERENCE,
    AgentLogin,
    Console,
    OpenConsole,
    create_ticket,
    customer_replies_by_email,
    customer_replies_to_ticket,
    unique,
)
from tests.support.browser import LIVE, LIVE_MS, browser_marks
from tests.widget.harness import Shop

pytestmark = browser_marks()


async def mark_page(page: Page) -> None:
    """Leave a mark in the page's JavaScript state: a reload would wipe it."""
    await page.evaluate("() => { window.__parleyNoReload = true; }")


async def assert_not_reloaded(console: Console) -> None:
    assert await console.page.evaluate("() => window.__parleyNoReload === true"), (
        f"{console.agent.name}'s page was reloaded"
    )


async def test_two_agents_on_one_ticket_see_each_other_compose_and_leave(
    shop: Shop,
    ada: AgentLogin,
    ben: AgentLogin,
    new_console: OpenConsole,
    settings: Settings,
) -> None:
    """Issue 6, second scenario. Ada and Ben open the same ticket (Ben by clicking its row in
    the list): each sees the other's avatar and not their own; Ben types in the reply box and
    Ada sees him composing; Ben closes his window and his avatar leaves Ada's screen within
    the presence TTL (the time it took is printed). Saves `ticket-detail-two-viewers.png`
    (Ada's view while Ben composes)."""
    ticket = await create_ticket(shop)
    ref = ticket["reference"]
    a = await new_console(ada)
    b = await new_console(ben)
    a_detail = await a.open_ticket(ref)

    ben_list = await b.open_ticket_list()
    await b.ticket_row(ref, within=ben_list).click()
    b_detail = b.ticket_detail(ref)
    await expect(b_detail).to_be_visible(timeout=LIVE_MS)

    ben_on_a = a.viewer(ben.person, within=a_detail)
    await expect(ben_on_a).to_be_visible(timeout=LIVE_MS)
    await expect(b.viewer(ada.person, within=b_detail)).to_be_visible(timeout=LIVE_MS)
    await expect(a.viewer(ada.person)).to_have_count(0)  # only the others
    await expect(b.viewer(ben.person)).to_have_count(0)
    await expect(ben_on_a).not_to_have_attribute("data-composing", "true")

    await b.part("reply", within=b_detail).press_sequentially("Looking into the blend")
    await expect(ben_on_a).to_have_attribute("data-composing", "true", timeout=LIVE_MS)
    await a.screenshot("ticket-detail-two-viewers")

    closed_at = time.monotonic()
    await b.close()
    await expect(ben_on_a).to_have_count(0, timeout=(settings.presence_ttl_seconds + LIVE) * 1000)
    print(f"Ben's avatar left Ada's screen {time.monotonic() - closed_at:.2f} s after he closed")
    a.assert_no_page_errors()


async def test_status_and_priority_changes_reach_another_agents_detail_and_list_live(
    shop: Shop, ada: AgentLogin, ben: AgentLogin, new_console: OpenConsole
) -> None:
    """Issue 6, third scenario. Ada changes status and priority in the detail view; Ben's
    detail view (one tab) and ticket list (another tab) show the new values without a reload,
    and the API stored them."""
    ticket = await create_ticket(shop, priority="LOW")
    ref = ticket["reference"]
    a = await new_console(ada)
    b = await new_console(ben)
    a_detail = await a.open_ticket(ref)
    b_detail = await b.open_ticket(ref)
    b_tab = await b.new_tab()
    b_list = await b_tab.open_ticket_list()
    row = b_tab.ticket_row(ref, within=b_list)
    await expect(row).to_be_visible(timeout=LIVE_MS)
    await expect(b_tab.part("row-status", within=row)).to_have_attribute("data-status", "NEW")
    await expect(b_tab.part("row-priority", within=row)).to_have_attribute("data-priority", "LOW")
    await expect(b.part("status", within=b_detail)).to_have_value("NEW")
    await expect(b.part("priority", within=b_detail)).to_have_value("LOW")
    for console in (b, b_tab):
        await mark_page(console.page)

    await a.part("status", within=a_detail).select_option("IN_PROGRESS")
    await a.part("priority", within=a_detail).select_option("URGENT")

    await expect(b.part("status", within=b_detail)).to_have_value("IN_PROGRESS", timeout=LIVE_MS)
    await expect(b.part("priority", within=b_detail)).to_have_value("URGENT", timeout=LIVE_MS)
    await expect(b_tab.part("row-status", within=row)).to_have_attribute(
        "data-status", "IN_PROGRESS", timeout=LIVE_MS
    )
    await expect(b_tab.part("row-priority", within=row)).to_have_attribute(
        "data-priority", "URGENT", timeout=LIVE_MS
    )
    for console in (b, b_tab):
        await assert_not_reloaded(console)
    stored = await shop.desk.ticket(ref)
    assert (stored["status"], stored["priority"]) == ("IN_PROGRESS", "URGENT"), stored
    for console in (a, b, b_tab):
        console.assert_no_page_errors()


async def test_a_customer_reply_while_composing_warns_before_sending(
    shop: Shop, ben: AgentLogin, new_console: OpenConsole
) -> None:
    """Collision control. Ben has a reply typed when the customer's answer arrives; pressing
    send is refused by the server (409 `stale_reply`: the console said which position it
    last saw), the warning shows and nothing is stored; "send anyway" stores his reply once,
    after the customer's."""
    ticket = await create_ticket(shop)
    ref = ticket["reference"]
    b = await new_console(ben)
    detail = await b.open_ticket(ref)

    draft = unique("Please send us a photo of the blade")
    await b.part("reply", within=detail).press_sequentially(draft)
    customer = unique("It is grinding louder now")
    await customer_replies_to_ticket(shop, int(ticket["requesterId"]), ref, customer)
    await expect(b.entry(customer, within=detail)).to_be_visible(timeout=LIVE_MS)

    def reply_posted(response: Response) -> bool:
        request = response.request
        return request.method == "POST" and request.url.endswith(f"/api/tickets/{ref}/responses")

    # Send: the console says what it last saw, the server refuses, the warning shows.
    async with b.page.expect_response(reply_posted) as first_try:
        await b.part("send", within=detail).click()
    refused = await first_try.value
    assert refused.status == 409, await refused.text()
    assert (await refused.json())["error"]["code"] == "stale_reply"
    warning = b.part("collision", within=detail)
    await expect(warning).to_be_visible(timeout=LIVE_MS)
    contents = [r["content"] for r in (await shop.desk.ticket(ref))["responses"]]
    assert draft not in contents, "the reply was stored despite the collision"

    async with b.page.expect_response(reply_posted) as second_try:
        await b.part("send-anyway", within=detail).click()
    assert (await second_try.value).status == 201
    sent = b.entry(draft, within=detail)
    await expect(sent).to_have_count(1, timeout=LIVE_MS)
    await expect(sent).to_have_attribute("data-kind", "reply")
    await expect(warning).to_be_hidden()
    contents = [r["content"] for r in (await shop.desk.ticket(ref))["responses"]]
    assert contents.count(draft) == 1, contents
    assert contents.index(customer) < contents.index(draft), contents
    b.assert_no_page_errors()


async def test_a_reply_by_email_shows_with_its_original(
    shop: Shop, ben: AgentLogin, new_console: OpenConsole
) -> None:
    """A customer's reply by email arrives live in the open ticket, marked "Email", without
    the quote; "Original email" shows the message as it arrived, headers and quote included,
    as text (never rendered)."""
    ticket = await create_ticket(shop)
    b = await new_console(ben)
    detail = await b.open_ticket(ticket["reference"])
    words = unique("It still <b>grinds</b>")
    raw = await customer_replies_by_email(shop, ticket, words)

    entry = b.entry(words, within=detail)
    await expect(entry).to_be_visible(timeout=LIVE_MS)
    await expect(entry).to_have_attribute("data-author", "email")
    await expect(entry).to_contain_text("Email")
    await expect(entry).not_to_contain_text("How can we help")
    await entry.locator("[data-console=original-email] summary").click()
    source = entry.locator("[data-console=email-source]")
    message_id = raw.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0].decode()
    await expect(source).to_contain_text(message_id, timeout=LIVE_MS)
    await expect(source).to_contain_text("> How can we help?")
    assert await entry.locator("b").count() == 0  # the customer's markup stays text
    b.assert_no_page_errors()


async def test_the_new_ticket_form_checks_fields_and_finds_an_existing_requester(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole
) -> None:
    """The new ticket form refuses an empty submission with field messages, finds a known
    requester by name, and on success shows the new ticket, stored for that requester."""
    earlier = await create_ticket(shop, requesterName=unique("Quentin Quinn"))
    a = await new_console(ada)
    await a.part("nav-new-ticket").click()
    form = a.part("new-ticket")
    await expect(form).to_be_visible(timeout=LIVE_MS)

    await a.part("create", within=form).click()
    await expect(a.part("field-error", within=form).first).to_be_visible(timeout=LIVE_MS)
    await expect(form).to_be_visible()  # still here

    await form.locator("input[name=requesterQuery]").fill(earlier["requesterName"][:14])
    option = a.part("requester-option", within=form).filter(has_text=earlier["requesterEmail"])
    await expect(option).to_be_visible(timeout=LIVE_MS)
    await option.click()
    subject = unique("The lid does not close")
    await form.locator("input[name=subject]").fill(subject)
    await form.locator("textarea[name=description]").fill("Since the last update.")
    await form.locator("select[name=priority]").select_option("HIGH")
    await a.part("create", within=form).click()

    detail = a.page.locator("[data-console=ticket-detail]")
    await expect(detail).to_be_visible(timeout=LIVE_MS)
    ref = await detail.get_attribute("data-ref")
    assert ref and REFERENCE.match(ref), ref
    stored = await shop.desk.ticket(ref)
    assert stored["subject"] == subject and stored["priority"] == "HIGH", stored
    assert stored["requesterId"] == earlier["requesterId"], stored
    await expect(a.page).to_have_url(f"{a.url}#/tickets/{ref}")
    a.assert_no_page_errors()
