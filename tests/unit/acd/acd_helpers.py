"""Helpers for the acd unit tests: a small floor built in one line."""

from __future__ import annotations

from collections.abc import Iterable

from acd import AgentLoggedIn, AgentSpec, Engine, QueueSpec


def build(queues: Iterable[QueueSpec], agents: Iterable[AgentSpec], *, ready: Iterable[str] = (),
          now: float = 0.0, **kw) -> Engine:
    """An engine whose agents in ``ready`` are logged in READY at ``now``, in that order."""
    engine = Engine(list(queues), list(agents), **kw)
    for agent_id in ready:
        engine.handle(AgentLoggedIn(agent_id, ready=True), now)
    return engine


def kinds(decisions: list) -> list[str]:
    return [type(d).__name__ for d in decisions]


def offers(decisions: list) -> list[tuple[str, str]]:
    return [(d.call_id, d.agent_id) for d in decisions if type(d).__name__ == "Offer"]
