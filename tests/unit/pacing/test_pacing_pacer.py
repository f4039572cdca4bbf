"""The Pacer, scenario by scenario: modes, the connect rule, the budget, blending,
caps, learning from agents, errors, explanations."""

from __future__ import annotations

import dataclasses
import json

import pytest
from pacing_helpers import Floor, dials, explanation, kinds

from acd import AgentState, AgentStateChanged
from acd.pacing import (
    US,
    AbandonCall,
    Blending,
    CallConnected,
    CallFailed,
    CampaignInvalid,
    CampaignPaused,
    CampaignResumed,
    CampaignSpec,
    CustomerHungUp,
    Dial,
    HumanAnswered,
    InboundQueueChanged,
    InvalidLineState,
    LineState,
    LineTimedOut,
    MachineDetected,
    Pacer,
    PaceReason,
    PacingError,
    UnknownLine,
    UnknownPacingEvent,
    uk_rules,
)


def pacer(mode="predictive", **kw) -> tuple[Pacer, Floor]:
    p = Pacer(CampaignSpec("c1", mode=mode, **kw), now=0.0)
    return p, Floor(p)


def history(p: Pacer, connected: int, abandoned: int = 0, machines: int = 0) -> None:
    p.restore_window([(0.0, "connected")] * connected + [(0.0, "abandoned")] * abandoned
                     + [(0.0, "machine")] * machines)


# ------------------------------------------------------------------ modes


@pytest.mark.parametrize("mode", ["preview", "progressive", "predictive"])
def test_no_agent_logged_in_means_no_dial(mode):
    p, floor = pacer(mode)
    history(p, 1000)
    out = p.tick(0.0)
    assert kinds(out) == ["Paced"]
    assert explanation(out).reason is PaceReason.NO_AGENTS
    floor.login("a1", at=1.0)
    floor.move("a1", AgentState.LOGGED_OUT, 2.0)
    assert dials(p.tick(3.0)) == []


def test_progressive_places_one_line_per_free_agent_not_yet_covered():
    p, floor = pacer("progressive")
    floor.login("a1", "a2", "a3")
    first = dials(p.tick(0.0))
    assert [d.call_id for d in first] == ["c1-1", "c1-2", "c1-3"]
    assert all(d.agent_id is None and d.timeout == 25.0 for d in first)
    assert dials(p.tick(1.0)) == []                        # three lines cover three agents
    p.handle(CallFailed("c1-2", "busy"), 2.0)
    out = p.tick(2.0)
    assert [d.call_id for d in dials(out)] == ["c1-4"]
    assert explanation(out).reason is PaceReason.PROGRESSIVE


def test_preview_shows_one_contact_to_each_free_agent_longest_idle_first():
    p, floor = pacer("preview")
    floor.login("b", at=5.0)
    floor.login("a", at=0.0)
    out = p.tick(10.0)
    assert [(d.call_id, d.agent_id) for d in dials(out)] == [("c1-1", "a"), ("c1-2", "b")]
    assert explanation(out).reason is PaceReason.PREVIEW
    assert dials(p.tick(11.0)) == []
    p.handle(CallFailed("c1-1", "no-answer"), 40.0)           # a's contact did not answer
    assert [(d.call_id, d.agent_id) for d in dials(p.tick(40.0))] == [("c1-3", "a")]


def test_a_young_window_only_dials_what_risks_nothing():
    """No live call counted yet: the budget cannot take an abandon, so predictive
    places one line per free agent (budget-low) until it has earned headroom: on a
    small floor a fifth line for four agents already risks more than 0.1 %."""
    p, floor = pacer()
    floor.login("a1", "a2", "a3", "a4")
    out = p.tick(0.0)
    assert len(dials(out)) == 4
    e = explanation(out)
    assert e.reason is PaceReason.BUDGET_LOW
    assert (e.pace_rate, e.budget_left, e.allowed_abandons) == (0.0, 0.0, 0.0)
    assert e.next_line_risk > 0.001


