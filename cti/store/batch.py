"""A batch of writes, filled in the order things happened, applied together.

    batch = Batch()
    batch.create_interaction(iid, created_at=at, caller_number="+33612345678")
    batch.add_event(event_id, iid, "queued", "acd", {"queue": "sales"}, at)
    batch.put_queue_entry(QueueEntry(iid, "sales", at))
    result = await store.write_batch(batch)      # one transaction; see batch_writer.py

Every row carries an id the caller chose (no id is made up here), so applying a
batch twice (a retry after a lost connection) stores each row once. Rows are
checked when added: a bad value raises ``ValueError``/``TypeError`` at once, and
never spoils the batch.

Applied together means grouped by kind, in this order: interactions created,
updated, events (a close's ``closed`` event among them, in order), interactions
closed, agent states, call records, queue entries. Within a kind the outcome is
that of applying the rows one by one in order: updates of one interaction are
merged (a later value wins), the last upsert of a call record and the last put
or remove of a queue entry win, an agent's current state is its latest change.
When grouping would change the outcome (an update or a close after a close of
the same interaction), the batch starts a new segment, applied after the first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from cti.store.agent_states import STATE
from cti.store.base import as_uuid, aware, maybe_aware
from cti.store.calls import OUTCOMES
from cti.store.interactions import KIND, check_choice, checked_fields
from cti.store.models import CallRecord, Channel, Direction, EventKind, QueueEntry


@dataclass(frozen=True, slots=True)
class Refused:
    """A row the database could not take: ``kind`` of row, the caller's ``id``
    of it (event id, change id, call record id, or interaction id), and why."""

    kind: str
    id: UUID
    reason: str


@dataclass(frozen=True, slots=True)
class BatchResult:
    """``rows`` written (or already there: a retry), ``refused`` with reasons."""

    rows: int
    refused: tuple[Refused, ...] = ()


@dataclass(frozen=True, slots=True)
class Create:
    id: UUID
    channel: str
    direction: str
    created_at: datetime
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Close:
    id: UUID
    event_id: UUID
    outcome: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Event:
    id: UUID
    interaction_id: UUID
    kind: str
    actor: str | None
    data_json: str
    at: datetime
    #: "close" for the event of a close: refused with it, not on its own
    of: str = "event"


@dataclass(frozen=True, slots=True)
class StateChange:
    id: UUID
    agent_id: str
    state: str
    reason: str | None
    at: datetime
    interaction_id: UUID | None


@dataclass
class Segment:
    """Rows applied together, grouped by kind (see the module docstring)."""

    creates: dict[UUID, Create] = field(default_factory=dict)
    updates: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    closes: dict[UUID, Close] = field(default_factory=dict)
    states: list[StateChange] = field(default_factory=list)
    calls: dict[UUID, CallRecord] = field(default_factory=dict)
    #: interaction id -> the entry to put, or None to remove it
    queue: dict[UUID, QueueEntry | None] = field(default_factory=dict)


class Batch:
    """Writes to apply in one transaction (see the module docstring)."""

    def __init__(self) -> None:
        self.segments: list[Segment] = [Segment()]
        self._rows = 0

    def __len__(self) -> int:
        """Rows added (a merged update or a replaced upsert still counts)."""
        return self._rows

    @property
    def _last(self) -> Segment:
        return self.segments[-1]

    def _after_close_of(self, iid: UUID) -> Segment:
        if iid in self._last.closes:
            self.segments.append(Segment())
        self._rows += 1
        return self._last

    def create_interaction(self, interaction_id: UUID | str, *, channel: Channel = "voice",
                           direction: Direction = "inbound", created_at: datetime | None = None,
                           **fields: Any) -> None:
        """As ``store.interactions.create``: a create of an existing id does nothing."""
        iid = as_uuid(interaction_id, "interaction_id")
        check_choice(channel, Channel, "channel")
        check_choice(direction, Direction, "direction")
        row = Create(iid, channel, direction, aware(created_at, "created_at"),
                     checked_fields(fields))
        self._rows += 1
        self._last.creates.setdefault(iid, row)

    def update_interaction(self, interaction_id: UUID | str, **fields: Any) -> None:
        """As ``store.interactions.update`` (fields: ``interactions.UPDATABLE``)."""
        iid = as_uuid(interaction_id, "interaction_id")
        values = checked_fields(fields)
        self._after_close_of(iid).updates.setdefault(iid, {}).update(values)

    def close_interaction(self, interaction_id: UUID | str, *, event_id: UUID | str,
                          outcome: str | None = None, actor: str | None = None,
                          at: datetime | None = None) -> None:
        """As ``store.interactions.close``, with the id of its ``closed`` event."""
        iid = as_uuid(interaction_id, "interaction_id")
        when = aware(at, "at")
        eid = as_uuid(event_id, "event_id")
        segment = self._after_close_of(iid)
        segment.closes[iid] = Close(iid, eid, outcome, when)
        segment.events.append(Event(eid, iid, EventKind.CLOSED.value, actor,
                                    _json({"outcome": outcome} if outcome else {}, "data"), when,
                                    of="close"))

    def add_event(self, event_id: UUID | str, interaction_id: UUID | str, kind: EventKind | str,
                  actor: str | None = None, data: Mapping[str, Any] | None = None,
                  at: datetime | None = None) -> None:
        """As ``store.interactions.add_event``."""
        kind = str(kind)
        if not KIND.fullmatch(kind):
            raise ValueError(f"event kind {kind!r} must be lowercase words joined by '-'")
        row = Event(as_uuid(event_id, "event_id"), as_uuid(interaction_id, "interaction_id"),
                    kind, actor, _json(dict(data or {}), "data"), aware(at, "at"))
        self._rows += 1
        self._last.events.append(row)

    def record_agent_state(self, change_id: UUID | str, agent_id: str, state: str, *,
                           reason: str | None = None, at: datetime | None = None,
                           interaction_id: UUID | str | None = None) -> None:
        """As ``store.agent_states.record``: history, and the current state if newer."""
        state = str(getattr(state, "name", state))
        if not STATE.fullmatch(state):
            raise ValueError(f"agent {agent_id}: state {state!r} must be UPPER_CASE, e.g. READY")
        self._rows += 1
        self._last.states.append(StateChange(
            as_uuid(change_id, "change_id"), agent_id, state, reason, aware(at, "at"),
            None if interaction_id is None else as_uuid(interaction_id, "interaction_id")))

    def upsert_call_record(self, record: CallRecord) -> None:
        """As ``store.calls.upsert``: the whole record; the last one of an id wins."""
        if record.outcome is not None and record.outcome not in OUTCOMES:
            raise ValueError(f"call outcome {record.outcome!r} is not one of "
                             f"{', '.join(sorted(OUTCOMES))}")
        record = replace(
            record, id=as_uuid(record.id, "id"),
            interaction_id=None if record.interaction_id is None
            else as_uuid(record.interaction_id, "interaction_id"),
            arrived_at=aware(record.arrived_at, "arrived_at"),
            **{n: maybe_aware(getattr(record, n), n)
               for n in ("queued_at", "offered_at", "answered_at", "ended_at")})
        self._rows += 1
        self._last.calls.pop(record.id, None)  # keep the order of the last write
        self._last.calls[record.id] = record

    def put_queue_entry(self, entry: QueueEntry) -> None:
        """As ``store.queue_entries.put``."""
        if entry.is_callback and not entry.callback_number:
            raise ValueError(f"queue entry {entry.interaction_id}: a callback needs "
                             "callback_number")
        entry = replace(entry, interaction_id=as_uuid(entry.interaction_id, "interaction_id"),
                        arrived_at=aware(entry.arrived_at, "arrived_at"),
                        requirements=dict(entry.requirements), attributes=dict(entry.attributes))
        _json(entry.requirements, "requirements")
        _json(entry.attributes, "attributes")
        self._set_queue(entry.interaction_id, entry)

    def remove_queue_entry(self, interaction_id: UUID | str) -> None:
        """As ``store.queue_entries.remove``: nothing happens if it is not there."""
        self._set_queue(as_uuid(interaction_id, "interaction_id"), None)

    def _set_queue(self, iid: UUID, entry: QueueEntry | None) -> None:
        self._rows += 1
        self._last.queue.pop(iid, None)
        self._last.queue[iid] = entry


def _json(value: Mapping[str, Any], what: str) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be JSON (str, numbers, lists, dicts): {exc}") from None
