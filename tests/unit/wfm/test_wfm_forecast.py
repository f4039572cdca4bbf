"""Forecast pipeline, backtest and methods on generated intraday history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from cti.wfm.backtest import backtest, wape
from cti.wfm.forecast import forecast, forecast_offered, handle_times, patience
from cti.wfm.generate import synthetic_series
from cti.wfm.methods import METHODS
from cti.wfm.series import Bucket, IntervalSeries

FIRST = date(2025, 1, 6)                                   # a Monday


def test_the_chosen_method_beats_seasonal_naive_on_half_a_year_with_holidays():
    # in the training windows, and one (Thursday 3 July) inside the last horizon
    holidays = [date(2025, 4, 17), date(2025, 5, 1), date(2025, 6, 24), date(2025, 7, 3)]
    series = synthetic_series(first_day=FIRST, days=26 * 7, holidays=holidays, seed=7)
    result = backtest(series, origins=2, step_days=28)
    naive = result.score("seasonal_naive").wape
    best = result.score(result.chosen)
    assert result.chosen != "seasonal_naive"
    assert best.wape < 0.9 * naive                       # measured: 0.21 against 0.29
    assert len(best.wapes) == 2 and all(0 < w < 1 for w in best.wapes)
    assert set(s.method for s in result.scores) == set(METHODS)
    assert result.to_dict()["chosen"] == result.chosen


def test_wape_copes_with_closed_intervals_where_mape_would_divide_by_zero():
    actual = np.array([[0.0, 10.0, 30.0, 0.0]])
    predicted = np.array([[1.0, 12.0, 27.0, 0.0]])
    assert wape(actual, predicted) == pytest.approx(6 / 40)
    assert np.isnan(wape(np.zeros((1, 4)), predicted))


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_forecasts_the_weekly_shape(method):
    series = synthetic_series(first_day=FIRST, days=12 * 7, day_noise=0.0, seed=1)
    start = series.end_day
    out = forecast_offered(series, start, 7, method)
    assert out.shape == (7, 48) and (out >= 0).all()
    totals = out.sum(axis=1)                              # Monday .. Sunday
    assert totals[6] == 0                                 # closed on Sundays
    assert totals[0] > totals[4] > totals[5] > 0          # busy Monday, short Saturday
    assert out[:, :16].sum() == 0                         # nothing before 08:00
    assert out[5, 28:].sum() == 0                         # Saturday closes at 14:00


def test_a_holiday_in_the_history_does_not_teach_an_empty_weekday():
    holiday = FIRST + timedelta(days=7 * 7 + 3)           # a Thursday, closed
    series = synthetic_series(first_day=FIRST, days=8 * 7, holidays=[holiday], seed=2)
    thursday = forecast_offered(series, series.end_day, 7, "seasonal_naive")[3]
    normal = series.offered[series.weekdays() == 3][:-1].sum(axis=1).mean()
    assert thursday.sum() == pytest.approx(normal, rel=0.25)


@pytest.mark.parametrize(("pattern", "like"), [("closed", None), ("sat", 5), ("mon", 0)])
def test_a_holiday_in_the_horizon_follows_its_pattern(pattern, like):
    series = synthetic_series(first_day=FIRST, days=8 * 7, seed=3)
    start = series.end_day
    holiday = start + timedelta(days=2)                   # Wednesday
    known = frozenset({holiday})
    out = forecast_offered(series, start, 7, "historical_average", holiday_pattern=pattern,
                           holidays=known)
    if like is None:
        assert out[2].sum() == 0
    else:
        assert out[2] == pytest.approx(out[like], rel=1e-9)   # that weekday, last 4 weeks
    assert out[3].sum() > 0
    result = forecast(series, start, 7, "historical_average", holiday_pattern=pattern,
                      holidays=known)
    assert result.holidays == {holiday: pattern}


def test_too_little_history_is_a_clear_error():
    series = synthetic_series(first_day=FIRST, days=10)
    with pytest.raises(ValueError, match="needs at least 14 days of history"):
        forecast_offered(series, series.end_day, 7, "historical_average")
    with pytest.raises(ValueError, match="unknown method 'arima'"):
        forecast_offered(series, series.end_day, 7, "arima")


def test_handle_time_and_patience_come_from_the_history():
    series = synthetic_series(first_day=FIRST, days=8 * 7, aht=300, patience=90, seed=4)
    aht = handle_times(series, [series.end_day])
    open_slots = series.offered[-7:].sum(axis=0) > 0
    assert aht[0][open_slots] == pytest.approx(300, rel=0.1)
    assert patience(series) == pytest.approx(90, rel=0.05)
    assert patience(IntervalSeries.empty("q", "voice", FIRST, 14, 30)) is None


def test_buckets_land_on_local_days_and_slots():
    buckets = [Bucket(datetime(2025, 3, 30, 9, 30), 5, 4, 1, 1000.0, 80.0),
               Bucket(datetime(2025, 3, 31, 0, 0), 2, 2, 0, 300.0, 10.0),
               Bucket(datetime(2025, 4, 2, 9, 0), 9, 9, 0, 0.0, 0.0)]      # outside: dropped
    series = IntervalSeries.from_buckets("q", "voice", buckets, date(2025, 3, 30),
                                         date(2025, 4, 1), 30)
    assert series.days == 2 and series.offered.sum() == 7
    assert series.offered[0, 19] == 5 and series.answered[1, 0] == 2
    assert series.slot_label(19) == "09:30"
    with pytest.raises(ValueError, match="use one of 15, 30, 60"):
        IntervalSeries.empty("q", "voice", FIRST, 1, 20)


def test_the_checked_method_names_are_the_methods() -> None:
    from cti.wfm.methods import METHODS
    from cti.wfm.params import METHOD_NAMES

    assert tuple(METHODS) == METHOD_NAMES
