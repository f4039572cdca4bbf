"""Erlang B / C against published figures and against independent computations."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from acd.erlang import agents_needed, erlang_b, erlang_c, staffing, traffic


# Erlang B tables (grade of service 1 % and 2 %), as printed in V. B. Iversen,
# "Teletraffic Engineering and Network Planning", DTU Fotonik 2015, table of the
# Erlang B formula (the same figures appear in every standard Erlang B table):
# offered traffic in Erlangs, printed with two decimals.
@pytest.mark.parametrize(("servers", "erlangs", "blocking"), [
    (10, 4.46, 0.01),
    (10, 5.08, 0.02),
    (20, 12.03, 0.01),
    (50, 37.90, 0.01),
    (100, 84.06, 0.01),
])
def test_erlang_b_matches_published_table(servers, erlangs, blocking):
    assert erlang_b(servers, erlangs) == pytest.approx(blocking, abs=0.0003)


def test_call_centre_helper_worked_example():
    """Call Centre Helper, "Erlang C Formula - Made Simple with an Easy Worked
    Example" (callcentrehelper.com): 100 calls in 30 minutes, AHT 180 s, target
    80 % answered in 20 s -> 10 Erlangs; with 11 agents the probability to wait
    is 68.21 %; 14 agents are needed: probability to wait 17.41 %, service level
    88.8 %, ASA 7.8 s, occupancy 71.4 %."""
    assert traffic(100, 180, interval=1800) == 10
    assert staffing(11, 100, 180, 20, interval=1800).wait_probability == pytest.approx(
        0.6821, abs=0.00005)
    s = agents_needed(100, 180, 20, 0.80, interval=1800)
    assert s.agents == 14
    assert s.wait_probability == pytest.approx(0.1741, abs=0.00005)
    assert s.service_level == pytest.approx(0.888, abs=0.0005)
    assert s.asa == pytest.approx(7.8, abs=0.05)
    assert s.occupancy == pytest.approx(0.714, abs=0.0005)


def _erlang_c_exact(n: int, a: Fraction) -> Fraction:
    term = Fraction(1)
    total = Fraction(0)
    for k in range(n):
        total += term
        term = term * a / (k + 1)
    top = term * n / (n - a)                      # a^n / n! * n / (n - a)
    return top / (total + top)


@pytest.mark.parametrize(("n", "a"), [(1, "1/2"), (5, "37/10"), (30, "51/2"), (80, "149/2")])
def test_erlang_c_equals_exact_rational_computation(n, a):
    exact = _erlang_c_exact(n, Fraction(a))
    assert erlang_c(n, float(Fraction(a))) == pytest.approx(float(exact), rel=1e-12)


def _erlang_b_logspace(n: int, a: float) -> float:
    """Independent route: B = (a^n/n!) / sum_k a^k/k!, every term in logs."""
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(n + 1)]
    top = max(logs)
    return math.exp(logs[n] - top) / sum(math.exp(x - top) for x in logs)


@pytest.mark.parametrize(("n", "a"), [(500, 480.0), (1000, 950.0), (2000, 1900.0),
                                      (2000, 1990.0)])
def test_erlang_stays_exact_up_to_2000_agents(n, a):
    assert erlang_b(n, a) == pytest.approx(_erlang_b_logspace(n, a), rel=1e-9)
    c = erlang_c(n, a)
    assert 0 < c < 1 and math.isfinite(c)


def test_agents_needed_is_the_smallest_that_meets_the_target():
    calls, aht = 2000 * 3600 / 180 * 0.95, 180.0            # 1900 Erlangs
    s = agents_needed(calls, aht, 20, 0.8)
    assert s.service_level >= 0.8
    assert staffing(s.agents - 1, calls, aht, 20).service_level < 0.8
    assert 1900 < s.agents < 2000


def test_max_occupancy_can_drive_the_staffing():
    s = agents_needed(3600, 100, 60, 0.5, max_occupancy=0.85)      # 100 Erlangs
    assert s.occupancy <= 0.85 and 100 / (s.agents - 1) > 0.85


def test_overloaded_queue_has_no_service_level():
    s = staffing(9, 200, 180, 20)
    assert (s.wait_probability, s.service_level, s.asa) == (1.0, 0.0, math.inf)


@pytest.mark.parametrize("call", [
    lambda: agents_needed(10, 180, 20, 80),
    lambda: traffic(-1, 180),
    lambda: erlang_b(-1, 3.0),
])
def test_bad_arguments_say_what_is_wrong(call):
    with pytest.raises(ValueError, match=r"must|needs"):
        call()
