"""Preview and agentless campaigns end to end, and a restart with a running campaign."""

from __future__ import annotations

import asyncio
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

from cti.app import Service
from cti.config import load_config
from cti.sim.phones import Behaviour

A, B, C = "+34612345601", "+34612345602", "+34612345603"


async def test_preview_the_agent_dials_one_contact_and_skips_another(
        dsn: str, tmp_path: Path) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env:
        env.sim.set_customer(A, Behaviour.human(after=1.0, talk_seconds=2.0))
        c = campaigns(env)
        async with asyncio.timeout(40):
            await c.create(definition(mode="preview", preview={"timeout": 60}), by="t")
            await c.import_contacts("renewals", csv_of(A, B), by="t")
            await env.ready("a1001")
            await c.start_campaign("renewals", by="t")
            await wait_for(lambda: "a1001" in c.dialer.previews, what="a preview")
            assert c.dialer.previews["a1001"].contact.number == A
            answer = await c.preview_decision("a1001", "dial", by="a1001")
            assert answer["status"] == "dialing"
            await attempts_done(env, "renewals", 1)
            await wait_for(lambda: "a1001" in c.dialer.previews and
                           c.dialer.previews["a1001"].contact.number == B, timeout=15,
                           what="the next preview")
            assert (await c.preview_decision("a1001", "skip", by="a1001"))["status"] == \
                "skipped"
            await env.flushed()
        (call,) = await rows(env, "SELECT interaction_id, number, outcome, agent_id "
                                  "FROM campaign_attempts")
        assert (call["number"], call["outcome"], call["agent_id"]) == (A, "connected", "a1001")
        contacts = {r["number"]: r for r in await rows(
            env, "SELECT number, status, last_outcome FROM campaign_contacts")}
        assert contacts[A]["status"] == "done"
        assert (contacts[B]["status"], contacts[B]["last_outcome"]) == ("pending", "skipped")
        offer = await rows(env, "SELECT outcome, agent_id FROM call_offers")
        assert offer == [{"outcome": "answered", "agent_id": "a1001"}]
        events = [e["type"] for e in
                  await env.store.events.for_interaction(call["interaction_id"])]
        assert events[:6] == ["campaign.contact_previewed", "campaign.preview_decided",
                              "interaction.opened", "campaign.call_placed", "call.queued",
                              "call.offered"]
        assert "call.customer_answered" in events and "campaign.call_connected" in events


async def test_agentless_plays_the_survey_to_whoever_answers(dsn: str, tmp_path: Path) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env:
        env.sim.set_customer(A, Behaviour.human(after=1.0))
        env.sim.set_customer(B, Behaviour.machine(after=1.0))
        c = campaigns(env)
        async with asyncio.timeout(60):
            await c.create(definition(mode="agentless", queue=None, flow="survey",
                                      amd={"on_machine": "message",
                                           "message": "campaign-reminder"}), by="t")
            await c.import_contacts("renewals", csv_of(A, B), by="t")
            await c.start_campaign("renewals", by="t")   # no agent needed
            await attempts_done(env, "renewals", 2, timeout=45)
        got = {r["number"]: r for r in await rows(
            env, "SELECT number, outcome, amd_status, message_left FROM campaign_attempts")}
        assert (got[A]["outcome"], got[A]["amd_status"]) == ("completed", "HUMAN")
        assert (got[B]["outcome"], got[B]["message_left"]) == ("message-left", True)
        steps = await rows(env, "SELECT type, data FROM events WHERE type = 'ivr.step_ran'")
        assert steps, "the survey flow ran"


async def test_a_running_campaign_goes_on_after_a_restart(dsn: str, tmp_path: Path) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env:
        env.sim.set_customer(A, Behaviour.never_answers())
        env.sim.set_customer(B, Behaviour.human(after=1.0, talk_seconds=1.0))
        c = campaigns(env)
        async with asyncio.timeout(60):
            await c.create(definition(pacing={"no_answer_timeout": 30}), by="t")
            await c.import_contacts("renewals", csv_of(A, B), by="t")
            await env.ready("a1001")
            await c.start_campaign("renewals", by="t")
            await wait_for(lambda: c.dialer.runs["renewals"].figures.placed == 1,
                           what="A rings")
            lines_before = len(env.sim.phone("PJSIP/1001").calls)
            await env.service.stop()               # A is still ringing
            env.sim.hangup(next(ch.name for ch in env.sim.core.channels.values()
                                if ch.number == A))
            again = Service(load_config(env.config_dir), dsn=dsn)
            await again.start()
            env.service = again            # campaign_env stops it
            assert again.campaigns is not None
            assert "renewals" in again.campaigns.dialer.runs
            assert again.campaigns.dialer.lines.up("a1001") is not None  # kept its line
            await attempts_done(env, "renewals", 2, timeout=30)
        assert len(env.sim.phone("PJSIP/1001").calls) == lines_before == 1
        got = await rows(env, "SELECT number, outcome FROM campaign_attempts ORDER BY placed_at")
        assert [(r["number"], r["outcome"]) for r in got] == [(A, "lost"), (B, "connected")]
        changes = await rows(env, "SELECT data->>'state' AS state FROM events "
                                  "WHERE type = 'campaign.state_changed' ORDER BY seq")
        assert [c["state"] for c in changes] == ["running"]
