"""What every ``cti`` command does the same way: --config DIR (or $CTI_CONFIG), errors
naming the config directory given, exit codes 1 (unreachable) and 2 (input wrong),
--version, `cti config init`, and the loose ends of `cti erlang --help`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cti import __version__
from cti.cli import build_parser, main
from cti.errors import (
    EXIT_BAD_INPUT,
    EXIT_UNREACHABLE,
    BadRequest,
    ServiceUnreachable,
    exit_code,
)

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "config"


def _commands_with_config(parser) -> list[tuple[str, object]]:
    """(command path, parser) of every leaf command that has a --config option."""
    found = []

    def walk(p, path: str) -> None:
        subs = [a for a in p._actions if a.__class__.__name__ == "_SubParsersAction"]
        if not subs:
            if any("--config" in a.option_strings for a in p._actions):
                found.append((path, p))
            return
        for name, child in subs[0].choices.items():
            walk(child, f"{path} {name}".strip())

    walk(parser, "")
    return found


def test_every_command_takes_the_config_directory_the_same_way(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTI_CONFIG", "/etc/cti")
    commands = dict(_commands_with_config(build_parser()))
    for expected in ("run", "demo", "status", "reload", "calls", "explain", "agent pause",
                     "db migrate", "ivr check", "ivr simulate", "ami record", "case show",
                     "customer find", "forecast", "staffing", "config check"):
        assert expected in commands, expected
    for name, parser in commands.items():
        option = next(a for a in parser._actions if "--config" in a.option_strings)
        assert option.default == Path("/etc/cti"), name
        assert option.metavar == "DIR", name
    monkeypatch.delenv("CTI_CONFIG")
    (_, run), = [(n, p) for n, p in _commands_with_config(build_parser()) if n == "run"]
    assert next(a for a in run._actions if "--config" in a.option_strings).default == \
        Path("config")


def test_the_flows_directory_is_given_the_same_way() -> None:
    commands = dict(_commands_with_config(build_parser()))
    for name in ("run", "demo", "ivr check", "ivr simulate"):
        option = next(a for a in commands[name]._actions if "--flows" in a.option_strings)
        assert option.metavar == "DIR" and option.default is None, name


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"cti {__version__}"


def test_exit_codes_tell_unreachable_from_wrong_input() -> None:
    from cti.ami.errors import AmiConnectError, AmiLoginFailed
    from cti.store.errors import StoreUnavailable

    assert exit_code(ServiceUnreachable("http://x", "refused")) == EXIT_UNREACHABLE == 1
    assert exit_code(StoreUnavailable("down")) == EXIT_UNREACHABLE
    assert exit_code(AmiConnectError("pbx1", "h", 5038, "cti", "refused")) == EXIT_UNREACHABLE
    assert exit_code(AmiLoginFailed("pbx1", "h", 5038, "cti", "denied")) == EXIT_BAD_INPUT == 2
    assert exit_code(BadRequest("no")) == EXIT_BAD_INPUT


def test_errors_name_the_config_directory_given(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "site" / "conf"
    shutil.copytree(SHIPPED, config)
    text = (config / "cti.yaml").read_text()
    (config / "cti.yaml").write_text(text.replace("port: 5038", "port: 70000"))
    assert main(["db", "migrate", "--config", str(config)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"cti: {config}/cti.yaml: ami[0].port: must be 65535 or less"]
    assert main(["status", "--config", str(config)]) == 2
    assert f"cti: {config}/cti.yaml: ami[0].port" in capsys.readouterr().err
    assert main(["config", "check", "--config", str(config)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{config}: configuration has errors:",
        f"  {config}/cti.yaml: ami[0].port: must be 65535 or less"]


def test_outside_the_project_the_hint_says_where_the_examples_are(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["status"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "cti: config: no such config directory; give --config DIR (or set CTI_CONFIG), or "
        "create it with `cti config init config`"]
    (tmp_path / "config").mkdir()
    shutil.copy(SHIPPED / "cti.yaml", tmp_path / "config" / "cti.yaml")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "copy it from config/" not in err
    assert (f"cti: config/queues.yaml: file not found in config/; `cti config init config` "
            f"writes commented examples of every file (they are in {SHIPPED})") in err


def test_config_init_writes_the_examples_that_then_check_ok(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "etc" / "cti"
    assert main(["config", "init", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote 6 config files to {target}/ and 5 IVR flows to "
                          f"{target}/ivr_flows/")
    assert (target / "queues.yaml").read_text() == (SHIPPED / "queues.yaml").read_text()
    cti_yaml = (target / "cti.yaml").read_text()
    assert "flows_dir: ivr_flows" in cti_yaml and "../" not in cti_yaml
    assert main(["config", "check", "--config", str(target)]) == 0
    assert main(["ivr", "check", "--config", str(target)]) == 0
    capsys.readouterr()
    assert main(["config", "init", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cti: {target}/") and "nothing written" in err and "--force" in err
    assert main(["config", "init", str(target), "--force"]) == 0


def test_config_check_warns_of_an_overflow_cycle(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config"
    shutil.copytree(SHIPPED, config)
    text = (config / "queues.yaml").read_text()
    (config / "queues.yaml").write_text(text.replace(
        "    strategy: fewest_calls\n", "    strategy: fewest_calls\n    max_wait: 60\n"
        "    on_max_wait: {action: overflow, target: changes}\n"))
    assert main(["config", "check", str(config)]) == 0
    assert (f"warning: {config}/queues.yaml: overflow cycle changes -> general -> changes"
            in capsys.readouterr().out)


def test_erlang_help_shows_percent_signs_and_the_table_names_every_column(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["erlang", "--help"])
    text = capsys.readouterr().out
    assert "LEVEL % of calls" in text and "%%" not in text
    assert main(["erlang", "--calls", "100", "--aht", "180", "--interval", "1800"]) == 0
    header = next(line for line in capsys.readouterr().out.splitlines()
                  if line.startswith("agents  "))
    assert header.split("  ")[-1].strip() == "meets target"


def test_run_flows_replaces_the_flows_dir_of_every_config_read(tmp_path: Path) -> None:
    from cti.app import flows_override
    from cti.config import load_config

    override = flows_override(tmp_path / "flows")
    config = override(load_config(SHIPPED))
    assert config.service.ivr.flows_dir == (tmp_path / "flows").resolve()
    assert config.path(config.service.ivr.flows_dir) == (tmp_path / "flows").resolve()


def test_a_broken_pipe_ends_quietly(capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import cti.staffing_cli

    def reader_gone(args: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cti.staffing_cli, "run", reader_gone)
    assert main(["erlang", "--calls", "1", "--aht", "1"]) == 0
    assert capsys.readouterr().err == ""
