"""Hold, resume, hang-up and recording pause on the pure routing step: the exact AMI
actions (trace 22's Redirect with ExtraChannel, then Bridge) and the facts."""

from __future__ import annotations

import pytest
from control_support import (
    NODE,
    ami_sent,
    at,
    events,
    hangup,
    kinds,
    make_router,
    run,
    talking_call,
    waiting_call,
)

from cti.ami import events as ami
from cti.calls import Phase
from cti.errors import CommandRefused, NoSuchCall
from cti.routing.errors import CallNotInPhase, ClientIdReused
from cti.routing.items import HangUp, Hold, PauseRecording, Resume, ResumeRecording


async def test_hold_parks_caller_and_agent_leg_with_one_redirect_then_bridge_resumes() -> None:
    router, channels = make_router()
    call, leg = talking_call(router, channels)
    answer_, effects = run(router, Hold(interaction_id="i-1", by="a1001"), mono=10.0)
    assert answer_ == {"interaction_id": "i-1", "status": "held"}
    assert ami_sent(effects) == [{
        "Action": "Redirect", "Channel": call.channel, "Context": "cti-held", "Exten": "s",
        "Priority": "1", "ExtraChannel": leg.name, "ExtraContext": "cti-agent-held",
        "ExtraExten": "s", "ExtraPriority": "1"}]
    (held,) = events(effects)
    assert (held.TYPE, held.by, held.attempt, held.agent_id) == ("call.held", "a1001", 1,
                                                                 "a1001")

    _, effects = run(router, Resume(interaction_id="i-1", by="a1001"), mono=14.5)
    assert ami_sent(effects) == [{"Action": "Bridge", "Channel1": call.channel,
                                  "Channel2": leg.name, "Tone": "no"}]
    (resumed,) = events(effects)
    assert (resumed.TYPE, resumed.held_for, resumed.how, resumed.by) == (
        "call.resumed", 4.5, "resumed", "a1001")
    assert call.phase is Phase.TALKING and call.held_at is None


async def test_hold_refusals_name_the_call_and_why() -> None:
    router, channels = make_router()
    with pytest.raises(NoSuchCall):
        run(router, Hold(interaction_id="nope", by="a1001"))
    call = waiting_call(router, channels)
    with pytest.raises(CallNotInPhase, match="call i-1 is waiting, not talking"):
        run(router, Hold(interaction_id="i-1", by="a1001"))
    router, channels = make_router()
    talking_call(router, channels)
    with pytest.raises(CommandRefused, match="is not on hold"):
        run(router, Resume(interaction_id="i-1", by="a1001"))
    run(router, Hold(interaction_id="i-1", by="a1001"))
    with pytest.raises(CommandRefused, match="already on hold"):
        run(router, Hold(interaction_id="i-1", by="a1001"))
    assert call.interaction_id == "i-1"


async def test_same_client_id_gets_the_first_answer_and_changes_nothing() -> None:
    router, channels = make_router()
    talking_call(router, channels)
    first, _effects = run(router, Hold(interaction_id="i-1", by="a1001", client_id="c1"))
    again, repeated = run(router, Hold(interaction_id="i-1", by="a1001", client_id="c1"))
    assert again == {**first, "repeated": True}
    assert ami_sent(repeated) == [] and events(repeated) == []
    with pytest.raises(ClientIdReused, match="'c1' was used for Hold, not Resume"):
        run(router, Resume(interaction_id="i-1", by="a1001", client_id="c1"))
    # Another user's c1 is another command.
    run(router, Resume(interaction_id="i-1", by="s2001", client_id="c1"))


async def test_hang_up_hangs_up_the_caller_and_records_who() -> None:
    router, channels = make_router()
    call, _leg = talking_call(router, channels)
    _, effects = run(router, HangUp(interaction_id="i-1", by="s2001"))
    assert ami_sent(effects) == [{"Action": "Hangup", "Channel": call.channel, "Cause": "16"}]
    assert [(e.TYPE, e.by) for e in events(effects)] == [("call.hangup_requested", "s2001")]


async def test_hang_up_of_a_held_call_hangs_up_both_legs() -> None:
    router, channels = make_router()
    call, leg = talking_call(router, channels)
    run(router, Hold(interaction_id="i-1", by="a1001"))
    _, effects = run(router, HangUp(interaction_id="i-1", by="a1001"))
    assert [a["Channel"] for a in ami_sent(effects)] == [call.channel, leg.name]


async def test_caller_hanging_up_on_hold_counts_the_hold_and_ends_the_call() -> None:
    router, channels = make_router()
    call, _leg = talking_call(router, channels)
    run(router, Hold(interaction_id="i-1", by="a1001"), mono=10.0)
    effects = hangup(router, channels, channels.by_uniqueid[call.uniqueid], mono=13.0)
    assert kinds(effects) == ["call.resumed", "call.agent_left", "call.ended",
                              "agent.state_changed"]
    assert events(effects)[0].how == "hangup" and events(effects)[0].held_for == 3.0
    assert events(effects, "call.ended")[0].outcome == "answered"


async def test_agent_hanging_up_on_hold_ends_the_hold_and_hangs_up_the_caller() -> None:
    router, channels = make_router()
    call, leg = talking_call(router, channels)
    run(router, Hold(interaction_id="i-1", by="a1001"), mono=10.0)
    effects = hangup(router, channels, leg, mono=12.0)
    assert kinds(effects)[:2] == ["call.resumed", "call.agent_left"]
    assert ami_sent(effects) == [{"Action": "Hangup", "Channel": call.channel, "Cause": "16"}]
    assert call.phase is Phase.AFTER_AGENT


async def test_recording_pause_mutes_the_mixmonitor_and_resume_counts_the_pause() -> None:
    router, channels = make_router()
    call, _leg = talking_call(router, channels)
    caller = channels.by_uniqueid[call.uniqueid]
    with pytest.raises(CommandRefused, match="is not being recorded"):
        run(router, PauseRecording(interaction_id="i-1", by="a1001"))
    effects = router.process(ami.RecordingStarted(NODE, caller.call_id, caller,
                                                  "/var/spool/asterisk/monitor/x.wav",
                                                  "0x7f6008025f00"), at(9.0))
    assert kinds(effects) == ["recording.started"]
    _, effects = run(router, PauseRecording(interaction_id="i-1", by="a1001"), mono=10.0)
    assert ami_sent(effects) == [{"Action": "MixMonitorMute", "Channel": call.channel,
                                  "Direction": "both", "State": "1",
                                  "MixMonitorID": "0x7f6008025f00"}]
    assert [(e.TYPE, e.by) for e in events(effects)] == [("recording.paused", "a1001")]
    with pytest.raises(CommandRefused, match="already paused"):
        run(router, PauseRecording(interaction_id="i-1", by="a1001"))
    _, effects = run(router, ResumeRecording(interaction_id="i-1", by="a1001"), mono=16.0)
    assert ami_sent(effects)[0]["State"] == "0"
    (resumed,) = events(effects)
    assert (resumed.TYPE, resumed.paused_for) == ("recording.resumed", 6.0)

