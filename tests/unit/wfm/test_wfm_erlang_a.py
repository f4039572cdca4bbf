"""Erlang A (M/M/n+M) against published formulas, exact identities and a simulation."""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass

import pytest

from acd.erlang import agents_needed, erlang_b, scheduled
from acd.erlang_a import agents_needed_a, erlang_a


def test_very_patient_callers_give_the_erlang_c_worked_example():
    """With patience far above the handle time Erlang A is Erlang C: Call Centre
    Helper's worked example (100 calls in 30 min, AHT 180 s, 14 agents: P(wait)
    17.41 %, 88.8 % answered within 20 s, ASA 7.8 s, occupancy 71.4 %)."""
    r = erlang_a(14, 100, 180, patience=1e9, target_seconds=20, interval=1800)
    assert r.wait_probability == pytest.approx(0.1741, abs=0.00005)
    assert r.service_level == pytest.approx(0.888, abs=0.0005)
    assert r.asa == pytest.approx(7.8, abs=0.05)
    assert r.occupancy == pytest.approx(0.714, abs=0.0005)
    assert r.abandon_rate < 1e-6


@pytest.mark.parametrize(("n", "erlangs"), [(5, 3.0), (10, 9.0), (40, 45.0)])
def test_patience_equal_to_handle_time_is_an_infinite_server_queue(n, erlangs):
    """When θ = μ every caller in the system leaves at rate μ whether talking or
    waiting: the number in the system is Poisson(A), as in M/M/∞."""
    aht = 180.0
    r = erlang_a(n, erlangs * 3600 / aht, aht, patience=aht, target_seconds=20)
    poisson = [math.exp(-erlangs + k * math.log(erlangs) - math.lgamma(k + 1))
               for k in range(400)]
    assert r.wait_probability == pytest.approx(sum(poisson[n:]), rel=1e-9)
    waiting = sum((k - n) * p for k, p in enumerate(poisson) if k > n)
    assert r.abandon_rate == pytest.approx(waiting / erlangs, rel=1e-9)   # θ E[Lq] / λ


@pytest.mark.parametrize(("n", "calls", "aht", "patience"), [
    (14, 200, 180, 120), (10, 250, 180, 60), (50, 1000, 180, 300), (100, 3000, 200, 90)])
def test_matches_mandelbaum_zeltyn_closed_forms(n, calls, aht, patience):
    """A. Mandelbaum and S. Zeltyn, "The Palm/Erlang-A Queue, with Applications to
    Call Centers" (Technion, 2005), section 4: with x = nμ/θ, y = λ/θ,
    A(x, y) = x e^y y^-x γ(x, y) and E = Erlang B(n, λ/μ):
    P{W>0} = A E / (1 + (A - 1) E) and P{Ab | W>0} = 1/(ρA) + 1 - 1/ρ, ρ = λ/(nμ).
    Computed here with scipy's incomplete gamma, independently of our recursion."""
    special = pytest.importorskip("scipy.special")
    lam, mu, theta = calls / 3600, 1 / aht, 1 / patience
    x, y = n * mu / theta, lam / theta
    a_xy = math.exp(math.log(x) + y - x * math.log(y) + special.gammaln(x)
                    + math.log(special.gammainc(x, y)))
    e = erlang_b(n, lam / mu)
    p_wait = a_xy * e / (1 + (a_xy - 1) * e)
    rho = lam / (n * mu)
    p_abandon = (1 / (rho * a_xy) + 1 - 1 / rho) * p_wait
    r = erlang_a(n, calls, aht, patience, 20)
    assert r.wait_probability == pytest.approx(p_wait, rel=1e-9)
    assert r.abandon_rate == pytest.approx(p_abandon, rel=1e-9)


@dataclass
class Simulated:
    service_level: float
    abandon_rate: float
    asa: float
    wait_probability: float


def simulate(n: int, calls_per_hour: float, aht: float, patience: float, target: float,
             customers: int, seed: int) -> Simulated:
    """M/M/n+M, first come first served: each caller takes the earliest free agent
    unless its (exponential) patience runs out first; then it leaves and holds no agent.
    Service level counted like acd.stats: answered within target over offered minus
    abandoned within target."""
    rng = random.Random(seed)
    free_at = [0.0] * n
    now = 0.0
    warm_up = customers // 20
    answered = answered_in = abandoned = abandoned_in = waited = 0
    wait_sum = 0.0
    for i in range(customers + warm_up):
        now += rng.expovariate(calls_per_hour / 3600)
        give_up = rng.expovariate(1 / patience)
        wait = max(0.0, free_at[0] - now)
        counted = i >= warm_up
        if wait > give_up:
            if counted:
                abandoned += 1
                abandoned_in += give_up <= target
                waited += 1
            continue
        heapq.heapreplace(free_at, now + wait + rng.expovariate(1 / aht))
        if counted:
            answered += 1
            answered_in += wait <= target
            wait_sum += wait
            waited += wait > 0
    return Simulated(answered_in / (customers - abandoned_in), abandoned / customers,
                     wait_sum / answered, waited / customers)


