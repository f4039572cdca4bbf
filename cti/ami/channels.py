"""The tracker's mutable picture of one node: channels, Local pairs, bridges, calls.

Only ``tracker.py`` mutates it; everything leaving the AMI layer is a
``ChannelSnapshot`` taken from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cti.ami.events import ChannelSnapshot


def device_of(name: str) -> str:
    """``SIP/agent1101-0000000d`` -> ``SIP/agent1101``; ``Local/1001@agents-0000005f;1``
    -> ``Local/1001@agents``. A name without suffix is returned unchanged."""
    base = name[:-2] if name.startswith("Local/") and name[-2:] in (";1", ";2") else name
    head, sep, tail = base.rpartition("-")
    if sep and tail and all(c in "0123456789abcdef" for c in tail):
        return head
    return base


#: What Asterisk writes for a caller id or connected line it does not have.
UNKNOWN = "<unknown>"


@dataclass(slots=True)
class Channel:
    """A live channel; ``snapshot()`` is cached until a field changes."""

    node: str
    uniqueid: str
    linkedid: str
    name: str
    state: int = 0
    caller_num: str = ""
    caller_name: str = ""
    connected_num: str = ""
    connected_name: str = ""
    context: str = ""
    exten: str = ""
    cti_vars: dict[str, str] = field(default_factory=dict)
    app: str = ""  # the dialplan application it runs (Newexten)
    bridge_id: str | None = None
    #: the bridge it is in or was in last, and the one before (a move between two)
    last_bridge: str | None = None
    prev_bridge: str | None = None
    #: Local halves only: who else was in its bridge last (hang-ups of pipes)
    peers: tuple[str, ...] = ()
    #: dial targets not bridged yet (ringing, or answered a moment ago)
    ringing: set[str] = field(default_factory=set)
    dialled_by: str | None = None
    partner: str | None = None  # uniqueid of the other half of a Local pair
    #: a failed dial target or a transferer: its hang-up does not say who ended the call
    dismissed: bool = False
    _snap: ChannelSnapshot | None = None

    @property
    def call_id(self) -> str:
        return f"{self.node}/{self.linkedid}"

    def update(self, msg: Mapping[str, str], prefix: str = "") -> None:
        """Refresh the standard channel fields from a message (``Dest``/``Transferer``
        prefixed blocks included). Asterisk's ``<unknown>`` caller id becomes ""."""
        get = msg.get
        state = get(prefix + "ChannelState")
        if state is not None and state.isdigit():
            self.state = int(state)
        # inline, not a helper: this runs for nearly every AMI event
        if (value := get(prefix + "CallerIDNum")) is not None:
            self.caller_num = "" if value == UNKNOWN else value
        if (value := get(prefix + "CallerIDName")) is not None:
            self.caller_name = "" if value == UNKNOWN else value
        if (value := get(prefix + "ConnectedLineNum")) is not None:
            self.connected_num = "" if value == UNKNOWN else value
        if (value := get(prefix + "ConnectedLineName")) is not None:
            self.connected_name = "" if value == UNKNOWN else value
        self.context = get(prefix + "Context", self.context)
        self.exten = get(prefix + "Exten", self.exten)
        self._snap = None

    def changed(self) -> None:
        self._snap = None

    def snapshot(self) -> ChannelSnapshot:
        if self._snap is None:
            self._snap = ChannelSnapshot(
                node=self.node,
                uniqueid=self.uniqueid,
                linkedid=self.linkedid,
                name=self.name,
                device=device_of(self.name),
                state=self.state,
                caller_num=self.caller_num,
                caller_name=self.caller_name,
                connected_num=self.connected_num,
                connected_name=self.connected_name,
                context=self.context,
                exten=self.exten,
                cti_vars=dict(self.cti_vars),
            )
        return self._snap


