"""A progressive campaign end to end: the simulator's customers, the service, PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

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

HUMAN, MACHINE, NOBODY = "+34612345601", "+34612345602", "+34612345603"


async def test_progressive_campaign_connects_a_person_and_records_every_attempt(
        dsn: str, tmp_path: Path) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env:
        env.sim.set_customer(HUMAN, Behaviour.human(after=1.0, talk_seconds=3.0))
        env.sim.set_customer(MACHINE, Behaviour.machine(after=1.0))
        env.sim.set_customer(NOBODY, Behaviour.never_answers())
        c = campaigns(env)
        async with asyncio.timeout(60):
            await c.create(definition(), by="admin")
            result = await c.import_contacts("renewals", csv_of(HUMAN, MACHINE, NOBODY),
                                             by="admin", source="list.csv")
            assert result["imported"] == 3
            await env.ready("a1001")
            await c.start_campaign("renewals", by="admin")
            await attempts_done(env, "renewals", 3, timeout=45)
        got = {r["number"]: r for r in await rows(
            env, "SELECT number, outcome, amd_status, to_agent_seconds, agent_id "
                 "FROM campaign_attempts WHERE campaign = 'renewals'")}
        assert got[HUMAN]["outcome"] == "connected"
        assert got[HUMAN]["amd_status"] == "HUMAN"
        assert got[HUMAN]["agent_id"] == "a1001"
        assert got[HUMAN]["to_agent_seconds"] < 0.5
        assert got[MACHINE]["outcome"] == "machine"
        assert got[NOBODY]["outcome"] == "no-answer"
        contacts = {r["number"]: r for r in await rows(
            env, "SELECT number, status, attempts, next_at FROM campaign_contacts")}
        assert contacts[HUMAN]["status"] == "done"
        assert contacts[MACHINE]["status"] == "pending" and contacts[MACHINE]["next_at"]
        assert contacts[NOBODY]["status"] == "pending"
        interactions = await rows(env, "SELECT direction, outcome FROM interactions")
        assert sorted(r["outcome"] for r in interactions) == \
            ["answered", "machine", "no-answer"]
        assert {r["direction"] for r in interactions} == {"outbound"}
        # only the attempt an agent answered opens a case; the machine and nobody none
        cased = await rows(env, "SELECT outcome FROM interactions WHERE case_id IS NOT NULL")
        assert [r["outcome"] for r in cased] == ["answered"]
        # a callback agreed in the call: call control keeps it (across restarts)
        (talked,) = await rows(env, "SELECT interaction_id FROM campaign_attempts "
                                    "WHERE number = $1", HUMAN)
        due = datetime.now(UTC) + timedelta(hours=20)
        answer = await c.schedule_callback(str(talked["interaction_id"]), due,
                                           agent_id="a1001", note="after the renewal letter",
                                           by="a1001")
        assert answer["status"] == "pending"
        await env.flushed()
        (callback,) = await rows(env, "SELECT number, queue, agent_id, origin_interaction_id, "
                                      "status FROM scheduled_callbacks")
        assert callback == {"number": HUMAN, "queue": "outbound", "agent_id": "a1001",
                            "origin_interaction_id": talked["interaction_id"],
                            "status": "pending"}


async def test_an_inbound_caller_is_bridged_to_a_line_agent_and_the_line_stays_up(
        dsn: str, tmp_path: Path) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env:
        c = campaigns(env)
        async with asyncio.timeout(40):
            await c.create(definition(), by="admin")
            await c.start_campaign("renewals", by="admin")   # an empty list: no call
            await env.ready("a1001")
            line = await wait_for(lambda: c.dialer.lines.up("a1001"), what="the agent's line")
            caller = env.sim.place_call("5551234", "Juan Perez", "900", digits=["1", "1"],
                                        talk_seconds=2.0)
            await wait_for(lambda: env.agent_state("a1001") == "ON_CALL", what="answered")
            bridged = env.sim.core.channels[caller.name].bridge
            assert bridged is not None
            assert {ch.name for ch in bridged.channels} == {caller.name, line.channel}
            await wait_for(lambda: env.agent_state("a1001") == "READY", timeout=15,
                           what="wrap-up over")
            assert c.dialer.lines.up("a1001") is line
            agent_leg = env.sim.core.channels[line.channel]
            assert (agent_leg.context, agent_leg.bridge) == ("cti-agent-line", None)
            await env.flushed()
        (record,) = await rows(env, "SELECT queue, outcome, agent_id FROM call_records")
        assert record == {"queue": "bookings", "outcome": "answered", "agent_id": "a1001"}


async def test_a_held_campaign_call_gives_the_line_back_after_the_resume(
        dsn: str, tmp_path: Path) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env:
        env.sim.set_customer(HUMAN, Behaviour.human(after=1.0, talk_seconds=60.0))
        env.sim.set_customer(NOBODY, Behaviour.never_answers())  # the campaign goes on
        c, control = campaigns(env), env.service.control
        async with asyncio.timeout(40):
            await c.create(definition(pacing={"no_answer_timeout": 60}), by="admin")
            await c.import_contacts("renewals", csv_of(HUMAN, NOBODY), by="admin")
            await env.ready("a1001")
            await c.start_campaign("renewals", by="admin")
            line = await wait_for(lambda: c.dialer.lines.up("a1001"), what="the line")
            await wait_for(lambda: env.agent_state("a1001") == "ON_CALL", what="connected")
            customer = next(ch for ch in env.sim.core.channels.values() if ch.number == HUMAN)
            (iid,) = [call.interaction_id for call in env.service.calls
                      if call.uniqueid == customer.uniqueid]
            await control.hold(iid, by="a1001")
            leg = env.sim.core.channels[line.channel]
            await wait_for(lambda: leg.context == "cti-agent-held", what="the line parked")
            await control.resume(iid, by="a1001")
            await wait_for(lambda: leg.bridge is not None and customer.bridge is leg.bridge,
                           what="joined again")
            env.sim.hangup(customer.name)
            await wait_for(lambda: leg.context == "cti-agent-line" and leg.bridge is None,
                           what="the line back to waiting")
            await wait_for(lambda: env.agent_state("a1001") == "READY", what="wrap-up over")
        assert c.dialer.lines.up("a1001") is line
        assert not leg.hung_up
