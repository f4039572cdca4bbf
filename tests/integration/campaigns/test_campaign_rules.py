"""What a campaign must never do, end to end: dial with no agent, call a do-not-call
number or outside a contact's hours, redial a dropped person before the lockout; and
how it retries and gives up."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from campaign_env import (
    attempts_done,
    campaign_env,
    campaigns,
    csv_of,
    definition,
    rows,
    wait_for,
)

from cti.sim.phones import Behaviour

A, B, C = "+34612345601", "+34612345602", "+34612345603"


async def test_nothing_is_dialled_while_no_agent_is_logged_in(dsn: str, tmp_path: Path) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env:
        c = campaigns(env)
        async with asyncio.timeout(30):
            await c.create(definition(), by="t")
            await c.import_contacts("renewals", csv_of(A, B), by="t")
            await c.start_campaign("renewals", by="t")
            run = c.dialer.runs["renewals"]
            await wait_for(lambda: run.explanation is not None and
                           run.explanation.reason.value == "no-agents", what="paced")
            await asyncio.sleep(1.5)  # a few pacing steps more
        assert run.figures.placed == 0
        assert env.sim.counters.get("customers_answered", 0) == 0
        assert not [ch for ch in env.sim.core.channels.values() if ch.number]


async def test_a_dropped_person_hears_the_message_and_is_locked_out(
        dsn: str, tmp_path: Path) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env:
        env.sim.set_customer(A, Behaviour.human(after=3.0, talk_seconds=30))
        c = campaigns(env)
        async with asyncio.timeout(40):
            await c.create(definition(), by="t")
            await c.import_contacts("renewals", csv_of(A), by="t")
            await env.ready("a1001")
            await c.start_campaign("renewals", by="t")
            run = c.dialer.runs["renewals"]
            await wait_for(lambda: run.figures.placed == 1, what="the call placed")
            await env.service.agent_command("a1001", "pause", "break")  # nobody left
            customer = await wait_for(lambda: next(
                (ch for ch in env.sim.core.channels.values() if ch.number == A), None),
                what="the customer's channel")
            await wait_for(lambda: customer.context == "cti-campaign-abandon", timeout=15,
                           what="the abandon message")
            await attempts_done(env, "renewals", 1)
        (attempt,) = await rows(env, "SELECT outcome, answered_at, abandoned_at, "
                                     "connected_at FROM campaign_attempts")
        assert attempt["outcome"] == "abandoned"
        waited = (attempt["abandoned_at"] - attempt["answered_at"]).total_seconds()
        assert 1.9 <= waited <= 2.5
        assert attempt["connected_at"] is None
        (contact,) = await rows(env, "SELECT status, next_at FROM campaign_contacts")
        lockout = contact["next_at"] - datetime.now(UTC)
        assert contact["status"] == "pending"
        assert timedelta(hours=71.9) < lockout <= timedelta(hours=72)
        (record,) = await rows(env, "SELECT outcome, queue FROM call_records")
        assert record == {"outcome": "abandoned", "queue": "outbound"}


async def test_no_answer_is_retried_after_its_delay_then_given_up(dsn: str,
                                                                 tmp_path: Path) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env:
        env.sim.set_customer(A, Behaviour.never_answers())
        env.sim.set_customer(B, Behaviour.busy())
        c = campaigns(env)
        async with asyncio.timeout(40):
            await c.create(definition(
                pacing={"no_answer_timeout": 2},
                retries={"no_answer": {"delay": "1s", "max_attempts": 2},
                         "busy": {"delay": "1s", "max_attempts": 1}}), by="t")
            await c.import_contacts("renewals", csv_of(A, B), by="t")
            await env.ready("a1001")
            await c.start_campaign("renewals", by="t")
            await attempts_done(env, "renewals", 3, timeout=30)
            await wait_for(lambda: "renewals" not in c.dialer.runs, timeout=15,
                           what="the campaign finished")
        got = await rows(env, "SELECT number, attempt, outcome FROM campaign_attempts "
                              "ORDER BY number, attempt")
        assert [(r["number"], r["attempt"], r["outcome"]) for r in got] == [
            (A, 1, "no-answer"), (A, 2, "no-answer"), (B, 1, "busy")]
        contacts = await rows(env, "SELECT number, status, last_outcome FROM campaign_contacts "
                                   "ORDER BY number")
        assert [(r["status"], r["last_outcome"]) for r in contacts] == [
            ("failed", "no-answer"), ("failed", "busy")]
        (campaign,) = await rows(env, "SELECT status, status_reason FROM campaigns")
        assert campaign == {"status": "finished", "status_reason": "every contact is done"}


async def test_do_not_call_lists_and_call_windows_across_time_zones(
        dsn: str, tmp_path: Path) -> None:
    madrid_now = datetime.now(ZoneInfo("Europe/Madrid"))
    madrid_hour = madrid_now.hour
    # Open this hour and the next; at 23:00 the next is the first hour of the day.
    hours = [f"{madrid_hour:02d}:00-{min(madrid_hour + 2, 24):02d}:00"]
    if madrid_hour == 23:
        hours.append("00:00-01:00")
    fixed = "+34912345678"        # Madrid only
    mobile = "+34612345678"       # Madrid and the Canaries, an hour behind
    new_york = "+12125550100"
    on_system_list, on_campaign_list = "+34612345611", "+34612345612"
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env:
        for number in (fixed, mobile, new_york, on_system_list, on_campaign_list):
            env.sim.set_customer(number, Behaviour.never_answers())
        c = campaigns(env)
        async with asyncio.timeout(40):
            await c.create(definition(window={
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "hours": hours},
                pacing={"no_answer_timeout": 2}, retries={"no_answer": {"max_attempts": 1}}),
                by="t")
            await c.import_contacts(
                "renewals", csv_of(fixed, mobile, new_york, on_system_list, on_campaign_list),
                by="t")
            await c.add_dnc(["612 345 611"], by="t")
            await c.add_dnc([on_campaign_list], campaign="renewals", by="t")
            await env.ready("a1001")
            await c.start_campaign("renewals", by="t")
            await attempts_done(env, "renewals", 1, timeout=20)
            await wait_for(lambda: not c.dialer.runs["renewals"].ready, what="buffer used")
            await env.flushed()
        dialled = await rows(env, "SELECT number FROM campaign_attempts")
        assert [r["number"] for r in dialled] == [fixed]
        contacts = {r["number"]: r for r in await rows(
            env, "SELECT number, status, next_at, last_outcome FROM campaign_contacts")}
        assert contacts[on_system_list]["status"] == "dnc"
        assert contacts[on_system_list]["last_outcome"] == "dnc"
        assert contacts[on_campaign_list]["last_outcome"] == "dnc:renewals"
        # the Canaries open an hour after Madrid: then both are open
        opens = madrid_now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        assert contacts[mobile]["status"] == "pending"
        assert contacts[mobile]["next_at"] == opens
        # New York is six hours behind: its window opens later today or tomorrow
        ny = contacts[new_york]["next_at"].astimezone(ZoneInfo("America/New_York"))
        assert (ny.hour, ny.minute) == (madrid_hour, 0)
