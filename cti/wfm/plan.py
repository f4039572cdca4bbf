"""What ``cti forecast`` and ``cti staffing`` do, as functions the REST API can reuse.

    series = await load_history(config, "billing", start=date(2026, 12, 1), weeks=16)
    result = make_forecast(series, start, days=7, holidays=holidays_of(config))
    staff = make_staffing(result.forecast, config.queues["billing"], shrinkage=0.3)

``load_history`` reaches the service's database the way ``cti db migrate``
does: the embedded server (started for the query and stopped after, unless the
running service already had it up) or the DSN of cti.yaml.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from cti.config import Config, QueueConfig
from cti.store import Store
from cti.store.embedded import EmbeddedPostgres
from cti.wfm import history
from cti.wfm.backtest import Backtest, backtest
from cti.wfm.errors import NoHistory, UnknownQueue
from cti.wfm.forecast import MIN_HISTORY_DAYS, Forecast, forecast
from cti.wfm.methods import METHODS
from cti.wfm.series import Bucket, IntervalSeries
from cti.wfm.staffing import Model, StaffingPlan, plan_staffing

#: With fewer days than this the backtest is skipped and the baseline used.
MIN_BACKTEST_DAYS = MIN_HISTORY_DAYS + 14


@dataclass(frozen=True)
class ForecastResult:
    forecast: Forecast
    backtest: Backtest | None        # None when a method was given or history is short
    history: IntervalSeries          # what it was built from (for plots)


def holidays_of(config: Config) -> frozenset[date]:
    return frozenset(h.date for h in config.hours.holidays)


@asynccontextmanager
async def open_store(config: Config) -> AsyncIterator[Store]:
    db = config.service.database
    embedded = EmbeddedPostgres(config.path(db.data_dir)) if db.embedded else None
    dsn = await asyncio.to_thread(embedded.start) if embedded else db.url.get_secret_value()
    try:
        async with await Store.open(dsn, min_size=1, max_size=2) as store:
            yield store
    finally:
        if embedded is not None and not embedded.adopted:
            await asyncio.to_thread(embedded.stop)


async def load_history(config: Config, queue: str, *, start: date, weeks: int,
                       channel: str = "voice", interval_minutes: int = 30) -> IntervalSeries:
    """The ``weeks`` weeks of whole local days before ``start`` for one queue.

    Raises:
        UnknownQueue: not in queues.yaml.
        NoHistory: no call of that queue and channel in the window.
        StoreError: the database is unreachable or refused.
    """
    if queue not in config.queues:
        raise UnknownQueue(queue, config.queues)
    first, end = history.history_window(start, weeks)
    async with open_store(config) as store:
        buckets = await history.interval_buckets(
            store.pool, store.where, queue=queue, channel=channel, first_day=first,
            end_day=end, timezone=config.hours.timezone, interval_minutes=interval_minutes,
            short_abandon_seconds=config.service.reports.short_abandon_seconds)
    return series_from_buckets(queue, channel, buckets, first, end, interval_minutes,
                               holidays_of(config))


def series_from_buckets(queue: str, channel: str, buckets: list[Bucket], first: date,
                        end: date, interval_minutes: int,
                        holidays: frozenset[date]) -> IntervalSeries:
    """The history query's buckets of the days [first, end) as a series, trimmed of the
    empty days before the queue's first call.

    Raises:
        NoHistory: no call in the window, or fewer than MIN_HISTORY_DAYS days from the first.
    """
    series = IntervalSeries.from_buckets(queue, channel, buckets, first, end,
                                         interval_minutes, holidays)
    if series.offered.sum() == 0:
        raise NoHistory(queue, channel, first.isoformat(), end.isoformat())
    return _trim_leading_empty_days(series, first, end, queue, channel)


def _trim_leading_empty_days(series: IntervalSeries, first: date, end: date, queue: str,
                             channel: str) -> IntervalSeries:
    """A queue created six weeks ago has six weeks of history, not sixteen of zeros."""
    busy = series.offered.sum(axis=1) > 0
    first_busy = int(busy.argmax())
    trimmed = series.between(series.first_day + timedelta(days=first_busy), series.end_day)
    if trimmed.days < MIN_HISTORY_DAYS:
        raise NoHistory(queue, channel, first.isoformat(), end.isoformat(),
                        found_days=trimmed.active_days(), needed_days=MIN_HISTORY_DAYS)
    return trimmed


def make_forecast(series: IntervalSeries, start: date, days: int, *, method: str = "auto",
                  holiday_pattern: str = "closed", origins: int = 4) -> ForecastResult:
    """Forecast ``days`` days from ``start`` (the day after the series ends).

    ``method="auto"`` backtests every method on the series' last ``origins`` weeks and
    uses the best; with less than four weeks of history it uses the seasonal naive.
    """
    if method != "auto" and method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use auto or one of {', '.join(METHODS)}")
    test = None
    if method == "auto":
        if series.days >= MIN_BACKTEST_DAYS:
            test = backtest(series, origins=origins, holiday_pattern=holiday_pattern)
            method = test.chosen
        else:
            method = "seasonal_naive"
    result = forecast(series, start, days, method, holiday_pattern=holiday_pattern)
    return ForecastResult(result, test, series)


def make_staffing(result: Forecast, queue: QueueConfig, *, target_seconds: float | None = None,
                  target_level: float | None = None, max_occupancy: float = 1.0,
                  shrinkage: float = 0.0, model: Model | None = None,
                  patience: float | None = None,
                  max_abandon: float | None = None) -> StaffingPlan:
    """Staff a forecast; targets default to the queue's service level in queues.yaml."""
    return plan_staffing(
        result,
        target_seconds=queue.service_level.target_seconds if target_seconds is None
        else target_seconds,
        target_level=queue.service_level.percent / 100 if target_level is None
        else target_level,
        max_occupancy=max_occupancy, shrinkage=shrinkage, model=model, patience=patience,
        max_abandon=max_abandon)
