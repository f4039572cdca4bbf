"""/metrics in the Prometheus text format (prometheus-client).

Everything is read at scrape time from what the service already keeps (the
engine's live figures, the links, the recorder, the journal), through the
same definitions as the reports; nothing here runs in the routing loop but
the routing-latency histogram's ``observe``. Each service has its own
registry (tests run several services in one process).

    cti_queue_calls_waiting{queue}               calls waiting now
    cti_queue_longest_wait_seconds{queue}        the longest of them
    cti_queue_service_level_percent{queue}       today (definitions.service_level)
    cti_queue_service_level_target_percent{queue}
    cti_queue_calls_today{queue,kind}            offered, answered, abandoned,
                                                 short_abandoned, exited
    cti_agents{state}                            agents by state
    cti_ami_link_up{node}                        1 while the AMI link is logged in
    cti_events_processed_total{type}             domain events published
    cti_routing_latency_seconds                  queued with an agent free -> AMI
    cti_db_up                                    1 while PostgreSQL takes writes
    cti_db_pending_events{stage}                 recorder (memory + journal), journal
    cti_db_write_lag_seconds                     age of the oldest event not stored
    cti_fastagi_sessions                         FastAGI sessions open
    cti_websocket_clients                        desktops connected
    cti_alerts_active{kind}                      alerts on now
    cti_uptime_seconds
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from cti.events import DomainEvent
from cti.reports import definitions as d

if TYPE_CHECKING:
    from cti.app import Service

CONTENT_TYPE = CONTENT_TYPE_LATEST
#: Routing latency buckets, seconds: the target is a few milliseconds.
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)


class ObservedSamples(deque):  # type: ignore[type-arg]
    """A deque of samples that also feeds each one to ``observe`` (a histogram):
    put in place of ``Actions.routing_latency``."""

    def __init__(self, observe: Callable[[float], None], samples: Iterable[float] = (),
                 maxlen: int | None = None) -> None:
        super().__init__(samples, maxlen)
        self._observe = observe

    def append(self, value: float) -> None:
        super().append(value)
        self._observe(value)


class WriteLag:
    """A stream consumer remembering when recent events happened, to say how far
    behind the database is: the age of the oldest event not stored yet.

    It keeps a (sequence, time) mark per ``resolution`` seconds, not one per
    event (a ten-minute outage at 100 calls a second is a million events), and
    at most ``max_marks``: past that every other mark goes and the spacing
    doubles, so the age given is at most one spacing too old.
    """

    def __init__(self, resolution: float = 0.5, max_marks: int = 4096) -> None:
        self.resolution = resolution
        self.max_marks = max_marks
        self._spacing = resolution
        self._marks: deque[tuple[int, float]] = deque()
        self._last_seq = 0

    def accept(self, events: Sequence[DomainEvent]) -> None:
        marks = self._marks
        for e in events:
            if not marks or e.at - marks[-1][1] >= self._spacing:
                marks.append((e.seq, e.at))
        if len(marks) > self.max_marks:
            self._marks = deque(list(marks)[::2])
            self._spacing *= 2
        if events:
            self._last_seq = events[-1].seq

    def seconds(self, stored_seq: int, now: float) -> float:
        marks = self._marks
        if stored_seq >= self._last_seq:
            marks.clear()
            self._spacing = self.resolution
            return 0.0
        while len(marks) > 1 and marks[1][0] <= stored_seq + 1:
            marks.popleft()  # the oldest event not stored is at or after marks[1]
        return max(0.0, now - marks[0][1]) if marks else 0.0


class ServiceMetrics:
    """The registry of one service: ``render()`` gives the /metrics body."""

    def __init__(self, service: Service) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.latency = Histogram("cti_routing_latency_seconds",
                                 "Seconds from a call queued with an agent free to its "
                                 "actions handed to AMI", buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.write_lag = WriteLag()
        self.registry.register(_Collector(service, self.write_lag))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Collector:
    def __init__(self, service: Service, lag: WriteLag) -> None:
        self._service = service
        self._lag = lag

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        service = self._service
        yield _gauge("cti_uptime_seconds", "Seconds since the service started", service.uptime)
        yield from self._queues(service)
        yield from self._links(service)
        yield from self._store(service)
        agi = service.agi
        yield _gauge("cti_fastagi_sessions", "FastAGI sessions open",
                     agi.active_sessions if agi is not None else 0)
        yield _gauge("cti_websocket_clients", "Desktops connected over WebSocket",
                     _websocket_clients(service))
        processed = CounterMetricFamily("cti_events_processed", "Domain events published",
                                        labels=["type"])
        tally = service.tally
        for kind, count in sorted(({} if tally is None else tally.processed).items()):
            processed.add_metric([kind], count)
        yield processed
        alerts = GaugeMetricFamily("cti_alerts_active", "Alerts on now", labels=["kind"])
        active = [] if service.monitor is None else list(service.monitor.alerts.active)
        for kind in ("service-level", "pause", "wrap-up"):
            alerts.add_metric([kind], sum(1 for k, _ in active if k == kind))
        yield alerts

    def _queues(self, service: Service) -> Iterable[Metric]:
        router, tally = service.router, service.tally
        if router is None or tally is None:
            return
        import asyncio

        from cti.reports.live import queue_counts

        engine = router.engine
        mono = asyncio.get_running_loop().time()
        figures = engine.all_queue_figures()
        counts = queue_counts(engine, tally)
        waiting = GaugeMetricFamily("cti_queue_calls_waiting", "Calls waiting now",
                                    labels=["queue"])
        longest = GaugeMetricFamily("cti_queue_longest_wait_seconds",
                                    "The longest wait of the calls waiting now", labels=["queue"])
        level = GaugeMetricFamily("cti_queue_service_level_percent",
                                  "Service level today: answered within the target / "
                                  "(answered + abandoned + exited)", labels=["queue"])
        target = GaugeMetricFamily("cti_queue_service_level_target_percent",
                                   "The queue's service level target", labels=["queue"])
        today = GaugeMetricFamily("cti_queue_calls_today", "Calls today by what became of "
                                  "them (docs/reports.md)", labels=["queue", "kind"])
        for name, f in sorted(figures.items()):
            waiting.add_metric([name], f.waiting)
            longest.add_metric([name], 0.0 if f.oldest_entered_at is None
                               else max(0.0, mono - f.oldest_entered_at))
            target.add_metric([name], f.sl_percent)
            c = counts[name]
            sl = d.call_service_level(c)
            if sl is not None:
                level.add_metric([name], sl)
            for kind, value in (("offered", d.offered(c)), ("answered", c.answered),
                                ("abandoned", c.abandoned),
                                ("short_abandoned", c.short_abandoned), ("exited", c.exited)):
                today.add_metric([name, kind], value)
        yield from (waiting, longest, level, target, today)
        agents = GaugeMetricFamily("cti_agents", "Agents by state", labels=["state"])
        for state, n in engine.agents_by_state().items():
            agents.add_metric([state.value], n)
        yield agents

    def _links(self, service: Service) -> Iterable[Metric]:
        links = GaugeMetricFamily("cti_ami_link_up", "1 while the AMI link to the node is "
                                  "logged in", labels=["node"])
        for node in service.config.service.ami:
            links.add_metric([node.name], 1.0 if service.link_up(node.name) else 0.0)
        yield links

    def _store(self, service: Service) -> Iterable[Metric]:
        recorder, journal = service.recorder, service.journal
        yield _gauge("cti_db_up", "1 while PostgreSQL takes the service's writes",
                     1.0 if recorder is None or recorder.database_up else 0.0)
        pending = GaugeMetricFamily("cti_db_pending_events", "Events not stored yet",
                                    labels=["stage"])
        pending.add_metric(["recorder"], 0 if recorder is None else recorder.pending)
        pending.add_metric(["journal"], 0 if journal is None else journal.backlog)
        yield pending
        stored = 0 if recorder is None else recorder.stored_seq
        yield _gauge("cti_db_write_lag_seconds", "Age of the oldest event not stored yet",
                     self._lag.seconds(stored, time.time()) if recorder is not None else 0.0)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _websocket_clients(service: Any) -> int:
    """Desktops connected, from the WebSocket hub when the service has one."""
    hub = getattr(service, "hub", None)
    for name in ("client_count", "clients"):
        value = getattr(hub, name, None)
        if callable(value):
            value = value()
        if isinstance(value, int):
            return value
        if value is not None and hasattr(value, "__len__"):
            return len(value)
    return 0
