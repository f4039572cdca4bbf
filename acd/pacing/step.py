"""One pacing step: which rule decides, and how many lines.

The rules, in order (the first that applies decides):

1. no agent logged in: no line (``no-agents``);
2. the campaign is paused: no line;
3. the window's abandon rate reached the legal limit: no line
   (``when_spent="stop"``), or one line per free agent (``"progressive"``;
   a preview campaign keeps previewing);
4. inbound callers waited past ``blending.stop_after``: no line;
5. preview: one contact per free agent without one; progressive: one line per
   free agent not yet covered by a line in flight;
6. predictive: lines are added one at a time while

   - the line's own abandon risk stays within the pace rate: the abandons it
     adds to those expected among the calls in flight (Forecast, times the
     measured Calibration factor), divided by its chance of being a live
     answer, is at most the line risk in force now
     (``CampaignSpec.pace_rate``: the full ``line_risk`` once the budget has
     ``cushion`` abandons in hand, less below, 0 at the reserve); and
   - everything in flight fits in the budget: the expected abandons, plus 1.65
     standard deviations (Poisson), stay within the abandons the window can
     still take now minus the ``reserve`` (and minus the AMD false positives the
     lines will add, under UK rules).

   The budget is the legal window's, or the smoothing window's (the last hour,
   held to ``target_rate``) when that one has fewer abandons in hand.

   Never fewer than progressive would place: a line per uncovered free agent
   risks nothing. Nor fewer than the lines of negligible risk
   (``CampaignSpec.negligible_risk``, 0.1 %): those need no budget, so a
   young window with every agent free (a start of day) fills its floor at once
   instead of one line per free agent. A window at the limit (too young to be
   spent) takes none of those, only lines that risk nothing.

Every count is then capped by ``max_lines`` and ``max_lines_per_agent``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .explain import PaceReason
from .forecast import Forecast
from .ledger import WindowCounts
from .spec import CampaignSpec, WhenSpent
from .states import PacingMode

#: standard deviations of the in-flight abandons kept inside the budget (one-sided 95 %)
BUDGET_Z = 1.65


@dataclass(frozen=True, slots=True)
class Situation:
    """What one pacing step weighs, at ``now``.

    ``free``: free agents counted as supply (after the inbound callers that will
    take some); ``unbound_free``: of those, the ones no preview contact is shown
    to; ``in_flight``: lines dialing + people answered and waiting;
    ``fp_per_line``: AMD false positives a line adds to the window on average
    (UK rules; 0 otherwise); ``calibration``: abandons that happened per
    abandon the model expected (Calibration), applied to every model figure.
    """

    spec: CampaignSpec
    logged_in: int
    free: int
    unbound_free: int
    dialing: int
    in_flight: int
    window: WindowCounts
    recent: WindowCounts | None
    forecast: Forecast
    fp_per_line: float
    calibration: float
    inbound_first: bool
    paused: str | None


@dataclass(frozen=True, slots=True)
class Step:
    """``allowed``: abandons the budget lets the calls in flight risk;
    ``expected``: abandons expected among them with the lines placed;
    ``added``: of those, the ones the lines placed add (before calibration);
    ``next_risk``: abandon chance (if answered) of one line more than placed;
    ``negligible``: the line risk placed without budget (0 at the limit)."""

    reason: PaceReason
    lines: int
    cap: int
    pace_rate: float
    negligible: float
    allowed: float
    expected: float
    added: float
    next_risk: float
    projected: float | None


def line_cap(s: Situation) -> int:
    """How many more lines the caps leave."""
    spec = s.spec
    cap = math.floor(spec.max_lines_per_agent * s.logged_in + 1e-9)
    if spec.max_lines is not None:
        cap = min(cap, spec.max_lines)
    return max(0, cap - s.in_flight)


class _Risk:
    def __init__(self, s: Situation) -> None:
        self.s = s
        self.fc: Forecast = s.forecast
        self.limit = s.spec.rules.limit
        self._expected: dict[int, float] = {}

    def raw(self, n: int) -> float:
        """The model's expected abandons with n new lines, before calibration."""
        e = self._expected.get(n)
        if e is None:
            e = self._expected[n] = self.fc.expected_abandons(n)
        return e

    def expected(self, n: int) -> float:
        return self.s.calibration * self.raw(n)

    @property
    def budget(self) -> float:
        """Abandons in hand: the legal window's, or the smoothing window's if fewer."""
        s = self.s
        if s.recent is None:
            return s.window.budget_left
        return min(s.window.budget_left, s.recent.budget_left)

    def allowed(self, n: int) -> float:
        """Abandons the budget lets the calls in flight risk with n new lines."""
        s = self.s
        fp = s.fp_per_line * (s.dialing + n)
        return self.budget - s.spec.reserve - (1.0 - self.limit) * fp

    def fits(self, n: int) -> bool:
        e = self.expected(n)
        return e + BUDGET_Z * math.sqrt(e) <= self.allowed(n)

    def line_risk(self, n: int) -> float:
        """Abandon chance, if answered, of the n-th new line."""
        p = self.fc.p_live
        return 1.0 if p <= 0 else max(0.0, self.expected(n) - self.expected(n - 1)) / p

    def projected(self, n: int) -> float | None:
        s, w = self.s, self.s.window
        fp = s.fp_per_line * (s.dialing + n)
        denominator = w.counted_live + self.fc.expected_live(n) + fp
        if denominator <= 0:
            return None
        return (w.counted_abandoned + self.expected(n) + fp) / denominator

    @property
    def negligible(self) -> float:
        """The line risk that needs no budget: none while the window is at the limit."""
        return 0.0 if self.s.window.at_limit else self.s.spec.negligible_risk

    def step(self, reason: PaceReason, lines: int, cap: int) -> Step:
        return Step(reason, lines, cap, self.s.spec.pace_rate(self.budget), self.negligible,
                    max(0.0, self.allowed(lines)), self.expected(lines),
                    max(0.0, self.raw(lines) - self.raw(0)), self.line_risk(lines + 1),
                    self.projected(lines))


