"""store.events: the event stream and the rows it implies, against a real database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from store_testing import bounded

from cti import events as ev
from cti.records import call_record_id, project
from cti.store import Store
from cti.store.errors import StoreRejected
from cti.stream import EventStream

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()
IID = str(uuid.uuid4())


def _call(stream: EventStream) -> list[ev.DomainEvent]:
    """One inbound call: IVR, queued, a missed offer, answered, talked, ended."""
    env = {"interaction_id": IID, "node": "pbx1"}
    q = {**env, "queue": "sales"}
    return [
        stream.new(ev.InteractionOpened, at=T0, caller_number="5551234", uniqueid="1.1", **env),
        stream.new(ev.CallQueued, at=T0 + 5, priority=2, caller_number="5551234",
                   channel="PJSIP/trunk-1", uniqueid="1.1", **q),
        stream.new(ev.CallOffered, at=T0 + 6, attempt=1, ring_timeout=15, agent_id="a1", **q),
        stream.new(ev.OfferFailed, at=T0 + 21, attempt=1, reason="busy", agent_id="a1", **q),
        stream.new(ev.CallQueued, at=T0 + 21, priority=2, cause="offer-failed", **q),
        stream.new(ev.CallOffered, at=T0 + 22, attempt=2, ring_timeout=15, agent_id="a2", **q),
        stream.new(ev.CallAnswered, at=T0 + 25, attempt=2, agent_id="a2", **q),
        stream.new(ev.CallHeld, at=T0 + 30, attempt=2, agent_id="a2", **q),
        stream.new(ev.CallResumed, at=T0 + 40, attempt=2, held_for=10, agent_id="a2", **q),
        stream.new(ev.AgentLeftCall, at=T0 + 85, attempt=2, agent_id="a2", **q),
        stream.new(ev.CallEnded, at=T0 + 95, outcome="answered", cause=16, queued=True,
                   agent_id="a2", **q),
    ]


@bounded()
async def test_a_call_becomes_its_interaction_call_record_and_offers(store: Store) -> None:
    stream = EventStream("e1")
    assert await store.events.apply(_call(stream), project) == 11

    interaction = await store.interactions.get(IID)
    assert (interaction.status, interaction.outcome, interaction.agent_id) == (
        "closed", "answered", "a2")
    assert interaction.answered_at.timestamp() == T0 + 25
    record = await store.calls.get(call_record_id(IID))
    assert (record.queue, record.outcome, record.offers, record.agent_id) == (
        "sales", "answered", 2, "a2")
    assert record.wait_seconds == 20 and record.talk_seconds == 60  # survey time left out
    offers = await store.pool.fetch(
        "SELECT agent_id, outcome, ring_seconds, hold_seconds, holds, talk_seconds "
        "FROM call_offers WHERE interaction_id = $1 ORDER BY attempt", uuid.UUID(IID))
    assert [tuple(o) for o in offers] == [("a1", "busy", 15.0, 0.0, 0, None),
                                         ("a2", "answered", 3.0, 10.0, 1, 60.0)]
    assert await store.queue_entries.entries() == []
    types = [e["type"] for e in await store.events.for_interaction(IID)]
    assert types[0] == "interaction.opened" and types[-1] == "call.ended"


@bounded()
async def test_a_batch_stored_again_changes_nothing(store: Store) -> None:
    events = _call(EventStream("e1"))
    assert await store.events.apply(events[:4], project) == 4
    assert await store.events.apply(events, project) == 7  # the first four are skipped
    assert await store.events.apply(events, project) == 0
    record = await store.calls.get(call_record_id(IID))
    assert record.offers == 2  # counted once per offer, not per write
    assert await store.events.position() == ((await store.events.position())[0], 11)


@bounded()
async def test_every_batch_split_gives_the_same_rows(store: Store) -> None:
    events = _call(EventStream("e1"))
    for i in range(0, len(events), 3):
        await store.events.apply(events[i:i + 3], project)
    record = await store.calls.get(call_record_id(IID))
    assert (record.outcome, record.offers, record.wait_seconds) == ("answered", 2, 20)


@bounded()
async def test_waiting_caller_keeps_a_queue_entry_with_its_number(store: Store) -> None:
    events = _call(EventStream("e1"))[:3]
    await store.events.apply(events, project)
    (entry,) = await store.queue_entries.entries()
    assert (entry.queue, entry.caller_number, entry.channel, entry.uniqueid) == (
        "sales", "5551234", "PJSIP/trunk-1", "1.1")


@bounded()
async def test_agent_states_are_stored_in_sequence_order(store: Store) -> None:
    stream = EventStream("e1")
    moves = [("READY", "LOGGED_OUT"), ("RESERVED", "READY"), ("NOT_READY", "RESERVED")]
    events = [stream.new(ev.AgentStateChanged, at=T0, agent_id="a1", state=new,
                         previous=old) for new, old in moves]
    await store.events.apply(events, project)
    history = await store.agent_states.history("a1")
    assert [h.state for h in history] == ["READY", "RESERVED", "NOT_READY"]
    (current,) = [s for s in await store.agent_states.current() if s.agent_id == "a1"]
    assert current.state == "NOT_READY"


@bounded()
async def test_a_refused_batch_writes_nothing(store: Store) -> None:
    stream = EventStream("e1")
    good = stream.new(ev.InteractionOpened, at=T0, interaction_id=IID)
    bad = stream.new(ev.SurveyAnswered, at=T0, interaction_id=str(uuid.uuid4()),
                     kind="csat", score=5)  # no such interaction
    with pytest.raises(StoreRejected):
        await store.events.apply([good, bad], project)
    assert await store.interactions.get(IID) is None
    assert (await store.events.position())[1] == 0


@bounded()
async def test_a_restored_waiting_call_keeps_its_caller(store: Store) -> None:
    """Restart: the queue entry gives the restored call its caller number and name
    (issue 12: restored calls lost the caller number)."""
    from pathlib import Path

    from acd.engine import Engine
    from cti.acd_specs import specs
    from cti.calls import CallRegistry
    from cti.config import load_config
    from cti.restore import load_snapshot, restore
    from cti.routing import Router

    stream = EventStream("e1")
    env = {"interaction_id": IID, "node": "pbx1", "queue": "billing"}
    await store.events.apply([
        stream.new(ev.InteractionOpened, at=T0, caller_number="612345678", uniqueid="1.1",
                   interaction_id=IID, node="pbx1"),
        stream.new(ev.CallQueued, at=T0 + 5, priority=0, caller_number="612345678",
                   caller_name="Ana", channel="PJSIP/trunk-1", uniqueid="1.1", **env),
    ], project)
    config = load_config(Path(__file__).resolve().parents[3] / "config")
    router = Router(config, Engine(*specs(config)), CallRegistry(), EventStream("t"))
    restored = restore(router, await load_snapshot(store), 100.0)
    (call,) = [c for c in restored.calls if c.interaction_id == IID]
    assert (call.caller_number, call.caller_name, call.channel) == (
        "612345678", "Ana", "PJSIP/trunk-1")
