"""The database write lag: the age of the oldest event not stored, in bounded memory."""

from __future__ import annotations

from cti.events import IvrStepRan
from cti.reports.metrics import WriteLag


def events(first: int, last: int, every: float = 0.01) -> list[IvrStepRan]:
    """Events ``first``..``last``, one each ``every`` seconds from t = 0."""
    return [IvrStepRan(seq=n, at=n * every, interaction_id="i", step="s", step_type="menu",
                       result={}) for n in range(first, last + 1)]


def test_the_lag_is_the_age_of_the_oldest_event_not_stored() -> None:
    lag = WriteLag(resolution=0.5)
    lag.accept(events(1, 1000))  # t = 0.01 .. 10.0
    assert lag.seconds(stored_seq=1000, now=10.0) == 0.0
    lag.accept(events(1001, 2000))  # t = 10.01 .. 20.0
    age = lag.seconds(stored_seq=1500, now=20.0)  # the oldest not stored: t = 15.01
    assert 20.0 - 15.01 <= age <= 20.0 - 15.01 + 0.5


def test_a_long_outage_keeps_marks_not_events() -> None:
    lag = WriteLag(resolution=0.5, max_marks=100)
    for start in range(1, 1_000_001, 10_000):  # a million events over 10,000 s
        lag.accept(events(start, start + 9_999))
        assert len(lag._marks) <= 101
    age = lag.seconds(stored_seq=0, now=10_000.0)
    assert age == 10_000.0 - 0.01  # the first mark is the first event
    assert lag.seconds(stored_seq=1_000_000, now=10_000.0) == 0.0
    assert lag._spacing == 0.5  # caught up: fine marks again
