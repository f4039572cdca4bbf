"""Everything tick(now) drives: offer safety timeouts, escalation, maximum wait."""

from __future__ import annotations

from acd_helpers import build, offers

from acd import (
    AgentLoggedIn,
    AgentSpec,
    AgentState,
    CallArrived,
    CallEnded,
    CallQueued,
    Escalated,
    EscalationStep,
    NoAnswerPolicy,
    OfferAnswered,
    OfferFailed,
    OfferTimedOut,
    QueueExit,
    QueueSpec,
)


def test_offer_without_answer_or_failure_times_out_after_ring_timeout_plus_margin():
    e = build([QueueSpec("s", ring_timeout=20)], [AgentSpec("a"), AgentSpec("b")],
              ready=["a"], offer_margin=5)
    e.handle(CallArrived("c1", "s"), 100)
    assert e.next_deadline() == 125
    assert e.tick(124.9) == []
    e.handle(AgentLoggedIn("b", ready=True), 124.95)
    d = e.tick(125)
    assert d[0] == OfferTimedOut("c1", "a")
    assert e.agent("a").state is AgentState.NOT_READY
    assert e.agent("a").reason == "no-answer"
    assert offers(d) == [("c1", "b")]


def test_answered_offer_has_no_timeout():
    e = build([QueueSpec("s", wrapup_time=0)], [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "s"), 0)
    e.handle(OfferAnswered("c1", "a"), 3)
    assert e.next_deadline() is None
    assert e.tick(1000) == []


def test_escalation_lowers_then_drops_a_requirement():
    steps = (EscalationStep(30, "lower", skill="billing", level=2),
             EscalationStep(60, "drop", skill="spanish"))
    q = QueueSpec("b", {"billing": 5, "spanish": 3}, escalation=steps)
    agents = [AgentSpec("mid", {"billing": 2, "spanish": 1}, queues=("b",))]
    e = build([q], agents, ready=["mid"])
    e.handle(CallArrived("c1", "b"), 0)
    assert e.next_deadline() == 30
    d = e.tick(30)
    assert d == [Escalated("c1", "b", "after 30s: lower billing to 2", 30)]
    assert e.call("c1").requirements == {"billing": 2, "spanish": 3}
    d = e.tick(60)
    assert d[0] == Escalated("c1", "b", "after 60s: drop spanish", 60)
    assert offers(d) == [("c1", "mid")]


def test_escalation_raises_priority_and_moves_the_call_ahead():
    q = QueueSpec("s", escalation=(EscalationStep(45, "priority", priority=10),))
    e = build([q], [AgentSpec("a")])
    e.handle(CallArrived("vip", "s", priority=5), 10)
    e.handle(CallArrived("old", "s"), 0)
    assert e.waiting("s") == ["vip", "old"]
    e.tick(45)
    assert e.waiting("s") == ["old", "vip"]
    assert e.call("old").priority == 10


def test_escalation_adds_an_overflow_queue_whose_agents_may_take_the_call():
    qs = [QueueSpec("es", {"spanish": 5},
                    escalation=(EscalationStep(20, "overflow", queue="general"),)),
          QueueSpec("general")]
    agents = [AgentSpec("g", queues=("general",))]
    e = build(qs, agents, ready=["g"])
    e.handle(CallArrived("c1", "es"), 0)
    assert offers(e.tick(19)) == []
    d = e.tick(20)
    assert offers(d) == [("c1", "g")]
    assert d[0] == Escalated("c1", "es", "after 20s: overflow to general", 20)


def test_steps_already_due_apply_at_once_for_a_call_that_arrived_long_ago():
    steps = (EscalationStep(10, "drop", skill="x"), EscalationStep(20, "drop", skill="y"))
    e = build([QueueSpec("s", {"x": 1, "y": 1}, escalation=steps)], [AgentSpec("a")])
    e.handle(CallArrived("c1", "s", arrived_at=-100), 0)
    assert e.next_deadline() == -90
    d = e.tick(0)
    assert [x.step for x in d if isinstance(x, Escalated)] == [
        "after 10s: drop x", "after 20s: drop y"]


def test_max_wait_overflows_to_another_queue_keeping_arrival_time():
    qs = [QueueSpec("a", max_wait=60, exit="overflow:b"), QueueSpec("b")]
    e = build(qs, [AgentSpec("x", queues=("a",))])
    e.handle(CallArrived("old", "b", arrived_at=-10), 0)
    e.handle(CallArrived("c1", "a", arrived_at=-30), 0)
    d = e.tick(30)
    assert d[0] == QueueExit("c1", "a", "overflow", "b", "max-wait")
    assert CallQueued("c1", "b", 1) in d
    assert e.waiting("b") == ["c1", "old"]
    assert e.call("c1").arrived_at == -30


