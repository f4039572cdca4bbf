"""What the forecasting worker process runs for the REST API (cti/api/forecasts.py).

Arguments and results are plain values (lists, dates, dicts): the service's own
process never imports numpy or statsmodels (importing them takes seconds, which
would stall the event loop); only the worker does, inside these functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cti.wfm.buckets import Bucket


@dataclass(frozen=True)
class FittedForecast:
    """A forecast as plain values: ``days x slots`` lists, one row dict per interval."""

    queue: str
    channel: str
    start: date
    interval_minutes: int
    method: str
    offered: list[list[float]]
    aht: list[list[float]]
    patience: float | None
    holidays: dict[date, str]
    backtest: dict[str, Any] | None
    history: dict[str, Any]          # from, to, days, contacts
    rows: list[dict[str, Any]]       # Forecast.rows(): date, weekday, interval, calls, ...

    @property
    def slots_per_day(self) -> int:
        return 24 * 60 // self.interval_minutes

    def labels(self) -> list[str]:
        step = self.interval_minutes
        return [f"{s * step // 60:02d}:{s * step % 60:02d}" for s in range(self.slots_per_day)]


def fit(queue: str, channel: str, buckets: list[Bucket], first: date, end: date,
        interval_minutes: int, holidays: frozenset[date], start: date, days: int,
        method: str) -> FittedForecast:
    """The history's buckets in, ``days`` days forecast from ``start`` out.

    Raises:
        NoHistory: too little history (it pickles whole); ValueError: a bad method.
    """
    from cti.wfm.plan import make_forecast, series_from_buckets

    series = series_from_buckets(queue, channel, buckets, first, end, interval_minutes,
                                 holidays)
    result = make_forecast(series, start, days, method=method)
    f, h = result.forecast, result.history
    return FittedForecast(
        queue, channel, start, interval_minutes, f.method, _plain(f.offered.tolist()),
        _plain(f.aht.tolist()), None if f.patience is None else float(f.patience),
        dict(f.holidays), None if result.backtest is None else _plain(result.backtest.to_dict()),
        {"from": h.first_day.isoformat(), "to": h.end_day.isoformat(), "days": h.days,
         "contacts": int(h.offered.sum())}, _plain(f.rows()))


def staff(fitted: FittedForecast, days: int, *, target_seconds: float, target_level: float,
          max_occupancy: float, shrinkage: float, model: str | None,
          patience: float | None, max_abandon: float | None) -> dict[str, Any]:
    """Agents per interval of the first ``days`` days (as ``cti staffing``).

    Raises:
        ValueError: rules that cannot be met as given.
    """
    import numpy as np

    from cti.wfm.forecast import Forecast
    from cti.wfm.staffing import plan_staffing

    end = fitted.start + timedelta(days=days)
    forecast = Forecast(fitted.queue, fitted.channel, fitted.start, fitted.interval_minutes,
                        fitted.method, np.array(fitted.offered[:days], dtype=float),
                        np.array(fitted.aht[:days], dtype=float), fitted.patience,
                        {d: p for d, p in fitted.holidays.items() if d < end})
    plan = plan_staffing(forecast, target_seconds=target_seconds, target_level=target_level,
                         max_occupancy=max_occupancy, shrinkage=shrinkage,
                         model=model,  # type: ignore[arg-type]
                         patience=patience, max_abandon=max_abandon)
    return _plain({"model": plan.model.replace("_", "-"),
                   "target_seconds": float(plan.target_seconds),
                   "target_level": round(100 * plan.target_level, 2),
                   "max_occupancy": round(100 * plan.max_occupancy, 2),
                   "shrinkage": round(100 * plan.shrinkage, 2),
                   "patience": None if plan.patience is None else round(plan.patience, 1),
                   "intervals": plan.rows()})


def _plain(value: Any) -> Any:
    """numpy scalars made Python numbers (so the answer unpickles without numpy)."""
    return json.loads(json.dumps(value, default=_number))


def _number(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-able")
