"""Forecasts for the REST API and the wallboard: fitted off the event loop, kept per
queue and day.

Fitting a forecast is CPU-heavy (statsmodels; seconds with ``method=auto``), so it
runs in a worker process (one, started on first use, kept warm): the routing loop
and the other requests never wait for it. A fit is kept for its key (queue,
channel, interval, method, first day, weeks of history, holidays), so the
wallboard's refresh, ``/forecast`` and ``/staffing`` of the same queue and day
reuse one fit; two requests for the same key while it runs share that run. The
history it reads is whole days before the first day forecast, so a fit stays
right all day. Entries of other days are dropped first once ``keep`` are held.

Without the ``wfm`` extra every call raises ``WfmNotInstalled`` (501, with the
install line). This process never imports numpy or statsmodels (seconds of
import that would stall the event loop): the worker does (cti/wfm/jobs.py), and
answers in plain values.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import multiprocessing
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from cti.errors import ServiceUnavailable
from cti.events import iso
from cti.wfm import history, jobs
from cti.wfm.errors import WfmNotInstalled
from cti.wfm.jobs import FittedForecast

if TYPE_CHECKING:
    from cti.config import Config
    from cti.store import Store

#: Days every fit covers from its first day (a week: /forecast?days<=7, /staffing and
#: today's comparison share it).
FIT_DAYS = 7
#: What the REST forecasts need (matplotlib only draws the command's plots).
NEEDS = ("numpy", "statsmodels")


@dataclass(frozen=True)
class FitKey:
    queue: str
    channel: str
    interval_minutes: int
    method: str
    start: date
    weeks: int
    days: int
    holidays: frozenset[date]


@dataclass(frozen=True)
class Fit:
    result: FittedForecast
    fitted_at: float          # epoch seconds
    seconds: float            # wall time of the fit, history query included


def _process_pool() -> Executor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


class Forecasts:
    def __init__(self, *, keep: int = 64, max_pending: int = 8,
                 executor: Callable[[], Executor] = _process_pool,
                 needs: tuple[str, ...] = NEEDS) -> None:
        self.keep = keep
        self.max_pending = max_pending
        self.needs = needs
        self._make_executor = executor
        self._executor: Executor | None = None
        self._fits: OrderedDict[FitKey, Fit] = OrderedDict()
        self._running: dict[FitKey, asyncio.Task[Fit]] = {}
        self.fitted = 0           # fits run (for tests and metrics)

    def check_installed(self, what: str) -> None:
        """Raises WfmNotInstalled naming the first missing package."""
        for name in self.needs:
            if importlib.util.find_spec(name) is None:
                raise WfmNotInstalled(what, name)

    async def fit(self, config: Config, store: Store, queue: str, *, start: date,
                  days: int = FIT_DAYS, channel: str = "voice", interval_minutes: int = 30,
                  method: str = "auto", weeks: int = 16) -> tuple[Fit, bool]:
        """The forecast of ``max(days, FIT_DAYS)`` days from ``start``, and whether it was
        kept from before.

        Raises:
            NoHistory: too little history; ServiceUnavailable: too many fits waiting;
            ValueError: a bad method (the route checks first); StoreError.
        """
        key = FitKey(queue, channel, interval_minutes, method, start, weeks,
                     max(days, FIT_DAYS), frozenset(h.date for h in config.hours.holidays))
        kept = self._fits.get(key)
        if kept is not None:
            self._fits.move_to_end(key)
            return kept, True
        task = self._running.get(key)
        if task is None:
            if len(self._running) >= self.max_pending:
                raise ServiceUnavailable(f"{len(self._running)} forecasts are being fitted; "
                                         "try again in a minute")
            task = asyncio.create_task(self._fit(config, store, key))
            self._running[key] = task
            task.add_done_callback(lambda _t: self._running.pop(key, None))
        fit = await asyncio.shield(task)
        return fit, False

    async def _fit(self, config: Config, store: Store, key: FitKey) -> Fit:
        began = time.monotonic()
        first, end = history.history_window(key.start, key.weeks)
        buckets = await history.interval_buckets(
            store.pool, store.where, queue=key.queue, channel=key.channel, first_day=first,
            end_day=end, timezone=config.hours.timezone,
            interval_minutes=key.interval_minutes,
            short_abandon_seconds=config.service.reports.short_abandon_seconds)
        result = await self._run(functools.partial(
            jobs.fit, key.queue, key.channel, buckets, first, end, key.interval_minutes,
            key.holidays, key.start, key.days, key.method))
        fit = Fit(result, time.time(), time.monotonic() - began)
        self.fitted += 1
        self._remember(key, fit)
        return fit

    def _remember(self, key: FitKey, fit: Fit) -> None:
        self._fits[key] = fit
        while len(self._fits) > self.keep:
            stale = next((k for k in self._fits if k.start < key.start - timedelta(days=1)),
                         next(iter(self._fits)))
            del self._fits[stale]

    async def staff(self, fit: Fit, days: int, **rules: Any) -> dict[str, Any]:
        """Agents per interval of the fit's first ``days`` days (jobs.staff's rules)."""
        return await self._run(functools.partial(jobs.staff, fit.result, days, **rules))

    async def _run(self, job: Callable[[], Any]) -> Any:
        if self._executor is None:
            self._executor = self._make_executor()
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)

    def forget(self) -> None:
        """Drop every kept fit (the next request fits again)."""
        self._fits.clear()

    async def actual(self, config: Config, store: Store, queue: str, day: date, *,
                     channel: str = "voice", interval_minutes: int = 30) -> list[int]:
        """Contacts offered per interval of ``day`` so far, as recorded in PostgreSQL."""
        buckets = await history.interval_buckets(
            store.pool, store.where, queue=queue, channel=channel, first_day=day,
            end_day=day + timedelta(days=1), timezone=config.hours.timezone,
            interval_minutes=interval_minutes,
            short_abandon_seconds=config.service.reports.short_abandon_seconds)
        counts = [0] * (24 * 60 // interval_minutes)
        for b in buckets:
            if b.start.date() == day:
                counts[(b.start.hour * 60 + b.start.minute) // interval_minutes] += b.offered
        return counts

    async def stop(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, True, cancel_futures=True)


def describe_fit(fit: Fit, kept: bool) -> dict[str, Any]:
    """What every forecast answer says about the fit it comes from."""
    result = fit.result
    return {
        "method": result.method, "backtest": result.backtest, "history": result.history,
        "patience": None if result.patience is None else round(result.patience, 1),
        "fitted_at": iso(fit.fitted_at),
        "fit_seconds": round(fit.seconds, 3), "cached": kept,
    }
