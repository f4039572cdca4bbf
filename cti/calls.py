"""The service's own picture of each live interaction: which channel is the caller,
which agent rings or talks, where the call stands.

The ACD knows calls by id and agents by state; the AMI tracker knows channels.
``LiveCall`` ties them together for one interaction, so a hang-up, a dial
result or a bridge can be turned into the right ACD event.
"""

from __future__ import annotations

import time
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


@dataclass
class LiveCall:
    interaction_id: str
    node: str
    channel: str                     #: the caller's channel name (Redirect target)
    uniqueid: str                    #: the caller's channel Uniqueid
    caller_number: str = ""
    caller_name: str = ""
    dnid: str = ""
    phase: Phase = Phase.IVR
    queue: str | None = None
    priority: int = 0
    skills: dict[str, int] = field(default_factory=dict)
    customer: dict[str, Any] | None = None
    classification: dict[str, str | None] = field(default_factory=dict)
    ivr_path: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)   #: wall clock
    queued_at: float | None = None                           #: wall clock
    agent_id: str | None = None
    agent_uniqueid: str | None = None
    answered_at: float | None = None
    callback_number: str | None = None
    originate_action: str | None = None
    offers: int = 0
    transferred: bool = False
    ivr_outcome: str = "ivr-hangup"  #: how the call ends if it never leaves the IVR

    def screen_pop(self) -> dict[str, Any]:
        """What a desktop shows when the call rings: who, why, and the IVR path."""
        return {
            "interaction_id": self.interaction_id,
            "caller_number": self.caller_number,
            "caller_name": self.caller_name,
            "dnid": self.dnid,
            "queue": self.queue,
            "priority": self.priority,
            "customer": self.customer,
            "classification": self.classification,
            "ivr_path": list(self.ivr_path),
            "callback": self.callback_number is not None,
            "waited": None if self.queued_at is None else round(time.time() - self.queued_at, 1),
        }


class CallRegistry:
    """Live calls by interaction id and by the caller's and agent's Uniqueids."""

    def __init__(self) -> None:
        self._by_id: dict[str, LiveCall] = {}
        self._by_uniqueid: dict[str, LiveCall] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self):
        return iter(list(self._by_id.values()))

    def add(self, call: LiveCall) -> None:
        self._by_id[call.interaction_id] = call
        self._by_uniqueid[call.uniqueid] = call

    def get(self, interaction_id: str) -> LiveCall | None:
        return self._by_id.get(interaction_id)

    def by_uniqueid(self, uniqueid: str) -> LiveCall | None:
        return self._by_uniqueid.get(uniqueid)

    def set_agent_leg(self, call: LiveCall, uniqueid: str | None) -> None:
        if call.agent_uniqueid:
            self._by_uniqueid.pop(call.agent_uniqueid, None)
        call.agent_uniqueid = uniqueid
        if uniqueid:
            self._by_uniqueid[uniqueid] = call

    def remove(self, call: LiveCall) -> None:
        call.phase = Phase.ENDED
        self._by_id.pop(call.interaction_id, None)
        self._by_uniqueid.pop(call.uniqueid, None)
        if call.agent_uniqueid:
            self._by_uniqueid.pop(call.agent_uniqueid, None)

    def count(self, phase: Phase) -> int:
        return sum(1 for c in self._by_id.values() if c.phase is phase)
