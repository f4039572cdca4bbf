"""The records each domain event implies: which rows of which tables it creates or changes.

``project(event)`` is pure: it reads only the event, so replaying the same
events (after a crash, from the journal) gives the same rows. Ids of rows
that several events touch are derived from what the events carry (the
interaction and the queue segment for a call record, the interaction and the
attempt for an offer), never drawn at random.

Tables (see the migrations):
- interactions: one per contact; closed when the contact ends (its case goes on).
- call_records: one per visit of a queue (segment), so overflow and transfers
  count in every queue the call went through.
- call_offers: one per offer to an agent: ring, answer, hold, talk, outcome.
- agent_state_history / agent_current_state: every ACD state change.
- queue_entries: the callers waiting now, for a restart.
- survey_answers, recordings.
- scheduled_callbacks: callbacks agreed for later (pending, started, cancelled).
- control_settings: what supervisors switched (closed queues, the centre's mode).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cti import events as ev
from cti.store.rows import Append, Delete, RowOp, Update, Upsert

_NAMESPACE = uuid.UUID("6f1c3a52-8f1e-4a57-9d0e-5c2b7f0a1e11")

#: Interaction outcomes a call record keeps; the others end a segment without one.
CALL_OUTCOMES = frozenset({"answered", "abandoned", "overflow", "voicemail", "callback",
                           "transferred", "lost", "timeout"})


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@functools.lru_cache(maxsize=4096)  # the calls of the batches in flight
def call_record_id(interaction_id: str, segment: int = 0) -> str:
    """The call record of one queue visit (segment 0 keeps the id earlier versions used)."""
    name = interaction_id if segment == 0 else f"{interaction_id}/{segment}"
    return str(uuid.uuid5(_NAMESPACE, name))


@functools.lru_cache(maxsize=4096)
def offer_id(interaction_id: str, attempt: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{interaction_id}/offer/{attempt}"))


def derived_id(kind: str, seq: int) -> str:
    """The id of a row one event appends (a state row, a survey answer)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}/{seq}"))


def project(event: ev.DomainEvent) -> list[RowOp]:
    handler = _PROJECTIONS.get(type(event))
    return [] if handler is None else handler(event)


# --- interactions -------------------------------------------------------------------


def _interaction(event: ev.DomainEvent, *, keep: dict[str, Any] | None = None,
                 **changes: Any) -> Upsert:
    """Change an interaction, creating a bare one if its opening was never stored."""
    return Upsert("interactions", {"id": (event.interaction_id or "")},
                  create={"created_at": at(event.at)}, set=changes, keep=keep or {})


def _opened(e: ev.InteractionOpened) -> list[RowOp]:
    fields = {"channel": e.channel, "direction": e.direction, "caller_number": e.caller_number,
              "caller_name": e.caller_name, "dialled_number": e.dialled_number,
              "node": e.node, "uniqueid": e.uniqueid, "linkedid": e.linkedid, "flow": e.flow}
    return [Upsert("interactions", {"id": (e.interaction_id or "")},
                   create={"created_at": at(e.at)},
                   set={k: v for k, v in fields.items() if v is not None})]


def _identified(e: ev.CustomerIdentified) -> list[RowOp]:
    return [_interaction(e, customer_id=e.customer_id)]


def _classified(e: ev.InteractionClassified) -> list[RowOp]:
    fields = {"topic": e.topic, "reason": e.reason, "sub_reason": e.sub_reason,
              "question": e.question, "call_type": e.call_type}
    return [_interaction(e, **{k: v for k, v in fields.items() if v is not None})]


# --- calls --------------------------------------------------------------------------


def _record(event: ev.DomainEvent, segment: int, *, keep: dict[str, Any] | None = None,
            add: dict[str, float] | None = None, **changes: Any) -> Upsert:
    """Change the call record of one queue visit."""
    iid = event.interaction_id or ""
    return Upsert("call_records", {"id": call_record_id(iid, segment)},
                  create={"interaction_id": iid, "arrived_at": at(event.at),
                          "segment": segment},
                  set=changes, keep=keep or {}, add=add or {})


