"""A preview campaign in the reference desktop, in headless Chromium, against the
running service and the simulated PBX: an admin creates the campaign, gives it a list
with a free attribute and starts it through the REST API; the agent goes ready, sees
the first contact on the preview card, dials it with the keyboard, and the screen-pop
of the call shows the campaign's part; the second contact is skipped, the third left
to time out, the fourth taken back when the agent pauses; PostgreSQL records the
connected attempt and each decision."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from conftest import Centre
from playwright.async_api import expect

from cti.sim.phones import Behaviour

pytestmark = pytest.mark.browser

ANA, BRUNO, CARLA, DORA = "+34612345601", "+34612345602", "+34612345603", "+34612345604"
#: Seconds to decide on a preview: the third contact waits them out.
TIMEOUT = 8
CAMPAIGN = {"name": "renewals", "mode": "preview", "queue": "bookings",
            "description": "Policy renewals", "caller_id": "+34910000000",
            "preview": {"timeout": TIMEOUT},
            "window": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                       "hours": ["00:00-24:00"]}}
LIST = ("number,name,plan\n612345601,Ana Ruiz,gold\n612345602,Bruno Diaz,silver\n"
        "612345603,Carla Gil,bronze\n612345604,Dora Vidal,gold\n")
#: Collects what the page says to screen readers (the card's comings and goings).
WATCH_ANNOUNCE = """() => {
  const box = document.getElementById("announce");
  window.__said = [];
  new MutationObserver(() => box.textContent && window.__said.push(box.textContent))
    .observe(box, {childList: true, subtree: true, characterData: true});
}"""


async def start_campaign(centre: Centre) -> None:
    await centre.user("root", "admin", name="Root")
    await centre.api("root", "POST", "/campaigns", CAMPAIGN)
    imported = await centre.api("root", "POST", "/campaigns/renewals/contacts",
                                {"csv": LIST, "map": {"number": "number"}})
    assert imported["imported"] == 4, imported
    started = await centre.api("root", "POST", "/campaigns/renewals/start")
    assert started["status"] == "running"


async def rows(centre: Centre, sql: str) -> list[dict[str, Any]]:
    assert centre.service.store is not None
    return [dict(r) for r in await centre.service.store.pool.fetch(sql)]


async def test_the_agent_dials_one_preview_and_skips_the_next(browser: Any,
                                                              centre: Centre) -> None:
    centre.env.sim.set_customer(ANA, Behaviour.human(after=1.0, talk_seconds=120))
    await start_campaign(centre)
    async with asyncio.timeout(40):
        page = await browser.new_page(viewport={"width": 1366, "height": 900})
        failures: list[str] = []
        page.on("pageerror", lambda exc: failures.append(str(exc)))
        await centre.sign_in(page, "/", "lucia")
        state = page.locator("#state")
        await page.get_by_role("button", name="Log in").click()
        await expect(state).to_have_text("Paused")
        await page.get_by_role("button", name="Ready").focus()
        await page.keyboard.press("Enter")
        await expect(state).to_have_text("Ready")
        await page.evaluate(WATCH_ANNOUNCE)

        # The first contact: number, name, the list's attribute, the campaign, time left.
        card = page.locator("#preview")
        await expect(card.locator("#preview-title")).to_have_text("Preview: Ana Ruiz")
        facts = card.locator("[data-part=contact]")
        for shown in ("renewals", ANA, "plan", "gold"):
            await expect(facts).to_contain_text(shown)
        await expect(card.locator("#preview-left")).to_have_text(re.compile(r"^0:0\d$"))
        await expect(page.locator("#no-call")).to_be_hidden()
        # Dial with the keyboard: the card takes the focus when it comes.
        await expect(page.get_by_role("button", name="Dial")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(card).to_be_hidden()

        # The call: the agent's phone, then Ana; the pop shows the campaign's part.
        pop = page.locator("#pop")
        await expect(pop.locator("#pop-title")).to_have_text("Ana Ruiz")
        part = pop.locator(".campaign-part")
        await expect(part.locator("h4")).to_have_text("Campaign renewals")
        await expect(part).to_contain_text("Policy renewals")
        await expect(part.locator("[data-part=contact]")).to_contain_text("gold")
        await expect(page.locator("#controls")).to_be_visible()   # talking
        await expect(state).to_have_text("On a call")
        await centre.screenshot(page, "desktop-campaign-pop.png")
        await page.get_by_role("button", name="Hang up").click()
        await page.get_by_label("Disposition").select_option("info-given")
        await page.get_by_role("button", name="Finish wrap-up").click()
        await expect(state).to_have_text("Ready")

        # The second contact is skipped (Tab from Dial to Skip); on a phone-sized screen.
        await page.set_viewport_size({"width": 390, "height": 844})
        await expect(card.locator("#preview-title")).to_have_text("Preview: Bruno Diaz")
        await expect(card.locator("[data-part=contact]")).to_contain_text("silver")
        assert await page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth") <= 0
        await centre.screenshot(page, "desktop-preview-narrow.png")
        await expect(page.get_by_role("button", name="Dial")).to_be_focused()
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("button", name="Skip")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(card).to_be_hidden()
        await expect(page.locator("#no-call")).to_be_visible()
        await page.set_viewport_size({"width": 1366, "height": 900})

        # The third runs out of time; the fourth is taken back when the agent pauses.
        await expect(card.locator("#preview-title")).to_have_text("Preview: Carla Gil")
        await expect(card.locator("#preview-title")).to_have_text(
            "Preview: Dora Vidal", timeout=(TIMEOUT + 5) * 1000)
        await page.get_by_role("button", name="Pause").click()
        await expect(state).to_have_text("Paused")
        await expect(card).to_be_hidden()
        for words in ("Skipped Bruno Diaz.", "The time to decide on Carla Gil ran out.",
                      "The preview of Dora Vidal was taken back."):
            await page.wait_for_function("(words) => window.__said.includes(words)", arg=words)
        assert await centre.service.flush(10)

    attempts = await rows(centre, "SELECT number, outcome, agent_id FROM campaign_attempts")
    assert attempts == [{"number": ANA, "outcome": "connected", "agent_id": "a1001"}]
    contacts = {r["number"]: r for r in await rows(
        centre, "SELECT number, status, last_outcome FROM campaign_contacts")}
    assert contacts[ANA]["status"] == "done"
    assert (contacts[BRUNO]["status"], contacts[BRUNO]["last_outcome"]) == ("pending", "skipped")
    assert (contacts[CARLA]["status"], contacts[CARLA]["last_outcome"]) == ("pending", "skipped")
    assert (contacts[DORA]["status"], contacts[DORA]["last_outcome"]) == ("pending", None)
    decided = [r["data"] for r in await rows(
        centre, "SELECT data FROM events WHERE type = 'campaign.preview_decided' ORDER BY seq")]
    decided = [json.loads(d) if isinstance(d, str) else d for d in decided]
    assert [(d["decision"], d["by"]) for d in decided] == [
        ("dial", "lucia"), ("skip", "lucia"), ("timeout", "service"), ("withdrawn", "service")]
    assert failures == []
