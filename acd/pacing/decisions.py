"""Decisions: what the pacer asks the service to do, and why.

They come back from ``Pacer.tick`` (and ``Pacer.handle``) as a list, in order:
deadlines first (AbandonCall, LineTimedOut), then the Dial decisions of this
pacing step, then one Paced with its explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from .explain import Explanation
from .states import PacingMode


@dataclass(frozen=True, slots=True)
class Dial:
    """Place one call: take the next contact of the campaign and Originate it with
    ``timeout`` seconds of ringing. Report its fate with HumanAnswered,
    MachineDetected or CallFailed, using ``call_id``.

    ``agent_id`` (preview): show the contact to that agent, dial once they
    accept, and bridge the answer to them. None: an answered person goes to the
    campaign's ACD queue (CallArrived) and the ACD picks the agent.
    """

    call_id: str
    campaign: str
    timeout: float
    mode: PacingMode
    agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class AbandonCall:
    """No agent was connected within the rule's seconds after the greeting: play the
    campaign's recorded message, hang up, and take the call out of the ACD
    (CallRemoved). Counted as abandoned; later events for it raise UnknownLine."""

    call_id: str
    campaign: str
    waited: float


@dataclass(frozen=True, slots=True)
class LineTimedOut:
    """No outcome came within the ringing timeout plus a margin: hang the line up.
    The pacer counted it as a no-answer and forgot it."""

    call_id: str
    campaign: str


@dataclass(frozen=True, slots=True)
class Paced:
    """One pacing step: ``explanation.lines`` Dial decisions came with it, and why."""

    explanation: Explanation


Decision: TypeAlias = Dial | AbandonCall | LineTimedOut | Paced
