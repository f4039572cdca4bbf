"""What lands in PostgreSQL for each thing that happens to a call or an agent.

Every method builds its rows now (ids, instants) and hands one idempotent write
to the ``Recorder``; nothing here waits for the database.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from cti.calls import LiveCall
from cti.recorder import Recorder
from cti.store.models import CallOutcome, CallRecord, QueueEntry

#: Outcomes the call record keeps; the rest (e.g. an IVR hang-up) stay on the interaction.
_CALL_OUTCOMES = set(CallOutcome.__args__)  # type: ignore[attr-defined]
_NAMESPACE = uuid.UUID("6f1c3a52-8f1e-4a57-9d0e-5c2b7f0a1e11")


def _at(epoch: float | None = None) -> datetime:
    return datetime.fromtimestamp(time.time() if epoch is None else epoch, UTC)


def call_record_id(interaction_id: str) -> uuid.UUID:
    """One call record per interaction leg, with an id derived from it, so a
    retried or repeated write updates the same row."""
    return uuid.uuid5(_NAMESPACE, interaction_id)


class Records:
    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    def interaction_opened(self, call: LiveCall) -> None:
        fields = dict(caller_number=call.caller_number, caller_name=call.caller_name,
                      dialled_number=call.dnid, node=call.node, uniqueid=call.uniqueid)
        at = _at(call.created_at)
        self._recorder.submit(
            f"open {call.interaction_id}",
            lambda s: s.interactions.create(interaction_id=call.interaction_id,
                                            created_at=at, **fields))

    def update_interaction(self, interaction_id: str, **fields: Any) -> None:
        fields = {k: (_at(v) if k.endswith("_at") and isinstance(v, float) else v)
                  for k, v in fields.items()}
        self._recorder.submit(f"update {interaction_id}",
                              lambda s: s.interactions.update(interaction_id, **fields))

    def event(self, interaction_id: str, kind: str, actor: str | None,
              data: dict[str, Any]) -> None:
        event_id, at = uuid.uuid4(), _at()
        self._recorder.submit(
            f"{kind} {interaction_id}",
            lambda s: s.interactions.add_event(event_id, interaction_id, kind, actor, data, at))

    def agent_state(self, agent_id: str, state: str, reason: str | None,
                    interaction_id: str | None) -> None:
        change_id, at = uuid.uuid4(), _at()
        self._recorder.submit(
            f"agent {agent_id} {state}",
            lambda s: s.agent_states.record(agent_id, state, reason=reason, at=at,
                                            interaction_id=interaction_id,
                                            change_id=change_id))

    def queue_entry(self, call: LiveCall) -> None:
        """The call waits (again): store or replace its durable queue entry."""
        entry = QueueEntry(
            interaction_id=uuid.UUID(call.interaction_id), queue=call.queue or "",
            arrived_at=_at(call.queued_at), priority=call.priority,
            requirements=dict(call.skills), attributes={"uniqueid": call.uniqueid},
            node=call.node, channel=call.channel,
            is_callback=call.callback_number is not None,
            callback_number=call.callback_number)
        self._recorder.submit(f"queue entry {call.interaction_id}",
                              lambda s: s.queue_entries.put(entry))
        self._call_record(call, None)

    def answered(self, call: LiveCall) -> None:
        self._recorder.submit(f"dequeue {call.interaction_id}",
                              lambda s: s.queue_entries.remove(call.interaction_id))
        self.update_interaction(call.interaction_id, agent_id=call.agent_id,
                                answered_at=call.answered_at)
        self.event(call.interaction_id, "answered", call.agent_id, {})
        self._call_record(call, None)

    def talk_ended(self, call: LiveCall) -> None:
        self.event(call.interaction_id, "agent-left", call.agent_id, {})

    def finished(self, call: LiveCall, outcome: str, cause: int | None) -> None:
        """The caller is gone: the queue entry goes, the records close."""
        iid = call.interaction_id
        self._recorder.submit(f"dequeue {iid}", lambda s: s.queue_entries.remove(iid))
        if call.queued_at is not None:
            self._call_record(call, outcome, cause, ended_at=time.time())
        at = _at()
        event_id = uuid.uuid4()
        self._recorder.submit(
            f"close {iid}",
            lambda s: s.interactions.close(iid, outcome=outcome, actor="system", at=at,
                                           event_id=event_id))

    def _call_record(self, call: LiveCall, outcome: str | None, cause: int | None = None,
                     ended_at: float | None = None) -> None:
        if call.queued_at is None:
            return
        record = CallRecord(
            id=call_record_id(call.interaction_id), arrived_at=_at(call.created_at),
            interaction_id=uuid.UUID(call.interaction_id), queue=call.queue,
            agent_id=call.agent_id, node=call.node, uniqueid=call.uniqueid,
            caller=call.caller_number, dnid=call.dnid, queued_at=_at(call.queued_at),
            answered_at=None if call.answered_at is None else _at(call.answered_at),
            ended_at=None if ended_at is None else _at(ended_at),
            outcome=outcome if outcome in _CALL_OUTCOMES else None, hangup_cause=cause)
        self._recorder.submit(f"call record {call.interaction_id}",
                              lambda s: s.calls.upsert(record))
