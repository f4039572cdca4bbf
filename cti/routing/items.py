"""What goes into the routing loop's inbox besides AMI events: IVR requests,
commands with a future for the reply, timers, and work to run in the loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Enqueue:
    interaction_id: str
    queue: str
    skills: dict[str, int]
    priority: int
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallbackWanted:
    interaction_id: str
    number: str


@dataclass(frozen=True, slots=True)
class OfferNotDelivered:
    """The Redirect or Originate for an offer failed (channel gone, link down)."""

    interaction_id: str
    agent_id: str
    error: str


@dataclass(frozen=True, slots=True)
class TimerFired:
    pass


@dataclass(frozen=True, slots=True)
class InLoop:
    """Run ``fn(now)`` inside the loop, in order with everything else; result to ``future``."""

    fn: Any
    future: asyncio.Future[Any]


@dataclass(eq=False)
class AgentCommand:
    agent_id: str
    action: str  # login, logout, ready, pause
    reason: str | None = None
    reply: asyncio.Future[dict[str, Any]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
