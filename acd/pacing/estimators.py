"""What the pacer learns online: durations (talk time, wrap-up, answer delay), the
mix of dial outcomes, and how well the model's expected abandons matched.

Every estimate blends a prior with what was measured: the prior counts as
``weight`` observations, the measurements as one each, and only the last
``window`` measurements are kept (so the estimates follow a list or a shift
that changes over the day). With no measurement the prior alone answers; after
a few hundred the measurements dominate.

A duration's prior is a lognormal with the configured mean and a fixed shape
(coefficient of variation ``cv``); the measured part is the empirical
distribution. The one question the pacer asks of a duration T is

    P(T <= t + h | T > t)

"something that has lasted t seconds ends within the next h seconds", e.g. the
call of an agent talking for t seconds ends within h seconds. With the mixture
F = (w F_prior + n F_measured) / (w + n) it is (F(t+h) - F(t)) / (1 - F(t)).
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterable, Sequence
from enum import StrEnum

_SQRT2 = math.sqrt(2.0)


class Durations:
    """A distribution of durations in seconds, learned online.

    Measurements are the durations that ended (``add``). Durations still
    running (``set_open``: the calls in progress, each with its elapsed time)
    are censored observations: without them the first measurements of a day
    are only the short calls, and the pacer would expect agents back too soon.
    With open durations the measured part is the Kaplan-Meier estimate;
    without, the plain empirical distribution.

    Args:
        prior_mean: mean of the prior lognormal (seconds, > 0).
        cv: its coefficient of variation (standard deviation / mean, > 0).
        weight: how many observations the prior is worth (>= 0).
        window: how many measurements are kept (the newest).
    """

    __slots__ = ("_grid", "_km", "_mu", "_open", "_order", "_sigma", "_sorted", "_sum",
                 "_weight", "_window", "prior_mean")

    #: spacing of the cached prior survival table (linear in between)
    GRID = 0.5

    def __init__(self, prior_mean: float, cv: float, weight: float, window: int) -> None:
        if prior_mean <= 0 or cv <= 0 or weight < 0 or window < 1:
            raise ValueError(f"Durations needs prior_mean > 0 ({prior_mean}), cv > 0 ({cv}), "
                             f"weight >= 0 ({weight}), window >= 1 ({window})")
        sigma2 = math.log1p(cv * cv)
        self._sigma = math.sqrt(sigma2)
        self._mu = math.log(prior_mean) - sigma2 / 2
        self.prior_mean = prior_mean
        self._weight = float(weight)
        self._window = window
        self._order: deque[float] = deque()
        self._sorted: list[float] = []
        self._sum = 0.0
        self._open: list[float] = []
        self._km: list[float] | None = None      # survival after each sorted measurement
        self._grid: list[float] = []

    def add(self, seconds: float) -> None:
        """One measurement (negative values count as 0)."""
        x = max(0.0, float(seconds))
        self._order.append(x)
        bisect.insort(self._sorted, x)
        self._sum += x
        if len(self._order) > self._window:
            old = self._order.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, old)]
            self._sum -= old
        self._km = None

    def set_open(self, elapsed: list[float]) -> None:
        """The durations still running now, each as the seconds it has lasted so far."""
        self._open = sorted(elapsed)
        self._km = None

    @property
    def samples(self) -> int:
        return len(self._order)

    @property
    def mean(self) -> float:
        """Mean of the prior and the measurements that ended (open ones not counted)."""
        n = len(self._order)
        total = self._weight + n
        return (self._weight * self.prior_mean + self._sum) / total if total > 0 else (
            self.prior_mean)

    def _prior_exact(self, x: float) -> float:
        if x <= 0:
            return 1.0
        return 0.5 * math.erfc((math.log(x) - self._mu) / (self._sigma * _SQRT2))

    def _prior(self, x: float) -> float:
        if x <= 0:
            return 1.0
        pos = x / self.GRID
        i = int(pos)
        grid = self._grid
        if i + 1 >= len(grid):
            if i > 200_000:                         # beyond the table: compute it
                return self._prior_exact(x)
            grid.extend(self._prior_exact(k * self.GRID) for k in range(len(grid), i + 2))
        lo = grid[i]
        return lo + (grid[i + 1] - lo) * (pos - i)

    def _kaplan_meier(self) -> list[float]:
        xs, opens = self._sorted, self._open
        n, m = len(xs), len(opens)
        out: list[float] = []
        s, j = 1.0, 0
        for i, t in enumerate(xs):
            while j < m and opens[j] < t:
                j += 1
            s *= 1.0 - 1.0 / ((n - i) + (m - j))
            out.append(s)
        self._km = out
        return out

    def survival(self, x: float) -> float:
        """P(T > x)."""
        return self.survivals((x,))[0]

    def survivals(self, points: Iterable[float]) -> list[float]:
        """P(T > x) for each x (one call for many points: the pacer's hot path)."""
        xs = self._sorted
        n = len(xs)
        w = self._weight
        if n == 0:
            if w > 0:
                return [self._prior(x) for x in points]
            return [1.0 if x < 0 else 0.0 for x in points]
        km = None
        if self._open:
            km = self._km if self._km is not None else self._kaplan_meier()
        right = bisect.bisect_right
        total = w + n
        grid, step, prior = self._grid, self.GRID, self._prior
        out = []
        for x in points:
            k = right(xs, x)
            measured = (n - k) / n if km is None else (km[k - 1] if k else 1.0)
            if w <= 0:
                out.append(measured)
                continue
            pos = x / step
            i = int(pos)
            if 0 <= i < len(grid) - 1:                    # the cached prior, inline
                lo = grid[i]
                p = lo + (grid[i + 1] - lo) * (pos - i)
            else:
                p = prior(x)
            out.append((w * p + n * measured) / total)
        return out

    def cdf(self, x: float) -> float:
        """P(T <= x)."""
        return 1.0 - self.survival(x)

    def ends_within(self, elapsed: float, horizons: Sequence[float]) -> list[float]:
        """P(T <= elapsed + h | T > elapsed) for each h (non-decreasing in h; 0 for h <= 0).

        0 for every h when nothing measured or assumed lasts beyond ``elapsed``
        (an outlier: the pacer does not count on it ending soon).
        """
        values = self.survivals([elapsed, *(elapsed + h for h in horizons)])
        alive = values[0]
        if alive <= 1e-15:
            return [0.0] * len(horizons)
        return [max(0.0, min(1.0, 1.0 - v / alive)) if h > 0 else 0.0
                for v, h in zip(values[1:], horizons, strict=True)]


class DialOutcome(StrEnum):
    """How a dial ended, as far as pacing cares."""

    #: a person answered (needs an agent)
    LIVE = "live"
    #: AMD classed it as a machine (needs no agent)
    MACHINE = "machine"
    #: no answer, busy, congestion, failed, timed out
    OTHER = "other"


class OutcomeMix:
    """Shares of dial outcomes over the last ``window`` dials, with a Dirichlet prior.

    Args:
        live, machine: prior shares of live answers and machines (the rest is other).
        weight: how many dials the prior is worth.
        window: how many of the newest outcomes are kept.
    """

    __slots__ = ("_counts", "_order", "_prior", "_weight", "_window")

    def __init__(self, live: float, machine: float, weight: float, window: int) -> None:
        if not (0 < live < 1 and 0 <= machine < 1 and live + machine < 1):
            raise ValueError(f"OutcomeMix needs 0 < live ({live}) < 1, 0 <= machine "
                             f"({machine}) and live + machine < 1")
        self._prior = {DialOutcome.LIVE: live, DialOutcome.MACHINE: machine,
                       DialOutcome.OTHER: 1.0 - live - machine}
        self._weight = float(weight)
        self._window = window
        self._order: deque[DialOutcome] = deque()
        self._counts = dict.fromkeys(DialOutcome, 0)

    def add(self, outcome: DialOutcome) -> None:
        self._order.append(outcome)
        self._counts[outcome] += 1
        if len(self._order) > self._window:
            self._counts[self._order.popleft()] -= 1

    @property
    def samples(self) -> int:
        return len(self._order)

    @property
    def weight(self) -> float:
        """How many dials the shares rest on, the prior included."""
        return self._weight + len(self._order)

    def share(self, outcome: DialOutcome) -> float:
        n = len(self._order)
        total = self._weight + n
        if total <= 0:
            return self._prior[outcome]
        return (self._weight * self._prior[outcome] + self._counts[outcome]) / total


class Calibration:
    """How many abandons happened for each one the model expected, over a sliding window.

    Each pacing step that places lines records the abandons the model expects
    them to add (the forecast with them minus the forecast without); every
    abandon is recorded when it happens. The factor is (abandons + w) /
    (expected + w / prior): the prior alone at first, the measured ratio once
    the window holds a few abandons. The pacer multiplies the model's expected
    abandons by it, so a model that is optimistic for this campaign (timing of
    answers against agents, a distribution that shifted) is corrected by what
    really happened, never by what will.

    The factor falls below its prior (the model taken as pessimistic, so the
    pacer takes more risk) only as the window holds abandons: with k of
    ``evidence`` it goes k / evidence of the way from the prior to the ratio,
    all the way from ``evidence`` on (no jump when the count gets there).
    Few abandons against a few expected say little (none where 2 were expected
    happens one time in seven), and abandons come in bursts: a young campaign
    that read its first quiet quarter hour as a pessimistic model placed lines
    at 1.6 times the risk it meant to, and one crunch of seven abandons within
    half a minute spent its 30-day window (bench seed 4).

    Args:
        prior: the factor assumed before anything is measured (> 0).
        weight: how many abandons the prior is worth.
        window: seconds of history kept.
        bounds: the factor stays within these.
        evidence: abandons in the window before the factor may fall below the prior.
    """

    __slots__ = ("_abandons", "_bounds", "_evidence", "_expected", "_prior", "_sum_abandons",
                 "_sum_expected", "_weight", "_window")

    def __init__(self, prior: float = 1.0, weight: float = 3.0, window: float = 3600.0,
                 bounds: tuple[float, float] = (0.25, 4.0), evidence: int = 5) -> None:
        if prior <= 0 or weight <= 0 or window <= 0 or not 0 < bounds[0] <= prior <= bounds[1]:
            raise ValueError(f"Calibration needs prior > 0 ({prior}) within bounds {bounds}, "
                             f"weight > 0 ({weight}), window > 0 ({window})")
        if evidence < 0:
            raise ValueError(f"Calibration needs evidence >= 0 abandons ({evidence})")
        self._prior, self._weight, self._window, self._bounds = prior, weight, window, bounds
        self._evidence = evidence
        self._expected: deque[tuple[float, float]] = deque()
        self._abandons: deque[float] = deque()
        self._sum_expected = 0.0
        self._sum_abandons = 0

    def expected(self, at: float, abandons: float) -> None:
        """Lines placed at ``at`` are expected to add ``abandons`` (model units)."""
        if abandons > 0:
            self._expected.append((at, abandons))
            self._sum_expected += abandons

    def abandoned(self, at: float) -> None:
        self._abandons.append(at)
        self._sum_abandons += 1

    def factor(self, now: float) -> float:
        horizon = now - self._window
        while self._expected and self._expected[0][0] <= horizon:
            self._sum_expected -= self._expected.popleft()[1]
        while self._abandons and self._abandons[0] <= horizon:
            self._abandons.popleft()
            self._sum_abandons -= 1
        if not self._expected:
            self._sum_expected = 0.0                 # no drift from float sums
        w = self._weight
        ratio = (self._sum_abandons + w) / (max(0.0, self._sum_expected) + w / self._prior)
        if ratio < self._prior and self._sum_abandons < self._evidence:
            # loosened by a share of the way per abandon seen: none, the prior
            ratio = self._prior - (self._prior - ratio) * self._sum_abandons / self._evidence
        return min(self._bounds[1], max(self._bounds[0], ratio))
