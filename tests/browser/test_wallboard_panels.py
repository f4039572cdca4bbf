"""The wallboard's forecast and campaign panels in headless Chromium, on real data: a
queue with three weeks of recorded calls and some today shows today's forecast
against actual (a queue without history says so); a campaign created and started
through the API shows as a row of the campaign panel, and an abandon rate near or
over its budget stands out."""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import ROOT, Centre
from playwright.async_api import expect

sys.path.insert(0, str(ROOT / "tests" / "integration" / "wfm"))

from wfm_support import insert_history, insert_today

pytestmark = pytest.mark.browser

ZONE = "Europe/Madrid"            # the centre fixture's hours.yaml
TODAY_CALLS = 6
CAMPAIGN = {"name": "renewals", "mode": "progressive", "queue": "bookings",
            "caller_id": "+34910000000",
            "window": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                       "hours": ["00:00-24:00"]}}
#: Two campaigns as the board would give them: one near its 3 % limit, one over it.
BOARD = [{"campaign": "near", "mode": "predictive", "status": "running", "lines_in_use": 4,
          "max_lines": 12, "placed": 200, "answer_rate": 0.3, "list_exhausted": False,
          "abandon": {"rules": "US", "limit": 0.03, "rate": 0.026, "live": 500,
                      "abandoned": 13, "budget_left": 2.0, "spent": False},
          "agents": {"logged_in": 5, "free": 1, "busy": 4, "away": 0, "occupancy": 0.8},
          "pacing": {"reason": "predictive", "lines": 2, "explanation": ""}},
         {"campaign": "over", "mode": "predictive", "status": "running", "lines_in_use": 0,
          "max_lines": 12, "placed": 100, "answer_rate": 0.25, "list_exhausted": False,
          "abandon": {"rules": "US", "limit": 0.03, "rate": 0.04, "live": 100,
                      "abandoned": 4, "budget_left": 0, "spent": True},
          "agents": None, "pacing": None}]


async def as_admin(centre: Centre, method: str, path: str, body: Any = None) -> Any:
    return await centre.api("root", method, path, body)


async def test_forecast_and_campaign_panels_show_real_data(browser: Any,
                                                           centre: Centre) -> None:
    today = datetime.now(ZoneInfo(ZONE)).date()
    dsn = centre.env.dsn
    await insert_history(dsn, "bookings", end=today, days=21, zone=ZONE)
    await insert_today(dsn, "bookings", zone=ZONE, count=TODAY_CALLS)
    await centre.user("root", "admin", name="Root")
    await as_admin(centre, "POST", "/campaigns", CAMPAIGN)
    await as_admin(centre, "POST", "/campaigns/renewals/contacts",
                   {"csv": "number,name\n612345601,Ana\n", "map": {"number": "number"}})
    started = await as_admin(centre, "POST", "/campaigns/renewals/start")
    assert started["status"] == "running"

    async with asyncio.timeout(150):
        page = await browser.new_page(viewport={"width": 1440, "height": 1000})
        failures: list[str] = []
        page.on("pageerror", lambda exc: failures.append(str(exc)))
        await centre.sign_in(page, "/wallboard", "carmen")

        # Bookings: today's forecast against the calls so far (the first fit takes a while).
        block = page.locator("#forecasts [data-queue=bookings]")
        plot = block.locator("svg")
        await expect(plot).to_have_attribute(
            "aria-label", re.compile(rf"^bookings today: So far {TODAY_CALLS} contacts against "),
            timeout=90_000)
        await expect(block.locator("polyline.s-forecast")).to_have_count(1)
        assert await block.locator("rect.s-actual").count() >= 1 or \
            datetime.now(ZoneInfo(ZONE)).hour == 0          # just after midnight: none over
        await expect(block).to_contain_text("seasonal_naive")   # 21 days: the baseline
        await expect(page.locator("#forecast-note")).to_be_hidden()
        # Complaints has no history: a quiet note instead of a plot.
        await expect(page.locator("#forecasts [data-queue=complaints]")).to_have_text(
            re.compile("Too little history for a forecast yet"))

        # The running campaign is a row of the campaign panel, from the REST board.
        row = page.locator("#campaigns tr[data-campaign=renewals]")
        await expect(row).to_contain_text("progressive · running", timeout=15_000)
        await expect(row.locator("td[data-label=Lines]")).to_have_text(re.compile(r"^\d+ / \d+$"))
        await expect(row.locator("td[data-label='Abandon rate']")).to_contain_text("/ 3%")
        await expect(row).not_to_have_class(re.compile("abandon-"))
        await centre.screenshot(page, "wallboard-panels.png")

        # An abandon rate near and over the budget stands out (the module the panel uses).
        classes = await page.evaluate("""async (board) => {
            const {campaignRows} = await import("/static/js/campaigns.js");
            return campaignRows(board).map((tr) => [tr.className, tr.textContent]);
        }""", BOARD)
        assert classes[0][0] == "abandon-near" and "Near the limit" in classes[0][1]
        assert classes[1][0] == "abandon-over" and "Over the limit" in classes[1][1]

        # Keyboard: the panels hold no traps; a narrow screen needs no sideways scroll.
        await page.set_viewport_size({"width": 390, "height": 844})
        assert await page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth") <= 0
        await centre.screenshot(page, "wallboard-panels-narrow.png")
    assert failures == []


async def test_forecast_panel_says_quietly_when_the_wfm_extra_is_missing(
        browser: Any, centre: Centre) -> None:
    assert centre.service.api is not None
    centre.service.api.forecasts.needs = ("no_such_wfm_package",)
    async with asyncio.timeout(60):
        page = await browser.new_page(viewport={"width": 1440, "height": 1000})
        await centre.sign_in(page, "/wallboard", "carmen")
        note = page.locator("#forecast-note")
        await expect(note).to_have_text(re.compile(
            r"^Forecasts are not available: .*pip install 'asterisk-cti\[wfm\]'"))
        await expect(page.locator("#forecasts svg")).to_have_count(0)
        await expect(page.locator("#campaigns tbody")).to_contain_text("No campaign is running.")
