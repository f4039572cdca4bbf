"""Supervisors on the pure step: spy (listen, whisper, barge, a change of mode),
agents moved for them, wrap-up with a disposition, closed queues, the centre's mode."""

from __future__ import annotations

from datetime import UTC, datetime

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
    states,
    talking_call,
    waiting_call,
)

from cti.agi.memory_host import MemoryHost
from cti.ami import events as ami
from cti.cases.dispositions import UnknownDisposition
from cti.errors import CommandRefused
from cti.routing.errors import BadCommand
from cti.routing.items import (
    CloseQueue,
    OpenQueue,
    SetAgentState,
    SetCentreMode,
    Spy,
    StopSpying,
    WrapUp,
)
from cti.routing.upkeep import install


def _spy_leg(router, channels, effects, name="PJSIP/2001-00000010"):
    (sent,) = [a for a in ami_sent(effects) if a["Action"] == "Originate"]
    leg = channels.add(name, "PJSIP/2001", linkedid=f"1795000001.{len(channels.by_uniqueid)}")
    router.process(ami.OriginateResult(NODE, sent["ActionID"], True, 4, leg.name, leg.uniqueid,
                                       leg.call_id), at(11.0))
    return sent, leg


async def test_spy_originates_chanspy_and_a_change_of_mode_starts_a_new_leg() -> None:
    router, channels = make_router()
    call, agent_leg = talking_call(router, channels)
    _, effects = run(router, Spy(interaction_id="i-1", supervisor_id="s2001", mode="barge",
                                 by="s2001"), mono=10.0)
    sent, leg = _spy_leg(router, channels, effects)
    assert {k: sent[k] for k in ("Channel", "Application", "Data", "Async")} == {
        "Channel": "PJSIP/2001", "Application": "ChanSpy", "Data": f"{agent_leg.name},qB",
        "Async": "true"}
    effects = router.process(ami.SpyStarted(NODE, call.linkedid or "x", leg, agent_leg),
                             at(11.1))
    (started,) = events(effects)
    assert (started.TYPE, started.mode, started.supervisor_id, started.agent_id,
            started.interaction_id) == ("supervision.started", "barge", "s2001", "a1001", "i-1")

    # Whisper now: the barging leg is hung up, a whispering one originated.
    _, whisper = run(router, Spy(interaction_id="i-1", supervisor_id="s2001", mode="whisper",
                                 by="s2001"), mono=12.0)
    assert [(a["Action"], a.get("Channel"), a.get("Data")) for a in ami_sent(whisper)] == [
        ("Hangup", leg.name, None), ("Originate", "PJSIP/2001", f"{agent_leg.name},qw")]
    effects = router.process(ami.SpyStopped(NODE, "x", leg, agent_leg), at(12.1))
    assert [(e.TYPE, e.mode) for e in events(effects)] == [("supervision.stopped", "barge")]
    _sent, leg2 = _spy_leg(router, channels, whisper, name="PJSIP/2001-00000011")
    effects = router.process(ami.SpyStarted(NODE, "x", leg2, agent_leg), at(12.5))
    assert [(e.TYPE, e.mode) for e in events(effects)] == [("supervision.started", "whisper")]
    # The same mode again changes nothing.
    _, again = run(router, Spy(interaction_id="i-1", supervisor_id="s2001", mode="whisper",
                               by="s2001"), mono=13.0)
    assert ami_sent(again) == [] and events(again) == []


async def test_stop_spying_hangs_up_the_leg_and_stopped_comes_from_asterisk() -> None:
    router, channels = make_router()
    _call, agent_leg = talking_call(router, channels)
    _, effects = run(router, Spy(interaction_id="i-1", supervisor_id="s2001", mode="listen",
                                 by="s2001"), mono=10.0)
    sent, leg = _spy_leg(router, channels, effects)
    assert sent["Data"] == f"{agent_leg.name},q"
    router.process(ami.SpyStarted(NODE, "x", leg, agent_leg), at(11.1))
    _, effects = run(router, StopSpying(supervisor_id="s2001", by="s2001"), mono=15.0)
    assert ami_sent(effects) == [{"Action": "Hangup", "Channel": leg.name, "Cause": "16"}]
    assert events(effects) == []
    effects = hangup(router, channels, leg, 15.1)     # no ChanSpyStop before (trace 12)
    assert [(e.TYPE, e.by) for e in events(effects)] == [("supervision.stopped", "s2001")]
    with pytest.raises(CommandRefused, match="s2001 is not listening"):
        run(router, StopSpying(supervisor_id="s2001", by="s2001"))
    with pytest.raises(BadCommand, match="spy mode 'shout'"):
        run(router, Spy(interaction_id="i-1", supervisor_id="s2001", mode="shout", by="x"))


async def test_a_supervisor_moves_agents_and_who_did_it_is_recorded() -> None:
    router, _channels = make_router()
    answer_, effects = run(router, SetAgentState(agent_id="a1002", action="login",
                                                 reason="start of shift", by="s2001"))
    assert answer_["state"] == "NOT_READY"
    assert kinds(effects) == ["agent.state_changed", "agent.state_requested"]
    assert events(effects)[1].by == "s2001"
    _, effects = run(router, SetAgentState(agent_id="a1002", action="logout", by="s2001"))
    assert states(effects, "a1002") == ["LOGGED_OUT"]
    with pytest.raises(CommandRefused, match="a1002 is logged out"):
        run(router, SetAgentState(agent_id="a1002", action="pause", by="s2001"))
    with pytest.raises(BadCommand, match="agent action 'dance'"):
        run(router, SetAgentState(agent_id="a1002", action="dance", by="s2001"))


