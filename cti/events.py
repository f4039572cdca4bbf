"""Domain events: the one stream of facts the service records, publishes and logs.

Every fact about an interaction, a case, a customer or an agent is one of
these frozen dataclasses, named in the past tense. The producer (the routing
step, the case service) builds it through ``EventStream.new`` (cti/stream.py),
which gives it the next global sequence number and the wall time; the stream
then hands the same list to every consumer: the recorder (PostgreSQL), the
bus (WebSocket hub, metrics) and the log. Nothing is published that is not
recorded, and the reverse. Statistics and snapshots are not domain facts and
never travel here.

The envelope (``seq``, ``at`` and the ids of what the fact concerns) is the
same for every type; the other fields are the type's ``data``. ``to_json``
gives the versioned JSON form desktops receive and the journal keeps
(``at`` in ISO 8601 UTC for people, ``ts`` in epoch seconds for programs);
``from_json`` reads it back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

#: type name -> class, for ``from_json``.
EVENT_TYPES: dict[str, type[DomainEvent]] = {}
#: Envelope fields: present in every event, outside ``data`` in the JSON form.
ENVELOPE = ("seq", "at", "interaction_id", "case_id", "customer_id", "queue", "agent_id",
            "node")

E = TypeVar("E", bound="DomainEvent")


def event_type(name: str, version: int = 1) -> Callable[[type[E]], type[E]]:
    """Register a domain event class under its public type name (``call.queued``)."""

    def register(cls: type[E]) -> type[E]:
        if name in EVENT_TYPES:
            raise ValueError(f"event type {name!r} registered twice")
        cls.TYPE, cls.VERSION = name, version
        EVENT_TYPES[name] = cls
        return cls

    return register


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """What every fact carries: its place in the stream and what it concerns.

    seq: global sequence number, rising across restarts (see ``EventStream``).
    at: wall-clock epoch seconds when it happened.
    """

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    seq: int
    at: float
    interaction_id: str | None = None
    case_id: str | None = None
    customer_id: str | None = None
    queue: str | None = None
    agent_id: str | None = None
    node: str | None = None

    def data(self) -> dict[str, Any]:
        """The type's own fields, JSON-ready."""
        names = _DATA_FIELDS.get(type(self))
        if names is None:
            names = _DATA_FIELDS[type(self)] = tuple(
                f.name for f in dataclasses.fields(self) if f.name not in ENVELOPE)
        return {name: _plain(getattr(self, name)) for name in names}

    def to_json(self, epoch: str) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.TYPE, "version": self.VERSION, "epoch": epoch,
                               "seq": self.seq, "at": iso(self.at), "ts": self.at}
        for name in ENVELOPE[2:]:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out["data"] = self.data()
        return out


def to_record(event: DomainEvent) -> list[Any]:
    """The compact form the journal keeps: ``[seq, type, version, at, *ids, data]``,
    leaving out the fields that are None by default and None here."""
    optional = _NONE_BY_DEFAULT.get(type(event))
    if optional is None:
        optional = _NONE_BY_DEFAULT[type(event)] = frozenset(
            f.name for f in dataclasses.fields(event) if f.default is None)
    data = {k: v for k, v in event.data().items() if v is not None or k not in optional}
    return [event.seq, event.TYPE, event.VERSION, event.at,
            *(getattr(event, name) for name in ENVELOPE[2:]), data]


_NONE_BY_DEFAULT: dict[type, frozenset[str]] = {}


def from_record(record: list[Any]) -> DomainEvent:
    """The event ``to_record`` wrote."""
    seq, type_, version, at, *ids, data = record
    return from_json({"type": type_, "version": version, "seq": seq, "ts": at,
                      **dict(zip(ENVELOPE[2:], ids, strict=True)), "data": data})


