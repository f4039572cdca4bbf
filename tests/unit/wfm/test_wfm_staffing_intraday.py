"""Staffing a forecast per interval, and the intraday re-forecast."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from acd.erlang import agents_needed
from acd.erlang_a import agents_needed_a
from cti.cli import main
from cti.wfm.forecast import Forecast
from cti.wfm.intraday import elapsed_intervals, reforecast_day
from cti.wfm.staffing import plan_staffing


def _forecast(calls: list[float], aht: float = 240.0, patience: float | None = 120.0,
              minutes: int = 30) -> Forecast:
    slots = 24 * 60 // minutes
    offered = np.zeros((1, slots))
    offered[0, 16:16 + len(calls)] = calls
    return Forecast("billing", "voice", date(2026, 3, 2), minutes, "historical_average",
                    offered, np.full((1, slots), aht), patience)


def test_each_interval_gets_the_erlang_a_staffing_of_its_volume():
    plan = plan_staffing(_forecast([10, 40, 80]), target_seconds=20, target_level=0.8,
                         shrinkage=0.25)
    busy = [i for i in plan.intervals if i.calls]
    assert [i.interval for i in busy] == ["08:00", "08:30", "09:00"]
    for i in busy:
        expected = agents_needed_a(i.calls, 240, 120, 20, 0.8, interval=1800)
        assert (i.agents, i.service_level) == (expected.agents, expected.service_level)
        assert i.scheduled == math.ceil(round(i.agents / 0.75, 9))
    assert busy[0].agents < busy[1].agents < busy[2].agents
    assert all(i.agents == i.scheduled == 0 for i in plan.intervals if not i.calls)
    assert plan.agents().shape == (1, 48)
    json.dumps(plan.rows())                                      # JSON-able for the API


def test_erlang_c_when_nobody_ever_hung_up():
    plan = plan_staffing(_forecast([40], patience=None), target_seconds=20, target_level=0.8)
    assert plan.model == "erlang_c"
    i = next(i for i in plan.intervals if i.calls)
    assert i.agents == agents_needed(40, 240, 20, 0.8, interval=1800).agents
    assert i.abandon_rate is None
    with pytest.raises(ValueError, match="give --patience"):
        plan_staffing(_forecast([40], patience=None), target_seconds=20, target_level=0.8,
                      model="erlang_a")


def test_impatient_callers_need_fewer_agents_for_the_same_target_than_erlang_c():
    f = _forecast([120])
    a = plan_staffing(f, target_seconds=20, target_level=0.8, model="erlang_a")
    c = plan_staffing(f, target_seconds=20, target_level=0.8, model="erlang_c")
    assert a.agents().sum() <= c.agents().sum()


def test_a_busier_morning_raises_the_rest_of_the_day():
    planned = [10.0] * 24
    update = reforecast_day(planned, [12.0] * 8)                 # 20 % above, 96 calls seen
    assert update.elapsed == 8 and update.actual_so_far == 96
    assert update.ratio == pytest.approx((96 + 20) / (80 + 20))
    assert update.reforecast[:8] == [12.0] * 8
    assert update.reforecast[8] == pytest.approx(10 * update.ratio, abs=1e-3)
    assert update.expected_total == pytest.approx(96 + 16 * 10 * update.ratio, abs=0.01)
    assert json.loads(json.dumps(update.to_dict()))["forecast_total"] == 240


def test_thin_evidence_barely_moves_the_forecast():
    update = reforecast_day([2.0] * 24, [4.0])                   # two extra calls at dawn
    assert 1 < update.ratio < 1.1


def test_the_ratio_is_kept_within_bounds():
    assert reforecast_day([1.0] * 10, [50.0] * 5).ratio == 4.0
    assert reforecast_day([100.0] * 10, [0.0] * 5).ratio == 0.25
    with pytest.raises(ValueError, match="3 actual intervals for a forecast of 2"):
        reforecast_day([1.0, 1.0], [1.0, 1.0, 1.0])


def test_elapsed_intervals_counts_whole_intervals_in_local_time():
    zone = ZoneInfo("Europe/Madrid")
    start = datetime(2026, 3, 2, tzinfo=zone)
    assert elapsed_intervals(datetime(2026, 3, 2, 9, 59, tzinfo=zone), start, 30, 48) == 19
    assert elapsed_intervals(datetime(2026, 3, 1, 23, 0, tzinfo=zone), start, 30, 48) == 0
    assert elapsed_intervals(datetime(2026, 3, 4, tzinfo=zone), start, 30, 48) == 48


def test_cti_help_does_not_import_the_forecasting_packages():
    code = ("import sys, cti.cli; cti.cli.build_parser(); "
            "print(sorted(m for m in ('numpy', 'statsmodels', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "[]"


def test_without_the_extra_the_command_says_how_to_install_it(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "statsmodels" else real(name, *a))
    assert main(["forecast", "--queue", "billing"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("cti: cti forecast needs the optional forecasting packages (statsmodels is "
                   "missing); install them with: pip install 'asterisk-cti[wfm]'")


@pytest.mark.parametrize(("argv", "message"), [
    (["forecast", "--queue", "billing", "--start", "2026-99-01"], "'2026-99-01' is not a day"),
    (["forecast", "--queue", "billing", "--method", "prophet"], "unknown method 'prophet'"),
    (["forecast", "--queue", "billing", "--weeks", "1"], "--weeks 1 must be from 3 to 260"),
    (["staffing", "--queue", "billing", "--target", "-1"], "--target -1 must be seconds"),
    (["staffing", "--queue", "billing", "--patience", "0"], "--patience 0 must be seconds"),
    (["staffing", "--queue", "billing", "--max-abandon", "100"], "--max-abandon 100"),
])
def test_values_that_cannot_work_are_refused_before_anything_is_read(
        capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    """No configuration, no database: the arguments alone are wrong, in one line."""
    try:
        code = main([*argv, "--config", "/nonexistent/config"])
    except SystemExit as exit_:              # argparse's own refusal
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert "nonexistent" not in err
