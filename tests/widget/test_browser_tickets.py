"""The ticket form and ticket tracking in a real browser, with nobody online to chat.

The customer leaves a ticket through the widget's steps (with validation), finds it again by
reference and email, and watches it change while an agent works through the HTTP API: a
public reply and a status change arrive live, an internal note never does. The agent API is
the witness that the ticket the widget confirmed is the one stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.async_api import Locator, Route, expect

from server.accounts import org_settings
from tests.factories import configure_org
from tests.support.browser import LIVE_MS, browser_marks
from tests.widget.harness import Shop, Widget, unique

pytestmark = browser_marks()

CATEGORIES = ["Billing", "Technical"]


@dataclass(frozen=True)
class Filed:
    reference: str
    email: str
    subject: str
    description: str
    tracking_link: str


def field(widget: Widget, name: str) -> Locator:
    """The ticket form's message for one field (the pre-chat form has its own)."""
    return widget.part("ticket-form").locator(f"[data-parley=field-error][data-field={name}]")


async def file_ticket(
    widget: Widget, *, priority: str | None = None, screenshots: bool = False
) -> Filed:
    """Fill the ticket form (the chat tab shows it when nobody is online): contact step (a bad
    email is refused with a message first), issue step (an empty one is refused first; the
    priority only where the organisation allows it), confirmation."""
    form = widget.part("ticket-form")
    await expect(form).to_be_visible(timeout=LIVE_MS)
    await expect(form).to_have_attribute("data-step", "contact")
    email = f"{unique('rita')}@example.com"

    await form.locator("input[name=name]").fill("Rita Customer")
    await form.locator("input[name=email]").fill("rita-at-example")
    await widget.part("next").click()
    await expect(field(widget, "email")).to_be_visible()
    await expect(field(widget, "email")).not_to_be_empty()
    await expect(form).to_have_attribute("data-step", "contact")
    if screenshots:
        await widget.screenshot("ticket-form-contact")

    await form.locator("input[name=email]").fill(email)
    await widget.part("next").click()
    await expect(form).to_have_attribute("data-step", "issue")

    await widget.part("submit-ticket").click()  # nothing filled in yet: refused, stays here
    await expect(field(widget, "subject")).to_be_visible()
    await expect(form).to_have_attribute("data-step", "issue")

    subject = unique("Invoice shows the wrong amount")
    description = "I was charged twice for order 1042.\nPlease refund one of them."
    await form.locator("input[name=subject]").fill(subject)
    await form.locator("textarea[name=description]").fill(description)
    await form.locator("select[name=category]").select_option("Billing")
    if priority is None:
        await expect(form.locator("select[name=priority]")).to_be_hidden()
    else:
        await form.locator("select[name=priority]").select_option(priority)
    if screenshots:
        await widget.screenshot("ticket-form-issue")
    await widget.part("submit-ticket").click()

    await expect(form).to_have_attribute("data-step", "done", timeout=LIVE_MS)
    reference = (await widget.part("ticket-ref").inner_text()).strip()
    assert re.fullmatch(r"TKT-\d+", reference), reference
    link = await widget.part("tracking-link").get_attribute("href")
    assert link is not None
    if screenshots:
        await widget.screenshot("ticket-form-done")
    return Filed(reference, email, subject, description, link)


async def test_with_nobody_online_a_ticket_is_filed_tracked_and_updated_live(
    shop: Shop, widget: Widget
) -> None:
    """Nobody online: the chat tab is the ticket form; the ticket it confirms is stored as
    typed; tracking by reference + email opens it (a wrong email is refused); the agent's
    reply and status change arrive live, their internal note never; the customer replies.
    Saves `ticket-form-*.png` and `ticket-tracking.png`."""
    await configure_org(shop.team.org, categories=CATEGORIES)
    await widget.goto(shop.page_url())
    await widget.open()
    await expect(widget.part("prechat")).to_be_hidden()  # nobody to chat with: no chat form
    filed = await file_ticket(widget, screenshots=True)

    # The confirmed reference is the stored ticket, as the customer described it.
    ticket = await shop.desk.ticket(filed.reference)
    assert ticket["subject"] == filed.subject
    assert ticket["description"] == filed.description
    assert ticket["requesterEmail"] == filed.email
    assert ticket["requesterName"] == "Rita Customer"
    assert ticket["category"] == "Billing"
    assert ticket["status"] == "NEW"
    assert filed.tracking_link == f"{shop.page_url()}#parley-ticket={filed.reference}"

    # My tickets: the visitor's own list has it; the lookup by reference + email opens it.
    await widget.part("tab-tickets").click()
    item = widget.page.locator(f'[data-parley=ticket-item][data-ref="{filed.reference}"]')
    await expect(item).to_be_visible(timeout=LIVE_MS)
    lookup = widget.part("lookup")
    await lookup.locator("input[name=ref]").fill(filed.reference)
    await lookup.locator("input[name=email]").fill("someone-else@example.com")
    await widget.part("lookup-submit").click()
    await expect(widget.part("lookup-error")).to_be_visible(timeout=LIVE_MS)
    await lookup.locator("input[name=email]").fill(filed.email.upper())
    await widget.part("lookup-submit").click()

    detail = widget.page.locator(f'[data-parley=ticket-detail][data-ref="{filed.reference}"]')
    await expect(detail).to_be_visible(timeout=LIVE_MS)
    status = widget.part("ticket-status", within=detail)
    await expect(status).to_have_attribute("data-status", "NEW")

    # The agent works on it: a note (never shown), a public reply, a status change (live).
    note = unique("internal: refund already flagged by finance")
    await shop.desk.respond(filed.reference, note, internal=True)
    reply = unique("Thanks Rita, we refunded the duplicate charge")
    await shop.desk.respond(filed.reference, reply)
    responses = widget.part("ticket-response", within=detail)
    answer = responses.filter(has=widget.page.locator("[data-parley=body]", has_text=reply))
    await expect(answer).to_have_count(1, timeout=LIVE_MS)
    await expect(status).to_have_attribute("data-status", "OPEN", timeout=LIVE_MS)
    await shop.desk.set_status(filed.reference, "WAITING_ON_CUSTOMER")
    await expect(status).to_have_attribute("data-status", "WAITING_ON_CUSTOMER", timeout=LIVE_MS)
    # The note was written before the reply, and the reply (and a later change) arrived: had
    # the note been pushed or fetched, it would be here by now.
    assert note not in await widget.shadow_text()
    await expect(responses).to_have_count(1)

    await widget.screenshot("ticket-tracking")

    # The customer answers from the widget; the agent sees it once.
    answer_text = unique("The duplicate was on 3 March")
    await widget.part("ticket-reply", within=detail).fill(answer_text)
    await widget.part("ticket-reply-send", within=detail).click()
    mine = responses.filter(has=widget.page.locator("[data-parley=body]", has_text=answer_text))
    await expect(mine).to_have_count(1, timeout=LIVE_MS)
    stored = await shop.desk.ticket(filed.reference)
    contents = [r["content"] for r in stored["responses"]]
    assert contents.count(answer_text) == 1, contents
    assert note not in await widget.shadow_text()
    widget.assert_no_page_errors()