def test_a_young_window_with_a_large_free_floor_places_the_lines_of_negligible_risk():
    """A start of day: forty agents free, nothing counted yet. Lines whose abandon
    chance is at most negligible_risk need no budget, so the floor fills at once
    instead of one line per free agent; the next line would risk more."""
    p, floor = pacer()
    floor.login(*(f"a{i}" for i in range(40)))
    out = p.tick(0.0)
    e = explanation(out)
    assert e.reason is PaceReason.BUDGET_LOW
    assert e.lines == len(dials(out)) > 40
    assert e.expected_abandons <= 0.001 * e.answer_rate * e.lines
    assert e.next_line_risk > e.negligible_risk == 0.001
    assert "(0.1% without budget)" in e.describe()
    p, floor = pacer(negligible_risk=0.0)
    floor.login(*(f"a{i}" for i in range(40)))
    assert len(dials(p.tick(0.0))) == 40


def test_lines_of_negligible_risk_never_go_out_while_the_window_is_at_the_limit():
    p, floor = pacer()
    history(p, 97, 3)                                        # spent: nothing at all
    floor.login(*(f"a{i}" for i in range(40)))
    out = p.tick(0.0)
    assert dials(out) == []
    assert explanation(out).reason is PaceReason.BUDGET_SPENT
    p, floor = pacer(rules=uk_rules(0.05))
    history(p, 3, 0, machines=5)                             # too young to be spent
    floor.login(*(f"a{i}" for i in range(40)))
    out = p.tick(0.0)
    assert len(dials(out)) == 40                             # one per free agent only
    e = explanation(out)
    assert (e.reason, e.negligible_risk) == (PaceReason.BUDGET_LOW, 0.0)
    assert "without budget" not in e.describe()


def test_predictive_dials_ahead_of_free_agents_within_the_line_risk():
    p, floor = pacer()
    history(p, 1000)                                         # budget: 30 abandons in hand
    floor.login(*(f"a{i}" for i in range(10)))
    out = p.tick(0.0)
    e = explanation(out)
    n = len(dials(out))
    assert e.reason is PaceReason.PREDICTIVE
    assert n > 10                                            # more lines than free agents
    assert n == e.lines
    assert e.pace_rate == e.line_risk == pytest.approx(0.03)    # the legal limit
    assert e.target_rate == pytest.approx(0.027)                # the last hour's rate
    assert e.next_line_risk > e.pace_rate                    # why not one more
    assert 0 <= e.expected_abandons <= e.allowed_abandons
    assert e.expected_live_in_flight == pytest.approx(0.3 * n)   # the prior answer rate


def test_more_busy_agents_about_to_finish_means_more_lines():
    """Same free agents; agents deep into their calls are expected back soon."""
    counts = []
    for talked in (0.0, 400.0):
        p, floor = pacer(priors=dataclasses.replace(CampaignSpec("x").priors, talk_time=60.0))
        history(p, 1000)
        floor.login(*(f"a{i}" for i in range(8)), at=0.0)
        for i in range(4, 8):
            p.handle(AgentStateChanged(f"a{i}", AgentState.READY, AgentState.ON_CALL, None,
                                       500.0 - talked, "other"), 500.0 - talked)
        counts.append(len(dials(p.tick(500.0))))
    # calls of another queue are not counted on to end: same answer both times
    assert counts[0] == counts[1]
    counts = []
    for talked in (0.0, 50.0):
        p, floor = pacer(priors=dataclasses.replace(CampaignSpec("x").priors, talk_time=60.0))
        history(p, 1000)
        floor.login(*(f"a{i}" for i in range(8)), at=0.0)
        first = dials(p.tick(0.0))
        for i, d in zip(range(4, 8), first, strict=False):
            p.handle(HumanAnswered(d.call_id), 10.0)
            p.handle(CallConnected(d.call_id, f"a{i}"), 10.0)
        for d in first[4:]:
            p.handle(CallFailed(d.call_id), 10.0)
        out = p.tick(10.0 + talked)
        counts.append(explanation(out).expected_free_soon)
    assert counts[1] > counts[0] > 0


