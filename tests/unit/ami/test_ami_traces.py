"""Replay every capture of shared/asterisk-traces through parser + tracker.

The expectations below were written by hand from the traces' README ("what
happened") and their timelines (summarize.py), never from the tracker's
output. Channels are written as their device plus the Local half
(``Local/900@from-pstn;2`` is the caller's channel running the dialplan,
``;1`` the simulated caller's phone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cti.ami import events as ev
from cti.ami.replay import load, replay
from cti.ami.tracker import CallTracker

TRACES = Path(__file__).resolve().parents[3].parent / "shared" / "asterisk-traces"

CALLER = "Local/900@from-pstn;2"
CALLER_SIDE = "Local/900@from-pstn"


def who(ch: ev.ChannelSnapshot | None) -> str | None:
    if ch is None:
        return None
    half = ch.name[-2:] if ch.name.startswith("Local/") else ""
    return ch.device + half


@dataclass
class Story:
    """What a trace is expected to show, in order."""

    calls: int = 1
    dials: list[tuple[str, str, str]] = field(default_factory=list)  # caller, target, status
    dial_results: list[str] = field(default_factory=list)  # CTIDialResult DialStatus
    talks: list[set[str]] = field(default_factory=list)  # each PartiesBridged
    ended: list[tuple[str, int]] = field(default_factory=list)  # who hung up first, cause
    originates: list[tuple[bool, int]] = field(default_factory=lambda: [(True, 4)])


EXPECTED: dict[str, Story] = {
    "01-answer-agent-hangs-up": Story(
        dials=[(CALLER, "Local/1001@agents;1", "ANSWER")],
        talks=[{CALLER, "Local/1001@agents;1"}],
        ended=[("Local/1001@agents", 16)],  # the agent hangs up
    ),
    "02-noanswer-then-answer-caller-hangs-up": Story(
        dials=[(CALLER, "Local/1002@agents;1", "NOANSWER"),
               (CALLER, "Local/1001@agents;1", "ANSWER")],
        dial_results=["NOANSWER"],
        talks=[{CALLER, "Local/1001@agents;1"}],
        ended=[(CALLER_SIDE, 16)],
    ),
    "03-busy-then-abandon-in-hold": Story(
        dials=[(CALLER, "Local/1003@agents;1", "BUSY")],
        dial_results=["BUSY"],
        ended=[(CALLER_SIDE, 16)],
    ),
    "04-unavailable-and-congestion": Story(
        dials=[(CALLER, "Local/1004@agents;1", "CONGESTION")],  # SIP/agent1199: no dial
        dial_results=["CHANUNAVAIL", "CONGESTION"],
        ended=[(CALLER_SIDE, 16)],
    ),
    "05-abandon-while-ringing": Story(
        dials=[(CALLER, "Local/1002@agents;1", "CANCEL")],
        ended=[(CALLER_SIDE, 16)],
    ),
    "06-hangup-during-ivr": Story(ended=[(CALLER_SIDE, 16)]),
    "07-redirect-during-hold-agi": Story(
        dials=[(CALLER, "Local/1001@agents;1", "ANSWER")],
        talks=[{CALLER, "Local/1001@agents;1"}],
        ended=[(CALLER_SIDE, 16)],
    ),
    "08-blind-transfer": Story(
        dials=[(CALLER, "Local/1001@agents;1", "ANSWER")],
        talks=[{CALLER, "Local/1001@agents;1"}],
        ended=[(CALLER_SIDE, 16)],
    ),
    "09-requeue-by-redirect": Story(
        dials=[(CALLER, "Local/1001@agents;1", "ANSWER"),
               (CALLER, "Local/2001@agents;1", "ANSWER")],
        talks=[{CALLER, "Local/1001@agents;1"}, {CALLER, "Local/2001@agents;1"}],
        ended=[(CALLER_SIDE, 16)],
    ),
    "10-click-to-dial": Story(
        dials=[("Local/1001@agents;1", "Local/5559876@customers;1", "ANSWER")],
        talks=[{"Local/1001@agents;1", "Local/5559876@customers;1"}],
        ended=[("Local/1001@agents", 16)],  # the agent hangs up
    ),
    "11-originate-failures": Story(
        calls=2,
        # busy: the ;1 leg goes with cause 0, the ;2 (the phone) says 17 User busy
        ended=[("Local/1003@agents", 17), ("Local/1002@agents", 19)],
        originates=[(False, 5), (False, 0), (False, 3)],
    ),
    "12-supervisor-spy": Story(
        calls=2,
        dials=[(CALLER, "Local/1001@agents;1", "ANSWER")],
        talks=[{CALLER, "Local/1001@agents;1"}],
        ended=[(CALLER_SIDE, 16), ("SIP/agent1102", 16)],
        originates=[(True, 4), (True, 4)],
    ),
    "13-ami-protocol": Story(ended=[(CALLER_SIDE, 16)]),
    "14-sip-agent": Story(
        dials=[(CALLER, "SIP/agent1101", "ANSWER")],
        talks=[{CALLER, "SIP/agent1101"}],
        ended=[(CALLER_SIDE, 16)],
    ),
    "15-sip-inbound": Story(ended=[("SIP/127.0.0.1", 0)], originates=[]),
    "16-bad-login": Story(calls=0, originates=[]),
    "17-concurrent-calls": Story(
        calls=2,
        dials=[("Local/901@from-pstn;2", "SIP/agent1101", "ANSWER"),
               (CALLER, "Local/1001@agents;1", "ANSWER")],
        talks=[{"Local/901@from-pstn;2", "SIP/agent1101"}, {CALLER, "Local/1001@agents;1"}],
        ended=[("Local/901@from-pstn", 16), (CALLER_SIDE, 16)],  # Ana first, then Juan
        originates=[(True, 4), (True, 4)],
    ),
    "18-local-agent-two-bridges": Story(
        dials=[("Local/1101@agent-dial;2", "SIP/agent1101", "ANSWER"),
               (CALLER, "Local/1101@agent-dial;1", "ANSWER")],
        # first bridge: caller + the Local pipe; once the second bridge forms,
        # the Local pair is followed through to the SIP phone.
        talks=[{CALLER, "Local/1101@agent-dial;1"}, {CALLER, "SIP/agent1101"}],
        ended=[(CALLER_SIDE, 16)],
    ),
    "19-agi-errors": Story(ended=[(CALLER_SIDE, 0)]),
    "20-agent-feature-code": Story(ended=[("SIP/agent1101", 16)], originates=[]),
    "21-asterisk-restart": Story(ended=[(CALLER_SIDE, 0)]),  # closed by the resync
    "22-hold-by-redirect-and-bridge": Story(
        dials=[(CALLER, "SIP/agent1101", "ANSWER")],
        talks=[{CALLER, "SIP/agent1101"}, {CALLER, "SIP/agent1101"}],
        ended=[(CALLER_SIDE, 16)],
    ),
}


def run(name: str) -> list[tuple[int, ev.CallEvent]]:
    return list(replay(load(TRACES / f"{name}.ami.txt"), node="pbx1"))


def of(events: list[tuple[int, ev.CallEvent]], kind: type) -> list:
    return [e for _, e in events if isinstance(e, kind)]


def test_every_trace_has_an_expectation() -> None:
    names = {p.name.removesuffix(".ami.txt") for p in TRACES.glob("*.ami.txt")}
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_tracker_replays_trace_as_readme_says(name: str) -> None:
    story = EXPECTED[name]
    events = run(name)
    assert len(of(events, ev.CallStarted)) == story.calls
    dials = [(who(e.caller), who(e.target), e.dial_status)
             for e in of(events, ev.DialEnded) if e.caller is not None]
    assert dials == story.dials
    assert [e.dial_status for e in of(events, ev.DialResultReported)] == story.dial_results
    assert [{who(p) for p in e.parties} for e in of(events, ev.PartiesBridged)] == story.talks
    ended = [(e.first_hangup.device, e.cause) for e in of(events, ev.CallEnded)]
    assert ended == story.ended
    assert [(e.success, e.reason) for e in of(events, ev.OriginateResult)] == story.originates
    assert all(e.node == "pbx1" for _, e in events)


@pytest.mark.parametrize("name", [n for n, s in EXPECTED.items() if s.talks])
def test_bridged_caller_carries_its_interaction(name: str) -> None:
    """The routing loop finds the interaction on the bridged caller's snapshot."""
    bridged = of(run(name), ev.PartiesBridged)
    callers = [p for e in bridged for p in e.parties if p.interaction]
    expected = "int-0100" if name == "10-click-to-dial" else "int-0001"
    assert callers and {p.interaction for p in callers} == {expected}


