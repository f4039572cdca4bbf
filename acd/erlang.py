"""Erlang C staffing: pure functions, no engine needed.

M/M/n with an infinite queue and no abandonment. Erlang B comes from the
recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1)), which never forms A^n or
n!, so it stays exact to float precision for thousands of agents; Erlang C is
C = n B / (n - A (1 - B)).

Units: ``calls`` per ``interval`` seconds, handle time ``aht`` and answer
target ``target_seconds`` in seconds; ``traffic`` A in Erlangs.

Callers who hang up while waiting: ``acd.erlang_a`` (Erlang A) builds on this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 100_000


@dataclass(frozen=True, slots=True)
class Staffing:
    """What ``agents`` agents give for a traffic of ``traffic`` Erlangs."""

    agents: int
    traffic: float
    wait_probability: float      # Erlang C: share of calls that wait at all
    service_level: float         # share answered within target_seconds, 0..1
    asa: float                   # average speed of answer, seconds (inf if overloaded)
    occupancy: float             # traffic / agents, capped at 1


def traffic(calls: float, aht: float, interval: float = 3600.0) -> float:
    """Offered traffic in Erlangs: ``calls`` per ``interval`` seconds of ``aht`` seconds."""
    if calls < 0 or aht <= 0 or interval <= 0:
        raise ValueError(f"traffic needs calls >= 0 ({calls}), aht > 0 ({aht}) "
                         f"and interval > 0 ({interval})")
    return calls * aht / interval


def erlang_b(agents: int, a: float) -> float:
    """Blocking probability with ``agents`` servers and ``a`` Erlangs."""
    _check(agents, a)
    b = 1.0
    for k in range(1, agents + 1):
        b = a * b / (k + a * b)
    return b


def _c_from_b(n: int, a: float, b: float) -> float:
    if n <= a:
        return 1.0
    return n * b / (n - a * (1.0 - b))


def erlang_c(agents: int, a: float) -> float:
    """Probability that a call waits (1.0 when ``agents <= a``: the queue grows)."""
    return _c_from_b(agents, a, erlang_b(agents, a))


def _staffing(n: int, a: float, b: float, aht: float, target_seconds: float) -> Staffing:
    c = _c_from_b(n, a, b)
    if n <= a:
        return Staffing(n, a, 1.0, 0.0, math.inf, 1.0 if n else 0.0)
    sl = 1.0 - c * math.exp(-(n - a) * target_seconds / aht)
    return Staffing(n, a, c, max(0.0, min(1.0, sl)), c * aht / (n - a), a / n)


def staffing(agents: int, calls: float, aht: float, target_seconds: float,
             interval: float = 3600.0) -> Staffing:
    """Service level, ASA, occupancy that ``agents`` agents give."""
    a = traffic(calls, aht, interval)
    return _staffing(agents, a, erlang_b(agents, a), aht, target_seconds)


def agents_needed(calls: float, aht: float, target_seconds: float, target_level: float,
                  interval: float = 3600.0, max_occupancy: float = 1.0) -> Staffing:
    """The fewest agents reaching ``target_level`` (0..1, e.g. 0.8) of calls answered
    within ``target_seconds``, at most ``max_occupancy`` busy.

    Raises:
        ValueError: a target outside (0, 1), or more than MAX_AGENTS would be needed.
    """
    check_targets(target_level, max_occupancy)
    a = traffic(calls, aht, interval)
    if a == 0:
        return Staffing(0, 0.0, 0.0, 1.0, 0.0, 0.0)
    b = 1.0
    for n in range(1, MAX_AGENTS + 1):
        b = a * b / (n + a * b)
        if n <= a or a / n > max_occupancy:
            continue
        result = _staffing(n, a, b, aht, target_seconds)
        if result.service_level >= target_level:
            return result
    raise ValueError(f"more than {MAX_AGENTS} agents needed for {a:.1f} Erlangs")


def check_targets(target_level: float, max_occupancy: float) -> None:
    """Raise ValueError unless 0 < target_level < 1 and 0 < max_occupancy <= 1."""
    if not 0 < target_level < 1:
        raise ValueError(f"target_level {target_level} must be between 0 and 1 (0.8 = 80 %)")
    if not 0 < max_occupancy <= 1:
        raise ValueError(f"max_occupancy {max_occupancy} must be in (0, 1]")


def _check(agents: int, a: float) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ValueError(f"agents must be an integer >= 0, got {agents!r}")
    if a < 0 or math.isnan(a):
        raise ValueError(f"traffic must be >= 0 Erlangs, got {a!r}")


def scheduled(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that ``agents`` are on the phones when ``shrinkage``
    (0..1: breaks, training, meetings, absence) of paid time is lost."""
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage {shrinkage} must be in [0, 1) (0.3 = 30 %)")
    # round away float noise before ceil: 7 / (1 - 0.3) is 10.000000000000002
    return math.ceil(round(agents / (1.0 - shrinkage), 9))