# ------------------------------------------------------- the connect rule


def answered(p: Pacer, floor: Floor, at: float = 10.0) -> str:
    floor.login("a1")
    (dial,) = dials(p.tick(0.0))
    p.handle(HumanAnswered(dial.call_id), at)
    return dial.call_id


def test_no_agent_within_two_seconds_of_the_greeting_abandons_the_call():
    p, floor = pacer("progressive")
    call = answered(p, floor)
    assert p.line_state(call) is LineState.ANSWERED
    assert p.next_deadline() == 1.0                          # the next pacing step comes first
    p.tick(11.0)
    assert p.next_deadline() == 12.0
    out = p.tick(12.0)
    assert out[0] == AbandonCall(call, "c1", 2.0)
    w = p.window(12.0)
    assert (w.live, w.abandoned) == (1, 1)
    assert p.line_state(call) is None
    with pytest.raises(UnknownLine, match="no line 'c1-1' in flight"):
        p.handle(CallConnected(call, "a1"), 12.5)


def test_an_agent_connected_within_two_seconds_is_not_abandoned():
    p, floor = pacer("progressive")
    call = answered(p, floor)
    p.handle(CallConnected(call, "a1"), 11.9)
    assert not any(isinstance(d, AbandonCall) for d in p.tick(12.0))
    w = p.window(12.0)
    assert (w.live, w.abandoned) == (1, 0)


@pytest.mark.parametrize("answered_at", [0.0, 10.0])
def test_a_connect_after_the_rule_counts_as_abandoned_even_without_a_tick(answered_at):
    p, floor = pacer("progressive")
    call = answered(p, floor, at=answered_at)
    p.handle(CallConnected(call, "a1"), answered_at + 2.5)   # the service's timer was late
    assert p.window(answered_at + 3).abandoned == 1


def test_an_answer_at_time_zero_is_abandoned_two_seconds_later():
    p, floor = pacer("progressive")
    call = answered(p, floor, at=0.0)
    out = p.tick(2.0)
    assert out[0] == AbandonCall(call, "c1", 2.0)


def test_preview_keeps_its_agents_when_the_line_cap_trims_the_step():
    p, floor = pacer("preview", max_lines=1)
    floor.login("a", "b")
    out = p.tick(0.0)
    assert [(d.call_id, d.agent_id) for d in dials(out)] == [("c1-1", "a")]
    assert explanation(out).reason is PaceReason.LINE_CAP


def test_a_person_who_hangs_up_before_an_agent_came_counts_as_abandoned():
    p, floor = pacer("progressive")
    call = answered(p, floor)
    p.handle(CustomerHungUp(call), 11.0)
    w = p.window(11.0)
    assert (w.live, w.abandoned) == (1, 1)


def test_a_line_without_any_outcome_times_out():
    p, floor = pacer("progressive")
    floor.login("a1")
    (dial,) = dials(p.tick(0.0))
    assert not any(isinstance(d, LineTimedOut) for d in p.tick(29.0))
    out = p.tick(30.0)                                       # 25 s ringing + 5 s margin
    assert out[0] == LineTimedOut(dial.call_id, "c1")
    assert p.lines_in_flight() == 1                          # and a new line was placed
    assert explanation(out).dial_samples == 1


def test_machines_and_failures_end_the_line_and_teach_the_answer_rate():
    p, floor = pacer("progressive")
    floor.login("a1", "a2", "a3")
    d1, d2, d3 = dials(p.tick(0.0))
    p.handle(MachineDetected(d1.call_id), 8.0)
    p.handle(CallFailed(d2.call_id, "congestion"), 1.0)
    p.handle(HumanAnswered(d3.call_id), 12.0)
    e = p.explain(12.0)
    assert e.dial_samples == 3
    assert e.answer_rate == pytest.approx((20 * 0.3 + 1) / 23)
    assert e.machine_rate == pytest.approx((20 * 0.05 + 1) / 23)
    assert e.answer_delay == pytest.approx((20 * 12 + 12) / 21)
    assert p.window(12.0).machines == 1


