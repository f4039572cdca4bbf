from __future__ import annotations

from datetime import datetime

import pytest

from cti.agi.conditions import Context, holds
from cti.agi.models import Condition

MONDAY_NOON = datetime(2026, 11, 23, 12, 30)


def ctx(now: datetime = MONDAY_NOON, is_open: bool = True, holiday: bool = False,
        **vars: str) -> Context:
    return Context(vars, now, lambda: is_open, lambda: holiday)


@pytest.mark.parametrize(("cond", "vars", "expected"), [
    ({"var": "tier", "eq": "vip"}, {"tier": "vip"}, True),
    ({"var": "tier", "ne": "vip"}, {"tier": "vip"}, False),
    ({"var": "value", "eq": 10}, {"value": "10.0"}, True),
    ({"var": "tier", "in": ["gold", "vip"]}, {"tier": "gold"}, True),
    ({"var": "tier", "not_in": ["gold", "vip"]}, {"tier": "gold"}, False),
    ({"var": "value", "gte": 10000}, {"value": "10000"}, True),
    ({"var": "value", "gt": 10000}, {"value": "10000"}, False),
    ({"var": "value", "lt": 5}, {"value": "abc"}, False),
    ({"var": "ref", "matches": "[0-9]{6}"}, {"ref": "123456"}, True),
    ({"var": "ref", "is_set": True}, {}, False),
    ({"var": "ref", "is_set": False}, {}, True),
    ({"var": "vip", "eq": True}, {"vip": "yes"}, True),
    ({"any": [{"var": "a", "eq": 1}, {"var": "b", "eq": 2}]}, {"b": "2"}, True),
    ({"all": [{"var": "a", "eq": 1}, {"var": "b", "eq": 2}]}, {"b": "2"}, False),
])
def test_condition_on_variables(cond: dict, vars: dict, expected: bool) -> None:
    assert holds(Condition.model_validate(cond), ctx(**vars)) is expected


def test_condition_business_hours_and_holiday_come_from_the_host() -> None:
    assert holds(Condition(open=False), ctx(is_open=False))
    assert not holds(Condition(open=True), ctx(is_open=False))
    assert holds(Condition(holiday=True), ctx(holiday=True))


def test_condition_time_of_day_and_days() -> None:
    assert holds(Condition(time="12:00-13:00"), ctx())
    assert not holds(Condition(time="13:00-14:00"), ctx())
    night = datetime(2026, 11, 23, 23, 15)
    assert holds(Condition(time="22:00-06:00"), ctx(now=night))
    assert holds(Condition(days=["mon", "tue"]), ctx())
    assert not holds(Condition(days=["sat", "sun"]), ctx())


def test_condition_var_without_test_is_refused() -> None:
    with pytest.raises(ValueError, match="has no test"):
        Condition(var="tier")