@pytest.mark.parametrize(("n", "calls", "aht", "patience", "target"), [
    (14, 200, 180, 120, 20),     # light: 10 Erlangs
    (10, 250, 180, 60, 20),      # overloaded: 12.5 Erlangs on 10 agents, a quarter hang up
    (30, 900, 120, 200, 20),     # 30 Erlangs on 30 agents
    (5, 100, 300, 30, 10),       # tiny team, impatient callers
])
def test_agrees_with_a_simulation_of_the_same_queue(n, calls, aht, patience, target):
    r = erlang_a(n, calls, aht, patience, target)
    sim = simulate(n, calls, aht, patience, target, customers=60_000, seed=n)
    assert r.service_level == pytest.approx(sim.service_level, abs=0.02)
    assert r.abandon_rate == pytest.approx(sim.abandon_rate, abs=0.01)
    assert r.wait_probability == pytest.approx(sim.wait_probability, abs=0.02)
    assert r.asa == pytest.approx(sim.asa, rel=0.1, abs=0.5)


def test_agents_needed_is_the_fewest_that_meet_the_target():
    calls, aht, patience = 400, 240, 90                     # 26.7 Erlangs
    r = agents_needed_a(calls, aht, patience, 20, 0.8)
    assert r.service_level >= 0.8
    assert erlang_a(r.agents - 1, calls, aht, patience, 20).service_level < 0.8
    # callers who hang up shorten the queue: fewer agents than Erlang C asks for
    assert r.agents <= agents_needed(calls, aht, 20, 0.8).agents


def test_an_abandon_ceiling_can_drive_the_staffing():
    loose = agents_needed_a(400, 240, 30, 60, 0.5)
    strict = agents_needed_a(400, 240, 30, 60, 0.5, max_abandon=0.02)
    assert strict.abandon_rate <= 0.02 < loose.abandon_rate
    assert erlang_a(strict.agents - 1, 400, 240, 30, 60).abandon_rate > 0.02


def test_fewer_agents_than_erlangs_is_stable_with_abandonment():
    r = erlang_a(8, 250, 180, 60, 20)                       # 12.5 Erlangs
    assert 0 < r.abandon_rate < 1 and math.isfinite(r.asa)
    assert r.occupancy == pytest.approx(12.5 * (1 - r.abandon_rate) / 8)


def test_thousands_of_agents_stay_exact_and_fast():
    r = agents_needed_a(2000 * 3600 / 180, 180, 120, 20, 0.8)
    assert 0.8 <= r.service_level <= 1 and 1500 < r.agents <= 2100
    assert all(math.isfinite(v) for v in (r.asa, r.average_wait, r.abandon_rate))


def test_no_agents_means_every_caller_hangs_up():
    r = erlang_a(0, 100, 180, 60, 20)
    assert (r.abandon_rate, r.answered_within, r.occupancy) == (1.0, 0.0, 0.0)


@pytest.mark.parametrize("call", [
    lambda: erlang_a(5, 100, 180, 0, 20),
    lambda: erlang_a(5, 100, 180, math.inf, 20),
    lambda: erlang_a(-1, 100, 180, 60, 20),
    lambda: agents_needed_a(100, 180, 60, 20, 80),
    lambda: agents_needed_a(100, 180, 60, 20, 0.8, max_abandon=5),
])
def test_bad_arguments_say_what_is_wrong(call):
    with pytest.raises(ValueError, match=r"must|needs"):
        call()


@pytest.mark.parametrize(("agents", "shrinkage", "expected"), [
    (7, 0.3, 10), (10, 0.0, 10), (14, 0.35, 22), (0, 0.5, 0)])
def test_scheduled_adds_shrinkage(agents, shrinkage, expected):
    assert scheduled(agents, shrinkage) == expected


def test_very_patient_callers_and_heavy_load_stay_fast():
    """Patience measured from a history with one hang-up in months can be enormous;
    the search must not sum a queue millions of callers deep."""
    r = agents_needed_a(900, 180, patience=5e6, target_seconds=20, target_level=0.8)
    assert r.agents == agents_needed(900, 180, 20, 0.8).agents
    with pytest.raises(ValueError, match="queue grows too long"):
        erlang_a(10, 900, 180, patience=1e9, target_seconds=20)


@pytest.mark.parametrize(("n", "calls", "aht", "target"), [
    (14, 200, 180, 20),          # the Call Centre Helper example's load, per hour
    (24, 450, 150, 20),          # 18.75 Erlangs on 24 agents
    (6, 100, 180, 15),           # small team
])
def test_erlang_c_agrees_with_a_simulation_of_callers_who_never_hang_up(n, calls, aht,
                                                                        target):
    """acd/erlang.py (M/M/n) against the same simulation with patience far beyond any
    wait: service level within 2 points, ASA within 10 %."""
    from acd.erlang import staffing

    r = staffing(n, calls, aht, target)
    sim = simulate(n, calls, aht, 1e12, target, customers=60_000, seed=n + 100)
    assert sim.abandon_rate == 0
    assert r.service_level == pytest.approx(sim.service_level, abs=0.02)
    assert r.wait_probability == pytest.approx(sim.wait_probability, abs=0.02)
    assert r.asa == pytest.approx(sim.asa, rel=0.1, abs=0.5)
