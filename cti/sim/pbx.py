"""The simulated PBX core: channels, Local pairs, bridges, hang-ups and the event stream.

Everything runs on one asyncio loop, so the order of events is the order in
which the code emits them. Applications (apps.py), Dial (dial.py), phones
(phones.py) and the AMI server (ami.py) call into this core.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cti.ami.codec import encode
from cti.sim.channel import (
    CAUSE_TXT,
    DOWN,
    RING,
    RINGING,
    UNKNOWN,
    UP,
    Bridge,
    Channel,
    Fields,
    Why,
)
from cti.sim.dialplan import Dialplan

Listener = Callable[[bytes, str], None]


class Core:
    """Channel registry and event emitter shared by every part of the simulator."""

    def __init__(self, dialplan: Dialplan, *, speed: float = 1.0,
                 channel_seq: dict[str, int] | None = None, uniqueid_seq: int = 0) -> None:
        self.dialplan = dialplan
        self.speed = speed
        self.globals: dict[str, str] = dict(dialplan.globals)
        self.channels: dict[str, Channel] = {}
        self.by_uniqueid: dict[str, Channel] = {}
        self.bridges: dict[str, Bridge] = {}
        self.listeners: list[Listener] = []
        self.device_states: dict[str, str] = {}
        self._seq: dict[str, itertools.count[int]] = {
            tech: itertools.count(start) for tech, start in (channel_seq or {}).items()}
        self._uniqueid = itertools.count(uniqueid_seq)
        self.started_at = 0.0
        self.tasks: set[asyncio.Task[Any]] = set()
        #: hooks the PBX facade installs (phones, AGI, callers)
        self.phone_for: Callable[[str], Any] = lambda _endpoint: None
        self.agi_override: tuple[str, int] | None = None
        self.counters: dict[str, int] = {}
        #: the monitor spool directory (MixMonitor files); None: a temporary one
        self.recordings_dir: Path | None = None
        #: every MixMonitor started, in order (cti.sim.recording.Recording)
        self.recordings: list[Any] = []
        from cti.sim.customers import CustomerBook  # customers -> phones -> this module

        #: the scripts of the numbers trunks reach (outbound customers)
        self.customers = CustomerBook()

    # -- time -------------------------------------------------------------

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def scaled(self, seconds: float) -> float:
        """Seconds of simulated time as seconds of loop time."""
        return seconds / self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(self.scaled(seconds))

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n

    # -- events -----------------------------------------------------------

    def emit(self, event: str, privilege: str, fields: Fields) -> None:
        if not self.listeners:
            return
        msg: dict[str, Any] = {"Event": event}
        if privilege:
            msg["Privilege"] = privilege
        msg.update(fields)
        data = encode(msg)
        category = privilege.split(",", 1)[0] if privilege else ""
        for listener in list(self.listeners):
            listener(data, category)

    def emit_raw(self, msg: dict[str, Any]) -> None:
        """Emit a message built by the caller (OriginateResponse, UserEvent from AMI)."""
        if not self.listeners:
            return
        data = encode(msg)
        privilege = str(msg.get("Privilege", ""))
        for listener in list(self.listeners):
            listener(data, privilege.split(",", 1)[0])

    def chan_event(self, event: str, ch: Channel, privilege: str = "call,all",
                   **extra: Any) -> None:
        fields = ch.header()
        fields.update(extra)
        self.emit(event, privilege, fields)

    def global_set(self, name: str, value: str) -> None:
        self.globals[name] = value
        self.emit("VarSet", "dialplan,all", {"Channel": "none", "Uniqueid": "none",
                                             "Variable": name, "Value": value})

    def var_set(self, ch: Channel, name: str, value: str) -> None:
        ch.variables[name] = value
        self.chan_event("VarSet", ch, "dialplan,all", Variable=name, Value=value)

    def set_state(self, ch: Channel, state: int) -> None:
        if ch.state == state:
            return
        ch.state = state
        if state == UP and ch.answered_at is None:
            ch.answered_at = self.now()
        self.chan_event("Newstate", ch)

    def device_state(self, device: str, state: str) -> None:
        if self.device_states.get(device) == state:
            return
        self.device_states[device] = state
        self.emit("DeviceStateChange", "call,all", {"Device": device, "State": state})

    def refresh_device(self, device: str) -> None:
        """Recompute a Local or phone device's state from its live channels."""
        if not device.startswith("Local/"):
            return
        alive = any(c.device == device and not c.hung_up for c in self.channels.values())
        self.device_state(device, "INUSE" if alive else "NOT_INUSE")

    # -- channels ---------------------------------------------------------

    def _next_seq(self, tech: str) -> int:
        counter = self._seq.get(tech)
        if counter is None:
            counter = self._seq[tech] = itertools.count(1)
        return next(counter)

    def new_uniqueid(self) -> str:
        return f"{int(time.time())}.{next(self._uniqueid)}"

    def new_channel(self, base: str, context: str, exten: str, *, state: int = DOWN,
                    linkedid: str | None = None, suffix: str = "", seq: int | None = None,
                    announce: bool = True) -> Channel:
        tech = base.split("/", 1)[0]
        seq = self._next_seq(tech) if seq is None else seq
        name = f"{base}-{seq:08x}{suffix}"
        uid = self.new_uniqueid()
        ch = Channel(name=name, uniqueid=uid, linkedid=linkedid or uid, context=context,
                     exten=exten, state=state, created_at=self.now())
        ch.arm()
        self.channels[name] = ch
        self.by_uniqueid[uid] = ch
        if announce:
            self.chan_event("Newchannel", ch)
        self.count("channels")
        return ch

    def new_local_pair(self, exten: str, context: str, linkedid: str | None) -> \
            tuple[Channel, Channel]:
        seq = self._next_seq("Local")
        base = f"Local/{exten}@{context}"
        one = self.new_channel(base, context, exten, linkedid=linkedid, suffix=";1", seq=seq)
        two = self.new_channel(base, context, exten, state=RING, linkedid=one.linkedid,
                               suffix=";2", seq=seq)
        one.local_peer, two.local_peer = two, one
        return one, two

    def local_bridge(self, one: Channel, two: Channel, context: str, exten: str) -> None:
        """LocalBridge: the pair is set up; LocalOptimization is No with the /n option."""
        fields: Fields = {}
        for prefix, ch in (("LocalOne", one), ("LocalTwo", two)):
            for key, value in ch.header().items():
                fields[prefix + key] = value
        optimize = "No" if "n" in one.local_options else "Yes"
        fields.update(Context=context, Exten=exten, LocalOptimization=optimize)
        self.emit("LocalBridge", "call,all", fields)

    def set_callerid(self, ch: Channel, num: str, name: str) -> None:
        ch.cid_num, ch.cid_name = num or UNKNOWN, name or UNKNOWN
        self.chan_event("NewCallerid", ch, **{"CID-CallingPres":
                                              "0 (Presentation Allowed, Not Screened)"})

    def set_ids(self, ch: Channel, cid: tuple[str, str], conn: tuple[str, str]) -> None:
        """Caller id and connected line changed together (one NewCallerid, one
        NewConnectedLine, both showing the new values)."""
        ch.cid_num, ch.cid_name = cid[0] or UNKNOWN, cid[1] or UNKNOWN
        ch.conn_num, ch.conn_name = conn[0] or UNKNOWN, conn[1] or UNKNOWN
        self.chan_event("NewCallerid", ch, **{"CID-CallingPres":
                                              "0 (Presentation Allowed, Not Screened)"})
        self.chan_event("NewConnectedLine", ch)

    def set_connected(self, ch: Channel, num: str, name: str) -> None:
        ch.conn_num, ch.conn_name = num or UNKNOWN, name or UNKNOWN
        self.chan_event("NewConnectedLine", ch)

    def find(self, name: str) -> Channel | None:
        return self.channels.get(name)

    def get_var(self, ch: Channel | None, name: str) -> str:
        if ch is not None and name in ch.variables:
            return ch.variables[name]
        return self.globals.get(name, "")

    # -- answer / progress ------------------------------------------------

    def answer(self, ch: Channel) -> None:
        """Answer ``ch``; for the ;2 half of a Local pair this answers the ;1 half too."""
        if ch.state == UP:
            return
        self.set_state(ch, UP)
        peer = ch.local_peer
        if peer is not None and not peer.hung_up and peer.state != UP:
            self.set_state(peer, UP)
            self.report(peer, "answer")

    def indicate_ringing(self, ch: Channel) -> None:
        """Ringing indicated on ``ch``: the ;1 half of a Local pair starts ringing."""
        peer = ch.local_peer
        if peer is not None and not peer.hung_up and peer.state not in (UP, RINGING):
            self.set_state(peer, RINGING)
            self.report(peer, "ringing")

    def report(self, ch: Channel, what: str) -> None:
        """Tell whoever dials ``ch`` about its progress (ringing, answer, busy, ...)."""
        if ch.progress is not None:
            ch.progress.put_nowait(what)

    # -- bridges ----------------------------------------------------------

    def new_bridge(self) -> Bridge:
        bridge = Bridge(str(uuid.uuid4()))
        self.bridges[bridge.uniqueid] = bridge
        self.emit("BridgeCreate", "call,all", bridge.header())
        return bridge

    def bridge_enter(self, bridge: Bridge, ch: Channel) -> None:
        bridge.channels.append(ch)
        ch.bridge = bridge
        fields = bridge.header()
        fields.update(ch.header())
        self.emit("BridgeEnter", "call,all", fields)
        if len(bridge.channels) == 2:
            a, b = bridge.channels
            self.var_set(a, "BRIDGEPEER", b.name)
            self.var_set(b, "BRIDGEPEER", a.name)
        for callback in ch.on_bridge:
            callback(ch, True)

    def refresh_bridge_peers(self, bridge: Bridge) -> None:
        """The bridge is set up again (an audiohook was attached or detached on a
        member: MixMonitor, ChanSpy): Asterisk sets BRIDGEPEER again on its members."""
        for member in list(bridge.channels):
            peer_name = member.variables.get("BRIDGEPEER")
            if peer_name:
                self.var_set(member, "BRIDGEPEER", peer_name)

    def bridge_leave(self, ch: Channel, *, collapse: bool = True) -> None:
        """Take ``ch`` out of its bridge; a two-party bridge left alone hangs up the other."""
        bridge = ch.bridge
        if bridge is None:
            return
        if len(bridge.channels) == 2:
            for other in bridge.channels:
                if other is not ch and other.variables.get("BRIDGEPEER"):
                    self.var_set(other, "BRIDGEPEER", "")
            if ch.variables.get("BRIDGEPEER"):
                self.var_set(ch, "BRIDGEPEER", "")
        bridge.channels.remove(ch)
        ch.bridge = None
        fields = bridge.header()
        fields.update(ch.header())
        self.emit("BridgeLeave", "call,all", fields)
        if not ch.hung_up:
            for callback in ch.on_bridge:
                callback(ch, False)
        if collapse and len(bridge.channels) == 1:
            other = bridge.channels[0]
            if not other.hung_up:
                self.bridge_leave(other, collapse=False)
                if not self._after_bridge_goto(other):
                    self.hangup(other, 16, soft=False)
        if not bridge.channels and self.bridges.pop(bridge.uniqueid, None) is not None:
            self.emit("BridgeDestroy", "call,all", bridge.header())

    def _after_bridge_goto(self, ch: Channel) -> bool:
        """A channel the Bridge action took from the dialplan goes on at the priority
        after the one it was at, when the dialplan has it (True); else it hangs up."""
        if not ch.after_bridge or ch.task is None or ch.task.done():
            return False
        ch.after_bridge = False
        if self.dialplan.find(ch.context, ch.exten, ch.priority) is None:
            return False
        ch.redirect_to = (ch.context, ch.exten, ch.priority)
        ch.signal(Why.REDIRECT)
        return True

    # -- hang-up ----------------------------------------------------------

    def hangup(self, ch: Channel, cause: int = 16, *, soft: bool = True) -> None:
        """Hang up ``ch``: a channel running an application stops it first."""
        if ch.hung_up:
            return
        ch.hangup_cause = cause
        if ch.task is not None and not ch.task.done() and ch.task is not _current_task():
            if soft:
                self.chan_event("SoftHangupRequest", ch, Cause=cause)
            ch.signal(Why.HANGUP)
            return
        self.destroy(ch)

    def request_hangup(self, ch: Channel, cause: int) -> None:
        """What the other half of a Local pair gets: a queued hang-up request."""
        if ch.hung_up:
            return
        self.chan_event("HangupRequest", ch, Cause=cause)
        ch.hangup_cause = cause
        if ch.task is not None and not ch.task.done() and ch.task is not _current_task():
            ch.queued_hangup = True
            ch.signal(Why.HANGUP)
        else:
            self.destroy(ch)

    def destroy(self, ch: Channel) -> None:
        """The end of a channel: leave its bridge, Hangup event, tell its Local half."""
        if ch.hung_up:
            return
        ch.hung_up = True
        ch.signal(Why.HANGUP)
        cause = ch.hangup_cause
        peer = ch.local_peer
        if peer is not None and not peer.hung_up and ch.name.endswith(";2"):
            # the ;2 half runs the dialplan: the ;1 half learns of its end first,
            # with the ;2 half's last DIALSTATUS as CHANLOCALSTATUS
            if ch.variables.get("DIALSTATUS"):
                self.var_set(peer, "CHANLOCALSTATUS", ch.variables["DIALSTATUS"])
            self.request_hangup_later(peer, cause)
            peer = None
        if ch.bridge is not None:
            self.bridge_leave(ch)
        self.chan_event("Hangup", ch, Cause=cause, **{"Cause-txt": CAUSE_TXT.get(cause, "Unknown")})
        self.channels.pop(ch.name, None)
        self.by_uniqueid.pop(ch.uniqueid, None)
        self.refresh_device(ch.device)
        if ch.progress is not None:
            ch.progress.put_nowait("hangup")
        for callback in ch.on_hangup:
            callback(ch)
        if peer is not None and not peer.hung_up:
            self.request_hangup(peer, cause)

    def far_end_hangup(self, ch: Channel, cause: int) -> None:
        """The far end of a SIP/PJSIP channel hung up (a BYE): a queued hang-up request
        without a cause, noticed by the PBX loop (15-sip-inbound)."""
        if ch.hung_up:
            return
        self.chan_event("HangupRequest", ch)
        ch.hangup_cause = cause
        if ch.task is not None and not ch.task.done():
            ch.queued_hangup = True
            ch.signal(Why.HANGUP)
        else:
            self.destroy(ch)

    def request_hangup_later(self, ch: Channel, cause: int) -> None:
        self.chan_event("HangupRequest", ch, Cause=cause)
        ch.hangup_cause = cause
        if ch.task is not None and not ch.task.done():
            ch.queued_hangup = True
            ch.signal(Why.HANGUP)
        else:
            asyncio.get_running_loop().call_soon(self._finish_peer, ch)

    def _finish_peer(self, ch: Channel) -> None:
        if not ch.hung_up:
            self.destroy(ch)

    def clear(self) -> None:
        """Forget every channel without events: what a restarted Asterisk looks like."""
        for ch in list(self.channels.values()):
            ch.hung_up = True
            ch.signal(Why.HANGUP)
            if ch.progress is not None:
                ch.progress.put_nowait("hangup")
        for task in list(self.tasks):
            task.cancel()
        self.channels.clear()
        self.by_uniqueid.clear()
        self.bridges.clear()
        self.device_states.clear()


def event_tv() -> str:
    """EventTV/SessionTV as Asterisk prints them: 2026-11-23T13:49:51.019+0000."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + \
        f".{int(now % 1 * 1000):03d}+0000"


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None
