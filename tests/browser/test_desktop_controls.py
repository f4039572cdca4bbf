"""The desktop's controls the agent-day test leaves alone, in headless Chromium against
the running service and the simulated PBX: a pause with a reason picked from the list,
a pause asked for during a call shown as pending, a consult then back to the caller,
an escalation, the case set pending and derived to a unit, a blind transfer to a queue;
PostgreSQL shows each."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import Centre
from playwright.async_api import expect

pytestmark = pytest.mark.browser

BOOKINGS = ["1", "1"]   # main menu 1 (bookings), then 1 (new booking)


async def case_pending(centre: Centre, interaction_id: Any) -> Any:
    """The call's case, once PostgreSQL has it pending."""
    store, loop = centre.service.store, asyncio.get_running_loop()
    deadline = loop.time() + 15
    while True:
        assert await centre.service.flush(10)
        found = await store.cases.interaction_case(interaction_id)
        if found is not None and found[0] is not None \
                and (await store.cases.get(found[0])).status == "pending":
            return found[0]
        assert loop.time() < deadline, "the case never became pending"
        await asyncio.sleep(0.1)


async def test_pause_pending_consult_escalate_derive_and_transfer(browser: Any,
                                                                  centre: Centre) -> None:
    service = centre.service
    async with asyncio.timeout(120):
        page = await browser.new_page(viewport={"width": 1366, "height": 900})
        failures: list[str] = []
        page.on("pageerror", lambda exc: failures.append(str(exc)))
        await centre.sign_in(page, "/", "lucia")
        state, reason = page.locator("#state"), page.locator("#state-reason")
        await page.get_by_role("button", name="Log in").click()
        await expect(state).to_have_text("Paused")
        await page.get_by_label("Pause reason").select_option("lunch")
        await page.get_by_role("button", name="Pause", exact=True).click()
        await expect(reason).to_have_text("Lunch")
        await page.get_by_role("button", name="Ready").click()
        await expect(state).to_have_text("Ready")

        centre.env.sim.place_call("5551234", "Juan Perez", "900", digits=BOOKINGS)
        await expect(page.locator("#controls")).to_be_visible(timeout=20_000)
        await expect(state).to_have_text("On a call")
        call = next(c for c in service.calls if c.caller_number == "5551234")
        iid = call.interaction_id

        # A pause asked for during the call waits for it to end, and says so.
        await page.get_by_label("Pause reason").select_option("break")
        await page.get_by_role("button", name="Pause", exact=True).click()
        await expect(page.locator("#pending")).to_have_text(
            "After this call you will be paused.")
        await expect(state).to_have_text("On a call")

        # Consult a colleague, then take the caller back.
        await service.agent_command("a1002", "login", None)
        await service.agent_command("a1002", "ready", None)
        await page.locator("#transfer-kind").select_option("agent")
        await page.locator("#transfer-target").fill("a1002")
        await page.get_by_role("button", name="Consult first").click()
        back = page.get_by_role("button", name="Back to caller")
        await expect(back).to_be_visible(timeout=20_000)
        await expect(page.locator("#pop")).to_contain_text("Consulting a1002")
        await back.click()
        await expect(back).to_be_hidden(timeout=20_000)
        await expect(page.locator("#pop .pop-status")).to_contain_text("Talking",
                                                                        timeout=20_000)

        # Escalate to a supervisor, staying on the call.
        await page.locator("#escalate-reason").fill("wants a manager")
        await page.get_by_role("button", name="Escalate").click()
        await expect(page.locator("#call-error")).to_be_empty()

        # The case: set pending, then derived to finance.
        await expect(page.locator("#case-panel")).to_be_visible()
        await page.locator("#case-status").select_option("pending")
        await page.get_by_role("button", name="Set status").click()
        store = service.store
        case_id = await case_pending(centre, iid)
        await expect(page.locator("#case-error")).to_be_empty()
        await page.locator("#derive-unit").select_option("finance")
        await page.locator("#derive-reason").fill("refund over 500 EUR")
        await page.get_by_role("button", name="Derive").click()
        await expect(page.locator("#case-error")).to_be_empty()

        # A blind transfer to a queue: the call leaves the desktop, wrap-up, then the
        # pause asked for during the call.
        await page.locator("#transfer-kind").select_option("queue")
        await page.locator("#transfer-target").fill("billing")
        await page.get_by_role("button", name="Blind transfer").click()
        await expect(page.locator("#wrapup-panel")).to_be_visible(timeout=20_000)
        await page.get_by_label("Disposition").select_option("quote-sent")   # bookings'
        await page.get_by_role("button", name="Finish wrap-up").click()
        await expect(state).to_have_text("Paused", timeout=20_000)
        await expect(reason).to_have_text("Break")
        await expect(page.locator("#pending")).to_be_hidden()

        assert await service.flush(10)

    assert (await store.interactions.get(iid)).disposition == "quote-sent"
    events = await store.events.for_interaction(iid)
    data = {e["type"]: e["data"] for e in events}
    assert data["call.consult_started"]["target"] == "a1002"
    assert data["call.consult_ended"]["result"] == "cancelled"
    assert data["call.supervisor_escalated"]["reason"] == "wants a manager"
    moved = [e["data"] for e in events if e["type"] == "call.transferred"]
    assert [(m["kind"], m["target"], m["by"]) for m in moved] == [("queue", "billing", "a1001")]
    assert [(d.unit, d.derived_by) for d in await store.cases.derivations(case_id)] == [
        ("finance", "a1001")]
    states = [(h.state, h.reason) for h in await store.agent_states.history("a1001")]
    assert ("NOT_READY", "lunch") in states and states[-1] == ("NOT_READY", "break")
    assert failures == []
