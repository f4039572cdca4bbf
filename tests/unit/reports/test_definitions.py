"""Every figure defined once: the formulas, the totals, the engine's counters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from acd.views import AgentCounters, QueueCounters
from cti.reports import definitions as d

DOCS = Path(__file__).resolve().parents[3] / "docs" / "reports.md"


def test_service_level_counts_answered_abandoned_and_exited_calls() -> None:
    assert d.service_level(answered_in_sl=8, answered=10, abandoned=4, exited=2) == 50.0
    assert d.service_level(0, 0, 0, 0) is None


def test_short_abandons_are_out_of_offered_and_the_service_level() -> None:
    c = d.CallCounts(entered=10, short_abandoned=2, answered=6, answered_in_sl=6,
                     abandoned=2)
    assert d.offered(c) == 8
    assert d.call_service_level(c) == 75.0           # 6 / (6 + 2); the short ones nowhere
    assert d.abandon_rate(c) == 25.0                 # 2 / 8


def test_a_total_weights_each_queue_by_its_calls_not_by_its_level() -> None:
    busy = d.CallCounts(entered=100, answered=100, answered_in_sl=90)
    quiet = d.CallCounts(entered=2, answered=1, answered_in_sl=0, abandoned=1)
    total = busy + quiet
    assert d.call_service_level(total) == pytest.approx(90 / 102 * 100)
    mean_of_levels = (d.call_service_level(busy) + d.call_service_level(quiet)) / 2
    assert mean_of_levels == 45.0 and d.call_service_level(total) != mean_of_levels
    assert d.CallCounts.total([busy, quiet]) == total


def test_adding_counts_keeps_the_longest_wait() -> None:
    a = d.CallCounts(entered=1, longest_wait=30.0)
    b = d.CallCounts(entered=2, longest_wait=None)
    c = d.CallCounts(entered=1, longest_wait=95.5)
    assert (a + b).longest_wait == 30.0
    assert d.CallCounts.total([a, b, c]) == d.CallCounts(entered=4, longest_wait=95.5)
    assert d.CallCounts.total([]) == d.CallCounts()


def test_average_handle_time_is_talk_with_hold_plus_wrap_up() -> None:
    assert d.aht(talk_time=300, talks=2, wrap_time=40, wrap_ups=2) == 170.0
    assert d.aht(talk_time=300, talks=2, wrap_time=0, wrap_ups=0) == 150.0
    assert d.aht(0, 0, 10, 1) is None
    assert d.asa(wait_time=90, answered=3) == 30.0 and d.asa(0, 0) is None


def test_occupancy_is_busy_over_staffed_time() -> None:
    a = d.AgentCounts(busy_time=1800, staffed_time=3600, paused_time=600)
    assert d.agent_figures(a)["occupancy"] == 50.0
    assert d.occupancy(0, 0) is None


def test_survey_scores() -> None:
    assert d.csat(satisfied=3, answers=4) == 75.0
    assert d.nps(promoters=5, detractors=2, answers=10) == 30.0
    assert d.nps(0, 3, 3) == -100.0
    assert d.ces(total=17, answers=3) == pytest.approx(5.667, abs=1e-3)
    assert d.csat(0, 0) is None and d.nps(0, 0, 0) is None and d.ces(0, 0) is None


def test_first_contact_resolution() -> None:
    c = d.CaseCounts(closed=4, close_time=4 * 7200, fcr_cases=4, fcr_resolved=3)
    figures = d.case_figures(c)
    assert figures["fcr"] == 75.0 and figures["time_to_close"] == 7200.0


def test_live_counters_and_seeds_are_the_same_counts_both_ways() -> None:
    from_records = d.CallCounts(entered=40, short_abandoned=3, answered=30, answered_in_sl=25,
                                abandoned=5, exited=2, transferred=1, wait_time=600.0,
                                talks=29, talk_time=5800.0, wrap_ups=29, wrap_time=580.0,
                                abandoned_after_sl=4)
    engine = d.engine_counters(from_records)
    assert isinstance(engine, QueueCounters)
    assert engine.abandoned == 8 and engine.offered == 40   # the engine counts every abandon
    back = d.live_call_counts(engine, short_abandoned=3)
    assert d.call_figures(back) == d.call_figures(from_records)
    agent = d.engine_agent_counters(d.AgentCounts(offered=5, answered=4, missed=1,
                                                  talk_time=800.0))
    assert agent == AgentCounters(offered=5, answered=4, missed=1, talk_time=800.0)


def test_every_figure_is_explained_in_docs_reports_md() -> None:
    text = DOCS.read_text()
    documented = set(re.findall(r"`([a-z_]+)`", text))
    for kind, figures in d.ALL_FIGURES.items():
        missing = sorted(set(figures) - documented)
        assert not missing, f"docs/reports.md does not explain the {kind} figures {missing}"


def test_the_visit_sql_names_a_count_of_call_counts() -> None:
    names = set(d.CallCounts.__dataclass_fields__)
    assert set(d.VISIT_SQL) <= names
    assert set(d.SURVEY_SQL) <= set(d.SurveyCounts.__dataclass_fields__)
