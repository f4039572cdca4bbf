"""An agent's day in the reference desktop, in headless Chromium, against the running
service and the simulated PBX: sign in, go ready, ride out a dropped connection, take a
call, read the screen-pop, work the case (classify, note, attachment), hang up and
wrap up with a disposition; then PostgreSQL shows all of it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import Centre, wait_for
from playwright.async_api import expect

pytestmark = pytest.mark.browser

JUAN = "+34612345678"
BOOKINGS = ["1", "1"]   # main menu 1 (bookings), then 1 (new booking)
NOTE = "Wants a quote for two adults in May <b>not bold</b>"
#: Collects what the connection banner said, for the moment it shows.
WATCH_BANNER = """() => {
  const banner = document.getElementById("banner");
  window.__banner = [];
  new MutationObserver(() => window.__banner.push(banner.hidden ? "" : banner.textContent))
    .observe(banner, {attributes: true, childList: true, subtree: true, characterData: true});
}"""


async def seed(centre: Centre) -> tuple[str, str]:
    """Juan Perez (silver: not the VIP path) with an open case about changes: his id and
    the case's."""
    cases = centre.service.cases
    assert cases is not None
    made = await cases.customers.create("Juan Perez", by="test", tier="silver", value=5000,
                                        phones=["+34612345678"], account_number="ES-1001")
    assert made.id is not None
    opened = await cases.open_case(customer_id=made.id, by="test", subject="Change of dates",
                                   classification={"topic": "changes"})
    assert opened.id is not None
    return made.id, opened.id


def live_call(centre: Centre, number: str) -> Any:
    return next((c for c in centre.service.calls if c.caller_number == number), None)