def _queued(e: ev.CallQueued) -> list[RowOp]:
    iid = e.interaction_id or ""
    arrived = at(e.arrived_at if e.arrived_at is not None else e.at)
    record = Upsert(
        "call_records", {"id": call_record_id(iid, e.segment)},
        create={"interaction_id": iid, "segment": e.segment,
                "arrived_at": arrived, "from_queue": e.from_queue},
        set={"queue": e.queue, "priority": e.priority, "callback": e.callback,
             "node": e.node},
        keep={"queued_at": at(e.at), "caller": e.caller_number, "uniqueid": e.uniqueid,
              "linkedid": e.linkedid})
    entry = Upsert(
        "queue_entries", {"interaction_id": iid},
        set={"queue": e.queue, "priority": e.priority, "arrived_at": arrived,
             "requirements": dict(e.skills), "attributes": {}, "node": e.node,
             "channel": e.channel,
             "is_callback": e.callback, "callback_number": e.callback_number,
             "caller_number": e.caller_number, "caller_name": e.caller_name,
             "uniqueid": e.uniqueid, "segment": e.segment})
    interaction = _interaction(e, keep={"queued_at": at(e.at), "linkedid": e.linkedid},
                               queue=e.queue, priority=e.priority)
    return [interaction, record, entry]


def _offered(e: ev.CallOffered) -> list[RowOp]:
    iid = e.interaction_id or ""
    offer = Upsert("call_offers", {"id": offer_id(iid, e.attempt)},
                   create={"interaction_id": iid,
                           "call_record_id": call_record_id(iid, e.segment),
                           "agent_id": e.agent_id, "attempt": e.attempt,
                           "offered_at": at(e.at)},
                   set={"queue": e.queue, "callback": e.callback})
    return [_record(e, e.segment, keep={"offered_at": at(e.at)}, add={"offers": 1}), offer]


def _offer_failed(e: ev.OfferFailed) -> list[RowOp]:
    return [Update("call_offers", {"id": offer_id(e.interaction_id or "", e.attempt)},
                   set={"ended_at": at(e.at), "outcome": e.reason})]


def _answered(e: ev.CallAnswered) -> list[RowOp]:
    iid = e.interaction_id or ""
    offer = Update("call_offers", {"id": offer_id(iid, e.attempt)},
                   set={"answered_at": at(e.at), "outcome": "answered"})
    if e.callback:  # a callback counts as answered when the customer picks up
        return [_interaction(e, agent_id=e.agent_id),
                _record(e, e.segment, agent_id=e.agent_id), offer]
    return [_interaction(e, keep={"answered_at": at(e.at)}, agent_id=e.agent_id),
            _record(e, e.segment, agent_id=e.agent_id, answered_at=at(e.at)), offer,
            Delete("queue_entries", {"interaction_id": iid})]


def _customer_answered(e: ev.CustomerAnswered) -> list[RowOp]:
    iid = e.interaction_id or ""
    return [_interaction(e, keep={"answered_at": at(e.at)}),
            _record(e, e.segment, answered_at=at(e.at)),
            Delete("queue_entries", {"interaction_id": iid})]


def _held(e: ev.CallHeld) -> list[RowOp]:
    return [Update("call_offers", {"id": offer_id(e.interaction_id or "", e.attempt)},
                   add={"holds": 1})]


def _resumed(e: ev.CallResumed) -> list[RowOp]:
    return [Update("call_offers", {"id": offer_id(e.interaction_id or "", e.attempt)},
                   add={"hold_seconds": e.held_for or 0.0})]


def _agent_left(e: ev.AgentLeftCall) -> list[RowOp]:
    iid = e.interaction_id or ""
    return [Update("call_offers", {"id": offer_id(iid, e.attempt)},
                   set={"agent_left_at": at(e.at)}),
            _record(e, e.segment, agent_left_at=at(e.at))]


