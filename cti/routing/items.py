"""What goes into the routing loop's inbox besides AMI events: what the IVR learns and
asks, commands with a future for the reply, timers, and work to run in the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()


# --- from the IVR --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InteractionStarted:
    """The IVR opened an interaction for a new call."""

    interaction_id: str
    node: str
    channel: str
    uniqueid: str
    caller_number: str = ""
    caller_name: str = ""
    dnid: str = ""
    flow: str | None = None


@dataclass(frozen=True, slots=True)
class IvrStepDone:
    """One IVR step finished; ``customer`` is the summary a lookup found."""

    interaction_id: str
    step: str
    kind: str
    data: Mapping[str, Any]
    customer: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Classified:
    interaction_id: str
    topic: str | None = None
    reason: str | None = None
    sub_reason: str | None = None
    question: str | None = None
    call_type: str | None = None


@dataclass(frozen=True, slots=True)
class Enqueue:
    interaction_id: str
    queue: str
    skills: dict[str, int]
    priority: int
    attributes: dict[str, Any]
    history: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class CallbackWanted:
    """The caller asked to be called back at ``number`` (E.164, already validated)."""

    interaction_id: str
    number: str


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    interaction_id: str
    kind: str
    score: int


# --- from Asterisk through the action tasks --------------------------------------------


@dataclass(frozen=True, slots=True)
class OfferNotDelivered:
    """The Redirect or Originate for an offer failed (channel gone, link down)."""

    interaction_id: str
    agent_id: str
    error: str = ""


# --- commands and the loop's own work ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimerFired:
    pass


@dataclass(frozen=True, slots=True)
class InLoop:
    """Run ``fn(step)`` inside the loop, in order with everything else; result to ``future``."""

    fn: Any
    future: asyncio.Future[Any]


@dataclass(eq=False)
class AgentCommand:
    agent_id: str
    action: str  # login, logout, ready, pause
    reason: str | None = None
    reply: asyncio.Future[dict[str, Any]] = field(default_factory=_future)
    #: The service's own command (a pause for ``disconnected``): the reason need not
    #: be one of the configured pause reasons.
    system: bool = False