async def test_an_agent_day_in_the_desktop(browser: Any, centre: Centre) -> None:
    async with asyncio.timeout(120):
        customer_id, old_case = await seed(centre)
        page = await browser.new_page(viewport={"width": 1366, "height": 900})
        failures: list[str] = []
        page.on("pageerror", lambda exc: failures.append(str(exc)))
        await centre.sign_in(page, "/", "lucia")
        state = page.locator("#state")
        await expect(state).to_have_text("Logged out")
        await expect(page.locator("#zone")).to_have_text("Europe/Madrid")

        await page.get_by_role("button", name="Log in").click()
        await expect(state).to_have_text("Paused")
        await page.get_by_role("button", name="Ready").focus()
        await page.keyboard.press("Enter")
        await expect(state).to_have_text("Ready")

        # The connection drops (the server fails); while the page is away the agent is
        # paused from elsewhere; the page says so, comes back and catches up.
        await page.evaluate(WATCH_BANNER)
        for desktop in list(centre.service.api.hub.desktops):
            await desktop.close(1011, "test: the server failed")
        await centre.service.agent_command("a1001", "pause", "break")
        await expect(page.locator("#link")).to_have_text("Connected: caught up")
        await expect(state).to_have_text("Paused")
        await expect(page.locator("#state-reason")).to_have_text("Break")
        await expect(page.locator("#banner")).to_be_hidden()
        said = await page.evaluate("window.__banner")
        assert any(s.startswith("Connection lost") for s in said), said
        await page.get_by_role("button", name="Ready").click()
        await expect(state).to_have_text("Ready")

        # A call: the screen-pop shows the customer, his tier and his open case.
        centre.env.sim.place_call(JUAN, "Juan Perez", "900", digits=BOOKINGS)
        pop = page.locator("#pop")
        await expect(pop.locator("#pop-title")).to_have_text("Juan Perez", timeout=20_000)
        await expect(pop).to_contain_text("silver")
        await expect(pop).to_contain_text("Open cases (1)")
        await expect(pop.locator("li.case")).to_contain_text("Changes")
        await expect(pop).to_contain_text("bookings_menu")      # the IVR path
        await expect(page.locator("#controls")).to_be_visible(timeout=20_000)  # answered
        await expect(state).to_have_text("On a call")
        await expect(page.locator("#history")).to_contain_text("ES-1001")

        # The case of the call: classified on the catalogue's four levels (the answer
        # for the question shows), a note (text, never markup) and an attachment.
        await expect(page.locator("#case-panel")).to_be_visible()
        await page.locator("#cat-topic").select_option("bookings")
        await page.locator("#cat-reason").select_option("new booking")
        await page.locator("#cat-sub-reason").select_option("package holiday")
        await page.locator("#cat-question").select_option("what is included")
        await expect(page.locator("#answer")).to_contain_text("Our package holidays include")
        await page.locator("#call-type").select_option("perfect")
        await page.get_by_role("button", name="Save classification").click()
        await expect(page.locator("#case-line")).to_contain_text("what is included")
        await expect(page.locator("#cat-question")).to_have_value("what is included")
        await page.get_by_label("New note").fill(NOTE)
        await page.get_by_role("button", name="Add note").click()
        await expect(page.locator("#notes")).to_contain_text(NOTE)
        assert await page.locator("#notes b").count() == 0
        await page.get_by_label("File").set_input_files(files=[{
            "name": "quote-request.txt", "mimeType": "text/plain",
            "buffer": b"two adults, 12-19 May"}])
        await page.get_by_role("button", name="Attach").click()
        await expect(page.locator("#attachments")).to_contain_text("quote-request.txt")
        await centre.screenshot(page, "desktop.png")

        call = live_call(centre, JUAN)
        assert call is not None
        interaction_id = call.interaction_id
        store = centre.service.store
        assert await centre.service.flush(10)
        case_id, customer = await store.cases.interaction_case(interaction_id)
        assert str(customer) == customer_id and str(case_id) != old_case
        case = await store.cases.get(case_id)
        assert (case.topic, case.reason, case.sub_reason, case.question, case.call_type) == (
            "bookings", "new booking", "package holiday", "what is included", "perfect")
        assert [(n.text, n.author) for n in await store.cases.notes(case_id)] == [
            (NOTE, "a1001")]
        attached = await store.cases.attachments(case_id)
        assert [(a.name, a.content_type, a.size) for a in attached] == [
            ("quote-request.txt", "text/plain", 21)]

        # A narrow screen: nothing wider than the screen.
        await page.set_viewport_size({"width": 390, "height": 844})
        assert await page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth") <= 0
        await centre.screenshot(page, "desktop-narrow.png")
        await page.set_viewport_size({"width": 1366, "height": 900})

        # Hold and resume, then hang up: the wrap-up form (bookings waits for a disposition).
        await page.get_by_role("button", name="Hold").click()
        await expect(pop.locator(".pop-status")).to_contain_text("On hold")
        await page.get_by_role("button", name="Resume").click()
        await expect(pop.locator(".pop-status")).to_contain_text("Talking")
        await page.get_by_role("button", name="Hang up").click()
        await expect(page.locator("#wrapup-panel")).to_be_visible(timeout=20_000)
        await expect(state).to_have_text("Wrap-up")
        await page.get_by_label("Disposition").select_option("booked")
        await page.locator("#wrapup-notes").fill("Quote sent by e-mail")
        await page.get_by_role("button", name="Finish wrap-up").click()
        await expect(state).to_have_text("Ready")
        await expect(page.locator("#wrapup-panel")).to_be_hidden()
        await wait_for(lambda: live_call(centre, JUAN) is None, what="call ended")

        # Click to dial from the customer's history: the agent's phone, then his.
        await page.get_by_role("button", name=f"Call {JUAN}").click()
        await expect(pop.locator(".facts")).to_contain_text(JUAN, timeout=20_000)
        await expect(state).to_have_text("On a call", timeout=20_000)
        await expect(page.locator("#dial-error")).to_be_empty()
        await page.get_by_role("button", name="Hang up").click()
        await expect(page.locator("#wrapup-panel")).to_be_visible(timeout=20_000)
        await page.get_by_label("Disposition").select_option("info-given")
        await page.get_by_role("button", name="Finish wrap-up").click()
        await expect(state).to_have_text("Ready")

        assert await centre.service.flush(10)

    interaction = await store.interactions.get(interaction_id)
    assert interaction.disposition == "booked"
    events = [e["type"] for e in await store.events.for_interaction(interaction_id)]
    for kind in ("call.offered", "call.answered", "call.held", "call.resumed",
                 "call.hangup_requested", "call.agent_left", "call.wrapped_up"):
        assert kind in events, (kind, events)
    states = [(h.state, h.reason) for h in await store.agent_states.history("a1001")]
    assert ("NOT_READY", "break") in states and states[-1] == ("READY", None)
    assert failures == []
