"""The live figures a supervisor board reads: per queue, per agent, what
changed since the last look; and the day's counters (reset, seed).

Every figure is kept up to date as things happen (``acd/tally.py``), so a
read costs O(what it returns), and ``take_changes`` tells a publisher which
queues and agents to read again instead of diffing the whole floor.
"""

from __future__ import annotations

from . import report as _report
from .errors import UnknownQueue
from .restore import Restoring
from .tally import DayCounts, check_counters
from .views import AgentCounters, AgentFigures, Changes, QueueCounters, QueueFigures


class Figures(Restoring):
    """queue_figures, agent_figures, take_changes, reset_counters, seed_*;
    Engine builds on it."""

    def queue_figures(self, queue: str) -> QueueFigures:
        """One queue's live figures (see QueueFigures): O(1), after folding in
        the agents that changed state since the last read."""
        if queue not in self._queues:
            raise UnknownQueue(queue)
        self._tally.fold()
        return _report.queue_figures(self, queue)

    def all_queue_figures(self) -> dict[str, QueueFigures]:
        """Every queue's live figures, draining queues included, in O(queues)."""
        self._tally.fold()
        return {name: _report.queue_figures(self, name) for name in self._queues}

    def agent_figures(self, agent_id: str) -> AgentFigures:
        """One agent's live figures (see AgentFigures), in O(1)."""
        return _report.agent_figures(self._agent(agent_id))

    def all_agent_figures(self) -> dict[str, AgentFigures]:
        return {agent_id: _report.agent_figures(a) for agent_id, a in self._agents.items()}

    def take_changes(self) -> Changes:
        """The queues and agents whose figures changed since the previous call
        (the first call names them all), and clears that record. Costs
        O(what changed). A name may come up although its figures are equal
        again; a figure never changes without its name coming up."""
        tally = self._tally
        tally.fold()
        queues, agents = tally.changed_queues, tally.take_touched()
        if not queues and not agents:
            return Changes()
        tally.changed_queues = set()
        live_queues, live_agents = self._queues, self._agents
        return Changes(
            queues=frozenset(q for q in queues if q in live_queues),
            agents=frozenset(a for a in agents if a in live_agents),
            removed_queues=frozenset(q for q in queues if q not in live_queues),
            removed_agents=frozenset(a for a in agents if a not in live_agents),
        )

    def reset_counters(self, now: float) -> None:
        """Start the counters again at ``now`` (the centre's local midnight):
        queue and agent counters, time in state and occupancy count from
        here. Routing, waiting calls, agent states and the rolling window
        (service level, ASA, AHT of ``stats``) are untouched. Marks every
        queue and agent changed. O(agents x queues each)."""
        self._tally.reset(now, self._agents.values(), self._sl_seconds())

    def seed_counters(self, queue: str, counters: QueueCounters) -> None:
        """Replace a queue's counters with values counted elsewhere (at start-up,
        today's figures read back from the records), so a restart does not
        zero the day.

        Raises:
            UnknownQueue: no such queue.
            InvalidEvent: not a QueueCounters, or a value negative or
                inconsistent (answered_in_sl > answered, ...).
        """
        if queue not in self._queues:
            raise UnknownQueue(queue)
        check_counters(f"seed_counters({queue!r})", counters, QueueCounters)
        self._tally.counts(queue)                       # marks it changed
        self._tally.queues[queue].counts = DayCounts.of(counters)

    def seed_agent_counters(self, agent_id: str, counters: AgentCounters) -> None:
        """Replace an agent's counters (offered, answered, missed, talk_time), as
        ``seed_counters`` does for a queue."""
        a = self._agent(agent_id)
        check_counters(f"seed_agent_counters({agent_id!r})", counters, AgentCounters)
        a.offered, a.answered, a.failed = counters.offered, counters.answered, counters.missed
        a.talk_time = float(counters.talk_time)
        self._tally.touch(a)
