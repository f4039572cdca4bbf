"""The abandon ledger: live calls, abandons and AMD machine verdicts inside the legal window.

Each outcome is counted once, at the moment it is known: a live call when it
is connected to an agent or abandoned, a machine when AMD says so. The window
is the rule set's: a successive period from the campaign's start (US) or the
rolling window ending now (UK, events older than ``now - window`` drop out).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from .rules import AbandonRules, WindowKind


class WindowOutcome(StrEnum):
    """What the ledger counts; also the kind of a restored past outcome."""

    #: a person answered and was connected to an agent in time
    CONNECTED = "connected"
    #: a person answered and no agent came in time (or they hung up first)
    ABANDONED = "abandoned"
    #: AMD classed the answer as a machine
    MACHINE = "machine"


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """The window as it stands at ``now``.

    ``live`` counts live-answered calls (connected + abandoned); ``abandoned``
    those abandoned; ``false_positives`` the estimate of AMD false positives
    (rate x ``machines``; 0 when the rule set does not count them).
    ``rate`` = (abandoned + false_positives) / (live + false_positives), None
    while nothing counts. ``budget_left`` = how many more abandons the window
    can take right now and stay at or under ``limit`` (negative: over it).
    """

    rules: str
    started_at: float
    ends_at: float | None       # end of the period; None for a rolling window
    live: int
    abandoned: int
    machines: int
    false_positives: float
    limit: float

    @property
    def counted_live(self) -> float:
        return self.live + self.false_positives

    @property
    def counted_abandoned(self) -> float:
        return self.abandoned + self.false_positives

    @property
    def rate(self) -> float | None:
        denominator = self.counted_live
        return None if denominator <= 0 else self.counted_abandoned / denominator

    @property
    def budget_left(self) -> float:
        return self.limit * self.counted_live - self.counted_abandoned

    @property
    def spent(self) -> bool:
        """At or over the limit with at least one abandon counted, in a window that
        has earned one abandon (``limit x live >= 1``: 34 live calls under 3 %).

        A younger window over the limit (one abandon, or the AMD false positives
        of its first machines, among a handful of live calls) is not spent:
        stopping would keep it there for the whole window, while risk-free
        dialing (the pacer's budget-low) adds live calls and brings it down.
        """
        return self.at_limit and self.limit * self.counted_live >= 1.0

    @property
    def at_limit(self) -> bool:
        """At or over the limit with at least one abandon counted (spent, or too
        young to be: then the pacer dials only what risks nothing at all)."""
        return self.counted_abandoned > 0 and self.budget_left <= 1e-12


class AbandonLedger:
    """Counts outcomes inside the legal window of one campaign.

    Args:
        rules: the rule set (window, limit, false positives).
        started_at: the campaign's start; US periods are counted from it.
    """

    __slots__ = ("_events", "_fp", "_period", "_rules", "_start", "_totals")

    def __init__(self, rules: AbandonRules, started_at: float) -> None:
        self._rules = rules
        self._start = started_at
        self._fp = rules.amd_false_positive_rate or 0.0
        self._events: deque[tuple[float, WindowOutcome]] = deque()   # rolling windows only
        self._totals = dict.fromkeys(WindowOutcome, 0)
        self._period = 0

    def record(self, outcome: WindowOutcome, at: float) -> None:
        """Count one outcome known at ``at``.

        Times should not go back; an outcome older than the last one is counted
        as if it happened with the last one (it stays in a rolling window a bit
        longer, never shorter). An outcome of an earlier period is ignored.
        """
        self._advance(at)
        if self._rules.window_kind is WindowKind.PERIODS and self._period_of(at) != self._period:
            return                                   # a restored outcome of an older period
        if self._rules.window_kind is WindowKind.ROLLING:
            if self._events and at < self._events[-1][0]:
                at = self._events[-1][0]             # out of order: keep it in the window longer
            self._events.append((at, outcome))
        self._totals[outcome] += 1

    def counts(self, now: float) -> WindowCounts:
        self._advance(now)
        rules = self._rules
        if rules.window_kind is WindowKind.PERIODS:
            started = self._start + self._period * rules.window
            ends: float | None = started + rules.window
        else:
            started, ends = max(self._start, now - rules.window), None
        t = self._totals
        abandoned, machines = t[WindowOutcome.ABANDONED], t[WindowOutcome.MACHINE]
        live = t[WindowOutcome.CONNECTED] + abandoned
        return WindowCounts(rules.name, started, ends, live, abandoned, machines,
                            self._fp * machines, rules.limit)

    # ---------------------------------------------------------------- window

    def _period_of(self, at: float) -> int:
        return max(0, math.floor((at - self._start) / self._rules.window))

    def _advance(self, now: float) -> None:
        if self._rules.window_kind is WindowKind.PERIODS:
            period = self._period_of(now)
            if period > self._period:
                self._period = period
                self._totals = dict.fromkeys(WindowOutcome, 0)
            return
        horizon = now - self._rules.window
        events, totals = self._events, self._totals
        while events and events[0][0] <= horizon:
            totals[events.popleft()[1]] -= 1