# ------------------------------------------------------------ the budget


@pytest.mark.parametrize("mode", ["preview", "progressive", "predictive"])
def test_no_dial_once_the_budget_is_spent(mode):
    p, floor = pacer(mode)
    history(p, 97, 3)                                        # 3 % of 100 live calls
    floor.login("a1", "a2")
    out = p.tick(0.0)
    assert dials(out) == []
    e = explanation(out)
    assert e.reason is PaceReason.BUDGET_SPENT
    assert e.window_rate == pytest.approx(0.03)


def test_a_young_window_over_the_limit_keeps_dialing_risk_free():
    """Under UK rules the first machines' false positives put a fresh window over
    3 % before it could hold one abandon: the pacer dials risk-free, not stop."""
    p, floor = pacer(rules=uk_rules(0.05))
    history(p, 3, 0, machines=5)
    floor.login("a1", "a2")
    out = p.tick(0.0)
    assert len(dials(out)) == 2
    e = explanation(out)
    assert e.reason is PaceReason.BUDGET_LOW
    assert e.window_rate == pytest.approx(0.25 / 3.25)


def test_a_spent_budget_can_fall_back_to_progressive():
    p, floor = pacer(when_spent="progressive")
    history(p, 97, 3)
    floor.login("a1", "a2")
    out = p.tick(0.0)
    assert len(dials(out)) == 2
    assert explanation(out).reason is PaceReason.BUDGET_SPENT_PROGRESSIVE


def test_uk_counts_amd_false_positives_against_the_budget():
    rules = uk_rules(0.10)
    p, floor = pacer(rules=rules)
    history(p, 97, 1)                                        # 1 / 98: far under 3 %
    floor.login("a1")
    assert dials(p.tick(0.0))
    p, floor = pacer(rules=rules)
    history(p, 97, 1, machines=30)                           # + 3 people AMD hung up on
    floor.login("a1")
    out = p.tick(0.0)
    assert dials(out) == []
    e = explanation(out)
    assert (e.window_live, e.window_abandoned) == (pytest.approx(101), pytest.approx(4))
    assert e.reason is PaceReason.BUDGET_SPENT


def test_us_budget_comes_back_with_the_next_30_day_period():
    p, floor = pacer()
    history(p, 97, 3)
    floor.login("a1")
    assert dials(p.tick(0.0)) == []
    out = p.tick(30 * 86_400.0)
    assert explanation(out).window_live == 0
    assert len(dials(out)) == 1


def test_a_bad_last_hour_holds_pacing_back_though_the_legal_window_is_fine():
    def run(smoothing):
        p, floor = pacer(smoothing_window=smoothing)
        p.restore_window([(0.0, "connected")] * 1000 + [(5000.0, "connected")] * 30
                         + [(5000.0, "abandoned")] * 2)
        floor.login(*(f"a{i}" for i in range(6)), at=5000.0)
        out = p.tick(5000.0)
        return len(dials(out)), explanation(out)

    lines, e = run(3600.0)
    assert (lines, e.reason) == (6, PaceReason.BUDGET_LOW)      # risk-free lines only
    assert e.budget_left == pytest.approx(0.03 * 1032 - 2)      # the legal window is fine
    assert e.recent_rate == pytest.approx(2 / 32)
    assert e.recent_budget_left == pytest.approx(0.027 * 32 - 2)      # held to 0.9 x 3 %
    assert e.pace_rate == 0.0
    lines, e = run(None)
    assert e.reason is PaceReason.PREDICTIVE and lines > 6
    assert e.recent_rate is None


def test_restore_window_refuses_an_unknown_outcome():
    p, _ = pacer()
    with pytest.raises(PacingError, match="past outcome 'dropped'; use connected, abandoned"):
        p.restore_window([(0.0, "dropped")])


# ------------------------------------------------------ blending, pause, caps