async def test_wrap_up_checks_the_queue_disposition_and_frees_the_agent() -> None:
    router, channels = make_router()
    call, _leg = talking_call(router, channels, agent_id="a1005", queue="complaints")
    hangup(router, channels, channels.by_uniqueid[call.uniqueid], 30.0)
    assert router.engine.agent("a1005").state.value == "WRAP_UP"   # until a disposition
    with pytest.raises(UnknownDisposition, match="'booked' is not one of queue complaints"):
        run(router, WrapUp(agent_id="a1005", disposition="booked", by="a1005"))
    with pytest.raises(UnknownDisposition, match="needs a disposition"):
        run(router, WrapUp(agent_id="a1005", by="a1005"))
    answer_, effects = run(router, WrapUp(agent_id="a1005", disposition="complaint-filed",
                                          notes="sent to the unit", by="a1005"), mono=40.0)
    assert answer_["state"] == "READY" and answer_["interaction_id"] == "i-1"
    assert kinds(effects) == ["agent.state_changed", "call.wrapped_up"]
    wrapped = events(effects)[1]
    assert (wrapped.disposition, wrapped.queue, wrapped.by, wrapped.notes) == (
        "complaint-filed", "complaints", "a1005", "sent to the unit")
    with pytest.raises(CommandRefused, match="not in wrap-up"):
        run(router, WrapUp(agent_id="a1005", disposition="complaint-filed", by="a1005"))


async def test_a_closed_queue_keeps_its_callers_and_diverts_new_ones_by_its_exit() -> None:
    router, channels = make_router()
    first = waiting_call(router, channels, iid="i-1", queue="billing")
    _, effects = run(router, CloseQueue(queue="billing", by="s2001"), mono=2.0)
    assert kinds(effects) == ["queue.closed"] and events(effects)[0].queue == "billing"
    # billing's exit is voicemail 8000@default: a new caller goes there.
    second = waiting_call(router, channels, iid="i-2", queue="billing", mono=3.0)
    assert router.engine.waiting("billing") == ["i-1"] and first.phase.value == "waiting"
    assert second.phase.value == "ended"
    # changes overflows to general; bookings' exit (callback) ends with a goodbye.
    third = waiting_call(router, channels, iid="i-3", queue="changes", mono=4.0)
    run(router, CloseQueue(queue="changes", by="s2001"))
    run(router, CloseQueue(queue="bookings", by="s2001"))
    fourth = waiting_call(router, channels, iid="i-4", queue="changes", mono=5.0)
    fifth = waiting_call(router, channels, iid="i-5", queue="bookings", mono=6.0)
    assert third.queue == "changes" and fourth.queue == "general"
    assert fifth.phase.value == "ended"
    _, effects = run(router, OpenQueue(queue="bookings", by="s2001"))
    assert kinds(effects) == ["queue.opened"]
    with pytest.raises(CommandRefused, match="queue bookings is open"):
        run(router, OpenQueue(queue="bookings", by="s2001"))


async def test_closed_queue_diversions_send_the_actions_and_facts() -> None:
    router, _channels = make_router()
    run(router, CloseQueue(queue="billing", by="s2001"))
    from cti.calls import LiveCall
    from cti.routing import Enqueue

    router.calls.add(LiveCall("i-9", NODE, "PJSIP/trunk-00000009", "u9"))
    effects = router.process(Enqueue("i-9", "billing", {}, 0, {}), at(1.0))
    assert ami_sent(effects) == [
        {"Action": "Setvar", "Channel": "PJSIP/trunk-00000009", "Variable": "CTI_MAILBOX",
         "Value": "8000@default"},
        {"Action": "Redirect", "Channel": "PJSIP/trunk-00000009", "Context": "cti-voicemail",
         "Exten": "s", "Priority": "1"}]
    diverted, ended = events(effects)
    assert (diverted.action, diverted.target, ended.outcome) == (
        "voicemail", "8000@default", "voicemail")


async def test_night_mode_closes_the_centre_for_the_ivr_and_is_kept_across_a_restart() -> None:
    router, _channels = make_router()
    _, effects = run(router, SetCentreMode(mode="night", by="s2001"))
    (changed,) = events(effects)
    assert (changed.mode, changed.previous, changed.by) == ("night", "normal", "s2001")
    with pytest.raises(BadCommand, match="centre mode 'party'"):
        run(router, SetCentreMode(mode="party", by="s2001"))
    fresh, _ = make_router()
    install(fresh, [], {"centre_mode": {"mode": "night"}, "queue:billing": {"closed": True},
                        "queue:vip": {"closed": False}})
    assert fresh.control.view() == {"mode": "night", "message": None,
                                    "closed_queues": ["billing"]}
    host = MemoryHost(mode="night")
    assert not host.is_open(datetime(2026, 5, 4, 10, tzinfo=UTC))
    assert host.centre_mode() == "night"
