"""The tracking page in a real Chromium: opened from the link in the email the customer got,
it shows the ticket, an agent's public reply and status change arrive live (no reload), an
internal note never shows, the reply box adds a customer reply, and an expired or tampered
link gets the page that says so.

The proof that the note did not arrive is ordering: the note is written first and the public
reply after it, and only once the page shows that reply is its text searched for the note.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import httpx
import itsdangerous.timed
import pytest
from playwright.async_api import Page, expect

from server.settings import Settings
from server.tickets import tracking_links
from server.tickets.tracking_links import TrackingClaims
from tests.factories import Team, unique
from tests.support.browser import LIVE_MS, Pages, browser_marks
from tests.support.live import LiveServer
from tests.support.smtp import MailCatcher

pytestmark = browser_marks()

LINK = re.compile(r"https?://\S+/track#prl_tl_[A-Za-z0-9_.\-]+")


async def new_ticket(client: httpx.AsyncClient, team: Team) -> dict[str, Any]:
    body = {
        "subject": unique("Printer on fire"),
        "description": "It smokes.",
        "requesterName": "Rita Requester",
        "requesterEmail": f"{unique('rita')}@example.com",
    }
    r = await client.post("/api/tickets", json=body, headers=team.agent_headers)
    assert r.status_code == 201, r.text
    ticket: dict[str, Any] = r.json()["ticket"]
    return ticket


async def emailed_link(mail_catcher: MailCatcher, to: str) -> str:
    (message,) = await mail_catcher.wait_for(to, 1)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    found = LINK.search(str(part.get_content()))
    assert found is not None, part.get_content()
    return found[0]


def at(live_server: LiveServer, link: str) -> str:
    """The emailed link on the test's server: the app under test has PARLEY_PUBLIC_URL's
    default (localhost:8000), the live server another port; path and fragment are the link's."""
    parts = urlsplit(link)
    return f"{live_server.http_url}{parts.path}#{parts.fragment}"


def part(page: Page, name: str) -> Any:
    return page.locator(f'[data-parley="{name}"]')


async def test_the_emailed_link_opens_the_ticket_live_and_takes_a_reply(
    client: httpx.AsyncClient,
    team: Team,
    live_server: LiveServer,
    mail_catcher: MailCatcher,
    settings: Settings,
    pages: Pages,
) -> None:
    ticket = await new_ticket(client, team)
    ref = ticket["reference"]
    link = await emailed_link(mail_catcher, ticket["requesterEmail"])
    assert link.startswith(f"{settings.public_url}/track#prl_tl_")

    page, log = await pages.open()
    answer = await page.goto(at(live_server, link))
    assert answer is not None and answer.status == 200
    headers = answer.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"

    detail = part(page, "ticket-detail")
    await expect(detail).to_be_visible(timeout=LIVE_MS)
    await expect(detail).to_have_attribute("data-ref", ref)
    await expect(page.locator(".detail__title")).to_have_text(ticket["subject"])
    await expect(part(page, "ticket-status")).to_have_attribute("data-status", "NEW")
    await expect(page.locator('[data-track="organization"]')).to_have_text(team.org.name)
    await expect(page).to_have_title(re.compile(re.escape(ref)))
    # Marks this document: still there at the end means nothing below reloaded the page.
    await page.evaluate("window.__notReloaded = true")

    # The agent writes a note, then a public reply, then moves the status: live, in order.
    note = unique("SECRET-NOTE refund in full")
    answer_text = unique("Have you tried unplugging it?")
    for body in ({"content": note, "isInternal": True}, {"content": answer_text}):
        r = await client.post(
            f"/api/tickets/{ref}/responses", json=body, headers=team.agent_headers
        )
        assert r.status_code == 201, r.text
    shown = part(page, "ticket-response").filter(has_text=answer_text)
    await expect(shown).to_have_count(1, timeout=LIVE_MS)
    await expect(shown).to_have_class(re.compile("resp--theirs"))
    assert note not in await page.content()
    r = await client.patch(
        f"/api/tickets/{ref}/status", json={"status": "WAITING_ON_CUSTOMER"},
        headers=team.agent_headers,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    await expect(part(page, "ticket-status")).to_have_attribute(
        "data-status", "WAITING_ON_CUSTOMER", timeout=LIVE_MS
    )

    # The customer answers from the reply box.
    mine = unique("Unplugged, still smoking")
    await part(page, "ticket-reply").fill(mine)
    await part(page, "ticket-reply-send").click()
    await expect(part(page, "ticket-response").filter(has_text=mine)).to_have_count(
        1, timeout=LIVE_MS
    )
    await expect(part(page, "ticket-status")).to_have_attribute("data-status", "OPEN")
    await expect(part(page, "ticket-reply")).to_have_value("")
    r = await client.get(f"/api/tickets/{ref}", headers=team.agent_headers)
    stored = [x for x in r.json()["ticket"]["responses"] if x["content"] == mine]
    assert len(stored) == 1, r.text
    assert stored[0]["authorType"] == "CUSTOMER" and stored[0]["isInternal"] is False

    assert await page.evaluate("window.__notReloaded === true")
    assert note not in await page.content()
    assert not log.errors, log.dump()


async def test_an_expired_or_tampered_link_gets_a_clear_page(
    client: httpx.AsyncClient,
    team: Team,
    live_server: LiveServer,
    mail_catcher: MailCatcher,
    pages: Pages,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = await new_ticket(client, team)
    link = at(live_server, await emailed_link(mail_catcher, ticket["requesterEmail"]))
    claims = TrackingClaims(team.org.id, ticket["id"], ticket["requesterId"])
    long_ago = (datetime.now(UTC) - timedelta(days=31)).timestamp()
    with monkeypatch.context() as past:
        past.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: long_ago))
        # The app under test signs with its settings' key, as the email did.
        secret = "test-secret-key-" + "x" * 32
        expired = f"{live_server.http_url}/track#{tracking_links.sign(secret, 'link', claims)}"

    page, log = await pages.open()
    await page.goto(expired)
    root = page.locator("#track")
    await expect(root).to_have_attribute("data-track", "expired", timeout=LIVE_MS)
    await expect(page.locator("h1")).to_have_text("This link has expired")
    await expect(root).to_contain_text("open the one in the latest email")
    await expect(part(page, "ticket-detail")).to_have_count(0)

    body, _, signature = link.rpartition(".")
    tampered = f"{body}.{'_' if signature[0] != '_' else 'A'}{signature[1:]}"
    for bad in (tampered, f"{live_server.http_url}/track", f"{live_server.http_url}/track#x"):
        await page.goto("about:blank")
        await page.goto(bad)
        await expect(root).to_have_attribute("data-track", "invalid", timeout=LIVE_MS)
        await expect(page.locator("h1")).to_have_text("This link does not work")
    assert ticket["subject"] not in await page.content()
    assert not log.errors, log.dump()


async def test_the_page_speaks_german(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer, browser: Any
) -> None:
    """The widget's texts and the page's own follow the browser's language."""
    context = await browser.new_context(locale="de-DE")
    try:
        page = await context.new_page()
        await page.goto(f"{live_server.http_url}/track#prl_tl_nothing")
        await expect(page.locator("#track")).to_have_attribute(
            "data-track", "invalid", timeout=LIVE_MS
        )
        await expect(page.locator("h1")).to_have_text("Dieser Link funktioniert nicht")
        assert await page.evaluate("document.documentElement.lang") == "de"
    finally:
        await context.close()