@pytest.mark.parametrize(("waited", "expected", "reason"), [
    (5.0, 4, PaceReason.PROGRESSIVE),           # below slow_after: unchanged
    (15.0, 2, PaceReason.PROGRESSIVE),          # two inbound callers take two agents
    (40.0, 0, PaceReason.INBOUND_FIRST),        # beyond stop_after: no outbound at all
])
def test_waiting_inbound_callers_slow_then_stop_outbound(waited, expected, reason):
    p, floor = pacer("progressive", blending=Blending(slow_after=10, stop_after=30))
    floor.login("a1", "a2", "a3", "a4")
    p.handle(InboundQueueChanged(2, oldest_since=100.0 - waited), 100.0)
    out = p.tick(100.0)
    assert len(dials(out)) == expected
    e = explanation(out)
    assert e.reason is reason
    assert (e.inbound_waiting, e.inbound_longest_wait) == (2, waited)


def test_pause_stops_new_dials_and_resume_starts_them_again():
    p, floor = pacer("progressive")
    floor.login("a1")
    p.handle(CampaignPaused("list exhausted"), 0.0)
    out = p.tick(0.0)
    assert dials(out) == []
    assert (explanation(out).reason, explanation(out).paused) == (PaceReason.PAUSED,
                                                                  "list exhausted")
    p.handle(CampaignResumed(), 1.0)
    assert len(dials(p.tick(1.0))) == 1


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"max_lines": 2}, 2),
    ({"max_lines_per_agent": 0.5}, 2),
])
def test_line_caps_hold(kwargs, expected):
    p, floor = pacer("progressive", **kwargs)
    floor.login("a1", "a2", "a3", "a4")
    out = p.tick(0.0)
    assert len(dials(out)) == expected
    assert explanation(out).reason is PaceReason.LINE_CAP
    assert dials(p.tick(1.0)) == []


# ------------------------------------------------- learning from agents


def test_talk_and_wrap_up_are_measured_from_the_agents_campaign_calls():
    p, floor = pacer("progressive")
    floor.login("a1", "a2")
    d1, d2 = dials(p.tick(0.0))
    for d in (d1, d2):
        p.handle(HumanAnswered(d.call_id), 10.0)
    p.handle(CallConnected(d1.call_id, "a1"), 10.0)          # connect before the ACD's state
    floor.talk("a1", d1.call_id, 10.0)
    floor.talk("a2", d2.call_id, 10.5)                       # ACD's state before the connect
    p.handle(CallConnected(d2.call_id, "a2"), 10.5)
    floor.wrap("a1", 70.0)
    floor.ready("a1", 85.0)
    floor.move("a2", AgentState.NOT_READY, 130.5)            # hung up, no wrap-up
    e = p.explain(131.0)
    assert e.talk_samples == 2
    assert e.talk_time == pytest.approx((20 * 240 + 60 + 120) / 22)
    assert e.wrap_time == pytest.approx((20 * 15 + 15 + 0) / 22)
    assert (e.agents_free, e.agents_away, e.agents_busy) == (1, 1, 0)


def test_calls_of_other_queues_are_not_measured():
    p, floor = pacer("progressive")
    floor.login("a1")
    floor.talk("a1", "inbound-7", 5.0)
    floor.wrap("a1", 65.0)
    floor.ready("a1", 80.0)
    assert p.explain(80.0).talk_samples == 0


# --------------------------------------------------------------- errors


