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

    Counters (offered ... transferred_out) run since the reset point
    (``Engine.reset_counters``, else the engine's start), as in QueueCounters.
    ``service_level`` (percent), ``asa``, ``aht`` use the rolling window:
    service level = answered within ``sl_seconds`` / (answered + abandoned
    after ``sl_seconds``); None while the window holds no such call.
    ``occupancy`` = share of its members' logged-in, not paused time since the
    reset point spent ON_CALL or in WRAP_UP. ``longest_wait``: now minus
    QueueFigures.oldest_entered_at (0 when nobody waits).
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
    """One agent: counters (``failed`` = AgentCounters.missed), time in each
    state and occupancy since the reset point."""

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


# ------------------------------------------------------ incremental figures


@dataclass(frozen=True, slots=True)
class QueueCounters:
    """A queue's counters since the reset point (``Engine.reset_counters``).

    Each call counts in the queue it is in when the thing happens: an overflow
    (escalation to a visitor queue aside) moves it, so it is offered again in
    the target queue. Waits run from ``entered_at`` (entry into the queue).

    - ``offered``: calls that entered the queue (arrivals, transfers in,
      overflows in), including those the full queue turned away at once.
    - ``answered``, ``abandoned`` (hung up waiting or ringing), ``exited``
      (max-wait or full queue), ``removed`` (CallRemoved), ``transferred_out``.
    - ``answered_in_sl``: answered within the queue's ``sl_seconds``;
      ``abandoned_after_sl``: abandoned after waiting longer than that.
    - ``wait_time``: seconds waited by the answered calls (ASA = wait_time / answered).
    - ``talks``, ``talk_time``: talks ended (hang-up or transfer) and their seconds.
    - ``wrap_ups``, ``wrap_time``: wrap-ups ended and their seconds, counted in the
      queue of the call that started the wrap-up.
    """

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    exited: int = 0
    removed: int = 0
    transferred_out: int = 0
    answered_in_sl: int = 0
    abandoned_after_sl: int = 0
    wait_time: float = 0.0
    talks: int = 0
    talk_time: float = 0.0
    wrap_ups: int = 0
    wrap_time: float = 0.0

    @property
    def service_level(self) -> float | None:
        """Percent: answered_in_sl / (answered + abandoned_after_sl); None before any."""
        total = self.answered + self.abandoned_after_sl
        return None if total == 0 else 100.0 * self.answered_in_sl / total

    @property
    def asa(self) -> float | None:
        """Average speed of answer, seconds."""
        return self.wait_time / self.answered if self.answered else None

    @property
    def aht(self) -> float | None:
        """Average handle time, seconds: average talk + average wrap-up."""
        if not self.talks:
            return None
        return self.talk_time / self.talks + (self.wrap_time / self.wrap_ups
                                              if self.wrap_ups else 0.0)


@dataclass(frozen=True, slots=True)
class AgentCounters:
    """An agent's counters since the reset point: offers rung on it, answered,
    ``missed`` (failed: no-answer, busy, unavailable, rejected, ring timeout),
    and ``talk_time`` in seconds (talks ended)."""

    offered: int = 0
    answered: int = 0
    missed: int = 0
    talk_time: float = 0.0


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """One queue's live figures, kept up to date on every transition.

    ``waiting``: calls waiting (not ringing) in the queue, visitors from an
    escalation overflow included; ``ringing``: its own calls ringing on an
    agent. ``oldest_entered_at``: when the longest-waiting of them entered its
    queue (longest wait = now - oldest_entered_at; None when nobody waits).
    Agent counts are over the queue's members (agents that serve it) by state;
    ``logged_in`` = members not LOGGED_OUT. ``counters`` run since
    ``counted_since``. No figure depends on the clock: they change only when
    something happens, and ``Engine.take_changes`` names the queue then.
    """

    queue: str
    waiting: int
    ringing: int
    oldest_entered_at: float | None
    members: int
    logged_in: int
    ready: int
    reserved: int
    on_call: int
    wrap_up: int
    not_ready: int
    counters: QueueCounters
    counted_since: float
    sl_seconds: float
    sl_percent: float
    draining: bool


@dataclass(frozen=True, slots=True)
class AgentFigures:
    """One agent's live figures. ``since``: when it entered ``state`` (or
    ``reason``); ``call_id``: the call ringing on it or the (first) one it
    handles; ``counters`` run since the reset point."""

    agent_id: str
    state: AgentState
    reason: str | None
    since: float
    call_id: str | None
    device: DeviceState
    queues: tuple[str, ...]
    counters: AgentCounters


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed since the previous ``Engine.take_changes()``.

    ``queues`` / ``agents``: read them again (``queue_figures``,
    ``agent_figures``). ``removed_queues`` / ``removed_agents``: gone after a
    reconfigure; drop them from the board.
    """

    queues: frozenset[str] = frozenset()
    agents: frozenset[str] = frozenset()
    removed_queues: frozenset[str] = frozenset()
    removed_agents: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.queues or self.agents or self.removed_queues or self.removed_agents)
