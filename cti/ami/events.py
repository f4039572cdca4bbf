"""The AMI layer's own events: what the rest of the service consumes.

Asterisk field names stop here. Every event carries ``node`` (the Asterisk
node it came from). Calls are identified by ``call_id`` =
``"<node>/<Linkedid>"``: every leg of one call shares the Linkedid of its
first channel, also across Local channel pairs and transfers, and the node
prefix keeps two Asterisk nodes (whose Uniqueids restart at ``.0``) apart.

Channels travel as immutable ``ChannelSnapshot``s, taken when the event
happened, carrying the ``CTI_*`` channel variables seen so far (the IVR tags a
caller's channel with ``CTI_INTERACTION``), so a consumer can tell which
interaction a hang-up, a dial or a bridge belongs to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: ChannelState numbers of Asterisk (``ChannelState`` header).
STATE_DOWN, STATE_RING, STATE_RINGING, STATE_UP = 0, 4, 5, 6


@dataclass(frozen=True, slots=True)
class ChannelSnapshot:
    """One channel as it was when the event happened.

    name: ``PJSIP/1001-0000002a``, ``Local/1001@agents-0000005f;1``.
    device: the name without the per-call suffix (``PJSIP/1001``,
    ``Local/1001@agents``): what DeviceStateChange and agents' endpoints use.
    state: Asterisk ChannelState (0 down, 4 ring, 5 ringing, 6 up).
    cti_vars: the channel's ``CTI_*`` variables (``CTI_INTERACTION``, ...).
    """

    node: str
    uniqueid: str
    linkedid: str
    name: str
    device: str
    state: int
    caller_num: str = ""
    caller_name: str = ""
    connected_num: str = ""
    connected_name: str = ""
    context: str = ""
    exten: str = ""
    cti_vars: Mapping[str, str] = field(default_factory=dict)

    @property
    def call_id(self) -> str:
        return f"{self.node}/{self.linkedid}"

    @property
    def interaction(self) -> str | None:
        """The ``CTI_INTERACTION`` tag of this channel, if the IVR set one."""
        return self.cti_vars.get("CTI_INTERACTION")


# --- calls and channels -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallStarted:
    """The first channel of a new call (a new Linkedid) appeared."""

    node: str
    call_id: str
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class InteractionTagged:
    """A channel got its ``CTI_INTERACTION`` variable (VarSet from the IVR or Setvar)."""

    node: str
    call_id: str
    channel: ChannelSnapshot
    interaction: str


@dataclass(frozen=True, slots=True)
class DialBegan:
    """``caller`` started ringing ``target``. caller is None for an Originate's first leg."""

    node: str
    call_id: str
    caller: ChannelSnapshot | None
    target: ChannelSnapshot
    dial_string: str


@dataclass(frozen=True, slots=True)
class DialEnded:
    """A dial attempt ended: dial_status ANSWER, NOANSWER, BUSY, CONGESTION, CANCEL, ...

    CHANUNAVAIL never shows here (Asterisk creates no channel): it arrives as
    a ``DialResultReported`` from the dialplan's UserEvent.
    """

    node: str
    call_id: str
    caller: ChannelSnapshot | None
    target: ChannelSnapshot
    dial_status: str


@dataclass(frozen=True, slots=True)
class ChannelAnswered:
    """A channel went Up."""

    node: str
    call_id: str
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class PartiesBridged:
    """Who talks to whom: the real parties joined by a bridge.

    Local channel pairs are followed: a Local half whose other half sits in
    another bridge is replaced by that bridge's parties, so an agent reached
    through ``Local/1101@agent-dial`` shows as ``SIP/agent1101``.
    """

    node: str
    call_id: str
    bridge_id: str
    parties: tuple[ChannelSnapshot, ...]


@dataclass(frozen=True, slots=True)
class ChannelLeftBridge:
    """A channel left a bridge (hang-up, redirect, transfer, hold by redirect)."""

    node: str
    call_id: str
    bridge_id: str
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class CallHeld:
    """A phone put its call on hold (Hold event: SIP re-INVITE or the hold feature)."""

    node: str
    call_id: str
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class CallResumed:
    """A phone took its call off hold (Unhold event)."""

    node: str
    call_id: str
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class BlindTransferred:
    """``transferer`` sent ``transferee`` to ``extension@context`` (result Success/Fail)."""

    node: str
    call_id: str
    transferer: ChannelSnapshot | None
    transferee: ChannelSnapshot | None
    context: str
    extension: str
    result: str


