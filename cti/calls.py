"""The service's own picture of each live interaction: which channel is the caller,
which agent rings or talks, where the call stands.

The ACD knows calls by id and agents by state; the AMI tracker knows channels.
``LiveCall`` ties them together for one interaction, so a hang-up, a dial
result or a bridge can be turned into the right ACD event. A call's phase
moves only through ``CallRegistry.move`` and the table ``MOVES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Phase(StrEnum):
    IVR = "ivr"              #: in the IVR, not queued yet
    WAITING = "waiting"      #: in the hold context, queued in the ACD
    RINGING = "ringing"      #: redirected to an agent whose phone rings
    TALKING = "talking"      #: the agent answered
    AFTER_AGENT = "after-agent"  #: the agent left; the caller is still on the line
    CALLBACK = "callback"    #: the caller left; an agent will call back
    ENDED = "ended"


#: Stands for "back to where it waits": WAITING, or CALLBACK for a callback.
_QUEUED = "queued"

#: trigger -> {phase it may happen in: the phase it leads to}.
MOVES: dict[str, dict[Phase, Phase | str]] = {
    "queued": {Phase.IVR: _QUEUED, Phase.WAITING: _QUEUED, Phase.CALLBACK: _QUEUED,
               Phase.RINGING: _QUEUED, Phase.TALKING: _QUEUED, Phase.AFTER_AGENT: _QUEUED},
    "callback_chosen": {Phase.WAITING: Phase.CALLBACK, Phase.CALLBACK: Phase.CALLBACK},
    "offered": {Phase.WAITING: Phase.RINGING, Phase.CALLBACK: Phase.RINGING},
    "ring_failed": {Phase.RINGING: _QUEUED},
    "answered": {Phase.RINGING: Phase.TALKING},
    "agent_left": {Phase.TALKING: Phase.AFTER_AGENT},
    "ended": {phase: Phase.ENDED for phase in Phase},
    # Call control (cti/routing/control.py): what a command needs; the phase stays.
    "hold": {Phase.TALKING: Phase.TALKING},      # hold, resume, consult, hang up, record
    "spy": {Phase.TALKING: Phase.TALKING},
    "escalate": {Phase.TALKING: Phase.TALKING, Phase.WAITING: Phase.WAITING},
    "take_over": {Phase.TALKING: Phase.TALKING, Phase.WAITING: Phase.WAITING},
}


class IllegalMove(Exception):
    def __init__(self, call: LiveCall, trigger: str) -> None:
        super().__init__(f"interaction {call.interaction_id}: {trigger!r} not allowed in "
                         f"phase {call.phase.value}")


@dataclass
class LiveCall:
    interaction_id: str
    node: str
    channel: str                     #: the caller's channel name (Redirect target)
    uniqueid: str                    #: the caller's channel Uniqueid
    caller_number: str = ""
    caller_name: str = ""
    dnid: str = ""
    linkedid: str = ""
    flow: str | None = None
    phase: Phase = Phase.IVR
    queue: str | None = None
    segment: int = 0                 #: queue visits so far minus one (overflow, transfer)
    priority: int = 0
    skills: dict[str, int] = field(default_factory=dict)
    customer: dict[str, Any] | None = None
    case_id: str | None = None
    classification: dict[str, str | None] = field(default_factory=dict)
    ivr_path: list[str] = field(default_factory=list)
    history: dict[str, Any] | None = None  #: open cases and last contacts, for the pop
    created_at: float = 0.0          #: wall clock
    queued_at: float | None = None   #: wall clock, first time queued
    segment_at: float | None = None  #: wall clock, when this queue visit began
    agent_id: str | None = None
    agent_uniqueid: str | None = None
    answered_at: float | None = None  #: wall clock
    held_at: float | None = None      #: wall clock, while the agent holds the caller
    callback_number: str | None = None
    originate_action: str | None = None
    offers: int = 0
    transferred: bool = False
    requeue_cause: str = "ivr"       #: why the next CallQueued happens
    ivr_outcome: str = "ivr-hangup"  #: how the call ends if it never leaves the IVR
    direction: str = "inbound"       #: outbound: click-to-dial, a scheduled callback
    customer_answered: bool = False  #: callback / outbound: the customer picked up
    escalation: dict[str, Any] | None = None  #: an extraordinary call: who, why, when
    campaign: dict[str, Any] | None = None    #: a campaign call: campaign, contact, attributes

    @property
    def is_callback(self) -> bool:
        return self.callback_number is not None

    @property
    def callback_outcome(self) -> str:
        """How a call the agent's leg made (callback, outbound) ends when that leg does."""
        if self.direction == "outbound":
            return "answered" if self.customer_answered else "unanswered"
        return "callback"

    def screen_pop(self, wall_now: float) -> dict[str, Any]:
        """What a desktop shows when the call rings: who, why, and the IVR path."""
        return {
            "interaction_id": self.interaction_id,
            "caller_number": self.caller_number,
            "caller_name": self.caller_name,
            "dnid": self.dnid,
            "queue": self.queue,
            "priority": self.priority,
            "customer": self.customer,
            "case_id": self.case_id,
            "classification": dict(self.classification),
            "ivr_path": list(self.ivr_path),
            "history": self.history,
            "callback": self.is_callback,
            "direction": self.direction,
            "escalation": dict(self.escalation) if self.escalation else None,
            "campaign": self.campaign,
            "waited": None if self.queued_at is None else round(wall_now - self.queued_at, 1),
        }


