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
    assert code == 2
    assert err == [
        f"cti ivr: {tmp_path}/main.yaml: b: type: unreachable: no step leads to it from "
        "start 'look'",
        f"cti ivr: {tmp_path}/vip.yaml: queue: queue: no queue named 'vips'; queues: "
        "billing, bookings, changes, complaints, general, vip",
        f"cti ivr: {ROOT / 'config'}/cti.yaml: ivr.survey_flow: no flow named 'survey'; "
        "flows: main, vip",
        f"cti ivr: 3 problem(s) in {tmp_path}",
    ]


def test_ivr_check_reads_the_flows_dir_of_the_config_it_is_given(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "site" / "config"
    shutil.copytree(ROOT / "config", config)
    flows = tmp_path / "site" / "flows"
    shutil.copytree(ROOT / "ivr_flows", flows)
    (flows / "vip.yaml").write_text((flows / "vip.yaml").read_text().replace(
        "queue: vip", "queue: vips"))
    text = (config / "cti.yaml").read_text()
    (config / "cti.yaml").write_text(text.replace("flows_dir: ../ivr_flows",
                                                  "flows_dir: ../flows"))
    code = run("ivr", "check", "--config", str(config))
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[0].startswith(f"cti ivr: {flows}/vip.yaml: queue: queue: no queue named 'vips'")
    assert err[-1] == f"cti ivr: 1 problem(s) in {flows}"


def test_ivr_check_names_the_config_directory_it_was_given(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "config", config)
    text = (config / "cti.yaml").read_text()
    text = text.replace("flows_dir: ../ivr_flows", f"flows_dir: {ROOT / 'ivr_flows'}")
    (config / "cti.yaml").write_text(text.replace("default_flow: main", "default_flow: nope"))
    assert run("ivr", "check", "--config", str(config)) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"cti ivr: {config}/cti.yaml: ivr.default_flow: no flow named 'nope'; "
                      "flows: after_hours, booking_status, main, survey, vip")
    config_errors = tmp_path / "broken"
    shutil.copytree(ROOT / "config", config_errors)
    text = (config_errors / "cti.yaml").read_text()
    (config_errors / "cti.yaml").write_text(text.replace("port: 5038", "port: 70000"))
    assert run("ivr", "check", "--config", str(config_errors)) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"cti ivr: {config_errors}/cti.yaml: ami[0].port: must be 65535 or less"]


def test_ivr_check_lists_the_prompts_a_sounds_directory_lacks(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cti.agi.loader import load_flows
    from cti.agi.sounds import prompts_played

    flows = load_flows(ROOT / "ivr_flows")
    names = [p.name for p in prompts_played({n: lf.flow for n, lf in flows.items()})
             if not p.variable]
    sounds = tmp_path / "sounds" / "en"
    formats = ["wav", "gsm", "ulaw", "alaw", "g722", "sln16"]
    for i, name in enumerate(names):
        if name in ("tourism/welcome", "cti-callback-offer"):
            continue                                   # these two are missing
        path = sounds / f"{name}.{formats[i % len(formats)]}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    code = run("ivr", "check", "--config", str(ROOT / "config"), "--sounds", str(sounds))
    out = capsys.readouterr().out.splitlines()
    assert code == 2
    assert "missing: tourism/welcome  (main.welcome)" in out
    assert "missing: cti-callback-offer  (hold step)" in out
    assert "not checked: tourism/status-${booking_status}  (chosen by a variable; " \
           "booking_status.say_status)" in out
    assert out[-1] == f"{sounds}: {len(names) - 2} of {len(names)} prompts found, 2 missing"
    (sounds / "tourism" / "welcome.WAV").write_bytes(b"")
    (sounds / "cti-callback-offer.sln").write_bytes(b"")
    assert run("ivr", "check", "--config", str(ROOT / "config"), "--sounds", str(sounds)) == 0


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


def test_ivr_simulate_shows_the_centres_local_time(
        capsys: pytest.CaptureFixture[str]) -> None:
    # hours.yaml names Europe/Madrid: a time given in UTC is shown in Madrid's time
    code = run("ivr", "simulate", "main", "--digits", "3", "--at", "2026-07-01T07:30+00:00",
               "--config", str(ROOT / "config"), "--flows", str(ROOT / "ivr_flows"))
    first = capsys.readouterr().out.splitlines()[0]
    assert code == 0
    assert first == ("flow main, caller +34612345678, 2026-07-01 09:30 CEST (open), "
                     "digits ['3']")
    run("ivr", "simulate", "main", "--digits", "3", "--config", str(ROOT / "config"),
        "--flows", str(ROOT / "ivr_flows"))
    now = capsys.readouterr().out.splitlines()[0]
    assert " CET (" in now or " CEST (" in now, now  # not UTC


def test_ivr_simulate_unknown_flow(capsys: pytest.CaptureFixture[str]) -> None:
    code = run("ivr", "simulate", "nope", "--config", str(ROOT / "config"),
               "--flows", str(ROOT / "ivr_flows"))
    assert code == 2
    assert "no flow named 'nope'" in capsys.readouterr().err
