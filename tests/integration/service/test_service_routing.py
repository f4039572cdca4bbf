"""Calls routed end to end through the simulator: IVR -> ACD -> Asterisk -> agent -> records."""

from __future__ import annotations

import asyncio

from service_env import Env, call_events, wait_for

from cti.sim.phones import Behaviour

BOOKINGS = ["1", "1"]  # main menu 1 (bookings), then 1 (new booking)


async def test_answered_call_is_routed_talked_wrapped_up_and_recorded(env: Env) -> None:
    async with asyncio.timeout(40):
        await env.ready("a1001")
        call = env.sim.place_call("5551234", "Juan Perez", "900", digits=BOOKINGS,
                                  talk_seconds=4)
        await wait_for(lambda: env.agent_state("a1001") == "ON_CALL", what="agent on call")
        assert env.sim.phone("PJSIP/1001").answered_calls == 1
        await call.wait_ended()
        await wait_for(lambda: env.agent_state("a1001") == "WRAP_UP", what="wrap-up")
        await wait_for(lambda: env.agent_state("a1001") == "READY", what="ready after wrap-up")
        await env.flushed()

    interactions = await env.store.interactions.between(*_today())
    assert len(interactions) == 1
    case = interactions[0]
    assert (case.caller_number, case.queue, case.agent_id) == ("5551234", "bookings", "a1001")
    assert (case.topic, case.reason, case.status, case.outcome) == (
        "bookings", "new booking", "closed", "answered")
    assert await call_events(env.store, case.id) == [
        "queued", "offered", "answered", "agent_left", "ended"]
    record = (await env.store.calls.between(*_today()))[0]
    assert record.outcome == "answered" and record.agent_id == "a1001"
    assert record.wait_seconds is not None and record.talk_seconds >= 0.5
    states = [h.state for h in await env.store.agent_states.history("a1001")]
    assert states == ["READY", "RESERVED", "ON_CALL", "WRAP_UP", "READY"]
    assert await env.store.queue_entries.entries() == []


async def test_no_answer_makes_agent_not_ready_and_rings_the_next_keeping_arrival(
        env: Env) -> None:
    env.sim.set_behaviour("PJSIP/1001", Behaviour.never_answers())
    async with asyncio.timeout(40):
        await env.ready("a1001")
        call = env.sim.place_call("5551234", "Juan Perez", "900", digits=BOOKINGS,
                                  talk_seconds=2)
        await wait_for(lambda: env.agent_state("a1001") == "NOT_READY", timeout=15,
                       what="no-answer")
        engine = env.service.router.engine
        assert engine.agent("a1001").reason == "no-answer"
        (interaction_id,) = engine.call_ids()
        arrived = engine.call(interaction_id).arrived_at
        await env.ready("a1008")
        await wait_for(lambda: env.agent_state("a1008") == "ON_CALL", what="second agent")
        assert engine.call(interaction_id).arrived_at == arrived
        await call.wait_ended()
        await env.flushed()
    assert (await call_events(env.store, interaction_id))[:6] == [
        "queued", "offered", "offer_failed", "queued", "offered", "answered"]


async def test_busy_phone_is_not_ready_busy_and_unregistered_phone_is_never_offered(
        env: Env) -> None:
    env.sim.set_behaviour("PJSIP/1001", Behaviour.busy())
    env.sim.set_registered("PJSIP/1002", False)
    async with asyncio.timeout(40):
        await wait_for(lambda: env.service.router.engine.agent("a1002").device.value
                       == "unavailable", what="device unavailable")
        await env.ready("a1001", "a1002")
        call = env.sim.place_call("5551234", "", "900", digits=BOOKINGS, talk_seconds=1)
        await wait_for(lambda: env.agent_state("a1001") == "NOT_READY", what="busy")
        assert env.service.router.engine.agent("a1001").reason == "busy"
        (iid,) = env.service.router.engine.call_ids()
        await wait_for(lambda: env.service.calls.get(iid).phase.value == "waiting",
                       what="the caller back in hold")
        # Waiting with a READY agent, and not offered to it: its phone is unregistered.
        verdict = next(v for v in env.service.router.engine.explain(iid, 0.0)
                       if v.agent_id == "a1002")
        assert not verdict.eligible and env.agent_state("a1002") == "READY"
        assert env.sim.phone("PJSIP/1002").calls == []  # never rung
        env.sim.set_registered("PJSIP/1002", True)
        await wait_for(lambda: env.agent_state("a1002") == "ON_CALL", what="offered when back")
        await call.wait_ended()


