"""The pacing model: answers expected against agents expected, over the look-ahead.

Over the next ``horizon`` seconds (the ringing timeout: no line placed now can
be answered later) the pacer compares, at a few checkpoints tau,

- demand X(tau): people answered and waiting now, plus the live answers
  expected by tau from the lines ringing (each given how long it has rung)
  and from n new lines;
- supply Y(tau): agents free now, plus the busy agents expected free by
  tau + grace (grace: the connect rule's seconds, an answer can wait that
  long). An agent talking for t seconds is free by then if its call ends
  ``after`` (the mean wrap-up) seconds earlier: P(T <= t + tau + grace -
  after | T > t) with T the talk time; an agent in wrap-up for t seconds:
  the same with T the wrap-up time and nothing after.

Every line and agent is an independent Bernoulli; X - Y is approximated by a
normal with the summed mean and variance, plus the uncertainty of the
measured answer rate itself (its standard error scales every line's share of
the demand together, so it does not average out over many lines).

An answer arriving at tau is lost when the answers before it have taken every
agent free by tau + grace, i.e. when X(tau) >= Y(tau + grace). So the abandons
expected over the look-ahead are

    E[(waiting - Y(grace))^+]  +  sum over k of  dX_k * P(X(tau_k) - Y(tau_k + grace) >= 0)

with dX_k the answers expected between two checkpoints (the people already
waiting are lost if the agents free within the grace do not cover them). It
ignores that a lost answer takes no agent, so in a crunch it errs high (safe);
against a Monte-Carlo of the same probabilities it matched within the noise
at the small risks that decide pacing. The new lines only add a mean n r and a
variance n r (1 - r) at each checkpoint, so trying every n is cheap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .estimators import Durations

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)
_MISSING: Any = object()


def expected_excess(mean: float, var: float) -> float:
    """E[max(Z, 0)] for Z normal with ``mean`` and variance ``var``."""
    if var <= 1e-12:
        return max(mean, 0.0)
    sd = math.sqrt(var)
    z = mean / sd
    cdf = 0.5 * math.erfc(-z * _INV_SQRT2)
    pdf = _INV_SQRT2PI * math.exp(-0.5 * z * z)
    return max(0.0, mean * cdf + sd * pdf)


@dataclass(frozen=True, slots=True)
class Forecast:
    """Supply and demand at each checkpoint, without the new lines.

    ``mean[k]``/``var[k]``: of X - Y at ``checkpoints[k]``; ``ringing_by[k]``:
    the live answers expected by then from the lines ringing; ``new_live_by[k]``:
    P(one new line is a live answer by then); ``p_live``: P(a new line is
    ever a live answer); ``p_rel_error``: standard error of the measured
    answer rate over the rate; ``live_in_flight``: live answers expected from
    the lines out and the people waiting; ``free_soon``: busy agents expected
    free within the horizon.
    """

    checkpoints: tuple[float, ...]
    mean: tuple[float, ...]
    var: tuple[float, ...]
    ringing_by: tuple[float, ...]
    new_live_by: tuple[float, ...]
    p_live: float
    p_rel_error: float
    live_in_flight: float
    free_soon: float

    def expected_abandons(self, n: int) -> float:
        """Abandons expected among the calls in flight with ``n`` new lines."""
        e2 = self.p_rel_error * self.p_rel_error
        mean, var, ring, new = self.mean, self.var, self.ringing_by, self.new_live_by
        total = expected_excess(mean[0], var[0])             # people already waiting
        before = ring[0] + n * new[0]
        for k in range(1, len(mean)):
            r = new[k]
            demand = ring[k] + n * r
            arriving = demand - before
            before = demand
            if arriving <= 0.0:
                continue
            v = var[k] + n * r * (1.0 - r) + e2 * demand * demand
            m = mean[k] + n * r + 0.5                          # integer counts: >= 0
            total += arriving * (0.5 * math.erfc(-m / math.sqrt(v) * _INV_SQRT2) if v > 1e-12
                                 else float(m > 0))
        return total

    def expected_live(self, n: int) -> float:
        return self.live_in_flight + n * self.p_live


def forecast(*, free: int, waiting: int, busy: Iterable[tuple[Durations, float, float]],
             ringing: Iterable[float], p_live: float, p_samples: float,
             answer_delay: Durations, other_delay: Durations, horizon: float, grace: float,
             steps: int = 10) -> Forecast:
    """Build the Forecast.

    Args:
        free: agents free now (READY, not promised elsewhere).
        waiting: people answered, waiting for an agent now.
        busy: (distribution, elapsed seconds, seconds after it ends) of each busy
            agent expected back: (talk time, talking for, mean wrap-up) on a
            call, (wrap-up time, wrapping for, 0) in wrap-up.
        ringing: elapsed seconds of each line still ringing.
        p_live: share of dials that are live answers.
        p_samples: how many dials that share rests on (prior included).
        answer_delay: seconds from dial to the end of the greeting (live answers).
        other_delay: seconds from dial to any other outcome.
        horizon: look-ahead seconds; grace: the connect rule's seconds.
        steps: checkpoints after 0 (evenly spaced up to the horizon).
    """
    taus = tuple(horizon * k / steps for k in range(steps + 1))
    supply_at = [t + grace for t in taus]
    mean = [float(waiting - free)] * len(taus)
    var = [0.0] * len(taus)
    free_soon = 0.0
    # An agent's curve is smooth in tau: computed at the even checkpoints (and the
    # last), halfway between them in between.
    exact = sorted({*range(0, len(taus), 2), len(taus) - 1})
    for dist, elapsed, after in busy:
        known = dict(zip(exact, dist.ends_within(elapsed, [supply_at[k] - after for k in exact]),
                         strict=True))
        qs = [known[k] if k in known else (known[k - 1] + known[k + 1]) / 2
              for k in range(len(taus))]
        for k, q in enumerate(qs):
            mean[k] -= q
            var[k] += q * (1.0 - q)
        free_soon += qs[-1]
    live_in_flight = float(waiting)
    ringing_by = [0.0] * len(taus)
    seen: dict[float, tuple[list[float], float] | None] = {}   # lines placed together
    for elapsed in ringing:
        rs = seen.get(elapsed, _MISSING)
        if rs is _MISSING:
            rs = seen[elapsed] = _live_by(elapsed, taus, p_live, answer_delay, other_delay)
        if rs is None:
            continue
        by, ever = rs
        live_in_flight += ever
        for k, r in enumerate(by):
            mean[k] += r
            var[k] += r * (1.0 - r)
            ringing_by[k] += r
    new_by = tuple(p_live * (1.0 - a) for a in answer_delay.survivals(taus))
    rel_error = math.sqrt((1.0 - p_live) / (p_live * max(p_samples, 1.0)))
    return Forecast(taus, tuple(mean), tuple(var), tuple(ringing_by), new_by, p_live,
                    rel_error, live_in_flight, free_soon)


def _live_by(elapsed: float, taus: Sequence[float], p: float, answer: Durations,
             other: Durations) -> tuple[list[float], float] | None:
    """P(live answer within tau | still ringing after ``elapsed``) for each tau, and ever."""
    alive = answer.survivals([elapsed, *(elapsed + t for t in taus)])
    alive_live = alive[0]
    unresolved = p * alive_live + (1.0 - p) * other.survival(elapsed)
    if unresolved <= 1e-15:
        return None
    scale = p / unresolved
    return [max(0.0, scale * (alive_live - a)) for a in alive[1:]], scale * alive_live
