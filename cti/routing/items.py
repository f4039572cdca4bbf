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
class HistoryFetched:
    """The screen-pop's history, fetched after the call was queued without it."""

    interaction_id: str
    history: Mapping[str, Any]


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


# --- call control commands (cti/control.py builds them; cti/routing/control.py runs them) ---


@dataclass(eq=False, kw_only=True)
class CallCommand:
    """A command of the call control API, answered on ``reply``.

    by: the user or agent who asked (kept in the facts it leads to).
    client_id: the client's id for this command; the same id again gets the first
    answer back and changes nothing (a retry after a lost reply).
    """

    by: str
    client_id: str | None = None
    reply: asyncio.Future[dict[str, Any]] = field(default_factory=_future, repr=False)

    def fingerprint(self) -> tuple[Any, ...]:
        """What the command asks, to tell a retry from a client id used twice."""
        skip = {"by", "client_id", "reply"}
        return (type(self).__name__, *(getattr(self, f) for f in self.__dataclass_fields__
                                       if f not in skip))


@dataclass(eq=False, kw_only=True)
class HangUp(CallCommand):
    interaction_id: str


@dataclass(eq=False, kw_only=True)
class Hold(CallCommand):
    interaction_id: str


@dataclass(eq=False, kw_only=True)
class Resume(CallCommand):
    interaction_id: str


@dataclass(eq=False, kw_only=True)
class TransferToAgent(CallCommand):
    interaction_id: str
    agent_id: str


@dataclass(eq=False, kw_only=True)
class TransferToQueue(CallCommand):
    interaction_id: str
    queue: str


@dataclass(eq=False, kw_only=True)
class TransferToNumber(CallCommand):
    interaction_id: str
    number: str


@dataclass(eq=False, kw_only=True)
class Consult(CallCommand):
    """Attended transfer, first step: park the caller, ring ``agent_id`` or ``number``."""

    interaction_id: str
    agent_id: str | None = None
    number: str | None = None


@dataclass(eq=False, kw_only=True)
class CompleteTransfer(CallCommand):
    interaction_id: str


@dataclass(eq=False, kw_only=True)
class CancelConsult(CallCommand):
    interaction_id: str


@dataclass(eq=False, kw_only=True)
class Escalate(CallCommand):
    """Mark the call extraordinary; with ``queue`` it waits there for a supervisor."""

    interaction_id: str
    reason: str
    queue: str | None = None


@dataclass(eq=False, kw_only=True)
class TakeOver(CallCommand):
    interaction_id: str
    supervisor_id: str


@dataclass(eq=False, kw_only=True)
class Dial(CallCommand):
    """Click-to-dial: ``interaction_id`` is the new outbound interaction's id."""

    interaction_id: str
    agent_id: str
    number: str
    queue: str | None = None


@dataclass(eq=False, kw_only=True)
class WrapUp(CallCommand):
    agent_id: str
    disposition: str | None = None
    notes: str | None = None
    interaction_id: str | None = None


@dataclass(eq=False, kw_only=True)
class ScheduleCallback(CallCommand):
    """Call ``number`` back at ``due_at`` (epoch seconds) through ``queue``, for
    ``agent_id`` only when given."""

    callback_id: str
    number: str
    due_at: float
    queue: str
    agent_id: str | None = None
    note: str | None = None
    interaction_id: str | None = None   #: the contact it was agreed in


@dataclass(eq=False, kw_only=True)
class CancelCallback(CallCommand):
    callback_id: str


@dataclass(eq=False, kw_only=True)
class Spy(CallCommand):
    """A supervisor listens to (``listen``), whispers to (``whisper``) or barges into
    (``barge``) an agent's call; a new mode replaces the running one."""

    interaction_id: str
    supervisor_id: str
    mode: str


@dataclass(eq=False, kw_only=True)
class StopSpying(CallCommand):
    supervisor_id: str


@dataclass(eq=False, kw_only=True)
class SetAgentState(CallCommand):
    """A supervisor moves an agent: ``login``, ``ready``, ``pause`` (with a reason), ``logout``."""

    agent_id: str
    action: str
    reason: str | None = None


@dataclass(eq=False, kw_only=True)
class CloseQueue(CallCommand):
    queue: str


@dataclass(eq=False, kw_only=True)
class OpenQueue(CallCommand):
    queue: str


@dataclass(eq=False, kw_only=True)
class SetCentreMode(CallCommand):
    """``normal``, ``night`` (the IVR sees the centre closed) or ``emergency``."""

    mode: str
    message: str | None = None


@dataclass(eq=False, kw_only=True)
class PauseRecording(CallCommand):
    interaction_id: str


@dataclass(eq=False, kw_only=True)
class ResumeRecording(CallCommand):
    interaction_id: str


# --- outbound campaigns (cti/campaigns/service.py builds them; cti/routing/campaign*.py) ---


@dataclass(frozen=True, slots=True)
class CampaignCallNotSent:
    """The Originate of a campaign call (or an agent's line) failed at the AMI."""

    action_id: str
    error: str = ""


@dataclass(eq=False, kw_only=True)
class PreviewDecision(CallCommand):
    """Preview: ``agent_id`` dials (``dial``) or skips (``skip``) the contact it sees."""

    agent_id: str
    decision: str
