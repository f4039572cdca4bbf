"""Agents per interval for a forecast: Erlang C or Erlang A, occupancy cap, shrinkage.

``agents`` are the agents needed on the phones in an interval; ``scheduled``
adds shrinkage (breaks, training, absence): agents / (1 - shrinkage), rounded
up. Erlang A needs the callers' patience (measured from the history); without
it (nobody ever hung up) Erlang C is used, which assumes nobody does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np

from acd.erlang import agents_needed, scheduled
from acd.erlang_a import agents_needed_a
from cti.wfm.forecast import DAYS, Forecast

Model = Literal["erlang_a", "erlang_c"]


@dataclass(frozen=True, slots=True)
class IntervalStaff:
    day: date
    slot: int
    interval: str                # local start, "09:30"
    calls: float
    aht: float
    agents: int                  # on the phones
    scheduled: int               # with shrinkage
    service_level: float         # 0..1, expected
    asa: float                   # seconds
    abandon_rate: float | None   # 0..1 (Erlang A only)
    occupancy: float             # 0..1


@dataclass(frozen=True)
class StaffingPlan:
    forecast: Forecast
    model: Model
    target_seconds: float
    target_level: float
    max_occupancy: float
    shrinkage: float
    max_abandon: float | None
    patience: float | None
    intervals: tuple[IntervalStaff, ...]     # day by day, slot by slot

    def agents(self) -> np.ndarray:
        return self._grid("agents")

    def scheduled(self) -> np.ndarray:
        return self._grid("scheduled")

    def _grid(self, name: str) -> np.ndarray:
        values = np.array([getattr(i, name) for i in self.intervals], dtype=float)
        return values.reshape(self.forecast.days, self.forecast.slots_per_day)

    def rows(self) -> list[dict[str, Any]]:
        """One JSON-able dict per interval (percentages 0..100, seconds)."""
        return [{
            "date": i.day.isoformat(), "weekday": DAYS[i.day.weekday()],
            "interval": i.interval, "calls": round(i.calls, 2), "aht": round(i.aht, 1),
            "agents": i.agents, "scheduled": i.scheduled,
            "service_level": round(100 * i.service_level, 1),
            "asa": round(i.asa, 1) if np.isfinite(i.asa) else None,
            "abandon_rate": None if i.abandon_rate is None else round(100 * i.abandon_rate, 2),
            "occupancy": round(100 * i.occupancy, 1),
        } for i in self.intervals]


def plan_staffing(forecast: Forecast, *, target_seconds: float, target_level: float,
                  max_occupancy: float = 1.0, shrinkage: float = 0.0,
                  model: Model | None = None, patience: float | None = None,
                  max_abandon: float | None = None) -> StaffingPlan:
    """Staff every interval of ``forecast``.

    Args:
        target_level: 0..1 (0.8 = 80 % within ``target_seconds``).
        model: None picks Erlang A when a patience is known, else Erlang C.
        patience: overrides the forecast's measured patience (seconds).
        max_abandon: Erlang A only: also keep abandonment at or below this (0..1).

    Raises:
        ValueError: targets out of range, or Erlang A asked without any patience.
    """
    patience = patience if patience is not None else forecast.patience
    if model is None:
        model = "erlang_a" if patience else "erlang_c"
    if model == "erlang_a" and not patience:
        raise ValueError("Erlang A needs the callers' patience and no caller hung up in the "
                         "history; give --patience SECONDS or use --model erlang-c")
    interval = forecast.interval_minutes * 60.0
    out = []
    for d, day in enumerate(forecast.dates()):
        for s in range(forecast.slots_per_day):
            calls, aht = float(forecast.offered[d, s]), float(forecast.aht[d, s])
            label = forecast.slot_label(s)
            if calls <= 0 or aht <= 0:
                out.append(IntervalStaff(day, s, label, 0.0, aht, 0, 0, 1.0, 0.0,
                                         0.0 if model == "erlang_a" else None, 0.0))
                continue
            if model == "erlang_a":
                assert patience is not None
                r = agents_needed_a(calls, aht, patience, target_seconds, target_level,
                                    interval, max_occupancy, max_abandon)
                out.append(IntervalStaff(day, s, label, calls, aht, r.agents,
                                         scheduled(r.agents, shrinkage), r.service_level,
                                         r.asa, r.abandon_rate, r.occupancy))
            else:
                c = agents_needed(calls, aht, target_seconds, target_level, interval,
                                  max_occupancy)
                out.append(IntervalStaff(day, s, label, calls, aht, c.agents,
                                         scheduled(c.agents, shrinkage), c.service_level,
                                         c.asa, None, c.occupancy))
    return StaffingPlan(forecast, model, target_seconds, target_level, max_occupancy,
                        shrinkage, max_abandon, patience, tuple(out))
