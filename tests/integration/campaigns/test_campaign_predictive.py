"""A predictive campaign on the simulator's scripted customers: more lines than free
agents once the legal window has budget, every person bridged to an agent line at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from campaign_env import campaign_env, campaigns, definition, rows

from cti.sim.customers import OutboundProfile

NUMBERS = [f"+346123456{i:02d}" for i in range(60)]


async def seed_history(env, name: str, connected: int) -> None:
    """The campaign started two hours ago and connected ``connected`` calls in the
    last hour: its windows have abandons in hand."""
    await env.store.pool.execute(
        "UPDATE campaigns SET started_at = now() - interval '2 hours' WHERE name = $1", name)
    await env.store.pool.execute(
        "INSERT INTO campaign_attempts (interaction_id, campaign, contact_id, attempt, number, "
        "mode, placed_at, answered_at, amd_status, connected_at, ended_at, outcome) "
        "SELECT gen_random_uuid(), $1, gen_random_uuid(), 1, '+34600000000', 'predictive', "
        "now() - interval '50 minutes', now() - interval '50 minutes', 'HUMAN', "
        "now() - interval '50 minutes', now() - interval '49 minutes', 'connected' "
        "FROM generate_series(1, $2)", name, connected)


async def test_predictive_dials_ahead_of_free_agents_and_connects_at_once(
        dsn: str, tmp_path: Path) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=3) as env:
        env.sim.set_outbound_profile(OutboundProfile(
            answer_rate=0.4, busy_rate=0.05, answer_delay=(2.0, 10.0), machine_rate=0.15,
            talk_median=8.0, talk_sigma=0.3), seed=7)
        c = campaigns(env)
        async with asyncio.timeout(90):
            await c.create(definition(mode="predictive", pacing={
                "no_answer_timeout": 12, "answer_rate": 0.4, "talk_time": 8}), by="t")
            await c.import_contacts("renewals", "number\n" + "\n".join(NUMBERS) + "\n",
                                    by="t")
            await seed_history(env, "renewals", 600)
            await env.ready("a1001", "a1002", "a1003")
            await c.start_campaign("renewals", by="t")
            run = c.dialer.runs["renewals"]
            most, reasons = 0, set()
            loop = asyncio.get_running_loop()
            until = loop.time() + 25
            while loop.time() < until and not (
                    most > 3 and "predictive" in reasons and run.figures.connected >= 5):
                most = max(most, run.in_flight())
                if run.explanation is not None:
                    reasons.add(run.explanation.reason.value)
                await asyncio.sleep(0.05)
            view = c.dialer.view(run, loop.time())
        assert "predictive" in reasons
        assert most > 3, f"at most {most} lines for 3 agents"
        assert view["connected"] >= 5
        assert view["to_agent_p99"] < 1.0
        assert view["abandon"]["rate"] <= 0.03
        await env.flushed()
        placed = await rows(env, "SELECT count(*) AS n FROM campaign_attempts "
                                 "WHERE campaign = 'renewals' AND placed_at > now() - "
                                 "interval '10 minutes'")
        assert placed[0]["n"] == view["placed"]
