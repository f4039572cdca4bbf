"""Rolling-origin backtest: which method forecasts this queue best.

From each origin (the last ``origins`` weeks, one every ``step_days``) every
method forecasts the next ``horizon_days`` from the ``train_days`` before it,
exactly as a real forecast would run (holidays included), and is scored on
WAPE: sum of absolute errors over sum of actual contacts, pooled over all
intervals and origins. Not MAPE: night intervals have zero contacts, and a
percentage error per interval would divide by them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from cti.wfm.forecast import MIN_HISTORY_DAYS, TRAIN_DAYS, forecast_offered
from cti.wfm.methods import BASELINE, METHODS
from cti.wfm.series import IntervalSeries


@dataclass(frozen=True, slots=True)
class MethodScore:
    method: str
    wape: float                  # pooled over all origins; nan if it could not run
    wapes: tuple[float, ...]     # one per origin
    seconds: float               # time spent fitting and forecasting


@dataclass(frozen=True)
class Backtest:
    queue: str
    origins: tuple[date, ...]
    horizon_days: int
    train_days: int
    scores: tuple[MethodScore, ...]   # best first
    chosen: str

    def score(self, method: str) -> MethodScore:
        return next(s for s in self.scores if s.method == method)

    def to_dict(self) -> dict[str, Any]:
        return {
            "queue": self.queue, "chosen": self.chosen,
            "origins": [o.isoformat() for o in self.origins],
            "horizon_days": self.horizon_days, "train_days": self.train_days,
            "scores": [{"method": s.method, "wape": _json_float(s.wape),
                        "wapes": [_json_float(w) for w in s.wapes],
                        "seconds": round(s.seconds, 3)} for s in self.scores],
        }


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    total = float(np.sum(actual))
    return float(np.sum(np.abs(actual - forecast)) / total) if total > 0 else float("nan")


def origins_for(series: IntervalSeries, origins: int, horizon_days: int, step_days: int,
                min_history: int = MIN_HISTORY_DAYS) -> list[date]:
    """The latest ``origins`` origins whose horizon fits in the series, oldest first."""
    last = series.end_day - timedelta(days=horizon_days)
    out = [last - timedelta(days=step_days * k) for k in range(origins)]
    return sorted(o for o in out if (o - series.first_day).days >= min_history)


def backtest(series: IntervalSeries, methods: list[str] | None = None, *, origins: int = 4,
             horizon_days: int = 7, step_days: int = 7, train_days: int = TRAIN_DAYS,
             holiday_pattern: str = "closed") -> Backtest:
    """Score ``methods`` (default: all) on ``series``; the lowest WAPE is chosen.

    Raises:
        ValueError: the series is too short for a single origin.
    """
    names = list(METHODS) if methods is None else methods
    starts = origins_for(series, origins, horizon_days, step_days)
    if not starts:
        raise ValueError(f"a backtest needs {MIN_HISTORY_DAYS + horizon_days} days of "
                         f"history, got {series.days}")
    scores = []
    for name in names:
        began = time.perf_counter()
        errors, totals, wapes = 0.0, 0.0, []
        try:
            for origin in starts:
                predicted = forecast_offered(series, origin, horizon_days, name,
                                             holiday_pattern=holiday_pattern,
                                             train_days=train_days)
                actual = series.between(origin, origin + timedelta(days=horizon_days)).offered
                errors += float(np.abs(actual - predicted).sum())
                totals += float(actual.sum())
                wapes.append(wape(actual, predicted))
        except ValueError:   # too little history for this method
            scores.append(MethodScore(name, float("nan"), (), time.perf_counter() - began))
            continue
        pooled = errors / totals if totals > 0 else float("nan")
        scores.append(MethodScore(name, pooled, tuple(wapes), time.perf_counter() - began))
    ranked = sorted(scores, key=lambda s: (np.isnan(s.wape), s.wape, names.index(s.method)))
    chosen = ranked[0].method if not np.isnan(ranked[0].wape) else BASELINE
    return Backtest(series.queue, tuple(starts), horizon_days, train_days, tuple(ranked),
                    chosen)


def _json_float(x: float) -> float | None:
    return None if np.isnan(x) else round(x, 4)
