"""The AMI actions of app_mixmonitor: MixMonitor, StopMixMonitor, MixMonitorMute.

Responses as apps/app_mixmonitor.c writes them: ``Response: Success`` with no
Message (and ``MixMonitorID`` only when the options carry ``i(VAR)``); the
events follow the response (23-recording-mixmonitor).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cti.sim import recording
from cti.sim.actions import Msg, action
from cti.sim.channel import Channel

if TYPE_CHECKING:
    from cti.sim.ami import AmiSession

_DIRECTIONS = ("read", "write", "both")
_TRUE = ("yes", "true", "y", "t", "1", "on")


@action("MixMonitor")
async def _mixmonitor(s: AmiSession, msg: Msg) -> None:
    ch = _channel(s, msg)
    if ch is None:
        return
    try:
        rec = recording.prepare(s.core, ch, msg.get("File", ""), msg.get("Options", ""))
    except recording.RecordingError as exc:
        s.error(msg, str(exc))
        return
    if rec.uid_variable:
        s.respond(msg, "Success", MixMonitorID=rec.id)
    else:
        s.respond(msg, "Success")
    recording.begin(s.core, rec)


@action("StopMixMonitor")
async def _stop_mixmonitor(s: AmiSession, msg: Msg) -> None:
    ch = _channel(s, msg)
    if ch is None:
        return
    rec = recording.find(s.core, ch, msg.get("MixMonitorID", ""))
    if rec is None:
        s.error(msg, "Could not stop monitoring channel")
        return
    s.respond(msg, "Success")
    recording.stop(s.core, rec)


@action("MixMonitorMute")
async def _mixmonitor_mute(s: AmiSession, msg: Msg) -> None:
    direction = msg.get("Direction", "")
    if not direction:
        s.error(msg, "No direction specified. Must be read, write or both")
        return
    if direction.lower() not in _DIRECTIONS:
        s.error(msg, "Invalid direction specified. Must be read, write or both")
        return
    if not msg.get("Channel"):
        s.error(msg, "No channel specified")
        return
    state = msg.get("State", "")
    if not state:
        s.error(msg, "No state specified")
        return
    ch = s.channel(msg)
    if ch is None:
        s.error(msg, "No such channel")
        return
    rec = recording.find(s.core, ch, msg.get("MixMonitorID", ""))
    if rec is None:
        s.error(msg, "Cannot set mute flag")
        return
    muted = state.strip().lower() in _TRUE
    recording.mute(s.core, rec, muted)
    s.respond(msg, "Success")
    s.core.chan_event("MixMonitorMute", ch, Direction=direction, State=1 if muted else 0)


def _channel(s: AmiSession, msg: Msg) -> Channel | None:
    if not msg.get("Channel"):
        s.error(msg, "No channel specified")
        return None
    ch = s.channel(msg)
    if ch is None:
        s.error(msg, "No such channel")
    return ch
