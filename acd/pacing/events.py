"""Events: facts the service tells the pacer, in the past tense.

Every event goes through ``Pacer.handle(event, now)``. Line events name a
``call_id`` from a Dial decision. Agents come in as the ACD's own
``acd.AgentStateChanged`` decisions, forwarded for the campaign's agents.
An event that does not fit raises a PacingError and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from ..decisions import AgentStateChanged

FailCause = Literal["no-answer", "busy", "congestion", "failed"]
FAIL_CAUSES: frozenset[str] = frozenset({"no-answer", "busy", "congestion", "failed"})


@dataclass(frozen=True, slots=True)
class HumanAnswered:
    """A person answered and the greeting is over (AMD said HUMAN, or the call was
    answered when the campaign runs no AMD): the connect clock starts.

    ``delay``: seconds from the start of dialing to this moment, when the
    service measured it (e.g. after a preview); default: since the Dial decision.
    """

    call_id: str
    delay: float | None = None


@dataclass(frozen=True, slots=True)
class MachineDetected:
    """AMD said MACHINE: the line ends (the service hangs up or leaves a message)."""

    call_id: str


@dataclass(frozen=True, slots=True)
class CallFailed:
    """The line ended without an answer: ``no-answer`` (rang out), ``busy``,
    ``congestion`` (network or trunks full) or ``failed`` (Originate failed)."""

    call_id: str
    cause: FailCause = "no-answer"


@dataclass(frozen=True, slots=True)
class CallConnected:
    """The answered person is bridged to ``agent_id`` (the ACD's OfferAnswered)."""

    call_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class CustomerHungUp:
    """The person hung up after the greeting, before an agent was connected. It
    counts as abandoned: no agent came within the connect rule."""

    call_id: str


@dataclass(frozen=True, slots=True)
class InboundQueueChanged:
    """The inbound callers the campaign's agents also serve (blending): how many
    wait, and since when the longest has waited (None when nobody waits)."""

    waiting: int
    oldest_since: float | None = None


@dataclass(frozen=True, slots=True)
class CampaignPaused:
    """A supervisor or the service stopped new dials (list exhausted, outside
    calling hours, ...). Lines in flight still run."""

    reason: str = "paused"


@dataclass(frozen=True, slots=True)
class CampaignResumed:
    """Dialing may start again."""


Event: TypeAlias = (
    HumanAnswered | MachineDetected | CallFailed | CallConnected | CustomerHungUp
    | InboundQueueChanged | CampaignPaused | CampaignResumed | AgentStateChanged
)
