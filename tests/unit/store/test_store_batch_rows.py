"""Batch, before any database: how rows are grouped, merged and split into segments."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from cti.store import Batch, CallRecord, QueueEntry

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_updates_of_one_interaction_merge_with_the_later_value_winning() -> None:
    iid = uuid4()
    batch = Batch()
    batch.update_interaction(iid, queue="sales", priority=1)
    batch.update_interaction(iid, priority=5, agent_id="a1")
    (segment,) = batch.segments
    assert segment.updates == {iid: {"queue": "sales", "priority": 5, "agent_id": "a1"}}
    assert len(batch) == 2


def test_the_last_upsert_and_the_last_queue_operation_win() -> None:
    iid, rid = uuid4(), uuid4()
    batch = Batch()
    batch.upsert_call_record(CallRecord(rid, T0, queue="a"))
    batch.upsert_call_record(CallRecord(rid, T0, queue="b"))
    batch.put_queue_entry(QueueEntry(iid, "sales", T0))
    batch.remove_queue_entry(iid)
    (segment,) = batch.segments
    assert [r.queue for r in segment.calls.values()] == ["b"]
    assert segment.queue == {iid: None}


def test_a_close_then_more_of_the_same_interaction_opens_a_segment() -> None:
    iid, other = uuid4(), uuid4()
    batch = Batch()
    batch.close_interaction(iid, event_id=uuid4(), at=T0)
    batch.update_interaction(other, queue="x")  # another interaction: same segment
    assert len(batch.segments) == 1
    batch.close_interaction(iid, event_id=uuid4(), at=T0)
    assert len(batch.segments) == 2
    first, second = batch.segments
    assert [e.kind for e in first.events] == ["closed"] and iid in second.closes


def test_a_second_create_of_an_id_is_ignored_like_on_conflict_do_nothing() -> None:
    iid = uuid4()
    batch = Batch()
    batch.create_interaction(iid, created_at=T0, queue="first")
    batch.create_interaction(iid, created_at=T0, queue="second")
    assert batch.segments[0].creates[iid].fields == {"queue": "first"}
