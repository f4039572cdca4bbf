"""The service's watch over its own day: alerts, the local midnight, daily upkeep.

Three tasks (four under a systemd watchdog), started after the service and
cancelled before it stops:

- every ``reports.alerts.check_every`` seconds, check the alert limits
  (cti/reports/alerts.py) inside the routing loop and publish what starts and
  ends as domain events;
- at each local midnight (hours.yaml), start the day's counters again;
- once a day (and a minute after the start), create the coming months'
  partitions and apply the retention of cti.yaml ``reports.retention``;
- with ``WatchdogSec`` in the unit, ``WATCHDOG=1`` while the routing loop answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import structlog

from cti.health import sd_notify, watchdog_interval
from cti.reports import live
from cti.reports.alerts import AlertCleared, AlertRaised, AlertWatch, QueueLevel

if TYPE_CHECKING:
    from cti.app import Service
    from cti.routing import Step

log = structlog.get_logger(__name__)

#: Seconds after the start before the first upkeep (partitions are made at start).
UPKEEP_DELAY = 60.0
UPKEEP_EVERY = 24 * 3600.0


class Monitor:
    def __init__(self, service: Service,
                 call_in_loop: Callable[[Callable[[Step], Any]], Awaitable[Any]]) -> None:
        self._service = service
        self._call_in_loop = call_in_loop
        self.alerts = AlertWatch(service.config.service.reports.alerts)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        jobs = [("alerts", self._alerts), ("midnight", self._midnight),
                ("upkeep", self._upkeep)]
        if watchdog_interval() is not None:
            jobs.append(("watchdog", self._watchdog))
        for name, job in jobs:
            self._tasks.append(asyncio.create_task(job(), name=f"monitor-{name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def reconfigure(self) -> None:
        self.alerts.limits = self._service.config.service.reports.alerts

    # --- alerts ---------------------------------------------------------------------------

    async def _alerts(self) -> None:
        while True:
            await asyncio.sleep(self.alerts.limits.check_every)
            try:
                await self._call_in_loop(self.check_alerts)
            except Exception:
                log.exception("alert check failed")

    def check_alerts(self, step: Step) -> None:
        """Check the limits now and publish what changed (runs in the routing loop)."""
        service = self._service
        engine, tally, stream = step.router.engine, service.tally, service.stream
        if tally is None or stream is None:
            return
        figures = engine.all_queue_figures()
        counts = live.queue_counts(engine, tally)
        queues = {name: QueueLevel(counts[name], f.sl_percent) for name, f in figures.items()}
        raised, cleared = self.alerts.check(queues, engine.all_agent_figures().values(),
                                            step.now.mono)
        events = []
        for a in raised:
            log.warning("alert", kind=a.kind, subject=a.subject, detail=a.detail)
            events.append(stream.new(AlertRaised, kind=a.kind, subject=a.subject,
                                     value=a.value, limit=a.limit, detail=a.detail,
                                     **_about(a.kind, a.subject)))
        for a in cleared:
            log.info("alert cleared", kind=a.kind, subject=a.subject)
            events.append(stream.new(AlertCleared, kind=a.kind, subject=a.subject,
                                     **_about(a.kind, a.subject)))
        stream.publish(events)

    async def _watchdog(self) -> None:
        """systemd's WatchdogSec: ping while the routing loop still answers."""
        every = watchdog_interval() or 10.0
        while True:
            await asyncio.sleep(every)
            try:
                await asyncio.wait_for(self._call_in_loop(lambda step: None), every)
            except TimeoutError:
                log.error("the routing loop did not answer in time; no watchdog ping")
                continue
            sd_notify("WATCHDOG=1")

    # --- the day --------------------------------------------------------------------------

    async def _midnight(self) -> None:
        while True:
            timezone = self._service.config.hours.timezone
            wait = live.next_midnight(time.time(), timezone).timestamp() - time.time()
            await asyncio.sleep(max(0.5, wait))
            if live.local_midnight(time.time(), timezone).timestamp() > time.time() - 60:
                await self._call_in_loop(self._roll)

    def _roll(self, step: Step) -> None:
        if self._service.tally is not None:
            live.roll_day(step.router.engine, self._service.tally, step.now.mono)
            log.info("a new day: live counters start again")

    async def _upkeep(self) -> None:
        from cti.store.retention import upkeep

        await asyncio.sleep(UPKEEP_DELAY)
        while True:
            store = self._service.store
            if store is not None:
                try:
                    await upkeep(store.pool, store.where,
                                 self._service.config.service.reports.retention)
                except Exception as exc:  # the database may be down: try tomorrow
                    log.warning("daily upkeep failed", error=str(exc))
            await asyncio.sleep(UPKEEP_EVERY)


def _about(kind: str, subject: str) -> dict[str, str]:
    return {"queue": subject} if kind == "service-level" else {"agent_id": subject}