def test_hangup_of_caller_carries_cti_vars_and_cause() -> None:
    hung = [e for e in of(run("02-noanswer-then-answer-caller-hangs-up"), ev.ChannelHungUp)
            if e.channel.name.endswith(";2") and e.channel.device == CALLER_SIDE]
    assert len(hung) == 1
    assert hung[0].cause == 16 and hung[0].cause_txt == "Normal Clearing"
    assert hung[0].channel.cti_vars["CTI_INTERACTION"] == "int-0001"
    assert hung[0].channel.cti_vars["CTI_AGENT_ENDPOINT"] == "Local/1001@agents/n"


def test_no_answer_dial_result_names_interaction_and_endpoint() -> None:
    [result] = of(run("02-noanswer-then-answer-caller-hangs-up"), ev.DialResultReported)
    assert (result.interaction, result.endpoint, result.dial_status) == (
        "int-0001", "Local/1002@agents/n", "NOANSWER")
    assert result.call_id == result.channel.call_id


def test_unavailable_agent_is_only_seen_in_the_dial_result() -> None:
    events = run("04-unavailable-and-congestion")
    assert not [e for e in of(events, ev.DialBegan) if "agent1199" in e.target.name]
    first = of(events, ev.DialResultReported)[0]
    assert (first.endpoint, first.dial_status) == ("SIP/agent1199", "CHANUNAVAIL")


