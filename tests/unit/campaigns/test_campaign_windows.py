"""Call windows in the contact's local time, every zone of the number open at once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cti.campaigns.models import Window
from cti.campaigns.windows import CallWindow
from cti.numbers import parse

MADRID_AND_CANARY = parse("+34612345678", "ES").time_zones   # a Spanish mobile
NEW_YORK = parse("+12125550100", "ES").time_zones


def at(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def window(**fields: object) -> CallWindow:
    return CallWindow.of(Window.model_validate(fields), "Europe/Madrid")


def test_a_spanish_mobile_lies_in_two_zones_an_hour_apart() -> None:
    assert set(MADRID_AND_CANARY) == {"Europe/Madrid", "Atlantic/Canary"}


def test_a_number_in_two_zones_is_called_only_when_both_are_open() -> None:
    w = window(days=["mon", "tue", "wed", "thu", "fri"], hours=["09:00-21:00"])
    # Tuesday 3 February 2026, winter: Madrid is UTC+1, the Canaries UTC+0
    assert not w.open(MADRID_AND_CANARY, at(2026, 2, 3, 8, 30))   # 09:30 / 08:30
    assert w.open(MADRID_AND_CANARY, at(2026, 2, 3, 9, 0))        # 10:00 / 09:00
    assert w.open(MADRID_AND_CANARY, at(2026, 2, 3, 19, 59))      # 20:59 / 19:59
    assert not w.open(MADRID_AND_CANARY, at(2026, 2, 3, 20, 0))   # 21:00 / 20:00


def test_next_open_is_when_the_last_zone_opens() -> None:
    w = window(hours=["09:00-21:00"])
    assert w.next_open(MADRID_AND_CANARY, at(2026, 2, 3, 8, 30)) == at(2026, 2, 3, 9, 0)


def test_weekends_and_holidays_are_skipped_in_the_numbers_own_zone() -> None:
    w = window(days=["mon", "tue", "wed", "thu", "fri"], hours=["10:00-18:00"],
               holidays=[date(2026, 2, 9)])
    # Friday 6 February 2026, 18:30 in New York (23:30 UTC): closed until Tuesday 10:00
    friday_evening = at(2026, 2, 6, 23, 30)
    assert not w.open(NEW_YORK, friday_evening)
    assert w.next_open(NEW_YORK, friday_evening) == at(2026, 2, 10, 15, 0)


def test_a_number_without_a_zone_is_called_in_the_fallback_zone() -> None:
    w = window(hours=["09:00-10:00"], default_zone="Europe/London")
    assert w.open((), at(2026, 2, 3, 9, 30))
    assert not w.open((), at(2026, 2, 3, 10, 30))


def test_the_window_follows_daylight_saving_time() -> None:
    w = window(days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], hours=["09:00-21:00"])
    # Madrid: 09:00 is 08:00 UTC in winter, 07:00 UTC in summer
    assert w.open(("Europe/Madrid",), at(2026, 7, 1, 7, 0))
    assert not w.open(("Europe/Madrid",), at(2026, 1, 14, 7, 0))


def test_a_window_that_never_opens_has_no_next_opening() -> None:
    w = window(days=["mon"], hours=["09:00-10:00"],
               holidays=[date(2026, 2, d) for d in (9, 16)])
    # from Tuesday 3 Feb, the Mondays within the look-ahead are holidays
    assert w.next_open(("Europe/Madrid",), at(2026, 2, 3, 12, 0)) is None


def test_a_span_to_midnight_covers_the_last_minute() -> None:
    w = window(days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], hours=["00:00-24:00"])
    assert w.open(("UTC",), at(2026, 2, 3, 23, 59, 59))


@pytest.mark.parametrize("span", ["9:00-21:00", "21:00-09:00", "09:00-25:00", "09:60-10:00"])
def test_a_bad_span_is_refused(span: str) -> None:
    with pytest.raises(ValueError, match=r"span|start"):
        Window(hours=[span])