#: Transfer kinds after which the call waits in a queue again: its queue visit ends.
_REQUEUED = frozenset({"queue", "agent", "takeover"})


def _transferred(e: ev.CallTransferred) -> list[RowOp]:
    if e.kind not in _REQUEUED:
        return []
    return [_record(e, e.segment, outcome="transferred",
                    to_queue=e.target if e.kind == "queue" else None, ended_at=at(e.at))]


def _callback_requested(e: ev.CallbackRequested) -> list[RowOp]:
    return [Update("queue_entries", {"interaction_id": (e.interaction_id or "")},
                   set={"is_callback": True, "callback_number": e.number}),
            _record(e, e.segment, callback=True)]


def _queue_exited(e: ev.QueueExited) -> list[RowOp]:
    if e.action != "overflow":
        return []
    return [_record(e, e.segment, outcome="overflow", to_queue=e.target, ended_at=at(e.at))]


def _ended(e: ev.CallEnded) -> list[RowOp]:
    iid = e.interaction_id or ""
    ops: list[RowOp] = [
        _interaction(e, status="closed", closed_at=at(e.at), outcome=e.outcome),
        Delete("queue_entries", {"interaction_id": iid}),
    ]
    if e.queued:
        ops.append(_record(e, e.segment, ended_at=at(e.at), hangup_cause=e.cause,
                           outcome=e.outcome if e.outcome in CALL_OUTCOMES else None))
    return ops


def _wrapped_up(e: ev.CallWrappedUp) -> list[RowOp]:
    return [_interaction(e, disposition=e.disposition)] if e.interaction_id else []


def _survey(e: ev.SurveyAnswered) -> list[RowOp]:
    return [Append("survey_answers", {
        "id": derived_id("survey", e.seq), "interaction_id": (e.interaction_id or ""),
        "queue": e.queue, "agent_id": e.agent_id, "kind": e.kind, "score": e.score,
        "at": at(e.at)})]


# --- agents -------------------------------------------------------------------------


def _agent_state(e: ev.AgentStateChanged) -> list[RowOp]:
    iid = e.interaction_id
    return [
        Append("agent_state_history", {
            "id": derived_id("agent-state", e.seq), "agent_id": e.agent_id, "state": e.state,
            "reason": e.reason, "at": at(e.at), "interaction_id": iid, "event_seq": e.seq}),
        Upsert("agent_current_state", {"agent_id": e.agent_id},
               set={"state": e.state, "reason": e.reason, "since": at(e.at),
                    "interaction_id": iid}),
    ]


# --- recordings ---------------------------------------------------------------------


