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
PRESSES_1 = [(CALLER, "1")]  # the IVR's GET DATA: the caller presses 1
MIXMON_FILE = "/var/spool/asterisk/monitor/cti-int-0001.wav"
MIXMON_ID = "0x7f6008025f00"


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
    dtmf: list[tuple[str, str]] = field(default_factory=list)  # who pressed, digit
    #: the CTI_INTERACTION tags seen on bridged parties
    interactions: set[str] = field(default_factory=lambda: {"int-0001"})
    recordings: list[tuple[str, str, str, str | None]] = field(
        default_factory=list)  # started/stopped, channel, file, MixMonitor ID
    spies: list[tuple[str, str, str]] = field(default_factory=list)  # started/stopped, spyer, spyee
    amd: list[tuple[str, str, str, str]] = field(
        default_factory=list)  # interaction, status, cause, channel


EXPECTED: dict[str, Story] = {
    "01-answer-agent-hangs-up": Story(
        dials=[(CALLER, "Local/1001@agents;1", "ANSWER")],
        talks=[{CALLER, "Local/1001@agents;1"}],
        ended=[("Local/1001@agents", 16)],  # the agent hangs up
        dtmf=PRESSES_1,
    ),
    "02-noanswer-then-answer-caller-hangs-up": Story(
        dials=[(CALLER, "Local/1002@agents;1", "NOANSWER"),
               (CALLER, "Local/1001@agents;1", "ANSWER")],
        dial_results=["NOANSWER"],
        talks=[{CALLER, "Local/1001@agents;1"}],
        ended=[(CALLER_SIDE, 16)],
        dtmf=PRESSES_1,
    ),
    "03-busy-then-abandon-in-hold": Story(
        dials=[(CALLER, "Local/1003@agents;1", "BUSY")],
        dial_results=["BUSY"],
        ended=[(CALLER_SIDE, 16)],
        dtmf=PRESSES_1,
    ),
    "04-unavailable-and-congestion": Story(
        dials=[(CALLER, "Local/1004@agents;1", "CONGESTION")],  # SIP/agent1199: no dial
        dial_results=["CHANUNAVAIL", "CONGESTION"],
        ended=[(CALLER_SIDE, 16)],
        dtmf=PRESSES_1,
    ),
    "05-abandon-while-ringing": Story(
        dials=[(CALLER, "Local/1002@agents;1", "CANCEL")],
        ended=[(CALLER_SIDE, 16)],
        dtmf=PRESSES_1,
    ),
    "06-hangup-during-ivr": Story(ended=[(CALLER_SIDE, 16)]),  # hangs up before pressing
    "07-redirect-during-hold-agi": Story(
        dials=[(CALLER, "Local/1001@agents;1", "ANSWER")],
        talks=[{CALLER, "Local/1001@agents;1"}],
        ended=[(CALLER_SIDE, 16)],
        dtmf=PRESSES_1,
    ),
    "08-blind-transfer": Story(
        dials=[(CALLER, "Local/1001@agents;1", "ANSWER")],
        talks=[{CALLER, "Local/1001@agents;1"}],
        ended=[(CALLER_SIDE, 16)],
        dtmf=PRESSES_1,
    ),
    "09-requeue-by-redirect": Story(
        dials=[(CALLER, "Local/1001@agents;1", "ANSWER"),
               (CALLER, "Local/2001@agents;1", "ANSWER")],
        talks=[{CALLER, "Local/1001@agents;1"}, {CALLER, "Local/2001@agents;1"}],
        ended=[(CALLER_SIDE, 16)],
        dtmf=PRESSES_1,
    ),
    "10-click-to-dial": Story(
        dials=[("Local/1001@agents;1", "Local/5559876@customers;1", "ANSWER")],
        talks=[{"Local/1001@agents;1", "Local/5559876@customers;1"}],
        ended=[("Local/1001@agents", 16)],  # the agent hangs up
        interactions={"int-0100"},
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
        dtmf=PRESSES_1,
        # the spied Local channel is silent: ChanSpy ends only with the caller's call
        spies=[("started", "SIP/agent1102", "Local/1001@agents;1"),
               ("stopped", "SIP/agent1102", "Local/1001@agents;1")],
    ),
    "13-ami-protocol": Story(ended=[(CALLER_SIDE, 16)], dtmf=PRESSES_1),
    "14-sip-agent": Story(
        dials=[(CALLER, "SIP/agent1101", "ANSWER")],
        talks=[{CALLER, "SIP/agent1101"}],
        ended=[(CALLER_SIDE, 16)],
        dtmf=PRESSES_1,
    ),
    "15-sip-inbound": Story(ended=[("SIP/127.0.0.1", 0)], originates=[]),  # no digit
    "16-bad-login": Story(calls=0, originates=[]),
    "17-concurrent-calls": Story(
        calls=2,
        dials=[("Local/901@from-pstn;2", "SIP/agent1101", "ANSWER"),
               (CALLER, "Local/1001@agents;1", "ANSWER")],
        talks=[{"Local/901@from-pstn;2", "SIP/agent1101"}, {CALLER, "Local/1001@agents;1"}],
        ended=[("Local/901@from-pstn", 16), (CALLER_SIDE, 16)],  # Ana first, then Juan
        originates=[(True, 4), (True, 4)],
        dtmf=[(CALLER, "1"), ("Local/901@from-pstn;2", "2")],  # Juan presses 1, Ana 2
    ),
    "18-local-agent-two-bridges": Story(
        dials=[("Local/1101@agent-dial;2", "SIP/agent1101", "ANSWER"),
               (CALLER, "Local/1101@agent-dial;1", "ANSWER")],
        # the first bridge (caller + the Local pipe) forms while the ;2 still runs
        # Dial(): nobody talks yet; once the second bridge forms, the Local pair is
        # followed through to the SIP phone.
        talks=[{CALLER, "SIP/agent1101"}],
        ended=[(CALLER_SIDE, 16)],
        dtmf=PRESSES_1,
    ),
    "19-agi-errors": Story(ended=[(CALLER_SIDE, 0)],
                           dtmf=[(CALLER, d) for d in "4321"]),  # GET DATA of 4 digits
    "20-agent-feature-code": Story(ended=[("SIP/agent1101", 16)], originates=[]),
    "21-asterisk-restart": Story(ended=[(CALLER_SIDE, 0)],  # closed by the resync
                                 dtmf=PRESSES_1),
    "22-hold-by-redirect-and-bridge": Story(
        dials=[(CALLER, "SIP/agent1101", "ANSWER")],
        talks=[{CALLER, "SIP/agent1101"}, {CALLER, "SIP/agent1101"}],
        ended=[(CALLER_SIDE, 16)],
        dtmf=PRESSES_1,
    ),
    "23-recording-mixmonitor": Story(
        dials=[(CALLER, "SIP/agent1101", "ANSWER")],
        talks=[{CALLER, "SIP/agent1101"}],
        ended=[(CALLER_SIDE, 16)],  # the caller hangs up 1 s after the stop
        dtmf=PRESSES_1,
        # the path only in VarSet MIXMONITOR_FILENAME, the ID in the i() variable
        recordings=[("started", CALLER, MIXMON_FILE, MIXMON_ID),
                    ("stopped", CALLER, MIXMON_FILE, MIXMON_ID)],
    ),
    "24-outbound-amd": Story(
        calls=3,
        # NOTSURE and HUMAN are redirected to agent 1001, who answers and hangs up
        dials=[("SIP/trunk", "Local/1001@agents;1", "ANSWER")] * 2,
        talks=[{"SIP/trunk", "Local/1001@agents;1"}] * 2,
        ended=[("Local/1001@agents", 16), ("Local/1001@agents", 16),
               ("SIP/trunk", 16)],  # the MACHINE is hung up by the dialplan
        originates=[(True, 4)] * 3,
        interactions={"int-0241", "int-0242"},
        amd=[("int-0241", "NOTSURE", "TOOLONG-4900", "SIP/trunk"),
             ("int-0242", "HUMAN", "HUMAN-800-800", "SIP/trunk"),
             ("int-0243", "MACHINE", "MAXWORDS-3-2", "SIP/trunk")],
    ),
    "25-supervisor-whisper-barge": Story(
        calls=4,  # the caller's, and one per supervisor Originate
        dials=[(CALLER, "SIP/agent1101", "ANSWER")],
        talks=[{CALLER, "SIP/agent1101"}],
        ended=[("SIP/agent1102", 16), ("SIP/agent1102", 16), ("Local/2001@agents", 16),
               (CALLER_SIDE, 16)],
        originates=[(True, 4)] * 4,
        # the supervisor on Local/2001 changes mode with DTMF 5, 6, 4: nothing else shows
        dtmf=[(CALLER, "1"), ("Local/2001@agents;1", "5"), ("Local/2001@agents;1", "6"),
              ("Local/2001@agents;1", "4")],
        spies=[("started", "SIP/agent1102", "SIP/agent1101"),  # qB: barge
               ("stopped", "SIP/agent1102", "SIP/agent1101"),
               ("started", "SIP/agent1102", "SIP/agent1101"),  # qw: whisper
               ("stopped", "SIP/agent1102", "SIP/agent1101"),
               ("started", "Local/2001@agents;1", "SIP/agent1101"),  # qd: DTMF modes
               ("stopped", "Local/2001@agents;1", "SIP/agent1101")],
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
    assert [(who(e.channel), e.digit) for e in of(events, ev.DtmfReceived)] == story.dtmf
    recordings = [("started" if isinstance(e, ev.RecordingStarted) else "stopped",
                   who(e.channel), e.file, e.mixmonitor_id)
                  for _, e in events if isinstance(e, ev.RecordingStarted | ev.RecordingStopped)]
    assert recordings == story.recordings
    spies = [("started" if isinstance(e, ev.SpyStarted) else "stopped",
              who(e.spyer), who(e.spyee))
             for _, e in events if isinstance(e, ev.SpyStarted | ev.SpyStopped)]
    assert spies == story.spies
    assert [(e.interaction, e.status, e.cause, who(e.channel))
            for e in of(events, ev.AmdDecided)] == story.amd
    assert all(e.node == "pbx1" for _, e in events)


@pytest.mark.parametrize("name", [n for n, s in EXPECTED.items() if s.talks])
def test_bridged_caller_carries_its_interaction(name: str) -> None:
    """The routing loop finds the interaction on the bridged caller's snapshot."""
    bridged = of(run(name), ev.PartiesBridged)
    callers = [p for e in bridged for p in e.parties if p.interaction]
    assert callers and {p.interaction for p in callers} == EXPECTED[name].interactions


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


def test_recording_names_the_file_and_id_announced_before_the_start() -> None:
    events = run("23-recording-mixmonitor")
    [started] = of(events, ev.RecordingStarted)
    [stopped] = of(events, ev.RecordingStopped)
    [bridged] = of(events, ev.PartiesBridged)
    assert started.call_id == bridged.call_id == stopped.call_id
    assert started.channel.interaction == "int-0001"
    assert not stopped.by_hangup  # StopMixMonitor, 1 s before the caller hangs up
    index = {id(e): i for i, e in events}
    [hung] = [e for e in of(events, ev.ChannelHungUp) if who(e.channel) == CALLER]
    assert index[id(started)] < index[id(stopped)] < index[id(hung)]


def test_amd_decides_after_the_originate_answered_and_once_per_call() -> None:
    events = run("24-outbound-amd")
    index = {id(e): i for i, e in events}
    results = {r.call_id: r for r in of(events, ev.OriginateResult)}
    decided = of(events, ev.AmdDecided)
    assert len(decided) == 3 and len({d.call_id for d in decided}) == 3
    for amd in decided:
        assert index[id(results[amd.call_id])] < index[id(amd)]  # Reason 4 came first
    # the dialplan's UserEvent still reaches consumers, but adds no second decision
    assert [u.name for u in of(events, ev.UserEventReceived)] == ["CTIAmdResult"] * 3
    machine = decided[2]  # hung up by the dialplan, never offered to an agent
    [ended] = [e for e in of(events, ev.CallEnded) if e.call_id == machine.call_id]
    assert index[id(machine)] < index[id(ended)]
    assert not [d for d in of(events, ev.DialBegan)
                if d.call_id == machine.call_id and d.caller is not None]


def test_spying_names_the_spied_call_and_stops_before_the_spyer_hangs_up() -> None:
    events = run("25-supervisor-whisper-barge")
    index = {id(e): i for i, e in events}
    [caller_call] = {e.call_id for e in of(events, ev.PartiesBridged)}
    spies = [e for _, e in events if isinstance(e, ev.SpyStarted | ev.SpyStopped)]
    assert {e.call_id for e in spies} == {caller_call}
    for stop in of(events, ev.SpyStopped):
        [hung] = [h for h in of(events, ev.ChannelHungUp)
                  if h.channel.uniqueid == stop.spyer.uniqueid]
        assert index[id(stop)] < index[id(hung)]
        assert stop.spyer.call_id != caller_call  # each supervisor leg is its own call


def test_spy_mode_changes_show_only_as_digits_on_the_spyer() -> None:
    events = run("25-supervisor-whisper-barge")
    kinds = [type(e).__name__ for _, e in events]
    third = [i for i, k in enumerate(kinds) if k in ("SpyStarted", "SpyStopped")][-2:]
    between = [e for e in [e for _, e in events][third[0] + 1:third[1]]
               if not isinstance(e, ev.DeviceStateChanged)]
    assert [(type(e).__name__, e.digit) for e in between] == [
        ("DtmfReceived", "5"), ("DtmfReceived", "6"), ("DtmfReceived", "4")]
    assert all(e.duration_ms == 200 for e in between)


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
