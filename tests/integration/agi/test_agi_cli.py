"""``cti ivr check`` and ``cti ivr simulate`` as a sysadmin runs them."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from cti.agi.cli import add_commands

ROOT = Path(__file__).resolve().parents[3]


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="cti")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_ivr_check_accepts_the_example_flows(capsys: pytest.CaptureFixture[str]) -> None:
    code = run("ivr", "check", "--config", str(ROOT / "config"), "--flows",
               str(ROOT / "ivr_flows"))
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[-1] == "5 flows OK"


def test_ivr_check_lists_every_problem(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "ivr_flows" / "vip.yaml", tmp_path / "vip.yaml")
    text = (tmp_path / "vip.yaml").read_text()
    (tmp_path / "vip.yaml").write_text(text.replace("queue: vip", "queue: vips"))
    (tmp_path / "main.yaml").write_text(
        "start: look\nsteps:\n  look: {type: lookup, found: a, not_found: a}\n"
        "  a: {type: goto, flow: vip}\n  b: {type: hangup}\n")
    code = run("ivr", "check", "--config", str(ROOT / "config"), "--flows", str(tmp_path))
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err == [
        f"cti ivr: {tmp_path}/main.yaml: b: type: unreachable: no step leads to it from "
        "start 'look'",
        f"cti ivr: {tmp_path}/vip.yaml: queue: queue: no queue named 'vips'; queues: "
        "billing, bookings, changes, complaints, general, vip",
        f"cti ivr: 2 problem(s) in {tmp_path}",
    ]


def test_ivr_simulate_prints_the_path_and_the_outcome(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = run("ivr", "simulate", "main", "--caller", "5551234", "--digits", "3",
               "--at", "2026-11-23T10:00", "--config", str(ROOT / "config"),
               "--flows", str(ROOT / "ivr_flows"), "--commands")
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0] == "flow main, caller 5551234, 2026-11-23 10:00 CET (open), digits ['3']"
    assert [line.split()[1] for line in out[1:7]] == [
        "main.welcome", "main.hours", "main.identify", "main.main_menu", "main.billing",
        "main.queue_billing"]
    assert "result: queue, interaction int-0001" in out
    assert "  queued: billing skills={} priority=0" in out
    assert "  GET DATA tourism/main-menu 5000 1" in out


def test_ivr_simulate_unknown_flow(capsys: pytest.CaptureFixture[str]) -> None:
    code = run("ivr", "simulate", "nope", "--config", str(ROOT / "config"),
               "--flows", str(ROOT / "ivr_flows"))
    assert code == 1
    assert "no flow named 'nope'" in capsys.readouterr().err
