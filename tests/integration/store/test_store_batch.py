"""Store.write_batch: the rows of the recorder in one transaction, stored as the
one-at-a-time calls store them, once however often the batch is applied."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from store_testing import bounded

from cti.store import Batch, CallRecord, QueueEntry, Refused, Store, StoreRejected

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class CallIds:
    """The ids the recorder chooses for one call."""

    def __init__(self) -> None:
        self.interaction = uuid4()
        self.events = [uuid4() for _ in range(4)]
        self.close_event = uuid4()
        self.changes = [uuid4() for _ in range(3)]
        self.record = uuid4()


def fill(batch: Batch, ids: CallIds, agent: str) -> None:
    """What the recorder writes for a call answered by ``agent``, in order."""
    iid = ids.interaction
    batch.create_interaction(iid, created_at=at(0), caller_number="+33612345678",
                             node="pbx1", uniqueid="1700000000.1")
    batch.add_event(ids.events[0], iid, "ivr-step", "ivr", {"step": "welcome"}, at(1))
    batch.update_interaction(iid, queue="sales", queued_at=at(5), priority=3)
    batch.put_queue_entry(QueueEntry(iid, "sales", at(5), priority=3,
                                     requirements={"spanish": 5}, node="pbx1"))
    batch.upsert_call_record(CallRecord(ids.record, at(0), interaction_id=iid, queue="sales",
                                        queued_at=at(5)))
    batch.add_event(ids.events[1], iid, "queued", "acd", {"queue": "sales"}, at(5))
    batch.record_agent_state(ids.changes[0], agent, "RESERVED", at=at(8), interaction_id=iid)
    batch.add_event(ids.events[2], iid, "offered", agent, {}, at(8))
    batch.remove_queue_entry(iid)
    batch.update_interaction(iid, agent_id=agent, answered_at=at(12))
    batch.record_agent_state(ids.changes[1], agent, "ON_CALL", at=at(12), interaction_id=iid)
    batch.add_event(ids.events[3], iid, "answered", agent, {}, at(12))
    batch.upsert_call_record(CallRecord(ids.record, at(0), interaction_id=iid, queue="sales",
                                        agent_id=agent, queued_at=at(5), answered_at=at(12),
                                        ended_at=at(70), outcome="answered", hangup_cause=16))
    batch.record_agent_state(ids.changes[2], agent, "WRAP_UP", at=at(70), interaction_id=iid)
    batch.close_interaction(iid, event_id=ids.close_event, outcome="answered", actor="system",
                            at=at(70))


async def one_at_a_time(store: Store, ids: CallIds, agent: str) -> None:
    """The same writes through the repositories, as the recorder makes them today."""
    iid = ids.interaction
    await store.interactions.create(interaction_id=iid, created_at=at(0),
                                    caller_number="+33612345678", node="pbx1",
                                    uniqueid="1700000000.1")
    await store.interactions.add_event(ids.events[0], iid, "ivr-step", "ivr",
                                       {"step": "welcome"}, at(1))
    await store.interactions.update(iid, queue="sales", queued_at=at(5), priority=3)
    await store.queue_entries.put(QueueEntry(iid, "sales", at(5), priority=3,
                                             requirements={"spanish": 5}, node="pbx1"))
    await store.calls.upsert(CallRecord(ids.record, at(0), interaction_id=iid, queue="sales",
                                        queued_at=at(5)))
    await store.interactions.add_event(ids.events[1], iid, "queued", "acd", {"queue": "sales"},
                                       at(5))
    await store.agent_states.record(agent, "RESERVED", at=at(8), interaction_id=iid,
                                    change_id=ids.changes[0])
    await store.interactions.add_event(ids.events[2], iid, "offered", agent, {}, at(8))
    await store.queue_entries.remove(iid)
    await store.interactions.update(iid, agent_id=agent, answered_at=at(12))
    await store.agent_states.record(agent, "ON_CALL", at=at(12), interaction_id=iid,
                                    change_id=ids.changes[1])
    await store.interactions.add_event(ids.events[3], iid, "answered", agent, {}, at(12))
    await store.calls.upsert(CallRecord(ids.record, at(0), interaction_id=iid, queue="sales",
                                        agent_id=agent, queued_at=at(5), answered_at=at(12),
                                        ended_at=at(70), outcome="answered", hangup_cause=16))
    await store.agent_states.record(agent, "WRAP_UP", at=at(70), interaction_id=iid,
                                    change_id=ids.changes[2])
    await store.interactions.close(iid, outcome="answered", actor="system", at=at(70),
                                   event_id=ids.close_event)


async def stored(store: Store, ids: CallIds, agent: str) -> dict[str, Any]:
    """Everything stored about the call, without ids, write times and agent id."""
    case = asdict(await store.interactions.get(ids.interaction))
    for name in ("id", "updated_at"):
        case.pop(name)
    assert case.pop("agent_id") == agent
    events = [(e.kind, "AGENT" if e.actor == agent else e.actor, dict(e.data), e.at)
              for e in await store.interactions.events(ids.interaction)]
    record = asdict(await store.calls.get(ids.record))
    for name in ("id", "interaction_id"):
        record.pop(name)
    assert record.pop("agent_id") == agent
    history = [(h.state, h.at) for h in await store.agent_states.history(agent)]
    current = await store.agent_states.current_for(agent)
    queued = [e for e in await store.queue_entries.entries() if e.interaction_id == ids.interaction]
    return {"case": case, "events": events, "record": record, "history": history,
            "current": (current.state, current.since), "queued": queued}


@bounded(30)
async def test_a_batch_stores_what_the_one_at_a_time_writes_store(store: Store) -> None:
    batched, single = CallIds(), CallIds()
    batch = Batch()
    fill(batch, batched, "a1001")
    result = await store.write_batch(batch)
    assert result.rows == len(batch) == 15 and result.refused == ()
    await one_at_a_time(store, single, "a1002")
    assert await stored(store, batched, "a1001") == await stored(store, single, "a1002")
    case = await store.interactions.get(batched.interaction)
    assert (case.status, case.outcome, case.agent_id, case.priority) == (
        "closed", "answered", "a1001", 3)


@bounded(30)
async def test_applying_a_batch_again_stores_every_row_once(store: Store) -> None:
    ids = CallIds()
    batch = Batch()
    fill(batch, ids, "a1001")
    await store.write_batch(batch)
    first = await stored(store, ids, "a1001")
    again = await store.write_batch(batch)  # a retry after the commit's answer was lost
    assert again.refused == ()
    assert await stored(store, ids, "a1001") == first
    assert len(first["events"]) == 5 and len(first["history"]) == 3


@bounded(30)
async def test_rows_naming_a_missing_interaction_are_refused_alone(store: Store) -> None:
    known, ghost = await store.interactions.create(created_at=at(0)), uuid4()
    batch = Batch()
    batch.add_event(event := uuid4(), ghost, "queued", "acd", {}, at(1))
    batch.add_event(uuid4(), known, "queued", "acd", {}, at(1))
    batch.update_interaction(ghost, queue="sales")
    batch.put_queue_entry(QueueEntry(ghost, "sales", at(1)))
    batch.record_agent_state(change := uuid4(), "a1001", "READY", at=at(2), interaction_id=ghost)
    batch.close_interaction(ghost, event_id=uuid4(), at=at(3))
    batch.update_interaction(known, customer_id=(nobody := uuid4()))
    result = await store.write_batch(batch)
    assert result.rows == 1
    missing = f"no interaction with id {ghost}"
    assert sorted(result.refused, key=lambda r: r.kind) == sorted([
        Refused("event", event, missing), Refused("update", ghost, missing),
        Refused("queue-put", ghost, missing), Refused("agent-state", change, missing),
        Refused("close", ghost, missing),
        Refused("update", known, f"no customer with id {nobody}")], key=lambda r: r.kind)
    assert [e.kind for e in await store.interactions.events(known)] == ["queued"]


@bounded(30)
async def test_an_update_after_a_close_lands_after_it(store: Store) -> None:
    iid = uuid4()
    batch = Batch()
    batch.create_interaction(iid, created_at=at(0))
    batch.close_interaction(iid, event_id=uuid4(), outcome="abandoned", at=at(5))
    batch.update_interaction(iid, outcome="callback", status="pending")
    assert len(batch.segments) == 2
    await store.write_batch(batch)
    case = await store.interactions.get(iid)
    assert (case.status, case.outcome, case.closed_at) == ("pending", "callback", at(5))


@bounded(30)
async def test_the_last_put_or_remove_of_a_queue_entry_wins(store: Store) -> None:
    requeued, left = uuid4(), uuid4()
    batch = Batch()
    for iid in (requeued, left):
        batch.create_interaction(iid, created_at=at(0))
    batch.put_queue_entry(QueueEntry(requeued, "sales", at(1)))
    batch.put_queue_entry(QueueEntry(left, "sales", at(2)))
    batch.remove_queue_entry(requeued)  # offered to an agent ...
    batch.put_queue_entry(QueueEntry(requeued, "sales", at(1), priority=2))  # ... no answer
    batch.remove_queue_entry(left)
    await store.write_batch(batch)
    assert [(e.interaction_id, e.priority) for e in await store.queue_entries.entries()] == [
        (requeued, 2)]


@bounded(30)
async def test_an_agent_current_state_is_its_latest_change_across_batches(store: Store) -> None:
    first, late = Batch(), Batch()
    first.record_agent_state(uuid4(), "a1001", "READY", at=at(10))
    first.record_agent_state(uuid4(), "a1001", "NOT_READY", reason="lunch", at=at(20))
    first.record_agent_state(uuid4(), "a1002", "READY", at=at(15))
    late.record_agent_state(uuid4(), "a1001", "RESERVED", at=at(12))  # older: history only
    await store.write_batch(first)
    await store.write_batch(late)
    current = {s.agent_id: (s.state, s.reason) for s in await store.agent_states.current()}
    assert current == {"a1001": ("NOT_READY", "lunch"), "a1002": ("READY", None)}
    assert [h.state for h in await store.agent_states.history("a1001")] == [
        "READY", "RESERVED", "NOT_READY"]


@bounded(30)
async def test_a_row_postgres_refuses_rolls_the_whole_batch_back(store: Store) -> None:
    iid = uuid4()
    batch = Batch()
    batch.create_interaction(iid, created_at=at(0))
    batch.add_event(uuid4(), iid, "queued", "acd", {}, at(1))
    batch.update_interaction(iid, priority=2**31)  # out of PostgreSQL's integer
    with pytest.raises(StoreRejected, match="refused the write"):
        await store.write_batch(batch)
    assert await store.interactions.get(iid) is None


def test_bad_rows_are_refused_when_added_and_leave_the_batch_intact() -> None:
    batch = Batch()
    iid: UUID = uuid4()
    with pytest.raises(ValueError, match="event kind 'Queued' must be lowercase"):
        batch.add_event(uuid4(), iid, "Queued")
    with pytest.raises(ValueError, match="at must be timezone-aware"):
        batch.add_event(uuid4(), iid, "queued", at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="state 'ready' must be UPPER_CASE"):
        batch.record_agent_state(uuid4(), "a1", "ready")
    with pytest.raises(TypeError, match="no updatable field colour"):
        batch.update_interaction(iid, colour="red")
    with pytest.raises(ValueError, match="call outcome 'won' is not one of"):
        batch.upsert_call_record(CallRecord(uuid4(), at(0), outcome="won"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="data must be JSON"):
        batch.add_event(uuid4(), iid, "note", data={"when": at(0)})
    with pytest.raises(ValueError, match="interaction_id must be a UUID"):
        batch.remove_queue_entry("17")
    assert len(batch) == 0 and len(batch.segments) == 1


@bounded(30)
async def test_an_empty_batch_writes_nothing(store: Store) -> None:
    result = await store.write_batch(Batch())
    assert (result.rows, result.refused) == (0, ())
