"""Ranking of eligible agents by a queue's strategy.

Every strategy ends its key on stable fields (idle_since, agent_id) so the same
events give the same choice. RANDOM draws from the engine's seeded generator
over candidates in a deterministic order.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

from .model import AgentRec
from .specs import Strategy

RankKey = Callable[[AgentRec], tuple]


def rank_key(strategy: Strategy, queue: str, reqs: Mapping[str, int],
             member_pos: Mapping[str, int], rr_last: int) -> RankKey:
    """Sort key: the smallest key is the strategy's first choice."""
    if strategy is Strategy.FEWEST_CALLS:
        return lambda a: (a.calls_by_queue.get(queue, 0), a.idle_since, a.agent_id)
    if strategy is Strategy.MOST_SKILLED:
        skills = tuple(reqs)
        return lambda a: (-sum(a.skills.get(s, 0) for s in skills), a.idle_since, a.agent_id)
    if strategy is Strategy.ROUND_ROBIN:
        n = max(len(member_pos), 1)
        return lambda a: ((member_pos.get(a.agent_id, 0) - rr_last - 1) % n, a.agent_id)
    if strategy is Strategy.RANDOM:
        return lambda a: (a.agent_id,)
    return lambda a: (a.idle_since, a.agent_id)


def choose(strategy: Strategy, candidates: Sequence[AgentRec], key: RankKey,
           rng: random.Random) -> AgentRec:
    if len(candidates) == 1:
        return candidates[0]
    if strategy is Strategy.RANDOM:
        return rng.choice(sorted(candidates, key=key))
    return min(candidates, key=key)