class CallRegistry:
    """Live calls by interaction id and by the caller's and agent's Uniqueids."""

    def __init__(self) -> None:
        self._by_id: dict[str, LiveCall] = {}
        self._by_uniqueid: dict[str, LiveCall] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[LiveCall]:
        return iter(list(self._by_id.values()))

    def add(self, call: LiveCall) -> None:
        self._by_id[call.interaction_id] = call
        if call.uniqueid:
            self._by_uniqueid[call.uniqueid] = call

    def get(self, interaction_id: str) -> LiveCall | None:
        return self._by_id.get(interaction_id)

    def by_uniqueid(self, uniqueid: str) -> LiveCall | None:
        return self._by_uniqueid.get(uniqueid)

    def move(self, call: LiveCall, trigger: str) -> Phase:
        """Move ``call`` by ``trigger`` (see ``MOVES``); raises ``IllegalMove``."""
        target = MOVES[trigger].get(call.phase)
        if target is None:
            raise IllegalMove(call, trigger)
        if target == _QUEUED:
            target = Phase.CALLBACK if call.is_callback else Phase.WAITING
        call.phase = Phase(target)
        return call.phase

    def set_agent_leg(self, call: LiveCall, uniqueid: str | None) -> None:
        if call.agent_uniqueid:
            self._by_uniqueid.pop(call.agent_uniqueid, None)
        call.agent_uniqueid = uniqueid
        if uniqueid:
            self._by_uniqueid[uniqueid] = call

    def set_caller_channel(self, call: LiveCall, name: str, uniqueid: str) -> None:
        if call.uniqueid and self._by_uniqueid.get(call.uniqueid) is call:
            del self._by_uniqueid[call.uniqueid]
        call.channel, call.uniqueid = name, uniqueid
        if uniqueid:
            self._by_uniqueid[uniqueid] = call

    def remove(self, call: LiveCall) -> None:
        self.move(call, "ended")
        self._by_id.pop(call.interaction_id, None)
        self._by_uniqueid.pop(call.uniqueid, None)
        if call.agent_uniqueid:
            self._by_uniqueid.pop(call.agent_uniqueid, None)

    def count(self, phase: Phase) -> int:
        return sum(1 for c in self._by_id.values() if c.phase is phase)
