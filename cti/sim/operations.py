"""What AMI actions and the SimPbx API do to calls: originate, redirect, bridge, transfer."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from cti.sim.apps import APPS, start_dialplan
from cti.sim.channel import UNKNOWN, Channel, Why
from cti.sim.dial import create_destination, dial_event, dial_string, start_destination, wait_answer
from cti.sim.pbx import Core

#: OriginateResponse Reason by dial outcome
REASONS = {"ANSWER": 4, "BUSY": 5, "NOANSWER": 3, "CONGESTION": 8, "CHANUNAVAIL": 0}

_CALLERID = re.compile(r'^\s*(?:"?([^"<]*?)"?\s*)?<([^>]*)>\s*$')


def parse_callerid(text: str) -> tuple[str, str]:
    """'"Juan Perez" <5551234>' -> ("5551234", "Juan Perez")."""
    m = _CALLERID.match(text or "")
    if m:
        return m.group(2), (m.group(1) or "").strip()
    return text.strip(), ""


@dataclass
class OriginateRequest:
    channel: str
    context: str = ""
    exten: str = ""
    priority: int = 1
    application: str = ""
    data: str = ""
    callerid: str = ""
    timeout: float = 30.0
    variables: dict[str, str] = field(default_factory=dict)


async def originate(core: Core, req: OriginateRequest,
                    respond: Callable[[dict[str, object]], None]) -> None:
    """Place the call and report it like Asterisk's OriginateResponse."""
    num, name = parse_callerid(req.callerid)
    dest = create_destination(core, req.channel, None, None)
    target: dict[str, object] = (
        {"Application": req.application, "Data": req.data} if req.application
        else {"Context": req.context, "Exten": req.exten})
    if dest is None:
        respond({"Response": "Failure", "Channel": req.channel, **target, "Reason": 0,
                 "Uniqueid": UNKNOWN, "CallerIDNum": UNKNOWN, "CallerIDName": UNKNOWN})
        return
    core.chan_event("Newexten", dest, "dialplan,all", Extension=dest.exten,
                    Application="AppDial2", AppData="(Outgoing Line)")
    # channel variables first, then caller id, half by half (10-click-to-dial)
    for key, value in req.variables.items():
        core.var_set(dest, key, value)
    if num or name:
        core.set_callerid(dest, num, name)
        core.set_connected(dest, num, name)
    two = dest.local_peer
    if two is not None:
        for key, value in req.variables.items():
            core.var_set(two, key, value)
        if num or name:
            core.set_ids(two, (num, name), (num, name))
    if dest.local_peer is not None:
        core.local_bridge(dest, dest.local_peer, dest.context, dest.exten)
    dial_event(core, "DialBegin", None, dest, DialString=dial_string(req.channel))
    watcher = _RingWatcher(core, dest)
    start_destination(core, dest)
    status = await wait_answer(core, dest, req.timeout)
    watcher.stop()
    if status != "ANSWER":
        # a refusal ends the dial (DialEnd); the originate timeout just hangs up
        if status != "NOANSWER":
            dial_event(core, "DialEnd", None, dest, DialStatus=status)
        core.hangup(dest, 19 if status == "NOANSWER" else 0, soft=False)
        respond({"Response": "Failure", "Channel": req.channel, **target,
                 "Reason": REASONS.get(status, 0), "Uniqueid": UNKNOWN,
                 "CallerIDNum": UNKNOWN, "CallerIDName": UNKNOWN})
        return
    dial_event(core, "DialEnd", None, dest, DialStatus="ANSWER")
    respond({"Response": "Success", "Channel": dest.name, **target, "Reason": 4,
             "Uniqueid": dest.uniqueid, "CallerIDNum": dest.cid_num,
             "CallerIDName": dest.cid_name})
    if dest.owner is not None:
        dest.owner.answered(core, dest)
    if req.application:
        dest.task = core.spawn(_run_app(core, dest, req.application, req.data))
    else:
        dest.context, dest.exten, dest.priority = req.context, req.exten, req.priority
        start_dialplan(core, dest)


class _RingWatcher:
    """Emit the DialState RINGING of an originated channel (there is no caller side)."""

    def __init__(self, core: Core, dest: Channel) -> None:
        self.core, self.dest = core, dest
        self._stopped = False
        dest.progress = _Tee(self._on)

    def _on(self, what: str) -> None:
        if what == "ringing" and not self._stopped:
            dial_event(self.core, "DialState", None, self.dest, DialStatus="RINGING")

    def stop(self) -> None:
        self._stopped = True


class _Tee(asyncio.Queue):  # type: ignore[type-arg]
    """A progress queue that also calls ``hook`` on every report."""

    def __init__(self, hook: Callable[[str], None]) -> None:
        super().__init__()
        self._hook = hook

    def put_nowait(self, item: str) -> None:
        self._hook(item)
        super().put_nowait(item)


async def _run_app(core: Core, ch: Channel, app: str, data: str) -> None:
    fn = APPS.get(app.lower())
    ch.app, ch.appdata = app, data
    try:
        if fn is not None:
            await fn(core, ch, data)
    except Exception:
        pass
    finally:
        ch.task = None
        if not ch.hung_up:
            core.destroy(ch)