def decide(s: Situation) -> Step:
    spec = s.spec
    cap = line_cap(s)
    risk = _Risk(s)
    if s.logged_in == 0:
        return risk.step(PaceReason.NO_AGENTS, 0, cap)
    if s.paused is not None:
        return risk.step(PaceReason.PAUSED, 0, cap)
    spent = s.window.spent
    if spent and spec.when_spent is WhenSpent.STOP:
        return risk.step(PaceReason.BUDGET_SPENT, 0, cap)
    if s.inbound_first:
        return risk.step(PaceReason.INBOUND_FIRST, 0, cap)
    progressive = max(0, s.free - s.in_flight)
    if spent:                                    # risk-free lines only (preview is)
        reason = PaceReason.BUDGET_SPENT_PROGRESSIVE
        want = s.unbound_free if spec.mode is PacingMode.PREVIEW else progressive
    elif spec.mode is PacingMode.PREVIEW:
        reason, want = PaceReason.PREVIEW, s.unbound_free
    elif spec.mode is PacingMode.PROGRESSIVE:
        reason, want = PaceReason.PROGRESSIVE, progressive
    else:
        n, risked, budget_stopped = 0, 0, False
        rate = spec.pace_rate(risk.budget)
        negligible = risk.negligible
        while n < cap:
            line_risk = risk.line_risk(n + 1)
            if line_risk <= negligible:
                n += 1
                continue
            if line_risk > rate:
                budget_stopped = rate < spec.max_line_risk
                break
            if not risk.fits(n + 1):
                budget_stopped = True
                break
            n += 1
            risked += 1
        if budget_stopped and (risked == 0 or n <= progressive):
            reason, want = PaceReason.BUDGET_LOW, max(n, progressive)
        else:
            reason, want = PaceReason.PREDICTIVE, max(n, progressive)
    lines = min(want, cap)
    if lines < want:
        reason = PaceReason.LINE_CAP
    return risk.step(reason, lines, cap)
