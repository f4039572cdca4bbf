"""The wallboard's other supervisor buttons in headless Chromium: whisper, then barge,
from the agent's row (a new mode replaces the spying leg), stop, then *Take over* of
the escalated call from the list of escalations (whisper and take-over with the
keyboard); PostgreSQL holds each."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import Centre, wait_for
from playwright.async_api import expect
from test_wallboard import command_as

pytestmark = pytest.mark.browser

BOOKINGS = ["1", "1"]


async def test_a_supervisor_whispers_barges_and_takes_over_from_the_board(
        browser: Any, centre: Centre) -> None:
    service = centre.service
    legs = service.router.control.spy_legs

    def spying(mode: str) -> bool:
        return any(leg.started and leg.mode == mode and not leg.stopping
                   for leg in legs.values())

    async with asyncio.timeout(120):
        page = await browser.new_page(viewport={"width": 1440, "height": 1000})
        failures: list[str] = []
        page.on("pageerror", lambda exc: failures.append(str(exc)))
        await centre.sign_in(page, "/wallboard", "carmen")
        await service.agent_command("s2001", "login", None)       # her phone, for take-over
        await service.agent_command("a1001", "login", None)
        await service.agent_command("a1001", "ready", None)
        centre.env.sim.place_call("5557777", "Marta Gil", "900", digits=BOOKINGS)
        row = page.locator("#agents tr[data-agent=a1001]")
        await expect(row).to_contain_text("On a call", timeout=20_000)
        live = next(c for c in service.calls if c.caller_number == "5557777")
        done = page.locator("#agents-done")

        await row.get_by_role("button", name="Whisper Lucia Fernandez").focus()
        await page.keyboard.press("Enter")                      # the keyboard will do
        await expect(done).to_have_text(
            "Whispering to Lucia Fernandez's call: your phone rings.")
        await wait_for(lambda: spying("whisper"), timeout=15, what="whispering")
        await row.get_by_role("button", name="Barge Lucia Fernandez").click()
        await expect(done).to_have_text("Barging into Lucia Fernandez's call: your phone rings.")
        await wait_for(lambda: spying("barge") and len(legs) == 1, timeout=15,
                       what="barging, the whisper leg gone")
        await page.get_by_role("button", name="Stop listening").click()
        await expect(done).to_have_text("Stopped.")
        await wait_for(lambda: not legs, timeout=15, what="the spy leg gone")
        await wait_for(lambda: service.router.engine.agent("s2001").device.value
                       == "available", timeout=15, what="carmen's phone free again")

        escalated = await command_as(centre, "lucia", "call.escalate",
                                     {"interaction_id": live.interaction_id,
                                      "reason": "asks for a manager"})
        assert escalated["ok"], escalated
        waiting = page.locator(f"#escalations li[data-call='{live.interaction_id}']")
        await expect(waiting).to_contain_text("asks for a manager")
        await waiting.get_by_role("button", name="Take over").focus()
        await page.keyboard.press("Enter")
        await expect(done).to_have_text("Taking over the call: your phone rings.")
        await wait_for(lambda: centre.env.agent_state("s2001") == "ON_CALL", timeout=20,
                       what="carmen on the call")
        await expect(page.locator("#agents-error")).to_be_hidden()
        assert await service.flush(10)

    events = await service.store.events.for_interaction(live.interaction_id)
    spied = [(e["type"], e["data"]["mode"]) for e in events
             if e["type"].startswith("supervision.")]
    assert spied == [("supervision.started", "whisper"), ("supervision.stopped", "whisper"),
                     ("supervision.started", "barge"), ("supervision.stopped", "barge")]
    moved = [(e["data"]["kind"], e["data"]["target"], e["data"]["by"]) for e in events
             if e["type"] == "call.transferred"]
    assert moved == [("takeover", "s2001", "s2001")]
    assert failures == []