@dataclass
class NodeState:
    """Channels by Uniqueid, calls by Linkedid, bridges by BridgeUniqueid."""

    node: str
    channels: dict[str, Channel] = field(default_factory=dict)
    calls: dict[str, set[str]] = field(default_factory=dict)
    bridges: dict[str, dict[str, None]] = field(default_factory=dict)
    local_halves: dict[str, str] = field(default_factory=dict)  # "Local/x@y-0001" -> ;1 uid
    first_hangup: dict[str, tuple[ChannelSnapshot, int]] = field(default_factory=dict)
    #: Uniqueids hung up lately: Asterisk sends a few events (NewCallerid, VarSet)
    #: after a channel's Hangup; they must not bring it back.
    dead: dict[str, None] = field(default_factory=dict)
    max_dead: int = 4096

    def add(self, ch: Channel) -> bool:
        """Store a new channel; True when it starts a new call."""
        self.channels[ch.uniqueid] = ch
        members = self.calls.get(ch.linkedid)
        new_call = members is None
        if members is None:
            members = self.calls[ch.linkedid] = set()
        members.add(ch.uniqueid)
        if ch.name.startswith("Local/") and ch.name[-2:] in (";1", ";2"):
            base = ch.name[:-2]
            other = self.local_halves.pop(base, None)
            if other is not None and other in self.channels:
                ch.partner = other
                self.channels[other].partner = ch.uniqueid
            else:
                self.local_halves[base] = ch.uniqueid
        return new_call

    def remove(self, uniqueid: str) -> tuple[Channel, bool]:
        """Forget a channel; returns it and whether its call has no channel left."""
        ch = self.channels.pop(uniqueid)
        self.dead[uniqueid] = None
        if len(self.dead) > self.max_dead:
            del self.dead[next(iter(self.dead))]
        self.leave_bridge(ch)
        self._dial_over(ch)
        if ch.partner is not None and ch.partner in self.channels:
            self.channels[ch.partner].partner = None
        base = ch.name[:-2]
        if self.local_halves.get(base) == uniqueid:
            del self.local_halves[base]
        members = self.calls.get(ch.linkedid)
        ended = False
        if members is not None:
            members.discard(uniqueid)
            if not members:
                del self.calls[ch.linkedid]
                ended = True
        return ch, ended

    def dismiss(self, ch: Channel) -> None:
        """Mark a channel (and its Local partner) as leaving the call on purpose."""
        ch.dismissed = True
        if ch.partner is not None and ch.partner in self.channels:
            self.channels[ch.partner].dismissed = True

    def dial_began(self, caller: Channel, target: Channel) -> None:
        caller.ringing.add(target.uniqueid)
        target.dialled_by = caller.uniqueid

    def dial_ended(self, target: Channel, answered: bool) -> None:
        """A failed dial is over; an answered one once the target is bridged."""
        if not answered:
            self._dial_over(target)

    def _dial_over(self, target: Channel) -> None:
        caller = self.channels.get(target.dialled_by) if target.dialled_by else None
        if caller is not None:
            caller.ringing.discard(target.uniqueid)
        target.dialled_by = None

    def enter_bridge(self, ch: Channel, bridge_id: str) -> None:
        if ch.bridge_id is not None and ch.bridge_id != bridge_id:
            self.leave_bridge(ch)
        if ch.last_bridge is not None and ch.last_bridge != bridge_id:
            ch.prev_bridge = ch.last_bridge
        ch.last_bridge = bridge_id
        members = self.bridges.setdefault(bridge_id, {})
        members[ch.uniqueid] = None
        ch.bridge_id = bridge_id
        if ch.dialled_by is not None:
            self._dial_over(ch)
        for uid in members:
            mate = self.channels.get(uid)
            if mate is not None and mate.name.startswith("Local/"):
                mate.peers = tuple(u for u in members if u != uid)

    def leave_bridge(self, ch: Channel) -> None:
        if ch.bridge_id is None:
            return
        members = self.bridges.get(ch.bridge_id)
        if members is not None:
            members.pop(ch.uniqueid, None)
        ch.bridge_id = None
