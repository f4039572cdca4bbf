"""CallTracker: raw AMI events in, the project's typed events out. Sans-I/O.

``feed(msg)`` takes one parsed AMI message (a ``dict`` from ``codec``) and
returns the events it caused, in order. It keeps, per node, the live
channels (with their ``CTI_*`` variables), the Local channel pairs, the
bridges and the calls (by Linkedid). ``resync(items)`` rebuilds that picture
from a CoreShowChannels answer after a reconnect and says what changed while
the link was down.

A message about a channel the tracker never saw (it joined a running
Asterisk, or a stale event after a resync) creates the channel from the
message's own fields; only a Hangup of an unknown channel is dropped, with a
warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from cti.ami.channels import Channel, NodeState
from cti.ami.events import (
    STATE_UP,
    AgentFeatureUsed,
    AmdDecided,
    AttendedTransferred,
    BlindTransferred,
    CallEnded,
    CallEvent,
    CallHeld,
    CallResumed,
    CallStarted,
    ChannelAnswered,
    ChannelHungUp,
    ChannelLeftBridge,
    ChannelSnapshot,
    DeviceStateChanged,
    DialBegan,
    DialEnded,
    DialResultReported,
    DtmfReceived,
    ExtensionStateChanged,
    InteractionTagged,
    OriginateResult,
    PartiesBridged,
    RecordingStarted,
    RecordingStopped,
    Resynced,
    SpyStarted,
    SpyStopped,
    UserEventReceived,
)
from cti.ami.monitoring import AmdResults, Recordings, Spies
from cti.ami.parties import behind, talkers, transfer_sides, who_hung_up

log = logging.getLogger(__name__)


class _DeadChannel(Exception):
    """An event about a channel that already hung up (Asterisk sends a few)."""

Msg = Mapping[str, str]

#: UserEvent names of dialplan/extensions_cti.conf [cti-features] -> feature.
AGENT_FEATURES = {
    "CTIAgentLogin": "login",
    "CTIAgentLogout": "logout",
    "CTIAgentReady": "ready",
    "CTIAgentPause": "pause",
}

#: Headers every channel event carries; what is left in a UserEvent is the user's.
_CHANNEL_HEADERS = frozenset({
    "Event", "Privilege", "UserEvent", "Channel", "ChannelState", "ChannelStateDesc",
    "CallerIDNum", "CallerIDName", "ConnectedLineNum", "ConnectedLineName", "Language",
    "AccountCode", "Context", "Exten", "Priority", "Uniqueid", "Linkedid", "ActionID",
})


def _only(channels: list[Channel]) -> Channel | None:
    """The one channel of a list; None when there is none or several (not ours to pick)."""
    return channels[0] if len(channels) == 1 else None


class CallTracker:
    """Follows channels, bridges and calls of one Asterisk node."""

    def __init__(self, node: str = "default") -> None:
        self.node = node
        self.state = NodeState(node)
        self._devices: dict[str, str] = {}
        self._extensions: dict[tuple[str, str], int] = {}
        self._recordings = Recordings()
        self._spies = Spies()
        self._amd = AmdResults()
        self._handlers: dict[str, Callable[[Msg], list[CallEvent]]] = {
            "Newchannel": self._on_newchannel,
            "Newstate": self._on_newstate,
            "NewCallerid": self._on_update,
            "NewConnectedLine": self._on_update,
            "Newexten": self._on_update,
            "VarSet": self._on_varset,
            "DialBegin": self._on_dial_begin,
            "DialEnd": self._on_dial_end,
            "BridgeCreate": self._on_bridge_create,
            "BridgeEnter": self._on_bridge_enter,
            "BridgeLeave": self._on_bridge_leave,
            "BridgeDestroy": self._on_bridge_destroy,
            "Hold": self._on_hold,
            "Unhold": self._on_unhold,
            "BlindTransfer": self._on_blind_transfer,
            "AttendedTransfer": self._on_attended_transfer,
            "LocalBridge": self._on_local_bridge,
            "Rename": self._on_rename,
            "Hangup": self._on_hangup,
            "DeviceStateChange": self._on_device_state,
            "ExtensionStatus": self._on_extension_status,
            "UserEvent": self._on_user_event,
            "OriginateResponse": self._on_originate_response,
            "MixMonitorStart": self._on_mixmonitor_start,
            "MixMonitorStop": self._on_mixmonitor_stop,
            "ChanSpyStart": self._on_chanspy_start,
            "ChanSpyStop": self._on_chanspy_stop,
            "DTMFEnd": self._on_dtmf_end,
        }

    # --- public API -------------------------------------------------------------------

    def feed(self, msg: Msg) -> list[CallEvent]:
        """Apply one AMI message; returns the events it caused (often none)."""
        handler = self._handlers.get(msg.get("Event", ""))
        if handler is None:
            return []
        try:
            return handler(msg)
        except _DeadChannel:
            return []
        except (KeyError, ValueError) as exc:
            log.warning("node %s: %s event without a usable %s field; ignored",
                        self.node, msg.get("Event"), exc)
            return []

    def resync(self, listed: Iterable[Msg], ended_at: float | None = None
               ) -> list[CallEvent]:
        """Rebuild the picture from CoreShowChannel items after a (re)connect.

        Channels known but not listed hung up while the link was down (a
        restarted Asterisk may send no Hangup): they get ``ChannelHungUp(lost=True)``
        and their calls ``CallEnded(lost=True)``, both with ``ended_at``, the
        time the link went down. Listed channels that were unknown are created
        (``CallStarted`` for new calls). Ends with ``Resynced``.
        """
        st = self.state
        listed = list(listed)
        present = {m["Uniqueid"] for m in listed if "Uniqueid" in m}
        out: list[CallEvent] = []
        ended: list[str] = []
        for uid in [u for u in st.channels if u not in present]:
            ch, call_over = st.remove(uid)
            snap = ch.snapshot()
            out.extend(self._ended_with(ch, snap))
            out.append(ChannelHungUp(self.node, ch.call_id, snap, 0,
                                     "gone while the AMI link was down", lost=True,
                                     ended_at=ended_at))
            if call_over:
                first = st.first_hangup.pop(ch.linkedid, (snap, 0))
                out.append(CallEnded(self.node, ch.call_id, first[0], first[1], lost=True,
                                     ended_at=ended_at))
                ended.append(ch.call_id)
        appeared: list[str] = []
        for m in listed:
            uid = m.get("Uniqueid")
            if not uid:
                continue
            ch = st.channels.get(uid)
            if ch is None:
                ch = Channel(self.node, uid, m.get("Linkedid", uid), m.get("Channel", ""))
                ch.update(m)
                if st.add(ch):
                    out.append(CallStarted(self.node, ch.call_id, ch.snapshot()))
                    appeared.append(ch.call_id)
            else:
                ch.update(m)
            bridge = m.get("BridgeId", "")
            if bridge:
                st.enter_bridge(ch, bridge)
            else:
                st.leave_bridge(ch)
        for bridge_id in [b for b, members in st.bridges.items() if not members]:
            del st.bridges[bridge_id]
        out.append(Resynced(self.node, tuple(ended), tuple(appeared), len(st.channels),
                            ended_at))
        return out

    def channel(self, uniqueid: str) -> ChannelSnapshot | None:
        ch = self.state.channels.get(uniqueid)
        return None if ch is None else ch.snapshot()

    def channels(self) -> list[ChannelSnapshot]:
        return [ch.snapshot() for ch in self.state.channels.values()]

    def talking_with(self, uniqueid: str) -> list[ChannelSnapshot]:
        """Who the channel talks to right now (Local pairs followed); [] if nobody."""
        st = self.state
        ch = st.channels.get(uniqueid)
        if ch is None:
            return []
        bridge = ch.bridge_id
        if bridge is None and ch.partner in st.channels:
            bridge = st.channels[ch.partner].bridge_id  # a Local ;2 running dialplan
        if bridge is None:
            return []
        return [p.snapshot() for p in talkers(st, bridge) if p.uniqueid != uniqueid]

    # --- helpers ----------------------------------------------------------------------

    def _get(self, msg: Msg, prefix: str = "") -> Channel:
        """The channel a message (or its ``prefix``ed block) is about; created if unknown."""
        uid = msg[prefix + "Uniqueid"]
        ch = self.state.channels.get(uid)
        if ch is None:
            if uid in self.state.dead:
                raise _DeadChannel(uid)
            ch = Channel(self.node, uid, msg.get(prefix + "Linkedid", uid),
                         msg.get(prefix + "Channel", ""))
            ch.update(msg, prefix)
            self.state.add(ch)
        return ch

    def _find(self, msg: Msg, prefix: str) -> Channel | None:
        uid = msg.get(prefix + "Uniqueid")
        return self.state.channels.get(uid) if uid else None

    # --- one handler per AMI event ----------------------------------------------------

    def _on_newchannel(self, msg: Msg) -> list[CallEvent]:
        """A channel is created; the first one of a Linkedid starts a call."""
        uid = msg["Uniqueid"]
        ch = self.state.channels.get(uid)
        if ch is not None:
            ch.update(msg)
            return []
        ch = Channel(self.node, uid, msg.get("Linkedid", uid), msg.get("Channel", ""))
        ch.update(msg)
        if self.state.add(ch):
            return [CallStarted(self.node, ch.call_id, ch.snapshot())]
        return []

    def _on_newstate(self, msg: Msg) -> list[CallEvent]:
        """ChannelState changed (4 ring, 5 ringing, 6 up); going Up is an answer."""
        ch = self._get(msg)
        was = ch.state
        ch.update(msg)
        if ch.state == STATE_UP and was != STATE_UP:
            return [ChannelAnswered(self.node, ch.call_id, ch.snapshot())]
        return []

    def _on_update(self, msg: Msg) -> list[CallEvent]:
        """Caller id, connected line, or dialplan position (and application) changed."""
        ch = self._get(msg)
        ch.update(msg)
        app = msg.get("Application")
        if app is not None:
            ch.app = app
        return []

    def _on_varset(self, msg: Msg) -> list[CallEvent]:
        """A channel variable was set. ``CTI_*`` ones are kept (IVR tags, endpoints);
        MixMonitor's file and ID and AMD()'s result are taken note of."""
        var = msg.get("Variable", "")
        uid = msg.get("Uniqueid", "none")
        if uid == "none" or uid in self.state.dead:
            return []  # "Channel: none" is a global variable
        if var == "MIXMONITOR_FILENAME" or uid in self._recordings.announced:
            self._get(msg)  # known from now on, so its hang-up clears the note
            self._recordings.variable_set(uid, var, msg.get("Value", ""))
        if var == "AMDSTATUS":
            self._get(msg)
            self._amd.status_set(uid, msg.get("Value", ""))
            return []
        if var == "AMDCAUSE":
            return self._amd_decided(msg)
        if not var.startswith("CTI_"):
            return []
        ch = self._get(msg)
        value = msg.get("Value", "")
        if ch.cti_vars.get(var) == value:
            return []
        ch.cti_vars[var] = value
        ch.changed()
        if var == "CTI_INTERACTION" and value:
            return [InteractionTagged(self.node, ch.call_id, ch.snapshot(), value)]
        return []

    def _dial_parties(self, msg: Msg) -> tuple[Channel | None, Channel]:
        caller = self._get(msg) if "Uniqueid" in msg else None
        target = self._get(msg, "Dest")
        target.update(msg, "Dest")
        if caller is not None:
            caller.update(msg)
        return caller, target

    def _on_dial_begin(self, msg: Msg) -> list[CallEvent]:
        """Dial() (or an Originate, with no caller) starts ringing DestChannel."""
        caller, target = self._dial_parties(msg)
        if caller is not None:
            self.state.dial_began(caller, target)
        self.state.first_hangup.pop(target.linkedid, None)
        return [DialBegan(self.node, target.call_id, caller and caller.snapshot(),
                          target.snapshot(), msg.get("DialString", ""))]

    def _on_dial_end(self, msg: Msg) -> list[CallEvent]:
        """A dial attempt ended with DialStatus (ANSWER, NOANSWER, BUSY, CANCEL, ...)."""
        caller, target = self._dial_parties(msg)
        status = msg.get("DialStatus", "")
        self.state.dial_ended(target, status == "ANSWER")
        if status != "ANSWER":
            self.state.dismiss(target)
        return [DialEnded(self.node, target.call_id, caller and caller.snapshot(),
                          target.snapshot(), status)]

    def _on_bridge_create(self, msg: Msg) -> list[CallEvent]:
        self.state.bridges.setdefault(msg["BridgeUniqueid"], {})
        return []

    def _on_bridge_enter(self, msg: Msg) -> list[CallEvent]:
        """A channel joins a bridge; with two or more real parties, say who talks to whom.

        SwapUniqueid names a channel this one replaces (its BridgeLeave follows).
        """
        ch = self._get(msg)
        ch.update(msg)
        bridge_id = msg["BridgeUniqueid"]
        self.state.enter_bridge(ch, bridge_id)
        self.state.first_hangup.pop(ch.linkedid, None)
        if len(self.state.bridges[bridge_id]) < 2:
            return []
        parties = talkers(self.state, bridge_id, swap=msg.get("SwapUniqueid"))
        if len(parties) < 2:
            return []
        return [PartiesBridged(self.node, ch.call_id, bridge_id,
                               tuple(p.snapshot() for p in parties))]

    def _on_bridge_leave(self, msg: Msg) -> list[CallEvent]:
        ch = self._find(msg, "")
        if ch is None or ch.bridge_id is None:
            return []
        self.state.leave_bridge(ch)
        return [ChannelLeftBridge(self.node, ch.call_id, msg["BridgeUniqueid"], ch.snapshot())]

    def _on_bridge_destroy(self, msg: Msg) -> list[CallEvent]:
        for uid in self.state.bridges.pop(msg["BridgeUniqueid"], {}):
            ch = self.state.channels.get(uid)
            if ch is not None:
                ch.bridge_id = None
        return []

    def _on_hold(self, msg: Msg) -> list[CallEvent]:
        ch = self._get(msg)
        return [CallHeld(self.node, ch.call_id, ch.snapshot())]

    def _on_unhold(self, msg: Msg) -> list[CallEvent]:
        ch = self._get(msg)
        return [CallResumed(self.node, ch.call_id, ch.snapshot())]

    def _on_blind_transfer(self, msg: Msg) -> list[CallEvent]:
        """An agent (or AMI BlindTransfer) sent the other party to Extension@Context."""
        transferer = self._find(msg, "Transferer")
        transferee = self._find(msg, "Transferee")
        anchor = transferee or transferer
        if transferer is not None:
            self.state.dismiss(transferer)
        if anchor is not None:
            self.state.first_hangup.pop(anchor.linkedid, None)
        call_id = anchor.call_id if anchor else f"{self.node}/{msg.get('TransfererLinkedid')}"
        return [BlindTransferred(
            self.node, call_id, transferer and transferer.snapshot(),
            transferee and transferee.snapshot(), msg.get("Context", ""),
            msg.get("Extension", ""), msg.get("Result", ""))]

    def _on_attended_transfer(self, msg: Msg) -> list[CallEvent]:
        """Attended transfer: who talked with OrigTransferer (the transferee) now talks
        with who talked with SecondTransferer (the target), or runs DestApp.

        Asterisk names Transferee / TransferTarget only when that side's bridge
        held two channels; otherwise they come from the bridges (parties.py).
        """
        st = self.state
        transferer = self._find(msg, "OrigTransferer")
        second = self._find(msg, "SecondTransferer")
        bridges = (msg.get("OrigBridgeUniqueid") or None, msg.get("SecondBridgeUniqueid") or None)
        excluded = {msg.get(f"{p}Uniqueid") for p in (
            "OrigTransferer", "SecondTransferer", "LocalOne", "LocalTwo")} - {None}
        first_side, second_side = transfer_sides(st, *bridges, excluded)

        def party(named: Channel | None, side: list[Channel]) -> Channel | None:
            if named is None:
                return _only(side)
            return _only(behind(st, named, seen=bridges)) or named

        transferee = party(self._find(msg, "Transferee"), first_side)
        target = party(self._find(msg, "TransferTarget"), second_side)
        anchor = transferee or transferer or target
        for leg in (transferer, second):
            if leg is not None:
                self.state.dismiss(leg)
        if anchor is not None:
            self.state.first_hangup.pop(anchor.linkedid, None)
        call_id = anchor.call_id if anchor else f"{self.node}/{msg.get('OrigTransfererLinkedid')}"
        return [AttendedTransferred(
            self.node, call_id, transferer and transferer.snapshot(),
            transferee and transferee.snapshot(), target and target.snapshot(),
            msg.get("DestType", ""), msg.get("Result", ""), msg.get("DestApp", ""))]

    def _on_local_bridge(self, msg: Msg) -> list[CallEvent]:
        """The two halves of a Local channel are linked (also paired by name on creation)."""
        one, two = self._find(msg, "LocalOne"), self._find(msg, "LocalTwo")
        if one is not None and two is not None:
            one.partner, two.partner = two.uniqueid, one.uniqueid
        return []

    def _on_rename(self, msg: Msg) -> list[CallEvent]:
        ch = self._find(msg, "")
        if ch is not None:
            ch.name = msg.get("Newname", ch.name)
            ch.changed()
        return []

    def _on_hangup(self, msg: Msg) -> list[CallEvent]:
        """A channel is gone; Cause is Q.850 (16 normal, 17 busy, 19 no answer, 0 unknown)."""
        ch = self.state.channels.get(msg["Uniqueid"])
        if ch is None:
            log.warning("node %s: Hangup for unknown channel %s (%s); ignored",
                        self.node, msg["Uniqueid"], msg.get("Channel"))
            self._recordings.forget(msg["Uniqueid"])
            self._amd.forget(msg["Uniqueid"])
            return []
        ch.update(msg)
        cause = int(msg.get("Cause") or 0)
        snap = ch.snapshot()
        if not ch.dismissed and ch.linkedid not in self.state.first_hangup:
            party = who_hung_up(self.state, ch)
            self.state.first_hangup[ch.linkedid] = (party.snapshot(), cause)
        _, call_over = self.state.remove(ch.uniqueid)
        out = self._ended_with(ch, snap)
        out.append(ChannelHungUp(self.node, ch.call_id, snap, cause, msg.get("Cause-txt", "")))
        if call_over:
            first = self.state.first_hangup.pop(ch.linkedid, (snap, cause))
            out.append(CallEnded(self.node, ch.call_id, first[0], first[1]))
        return out

    def _on_device_state(self, msg: Msg) -> list[CallEvent]:
        """Device state (INUSE, NOT_INUSE, RINGING, UNAVAILABLE...); repeats are dropped."""
        device, state = msg["Device"], msg["State"]
        if self._devices.get(device) == state:
            return []
        self._devices[device] = state
        return [DeviceStateChanged(self.node, device, state)]

    def _on_extension_status(self, msg: Msg) -> list[CallEvent]:
        key = (msg["Exten"], msg.get("Context", ""))
        status = int(msg.get("Status") or 0)
        if self._extensions.get(key) == status:
            return []
        self._extensions[key] = status
        return [ExtensionStateChanged(self.node, key[0], key[1], msg.get("Hint", ""),
                                      status, msg.get("StatusText", ""))]

    def _on_user_event(self, msg: Msg) -> list[CallEvent]:
        """UserEvent() from the dialplan: CTIDialResult and agent feature codes are typed."""
        name = msg.get("UserEvent", "")
        fields = {k: v for k, v in msg.items() if k not in _CHANNEL_HEADERS}
        ch = self._get(msg) if "Uniqueid" in msg else None
        snap = ch and ch.snapshot()
        out: list[CallEvent] = [UserEventReceived(self.node, name, fields, snap)]
        if name == "CTIDialResult":
            out.append(DialResultReported(
                self.node, ch and ch.call_id, fields.get("Interaction", ""),
                fields.get("Endpoint", ""), fields.get("DialStatus", ""), snap))
        elif name == "CTIAmdResult":
            status = fields.get("AmdStatus", "")
            if ch is not None and snap is not None and status and self._amd.user_event(
                    ch.uniqueid):
                out.append(AmdDecided(
                    self.node, ch.call_id, fields.get("Interaction") or snap.interaction or "",
                    status, fields.get("AmdCause", ""), snap))
        elif name in AGENT_FEATURES:
            # The contract sends Endpoint=${CUT(CHANNEL,-,1)} ("SIP/agent1101"); an older
            # dialplan sent the bare peer ("agent1101"): the channel's device is exact.
            endpoint = fields.get("Endpoint", "")
            if "/" not in endpoint and snap is not None:
                endpoint = snap.device
            out.append(AgentFeatureUsed(self.node, AGENT_FEATURES[name], endpoint, snap))
        return out

    def _on_originate_response(self, msg: Msg) -> list[CallEvent]:
        """The outcome of an Async Originate (matched by ActionID); Reason 4 = answered."""
        uid = msg.get("Uniqueid", "")
        ch = self.state.channels.get(uid) if uid else None
        reason = msg.get("Reason", "0")
        return [OriginateResult(
            self.node, msg.get("ActionID", ""), msg.get("Response") == "Success",
            int(reason) if reason.isdigit() else 0, msg.get("Channel", ""), uid,
            ch.call_id if ch else None)]

    # --- recording, supervision, AMD, DTMF ----------------------------------------------

    def _on_mixmonitor_start(self, msg: Msg) -> list[CallEvent]:
        """MixMonitor records the channel; its file and ID came in the VarSets before."""
        ch = self._get(msg)
        ch.update(msg)
        rec = self._recordings.started(ch.uniqueid)
        return [RecordingStarted(self.node, ch.call_id, ch.snapshot(), rec.file,
                                 rec.mixmonitor_id)]

    def _on_mixmonitor_stop(self, msg: Msg) -> list[CallEvent]:
        """StopMixMonitor ended a recording (the event names no file and no ID)."""
        ch = self._get(msg)
        ch.update(msg)
        rec = self._recordings.stopped(ch.uniqueid)
        return [RecordingStopped(self.node, ch.call_id, ch.snapshot(), rec.file,
                                 rec.mixmonitor_id)]

    def _on_chanspy_start(self, msg: Msg) -> list[CallEvent]:
        """ChanSpy: the Spyer channel listens to (whispers to, barges into) the Spyee."""
        spyer, spyee = self._get(msg, "Spyer"), self._get(msg, "Spyee")
        spyer.update(msg, "Spyer")
        spyee.update(msg, "Spyee")
        spied = spyee.snapshot()
        self._spies.started(spyer.uniqueid, spied)
        return [SpyStarted(self.node, spyee.call_id, spyer.snapshot(), spied)]

    def _on_chanspy_stop(self, msg: Msg) -> list[CallEvent]:
        """ChanSpy ended. The Spyee fields are missing when the spyee is gone. With a
        silent spyee it comes only when the spied call ends (trace 12)."""
        spyer = self._get(msg, "Spyer")  # a spyer already hung up raises _DeadChannel
        spyer.update(msg, "Spyer")
        was = self._spies.stopped(spyer.uniqueid)
        now = self._find(msg, "Spyee")
        spyee = now.snapshot() if now is not None else was
        call_id = spyee.call_id if spyee is not None else spyer.call_id
        return [SpyStopped(self.node, call_id, spyer.snapshot(), spyee)]

    def _amd_decided(self, msg: Msg) -> list[CallEvent]:
        """AMDCAUSE, set by AMD() right after AMDSTATUS: the decision is known."""
        status = self._amd.cause_set(msg["Uniqueid"])
        if status is None:
            return []
        ch = self._get(msg)
        snap = ch.snapshot()
        return [AmdDecided(self.node, ch.call_id, snap.interaction or "", status,
                           msg.get("Value", ""), snap)]

    def _on_dtmf_end(self, msg: Msg) -> list[CallEvent]:
        """A key press ended; reported once, on the channel that received it."""
        if msg.get("Direction") != "Received":
            return []
        ch = self._get(msg)
        duration = msg.get("DurationMs", "0")
        return [DtmfReceived(self.node, ch.call_id, ch.snapshot(), msg.get("Digit", ""),
                             int(duration) if duration.isdigit() else 0)]

    def _ended_with(self, ch: Channel, snap: ChannelSnapshot) -> list[CallEvent]:
        """What ends with a channel: its recordings, its spying; before its ChannelHungUp."""
        uid = ch.uniqueid
        self._amd.forget(uid)
        out: list[CallEvent] = [
            RecordingStopped(self.node, ch.call_id, snap, rec.file, rec.mixmonitor_id,
                             by_hangup=True)
            for rec in self._recordings.forget(uid)]
        spyee = self._spies.stopped(uid)
        if spyee is not None:  # hung up without a ChanSpyStop
            out.append(SpyStopped(self.node, spyee.call_id, snap, spyee))
        return out
