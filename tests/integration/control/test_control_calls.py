"""Call control end to end: the simulator as the PBX, the service, real PostgreSQL.
Hold and resume (row by row), attended transfer (complete and cancel), blind transfer
to a queue (two call records)."""

from __future__ import annotations

import asyncio
import uuid

from control_env import answered_call, closed, event_types, peer, rows
from service_env import Env, wait_for


async def test_hold_then_resume_lands_the_hold_time_in_the_offer_row(env: Env) -> None:
    control = env.service.control
    async with asyncio.timeout(40):
        call, iid = await answered_call(env)
        agent_leg = peer(env, call.name)
        await control.hold(iid, by="a1001")
        await wait_for(lambda: peer(env, call.name) is None
                       and env.sim.core.channels[call.name].context == "cti-held"
                       and env.sim.core.channels[agent_leg].context == "cti-agent-held",
                       what="caller in cti-held, agent leg in cti-agent-held")
        await asyncio.sleep(0.3)   # some time on hold
        await control.resume(iid, by="a1001")
        await wait_for(lambda: peer(env, call.name) == agent_leg, what="joined again")
        assert env.agent_state("a1001") == "ON_CALL"
        env.sim.hangup(call.name)
        await closed(env)
    events = await env.store.events.for_interaction(iid)
    held = [e for e in events if e["type"] == "call.held"]
    resumed = [e for e in events if e["type"] == "call.resumed"]
    assert [e["data"]["by"] for e in held + resumed] == ["a1001", "a1001"]
    held_for = resumed[0]["data"]["held_for"]
    assert 0.3 <= held_for < 5
    (offer,) = await rows(env, "SELECT agent_id, outcome, holds, hold_seconds, talk_seconds "
                               "FROM call_offers WHERE interaction_id = $1", uuid.UUID(iid))
    assert (offer["agent_id"], offer["outcome"], offer["holds"]) == ("a1001", "answered", 1)
    assert offer["hold_seconds"] == held_for
    assert offer["talk_seconds"] > held_for
    (interaction,) = await rows(env, "SELECT status, outcome FROM interactions WHERE id = $1",
                                uuid.UUID(iid))
    assert interaction == {"status": "closed", "outcome": "answered"}


async def test_attended_transfer_consult_then_complete(env: Env) -> None:
    control = env.service.control
    async with asyncio.timeout(40):
        call, iid = await answered_call(env)
        await control.consult(iid, agent_id="a1008", by="a1001")
        legs = env.service.router.control.consults
        await wait_for(lambda: iid in legs and legs[iid].answered, what="a1008 answered")
        assert env.sim.core.channels[call.name].context == "cti-held"
        await control.complete_transfer(iid, by="a1001")
        await wait_for(lambda: (peer(env, call.name) or "").startswith("PJSIP/1008-"),
                       what="caller talks to a1008")
        await wait_for(lambda: env.agent_state("a1001") in ("WRAP_UP", "READY"),
                       what="a1001 released")
        env.sim.hangup(call.name)
        await closed(env)
    types = [t for t in await event_types(env, iid) if t.startswith("call.")]
    assert types[types.index("call.answered"):] == [
        "call.answered", "call.held", "call.consult_started", "call.consult_answered",
        "call.resumed", "call.consult_ended", "call.transferred", "call.agent_left",
        "call.ended"]
    (record,) = await rows(env, "SELECT segment, outcome, agent_id FROM call_records "
                                "WHERE interaction_id = $1", uuid.UUID(iid))
    assert record == {"segment": 0, "outcome": "transferred", "agent_id": "a1001"}
    states = [h.state for h in await env.store.agent_states.history("a1001")]
    assert states[:4] == ["READY", "RESERVED", "ON_CALL", "WRAP_UP"]


async def test_attended_transfer_consult_then_cancel(env: Env) -> None:
    control = env.service.control
    async with asyncio.timeout(40):
        call, iid = await answered_call(env)
        agent_leg = peer(env, call.name)
        await control.consult(iid, agent_id="a1008", by="a1001")
        legs = env.service.router.control.consults
        await wait_for(lambda: iid in legs and legs[iid].answered, what="a1008 answered")
        target = peer(env, agent_leg)
        assert target is not None and target.startswith("PJSIP/1008-")
        await control.cancel_consult(iid, by="a1001")
        await wait_for(lambda: peer(env, call.name) == agent_leg, what="back with a1001")
        await wait_for(lambda: target not in env.sim.core.channels, what="target hung up")
        assert env.agent_state("a1001") == "ON_CALL"
        env.sim.hangup(call.name)
        await closed(env)
    types = await event_types(env, iid)
    assert "call.transferred" not in types
    ended = [e for e in await env.store.events.for_interaction(iid)
             if e["type"] == "call.consult_ended"]
    assert [e["data"]["result"] for e in ended] == ["cancelled"]
    (offer,) = await rows(env, "SELECT holds, hold_seconds FROM call_offers "
                               "WHERE interaction_id = $1", uuid.UUID(iid))
    assert offer["holds"] == 1 and offer["hold_seconds"] > 0


async def test_blind_transfer_to_a_queue_gives_two_call_records(env: Env) -> None:
    control = env.service.control
    async with asyncio.timeout(40):
        call, iid = await answered_call(env)
        answer = await control.transfer_to_queue(iid, "billing", by="a1001", client_id="t-1")
        assert answer == {"interaction_id": iid, "status": "queued", "queue": "billing"}
        again = await control.transfer_to_queue(iid, "billing", by="a1001", client_id="t-1")
        assert again["repeated"] is True
        await env.ready("a1003")
        await wait_for(lambda: env.agent_state("a1003") == "ON_CALL", what="billing agent")
        await wait_for(lambda: (peer(env, call.name) or "").startswith("PJSIP/1003-"),
                       what="caller talks to a1003")
        env.sim.hangup(call.name)
        await closed(env)
    records = await rows(env, "SELECT segment, queue, outcome, agent_id, to_queue, from_queue, "
                              "offers FROM call_records WHERE interaction_id = $1 "
                              "ORDER BY segment", uuid.UUID(iid))
    assert records == [
        {"segment": 0, "queue": "bookings", "outcome": "transferred", "agent_id": "a1001",
         "to_queue": "billing", "from_queue": None, "offers": 1},
        {"segment": 1, "queue": "billing", "outcome": "answered", "agent_id": "a1003",
         "to_queue": None, "from_queue": "bookings", "offers": 1}]
    transferred = [e for e in await env.store.events.for_interaction(iid)
                   if e["type"] == "call.transferred"]
    assert [(e["data"]["kind"], e["data"]["by"]) for e in transferred] == [("queue", "a1001")]
