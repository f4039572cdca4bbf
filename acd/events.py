"""Events: facts the service tells the engine, in the past tense.

Every event goes through ``Engine.handle(event, now)``. An event that does not
fit the engine's state (unknown agent, an answer for an offer that does not
exist, a call enqueued twice, ...) raises an AcdError and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from .states import DeviceState

FailReason = Literal["no-answer", "busy", "unavailable", "rejected"]
FAIL_REASONS: frozenset[str] = frozenset({"no-answer", "busy", "unavailable", "rejected"})


@dataclass(frozen=True, slots=True)
class AgentLoggedIn:
    """The agent starts working: READY if ``ready``, else NOT_READY(``reason``)."""

    agent_id: str
    ready: bool = False
    reason: str = "login"


@dataclass(frozen=True, slots=True)
class AgentLoggedOut:
    """The agent stops; if it is on a call it finishes the call (and wrap-up) first."""

    agent_id: str


@dataclass(frozen=True, slots=True)
class AgentReady:
    """The agent asks for offers (takes effect after a running call / wrap-up)."""

    agent_id: str


@dataclass(frozen=True, slots=True)
class AgentNotReady:
    """The agent pauses with a reason (takes effect after a running call / wrap-up)."""

    agent_id: str
    reason: str = "break"


@dataclass(frozen=True, slots=True)
class DeviceStateChanged:
    """Asterisk reports the agent's phone: only an AVAILABLE phone is offered voice calls."""

    agent_id: str
    device: DeviceState


@dataclass(frozen=True, slots=True)
class CallArrived:
    """A call (any channel) enters ``queue``.

    ``skills`` replaces the queue's requirements when given; ``extra_skills``
    adds to them (the higher level wins). ``arrived_at`` is the ORIGINAL
    arrival time (defaults to ``now``); it orders the call within its priority
    and starts its wait, escalation and max-wait clocks. ``callback``: the
    caller is not on the line; offers for it mean "originate".
    """

    call_id: str
    queue: str
    priority: int = 0
    channel: str = "voice"
    skills: Mapping[str, int] | None = None
    extra_skills: Mapping[str, int] = field(default_factory=dict)
    arrived_at: float | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    callback: bool = False


@dataclass(frozen=True, slots=True)
class OfferAnswered:
    """The agent answered the offer of ``call_id``: agent ON_CALL."""

    call_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class OfferFailed:
    """The offer did not connect. The call goes back to its place (original arrival
    time); the agent goes NOT_READY(reason) unless the queue's policy says otherwise."""

    call_id: str
    agent_id: str
    reason: FailReason = "no-answer"


@dataclass(frozen=True, slots=True)
class CallAbandoned:
    """The caller left while waiting or while an agent's phone was ringing."""

    call_id: str


@dataclass(frozen=True, slots=True)
class CallEnded:
    """A talking call hung up: its agent goes to WRAP_UP."""

    call_id: str


@dataclass(frozen=True, slots=True)
class WrapUpDone:
    """The desktop sent the disposition: the agent's wrap-up is over."""

    agent_id: str
    disposition: str | None = None


@dataclass(frozen=True, slots=True)
class CallTransferred:
    """A talking call is sent to ``queue``: its agent goes to WRAP_UP and the call
    waits again as a new entry of that queue (arrival = now)."""

    call_id: str
    queue: str
    priority: int | None = None
    skills: Mapping[str, int] | None = None
    extra_skills: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CallbackRequested:
    """The waiting caller asked to be called back: the call keeps its place, no
    max-wait any more; its Offer has ``callback=True`` (the service originates)."""

    call_id: str


@dataclass(frozen=True, slots=True)
class CallRemoved:
    """The service took a waiting or ringing call out (voicemail, IVR, ...)."""

    call_id: str
    reason: str = "removed"


Event: TypeAlias = (
    AgentLoggedIn | AgentLoggedOut | AgentReady | AgentNotReady | DeviceStateChanged
    | CallArrived | OfferAnswered | OfferFailed | CallAbandoned | CallEnded | WrapUpDone
    | CallTransferred | CallbackRequested | CallRemoved
)
