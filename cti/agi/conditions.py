"""Evaluate branch conditions against the call's variables and the clock."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time

from cti.agi.models import Condition

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Context:
    """What a condition may look at. ``now`` is local to the contact centre."""

    vars: Mapping[str, str]
    now: datetime
    is_open: Callable[[], bool]
    is_holiday: Callable[[], bool]


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _equal(value: str, expected: object) -> bool:
    if isinstance(expected, bool):
        return value.lower() in (("true", "1", "yes") if expected else ("false", "0", "no", ""))
    a, b = _number(value), _number(expected)
    if a is not None and b is not None:
        return a == b
    return value == str(expected)


def _in_span(now: time, span: str) -> bool:
    start_text, end_text = span.split("-")
    start = time.fromisoformat(start_text)
    end = time.max if end_text == "24:00" else time.fromisoformat(end_text)
    if start <= end:
        return start <= now < end
    return now >= start or now < end          # across midnight: 22:00-06:00


def holds(cond: Condition, ctx: Context) -> bool:
    """True when every test given in ``cond`` holds."""
    if cond.var is not None and not _var_holds(cond, ctx.vars.get(cond.var, "")):
        return False
    if cond.open is not None and ctx.is_open() != cond.open:
        return False
    if cond.holiday is not None and ctx.is_holiday() != cond.holiday:
        return False
    if cond.time is not None and not _in_span(ctx.now.time(), cond.time):
        return False
    if cond.days is not None and _DAYS[ctx.now.weekday()] not in cond.days:
        return False
    if cond.all is not None and not all(holds(c, ctx) for c in cond.all):
        return False
    return cond.any is None or any(holds(c, ctx) for c in cond.any)


def _var_holds(cond: Condition, value: str) -> bool:
    if cond.is_set is not None and (value != "") != cond.is_set:
        return False
    if cond.eq is not None and not _equal(value, cond.eq):
        return False
    if cond.ne is not None and _equal(value, cond.ne):
        return False
    if cond.in_ is not None and not any(_equal(value, x) for x in cond.in_):
        return False
    if cond.not_in is not None and any(_equal(value, x) for x in cond.not_in):
        return False
    if cond.matches is not None and re.fullmatch(cond.matches, value) is None:
        return False
    number = _number(value)
    for bound, test in ((cond.gt, float.__gt__), (cond.gte, float.__ge__),
                        (cond.lt, float.__lt__), (cond.lte, float.__le__)):
        if bound is not None and (number is None or not test(number, float(bound))):
            return False
    return True
