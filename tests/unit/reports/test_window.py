"""The periods a report is cut into: local, daylight saving time included."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from cti.reports.queries import Window
from cti.reports.run import months

MADRID = ZoneInfo("Europe/Madrid")


def window(first: datetime, last: datetime, by: str | None, minutes: int = 30) -> Window:
    return Window(first.replace(tzinfo=MADRID), last.replace(tzinfo=MADRID), "Europe/Madrid",
                  by, minutes)


def test_days_around_the_autumn_change_have_their_local_bounds() -> None:
    w = window(datetime(2026, 10, 24), datetime(2026, 10, 27), "day")
    assert w.periods == [datetime(2026, 10, d) for d in (24, 25, 26)]
    assert w.bounds == ("'{2026-10-24T00:00:00+02:00,2026-10-25T00:00:00+02:00,"
                        "2026-10-26T00:00:00+01:00,2026-10-27T00:00:00+01:00}'::timestamptz[]")
    assert w.bucket("c.at").startswith("width_bucket(c.at, '{2026-10-24")
    assert w.period(2) == datetime(2026, 10, 25) and w.period(None) is None


def test_weeks_start_on_monday_and_intervals_on_the_half_hour() -> None:
    w = window(datetime(2026, 3, 4), datetime(2026, 3, 12), "week")
    assert w.periods == [datetime(2026, 3, 2), datetime(2026, 3, 9)]
    half = window(datetime(2026, 3, 2, 9, 10), datetime(2026, 3, 2, 10, 0), "interval")
    assert half.periods == [datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 9, 30)]
    quarter = window(datetime(2026, 3, 2), datetime(2026, 3, 3), "interval", minutes=15)
    assert len(quarter.periods) == 96


def test_the_spring_gap_gives_an_empty_hour_not_a_wrong_one() -> None:
    w = window(datetime(2026, 3, 29), datetime(2026, 3, 30), "hour")
    assert len(w.periods) == 24
    bounds = w.bounds.removeprefix("'{").removesuffix("}'::timestamptz[]").split(",")
    assert bounds[2] == "2026-03-29T02:00:00+01:00" and bounds[3] == "2026-03-29T03:00:00+02:00"


def test_without_a_cut_there_is_no_period() -> None:
    w = window(datetime(2026, 3, 1), datetime(2026, 4, 1), None)
    assert w.periods == [] and w.bucket("x") == "NULL::int"


def test_a_range_is_read_by_local_month() -> None:
    since, until = datetime(2025, 12, 15, tzinfo=MADRID), datetime(2026, 3, 10, tzinfo=MADRID)
    chunks = months(since, until)
    assert [(a.date().isoformat(), b.date().isoformat()) for a, b in chunks] == [
        ("2025-12-15", "2026-01-01"), ("2026-01-01", "2026-02-01"),
        ("2026-02-01", "2026-03-01"), ("2026-03-01", "2026-03-10")]