def recording_id(interaction_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{interaction_id}/recording"))


def _recording_started(e: ev.RecordingStarted) -> list[RowOp]:
    iid = e.interaction_id or ""
    return [Upsert("recordings", {"id": recording_id(iid)},
                   create={"interaction_id": iid, "started_at": at(e.at)},
                   set={"file": e.file})]


def _recording_paused(e: ev.RecordingPaused) -> list[RowOp]:
    return [Update("recordings", {"id": recording_id(e.interaction_id or "")},
                   set={"paused_at": at(e.at)})]


def _recording_resumed(e: ev.RecordingResumed) -> list[RowOp]:
    return [Update("recordings", {"id": recording_id(e.interaction_id or "")},
                   set={"paused_at": None}, add={"paused_seconds": e.paused_for or 0.0})]


def _recording_stopped(e: ev.RecordingStopped) -> list[RowOp]:
    return [Update("recordings", {"id": recording_id(e.interaction_id or "")},
                   set={"stopped_at": at(e.at)})]


def _recording_deleted(e: ev.RecordingDeleted) -> list[RowOp]:
    return [Update("recordings", {"id": recording_id(e.interaction_id or "")},
                   set={"deleted_at": at(e.at)})]


def _anonymized(e: ev.InteractionAnonymized) -> list[RowOp]:
    return [Update("interactions", {"id": (e.interaction_id or "")},
                   set={"caller_number": None, "caller_name": None})]


# --- call control -------------------------------------------------------------------


def _outbound_requested(e: ev.OutboundCallRequested) -> list[RowOp]:
    return [_record(e, 0, direction="outbound")]


def callback_id(text: str) -> uuid.UUID:
    return uuid.UUID(text)


def _callback_scheduled(e: ev.CallbackScheduled) -> list[RowOp]:
    origin = uuid.UUID(e.interaction_id) if e.interaction_id else None
    return [Upsert("scheduled_callbacks", {"id": callback_id(e.callback_id)},
                   create={"created_at": at(e.at), "created_by": e.by},
                   set={"number": e.number, "due_at": at(e.due_at), "queue": e.queue,
                        "agent_id": e.agent_id, "note": e.note,
                        "origin_interaction_id": origin, "status": "pending"})]


def _callback_cancelled(e: ev.CallbackCancelled) -> list[RowOp]:
    return [Update("scheduled_callbacks", {"id": callback_id(e.callback_id)},
                   set={"status": "cancelled", "ended_at": at(e.at), "cancelled_by": e.by})]


def _callback_started(e: ev.CallbackStarted) -> list[RowOp]:
    return [Update("scheduled_callbacks", {"id": callback_id(e.callback_id)},
                   set={"status": "started", "ended_at": at(e.at),
                        "interaction_id": uuid.UUID(e.interaction_id or "")})]


def _setting(key: str, value: dict[str, Any], e: ev.DomainEvent, by: str) -> Upsert:
    return Upsert("control_settings", {"key": key},
                  set={"value": value, "changed_by": by, "changed_at": at(e.at)})


def _queue_closed(e: ev.QueueClosed) -> list[RowOp]:
    return [_setting(f"queue:{e.queue}", {"closed": True}, e, e.by)]


def _queue_opened(e: ev.QueueOpened) -> list[RowOp]:
    return [_setting(f"queue:{e.queue}", {"closed": False}, e, e.by)]


def _centre_mode(e: ev.CentreModeChanged) -> list[RowOp]:
    return [_setting("centre_mode", {"mode": e.mode, "message": e.message}, e, e.by)]


_PROJECTIONS: dict[type, Callable[[Any], list[RowOp]]] = {
    ev.InteractionOpened: _opened,
    ev.CustomerIdentified: _identified,
    ev.InteractionClassified: _classified,
    ev.CallQueued: _queued,
    ev.CallOffered: _offered,
    ev.OfferFailed: _offer_failed,
    ev.CallAnswered: _answered,
    ev.CustomerAnswered: _customer_answered,
    ev.CallHeld: _held,
    ev.CallResumed: _resumed,
    ev.AgentLeftCall: _agent_left,
    ev.CallTransferred: _transferred,
    ev.CallbackRequested: _callback_requested,
    ev.QueueExited: _queue_exited,
    ev.CallEnded: _ended,
    ev.CallWrappedUp: _wrapped_up,
    ev.SurveyAnswered: _survey,
    ev.AgentStateChanged: _agent_state,
    ev.RecordingStarted: _recording_started,
    ev.RecordingPaused: _recording_paused,
    ev.RecordingResumed: _recording_resumed,
    ev.RecordingStopped: _recording_stopped,
    ev.RecordingDeleted: _recording_deleted,
    ev.InteractionAnonymized: _anonymized,
    ev.OutboundCallRequested: _outbound_requested,
    ev.CallbackScheduled: _callback_scheduled,
    ev.CallbackCancelled: _callback_cancelled,
    ev.CallbackStarted: _callback_started,
    ev.QueueClosed: _queue_closed,
    ev.QueueOpened: _queue_opened,
    ev.CentreModeChanged: _centre_mode,
}


def register(event_cls: type, projection: Callable[[Any], list[RowOp]]) -> None:
    """Add the projection of an event type defined elsewhere (cases, campaigns)."""
    if event_cls in _PROJECTIONS:
        raise ValueError(f"{event_cls.__name__} already has a projection")
    _PROJECTIONS[event_cls] = projection
