"""The wallboard's traffic per interval (``GET /api/v1/traffic``): each call record
counts where it entered the queue, was answered, or was abandoned."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from cti.api.routes.traffic import tally
from cti.store.models import CallRecord

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def record(queued: float, *, answered: float | None = None, ended: float | None = None,
           outcome: str | None = None) -> CallRecord:
    at = START + timedelta(seconds=queued)
    return CallRecord(id=uuid.uuid4(), arrived_at=at - timedelta(seconds=20), queue="sales",
                      queued_at=at,
                      answered_at=None if answered is None else START + timedelta(
                          seconds=answered),
                      ended_at=None if ended is None else START + timedelta(seconds=ended),
                      outcome=outcome)


def test_each_call_counts_in_the_interval_of_each_thing_that_happened_to_it() -> None:
    rows = tally([record(10, answered=290, ended=400, outcome="answered"),   # across two
                  record(320, ended=650, outcome="abandoned"),               # across three
                  record(-30, answered=5, ended=60, outcome="answered"),     # queued before
                  record(899, answered=905, outcome="answered")],            # answered after
                 START.timestamp(), 300, 3)
    assert [(r["offered"], r["answered"], r["abandoned"]) for r in rows] == [
        (1, 2, 0), (1, 0, 0), (1, 0, 1)]
    assert [r["start"] for r in rows] == ["2026-11-30T12:00:00.000Z", "2026-11-30T12:05:00.000Z",
                                          "2026-11-30T12:10:00.000Z"]


def test_a_call_that_never_reached_a_queue_counts_from_its_arrival() -> None:
    lost = CallRecord(id=uuid.uuid4(), arrived_at=START + timedelta(seconds=100),
                      queue="sales", outcome="lost")
    assert [r["offered"] for r in tally([lost], START.timestamp(), 300, 2)] == [1, 0]
