"""Read-side values: snapshots, statistics, explanations. Immutable, safe to share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .states import AgentState, CallState, DeviceState


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    agent_id: str
    state: AgentState
    reason: str | None
    since: float
    presence: AgentState
    device: DeviceState
    offer: str | None
    calls: tuple[str, ...]
    wrapping: bool               # in wrap-up (also while still holding other chats)
    wrap_until: float | None     # None while wrapping = until the disposition
    queues: tuple[str, ...]
    load: Mapping[str, int]
    capacity: Mapping[str, int]
    retiring: bool


@dataclass(frozen=True, slots=True)
class CallSnapshot:
    call_id: str
    queue: str
    queues: tuple[str, ...]
    state: CallState
    priority: int
    channel: str
    arrived_at: float
    entered_at: float
    requirements: Mapping[str, int]
    agent_id: str | None
    callback: bool
    attempts: int
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Live figures of one queue.

    Counters (offered ... removed) run since the engine started. ``service_level``
    (percent), ``asa``, ``aht`` use the rolling window: service level =
    answered within ``sl_seconds`` / (answered + abandoned after ``sl_seconds``);
    None while the window holds no such call. ``occupancy`` = share of its
    members' logged-in, not paused time spent ON_CALL or in WRAP_UP.
    """

    queue: str
    waiting: int
    ringing: int
    longest_wait: float
    agents: Mapping[AgentState, int]
    offered: int
    answered: int
    abandoned: int
    exited: int
    removed: int
    transferred_out: int
    service_level: float | None
    sl_target: float
    sl_seconds: float
    asa: float | None
    aht: float | None
    occupancy: float | None
    window: float
    draining: bool = False


@dataclass(frozen=True, slots=True)
class AgentStats:
    agent_id: str
    state: AgentState
    reason: str | None
    in_state_for: float
    offered: int
    answered: int
    failed: int
    talk_time: float
    occupancy: float | None
    time_in: Mapping[AgentState, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stats:
    at: float
    queues: Mapping[str, QueueStats]
    agents: Mapping[str, AgentStats]
    agents_by_state: Mapping[AgentState, int]
    waiting_calls: int


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an agent is not (or is) a candidate. ``code`` is stable, ``detail`` for people.

    Codes: not-member, skill-short, logged-out, not-ready, reserved, on-call,
    wrap-up, device, capacity, no-channel, excluded, retiring, eligible, offered,
    talking.
    """

    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """One agent's standing for one call. ``rank``: 1 = the strategy's first
    choice among eligible agents; None when not eligible."""

    agent_id: str
    eligible: bool
    rank: int | None
    reasons: tuple[Reason, ...]
