"""Callbacks and a queue's maximum-wait exits, carried out on the live call."""

from __future__ import annotations

import asyncio

from service_env import Env, call_events, running_service, wait_for

from cti.sim.phones import Behaviour

BOOKINGS = ["1", "1"]


async def test_caller_choosing_a_callback_leaves_keeps_the_place_and_is_called_back(
        env: Env) -> None:
    env.sim.set_behaviour("PJSIP/1001", Behaviour.answers(0.5, talk_seconds=6))
    customer = env.sim.add_phone("PJSIP/trunk", Behaviour.answers(1.0))  # outbound trunk
    async with asyncio.timeout(60):
        call = env.sim.place_call("612345678", "Juan Perez", "900", digits=[*BOOKINGS, "1"])
        assert await call.wait_ended()  # the caller pressed 1 in hold and hung up
        (interaction_id,) = env.service.router.engine.call_ids()
        assert env.service.router.engine.call(interaction_id).callback
        await env.flushed()
        (entry,) = await env.store.queue_entries.entries()
        assert entry.is_callback and entry.callback_number == "+34612345678"

        await env.ready("a1001")
        await wait_for(lambda: env.agent_state("a1001") == "ON_CALL", what="callback answered")
        await wait_for(lambda: env.agent_state("a1001") in ("WRAP_UP", "READY"),
                       what="callback finished")
        await wait_for(lambda: len(env.service.calls) == 0, what="callback closed")
        assert customer.answered_calls == 1
        await env.flushed()
    case = await env.store.interactions.get(interaction_id)
    assert case.outcome == "callback" and case.agent_id == "a1001"
    kinds = await call_events(env.store, interaction_id)
    assert "callback_requested" in kinds and kinds[-1] == "ended"
    assert await env.store.queue_entries.entries() == []
    # The callback is answered when the customer picks up, not the agent.
    events = {e["type"]: e for e in await env.store.events.for_interaction(interaction_id)}
    (record,) = await env.store.calls.between(*_today())
    customer_at = events["call.customer_answered"]["at"]
    assert record.answered_at is not None and record.answered_at > events["call.answered"]["at"]
    assert record.answered_at == customer_at


async def test_max_wait_sends_caller_to_voicemail(dsn: str, tmp_path) -> None:
    queues = {"billing": {"max_wait": 2}}
    async with asyncio.timeout(60):
        async with running_service(dsn, tmp_path / "config", queues=queues) as env:
            sim, service = env.sim, env.service
            call = sim.place_call("5550001", "Maria Lopez", "900", digits=["3"])
            await call.wait_ended()
            await wait_for(lambda: len(service.calls) == 0, what="call closed")
            assert await service.flush(10)
            (case,) = await service.store.interactions.between(*_today())
            assert case.outcome == "voicemail" and case.queue == "billing"
            (record,) = await service.store.calls.between(*_today())
            assert record.outcome == "voicemail"


async def test_max_wait_overflows_to_another_queue_keeping_arrival(dsn: str, tmp_path) -> None:
    queues = {"changes": {"max_wait": 2}}
    async with asyncio.timeout(60):
        async with running_service(dsn, tmp_path / "config", queues=queues) as env:
            sim, service = env.sim, env.service
            await service.agent_command("a1002", "ready", None)  # no 'changes' skill
            call = sim.place_call("5550001", "", "900", digits=["2", "1"], talk_seconds=1)
            await wait_for(lambda: service.router.engine.agent("a1002").state.value == "ON_CALL",
                           timeout=20, what="overflowed call answered by a1002")
            await call.wait_ended()
            await wait_for(lambda: len(service.calls) == 0, what="call closed")
            assert await service.flush(10)
            (case,) = await service.store.interactions.between(*_today())
            assert case.queue == "general" and case.agent_id == "a1002"
            kinds = await call_events(service.store, case.id)
            assert "queue_exited" in kinds
            # One record per queue visited: the first ends as an overflow to the second.
            records = sorted(await service.store.calls.between(*_today()),
                             key=lambda r: r.segment)
            assert [(r.queue, r.outcome, r.to_queue) for r in records] == [
                ("changes", "overflow", "general"), ("general", "answered", None)]



