"""Intraday: today's forecast against what has happened so far, and the rest re-forecast.

Pure Python (no numpy, no clock), so the wallboard can call it on every refresh:
give it today's forecast per interval and the actual counts of the intervals
already over; ``now`` only decides which intervals count as over.

The rest of the day is the forecast scaled by how far today runs above or
below it so far. The ratio is shrunk towards 1 while evidence is thin (a prior
worth ``prior_calls`` contacts), so three calls instead of two at 08:00 do not
double the afternoon, and it is kept within [``min_ratio``, ``max_ratio``].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class IntradayUpdate:
    """JSON-able (``to_dict``): what the wallboard shows as forecast vs actual."""

    interval_minutes: int
    elapsed: int                     # intervals over
    forecast: list[float]            # the original, every interval of the day
    actual: list[float]              # the intervals over
    reforecast: list[float]          # actual where over, scaled forecast after
    ratio: float                     # applied to the rest of the day
    forecast_so_far: float
    actual_so_far: float
    forecast_total: float            # the original whole-day figure
    expected_total: float            # actual so far + re-forecast rest

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def elapsed_intervals(now: datetime, day_start: datetime, interval_minutes: int,
                      slots: int) -> int:
    """Intervals of the day already over at ``now`` (same time zone as ``day_start``)."""
    seconds = (now - day_start).total_seconds()
    return max(0, min(slots, int(seconds // (interval_minutes * 60))))


def reforecast_day(forecast: Sequence[float], actual: Sequence[float], *,
                   interval_minutes: int = 30, prior_calls: float = 20.0,
                   min_ratio: float = 0.25, max_ratio: float = 4.0) -> IntradayUpdate:
    """Compare ``actual`` (the first ``len(actual)`` intervals) with ``forecast`` and
    re-forecast the remaining intervals.

    Raises:
        ValueError: more actual intervals than the forecast has, or a negative count.
    """
    if len(actual) > len(forecast):
        raise ValueError(f"{len(actual)} actual intervals for a forecast of {len(forecast)}")
    if any(x < 0 for x in actual) or any(x < 0 for x in forecast):
        raise ValueError("contact counts cannot be negative")
    elapsed = len(actual)
    planned = sum(forecast[:elapsed])
    seen = float(sum(actual))
    ratio = (seen + prior_calls) / (planned + prior_calls)
    ratio = max(min_ratio, min(max_ratio, ratio))
    rest = [round(f * ratio, 3) for f in forecast[elapsed:]]
    return IntradayUpdate(
        interval_minutes=interval_minutes, elapsed=elapsed,
        forecast=[float(f) for f in forecast], actual=[float(a) for a in actual],
        reforecast=[float(a) for a in actual] + rest, ratio=round(ratio, 4),
        forecast_so_far=round(float(planned), 3), actual_so_far=seen,
        forecast_total=round(float(sum(forecast)), 3),
        expected_total=round(seen + sum(rest), 3))
