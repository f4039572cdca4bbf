"""Supervisors on agents' calls: listen, whisper, barge (ChanSpy).

The supervisor's endpoint is Originated with Application ChanSpy, Data
``<agent's channel>,q`` plus ``w`` (whisper) or ``B`` (barge) (traces 12, 25).
A change of mode hangs up the spying leg and starts a new one: ChanSpy's DTMF
mode switch (``d``: 4, 5, 6) raises no AMI event, so the service could not tell
which mode is on. ``supervision.started`` / ``stopped`` are what Asterisk
reports (ChanSpyStart; ChanSpyStop or the spying leg's hang-up), not what was
asked: on a silent call ChanSpy ends only with the spied call (trace 12).
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from cti import events as ev
from cti.ami import events as ami
from cti.ami.commands import Hangup, Originate
from cti.errors import CommandRefused
from cti.routing.control import SpyLeg, agent_config, agent_leg, command, live_call, need
from cti.routing.errors import BadCommand
from cti.routing.items import Spy, StopSpying

if TYPE_CHECKING:
    from cti.routing.step import Step

#: mode -> ChanSpy options (q: no beep, w: whisper, B: barge).
SPY_OPTIONS = {"listen": "q", "whisper": "qw", "barge": "qB"}
#: Seconds the supervisor's phone rings before the spy attempt gives up.
SPY_RING_SECONDS = 30
_SPY_IDS = itertools.count(1)


@command
def spy(step: Step, cmd: Spy) -> dict[str, Any]:
    if cmd.mode not in SPY_OPTIONS:
        raise BadCommand(f"spy mode {cmd.mode!r}; use one of {', '.join(SPY_OPTIONS)}")
    supervisor = agent_config(step, cmd.supervisor_id)
    call = live_call(step, cmd.interaction_id)
    need(step, call, "spy", "talking")
    if cmd.supervisor_id == call.agent_id:
        raise BadCommand(f"{cmd.supervisor_id} is the agent on call {call.interaction_id}")
    spied = agent_leg(step, call)
    running = current(step, cmd.supervisor_id)
    if running is not None and (running.interaction_id, running.mode) == \
            (call.interaction_id, cmd.mode):
        return _view(running)
    if running is not None:
        _stop_leg(step, running, cmd.by)
    leg = SpyLeg(cmd.supervisor_id, call.interaction_id, call.agent_id, cmd.mode,
                 f"cti-spy-{next(_SPY_IDS)}", call.node, cmd.by)
    control = step.router.control
    control.spy_legs[leg.action_id] = leg
    control.spies[cmd.supervisor_id] = leg.action_id
    step.ami(_stub(leg), Originate(
        channel=supervisor.endpoint, action_id=leg.action_id, application="ChanSpy",
        data=f"{spied},{SPY_OPTIONS[cmd.mode]}", timeout_ms=SPY_RING_SECONDS * 1000,
        caller_id=f'"Supervision" <{supervisor.id}>'))
    return _view(leg)


@command
def stop(step: Step, cmd: StopSpying) -> dict[str, Any]:
    leg = current(step, cmd.supervisor_id)
    if leg is None:
        raise CommandRefused(f"{cmd.supervisor_id} is not listening to any call")
    _stop_leg(step, leg, cmd.by)
    return {**_view(leg), "status": "stopping"}


def current(step: Step, supervisor_id: str) -> SpyLeg | None:
    control = step.router.control
    action_id = control.spies.get(supervisor_id)
    return control.spy_legs.get(action_id) if action_id else None


def _stop_leg(step: Step, leg: SpyLeg, by: str) -> None:
    """Hang the spying leg up (at once, or when its Originate says which channel it is)."""
    control = step.router.control
    if control.spies.get(leg.supervisor_id) == leg.action_id:
        del control.spies[leg.supervisor_id]
    leg.stopping, leg.by = True, by
    if leg.channel is not None:
        step.ami(_stub(leg), Hangup(leg.channel))


def _stub(leg: SpyLeg) -> Any:
    """AMI requests of a spying leg run in order with those of the spied call."""
    return SimpleNamespace(interaction_id=leg.interaction_id, node=leg.node)


def _view(leg: SpyLeg) -> dict[str, Any]:
    return {"interaction_id": leg.interaction_id, "supervisor_id": leg.supervisor_id,
            "mode": leg.mode, "status": "spying" if leg.started else "ringing"}


def _stopped(step: Step, leg: SpyLeg) -> None:
    leg.started = False
    step.emit(ev.SupervisionStopped, interaction_id=leg.interaction_id, agent_id=leg.agent_id,
              node=leg.node, supervisor_id=leg.supervisor_id, mode=leg.mode, by=leg.by)


def _forget(step: Step, leg: SpyLeg) -> None:
    control = step.router.control
    control.spy_legs.pop(leg.action_id, None)
    if control.spies.get(leg.supervisor_id) == leg.action_id:
        del control.spies[leg.supervisor_id]


def _by_channel(step: Step, uniqueid: str) -> SpyLeg | None:
    return next((leg for leg in step.router.control.spy_legs.values()
                 if leg.uniqueid == uniqueid), None)


# --- what Asterisk reports ----------------------------------------------------------------


def on_originate_result(step: Step, result: ami.OriginateResult) -> None:
    leg = step.router.control.spy_legs.get(result.action_id)
    if leg is None:
        return
    if not result.success:
        _forget(step, leg)
        return
    leg.uniqueid, leg.channel = result.uniqueid or None, result.channel
    if leg.stopping:   # stopped (or replaced) while the supervisor's phone rang
        step.ami(_stub(leg), Hangup(result.channel))


def on_spy_started(step: Step, started: ami.SpyStarted) -> None:
    leg = _by_channel(step, started.spyer.uniqueid)
    if leg is None or leg.started:
        return
    leg.started = True
    step.emit(ev.SupervisionStarted, interaction_id=leg.interaction_id, agent_id=leg.agent_id,
              node=leg.node, supervisor_id=leg.supervisor_id, mode=leg.mode, by=leg.by)


def on_spy_stopped(step: Step, stopped: ami.SpyStopped) -> None:
    leg = _by_channel(step, stopped.spyer.uniqueid)
    if leg is not None and leg.started:
        _stopped(step, leg)


def on_hangup(step: Step, hungup: ami.ChannelHungUp) -> None:
    """The spying leg ended (ChanSpyStop may not have come before it)."""
    leg = _by_channel(step, hungup.channel.uniqueid)
    if leg is None:
        return
    _forget(step, leg)
    if leg.started:
        _stopped(step, leg)
