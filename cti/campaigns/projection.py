"""The rows each campaign event implies (registered with cti.records).

Pure like cti/records.py. Tables (migration 008): campaigns, campaign_attempts
(one per attempt, keyed by its interaction), and the status columns of
campaign_contacts (whose rows the import wrote).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from cti import records
from cti.campaigns import events as ce
from cti.records import at
from cti.store.rows import RowOp, Update, Upsert


def _attempt(e: ce.DomainEvent, **changes: Any) -> list[RowOp]:
    if not e.interaction_id:
        return []
    return [Update("campaign_attempts", {"interaction_id": uuid.UUID(e.interaction_id)},
                   set=changes)]


def _contact(contact_id: str, **changes: Any) -> Update:
    return Update("campaign_contacts", {"id": uuid.UUID(contact_id)}, set=changes)


def _created(e: ce.CampaignCreated) -> list[RowOp]:
    return [Upsert("campaigns", {"name": e.campaign},
                   create={"created_at": at(e.at), "created_by": e.by, "status": "created"},
                   set={"definition": dict(e.definition)})]


def _state(e: ce.CampaignStateChanged) -> list[RowOp]:
    op = Update("campaigns", {"name": e.campaign},
                set={"status": e.state, "status_at": at(e.at), "status_by": e.by,
                     "status_reason": e.reason},
                keep={"started_at": at(e.at)} if e.state == "running" else {})
    return [op]


def _previewed(e: ce.ContactPreviewed) -> list[RowOp]:
    return [_contact(e.contact_id, status="dialing")]


def _placed(e: ce.CampaignCallPlaced) -> list[RowOp]:
    return [Upsert("campaign_attempts", {"interaction_id": uuid.UUID(e.interaction_id or "")},
                   create={"campaign": e.campaign, "contact_id": uuid.UUID(e.contact_id),
                           "attempt": e.attempt, "number": e.number, "mode": e.mode,
                           "placed_at": at(e.at)},
                   set={"agent_id": e.agent_id}),
            _contact(e.contact_id, status="dialing", attempts=e.attempt,
                     last_attempt_at=at(e.at))]


def _answered(e: ce.CampaignCallAnswered) -> list[RowOp]:
    return _attempt(e, answered_at=at(e.at) if e.amd_status != "MACHINE" else None,
                    amd_status=e.amd_status, amd_cause=e.amd_cause)


def _connected(e: ce.CampaignCallConnected) -> list[RowOp]:
    return _attempt(e, connected_at=at(e.at), to_agent_seconds=e.to_agent,
                    agent_id=e.agent_id)


def _abandoned(e: ce.CampaignCallAbandoned) -> list[RowOp]:
    return _attempt(e, abandoned_at=at(e.at))


def _message_left(e: ce.CampaignMessageLeft) -> list[RowOp]:
    return _attempt(e, message_left=True)


def _ended(e: ce.AttemptEnded) -> list[RowOp]:
    next_at = None if e.next_at is None else at(e.next_at)
    return [*_attempt(e, ended_at=at(e.at), outcome=e.outcome),
            _contact(e.contact_id, status=e.contact_status, next_at=next_at,
                     outcome_attempts=dict(e.outcome_attempts), last_outcome=e.outcome,
                     agent_id=e.callback_agent)]


def _blocked(e: ce.ContactBlocked) -> list[RowOp]:
    return [_contact(e.contact_id, status="dnc",
                     last_outcome="dnc" if not e.scope else f"dnc:{e.scope}")]


def _deferred(e: ce.ContactDeferred) -> list[RowOp]:
    if e.next_at is None:
        return [_contact(e.contact_id, status="failed", last_outcome=e.reason)]
    return [_contact(e.contact_id, status="pending", next_at=at(e.next_at))]


def _callback(e: ce.ContactCallbackScheduled) -> list[RowOp]:
    return [_contact(e.contact_id, status="pending", next_at=at(e.due_at),
                     agent_id=e.agent_id)]


_PROJECTIONS: dict[type, Callable[[Any], list[RowOp]]] = {
    ce.CampaignCreated: _created,
    ce.CampaignStateChanged: _state,
    ce.ContactPreviewed: _previewed,
    ce.CampaignCallPlaced: _placed,
    ce.CampaignCallAnswered: _answered,
    ce.CampaignCallConnected: _connected,
    ce.CampaignCallAbandoned: _abandoned,
    ce.CampaignMessageLeft: _message_left,
    ce.AttemptEnded: _ended,
    ce.ContactBlocked: _blocked,
    ce.ContactDeferred: _deferred,
    ce.ContactCallbackScheduled: _callback,
}

for _cls, _fn in _PROJECTIONS.items():
    records.register(_cls, _fn)
