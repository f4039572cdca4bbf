"""What the repositories return: frozen dataclasses, one per table.

Field names are the column names. Instants are timezone-aware datetimes,
ids are UUIDs (inputs also accept their string form).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

Channel = Literal["voice", "chat", "email"]
Direction = Literal["inbound", "outbound"]
Status = Literal["open", "pending", "closed"]
CallOutcome = Literal[
    "answered", "abandoned", "overflow", "voicemail", "callback", "transferred", "lost", "timeout"
]


@dataclass(frozen=True, slots=True)
class Phone:
    """A customer's number as entered (``number``) and reduced to ``digits``."""

    number: str
    digits: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    id: UUID
    name: str
    account_number: str | None
    tier: str
    value: Decimal | None
    attributes: Mapping[str, Any]
    phones: tuple[Phone, ...]
    created_at: datetime
    updated_at: datetime
    document: str | None = None


@dataclass(frozen=True, slots=True)
class Interaction:
    """A case: one contact with a customer, from arrival to closing."""

    id: UUID
    channel: Channel
    direction: Direction
    customer_id: UUID | None
    caller_number: str | None
    caller_name: str | None
    dialled_number: str | None
    queue: str | None
    agent_id: str | None
    topic: str | None
    reason: str | None
    sub_reason: str | None
    question: str | None
    call_type: str | None
    status: Status
    outcome: str | None
    priority: int
    created_at: datetime
    queued_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    node: str | None
    uniqueid: str | None
    linkedid: str | None
    updated_at: datetime
    case_id: UUID | None = None
    disposition: str | None = None
    flow: str | None = None


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One visit of a queue by a call (``segment`` 0, then one more after each
    overflow or transfer to a queue). ``wait_seconds`` and ``talk_seconds``
    are computed by the database from the instants (ignored when writing):
    wait = (answered_at or ended_at) - (queued_at or arrived_at),
    talk = (agent_left_at or ended_at) - answered_at."""

    id: UUID
    arrived_at: datetime
    interaction_id: UUID | None = None
    queue: str | None = None
    agent_id: str | None = None
    node: str | None = None
    uniqueid: str | None = None
    caller: str | None = None
    dnid: str | None = None
    queued_at: datetime | None = None
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: CallOutcome | None = None
    hangup_cause: int | None = None
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    segment: int = 0
    linkedid: str | None = None
    direction: str = "inbound"
    callback: bool = False
    priority: int = 0
    from_queue: str | None = None
    to_queue: str | None = None
    agent_left_at: datetime | None = None
    offers: int = 0


@dataclass(frozen=True, slots=True)
class AgentStateChange:
    """One line of an agent's state history (states as in ``acd``: ``READY`` ...)."""

    id: UUID
    agent_id: str
    state: str
    reason: str | None
    at: datetime
    interaction_id: UUID | None


@dataclass(frozen=True, slots=True)
class AgentState:
    """An agent's latest state, for recovery after a restart."""

    agent_id: str
    state: str
    reason: str | None
    since: datetime
    interaction_id: UUID | None


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A caller waiting in a queue. ``arrived_at`` is the original arrival: a
    call put back after a no-answer keeps it, and so its place."""

    interaction_id: UUID
    queue: str
    arrived_at: datetime
    priority: int = 0
    requirements: Mapping[str, Any] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    node: str | None = None
    channel: str | None = None
    is_callback: bool = False
    callback_number: str | None = None
    caller_number: str | None = None
    caller_name: str | None = None
    uniqueid: str | None = None
    segment: int = 0
