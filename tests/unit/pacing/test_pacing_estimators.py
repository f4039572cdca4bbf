"""Estimators: the conditional end-within probability, censoring, outcome shares,
calibration."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acd.pacing import DialOutcome, Durations, OutcomeMix
from acd.pacing.estimators import Calibration


def lognormal_survival(x: float, mean: float, cv: float) -> float:
    sigma2 = math.log1p(cv * cv)
    mu = math.log(mean) - sigma2 / 2
    return 0.5 * math.erfc((math.log(x) - mu) / math.sqrt(2 * sigma2)) if x > 0 else 1.0


durations = st.lists(st.floats(0, 900, allow_nan=False), min_size=1, max_size=80)


@settings(max_examples=200, deadline=None)
@given(durations, st.floats(0, 900), st.floats(0.01, 600))
def test_ends_within_is_the_conditional_probability_of_the_measurements(samples, t, h):
    """No prior, no call in progress: P(T <= t + h | T > t) counted on the samples."""
    d = Durations(180, 1.0, weight=0, window=1000)
    for x in samples:
        d.add(x)
    alive = [x for x in samples if x > t]
    expected = 0.0 if not alive else sum(x <= t + h for x in alive) / len(alive)
    assert d.ends_within(t, [h]) == [pytest.approx(expected)]


@settings(max_examples=100, deadline=None)
@given(durations, st.floats(0, 900), st.floats(0.01, 600), st.floats(0.5, 50))
def test_ends_within_mixes_prior_and_measurements_by_weight(samples, t, h, weight):
    d = Durations(180, 0.8, weight=weight, window=1000)
    for x in samples:
        d.add(x)
    n = len(samples)

    def survival(x):
        return (weight * lognormal_survival(x, 180, 0.8) + sum(s > x for s in samples)) / (
            weight + n)

    expected = 1 - survival(t + h) / survival(t)
    assert d.ends_within(t, [h])[0] == pytest.approx(expected, abs=2e-4)   # prior on a grid


def test_prior_alone_is_the_lognormal_with_that_mean():
    d = Durations(180, 0.6, weight=20, window=100)
    for x in (30, 120, 180, 400):
        assert d.survival(x) == pytest.approx(lognormal_survival(x, 180, 0.6), abs=1e-4)
    assert d.mean == 180
    assert d.samples == 0


def test_ends_within_is_monotone_in_h_and_zero_for_no_time():
    d = Durations(180, 1.0, weight=5, window=100)
    for x in (60, 100, 150, 200, 260, 500):
        d.add(x)
    qs = d.ends_within(120, [-5, 0, 10, 30, 60, 120, 600])
    assert qs[:2] == [0.0, 0.0]
    assert qs == sorted(qs) and 0 <= qs[-1] <= 1


def test_calls_in_progress_count_as_censored_kaplan_meier():
    """Measured 1, 2, 3; one call still running at 2.5 s. At 1: 4 at risk -> 3/4;
    at 2: 3 at risk (2, 3 and the running one) -> 1/2; at 3: 1 at risk -> 0."""
    d = Durations(10, 1.0, weight=0, window=10)
    for x in (1, 2, 3):
        d.add(x)
    assert d.survival(1.5) == pytest.approx(2 / 3)          # plain empirical
    d.set_open([2.5])
    assert d.survivals([0.5, 1, 1.5, 2, 2.7, 3]) == [
        pytest.approx(v) for v in (1, 0.75, 0.75, 0.5, 0.5, 0)]


def test_the_window_keeps_the_newest_measurements():
    d = Durations(100, 1.0, weight=0, window=3)
    for x in (1000, 1000, 10, 20, 30):
        d.add(x)
    assert d.samples == 3
    assert d.mean == pytest.approx(20)
    assert d.survival(500) == 0


def test_outcome_shares_blend_the_prior_and_slide():
    mix = OutcomeMix(live=0.3, machine=0.1, weight=10, window=20)
    assert mix.share(DialOutcome.LIVE) == pytest.approx(0.3)
    for _ in range(10):
        mix.add(DialOutcome.LIVE)
    assert mix.share(DialOutcome.LIVE) == pytest.approx((3 + 10) / 20)
    for _ in range(20):
        mix.add(DialOutcome.OTHER)
    assert mix.samples == 20
    assert mix.share(DialOutcome.LIVE) == pytest.approx(3 / 30)
    assert mix.share(DialOutcome.MACHINE) == pytest.approx(1 / 30)
    assert mix.weight == 30


def test_calibration_moves_from_its_prior_to_the_measured_ratio_and_forgets():
    cal = Calibration(prior=1.0, weight=3.0, window=100.0)
    assert cal.factor(0) == 1.0
    for t in range(10):
        cal.expected(t, 1.0)                  # the model expected 10 abandons
    for t in range(20):
        cal.abandoned(t)                      # 20 happened
    assert cal.factor(30) == pytest.approx((20 + 3) / (10 + 3))
    assert cal.factor(200) == 1.0             # all of it left the window


def test_calibration_loosens_the_model_only_on_evidence_of_abandons():
    """A quiet start (no abandon where the model expected 4) is no proof the model
    is pessimistic: the factor stays at its prior, goes a fifth of the way to the
    measured ratio with each abandon seen, all of it from ``evidence`` on."""
    cal = Calibration(prior=1.0, weight=3.0, window=1000.0, evidence=5)
    for t in range(20):
        cal.expected(t, 0.2)                  # 4 abandons expected, none happened
    assert cal.factor(20) == 1.0              # was 3 / 7 = 0.43 before this rule
    for t in range(2):
        cal.abandoned(30 + t)
    assert cal.factor(40) == pytest.approx(1 - (1 - 5 / 7) * 2 / 5)   # 2 of 5 the way
    cal.abandoned(32)
    cal.abandoned(33)                          # 4 of 4 expected: the ratio is 1
    assert cal.factor(40) == pytest.approx(1.0)
    for t in range(20, 80):
        cal.expected(t, 0.2)                  # 16 expected in all
    assert cal.factor(85) == pytest.approx(1 - (1 - 7 / 19) * 4 / 5)   # 4 of 5 the way
    cal.abandoned(90)                         # the 5th: evidence enough
    assert cal.factor(100) == pytest.approx((5 + 3) / (16 + 3))
    assert Calibration(evidence=0).factor(0) == 1.0
    with pytest.raises(ValueError, match="evidence"):
        Calibration(evidence=-1)


def test_calibration_stays_within_its_bounds():
    cal = Calibration(prior=1.0, weight=1.0, window=100.0, bounds=(0.5, 2.0))
    for t in range(50):
        cal.abandoned(t)
    assert cal.factor(60) == 2.0


@pytest.mark.parametrize("kwargs", [
    {"prior_mean": 0, "cv": 1, "weight": 1, "window": 1},
    {"prior_mean": 1, "cv": 0, "weight": 1, "window": 1},
    {"prior_mean": 1, "cv": 1, "weight": -1, "window": 1},
    {"prior_mean": 1, "cv": 1, "weight": 1, "window": 0},
])
def test_durations_refuse_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="Durations needs"):
        Durations(**kwargs)
