"""The engine's mutable records of agents and calls (internal, not API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .specs import AgentSpec
from .states import AgentState, CallState, DeviceState

if TYPE_CHECKING:
    from .tally import QueueTally, Share


class AgentRec:
    """One agent as the engine tracks it; read through ``Engine.agent()`` snapshots."""

    __slots__ = (
        "active", "agent_id", "answered", "calls_by_queue", "capacity", "device", "disposition",
        "failed", "idle_since", "load", "logged_in_at", "noted", "offer", "offered", "presence",
        "queues", "reason", "retiring", "routable", "share", "skills", "spec", "state",
        "state_call", "state_reason", "state_since", "state_time", "talk_time", "tallies",
        "touched", "wrap_queue", "wrap_started_at", "wrap_timer", "wrap_until", "wrapping",
    )

    def __init__(self, spec: AgentSpec, now: float) -> None:
        self.agent_id = spec.agent_id
        self.spec = spec
        self.skills: Mapping[str, int] = spec.skills
        self.capacity: Mapping[str, int] = spec.capacity
        self.queues: tuple[str, ...] = ()
        self.tallies: tuple[QueueTally, ...] = ()  # the statistics of its queues, in order
        self.share: Share | None = (0, 0, 0.0, 0, 0.0)   # what it added to each; None: gone
        self.noted = False                        # in Tally.noted: to fold into its queues
        self.touched = False                      # in Tally.touched: figures may have changed
        self.presence = AgentState.LOGGED_OUT
        self.reason: str | None = None
        self.device = DeviceState.AVAILABLE
        self.offer: str | None = None
        self.active: dict[str, str] = {}          # call_id -> channel
        self.load: dict[str, int] = {}            # channel -> interactions held
        self.wrapping = False
        self.wrap_until: float | None = None
        self.wrap_started_at = 0.0
        self.wrap_queue: str | None = None
        self.wrap_timer = 0                       # TimerHeap token of wrap_until
        self.retiring = False
        self.routable: tuple[str, ...] = ()       # channels it can be offered now
        self.state = AgentState.LOGGED_OUT
        self.state_reason: str | None = None
        self.state_call: str | None = None
        self.state_since = now
        self.idle_since = now
        self.logged_in_at: float | None = None
        self.state_time: dict[AgentState, float] = {}    # closed periods since the reset
        self.calls_by_queue: dict[str, int] = {}
        self.answered = 0
        self.offered = 0
        self.failed = 0
        self.talk_time = 0.0
        self.disposition: str | None = None

    def derive(self) -> tuple[AgentState, str | None, str | None]:
        """(state, reason, call_id) as documented in acd.states."""
        if self.offer is not None:
            return AgentState.RESERVED, None, self.offer
        if self.active:
            return AgentState.ON_CALL, None, next(iter(self.active))
        if self.wrapping:
            return AgentState.WRAP_UP, None, None
        return self.presence, self.reason, None

    def compute_routable(self) -> tuple[str, ...]:
        if (self.presence is not AgentState.READY or self.offer is not None or self.wrapping
                or self.retiring):
            return ()
        load = self.load
        return tuple(
            ch for ch, cap in self.capacity.items()
            if load.get(ch, 0) < cap and (ch != "voice" or self.device is DeviceState.AVAILABLE)
        )

    def meets(self, reqs: Mapping[str, int]) -> bool:
        skills = self.skills
        for skill, level in reqs.items():  # noqa: SIM110 - a loop beats all(genexpr) here
            if skills.get(skill, 0) < level:
                return False
        return True


class CallRec:
    """One interaction in the engine: waiting, ringing or talking."""

    __slots__ = (
        "agent",
        "answered_at",
        "arrived_at",
        "attempts",
        "attributes",
        "call_id",
        "callback",
        "channel",
        "entered_at",
        "excluded",
        "extra",
        "key",
        "offer_deadline",
        "offer_queue",
        "offer_timer",
        "offered_at",
        "priority",
        "queue",
        "queues",
        "reqs",
        "state",
        "step_index",
        "timer_due",
        "timer_seq",
    )

    def __init__(self, call_id: str, queue: str, priority: int, channel: str,
                 reqs: dict[str, int], extra: Mapping[str, int], arrived_at: float,
                 entered_at: float, attributes: Mapping[str, str], callback: bool) -> None:
        self.call_id = call_id
        self.queue = queue
        self.priority = priority
        self.channel = channel
        self.extra = dict(extra)
        self.arrived_at = arrived_at
        self.entered_at = entered_at
        self.attributes = attributes
        self.callback = callback
        self.state = CallState.WAITING
        self.queues: list[str] = [queue]
        self.reqs: dict[str, dict[str, int]] = {queue: reqs}   # queue -> requirements there
        self.key = (-priority, arrived_at, call_id)
        self.agent: str | None = None
        self.offer_queue: str | None = None
        self.offered_at = 0.0
        self.offer_deadline = 0.0
        self.answered_at = 0.0
        self.attempts = 0
        self.step_index = 0
        self.timer_due: float | None = None       # escalation / max-wait deadline armed
        self.timer_seq = 0                        # its TimerHeap token
        self.offer_timer = 0                      # token of the ringing offer's safety deadline
        self.excluded: dict[str, float] = {}      # agent_id -> skipped until

    def set_priority(self, priority: int) -> None:
        self.priority = priority
        self.key = (-priority, self.arrived_at, self.call_id)


def merge_levels(base: Mapping[str, int], extra: Mapping[str, int]) -> dict[str, int]:
    """Requirements ``base`` plus ``extra``; the higher level wins."""
    out = dict(base)
    for skill, level in extra.items():
        if level > out.get(skill, 0):
            out[skill] = level
    return out