@dataclass(frozen=True, slots=True)
class AttendedTransferred:
    """An attended transfer completed: the two transferer legs left, the others joined.

    transferee: who talked with ``transferer`` (Asterisk's OrigTransferer) before;
    target: who talked with the second transferer leg (the consulted party).
    Asterisk names them only when each bridge held exactly two channels; else
    they are derived from the bridges as they were before the transfer, Local
    pairs followed to the real party. None when there was nobody (the App case:
    that side ran ``dest_app``) or several.
    dest_type is Asterisk's DestType (Bridge, App, Link, Threeway, Fail).
    """

    node: str
    call_id: str
    transferer: ChannelSnapshot | None
    transferee: ChannelSnapshot | None
    target: ChannelSnapshot | None
    dest_type: str
    result: str
    dest_app: str = ""


@dataclass(frozen=True, slots=True)
class ChannelHungUp:
    """A channel hung up. cause is the Q.850 code (16 normal, 17 busy, 19 no answer, ...).

    lost is True when Asterisk never reported the hang-up and a resync after a
    reconnect found the channel gone (a restart sends no Hangup at all); then
    ended_at is the wall-clock time (epoch seconds) the link went down, the
    latest the channel was known to live (None if that is unknown).
    """

    node: str
    call_id: str
    channel: ChannelSnapshot
    cause: int
    cause_txt: str
    lost: bool = False
    ended_at: float | None = None


@dataclass(frozen=True, slots=True)
class CallEnded:
    """The last channel of a call hung up.

    first_hangup is the channel that hung up first since the call's last dial,
    bridge or transfer (who ended the conversation), and cause its cause;
    legs that failed earlier (a no-answer attempt) do not count. A Local
    channel half that only carried the call between two bridges is replaced by
    the real party on its side. lost / ended_at: as in ``ChannelHungUp``.
    """

    node: str
    call_id: str
    first_hangup: ChannelSnapshot | None
    cause: int
    lost: bool = False
    ended_at: float | None = None


# --- recording, supervision, AMD, DTMF ------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordingStarted:
    """MixMonitor started recording ``channel`` (MixMonitorStart).

    file: the absolute path Asterisk writes, as its VarSet ``MIXMONITOR_FILENAME``
    said just before ("" if that VarSet was not seen: the AMI account lacks the
    ``dialplan`` read class). mixmonitor_id: what MixMonitor put in the variable
    named by its ``i(VAR)`` option, the ID StopMixMonitor takes; None without ``i()``.
    """

    node: str
    call_id: str
    channel: ChannelSnapshot
    file: str
    mixmonitor_id: str | None


@dataclass(frozen=True, slots=True)
class RecordingStopped:
    """A recording of ``channel`` ended; the file is complete.

    by_hangup is False for StopMixMonitor (MixMonitorStop) and True when the
    channel hung up while recording (Asterisk sends no MixMonitorStop then).
    file / mixmonitor_id are those of its ``RecordingStarted`` (with several
    recordings on one channel, a MixMonitorStop is matched to the newest, as
    StopMixMonitor without an ID stops the newest).
    """

    node: str
    call_id: str
    channel: ChannelSnapshot
    file: str
    mixmonitor_id: str | None
    by_hangup: bool = False


@dataclass(frozen=True, slots=True)
class SpyStarted:
    """ChanSpy: ``spyer`` (a supervisor's channel) listens to ``spyee`` (ChanSpyStart).

    call_id is the spied call (the spyee's); the spyer's own call is
    ``spyer.call_id``. Whisper and barge look the same: the mode is ChanSpy's
    option, and with its ``d`` option the spyer changes it with DTMF 4 (listen),
    5 (whisper), 6 (barge), which only shows as ``DtmfReceived`` on the spyer.
    """

    node: str
    call_id: str
    spyer: ChannelSnapshot
    spyee: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class SpyStopped:
    """The spyer stopped listening (ChanSpyStop, or the spyer hung up without one).

    spyee is the one of the ``SpyStarted`` when ChanSpyStop carries none; None
    only when the start was never seen. call_id: the spied call, else the spyer's.
    """

    node: str
    call_id: str
    spyer: ChannelSnapshot
    spyee: ChannelSnapshot | None


