"""Synthetic contact-centre history, for tests and benchmarks.

Half-hourly (or 15/60-minute) arrivals with what real intraday data has: a
two-peak day inside opening hours, a weekly pattern (busy Mondays, short
Saturdays, closed Sundays), a slow yearly swing and trend, day-to-day noise
(a busy or quiet day moves every interval together), over-dispersed counts,
and closed holidays. Handle times and waits come with it so Erlang A's
patience can be estimated the way the real history query does.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from cti.wfm.series import IntervalSeries

#: Share of a normal weekday's volume, Monday first.
WEEKLY = (1.25, 1.1, 1.0, 0.95, 0.9, 0.45, 0.0)
#: Opening hours per weekday (local), Monday first; None = closed.
HOURS: tuple[tuple[float, float] | None, ...] = (
    (8, 20), (8, 20), (8, 20), (8, 20), (8, 20), (9, 14), None)


def intraday_shape(interval_minutes: int, opens: float, closes: float) -> np.ndarray:
    """Relative volume per slot of a day: a morning peak near 10:30, a smaller one
    near 16:00, nothing outside opening hours; sums to 1."""
    slots = 24 * 60 // interval_minutes
    mid = (np.arange(slots) + 0.5) * interval_minutes / 60
    shape = (np.exp(-0.5 * ((mid - 10.5) / 1.6) ** 2)
             + 0.7 * np.exp(-0.5 * ((mid - 16.0) / 1.8) ** 2) + 0.15)
    shape[(mid < opens) | (mid >= closes)] = 0.0
    return shape / shape.sum()


def synthetic_series(queue: str = "billing", *, first_day: date = date(2025, 1, 6),
                     days: int = 364, interval_minutes: int = 30,
                     daily_calls: float = 800.0, holidays: Iterable[date] = (),
                     yearly_swing: float = 0.12, trend_per_year: float = 0.08,
                     day_noise: float = 0.06, dispersion: float = 30.0,
                     aht: float = 240.0, patience: float = 150.0,
                     abandon_share: float = 0.05, seed: int = 0) -> IntervalSeries:
    """A history of ``days`` days from ``first_day``.

    ``daily_calls`` is a normal Wednesday's volume; ``dispersion`` is the gamma
    shape of the interval rate (smaller = noisier than Poisson).
    """
    rng = np.random.default_rng(seed)
    holidays = frozenset(holidays)
    series = IntervalSeries.empty(queue, "voice", first_day, days, interval_minutes, holidays)
    shapes = [None if h is None else intraday_shape(interval_minutes, *h) for h in HOURS]
    for i, day in enumerate(series.dates()):
        weekday = day.weekday()
        shape = shapes[weekday]
        if shape is None or day in holidays:
            continue
        years = i / 365.25
        level = (daily_calls * WEEKLY[weekday] * (1 + trend_per_year * years)
                 * (1 + yearly_swing * math.sin(2 * math.pi * (day.timetuple().tm_yday - 80)
                                                / 365.25))
                 * rng.lognormal(0.0, day_noise))
        rate = level * shape
        rate = rng.gamma(dispersion, rate / dispersion)
        offered = rng.poisson(rate).astype(float)
        abandoned = rng.binomial(offered.astype(int), abandon_share).astype(float)
        answered = offered - abandoned
        series.offered[i] = offered
        series.abandoned[i] = abandoned
        series.answered[i] = answered
        series.handle_seconds[i] = answered * aht * rng.gamma(50, 1 / 50, size=answered.shape)
        # exponential patience: abandoned / total waiting time estimates 1 / patience
        series.wait_seconds[i] = abandoned * patience * rng.gamma(50, 1 / 50,
                                                                  size=abandoned.shape)
    return series


@dataclass(frozen=True, slots=True)
class SyntheticCall:
    """One row for call_records (instants aware, UTC)."""

    id: uuid.UUID
    queue: str
    agent_id: str | None
    arrived_at: datetime
    queued_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    outcome: str


def synthetic_calls(series: IntervalSeries, timezone: str, *, seed: int = 0,
                    answer_wait: float = 15.0) -> Iterator[SyntheticCall]:
    """Call records that add up to ``series``: each offered call at a random instant
    of its interval; answered ones wait about ``answer_wait`` s and talk the interval's
    average handle time; abandoned ones wait so that total waiting matches."""
    rng = random.Random(seed)
    zone = ZoneInfo(timezone)
    step = series.interval_minutes * 60
    for day, d in enumerate(series.dates()):
        midnight = datetime.combine(d, time(0), zone)
        for slot in range(series.slots_per_day):
            offered = int(series.offered[day, slot])
            if not offered:
                continue
            answered = int(series.answered[day, slot])
            abandoned = offered - answered
            talk = series.handle_seconds[day, slot] / answered if answered else 0.0
            give_up = series.wait_seconds[day, slot] / abandoned if abandoned else 0.0
            start = (midnight + timedelta(seconds=slot * step)).astimezone(UTC)
            for k in range(offered):
                queued = start + timedelta(seconds=rng.uniform(0, step - 1))
                arrived = queued - timedelta(seconds=rng.uniform(5, 30))
                if k < answered:
                    answer = queued + timedelta(seconds=rng.expovariate(1 / answer_wait))
                    yield SyntheticCall(uuid.UUID(int=rng.getrandbits(128)), series.queue,
                                        f"a{rng.randrange(1, 30)}", arrived, queued, answer,
                                        answer + timedelta(seconds=talk), "answered")
                else:
                    end = queued + timedelta(seconds=give_up)
                    yield SyntheticCall(uuid.UUID(int=rng.getrandbits(128)), series.queue,
                                        None, arrived, queued, None, end, "abandoned")
