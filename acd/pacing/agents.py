"""The campaign's agents as pacing sees them, fed by the ACD's AgentStateChanged.

Each agent has a phase (FREE, BUSY, WRAP, AWAY, OUT, see ``states.PHASE_OF``)
and, while it works one of this campaign's calls, when that call started
talking. When the call ends the book returns its talk time, and when the
wrap-up after it ends, the wrap-up time, for the estimators. Calls of other
queues (blending) make the agent BUSY too, but are not measured and not
counted on to end soon.

CallConnected and the ACD's AgentStateChanged(ON_CALL) may arrive in either
order; both lead to the same record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..decisions import AgentStateChanged
from ..states import AgentState
from .states import PHASE_OF, AgentPhase


@dataclass(slots=True)
class AgentRec:
    agent_id: str
    phase: AgentPhase = AgentPhase.OUT
    #: when the current phase began (for BUSY: when the call was first seen)
    since: float = 0.0
    call_id: str | None = None
    #: the call (or the wrap-up after it) belongs to this campaign
    campaign: bool = False
    #: when the campaign call started talking (None while it only rings)
    talking_since: float | None = None
    #: preview: the line shown to this agent, until it resolves
    line: str | None = None


@dataclass(frozen=True, slots=True)
class Measured:
    """Durations measured when an agent's campaign call or its wrap-up ended."""

    talk: float | None = None
    wrap: float | None = None


@dataclass(frozen=True, slots=True)
class FloorView:
    """The agents at one instant, as a pacing step needs them.

    ``unbound``: free agents no preview contact is shown to, longest idle
    first; ``talking``: seconds each agent on a campaign call has talked (0
    while it rings); ``wrapping``: seconds each agent in wrap-up has wrapped.
    Agents on calls of other queues are busy, in neither list.
    """

    logged_in: int
    free: int
    busy: int
    away: int
    unbound: tuple[AgentRec, ...]
    talking: tuple[float, ...]
    wrapping: tuple[float, ...]


class AgentBook:
    """Agents by id; unknown agents appear on their first event (LOGGED_OUT before)."""

    __slots__ = ("_agents",)

    def __init__(self) -> None:
        self._agents: dict[str, AgentRec] = {}

    def __iter__(self) -> Iterator[AgentRec]:
        return iter(self._agents.values())

    def get(self, agent_id: str) -> AgentRec | None:
        return self._agents.get(agent_id)

    def _rec(self, agent_id: str) -> AgentRec:
        a = self._agents.get(agent_id)
        if a is None:
            a = self._agents[agent_id] = AgentRec(agent_id)
        return a

    def view(self, now: float) -> FloorView:
        logged = free = busy = away = 0
        unbound: list[AgentRec] = []
        talking: list[float] = []
        wrapping: list[float] = []
        for a in self._agents.values():
            phase = a.phase
            if phase is AgentPhase.OUT:
                continue
            logged += 1
            if phase is AgentPhase.FREE:
                free += 1
                if a.line is None:
                    unbound.append(a)
            elif phase is AgentPhase.AWAY:
                away += 1
            else:
                busy += 1
                if phase is AgentPhase.WRAP:
                    wrapping.append(now - a.since)
                elif a.campaign:
                    talking.append(0.0 if a.talking_since is None else now - a.talking_since)
        unbound.sort(key=lambda a: (a.since, a.agent_id))
        return FloorView(logged, free, busy, away, tuple(unbound), tuple(talking),
                         tuple(wrapping))

    def changed(self, e: AgentStateChanged, is_campaign_call: Callable[[str], bool]) -> Measured:
        """Apply one ACD state change; returns what it measured (if anything)."""
        a = self._rec(e.agent_id)
        new = PHASE_OF[AgentState(e.new)]
        at = e.at
        measured = Measured()
        if new is AgentPhase.BUSY:
            if not (a.phase is AgentPhase.BUSY and a.call_id == e.call_id):
                measured = self._finish(a, at)
                a.call_id = e.call_id
                a.campaign = e.call_id is not None and is_campaign_call(e.call_id)
                a.talking_since = None
                a.since = at
            if e.new == AgentState.ON_CALL and a.talking_since is None:
                a.talking_since = at
        elif new is AgentPhase.WRAP:
            if a.phase is AgentPhase.BUSY:
                if a.campaign and a.talking_since is not None:
                    measured = Measured(talk=at - a.talking_since)
                a.since = at
            elif a.phase is not AgentPhase.WRAP:
                a.call_id, a.campaign, a.talking_since = None, False, None
                a.since = at
        else:
            measured = self._finish(a, at)
            a.call_id, a.campaign, a.talking_since = None, False, None
            if a.phase is not new:
                a.since = at
        a.phase = new
        return measured

    def connected(self, agent_id: str, call_id: str, now: float) -> None:
        """A campaign call was bridged to the agent (maybe before its ON_CALL arrives)."""
        a = self._rec(agent_id)
        if a.phase is AgentPhase.BUSY and a.call_id == call_id:
            a.campaign = True
            if a.talking_since is None:
                a.talking_since = now
            return
        self._finish(a, now)
        a.phase, a.since, a.call_id, a.campaign, a.talking_since = (
            AgentPhase.BUSY, now, call_id, True, now)

    @staticmethod
    def _finish(a: AgentRec, at: float) -> Measured:
        """The agent leaves its call (no wrap-up) or its wrap-up: what was measured?"""
        if not a.campaign or a.talking_since is None:
            return Measured()
        if a.phase is AgentPhase.BUSY:
            return Measured(talk=at - a.talking_since, wrap=0.0)
        if a.phase is AgentPhase.WRAP:
            return Measured(wrap=at - a.since)
        return Measured()
