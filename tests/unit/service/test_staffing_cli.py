"""`cti erlang`: staffing from a forecast, checked on the Call Centre Helper worked example
(100 calls in 30 minutes, 180 s handle time, 80 % in 20 s -> 14 agents, 88.8 %, ASA 7.8 s)."""

from __future__ import annotations

import pytest

from cti.cli import main


def test_erlang_prints_agents_needed_and_the_neighbouring_staffing_levels(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["erlang", "--calls", "100", "--aht", "180", "--interval", "1800",
                 "--target", "20", "--level", "80", "--shrinkage", "30"]) == 0
    out = capsys.readouterr().out
    assert "= 10.00 Erlangs" in out
    assert "agents needed: 14 on the phones, 20 scheduled with 30% shrinkage" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("14 "))
    assert row.split()[:5] == ["14", "88.8%", "7.8s", "17.4%", "71.4%"]
    assert row.endswith("yes, fewest")
    row13 = next(line for line in out.splitlines() if line.strip().startswith("13 "))
    assert float(row13.split()[1].rstrip("%")) < 80.0


def test_erlang_bad_input_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["erlang", "--calls", "10", "--aht", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cti: traffic needs") and "aht > 0" in err
    assert main(["erlang", "--calls", "10", "--aht", "60", "--level", "120"]) == 2
    assert "--level 120 must be a percent between 0 and 100" in capsys.readouterr().err
