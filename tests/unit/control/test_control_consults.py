"""Attended transfer done by the service: consult, complete, cancel, and a consult the
target does not answer, on the pure step."""

from __future__ import annotations

import pytest
from control_support import (
    NODE,
    agent,
    ami_sent,
    at,
    events,
    hangup,
    kinds,
    make_router,
    run,
    states,
    talking_call,
)

from cti.ami import events as ami
from cti.calls import Phase
from cti.errors import CommandRefused
from cti.routing.errors import BadCommand
from cti.routing.items import CancelConsult, CompleteTransfer, Consult


def _consult_to_a1008(router, channels):
    call, leg = talking_call(router, channels)
    agent(router, "a1008", mono=5.0)
    _, effects = run(router, Consult(interaction_id="i-1", agent_id="a1008", by="a1001"),
                     mono=10.0)
    return call, leg, effects


def _target_answers(router, channels, leg, mono):
    target = channels.add("PJSIP/1008-000000aa", "PJSIP/1008")
    router.process(ami.DialBegan(NODE, leg.call_id, leg, target, "PJSIP/1008"), at(mono))
    effects = router.process(ami.DialEnded(NODE, leg.call_id, leg, target, "ANSWER"),
                             at(mono + 1))
    return target, effects


async def test_consult_parks_the_caller_and_sends_the_agent_leg_to_dial_the_target() -> None:
    router, channels = make_router()
    call, leg, effects = _consult_to_a1008(router, channels)
    assert ami_sent(effects) == [
        {"Action": "Setvar", "Channel": leg.name, "Variable": "CTI_CONSULT_TARGET",
         "Value": "PJSIP/1008"},
        {"Action": "Setvar", "Channel": leg.name, "Variable": "CTI_CONSULT_OF", "Value": "i-1"},
        {"Action": "Redirect", "Channel": call.channel, "Context": "cti-held", "Exten": "s",
         "Priority": "1", "ExtraChannel": leg.name, "ExtraContext": "cti-consult",
         "ExtraExten": "s", "ExtraPriority": "1"}]
    assert kinds(effects) == ["call.held", "call.consult_started"]
    assert router.engine.agent("a1008").device.value == "in_use"   # no ACD offer meanwhile
    _target, effects = _target_answers(router, channels, leg, 12.0)
    assert kinds(effects) == ["call.consult_answered"]
    assert call.phase is Phase.TALKING and call.agent_id == "a1001"


async def test_complete_bridges_caller_and_target_then_hangs_up_the_agent_leg() -> None:
    router, channels = make_router()
    call, leg, _ = _consult_to_a1008(router, channels)
    with pytest.raises(CommandRefused, match="has not answered the consult yet"):
        run(router, CompleteTransfer(interaction_id="i-1", by="a1001"))
    target, _ = _target_answers(router, channels, leg, 12.0)
    _, effects = run(router, CompleteTransfer(interaction_id="i-1", by="a1001"), mono=20.0)
    assert ami_sent(effects) == [
        {"Action": "Bridge", "Channel1": call.channel, "Channel2": target.name, "Tone": "no"},
        {"Action": "Hangup", "Channel": leg.name, "Cause": "16"}]
    assert kinds(effects) == ["call.resumed", "call.consult_ended", "call.transferred",
                              "call.agent_left", "agent.state_changed"]
    resumed, ended, moved = events(effects)[:3]
    assert (resumed.how, resumed.held_for) == ("transfer", 10.0)
    assert (ended.result, moved.kind, moved.target, moved.by) == (
        "completed", "attended", "a1008", "a1001")
    assert states(effects, "a1001") == ["WRAP_UP"]
    assert events(hangup(router, channels, leg, 20.5)) == []      # the agent's leg goes
    effects = hangup(router, channels, channels.by_uniqueid[call.uniqueid], 40.0)
    assert events(effects, "call.ended")[0].outcome == "transferred"


async def test_cancel_takes_the_caller_back_and_drops_the_target() -> None:
    router, channels = make_router()
    call, leg, _ = _consult_to_a1008(router, channels)
    target, _ = _target_answers(router, channels, leg, 12.0)
    _, effects = run(router, CancelConsult(interaction_id="i-1", by="a1001"), mono=15.0)
    assert ami_sent(effects) == [
        {"Action": "Bridge", "Channel1": call.channel, "Channel2": leg.name, "Tone": "no"},
        {"Action": "Hangup", "Channel": target.name, "Cause": "16"}]
    assert [(e.TYPE, getattr(e, "result", None)) for e in events(effects)] == [
        ("call.resumed", None), ("call.consult_ended", "cancelled")]
    assert events(hangup(router, channels, target, 15.5)) == []
    assert call.phase is Phase.TALKING and router.engine.agent("a1001").state.value == "ON_CALL"


async def test_a_consult_nobody_answers_gives_the_caller_back_to_the_agent() -> None:
    router, channels = make_router()
    call, leg, _ = _consult_to_a1008(router, channels)
    effects = router.process(ami.UserEventReceived(
        NODE, "CTIConsultResult", {"Interaction": "i-1", "DialStatus": "NOANSWER"}, leg),
        at(40.0))
    assert ami_sent(effects) == [{"Action": "Bridge", "Channel1": call.channel,
                                  "Channel2": leg.name, "Tone": "no"}]
    ended = events(effects, "call.consult_ended")[0]
    assert (ended.result, ended.dial_status) == ("failed", "NOANSWER")
    assert "i-1" not in router.control.consults and "i-1" not in router.control.parked


async def test_consult_needs_one_target_and_a_valid_number() -> None:
    router, channels = make_router()
    talking_call(router, channels)
    with pytest.raises(BadCommand, match="exactly one target"):
        run(router, Consult(interaction_id="i-1", by="a1001"))
    _, effects = run(router, Consult(interaction_id="i-1", number="+351 912 345 678",
                                     by="a1001"))
    assert ami_sent(effects)[0]["Value"] == "PJSIP/+351912345678@trunk"
    with pytest.raises(CommandRefused, match="already in a consult"):
        run(router, Consult(interaction_id="i-1", agent_id="a1008", by="a1001"))