async def test_caller_hanging_up_while_waiting_is_abandoned_with_wait_time(env: Env) -> None:
    async with asyncio.timeout(40):
        call = env.sim.place_call("5557777", "Ana Ruiz", "900", digits=BOOKINGS, patience=24)
        assert await call.wait_ended()
        await wait_for(lambda: len(env.service.calls) == 0, what="call closed")
        await env.flushed()
    (record,) = await env.store.calls.between(*_today())
    assert record.outcome == "abandoned" and record.answered_at is None
    assert record.wait_seconds > 0.3
    (case,) = await env.store.interactions.between(*_today())
    assert case.outcome == "abandoned"
    assert await env.store.queue_entries.entries() == []
    assert await env.store.pool.fetchval("SELECT count(*) FROM cases") == 0  # opens none


async def test_caller_hanging_up_while_ringing_is_abandoned_and_agent_freed(env: Env) -> None:
    env.sim.set_behaviour("PJSIP/1001", Behaviour.never_answers())
    async with asyncio.timeout(40):
        await env.ready("a1001")
        call = env.sim.place_call("5557777", "", "900", digits=BOOKINGS)
        await wait_for(lambda: env.agent_state("a1001") == "RESERVED", what="ringing")
        await wait_for(lambda: env.sim.phone("PJSIP/1001").calls, what="phone rings")
        env.sim.hangup(call.name)
        await wait_for(lambda: env.agent_state("a1001") == "READY", what="agent freed")
        await env.flushed()
    (record,) = await env.store.calls.between(*_today())
    assert record.outcome == "abandoned"


def _today():
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return now - timedelta(hours=1), now + timedelta(hours=1)


async def test_log_lines_of_a_call_carry_its_interaction_id(env: Env) -> None:
    import io
    import json

    from cti.log import configure_logging

    out = io.StringIO()
    configure_logging("json", "info", stream=out)
    try:
        async with asyncio.timeout(30):
            env.sim.set_behaviour("PJSIP/1001", Behaviour.busy())
            await env.ready("a1001")
            call = env.sim.place_call("5551234", "", "900", digits=BOOKINGS, patience=12)
            await call.wait_ended()
            await wait_for(lambda: len(env.service.calls) == 0, what="call closed")
    finally:
        configure_logging("console", "warning")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    ivr_end = [ln for ln in lines if "flow main ended" in ln["event"]]
    assert ivr_end and ivr_end[0].get("interaction_id")
    iid = ivr_end[0]["interaction_id"]
    refused = [ln for ln in lines if ln["event"] == "ACD refused event"]
    call_lines = [ln for ln in lines if iid in json.dumps(ln)]
    assert all(ln.get("interaction_id") == iid for ln in call_lines)
    assert refused == []


async def test_two_asterisk_nodes_each_call_is_routed_on_its_own_node(dsn: str, tmp_path) -> None:
    import yaml
    from service_env import make_config, start_sim

    from cti.app import Service
    from cti.config import load_config

    async with asyncio.timeout(60):
        one, two = await start_sim(), await start_sim()
        config_dir = make_config(tmp_path / "config", one.ami_port)
        cti = yaml.safe_load((config_dir / "cti.yaml").read_text())
        cti["ami"].append({**cti["ami"][0], "name": "pbx2", "port": two.ami_port})
        (config_dir / "cti.yaml").write_text(yaml.safe_dump(cti))
        service = Service(load_config(config_dir), dsn=dsn)
        await service.start()
        try:
            for sim in (one, two):
                sim.core.agi_override = ("127.0.0.1", service.agi.port)
            await service.agent_command("a1001", "ready", None)
            call = two.place_call("5551234", "", "900", digits=BOOKINGS, talk_seconds=1)
            await wait_for(lambda: two.phone("PJSIP/1001").answered_calls == 1,
                           what="answered on pbx2")
            assert one.phone("PJSIP/1001").calls == []
            await call.wait_ended()
            status = service.status()
            assert [n["link"] for n in status["ami"]] == ["up", "up"]
        finally:
            await service.stop()
            await one.stop()
            await two.stop()


async def test_calls_ending_in_the_ivr_are_closed_with_what_the_ivr_did(env: Env) -> None:
    env.sim.add_phone("PJSIP/trunk", Behaviour.answers(0.5, talk_seconds=1))
    async with asyncio.timeout(40):
        groups = env.sim.place_call("5551234", "", "900", digits=["5"])  # partner transfer
        gone = env.sim.place_call("5557777", "", "900", digits=[], patience=1.5)  # hangs up
        await groups.wait_ended()
        await gone.wait_ended()
        await wait_for(lambda: len(env.service.calls) == 0, timeout=20, what="closed")
        await env.flushed()
    outcomes = {c.caller_number: c.outcome for c in
                await env.store.interactions.between(*_today())}
    assert outcomes == {"5551234": "transferred", "5557777": "ivr-hangup"}