def test_max_wait_to_voicemail_forgets_the_call():
    e = build([QueueSpec("s", max_wait=60, exit="voicemail")], [AgentSpec("a")])
    e.handle(CallArrived("c1", "s"), 0)
    assert e.tick(60) == [QueueExit("c1", "s", "voicemail", None, "max-wait")]
    assert e.call_ids() == [] and e.next_deadline() is None


def test_max_wait_to_callback_keeps_the_place():
    e = build([QueueSpec("s", max_wait=60, exit="callback")], [AgentSpec("a")])
    e.handle(CallArrived("c1", "s"), 0)
    e.handle(CallArrived("c2", "s"), 1)
    d = e.tick(60)
    assert d[0] == QueueExit("c1", "s", "callback", None, "max-wait")
    assert e.call("c1").callback and e.waiting("s") == ["c1", "c2"]


def test_full_queue_applies_its_exit_on_arrival():
    qs = [QueueSpec("s", max_length=2, exit="overflow:t"), QueueSpec("t", max_length=1)]
    e = build(qs, [AgentSpec("a", queues=("s",))])
    e.handle(CallArrived("c1", "s"), 0)
    e.handle(CallArrived("c2", "s"), 0)
    d = e.handle(CallArrived("c3", "s"), 0)
    assert d == [QueueExit("c3", "s", "overflow", "t", "full"), CallQueued("c3", "t", 1)]
    d = e.handle(CallArrived("c4", "s"), 0)
    assert d == [QueueExit("c4", "s", "overflow", "t", "full"),
                 QueueExit("c4", "t", "none", None, "full")]
    assert "c4" not in e.call_ids()


def test_overflow_loop_ends_with_no_exit():
    qs = [QueueSpec("a", max_length=1, exit="overflow:b"),
          QueueSpec("b", max_length=1, exit="overflow:a")]
    e = build(qs, [])
    e.handle(CallArrived("c1", "a"), 0)
    e.handle(CallArrived("c2", "b"), 0)
    d = e.handle(CallArrived("c3", "a"), 0)
    assert [x.action for x in d] == ["overflow", "none"]


def test_ringing_call_does_not_exit_and_gets_its_deadline_back_after_no_answer():
    e = build([QueueSpec("s", max_wait=30, exit="voicemail", ring_timeout=60)],
              [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "s"), 0)
    assert e.tick(30) == []                               # ringing: no exit
    e.handle(OfferFailed("c1", "a"), 40)
    assert e.next_deadline() == 30                        # overdue: tick at once
    assert e.tick(40) == [QueueExit("c1", "s", "voicemail", None, "max-wait")]


def test_reoffer_delay_survives_the_call_ringing_elsewhere_meanwhile():
    q = QueueSpec("s", no_answer=NoAnswerPolicy(not_ready=False, reoffer_delay=8))
    e = build([q], [AgentSpec("a"), AgentSpec("b")], ready=["a"])
    e.handle(CallArrived("c1", "s"), 0)
    e.handle(OfferFailed("c1", "a"), 1)                   # a skipped for c1 until 9
    e.handle(AgentLoggedIn("b", ready=True), 2)           # rings on b
    assert e.next_deadline() == 9                         # (asked while ringing elsewhere)
    e.handle(OfferFailed("c1", "b"), 3)                   # b skipped until 11
    assert offers(e.tick(9)) == [("c1", "a")]


def test_full_queue_with_callback_exit_admits_the_call_as_a_callback():
    e = build([QueueSpec("s", max_length=1, exit="callback")], [AgentSpec("a")])
    e.handle(CallArrived("c1", "s"), 0)
    d = e.handle(CallArrived("c2", "s"), 1)
    assert d == [QueueExit("c2", "s", "callback", None, "full"), CallQueued("c2", "s", 2)]
    assert e.call("c2").callback


def test_no_deadline_left_once_everything_is_settled():
    e = build([QueueSpec("s", wrapup_time=5, max_wait=60, exit="voicemail",
                         escalation=(EscalationStep(10, "priority", priority=1),))],
              [AgentSpec("a")], ready=["a"])
    e.handle(CallArrived("c1", "s"), 0)
    e.handle(OfferAnswered("c1", "a"), 1)
    e.handle(CallEnded("c1"), 2)
    assert e.next_deadline() == 7
    e.tick(7)
    assert e.next_deadline() is None
