"""What a forecast or staffing request may ask, checked before anything is read.

``cti forecast`` and ``cti staffing`` check their values here before the
configuration or the database is read; the REST routes (cti/api/routes/wfm.py)
take the same names of methods, channels, intervals and models. Each check takes
a ``name`` function (``--max-occupancy`` on the command line). Standard library
only: ``cti --help`` and the checks never import the ``wfm`` extra.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cti.errors import BadRequest

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY_PATTERNS = ("closed", *DAYS)
#: The forecasting methods (cti/wfm/methods.py METHODS, same order), and ``auto``.
METHOD_NAMES = ("seasonal_naive", "historical_average", "daily_profile", "holt_winters",
                "mstl")
INTERVALS = (15, 30, 60)
CHANNELS = ("voice", "chat", "email")
MODELS = ("erlang-a", "erlang-c")

Name = Callable[[str], str]


def option(name: str) -> str:
    """``max_occupancy`` as the command line spells it: ``--max-occupancy``."""
    return "--" + name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class ForecastAsk:
    days: int
    weeks: int = 16
    interval: int = 30
    channel: str = "voice"
    method: str = "auto"
    holiday_as: str = "closed"


@dataclass(frozen=True, slots=True)
class StaffingAsk:
    """Percents 0..100 as given (``None``: the queue's own target, or no limit)."""

    target: float | None = None
    level: float | None = None
    max_occupancy: float = 100.0
    shrinkage: float = 0.0
    model: str | None = None
    patience: float | None = None
    max_abandon: float | None = None


def check_forecast(ask: ForecastAsk, name: Name = option) -> None:
    """Raises BadRequest naming the first value that cannot work."""
    if not 1 <= ask.days <= 366:
        raise BadRequest(f"{name('days')} {ask.days} must be from 1 to 366")
    if not 3 <= ask.weeks <= 260:
        raise BadRequest(f"{name('weeks')} {ask.weeks} must be from 3 to 260")
    if ask.interval not in INTERVALS:
        raise BadRequest(f"{name('interval')} {ask.interval}: use 15, 30 or 60 (minutes)")
    if ask.channel not in CHANNELS:
        raise BadRequest(f"{name('channel')} {ask.channel!r}: use {', '.join(CHANNELS)}")
    if ask.method != "auto" and ask.method not in METHOD_NAMES:
        raise BadRequest(f"unknown method {ask.method!r}; use auto or one of "
                         f"{', '.join(METHOD_NAMES)}")
    if ask.holiday_as not in HOLIDAY_PATTERNS:
        raise BadRequest(f"{name('holiday_as')} {ask.holiday_as!r}: use closed or a weekday "
                         "(mon, tue, wed, thu, fri, sat, sun)")


def check_staffing(ask: StaffingAsk, name: Name = option) -> None:
    """Raises BadRequest naming the first value that cannot work."""
    _percent(ask.level, name("level"), upper_open=True)
    _percent(ask.max_occupancy, name("max_occupancy"))
    if not 0 <= ask.shrinkage < 100:
        raise BadRequest(f"{name('shrinkage')} {ask.shrinkage:g} must be a percent "
                         "from 0 to 99")
    _percent(ask.max_abandon, name("max_abandon"), upper_open=True)
    if ask.target is not None and not 0 <= ask.target <= 3600:
        raise BadRequest(f"{name('target')} {ask.target:g} must be seconds from 0 to 3600")
    if ask.patience is not None and not 0 < ask.patience <= 86400:
        raise BadRequest(f"{name('patience')} {ask.patience:g} must be seconds above 0")
    if ask.model is not None and ask.model not in MODELS:
        raise BadRequest(f"{name('model')} {ask.model!r}: use erlang-a or erlang-c")


def _percent(value: float | None, label: str, *, upper_open: bool = False) -> None:
    if value is None:
        return
    if not value > 0 or value > 100 or (upper_open and value == 100):
        raise BadRequest(f"{label} {value:g} must be a percent above 0 and "
                         f"{'below' if upper_open else 'at most'} 100")