async def test_the_tracking_link_opens_the_ticket_when_the_page_loads(
    shop: Shop, widget: Widget
) -> None:
    """The confirmation's tracking link, opened later in the same browser, opens the widget on
    that ticket."""
    await configure_org(shop.team.org, categories=CATEGORIES)
    await widget.goto(shop.page_url())
    await widget.open()
    filed = await file_ticket(widget)

    later = await widget.page.context.new_page()
    later.on("pageerror", lambda exc: widget.log.errors.append(f"{exc.name}: {exc.message}"))
    await later.goto(filed.tracking_link)
    detail = later.locator(f'[data-parley=ticket-detail][data-ref="{filed.reference}"]')
    await expect(later.locator("[data-parley=panel]")).to_be_visible(timeout=LIVE_MS)
    await expect(detail).to_be_visible(timeout=LIVE_MS)
    await expect(detail.locator("[data-parley=ticket-status]")).to_have_attribute(
        "data-status", "NEW"
    )
    widget.assert_no_page_errors()


async def test_the_contact_us_tab_offers_the_ticket_form_even_when_agents_are_online(
    shop: Shop, widget: Widget
) -> None:
    """With an agent online the chat tab offers a chat, and "Contact us" still files a ticket,
    here with the priority the organisation lets customers choose."""
    await configure_org(shop.team.org, categories=CATEGORIES)
    await org_settings.update_organization(
        principal=shop.team.admin_principal, widget={"allowPriority": True}
    )
    async with shop.agent_online():
        await widget.goto(shop.page_url())
        await widget.open()
        await expect(widget.part("prechat")).to_be_visible(timeout=LIVE_MS)
        await widget.part("tab-contact").click()
        filed = await file_ticket(widget, priority="HIGH")
    ticket = await shop.desk.ticket(filed.reference)
    assert ticket["subject"] == filed.subject
    assert ticket["priority"] == "HIGH"
    widget.assert_no_page_errors()


async def test_a_ticket_sent_again_after_the_answer_was_lost_is_filed_once(
    shop: Shop, widget: Widget
) -> None:
    """The network drops the server's answer to the contact form (the ticket IS stored): the
    customer sees a network error and sends again; the widget's `Idempotency-Key` makes the
    server answer with the first ticket instead of filing a second one."""
    await widget.goto(shop.page_url())
    await widget.open()
    form = widget.part("ticket-form")
    await expect(form).to_be_visible(timeout=LIVE_MS)
    await form.locator("input[name=name]").fill("Rita Customer")
    await form.locator("input[name=email]").fill(f"{unique('rita')}@example.com")
    await widget.part("next").click()
    await expect(form).to_have_attribute("data-step", "issue")
    subject = unique("Lost answer")
    await form.locator("input[name=subject]").fill(subject)
    await form.locator("textarea[name=description]").fill("The first answer never arrives.")

    keys: list[str | None] = []

    async def lose_the_first_answer(route: Route) -> None:
        keys.append(await route.request.header_value("idempotency-key"))
        if len(keys) == 1:
            await route.fetch()  # the server files the ticket ...
            await route.abort("connectionreset")  # ... and its answer is lost
        else:
            await route.continue_()

    await widget.page.route("**/api/embed/tickets", lose_the_first_answer)
    await widget.part("submit-ticket").click()
    form_error = form.locator("[data-parley=field-error][data-field=form]")
    await expect(form_error).to_be_visible(timeout=LIVE_MS)
    await expect(form).to_have_attribute("data-step", "issue")

    await widget.part("submit-ticket").click()
    await expect(form).to_have_attribute("data-step", "done", timeout=LIVE_MS)
    reference = (await widget.part("ticket-ref").inner_text()).strip()

    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys
    found = await shop.desk.call("GET", f"/api/tickets?q={subject}")
    assert [t["reference"] for t in found["items"]] == [reference]
