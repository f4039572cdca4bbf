"""store.calls, store.agent_states and store.queue_entries against a real database."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from store_testing import bounded

from cti.store import CallRecord, NoSuchInteraction, QueueEntry, Store, StoreRejected

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- call records -------------------------------------------------------------


@bounded()
async def test_call_record_grows_as_the_call_progresses(store: Store) -> None:
    iid = await store.interactions.create(created_at=T0)
    record = CallRecord(id=uuid4(), arrived_at=T0, interaction_id=iid, queue="sales",
                        node="pbx1", uniqueid="1700000000.1", caller="+33612345678",
                        dnid="3000", queued_at=at(10))
    stored = await store.calls.upsert(record)
    assert stored.wait_seconds is None and stored.talk_seconds is None
    done = replace(record, agent_id="a17", offered_at=at(30), answered_at=at(40),
                   ended_at=at(160), outcome="answered", hangup_cause=16)
    stored = await store.calls.upsert(done)
    assert (stored.wait_seconds, stored.talk_seconds) == (30.0, 120.0)
    assert (stored.agent_id, stored.outcome, stored.hangup_cause) == ("a17", "answered", 16)
    assert await store.calls.get(record.id) == stored


@bounded()
async def test_abandoned_call_waits_until_hangup_and_has_no_talk(store: Store) -> None:
    stored = await store.calls.upsert(CallRecord(id=uuid4(), arrived_at=T0, queued_at=at(5),
                                                 ended_at=at(65), outcome="abandoned"))
    assert (stored.wait_seconds, stored.talk_seconds) == (60.0, None)


@bounded()
async def test_same_call_record_written_twice_is_one_row(store: Store) -> None:
    record = CallRecord(id=uuid4(), arrived_at=T0, queue="sales", outcome="lost")
    first = await store.calls.upsert(record)
    second = await store.calls.upsert(record)
    assert second == first
    assert len(await store.calls.between(T0, at(1))) == 1


@bounded()
async def test_call_record_refuses_unknown_outcome_and_unknown_interaction(store: Store) -> None:
    with pytest.raises(ValueError, match="call outcome 'won' is not one of"):
        await store.calls.upsert(CallRecord(id=uuid4(), arrived_at=T0, outcome="won"))
    with pytest.raises(StoreRejected, match="foreign key"):
        await store.calls.upsert(CallRecord(id=uuid4(), arrived_at=T0, interaction_id=uuid4()))


@bounded()
async def test_unknown_call_record_is_none(store: Store) -> None:
    assert await store.calls.get(uuid4()) is None


@bounded()
async def test_calls_between_filters_by_arrival_and_queue_in_order(store: Store) -> None:
    late = await store.calls.upsert(CallRecord(id=uuid4(), arrived_at=at(120), queue="sales"))
    early = await store.calls.upsert(CallRecord(id=uuid4(), arrived_at=at(60), queue="sales"))
    other = await store.calls.upsert(CallRecord(id=uuid4(), arrived_at=at(90), queue="support"))
    await store.calls.upsert(CallRecord(id=uuid4(), arrived_at=at(3600), queue="sales"))
    assert [c.id for c in await store.calls.between(T0, at(600))] == [early.id, other.id, late.id]
    assert [c.id for c in await store.calls.between(T0, at(600), queue="sales")] == [
        early.id, late.id]


# --- agent states -------------------------------------------------------------


@bounded()
async def test_state_change_appends_history_and_sets_current(store: Store) -> None:
    iid = await store.interactions.create()
    await store.agent_states.record("a17", "READY", at=at(0))
    await store.agent_states.record("a17", "RESERVED", at=at(10), interaction_id=iid)
    await store.agent_states.record("a17", "NOT_READY", reason="no-answer", at=at(25))
    history = await store.agent_states.history("a17")
    assert [(c.state, c.reason) for c in history] == [
        ("READY", None), ("RESERVED", None), ("NOT_READY", "no-answer")]
    assert history[1].interaction_id == iid
    current = await store.agent_states.current_for("a17")
    assert (current.state, current.reason, current.since) == ("NOT_READY", "no-answer", at(25))


@bounded()
async def test_late_write_goes_to_history_but_does_not_regress_current(store: Store) -> None:
    await store.agent_states.record("a17", "ON_CALL", at=at(20))
    await store.agent_states.record("a17", "RESERVED", at=at(10))
    assert (await store.agent_states.current_for("a17")).state == "ON_CALL"
    assert [c.state for c in await store.agent_states.history("a17")] == ["RESERVED", "ON_CALL"]


@bounded()
async def test_retried_state_change_is_stored_once(store: Store) -> None:
    change = uuid4()
    await store.agent_states.record("a17", "READY", at=at(0), change_id=change)
    await store.agent_states.record("a17", "READY", at=at(0), change_id=str(change))
    assert len(await store.agent_states.history("a17")) == 1


@bounded()
async def test_current_lists_every_agent_and_history_filters_by_time(store: Store) -> None:
    await store.agent_states.record("b2", "READY", at=at(0))
    await store.agent_states.record("a1", "READY", at=at(0))
    await store.agent_states.record("a1", "WRAP_UP", at=at(50))
    assert [(s.agent_id, s.state) for s in await store.agent_states.current()] == [
        ("a1", "WRAP_UP"), ("b2", "READY")]
    assert [c.state for c in await store.agent_states.history("a1", since=at(1))] == ["WRAP_UP"]
    assert [c.state for c in await store.agent_states.history("a1", until=at(50))] == ["READY"]
    assert await store.agent_states.current_for("nobody") is None


@bounded()
async def test_state_must_be_upper_case(store: Store) -> None:
    with pytest.raises(ValueError, match="agent a1: state 'ready' must be UPPER_CASE"):
        await store.agent_states.record("a1", "ready")


# --- queue entries ------------------------------------------------------------


async def _entry(store: Store, queue: str, arrived: float, **kw: object) -> QueueEntry:
    iid = await store.interactions.create(queue=queue)
    entry = QueueEntry(interaction_id=iid, queue=queue, arrived_at=at(arrived), **kw)
    await store.queue_entries.put(entry)
    return entry


@bounded()
async def test_entries_come_back_in_arrival_order_whatever_the_write_order(store: Store) -> None:
    third = await _entry(store, "sales", 30)
    first = await _entry(store, "sales", 10, priority=5, requirements={"french": 3},
                         attributes={"tier": "gold"}, node="pbx1", channel="PJSIP/trunk-0001")
    second = await _entry(store, "support", 20, is_callback=True, callback_number="0612345678")
    assert await store.queue_entries.entries() == [first, second, third]
    assert await store.queue_entries.entries("sales") == [first, third]


@bounded()
async def test_equal_arrival_keeps_first_put_order_even_after_a_re_put(store: Store) -> None:
    a = await _entry(store, "sales", 10)
    b = await _entry(store, "sales", 10)
    await store.queue_entries.put(replace(a, priority=9))
    assert [e.interaction_id for e in await store.queue_entries.entries()] == [
        a.interaction_id, b.interaction_id]


@bounded()
async def test_put_back_after_no_answer_keeps_the_original_place(store: Store) -> None:
    first = await _entry(store, "sales", 10)
    second = await _entry(store, "sales", 20)
    assert await store.queue_entries.remove(first.interaction_id)
    await store.queue_entries.put(first)  # the agent did not answer: back, same arrived_at
    assert [e.interaction_id for e in await store.queue_entries.entries()] == [
        first.interaction_id, second.interaction_id]


@bounded()
async def test_remove_is_idempotent(store: Store) -> None:
    entry = await _entry(store, "sales", 10)
    assert await store.queue_entries.remove(entry.interaction_id)
    assert not await store.queue_entries.remove(entry.interaction_id)
    assert await store.queue_entries.entries() == []


@bounded()
async def test_moving_a_call_to_another_queue_replaces_its_entry(store: Store) -> None:
    entry = await _entry(store, "sales", 10)
    moved = replace(entry, queue="support", priority=2)
    await store.queue_entries.put(moved)
    assert await store.queue_entries.entries() == [moved]


@bounded()
async def test_put_refuses_unknown_interaction_and_callback_without_number(store: Store) -> None:
    with pytest.raises(NoSuchInteraction):
        await store.queue_entries.put(QueueEntry(interaction_id=uuid4(), queue="s",
                                                 arrived_at=T0))
    iid = await store.interactions.create()
    with pytest.raises(ValueError, match="a callback needs callback_number"):
        await store.queue_entries.put(QueueEntry(interaction_id=iid, queue="s", arrived_at=T0,
                                                 is_callback=True))
