"""Call control end to end, continued: click-to-dial, supervisors (spy in three modes,
take-over of an escalated call), a closed queue, night mode seen by the IVR, and a
scheduled callback that survives a restart of the service."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

from control_env import BOOKINGS, answered_call, closed, event_types, peer, rows
from service_env import Env, running_service, wait_for

from cti.sim.phones import Behaviour

CUSTOMER = "+34612345678"


def _customer_on_trunk(env: Env, talk_seconds: float = 2.0) -> None:
    env.sim.add_phone("PJSIP/trunk", Behaviour.answers(0.5))
    env.sim.set_customer(CUSTOMER, Behaviour.human(after=0.5, talk_seconds=talk_seconds))


async def test_click_to_dial_rings_the_agent_then_the_customer(env: Env) -> None:
    _customer_on_trunk(env)
    async with asyncio.timeout(40):
        await env.ready("a1001")
        answer = await env.service.control.dial("a1001", "612 34 56 78", by="a1001")
        iid = answer["interaction_id"]
        await wait_for(lambda: env.agent_state("a1001") == "ON_CALL", what="agent answered")
        await closed(env)       # the customer hangs up after talking
    types = [t for t in await event_types(env, iid) if t.startswith(("call.", "interaction."))]
    assert types == ["interaction.opened", "call.outbound_requested", "call.queued",
                     "call.offered", "call.answered", "call.customer_answered",
                     "call.agent_left", "call.ended"]
    (interaction,) = await rows(env, "SELECT direction, caller_number, outcome, agent_id "
                                     "FROM interactions WHERE id = $1", uuid.UUID(iid))
    assert interaction == {"direction": "outbound", "caller_number": CUSTOMER,
                           "outcome": "answered", "agent_id": "a1001"}
    (record,) = await rows(env, "SELECT direction, outcome, answered_at IS NOT NULL AS talked "
                                "FROM call_records WHERE interaction_id = $1", uuid.UUID(iid))
    assert record == {"direction": "outbound", "outcome": "answered", "talked": True}
    states = [h.state for h in await env.store.agent_states.history("a1001")]
    assert states[:4] == ["READY", "RESERVED", "ON_CALL", "WRAP_UP"]


async def test_supervisor_listens_whispers_then_barges_and_stops(env: Env) -> None:
    env.sim.add_phone("PJSIP/2001", Behaviour.answers(0.2))
    control = env.service.control
    legs = env.service.router.control.spy_legs

    def spying(mode: str) -> bool:
        return any(leg.started and leg.mode == mode and not leg.stopping
                   for leg in legs.values())

    async with asyncio.timeout(40):
        call, iid = await answered_call(env)
        for mode in ("listen", "whisper", "barge"):
            answer = await control.spy(iid, "s2001", mode, by="s2001")
            assert answer["mode"] == mode
            await wait_for(lambda mode=mode: spying(mode), what=f"spying in {mode} mode")
        await control.stop_spying("s2001", by="s2001")
        await wait_for(lambda: not legs, what="spy leg gone")
        assert peer(env, call.name) is not None    # the call itself goes on
        env.sim.hangup(call.name)
        await closed(env)
    spied = [(e["type"], e["data"]["mode"]) for e in await env.store.events.for_interaction(iid)
             if e["type"].startswith("supervision.")]
    assert spied == [("supervision.started", "listen"), ("supervision.stopped", "listen"),
                     ("supervision.started", "whisper"), ("supervision.stopped", "whisper"),
                     ("supervision.started", "barge"), ("supervision.stopped", "barge")]


async def test_supervisor_takes_over_an_escalated_call(env: Env) -> None:
    env.sim.add_phone("PJSIP/2001", Behaviour.answers(0.2))
    control = env.service.control
    async with asyncio.timeout(40):
        call, iid = await answered_call(env)
        await control.escalate(iid, "caller threatens legal action", by="a1001")
        await control.set_agent_state("s2001", "login", reason="supervising", by="s2001")
        await control.take_over(iid, "s2001", by="s2001")
        await wait_for(lambda: env.agent_state("s2001") == "ON_CALL", what="supervisor on it")
        await wait_for(lambda: (peer(env, call.name) or "").startswith("PJSIP/2001-"),
                       what="caller talks to the supervisor")
        assert env.agent_state("a1001") in ("WRAP_UP", "READY")
        env.sim.hangup(call.name)
        await closed(env)
        # complaints (the supervisor's queue) needs a disposition to end the wrap-up
        assert env.agent_state("s2001") == "WRAP_UP"
        wrapped = await control.wrap_up("s2001", disposition="complaint-filed", by="s2001")
        assert (wrapped["state"], wrapped["interaction_id"]) == ("NOT_READY", iid)
        await env.flushed()
    records = await rows(env, "SELECT segment, queue, outcome, agent_id FROM call_records "
                              "WHERE interaction_id = $1 ORDER BY segment", uuid.UUID(iid))
    assert records == [
        {"segment": 0, "queue": "bookings", "outcome": "transferred", "agent_id": "a1001"},
        {"segment": 1, "queue": "complaints", "outcome": "answered", "agent_id": "s2001"}]
    events = await env.store.events.for_interaction(iid)
    escalated = [e["data"] for e in events if e["type"] == "call.supervisor_escalated"]
    offered = [e["data"]["screen_pop"] for e in events if e["type"] == "call.offered"]
    assert escalated[0]["reason"] == "caller threatens legal action"
    assert offered[-1]["escalation"]["by"] == "a1001"
    moved = [e["data"] for e in events if e["type"] == "call.transferred"]
    assert [(m["kind"], m["target"], m["by"]) for m in moved] == [("takeover", "s2001", "s2001")]
    (interaction,) = await rows(env, "SELECT disposition FROM interactions WHERE id = $1",
                                uuid.UUID(iid))
    assert interaction["disposition"] == "complaint-filed"
    states = [h.state for h in await env.store.agent_states.history("s2001")]
    assert states == ["NOT_READY", "READY", "RESERVED", "ON_CALL", "WRAP_UP", "NOT_READY"]


async def test_a_closed_queue_keeps_its_caller_and_turns_new_ones_away(env: Env) -> None:
    control = env.service.control
    async with asyncio.timeout(40):
        first = env.sim.place_call("5551234", "", "900", digits=BOOKINGS)
        await wait_for(lambda: env.service.status()["calls"]["waiting"] == 1, what="waiting")
        await control.close_queue("bookings", by="s2001")
        second = env.sim.place_call("5557777", "", "900", digits=BOOKINGS)
        assert await second.wait_ended()
        assert second.channel.context == "cti-queue-closed"
        assert env.service.status()["calls"]["waiting"] == 1
        await control.open_queue("bookings", by="s2001")
        await env.ready("a1001")
        await wait_for(lambda: peer(env, first.name) is not None, what="first caller served")
        env.sim.hangup(first.name)
        await closed(env)
    outcomes = {r["caller_number"]: r["outcome"] for r in await rows(
        env, "SELECT caller_number, outcome FROM interactions")}
    assert outcomes == {"5551234": "answered", "5557777": "closed"}
    settings = await rows(env, "SELECT key, value, changed_by FROM control_settings")
    assert settings == [{"key": "queue:bookings", "value": {"closed": False},
                         "changed_by": "s2001"}]


async def test_night_mode_is_seen_by_the_ivr(env: Env) -> None:
    control = env.service.control

    def path_of(caller: str) -> list[str]:
        found = [c for c in env.service.calls if c.caller_number == caller]
        return found[0].ivr_path if found else []

    async with asyncio.timeout(40):
        await control.set_centre_mode("night", by="s2001")
        night = env.sim.place_call("5551234", "", "900", digits=[])
        await wait_for(lambda: "closed" in path_of("5551234"), what="the after-hours path")
        env.sim.hangup(night.name)
        await control.set_centre_mode("normal", by="s2001")
        day = env.sim.place_call("5557777", "", "900", digits=[])
        await wait_for(lambda: "identify" in path_of("5557777"), what="the daytime path")
        assert "closed" not in path_of("5557777")
        env.sim.hangup(day.name)
        await closed(env)
    changes = [e["data"] for e in await rows(
        env, "SELECT data FROM events WHERE type = 'centre.mode_changed' ORDER BY seq")]
    assert [(c["mode"], c["previous"], c["by"]) for c in changes] == [
        ("night", "normal", "s2001"), ("normal", "night", "s2001")]


async def test_a_scheduled_callback_survives_a_restart_and_is_made_when_due(
        dsn: str, tmp_path: Path) -> None:
    directory = tmp_path / "config"
    async with asyncio.timeout(60):
        async with running_service(dsn, directory) as env:
            due = time.time() + 4.0
            scheduled = await env.service.control.schedule_callback(
                CUSTOMER, due, "bookings", agent_id="a1001", note="wants a quote", by="a1002")
            callback_id = scheduled["callback_id"]
            await env.flushed()
        async with running_service(dsn, directory) as env:
            assert [c["callback_id"] for c in env.service.control.callbacks()] == [callback_id]
            _customer_on_trunk(env)
            await env.ready("a1001")
            await wait_for(lambda: env.agent_state("a1001") == "ON_CALL", timeout=15,
                           what="the callback rings a1001 when due")
            assert time.time() >= due - 0.05
            await closed(env)
            (row,) = await rows(env, "SELECT status, interaction_id, agent_id, note, "
                                     "created_by FROM scheduled_callbacks")
            (interaction,) = await rows(env, "SELECT direction, outcome, agent_id FROM "
                                             "interactions WHERE id = $1",
                                        row["interaction_id"])
    assert (row["status"], row["agent_id"], row["note"], row["created_by"]) == (
        "started", "a1001", "wants a quote", "a1002")
    assert interaction == {"direction": "outbound", "outcome": "answered", "agent_id": "a1001"}
