"""Rule sets and the abandon ledger: what counts, in which window."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acd.pacing import (
    US,
    AbandonLedger,
    AbandonRules,
    CampaignInvalid,
    WindowKind,
    WindowOutcome,
    rule_set,
    uk_rules,
)

DAY = 86_400.0


def test_us_rules_are_three_percent_of_live_calls_per_30_day_period():
    assert (US.limit, US.window, US.window_kind, US.connect_within) == (
        0.03, 30 * DAY, WindowKind.PERIODS, 2.0)
    assert not US.counts_false_positives
    assert US.describe() == "US: <= 3.0% of live calls per 30-day period, agent within 2 s"


def test_uk_rules_are_three_percent_over_any_24_hours_with_false_positives():
    uk = uk_rules(0.05)
    assert (uk.limit, uk.window, uk.window_kind) == (0.03, DAY, WindowKind.ROLLING)
    assert uk.counts_false_positives and uk.amd_false_positive_rate == 0.05
    assert "rolling 24 h" in uk.describe() and "5.0%" in uk.describe()


def test_rule_set_by_name_and_its_errors():
    assert rule_set(" us ") is US
    assert rule_set("UK", 0.02) == uk_rules(0.02)
    with pytest.raises(CampaignInvalid, match="UK rules need amd_false_positive_rate"):
        rule_set("UK")
    with pytest.raises(CampaignInvalid, match="US rules do not count AMD false positives"):
        rule_set("US", 0.02)
    with pytest.raises(CampaignInvalid, match="no abandon rule set named 'FR'"):
        rule_set("FR")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"limit": 3}, "limit 3 must be a share between 0 and 1"),
    ({"window": 0}, "window 0 s must be positive"),
    ({"window_kind": "weekly"}, "window_kind 'weekly'; use 'periods' or 'rolling'"),
    ({"connect_within": -1}, "connect_within -1 s must be >= 0"),
    ({"amd_false_positive_rate": 1.5}, "amd_false_positive_rate 1.5 must be a share"),
])
def test_rules_refuse_bad_values_with_one_clear_line(kwargs, message):
    base = {"name": "X", "limit": 0.03, "window": DAY, "window_kind": "rolling"}
    with pytest.raises(CampaignInvalid, match=message):
        AbandonRules(**{**base, **kwargs})


def test_us_window_counts_live_and_abandoned_only_and_restarts_each_period():
    ledger = AbandonLedger(US, started_at=100.0)
    for i in range(97):
        ledger.record(WindowOutcome.CONNECTED, 100.0 + i)
    for i in range(3):
        ledger.record(WindowOutcome.ABANDONED, 300.0 + i)
    ledger.record(WindowOutcome.MACHINE, 400.0)            # machines count nowhere under US
    w = ledger.counts(500.0)
    assert (w.live, w.abandoned, w.machines, w.false_positives) == (100, 3, 1, 0.0)
    assert w.rate == pytest.approx(0.03)
    assert w.budget_left == pytest.approx(0.0)
    assert w.spent
    assert (w.started_at, w.ends_at) == (100.0, 100.0 + 30 * DAY)
    fresh = ledger.counts(100.0 + 30 * DAY)                 # the next period starts at zero
    assert (fresh.live, fresh.abandoned, fresh.rate, fresh.spent) == (0, 0, None, False)
    assert fresh.started_at == 100.0 + 30 * DAY


def test_uk_window_rolls_over_24_hours_and_counts_false_positives_both_sides():
    ledger = AbandonLedger(uk_rules(0.10), started_at=0.0)
    ledger.record(WindowOutcome.ABANDONED, 10.0)
    for i in range(90):
        ledger.record(WindowOutcome.CONNECTED, 20.0 + i)
    for i in range(20):
        ledger.record(WindowOutcome.MACHINE, 200.0 + i)
    w = ledger.counts(1000.0)
    # 2 estimated false positives: people AMD hung up on count as live calls abandoned
    assert (w.live, w.abandoned, w.machines) == (91, 1, 20)
    assert w.false_positives == pytest.approx(2.0)
    assert (w.counted_live, w.counted_abandoned) == (pytest.approx(93.0), pytest.approx(3.0))
    assert w.rate == pytest.approx(3 / 93)
    assert w.spent
    later = ledger.counts(10.0 + DAY)                        # the abandon at 10 s left the window
    assert (later.live, later.abandoned, later.machines) == (90, 0, 20)
    assert later.started_at == pytest.approx(10.0)


def test_a_window_too_young_to_absorb_one_abandon_is_over_the_limit_but_not_spent():
    ledger = AbandonLedger(uk_rules(0.05), started_at=0.0)
    for i in range(3):
        ledger.record(WindowOutcome.CONNECTED, float(i))
    for i in range(5):
        ledger.record(WindowOutcome.MACHINE, 10.0 + i)        # 0.25 estimated false positives
    w = ledger.counts(20.0)
    assert w.rate == pytest.approx(0.25 / 3.25)               # 7.7 %: over the limit
    assert w.budget_left < 0 and not w.spent
    for i in range(31):
        ledger.record(WindowOutcome.CONNECTED, 30.0 + i)
    ledger.record(WindowOutcome.ABANDONED, 70.0)
    w = ledger.counts(70.0)                                   # 1.25 of 35.25: 3.5 %
    assert w.spent


def test_a_restored_outcome_of_an_older_period_is_ignored():
    ledger = AbandonLedger(US, started_at=0.0)
    ledger.record(WindowOutcome.CONNECTED, 31 * DAY)
    ledger.record(WindowOutcome.ABANDONED, 5 * DAY)          # period 0, we are in period 1
    assert ledger.counts(31 * DAY).abandoned == 0


outcomes = st.lists(st.tuples(st.floats(0, 3 * DAY), st.sampled_from(list(WindowOutcome))),
                    max_size=60)


@settings(max_examples=150, deadline=None)
@given(outcomes, st.floats(0, 0.5), st.booleans(), st.floats(0, 4 * DAY))
def test_ledger_equals_a_recount_of_the_rule(history, fp_rate, uk, probe):
    """US: the 30-day period (here 1 day, to cross periods) holding ``now``; UK: the
    24 hours ending at ``now``, false positives = rate x machines on both sides."""
    rules = uk_rules(fp_rate) if uk else AbandonRules("US-short", 0.03, DAY, "periods")
    history = sorted(history)
    ledger = AbandonLedger(rules, started_at=0.0)
    for at, kind in history:
        ledger.record(kind, at)
    now = max([probe, *(at for at, _ in history)])
    w = ledger.counts(now)
    if uk:
        inside = [k for at, k in history if at > now - DAY]
    else:
        inside = [k for at, k in history if at // DAY == now // DAY]
    live = sum(k in (WindowOutcome.CONNECTED, WindowOutcome.ABANDONED) for k in inside)
    abandoned = inside.count(WindowOutcome.ABANDONED)
    fp = fp_rate * inside.count(WindowOutcome.MACHINE) if uk else 0.0
    assert (w.live, w.abandoned) == (live, abandoned)
    assert w.false_positives == pytest.approx(fp)
    expected_rate = None if live + fp == 0 else (abandoned + fp) / (live + fp)
    assert w.rate == pytest.approx(expected_rate)
    assert w.spent == ((abandoned + fp) > 0 and 0.03 * (live + fp) - (abandoned + fp) <= 1e-12
                       and 0.03 * (live + fp) >= 1)