async def test_max_wait_without_an_exit_ends_the_call_as_a_timeout(dsn: str, tmp_path) -> None:
    queues = {"complaints": {"max_wait": 2, "on_max_wait": {"action": "none"}}}
    async with asyncio.timeout(60):
        async with running_service(dsn, tmp_path / "config", queues=queues) as env:
            sim, service = env.sim, env.service
            call = sim.place_call("5550001", "", "900", digits=["4"])
            await call.wait_ended()
            await wait_for(lambda: len(service.calls) == 0, what="call closed")
            assert await service.flush(10)
            assert service.recorder.rejected == []
            (record,) = await service.store.calls.between(*_today())
            assert (record.queue, record.outcome) == ("complaints", "timeout")



async def test_escalation_lowers_the_requirement_on_the_live_call(dsn: str, tmp_path) -> None:
    queues = {"changes": {"escalation": [{"after": 1.5, "lower": {"changes": 1}}]}}
    async with asyncio.timeout(60):
        async with running_service(dsn, tmp_path / "config", queues=queues) as env:
            sim, service = env.sim, env.service
            await service.agent_command("a1010", "ready", None)  # changes: 2 < 3 required
            call = sim.place_call("5550001", "", "900", digits=["2", "1"], talk_seconds=1)
            await wait_for(lambda: service.router.engine.agent("a1010").state.value == "ON_CALL",
                           timeout=20, what="call taken by a1010 after the escalation")
            await call.wait_ended()
            await wait_for(lambda: len(service.calls) == 0, what="call closed")
            assert await service.flush(10)
            (case,) = await service.store.interactions.between(*_today())
            kinds = await call_events(service.store, case.id)
            assert kinds.index("escalated") < kinds.index("offered")


async def test_unreachable_phone_chanunavail_makes_agent_not_ready(env) -> None:
    # s2001's phone PJSIP/2001 does not exist on the PBX: Dial gives CHANUNAVAIL, no DialBegin.
    async with asyncio.timeout(40):
        await env.ready("s2001")
        call = env.sim.place_call("5550001", "", "900", digits=["4"], patience=8)
        await wait_for(lambda: env.agent_state("s2001") == "NOT_READY", what="unavailable")
        assert env.service.router.engine.agent("s2001").reason == "unavailable"
        await call.wait_ended()



async def test_after_hours_callback_from_the_ivr_is_called_back_by_the_first_free_agent(
        dsn: str, tmp_path) -> None:
    closed = {"timezone": "UTC"}  # no business hours at all: the after-hours flow runs
    async with (asyncio.timeout(60),
                running_service(dsn, tmp_path / "config", hours=closed) as env):
        sim, service = env.sim, env.service
        customer = sim.add_phone("PJSIP/trunk", Behaviour.answers(1.0))
        await service.agent_command("a1007", "ready", None)
        call = sim.place_call("612345009", "", "900", digits=["1"])
        assert await call.wait_ended() != "abandoned"
        await wait_for(lambda: customer.answered_calls == 1, what="customer called back")
        assert sim.phone("PJSIP/1007").answered_calls == 1
        sim.hangup(sim.phone("PJSIP/1007").calls[0].name)
        await wait_for(lambda: len(service.calls) == 0, what="callback closed")
        assert await service.flush(10)
        (case,) = await service.store.interactions.between(*_today())
        assert (case.outcome, case.queue, case.topic) == ("callback", "general", "general")



async def test_max_wait_callback_for_an_anonymous_caller_ends_as_timeout(dsn: str,
                                                                         tmp_path) -> None:
    queues = {"bookings": {"max_wait": 2}}  # the shipped exit: callback
    async with asyncio.timeout(60):
        async with running_service(dsn, tmp_path / "config", queues=queues) as env:
            call = env.sim.place_call("", "", "900", digits=BOOKINGS)  # withheld number
            await call.wait_ended()
            await wait_for(lambda: len(env.service.calls) == 0, what="call closed")
            await env.flushed()
            assert env.service.recorder.rejected == []
            (record,) = await env.store.calls.between(*_today())
            assert record.outcome == "timeout"
            assert env.service.router.engine.call_ids() == []


def _today():
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return now - timedelta(hours=1), now + timedelta(hours=1)
