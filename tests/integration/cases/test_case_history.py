"""What reports and the screen-pop read: first-contact resolution, and the customer's
history in a time budget."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import asyncpg
from case_support import FULL, Cases

from cti.cases import screenpop
from cti.cases.model import UNIDENTIFIED_CUSTOMER_ID

DAY = 86400.0


async def _resolved_case(cases: Cases, customer: str | None, *, first_at: float,
                         topic_contacts: int = 1) -> str:
    """A bookings case closed now, with ``topic_contacts`` contacts from ``first_at``."""
    iid = await cases.call(customer, at=first_at)
    case_id = (await cases.service.open_case(customer_id=customer, by="a1",
                                             classification=FULL, interaction_id=iid)).id
    for n in range(1, topic_contacts):
        await cases.service.link_interaction(
            case_id, await cases.call(customer, at=first_at + n * 60), by="a1")
    await cases.service.close(case_id, by="a1")
    return case_id


def _window() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(hours=1), now + timedelta(hours=1)


async def test_fcr_counts_one_contact_without_a_repeat_on_the_same_topic(
        cases: Cases) -> None:
    async with asyncio.timeout(30):
        now = time.time()
        ana, luis, eva, joan = [await cases.customer(n) for n in ("Ana", "Luis", "Eva",
                                                                   "Joan")]
        resolved = await _resolved_case(cases, ana, first_at=now - DAY)
        # another topic afterwards is not a repeat contact
        await cases.call(ana, topic="billing", at=now - DAY / 2)
        two_contacts = await _resolved_case(cases, luis, first_at=now - DAY, topic_contacts=2)
        repeated = await _resolved_case(cases, eva, first_at=now - DAY)
        await cases.call(eva, topic="bookings", at=now - DAY / 2)  # came back: not FCR
        late_repeat = await _resolved_case(cases, joan, first_at=now - 20 * DAY)
        await cases.call(joan, topic="bookings", at=now - 5 * DAY)  # 15 days later: FCR
        await _resolved_case(cases, None, first_at=now - DAY)  # unidentified: left out
        since, until = _window()
        rows = {str(r.case_id): r for r in await cases.store.cases.fcr_cases(since, until, 7)}
        figures = await cases.store.cases.fcr(since, until, 7)
    assert set(rows) == {resolved, two_contacts, repeated, late_repeat}
    assert rows[resolved].resolved and (rows[resolved].contacts,
                                        rows[resolved].repeat_contacts) == (1, 0)
    assert not rows[two_contacts].resolved and rows[two_contacts].contacts == 2
    assert not rows[repeated].resolved and rows[repeated].repeat_contacts == 1
    assert rows[late_repeat].resolved
    assert (figures.eligible, figures.resolved, figures.rate) == (4, 2, 0.5)


async def test_fcr_leaves_improper_calls_out(cases: Cases) -> None:
    async with asyncio.timeout(20):
        ana = await cases.customer()
        await cases.service.open_case(customer_id=ana, by="a1", call_type="improper",
                                      interaction_id=await cases.call(ana))
        since, until = _window()
        assert (await cases.store.cases.fcr(since, until, 7)).eligible == 0


async def test_screen_pop_history_shows_open_cases_and_last_contacts(cases: Cases) -> None:
    async with asyncio.timeout(20):
        now = time.time()
        ana = await cases.customer()
        calls = [await cases.call(ana, topic="billing", at=now - 3600 * k) for k in (3, 2, 1)]
        open_id = (await cases.service.open_case(
            customer_id=ana, by="a1003", interaction_id=calls[2],
            classification={"topic": "billing", "reason": "refund"})).id
        closed = (await cases.service.open_case(customer_id=ana, by="a1",
                                                classification=FULL)).id
        await cases.service.close(closed, by="a1")
        pop = await screenpop.history(cases.store, ana, interactions=2)
    assert pop["available"] is True
    [case] = pop["open_cases"]
    assert (case["id"], case["status"], case["topic"], case["reason"], case["unit"]) == (
        open_id, "open", "billing", "refund", "agents")
    assert [i["id"] for i in pop["interactions"]] == [calls[2], calls[1]]
    assert set(pop["interactions"][0]) >= {"created_at", "queue", "agent_id", "outcome",
                                           "topic", "case_id"}
    assert pop["interactions"][0]["case_id"] == open_id


async def test_screen_pop_of_the_unidentified_customer_shows_nobody_s_history(
        cases: Cases) -> None:
    async with asyncio.timeout(20):
        await cases.service.open_case(customer_id=None, by="a1",
                                      interaction_id=await cases.call())
        pop = await screenpop.history(cases.store, UNIDENTIFIED_CUSTOMER_ID)
    assert pop == {"available": True, "open_cases": [], "interactions": []}


async def test_screen_pop_falls_back_to_no_history_when_the_database_is_slow(
        cases: Cases, dsn: str) -> None:
    async with asyncio.timeout(20):
        ana = await cases.customer()
        await cases.service.open_case(customer_id=ana, by="a1")
        blocker = await asyncpg.connect(dsn)
        try:
            async with blocker.transaction():
                await blocker.execute("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE")
                started = time.monotonic()
                pop = await screenpop.history(cases.store, ana, timeout=0.2)
                waited = time.monotonic() - started
        finally:
            await blocker.close()
        assert pop == {"available": False, "open_cases": [], "interactions": []}
        assert waited < 1.0
        assert len((await screenpop.history(cases.store, ana))["open_cases"]) == 1


async def test_screen_pop_for_a_call_carries_the_catalogue_answer(cases: Cases) -> None:
    async with asyncio.timeout(20):
        ana = await cases.customer()
        pop = await screenpop.for_call(cases.store, cases.service.config, ana, FULL)
    assert pop["script"]["labels"]["topic"] == "Bookings"
    assert pop["script"]["answer"].startswith("Our package holidays include return flights")
    assert pop["available"] and pop["open_cases"] == []
