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
    bridge_id: str | None = None
    partner: str | None = None  # uniqueid of the other half of a Local pair
    #: a failed dial target or a transferer: its hang-up does not say who ended the call
    dismissed: bool = False
    _snap: ChannelSnapshot | None = None

    @property
    def call_id(self) -> str:
        return f"{self.node}/{self.linkedid}"

    def update(self, msg: Mapping[str, str], prefix: str = "") -> None:
        """Refresh the standard channel fields from a message (``Dest``/``Transferer``
        prefixed blocks included)."""
        get = msg.get
        state = get(prefix + "ChannelState")
        if state is not None and state.isdigit():
            self.state = int(state)
        self.caller_num = get(prefix + "CallerIDNum", self.caller_num)
        self.caller_name = get(prefix + "CallerIDName", self.caller_name)
        self.connected_num = get(prefix + "ConnectedLineNum", self.connected_num)
        self.connected_name = get(prefix + "ConnectedLineName", self.connected_name)
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

    def enter_bridge(self, ch: Channel, bridge_id: str) -> None:
        if ch.bridge_id is not None and ch.bridge_id != bridge_id:
            self.leave_bridge(ch)
        self.bridges.setdefault(bridge_id, {})[ch.uniqueid] = None
        ch.bridge_id = bridge_id

    def leave_bridge(self, ch: Channel) -> None:
        if ch.bridge_id is None:
            return
        members = self.bridges.get(ch.bridge_id)
        if members is not None:
            members.pop(ch.uniqueid, None)
        ch.bridge_id = None

    def talkers(self, bridge_id: str) -> list[Channel]:
        """The parties that really talk through ``bridge_id``, following Local pairs.

        A Local half whose partner sits in another bridge is a pipe, not a
        party: the other bridge's parties are collected instead.
        """
        out: list[Channel] = []
        seen = {bridge_id}
        stack = [bridge_id]
        while stack:
            for uid in self.bridges.get(stack.pop(), ()):
                ch = self.channels.get(uid)
                if ch is None:
                    continue
                partner = self.channels.get(ch.partner) if ch.partner else None
                if partner is not None and partner.bridge_id is not None:
                    if partner.bridge_id not in seen:
                        seen.add(partner.bridge_id)
                        stack.append(partner.bridge_id)
                    continue
                out.append(ch)
        return out