def test_blind_transfer_names_transferer_transferee_and_target() -> None:
    events = run("08-blind-transfer")
    [xfer] = of(events, ev.BlindTransferred)
    assert who(xfer.transferer) == "Local/1001@agents;1"
    assert who(xfer.transferee) == CALLER
    assert (xfer.context, xfer.extension, xfer.result) == ("agents", "2001", "Success")
    after = [e for i, e in events if isinstance(e, ev.ChannelHungUp)
             and i > next(j for j, x in events if x is xfer)]
    assert [e.channel.device for e in after[:2]] == ["Local/1001@agents"] * 2  # agent legs go


def test_originate_failures_keep_requested_channel_and_action_id() -> None:
    results = of(run("11-originate-failures"), ev.OriginateResult)
    assert [r.channel for r in results] == [
        "Local/1003@agents/n", "Bogus/xyz", "Local/1002@agents/n"]
    assert [r.action_id for r in results] == [
        "11-originate-failures-2", "11-originate-failures-3", "11-originate-failures-4"]


def test_click_to_dial_originate_response_belongs_to_the_call() -> None:
    events = run("10-click-to-dial")
    [result] = of(events, ev.OriginateResult)
    [started] = of(events, ev.CallStarted)
    assert result.call_id == started.call_id


def test_concurrent_calls_keep_their_own_call_ids() -> None:
    events = run("17-concurrent-calls")
    started = [e.call_id for e in of(events, ev.CallStarted)]
    assert len(set(started)) == 2
    for bridged in of(events, ev.PartiesBridged):
        caller = next(p for p in bridged.parties if p.device.endswith("@from-pstn"))
        assert bridged.call_id == caller.call_id
    talking = {p.caller_name: who(p) for e in of(events, ev.PartiesBridged) for p in e.parties
               if p.device.endswith("@from-pstn")}
    assert talking == {"Juan Perez": CALLER, "Ana Ruiz": "Local/901@from-pstn;2"}


