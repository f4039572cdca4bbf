"""Alerts: a queue below its service level, an agent too long paused or in wrap-up.

``AlertWatch.check`` is pure: given the live figures and ``now`` (the engine's
clock) it returns the alerts that start and those that end, and remembers
which are on. The service publishes them as domain events (``alert.raised``,
``alert.cleared``: stored with the others, pushed to desktops) and /metrics
shows the ones on. Limits come from cti.yaml ``reports.alerts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from acd.states import AgentState
from acd.views import AgentFigures
from cti.config import Alerts
from cti.events import DomainEvent, event_type
from cti.reports import definitions as d

KINDS = ("service-level", "pause", "wrap-up")


@event_type("alert.raised")
@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRaised(DomainEvent):
    """``kind`` (service-level, pause, wrap-up) on ``subject`` (a queue or an agent):
    ``value`` went past ``limit`` (percent for a service level, seconds otherwise)."""

    kind: str
    subject: str
    value: float
    limit: float
    detail: str


@event_type("alert.cleared")
@dataclass(frozen=True, slots=True, kw_only=True)
class AlertCleared(DomainEvent):
    kind: str
    subject: str


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    subject: str
    value: float
    limit: float
    detail: str
    since: float   #: the engine's clock when it was raised

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.subject


@dataclass(frozen=True, slots=True)
class QueueLevel:
    """What the service-level alert reads of a queue: today's counts and its target."""

    counts: d.CallCounts
    target_percent: float


class AlertWatch:
    def __init__(self, limits: Alerts) -> None:
        self.limits = limits
        self.active: dict[tuple[str, str], Alert] = {}

    def check(self, queues: Mapping[str, QueueLevel], agents: Iterable[AgentFigures],
              now: float) -> tuple[list[Alert], list[Alert]]:
        """(raised, cleared) since the previous check."""
        found: dict[tuple[str, str], Alert] = {}
        for alert in (*self._queues(queues, now), *self._agents(agents, now)):
            found[alert.key] = self.active.get(alert.key, alert)
        raised = [a for k, a in found.items() if k not in self.active]
        cleared = [a for k, a in self.active.items() if k not in found]
        self.active = found
        return raised, cleared

    def _queues(self, queues: Mapping[str, QueueLevel], now: float) -> Iterable[Alert]:
        for name, level in queues.items():
            c = level.counts
            concluded = c.answered + c.abandoned + c.exited
            sl = d.call_service_level(c)
            if (sl is not None and concluded >= self.limits.service_level_min_calls
                    and sl < level.target_percent):
                yield Alert("service-level", name, round(sl, 1), level.target_percent,
                            f"queue {name}: service level {sl:.1f}% today, target "
                            f"{level.target_percent:g}% ({concluded} calls)", now)

    def _agents(self, agents: Iterable[AgentFigures], now: float) -> Iterable[Alert]:
        limits = self.limits
        for a in agents:
            lasted = now - a.since
            if a.state is AgentState.NOT_READY:
                limit = limits.pause_reasons.get(a.reason or "", limits.pause_seconds)
                if lasted > limit:
                    yield Alert("pause", a.agent_id, round(lasted), limit,
                                f"agent {a.agent_id}: paused ({a.reason or 'no reason'}) for "
                                f"{lasted / 60:.0f} min, limit {limit / 60:g} min", now)
            elif a.state is AgentState.WRAP_UP and lasted > limits.wrap_up_seconds:
                yield Alert("wrap-up", a.agent_id, round(lasted), limits.wrap_up_seconds,
                            f"agent {a.agent_id}: in wrap-up for {lasted:.0f}s, limit "
                            f"{limits.wrap_up_seconds:g}s", now)
