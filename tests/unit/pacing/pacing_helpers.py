"""Helpers for the pacing unit tests: agents moved the way the ACD reports them."""

from __future__ import annotations

from acd import AgentState, AgentStateChanged
from acd.pacing import Dial, Explanation, Paced, Pacer


class Floor:
    """Drives a Pacer with the AgentStateChanged the ACD would emit."""

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer
        self.state: dict[str, AgentState] = {}

    def move(self, agent_id: str, new: AgentState, at: float, call_id: str | None = None) -> None:
        old = self.state.get(agent_id, AgentState.LOGGED_OUT)
        self.state[agent_id] = new
        self.pacer.handle(AgentStateChanged(agent_id, old, new, None, at, call_id), at)

    def login(self, *agent_ids: str, at: float = 0.0) -> None:
        for agent_id in agent_ids:
            self.move(agent_id, AgentState.READY, at)

    def talk(self, agent_id: str, call_id: str, at: float) -> None:
        self.move(agent_id, AgentState.ON_CALL, at, call_id)

    def wrap(self, agent_id: str, at: float) -> None:
        self.move(agent_id, AgentState.WRAP_UP, at)

    def ready(self, agent_id: str, at: float) -> None:
        self.move(agent_id, AgentState.READY, at)


def dials(decisions: list) -> list[Dial]:
    return [d for d in decisions if isinstance(d, Dial)]


def explanation(decisions: list) -> Explanation:
    (paced,) = [d for d in decisions if isinstance(d, Paced)]
    return paced.explanation


def kinds(decisions: list) -> list[str]:
    return [type(d).__name__ for d in decisions]
