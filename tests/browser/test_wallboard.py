"""The supervisor's wallboard in headless Chromium: a queue changes on the board within
a second of changing in the service, a queue past its target stands out, the agent's
row shows the call and the supervisor listens to it, an escalated call and a pending
case show up, and the last hour's plot counts the call."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from conftest import PASSWORD, Centre, wait_for
from playwright.async_api import expect

pytestmark = pytest.mark.browser

BOOKINGS = ["1", "1"]


async def command_as(centre: Centre, user: str, name: str, args: dict[str, Any]) -> Any:
    """A command over REST, as ``user`` (what another desktop would send)."""
    async with aiohttp.ClientSession(base_url=centre.url) as http:
        async with http.post("/api/v1/login", json={"username": user, "password": PASSWORD}) as r:
            token = (await r.json())["token"]
        async with http.post("/api/v1/commands", json={"id": f"t-{name}", "name": name,
                                                       "args": args},
                             headers={"Authorization": f"Bearer {token}"}) as r:
            return await r.json()


async def stored(centre: Centre, interaction_id: str, kind: str) -> None:
    """Wait until PostgreSQL holds an event of type ``kind`` of the interaction."""
    async with asyncio.timeout(10):
        while True:
            assert await centre.service.flush(10)
            events = await centre.service.store.events.for_interaction(interaction_id)
            if any(e["type"] == kind for e in events):
                return
            await asyncio.sleep(0.05)


async def test_a_supervisor_watches_the_floor_and_listens_to_a_call(browser: Any,
                                                                     centre: Centre) -> None:
    service = centre.service
    engine = service.router.engine
    async with asyncio.timeout(120):
        page = await browser.new_page(viewport={"width": 1440, "height": 1000})
        failures: list[str] = []
        page.on("pageerror", lambda exc: failures.append(str(exc)))
        await centre.sign_in(page, "/wallboard", "carmen")
        bookings = page.locator("#queues tr[data-queue=bookings]")
        await expect(bookings).to_be_visible()
        await expect(page.locator("#queues tbody tr")).to_have_count(2)   # her two queues
        await expect(page.locator("#agents tr[data-agent=a1001]")).to_contain_text(
            "Lucia Fernandez")
        now = datetime.now(ZoneInfo("Europe/Madrid"))   # the centre's time, not UTC's
        minutes = "|".join(t.strftime("%H:%M") for t in (now, now + timedelta(minutes=1)))
        await expect(page.locator("#clock")).to_have_text(re.compile(f"^({minutes}):"))

        # A caller waits: the board shows it within a second of the engine.
        waiting = bookings.locator("td").nth(1)
        await expect(waiting).to_have_text("0")
        centre.env.sim.place_call("5557777", "Marta Gil", "900", digits=BOOKINGS)
        await wait_for(lambda: engine.queue_figures("bookings").waiting == 1, timeout=20,
                       what="the call waiting in bookings")
        queued_at = time.monotonic()
        await expect(waiting).to_have_text("1", timeout=1000)
        shown_after = time.monotonic() - queued_at
        assert shown_after < 1.0, f"the board showed the waiting call after {shown_after:.2f} s"
        # Nobody answers within the 2 s target: the queue stands out.
        await expect(bookings).to_have_class(re.compile(r"\bbreach\b"), timeout=5000)
        await expect(bookings).to_contain_text("Below target")

        # Lucia takes it: her row shows the call.
        await service.agent_command("a1001", "login", None)
        await service.agent_command("a1001", "ready", None)
        row = page.locator("#agents tr[data-agent=a1001]")
        await expect(row).to_contain_text("On a call", timeout=20_000)
        await expect(row).to_contain_text("Marta Gil · bookings · talking")
        await expect(waiting).to_have_text("0")
        live = next(c for c in service.calls if c.caller_number == "5557777")

        # A case of the agents' unit waits for finance: pending on the board.
        cases = service.cases
        customer = await cases.customers.create("Tom Becker", by="test", phones=["5550002"])
        opened = await cases.open_case(customer_id=customer.id, by="a1002",
                                       classification={"topic": "billing"})
        await cases.derive(opened.id, unit="finance", reason="refund over 500 EUR", by="a1002")
        unit = page.locator("#cases [data-unit=agents]")
        await expect(unit.locator(".big")).to_have_text("1", timeout=10_000)
        await expect(unit).to_contain_text("Invoices, payments and refunds")

        # The last hour's plot counts the call, offered and answered.
        await expect(page.locator("#plot svg")).to_have_attribute(
            "aria-label", re.compile(r"Offered 1, Answered 1, Abandoned 0"), timeout=15_000)


        # Lucia escalates the call: it is listed for a supervisor.
        escalated = await command_as(centre, "lucia", "call.escalate",
                                     {"interaction_id": live.interaction_id,
                                      "reason": "asks for a manager"})
        assert escalated["ok"], escalated
        await expect(page.locator("#escalations")).to_contain_text("asks for a manager")

        # Carmen listens from Lucia's row: her phone rings into the call.
        await row.get_by_role("button", name="Listen Lucia Fernandez").click()
        await expect(page.locator("#agents-done")).to_have_text(
            "Listening to Lucia Fernandez's call: your phone rings.")
        await expect(page.locator("#agents-error")).to_be_hidden()
        await centre.screenshot(page, "wallboard.png")
        await stored(centre, live.interaction_id, "supervision.started")
        await page.get_by_role("button", name="Stop listening").click()
        await expect(page.locator("#agents-done")).to_have_text("Stopped.")
        await stored(centre, live.interaction_id, "supervision.stopped")

        # A narrow screen: one card per row, nothing wider than the screen.
        await page.set_viewport_size({"width": 390, "height": 844})
        assert await page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth") <= 0
        await centre.screenshot(page, "wallboard-narrow.png")

    assert failures == []