def from_json(doc: Mapping[str, Any]) -> DomainEvent:
    """The event ``to_json`` wrote (the journal's records, a replay).

    Raises:
        ValueError: an unknown type or a version newer than this code.
    """
    cls = EVENT_TYPES.get(str(doc.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {doc.get('type')!r}")
    if int(doc.get("version", 1)) > cls.VERSION:
        raise ValueError(f"event {cls.TYPE} version {doc['version']} is newer than this "
                         f"service understands ({cls.VERSION}); upgrade the service")
    envelope = {name: doc.get(name) for name in ENVELOPE[2:]}
    at = float(doc["ts"]) if "ts" in doc else datetime.fromisoformat(doc["at"]).timestamp()
    known = {f.name for f in dataclasses.fields(cls)}
    data = {k: v for k, v in dict(doc.get("data") or {}).items() if k in known}
    return cls(seq=int(doc["seq"]), at=at, **envelope, **data)


def iso(epoch: float) -> str:
    """``2026-11-30T12:00:00.123Z``: the wall time of events in JSON."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


_SCALARS = frozenset({str, int, float, bool, type(None)})
_DATA_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [_plain(v) for v in value]
    return value


# --- interactions and calls ----------------------------------------------------------


@event_type("interaction.opened")
@dataclass(frozen=True, slots=True, kw_only=True)
class InteractionOpened(DomainEvent):
    """A contact arrived: a call reached the IVR, a callback or an outbound call began."""

    channel: str = "voice"
    direction: str = "inbound"
    caller_number: str | None = None
    caller_name: str | None = None
    dialled_number: str | None = None
    uniqueid: str | None = None
    linkedid: str | None = None
    flow: str | None = None


@event_type("interaction.customer_identified")
@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerIdentified(DomainEvent):
    """The interaction belongs to ``customer_id`` (found by the IVR or set by an agent).

    how: ``phone``, ``account``, ``document``, ``agent`` or ``unidentified``.
    """

    how: str
    name: str | None = None
    tier: str | None = None
    by: str | None = None


@event_type("ivr.step_ran")
@dataclass(frozen=True, slots=True, kw_only=True)
class IvrStepRan(DomainEvent):
    """One IVR step finished (its type and what it found or chose)."""

    step: str
    step_type: str
    result: Mapping[str, Any] = field(default_factory=dict)


@event_type("interaction.classified")
@dataclass(frozen=True, slots=True, kw_only=True)
class InteractionClassified(DomainEvent):
    """Topic / reason / sub-reason / question of the script catalogue, and call type."""

    topic: str | None = None
    reason: str | None = None
    sub_reason: str | None = None
    question: str | None = None
    call_type: str | None = None
    by: str = "ivr"


@event_type("call.queued")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallQueued(DomainEvent):
    """The call waits in ``queue``.

    cause: ``ivr`` (first time), ``offer-failed`` (back at its place after a ring
    that did not connect), ``overflow`` (moved from ``from_queue``), ``transfer``
    (an agent sent it), ``callback`` (kept as a callback), ``restore``.
    segment: the call's visit of a queue (0, then 1 after an overflow or transfer).
    """

    priority: int = 0
    skills: Mapping[str, int] = field(default_factory=dict)
    position: int | None = None
    callback: bool = False
    cause: str = "ivr"
    from_queue: str | None = None
    segment: int = 0
    caller_number: str | None = None
    caller_name: str | None = None
    arrived_at: float | None = None
    channel: str | None = None
    uniqueid: str | None = None
    linkedid: str | None = None
    callback_number: str | None = None


@event_type("call.offered")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallOffered(DomainEvent):
    """The ACD chose ``agent_id``; its phone rings (or, for a callback, is called).

    screen_pop: what the desktop shows (customer, cases, IVR path, classification).
    """

    attempt: int
    ring_timeout: float
    callback: bool = False
    segment: int = 0
    screen_pop: Mapping[str, Any] = field(default_factory=dict)


@event_type("call.screen_pop_updated")
@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenPopUpdated(DomainEvent):
    """The customer's history came after the call was offered (the database was slower
    than the screen-pop's budget): the complete pop."""

    screen_pop: Mapping[str, Any] = field(default_factory=dict)


@event_type("call.offer_failed")
@dataclass(frozen=True, slots=True, kw_only=True)
class OfferFailed(DomainEvent):
    """The ring did not connect. reason: ``no-answer``, ``busy``, ``unavailable``,
    ``rejected``, ``timeout`` (no result in time), ``bad-number`` (the call's
    fault, not the agent's), ``caller-left``."""

    attempt: int
    reason: str
    dial_status: str | None = None


@event_type("call.answered")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallAnswered(DomainEvent):
    """The agent took the call (for a callback: the agent's phone answered)."""

    attempt: int
    segment: int = 0
    callback: bool = False
    agent_channel: str | None = None
    waited: float | None = None


@event_type("call.customer_answered")
@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerAnswered(DomainEvent):
    """A callback or outbound call: the customer picked up, the agent talks to them."""

    number: str | None = None
    segment: int = 0


@event_type("call.held")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallHeld(DomainEvent):
    attempt: int
    by: str | None = None


@event_type("call.resumed")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallResumed(DomainEvent):
    """The hold ended after ``held_for`` seconds. how: ``resumed`` (the agent took the
    caller back), ``hangup`` (a party hung up during the hold), ``transfer`` (the
    held caller was transferred)."""

    attempt: int
    by: str | None = None
    held_for: float | None = None
    how: str = "resumed"


@event_type("call.transferred")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallTransferred(DomainEvent):
    """kind: ``blind`` / ``attended`` (done on the phones, or ``attended`` by a consult
    from the desktop), ``queue`` (waits again in ``target``), ``agent`` (rung directly
    on agent ``target``), ``takeover`` (a supervisor ``target`` took it), ``number``
    (sent to the outside number ``target``). by: who transferred it; segment: the
    queue visit it leaves."""

    kind: str
    target: str | None = None
    by: str | None = None
    segment: int = 0


@event_type("call.agent_left")
@dataclass(frozen=True, slots=True, kw_only=True)
class AgentLeftCall(DomainEvent):
    """The agent's leg ended: talk time stops here (a survey may follow for the caller)."""

    attempt: int
    segment: int = 0
    talked: float | None = None


@event_type("call.ended")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded(DomainEvent):
    """The contact is over; the interaction closes (its case goes on).

    outcome: ``answered``, ``abandoned``, ``transferred``, ``voicemail``,
    ``callback``, ``timeout``, ``lost``, ``served-by-ivr``, ``ivr-hangup``, ...
    """

    outcome: str
    cause: int | None = None
    segment: int = 0
    queued: bool = False  #: it reached a queue (so it has a call record)


@event_type("call.callback_requested")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackRequested(DomainEvent):
    number: str
    segment: int = 0


@event_type("call.queue_exited")
@dataclass(frozen=True, slots=True, kw_only=True)
class QueueExited(DomainEvent):
    """The call left ``queue`` by its exit (max wait, full): overflow, voicemail,
    callback or none."""

    action: str
    target: str | None = None
    reason: str = "max-wait"
    segment: int = 0


@event_type("call.escalated")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallEscalated(DomainEvent):
    step: str


@event_type("call.wrapped_up")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallWrappedUp(DomainEvent):
    """The agent ended after-call work with a disposition (wrap-up code)."""

    disposition: str | None = None
    notes: str | None = None
    by: str | None = None


@event_type("survey.answered")
@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyAnswered(DomainEvent):
    kind: str
    score: int


# --- agents ----------------------------------------------------------------------------


@event_type("agent.state_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStateChanged(DomainEvent):
    """The agent's ACD state moved (READY, NOT_READY, RESERVED, ON_CALL, WRAP_UP, ...)."""

    state: str
    previous: str
    reason: str | None = None


# --- recordings -------------------------------------------------------------------------


@event_type("recording.started")
@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingStarted(DomainEvent):
    file: str | None = None


@event_type("recording.paused")
@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingPaused(DomainEvent):
    by: str | None = None


@event_type("recording.resumed")
@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingResumed(DomainEvent):
    by: str | None = None
    paused_for: float | None = None


@event_type("recording.deleted")
@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingDeleted(DomainEvent):
    """The file is gone: reason ``retention`` or ``customer request``."""

    file: str | None = None
    reason: str = "retention"
    by: str = "system"


@event_type("interaction.anonymized")
@dataclass(frozen=True, slots=True, kw_only=True)
class InteractionAnonymized(DomainEvent):
    """The customer asked for their data to be erased: the caller id is gone."""

    by: str = "system"


@event_type("recording.stopped")
@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingStopped(DomainEvent):
    file: str | None = None


# --- call control: what agents and supervisors did to calls, queues and the centre -----


@event_type("call.hangup_requested")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallHangupRequested(DomainEvent):
    """``by`` hung the call up from a desktop (the hang-ups and CallEnded follow)."""

    by: str


@event_type("call.consult_started")
@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultStarted(DomainEvent):
    """Attended transfer: the caller waits on hold while the agent rings ``target``
    (an agent id, or an E.164 number when ``target_kind`` is ``number``)."""

    target: str
    target_kind: str
    by: str


@event_type("call.consult_answered")
@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultAnswered(DomainEvent):
    """The consulted party picked up: agent and target talk, the caller still waits."""

    target: str


@event_type("call.consult_ended")
@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultEnded(DomainEvent):
    """The consult leg is over. result: ``completed`` (the caller now talks to the
    target), ``cancelled`` (the agent took the caller back), ``failed`` (the target
    did not answer or hung up; the caller is back with the agent) or ``hangup``."""

    target: str
    result: str
    by: str | None = None
    dial_status: str | None = None


@event_type("call.supervisor_escalated")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallSupervisorEscalated(DomainEvent):
    """An extraordinary call: it needs a supervisor (``to_queue`` when it was sent to a
    supervisors' queue, else it waits for a take-over). The screen-pop shows it."""

    reason: str
    by: str
    to_queue: str | None = None


@event_type("call.outbound_requested")
@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundCallRequested(DomainEvent):
    """Click-to-dial: ``by`` asked the service to connect ``agent_id`` with ``number``."""

    number: str
    by: str


@event_type("call.diverted")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallDiverted(DomainEvent):
    """A new caller did not enter ``queue`` (closed): it went to ``action`` (``overflow``
    to ``target``, ``voicemail`` or ``goodbye``)."""

    action: str
    target: str | None = None
    reason: str = "queue-closed"


@event_type("callback.scheduled")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackScheduled(DomainEvent):
    """A callback to ``number`` at ``due_at`` (epoch seconds) through ``queue``; with
    ``agent_id`` only that agent takes it. interaction_id: the contact it was agreed in."""

    callback_id: str
    number: str
    due_at: float
    by: str
    note: str | None = None


@event_type("callback.cancelled")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackCancelled(DomainEvent):
    callback_id: str
    by: str


@event_type("callback.started")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackStarted(DomainEvent):
    """A scheduled callback came due: interaction_id is the new (outbound) contact."""

    callback_id: str
    number: str


@event_type("supervision.started")
@dataclass(frozen=True, slots=True, kw_only=True)
class SupervisionStarted(DomainEvent):
    """``supervisor_id`` listens to (``listen``), whispers to (``whisper``) or barges
    into (``barge``) the call of ``agent_id`` (Asterisk's ChanSpyStart)."""

    supervisor_id: str
    mode: str
    by: str | None = None


@event_type("supervision.stopped")
@dataclass(frozen=True, slots=True, kw_only=True)
class SupervisionStopped(DomainEvent):
    supervisor_id: str
    mode: str
    by: str | None = None


@event_type("agent.state_requested")
@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStateRequested(DomainEvent):
    """``by`` (a supervisor) moved ``agent_id``: action ``login``, ``ready``, ``pause``,
    ``logout``. It follows the AgentStateChanged it caused (none yet when the change
    waits for the agent's call or wrap-up to end)."""

    action: str
    by: str
    reason: str | None = None


@event_type("queue.closed")
@dataclass(frozen=True, slots=True, kw_only=True)
class QueueClosed(DomainEvent):
    """``queue`` takes no new callers (those waiting stay and are served)."""

    by: str


@event_type("queue.opened")
@dataclass(frozen=True, slots=True, kw_only=True)
class QueueOpened(DomainEvent):
    by: str


@event_type("centre.mode_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class CentreModeChanged(DomainEvent):
    """The contact centre's mode: ``normal``, ``night`` (the IVR sees it closed) or
    ``emergency`` (flows can branch on it and play ``message``)."""

    mode: str
    previous: str
    by: str
    message: str | None = None
