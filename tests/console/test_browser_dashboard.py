"""The dashboard in a real browser: the figures are the API's and the volume chart is an SVG
drawn by the console itself (no chart CDN: the page's CSP would refuse one anyway)."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.console.harness import AgentLogin, OpenConsole, create_ticket
from tests.support.browser import LIVE_MS, browser_marks
from tests.widget.harness import Shop

pytestmark = browser_marks()


async def test_the_dashboard_shows_the_organisations_counts_and_a_14_day_chart(
    shop: Shop, ada: AgentLogin, new_console: OpenConsole
) -> None:
    """Three tickets today, one resolved, one assigned, one answered: the dashboard's counts
    match `/api/dashboard` and what was made, the average first response is a figure, and the
    chart has one bar per day of the last 14 (the API's days, in order).
    Saves `dashboard.png`."""
    for n in range(3):
        ticket = await create_ticket(shop)
        if n == 0:
            await shop.desk.set_status(ticket["reference"], "RESOLVED")
        if n == 1:
            body = {"agentId": ada.id}
            await shop.desk.call("POST", f"/api/tickets/{ticket['reference']}/assign", body)
        if n == 2:  # a first response, so there is an average to show
            await shop.desk.respond(ticket["reference"], "We are on it.")
    figures = await shop.desk.call("GET", "/api/dashboard")
    assert (figures["open"], figures["resolved"]) == (2, 1), figures
    assert (figures["unassigned"], figures["createdToday"]) == (1, 3), figures
    assert figures["averageFirstResponseSeconds"] is not None, figures

    a = await new_console(ada)
    await a.part("nav-dashboard").click()
    board = a.part("dashboard")
    await expect(board).to_be_visible(timeout=LIVE_MS)
    for name, value in [("open", 2), ("resolved", 1), ("unassigned", 1), ("created-today", 3)]:
        await expect(a.part(f"stat-{name}", within=board)).to_have_text(
            re.compile(rf"(^|\D){value}(\D|$)"), timeout=LIVE_MS
        )
    # A figure, not the placeholder shown while loading or when there is no average.
    await expect(a.part("stat-first-response", within=board)).to_have_text(re.compile(r"\d"))
    chart = board.locator("svg[data-console=volume-chart]")
    await expect(chart).to_be_visible()
    await expect(chart.locator("rect[data-day]")).to_have_count(14)
    days = [await r.get_attribute("data-day") for r in await chart.locator("rect[data-day]").all()]
    assert days == [d["date"] for d in figures["volume"]], (days, figures["volume"])
    await a.screenshot("dashboard")
    a.assert_no_page_errors()
