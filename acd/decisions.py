"""Decisions: what the engine asks the service to do or to record.

They come back from ``Engine.handle``, ``Engine.tick``, ``Engine.reconfigure``
and ``Engine.resume`` as a list, in the order they happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from .states import AgentState


@dataclass(frozen=True, slots=True)
class Offer:
    """Ring ``agent_id`` with ``call_id`` for ``ring_timeout`` seconds.

    ``callback=True``: the customer is not on the line; originate to them once
    the agent accepts. Report the result with OfferAnswered / OfferFailed.
    """

    call_id: str
    agent_id: str
    ring_timeout: float
    channel: str
    queue: str
    callback: bool = False
    attempt: int = 1
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OfferTimedOut:
    """No answer nor failure came ``ring_timeout`` + margin after the offer: the
    engine treated it as a no-answer. Stop the ringing if it still rings."""

    call_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class AgentStateChanged:
    """Emitted for every change of an agent's state or reason (store it)."""

    agent_id: str
    old: AgentState
    new: AgentState
    reason: str | None
    at: float
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class CallQueued:
    """The call waits in ``queue`` at ``position`` (1 = next). Also after a failed
    offer, a transfer or an overflow."""

    call_id: str
    queue: str
    position: int


@dataclass(frozen=True, slots=True)
class QueueExit:
    """The call left ``queue`` through the queue's exit.

    ``reason``: ``"max-wait"`` or ``"full"``. ``action``
    ``overflow``: the engine moved it to ``target`` (a CallQueued follows);
    ``voicemail`` / ``none``: the engine forgot it, the service ends or diverts
    it; ``callback``: it stays queued as a callback.
    """

    call_id: str
    queue: str
    action: str
    target: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Escalated:
    """An escalation step of ``queue`` applied to the call."""

    call_id: str
    queue: str
    step: str
    at: float


Decision: TypeAlias = Offer | OfferTimedOut | AgentStateChanged | CallQueued | QueueExit | Escalated