def test_events_that_do_not_fit_raise_and_change_nothing():
    p, floor = pacer("progressive")
    floor.login("a1")
    (dial,) = dials(p.tick(0.0))
    with pytest.raises(InvalidLineState, match="CallConnected not allowed in state DIALING; "
                                               "send HumanAnswered first"):
        p.handle(CallConnected(dial.call_id, "a1"), 1.0)
    with pytest.raises(PacingError, match="CallFailed cause 'rejected'; use one of busy"):
        p.handle(CallFailed(dial.call_id, "rejected"), 1.0)      # type: ignore[arg-type]
    with pytest.raises(PacingError, match="delay -3 must be >= 0"):
        p.handle(HumanAnswered(dial.call_id, delay=-3), 1.0)
    assert p.line_state(dial.call_id) is LineState.DIALING
    p.handle(HumanAnswered(dial.call_id), 9.0)
    with pytest.raises(InvalidLineState, match="a line is answered once"):
        p.handle(HumanAnswered(dial.call_id), 9.5)
    with pytest.raises(InvalidLineState, match="AMD already said HUMAN"):
        p.handle(MachineDetected(dial.call_id), 9.5)
    with pytest.raises(UnknownLine, match="campaign 'c1': no line 'c1-99'"):
        p.handle(CallFailed("c1-99"), 9.5)
    with pytest.raises(UnknownPacingEvent, match="str is not a pacing event"):
        p.handle("HumanAnswered", 9.5)                           # type: ignore[arg-type]
    with pytest.raises(PacingError, match="waiting=-1 must be >= 0"):
        p.handle(InboundQueueChanged(-1), 9.5)
    assert p.line_state(dial.call_id) is LineState.ANSWERED


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": ""}, "a campaign needs a non-empty name"),
    ({"mode": "power"}, "mode 'power'; use one of preview, progressive, predictive"),
    ({"target_rate": 0.05}, "target_rate 0.05 must be above 0 and at most the legal limit"),
    ({"line_risk": 1.0}, "line_risk 1.0 must be a share between 0 and 1"),
    ({"when_spent": "pause"}, "when_spent 'pause'; use 'stop' or 'progressive'"),
    ({"no_answer_timeout": 0}, "no_answer_timeout and pace_interval must be > 0"),
    ({"max_lines": -1}, "max_lines -1 must be >= 0"),
    ({"reserve": 6.0}, "needs 0 <= reserve \\(6.0\\) <= cushion \\(5.0\\)"),
    ({"negligible_risk": 1.5}, "negligible_risk 1.5 must be a share between 0 and 1"),
    ({"smoothing_window": 0}, "smoothing_window 0 s must be > 0"),
    ({"blending": Blending(slow_after=40, stop_after=30)}, "blending needs 0 <= slow_after"),
    ({"rules": "US"}, "rules must be an AbandonRules"),
])
def test_campaign_spec_refuses_bad_values_with_one_clear_line(kwargs, message):
    with pytest.raises(CampaignInvalid, match=message):
        CampaignSpec(**{"name": "c1", **kwargs})


# --------------------------------------------------------- explanations


def test_every_step_is_explained_as_plain_data_and_one_log_line():
    p, floor = pacer(rules=US)
    history(p, 500, 4)
    floor.login("a1", "a2", "a3")
    out = p.tick(0.0)
    e = explanation(out)
    data = json.loads(json.dumps(dataclasses.asdict(e)))
    assert data["reason"] == "predictive" and data["lines"] == len(dials(out))
    assert data["window_live"] == 504 and data["budget_left"] == pytest.approx(0.03 * 504 - 4)
    line = e.describe()
    assert line.startswith(f"c1 predictive: {e.lines} line(s), predictive; agents 3 free")
    assert "US window 4/504 = 0.79%" in line and "budget left 11.1" in line


def test_same_events_at_the_same_times_give_the_same_decisions():
    def run() -> list:
        p, floor = pacer()
        history(p, 300, 2)
        floor.login("a1", "a2", "a3", "a4", "a5")
        out = []
        for t in range(40):
            out += p.tick(float(t))
            for d in dials(out[-10:]):
                if p.line_state(d.call_id) is LineState.DIALING and int(d.call_id[3:]) % 4 == 0:
                    p.handle(HumanAnswered(d.call_id), t + 0.5)
        return out

    assert run() == run()


def test_dial_ids_use_the_prefix_given():
    p = Pacer(CampaignSpec("c1", mode="progressive"), id_prefix="c1-run7")
    Floor(p).login("a1")
    assert [d.call_id for d in p.tick(0.0) if isinstance(d, Dial)] == ["c1-run7-1"]