@dataclass(frozen=True, slots=True)
class AmdDecided:
    """Answering-machine detection (AMD()) decided about an outbound call.

    status: HUMAN, MACHINE, NOTSURE or HANGUP; cause: e.g. ``HUMAN-800-800``,
    ``MAXWORDS-3-2``, ``TOOLONG-4900``. Reported once per AMD() run, from its
    VarSets ``AMDSTATUS``/``AMDCAUSE`` or from the dialplan's ``UserEvent(CTIAmdResult,
    Interaction, AmdStatus, AmdCause)``, whichever comes first. The Originate's
    ``OriginateResult`` (success, reason 4) came earlier, at answer.
    interaction: the call's ``CTI_INTERACTION`` ("" if unknown).
    """

    node: str
    call_id: str
    interaction: str
    status: str
    cause: str
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class DtmfReceived:
    """``channel`` received a DTMF digit (DTMFEnd, Direction Received): what its side pressed.

    Digits a channel sends (Direction Sent) are not reported: the same key
    press shows once, on the channel that received it.
    """

    node: str
    call_id: str
    channel: ChannelSnapshot
    digit: str
    duration_ms: int


# --- devices, user events, originate ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceStateChanged:
    """A device's state: NOT_INUSE, INUSE, BUSY, RINGING, UNAVAILABLE, ONHOLD, ..."""

    node: str
    device: str
    state: str


@dataclass(frozen=True, slots=True)
class ExtensionStateChanged:
    """A hint's state (ExtensionStatus): status -1 removed, 0 idle, 1 in use, 2 busy, ..."""

    node: str
    exten: str
    context: str
    hint: str
    status: int
    status_text: str


@dataclass(frozen=True, slots=True)
class UserEventReceived:
    """A dialplan ``UserEvent(name, Key: value, ...)``; fields are the user's own keys."""

    node: str
    name: str
    fields: Mapping[str, str]
    channel: ChannelSnapshot | None


@dataclass(frozen=True, slots=True)
class DialResultReported:
    """``UserEvent(CTIDialResult)`` of [cti-connect]: how ringing an agent ended."""

    node: str
    call_id: str | None
    interaction: str
    endpoint: str
    dial_status: str
    channel: ChannelSnapshot | None


@dataclass(frozen=True, slots=True)
class AgentFeatureUsed:
    """An agent dialled a feature code: feature is login, logout, ready or pause."""

    node: str
    feature: str
    endpoint: str
    channel: ChannelSnapshot | None


@dataclass(frozen=True, slots=True)
class OriginateResult:
    """The outcome of an Async Originate, matched to it by action_id.

    reason: 4 answered, 5 busy, 3 no answer, 1 hung up, 8 congestion, 0 failed.
    On failure ``channel`` is the requested dial string, not a real channel.
    """

    node: str
    action_id: str
    success: bool
    reason: int
    channel: str
    uniqueid: str
    call_id: str | None


# --- the link -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkUp:
    """Logged in to the node (reconnect is False for the first connection)."""

    node: str
    reconnect: bool


@dataclass(frozen=True, slots=True)
class LinkDown:
    """The link to the node dropped; events are missed until ``Resynced``.

    down_at: wall-clock time (epoch seconds) the link went down: when the socket
    closed, or, when the watchdog found it dead, when Asterisk was last heard.
    """

    node: str
    reason: str
    down_at: float | None = None


@dataclass(frozen=True, slots=True)
class Resynced:
    """After a (re)connect the picture was rebuilt from CoreShowChannels.

    ended_calls: calls known before that Asterisk no longer has (each also got
    ``ChannelHungUp(lost=True)`` and ``CallEnded(lost=True)``);
    appeared_calls: calls Asterisk has that were unknown (each got ``CallStarted``).
    ended_at: when the ended calls ended, as far as anyone can tell: the
    wall-clock time (epoch seconds) the link went down (``LinkDown.down_at``),
    not the reconnect time. None on the first connection or when unknown.
    """

    node: str
    ended_calls: tuple[str, ...]
    appeared_calls: tuple[str, ...]
    channels: int
    ended_at: float | None = None


CallEvent = (
    CallStarted | InteractionTagged | DialBegan | DialEnded | ChannelAnswered | PartiesBridged
    | ChannelLeftBridge | CallHeld | CallResumed | BlindTransferred | AttendedTransferred
    | ChannelHungUp | CallEnded | DeviceStateChanged | ExtensionStateChanged
    | UserEventReceived | DialResultReported | AgentFeatureUsed | OriginateResult
    | RecordingStarted | RecordingStopped | SpyStarted | SpyStopped | AmdDecided
    | DtmfReceived | LinkUp | LinkDown | Resynced
)


def to_dict(event: Any) -> dict[str, Any]:
    """A JSON-ready dict: ``{"event": "ChannelHungUp", ...fields}``, snapshots nested."""
    out: dict[str, Any] = {"event": type(event).__name__}
    for f in dataclasses.fields(event):
        out[f.name] = _plain(getattr(event, f.name))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, ChannelSnapshot):
        d = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        d["cti_vars"] = dict(value.cti_vars)
        return d
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return dict(value)
    return value
