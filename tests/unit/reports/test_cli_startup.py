"""The command line: a fast start (only the command's module loads), good and bad
arguments, and a service that is down (one clear line, no traceback)."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cti.cli import COMMANDS, build_parser, main
from cti.errors import EXIT_UNREACHABLE

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"
DOWN = "http://127.0.0.1:1"
#: What a command that only asks the service must not load: the service's stack.
HEAVY = ("pydantic", "aiohttp", "asyncpg", "acd", "cti.config", "numpy")


def test_the_command_table_is_what_the_modules_define() -> None:
    defined: dict[str, tuple[str, str]] = {}
    for module in sorted({m for m, _ in COMMANDS.values()} - {"cti.cli"}):
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).add_commands(sub)
        defined.update({a.dest: (module, a.help) for a in sub._choices_actions})
    assert {k: v for k, v in COMMANDS.items() if k != "config"} == defined


def _loaded_after(argv: list[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    code = (f"import sys, cti.cli; p = cti.cli.build_parser({argv!r}); "
            "p.format_help(); "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return json.loads(out.replace("'", '"'))


@pytest.mark.parametrize("argv", [["--help"], ["status"], ["watch"], ["queues"],
                                  ["queue", "show", "x"], ["agents"], ["report"],
                                  ["doctor"]])
def test_a_command_loads_only_what_it_needs(argv: list[str]) -> None:
    assert _loaded_after(argv) == []


@pytest.mark.parametrize("argv", [["--help"], ["watch"], ["queues"], ["agents"], ["status"],
                                  ["calls"], ["explain", "x"], ["reload"],
                                  ["agent", "ready", "a1"]])
def test_help_and_the_live_commands_load_no_event_loop(argv: list[str]) -> None:
    assert _loaded_after(argv, ("asyncio",)) == []


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_the_full_parser_still_parses_any_command() -> None:
    args = build_parser().parse_args(["queue", "show", "bookings", "--json"])
    assert (args.name, args.json) == ("bookings", True)


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("argv", [["status"], ["watch", "--once"], ["queues"],
                                  ["queue", "show", "bookings"], ["agents", "--json"],
                                  ["calls"], ["reload"]])
def test_every_live_command_with_the_service_down_says_so_in_one_line(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--url", DOWN]) == EXIT_UNREACHABLE
    assert "cannot reach the service at http://127.0.0.1:1" in one_line_error(capsys)


def test_the_address_comes_from_cti_yaml_and_a_bad_config_explains_a_failure(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CTI_LISTEN_HOST", "127.0.0.1")
    assert main(["queues", "--config", str(CONFIG)]) == EXIT_UNREACHABLE
    assert "http://127.0.0.1:8080" in one_line_error(capsys)
    monkeypatch.delenv("CTI_AMI_SECRET")        # only http is read on the way there...
    assert main(["queues", "--config", str(CONFIG)]) == 2
    assert "CTI_AMI_SECRET is not set" in one_line_error(capsys)   # ...the rest explains


def test_a_url_that_is_not_http(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agents", "--url", "ftp://x"]) == EXIT_UNREACHABLE
    assert "not an http:// or https:// address" in one_line_error(capsys)


@pytest.mark.parametrize("url", ["http://", "://", "http:///x"])
def test_a_url_without_a_host_is_wrong_input(capsys: pytest.CaptureFixture[str],
                                             url: str) -> None:
    assert main(["status", "--url", url]) == 2
    assert "names no host" in one_line_error(capsys)


def test_watch_refuses_a_silly_refresh(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "--every", "0.01", "--url", DOWN]) == 2
    assert "--every" in one_line_error(capsys)


@pytest.mark.parametrize(("argv", "says"), [
    (["report", "--from", "2026-03-05", "--to", "2026-03-01"], "is before --from"),
    (["report", "--queue", "nowhere"], "no queue named 'nowhere'"),
    (["report", "agents", "--queue", "bookings"], "--queue does not apply"),
    (["report", "cases", "--group", "colour"], "--group 'colour'"),
    (["report", "--plot", "x.png"], "add --by"),
    (["report", "--from", "2020-01-01", "--to", "2026-01-01"], "at most"),
    (["report", "states", "--unit", "nowhere"], "no unit named 'nowhere'"),
])
def test_report_arguments_that_cannot_work(argv: list[str], says: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--config", str(CONFIG)]) == 2
    assert says in one_line_error(capsys)


def test_a_day_that_is_not_a_day(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--from", "March"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "'March' is not a day; use YYYY-MM-DD, today or yesterday" in err
    assert "Traceback" not in err


def test_a_report_on_a_database_that_is_down(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    import yaml

    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    cti = yaml.safe_load((config / "cti.yaml").read_text())
    cti["database"]["url"] = "postgresql://cti:hunter2@127.0.0.1:1/cti"
    (config / "cti.yaml").write_text(yaml.safe_dump(cti))
    assert main(["report", "--config", str(config)]) == EXIT_UNREACHABLE
    err = one_line_error(capsys)
    assert "127.0.0.1:1" in err and "unreachable" in err and "hunter2" not in err