def test_local_pair_is_followed_to_the_sip_phone_at_any_moment() -> None:
    tracker = CallTracker("pbx1")
    items = load(TRACES / "18-local-agent-two-bridges.ami.txt")
    caller_uid = None
    for _, e in replay(items, tracker=tracker):
        if isinstance(e, ev.PartiesBridged) and len(e.parties) == 2:
            caller_uid = next(p.uniqueid for p in e.parties if who(p) == CALLER)
            if {who(p) for p in e.parties} == {CALLER, "SIP/agent1101"}:
                break
    assert caller_uid is not None
    assert [who(p) for p in tracker.talking_with(caller_uid)] == ["SIP/agent1101"]


def test_hold_by_redirect_leaves_the_bridge_without_hanging_up_the_agent() -> None:
    events = run("22-hold-by-redirect-and-bridge")
    first, second = of(events, ev.PartiesBridged)
    assert first.bridge_id != second.bridge_id
    i1 = next(i for i, e in events if e is first)
    i2 = next(i for i, e in events if e is second)
    between = [e for i, e in events if i1 < i < i2]
    assert {who(e.channel) for e in between if isinstance(e, ev.ChannelLeftBridge)} == {
        CALLER, "SIP/agent1101"}
    assert not [e for e in between if isinstance(e, ev.ChannelHungUp)]


def test_agent_feature_code_reports_login_with_the_endpoint() -> None:
    [used] = of(run("20-agent-feature-code"), ev.AgentFeatureUsed)
    assert (used.feature, used.endpoint) == ("login", "SIP/agent1101")


def test_sip_agent_device_state_is_reported() -> None:
    states = [(e.device, e.state) for e in of(run("14-sip-agent"), ev.DeviceStateChanged)]
    assert [s for d, s in states if d == "SIP/agent1101"] == ["NOT_INUSE"]  # after the BYE


def test_restart_sends_no_hangup_and_the_resync_closes_the_lost_call() -> None:
    events = run("21-asterisk-restart")
    kinds = [type(e).__name__ for _, e in events]
    down = kinds.index("LinkDown")
    assert "ChannelHungUp" not in kinds[:down]  # Asterisk said nothing
    lost = of(events, ev.ChannelHungUp)
    assert len(lost) == 2 and all(e.lost for e in lost)
    assert {who(e.channel) for e in lost} == {CALLER, "Local/900@from-pstn;1"}
    [ended] = of(events, ev.CallEnded)
    assert ended.lost
    [resynced] = of(events, ev.Resynced)
    assert resynced.ended_calls == (ended.call_id,) and resynced.appeared_calls == ()
    assert resynced.channels == 0
    caller_lost = next(e for e in lost if who(e.channel) == CALLER)
    assert caller_lost.channel.interaction == "int-0001"


def test_ami_protocol_trace_lists_hints_and_keeps_utf8_user_event() -> None:
    events = run("13-ami-protocol")
    hints = {(e.exten, e.hint, e.status_text) for e in of(events, ev.ExtensionStateChanged)}
    assert ("1101", "SIP/agent1101", "Idle") in hints
    [user] = of(events, ev.UserEventReceived)
    assert user.name == "CTIHello" and "ñandú" in user.fields["Header"]
    [resynced] = of(events, ev.Resynced)  # a CoreShowChannels mid-call changes nothing
    assert resynced.ended_calls == () and resynced.appeared_calls == ()


ALL_MESSAGES = [m for p in sorted(TRACES.glob("*.ami.txt")) for m in load(p)
                if isinstance(m, dict)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, len(ALL_MESSAGES) - 1), max_size=600))
def test_tracker_survives_any_order_of_real_events(order: list[int]) -> None:
    """Events out of order, missing or from a stream joined mid-way never crash it."""
    tracker = CallTracker("pbx1")
    for i in order:
        for event in tracker.feed(ALL_MESSAGES[i]):
            assert event.node == "pbx1"
    tracker.resync([])
    assert tracker.channels() == []
