"""The agents free to take a call of one queue on one channel, by the queue's strategy.

Most queues route to the longest-idle agent. Scanning every free agent for
each arriving call cost O(free agents) (about 1,000 agents a call with 1,500
agents logged in); this index keeps them in the strategy's order as well, so
the first free agent that meets the call's requirements is the choice, found
in a few steps. A most-skilled queue is ordered by the agents' summed levels
in the queue's own skills, which is the ranking of every call that requires
exactly those skills (a call with other skills is ranked by the plain scan).
Strategies whose order moves (round robin, random) keep the plain scan.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterator

from .model import AgentRec

OrderKey = Callable[[AgentRec], tuple]


class RoutableIndex:
    """Agent ids in arrival order (``iter``), and by ``key`` when a key is given."""

    __slots__ = ("_keys", "_order", "key", "skills")

    def __init__(self, key: OrderKey | None = None,
                 skills: frozenset[str] | None = None) -> None:
        self.key = key
        #: the order holds only for calls requiring exactly these skills (None: any call)
        self.skills = skills
        self._keys: dict[str, tuple | None] = {}
        self._order: list[tuple] | None = [] if key is not None else None

    def ordered_for(self, reqs: object) -> bool:
        """Whether the order ranks a call with these requirements as its strategy does."""
        return self._order is not None and (self.skills is None or self.skills == reqs)

    def add(self, agent: AgentRec) -> None:
        if agent.agent_id in self._keys:
            return
        key = self.key(agent) if self.key is not None else None
        self._keys[agent.agent_id] = key
        if self._order is not None:
            insort(self._order, key)

    def discard(self, agent_id: str) -> None:
        if agent_id not in self._keys:
            return
        key = self._keys.pop(agent_id)
        if self._order is not None:
            del self._order[bisect_left(self._order, key)]

    def rekey(self, agent: AgentRec) -> None:
        """The agent's order changed (a new idle time) while it stayed free."""
        if self._order is not None and agent.agent_id in self._keys:
            self.discard(agent.agent_id)
            self.add(agent)

    def in_order(self) -> Iterator[str]:
        """Agent ids, first choice first (the key ends on the agent id)."""
        assert self._order is not None
        return (key[-1] for key in self._order)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._keys
