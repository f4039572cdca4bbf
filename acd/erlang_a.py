"""Erlang A (Palm's M/M/n+M queue): Erlang C plus callers who hang up while waiting.

Pure functions, no engine and no third-party package. Assumptions: Poisson
arrivals at rate λ, exponential handle times (mean ``aht``, rate μ), ``n``
identical agents, first come first served, and each caller's patience
exponential with mean ``patience`` (rate θ): a caller whose wait would
exceed it hangs up. Because callers leave, the queue is stable even with
fewer agents than Erlangs.

How it is computed (exact, no simulation):

- The number in the system is a birth-death chain: below ``n`` it is the
  Erlang B chain; above, state n+j leaves at rate nμ + jθ. So
  π(n+j) = π(n) q(j) with q(j) = Π λ/(nμ + iθ), i = 1..j, and
  π(n) = B / (1 + B Σ q), B = Erlang B (the recursion of ``acd.erlang``).
- A caller who arrives with j callers ahead moves up one place at rate
  nμ + iθ (i still ahead) and hangs up at rate θ. It is answered with
  probability s(j) = Π (nμ + iθ)/(nμ + (i+1)θ), i = 0..j, and the time to be
  answered is a sum of exponentials of rates nμ + θ, ..., nμ + (j+1)θ.
  Such a sum S has e^(-θS) ~ Beta(nμ/θ + 1, j + 1), and for an integer second
  parameter the Beta tail is a finite negative-binomial sum: every term is
  positive, so it stays accurate (computed in logs) for thousands of agents.
- Abandonment and mean wait follow from the queue length (Little):
  P(Ab) = θ E[Lq] / λ and E[W] = E[Lq] / λ.

Service level is counted as the live statistics count it (``acd.stats``):
calls answered within the target over calls offered minus those that hung up
within the target. ``answered_within`` is the share of all offered calls
answered within the target.

Units: ``calls`` per ``interval`` seconds; ``aht``, ``patience`` and
``target_seconds`` in seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from acd.erlang import MAX_AGENTS, check_targets, erlang_b, traffic

#: Stop summing the queue-length distribution when a term is this small
#: against the running total (and past its peak).
_EPSILON = 1e-16
#: A staffing whose queue would peak this many callers deep is hopeless: the
#: search skips it instead of summing millions of terms (very patient callers
#: facing far too few agents).
_HOPELESS_QUEUE = 100_000
_MAX_TERMS = 500_000


@dataclass(frozen=True, slots=True)
class ErlangA:
    """What ``agents`` agents give to ``traffic`` Erlangs of impatient callers."""

    agents: int
    traffic: float               # offered Erlangs: calls x aht / interval
    patience: float              # mean patience, seconds
    wait_probability: float      # share of calls that wait at all
    abandon_rate: float          # share of offered calls that hang up while waiting
    service_level: float         # answered within target / (offered - abandoned within target)
    answered_within: float       # answered within target / offered
    asa: float                   # average wait of answered calls, seconds
    average_wait: float          # average wait of all calls (answered or not), seconds
    occupancy: float             # answered traffic / agents, 0..1


def erlang_a(agents: int, calls: float, aht: float, patience: float, target_seconds: float,
             interval: float = 3600.0) -> ErlangA:
    """Service level, abandonment, ASA and occupancy that ``agents`` agents give.

    Raises:
        ValueError: a negative count, a non-positive aht or patience, a negative target.
    """
    a = traffic(calls, aht, interval)
    _check(agents, patience, target_seconds)
    return _evaluate(agents, calls / interval, 1.0 / aht, 1.0 / patience, a, target_seconds)


def agents_needed_a(calls: float, aht: float, patience: float, target_seconds: float,
                    target_level: float, interval: float = 3600.0,
                    max_occupancy: float = 1.0,
                    max_abandon: float | None = None) -> ErlangA:
    """The fewest agents giving at least ``target_level`` (0..1) service level, at most
    ``max_occupancy`` busy and, if given, at most ``max_abandon`` (0..1) abandoning.

    Raises:
        ValueError: a target outside (0, 1), or more than MAX_AGENTS would be needed.
    """
    check_targets(target_level, max_occupancy)
    if max_abandon is not None and not 0 < max_abandon < 1:
        raise ValueError(f"max_abandon {max_abandon} must be between 0 and 1 (0.05 = 5 %)")
    a = traffic(calls, aht, interval)
    _check(0, patience, target_seconds)
    if a == 0:
        return ErlangA(0, 0.0, patience, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0)
    lam, mu, theta = calls / interval, 1.0 / aht, 1.0 / patience

    def good(n: int) -> ErlangA | None:
        r = _evaluate(n, lam, mu, theta, a, target_seconds)
        ok = (r.service_level >= target_level and r.occupancy <= max_occupancy
              and (max_abandon is None or r.abandon_rate <= max_abandon))
        return r if ok else None

    # Every figure improves with one agent more: find a staffing that meets the
    # targets by doubling, then the smallest one by bisection. Below ``low`` the
    # queue would settle _HOPELESS_QUEUE callers deep: no target can be met there.
    low = max(0, math.ceil((lam - _HOPELESS_QUEUE * theta) / mu) - 1)
    high = max(low + 1, math.ceil(a))
    while good(high) is None:
        low, high = high, high * 2
        if low > MAX_AGENTS:
            raise ValueError(f"more than {MAX_AGENTS} agents needed for {a:.1f} Erlangs")
    while high - low > 1:
        middle = (low + high) // 2
        if good(middle) is None:
            low = middle
        else:
            high = middle
    result = good(high)
    assert result is not None
    return result


def _evaluate(n: int, lam: float, mu: float, theta: float, a: float, t: float) -> ErlangA:
    patience = 1.0 / theta
    if lam == 0:
        return ErlangA(n, a, patience, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0)
    if n == 0:  # nobody answers: every caller waits out their patience
        late = math.exp(-theta * t)
        return ErlangA(0, a, patience, 1.0, 1.0, 0.0 if late > 0 else 1.0, 0.0,
                       math.inf, patience, 0.0)
    weights = _queue_weights(n, lam, mu, theta)  # q(j) / max q, j = 0, 1, ...
    b = erlang_b(n, a)
    top = max(weights.log_max, 0.0)
    scale = math.exp(weights.log_max - top)      # q(j) = w(j) * e^log_max
    denominator = math.exp(-top) + b * (weights.total - weights.w0) * scale
    pi_n = b * scale / denominator               # π(n+j) = pi_n * w(j)
    wait = answered_in_t = waited_out_t = answered = queue_length = 0.0
    answered_wait = 0.0
    c = n * mu
    log_x = -theta * t
    survive = 1.0                  # s(j): answered eventually, j ahead
    stage_means = 0.0              # E[S] for j ahead: Σ 1/(c + iθ), i = 1..j+1
    tail_served = _NegBinTail(c / theta + 1.0, log_x)   # P(S > t)
    tail_offered = _NegBinTail(c / theta, log_x)        # P(V > t), V ignoring own patience
    for j, w in enumerate(weights.values):
        p = pi_n * w
        survive *= (c + j * theta) / (c + (j + 1) * theta)
        stage_means += 1.0 / (c + (j + 1) * theta)
        wait += p
        queue_length += j * p
        answered += p * survive
        answered_wait += p * survive * stage_means
        answered_in_t += p * survive * (1.0 - tail_served.next())
        waited_out_t += p * tail_offered.next() * math.exp(log_x)   # W > t
    wait = min(wait, 1.0)
    abandon = min(max(theta * queue_length / lam, 0.0), 1.0)
    no_wait = 1.0 - wait
    answered_in_t += no_wait
    answered_all = no_wait + answered
    abandoned_in_t = max(0.0, (1.0 - waited_out_t) - answered_in_t)
    counted = 1.0 - abandoned_in_t
    sl = answered_in_t / counted if counted > 0 else 0.0
    asa = answered_wait / answered_all if answered_all > 0 else math.inf
    return ErlangA(
        agents=n, traffic=a, patience=patience, wait_probability=wait, abandon_rate=abandon,
        service_level=_unit(sl), answered_within=_unit(answered_in_t), asa=asa,
        average_wait=queue_length / lam, occupancy=_unit(a * (1.0 - abandon) / n))


@dataclass(slots=True)
class _Weights:
    values: list[float]
    log_max: float
    total: float
    w0: float


def _queue_weights(n: int, lam: float, mu: float, theta: float) -> _Weights:
    """q(j) = Π λ/(nμ + iθ), i = 1..j, scaled by its largest value (kept as a log)."""
    logs = [0.0]
    log_q, j = 0.0, 0
    log_lam = math.log(lam)
    log_max = 0.0
    while True:
        j += 1
        log_q += log_lam - math.log(n * mu + j * theta)
        logs.append(log_q)
        log_max = max(log_max, log_q)
        past_peak = lam < n * mu + j * theta
        if past_peak and log_q - log_max < math.log(_EPSILON) - math.log(j + 1):
            break
        if j > _MAX_TERMS:
            raise ValueError(f"{n} agents for {lam / mu:.1f} Erlangs of callers with "
                             f"{1 / theta:.0f} s patience: the queue grows too long to "
                             "evaluate; add agents or use Erlang C (acd.erlang)")
    values = [math.exp(x - log_max) for x in logs]
    return _Weights(values, log_max, math.fsum(values), values[0])


class _NegBinTail:
    """Successive P(S_m > t) = x^a Σ_{k<m} (a)_k / k! (1-x)^k for m = 1, 2, ...

    S_m is a sum of exponentials of rates θ(a + i - 1), i = 1..m, and x = e^(-θt).
    """

    __slots__ = ("_a", "_k", "_log_term", "_log_y", "_sum")

    def __init__(self, a: float, log_x: float) -> None:
        self._a = a
        self._k = 0
        self._sum = 0.0
        self._log_term = a * log_x
        y = -math.expm1(log_x)                       # 1 - x
        self._log_y = math.log(y) if y > 0 else -math.inf

    def next(self) -> float:
        if self._k > 0:
            if self._log_y == -math.inf:
                return min(self._sum, 1.0)
            self._log_term += math.log(self._a + self._k - 1) - math.log(self._k) + self._log_y
        self._sum += math.exp(self._log_term)
        self._k += 1
        return min(self._sum, 1.0)


def _unit(x: float) -> float:
    return max(0.0, min(1.0, x))


def _check(agents: int, patience: float, target_seconds: float) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ValueError(f"agents must be an integer >= 0, got {agents!r}")
    if not patience > 0 or math.isinf(patience):
        raise ValueError(f"patience must be a positive number of seconds, got {patience!r}; "
                         "for callers who never hang up use Erlang C (acd.erlang)")
    if not target_seconds >= 0:
        raise ValueError(f"target_seconds must be >= 0, got {target_seconds!r}")