def redirect(core: Core, ch: Channel, context: str, exten: str, priority: int,
             *, keep_bridge_peer: bool = False) -> None:
    """AMI Redirect (an async goto): the channel continues at context,exten,priority.

    A channel in a bridge is moved at once: Asterisk reports a Newexten at the new
    location with the application it was running (Dial, AppDial), then the
    BridgeLeave, and the PBX then runs from the *next* priority (recorded in
    09-requeue-by-redirect and 22-hold-by-redirect-and-bridge).
    """
    ch.after_bridge = False
    if ch.bridge is not None:
        if ch.variables.get("BRIDGEPEER"):
            core.var_set(ch, "BRIDGEPEER", "")
        ch.context, ch.exten, ch.priority = context, exten, priority
        core.chan_event("Newexten", ch, "dialplan,all", Extension=exten, Application=ch.app,
                        AppData=ch.appdata)
        core.bridge_leave(ch, collapse=not keep_bridge_peer)
        priority += 1
    if ch.task is not None and not ch.task.done():
        ch.redirect_to = (context, exten, priority)
        ch.signal(Why.REDIRECT)
    else:
        ch.context, ch.exten, ch.priority = context, exten, priority
        start_dialplan(core, ch)


async def bridge(core: Core, a: Channel, b: Channel) -> None:
    """AMI Bridge: take both channels out of what they do and join them.

    A channel taken from the dialplan continues at the next priority after the
    bridge (its BridgeEnter already shows it), also when the other party hangs up
    and the dialplan has that priority (else it hangs up, as in trace 22); each
    side's connected line becomes the other's caller id, and a Local ``;2`` passes
    that on to its ``;1`` half.
    """
    for ch in (a, b):
        if ch.bridge is not None:
            core.bridge_leave(ch, collapse=False)
    new = core.new_bridge()
    running = [ch for ch in (a, b) if ch.task is not None and not ch.task.done()]
    for ch in running:
        ch.signal(Why.BRIDGED)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    for ch in running:
        ch.priority += 1
        ch.after_bridge = True
    for ch in (a, b):
        if not ch.hung_up:
            core.bridge_enter(new, ch)
    for ch, other in ((a, b), (b, a)):
        if (ch.conn_num, ch.conn_name) != (other.cid_num, other.cid_name):
            core.set_connected(ch, other.cid_num, other.cid_name)
            one = ch.local_peer
            if one is not None and ch.name.endswith(";2") and not one.hung_up:
                core.set_callerid(one, other.cid_num, other.cid_name)


def blind_transfer(core: Core, ch: Channel, context: str, exten: str) -> bool:
    """AMI BlindTransfer of ``ch``: its bridge peer goes to exten@context, ``ch`` hangs up."""
    bridge_ = ch.bridge
    if bridge_ is None:
        return False
    peers = [c for c in bridge_.channels if c is not ch]
    fields = {"Result": "Success"}
    fields.update(ch.header("Transferer"))
    if peers:
        fields.update(peers[0].header("Transferee"))
    fields.update(bridge_.header())
    fields.update(IsExternal="Yes", Context=context, Extension=exten)
    core.emit("BlindTransfer", "call,all", fields)
    if peers:
        core.var_set(ch, "BLINDTRANSFER", peers[0].name)
        core.var_set(peers[0], "BLINDTRANSFER", ch.name)
    for peer in peers:
        redirect(core, peer, context, exten, 1, keep_bridge_peer=True)
    if ch.bridge is not None:
        core.bridge_leave(ch, collapse=False)
    core.hangup(ch, 16)
    return True


async def play_dtmf(core: Core, ch: Channel, digit: str, duration_ms: int) -> None:
    """AMI PlayDTMF: the digit reaches whoever listens on the far side (Local ;1 -> ;2)."""
    target = ch.local_peer if ch.local_peer is not None and ch.name.endswith(";1") else ch
    await asyncio.sleep(core.scaled(duration_ms / 1000))
    receive_dtmf(core, target, digit, duration_ms)


def receive_dtmf(core: Core, ch: Channel, digit: str, duration_ms: int = 200) -> None:
    if ch.hung_up:
        return
    core.chan_event("DTMFBegin", ch, "dtmf,all", Digit=digit, Direction="Received")
    core.chan_event("DTMFEnd", ch, "dtmf,all", Digit=digit, DurationMs=duration_ms,
                    Direction="Received")
    ch.dtmf.put_nowait(digit)


async def attended_transfer(core: Core, ch: Channel, context: str, exten: str) -> None:
    """AMI Atxfer, simplified: ring exten@context; on answer join it with ``ch``'s peer.

    Asterisk lets the transferer talk to the target first (a consultation call) and
    completes the transfer when the transferer hangs up; the simulator completes it
    as soon as the target answers.
    """
    bridge_ = ch.bridge
    peers = [c for c in bridge_.channels if c is not ch] if bridge_ else []
    dest = create_destination(core, f"Local/{exten}@{context}", ch.linkedid, ch)
    if dest is None or not peers:
        return
    dial_event(core, "DialBegin", ch, dest, DialString=f"{exten}@{context}")
    start_destination(core, dest)
    status = await wait_answer(core, dest, 30.0)
    dial_event(core, "DialEnd", ch, dest, DialStatus=status)
    if status != "ANSWER" or peers[0].hung_up:
        core.hangup(dest, 0, soft=False)
        return
    peer = peers[0]
    core.bridge_leave(peer, collapse=False)
    if ch.bridge is not None:
        core.bridge_leave(ch, collapse=False)
    new = core.new_bridge()
    core.bridge_enter(new, dest)
    core.bridge_enter(new, peer)
    core.hangup(ch, 16)
