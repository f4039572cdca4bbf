"""Hang-up, hold and resume, and pausing a call's recording.

AMI has no hold: the caller is sent to the held context (music) and the agent's
leg to the agent-held context (silence) with one Redirect and its ExtraChannel,
and joined again with the Bridge action (trace 22). The hold's time lands in
the offer's ``hold_seconds`` through ``CallResumed``, also when the hold ends
by a hang-up or a transfer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cti import events as ev
from cti.ami import events as ami
from cti.ami.commands import Bridge, Hangup, MixMonitorMute, Redirect
from cti.calls import Phase
from cti.errors import CommandRefused
from cti.routing.control import (
    Recording,
    agent_leg,
    command,
    end_hold,
    known_channel,
    live_call,
    need,
    parked,
)
from cti.routing.items import HangUp, Hold, PauseRecording, Resume, ResumeRecording

if TYPE_CHECKING:
    from cti.routing.step import Step


@command
def hang_up(step: Step, cmd: HangUp) -> dict[str, Any]:
    """End a talking call for everyone: its legs are hung up (the hang-ups close it)."""
    call = live_call(step, cmd.interaction_id)
    need(step, call, "hold", "talking")
    control = step.router.control
    legs = []
    if call.channel and not call.is_callback:
        legs.append(call.channel)
    if not legs or parked(step, call):
        legs.append(agent_leg(step, call))
    consult = control.consults.get(call.interaction_id)
    target = consult and known_channel(step, call.node, consult.target_uniqueid)
    if target:
        legs.append(target)
    step.emit(ev.CallHangupRequested, call, by=cmd.by)
    step.ami(call, *(Hangup(leg) for leg in legs))
    return {"interaction_id": call.interaction_id, "status": "hanging-up"}


@command
def hold(step: Step, cmd: Hold) -> dict[str, Any]:
    call = live_call(step, cmd.interaction_id)
    need(step, call, "hold", "talking")
    if call.held_at is not None:
        raise CommandRefused(f"call {call.interaction_id} is already on hold")
    if call.is_callback:
        raise CommandRefused(f"call {call.interaction_id} is an outbound call; hold it "
                             "from the phone")
    agent = agent_leg(step, call)
    dialplan = step.router.config.service.dialplan
    step.ami(call, Redirect(call.channel, dialplan.held_context, extra_channel=agent,
                            extra_context=dialplan.agent_held_context))
    step.router.control.parked[call.interaction_id] = cmd.by
    call.held_at = step.now.wall
    step.emit(ev.CallHeld, call, attempt=call.offers, by=cmd.by)
    return {"interaction_id": call.interaction_id, "status": "held"}


@command
def resume(step: Step, cmd: Resume) -> dict[str, Any]:
    call = live_call(step, cmd.interaction_id)
    need(step, call, "hold", "talking")
    control = step.router.control
    if call.interaction_id not in control.parked or call.held_at is None:
        raise CommandRefused(f"call {call.interaction_id} is not on hold")
    if call.interaction_id in control.consults:
        raise CommandRefused(f"call {call.interaction_id} is in a consult; complete or "
                             "cancel it")
    unpark(step, call, cmd.by)
    return {"interaction_id": call.interaction_id, "status": "talking"}


def unpark(step: Step, call: Any, by: str | None) -> None:
    """Join the held caller and the agent's leg again (AMI Bridge); the hold ends."""
    step.ami(call, Bridge(call.channel, agent_leg(step, call)))
    step.router.control.parked.pop(call.interaction_id, None)
    end_hold(step, call, "resumed", by)


# --- recording -------------------------------------------------------------------------


def _recording(step: Step, interaction_id: str) -> tuple[Any, Recording]:
    call = live_call(step, interaction_id)
    need(step, call, "hold", "talking")
    found = step.router.control.recordings.get(interaction_id)
    if found is None:
        raise CommandRefused(f"call {interaction_id} is not being recorded")
    return call, found


@command
def pause_recording(step: Step, cmd: PauseRecording) -> dict[str, Any]:
    call, rec = _recording(step, cmd.interaction_id)
    if rec.paused_at is not None:
        raise CommandRefused(f"the recording of call {call.interaction_id} is already paused")
    step.ami(call, MixMonitorMute(rec.channel, True, mixmonitor_id=rec.mixmonitor_id))
    rec.paused_at, rec.paused_by = step.now.wall, cmd.by
    step.emit(ev.RecordingPaused, call, by=cmd.by)
    return {"interaction_id": call.interaction_id, "recording": "paused"}


@command
def resume_recording(step: Step, cmd: ResumeRecording) -> dict[str, Any]:
    call, rec = _recording(step, cmd.interaction_id)
    if rec.paused_at is None:
        raise CommandRefused(f"the recording of call {call.interaction_id} is not paused")
    step.ami(call, MixMonitorMute(rec.channel, False, mixmonitor_id=rec.mixmonitor_id))
    paused_for = round(step.now.wall - rec.paused_at, 3)
    rec.paused_at = rec.paused_by = None
    step.emit(ev.RecordingResumed, call, by=cmd.by, paused_for=paused_for)
    return {"interaction_id": call.interaction_id, "recording": "running"}


def on_recording_started(step: Step, started: ami.RecordingStarted) -> None:
    """MixMonitor started on a channel of a live call (the connect step records)."""
    call = _call_of(step, started.channel)
    if call is None:
        return
    step.router.control.recordings[call.interaction_id] = Recording(
        started.channel.name, started.mixmonitor_id)
    step.emit(ev.RecordingStarted, call, file=started.file or None)


def on_recording_stopped(step: Step, stopped: ami.RecordingStopped) -> None:
    """The file is complete (StopMixMonitor, or the channel hung up: then the call may be
    closed already, and its channel's CTI_INTERACTION names it)."""
    call = _call_of(step, stopped.channel)
    if call is None:
        iid = stopped.channel.interaction
        rec = iid and step.router.control.recordings.pop(iid, None)
        if iid:
            if rec is not None and rec.paused_at is not None:
                step.emit(ev.RecordingResumed, interaction_id=iid, node=stopped.node,
                          by=None, paused_for=round(step.now.wall - rec.paused_at, 3))
            step.emit(ev.RecordingStopped, interaction_id=iid, node=stopped.node,
                      file=stopped.file or None)
        return
    rec = step.router.control.recordings.pop(call.interaction_id, None)
    if rec is None:
        return
    if rec.paused_at is not None:
        step.emit(ev.RecordingResumed, call, by=None,
                  paused_for=round(step.now.wall - rec.paused_at, 3))
    step.emit(ev.RecordingStopped, call, file=stopped.file or None)


def _call_of(step: Step, channel: ami.ChannelSnapshot) -> Any:
    calls = step.router.calls
    return calls.by_uniqueid(channel.uniqueid) or (
        calls.get(channel.interaction) if channel.interaction else None)


# --- hang-ups during a hold ----------------------------------------------------------


def before_hangup(step: Step, hungup: ami.ChannelHungUp) -> None:
    """Before the routing handler: the caller or the agent's leg of a parked call hung
    up. The hold is over (its time counted, ``how`` hangup); a caller left alone on
    hold after the agent's leg ended is hung up."""
    call = step.router.calls.by_uniqueid(hungup.channel.uniqueid)
    if call is None or call.phase is not Phase.TALKING:
        return
    end_hold(step, call, "hangup", None)   # a phone's own hold too
    if step.router.control.parked.pop(call.interaction_id, None) is None:
        return
    if hungup.channel.uniqueid == call.agent_uniqueid and call.channel and not hungup.lost:
        step.ami(call, Hangup(call.channel))
