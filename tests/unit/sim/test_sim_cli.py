"""``cti sim`` options: the secret never on the command line, outbound profiles."""

from __future__ import annotations

import argparse

import pytest

from cti.sim import OutboundProfile
from cti.sim.cli import add_commands, read_secret, run


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cti")
    add_commands(parser.add_subparsers())
    return parser.parse_args(["sim", *argv])


def test_sim_secret_comes_from_the_environment_or_a_file(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("CTI_SIM_SECRET", raising=False)
    assert read_secret(_parse()) == "change-me"
    monkeypatch.setenv("CTI_SIM_SECRET", "from-env")
    assert read_secret(_parse()) == "from-env"
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    assert read_secret(_parse("--secret-file", str(secret))) == "from-file"


def test_sim_secret_on_the_command_line_is_refused_with_the_way_out(capsys) -> None:
    assert run(_parse("--secret", "s3cret", "--ami", "127.0.0.1:0")) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("cti sim: --secret puts the secret where ps shows it; set CTI_SIM_SECRET "
                   "or use --secret-file FILE")
    assert "s3cret" not in err


def test_sim_missing_secret_file_is_one_clear_line(capsys, tmp_path) -> None:
    assert run(_parse("--secret-file", str(tmp_path / "nope"), "--ami", "127.0.0.1:0")) == 2
    assert capsys.readouterr().err.startswith("cti sim: cannot read --secret-file ")


def test_sim_outbound_settings_become_a_profile() -> None:
    args = _parse("--outbound", "answer=0.5,busy=0.1,machine=0.3,delay=2:6,talk=45")
    assert args.outbound == OutboundProfile(answer_rate=0.5, busy_rate=0.1, machine_rate=0.3,
                                            answer_delay=(2.0, 6.0), talk_median=45.0)


@pytest.mark.parametrize(("text", "message"), [
    ("answer=lots", "'answer=lots': not a number"),
    ("colour=red", "unknown outbound setting 'colour=red'"),
    ("answer=1.5", "answer_rate must be between 0 and 1")])
def test_sim_bad_outbound_settings_name_the_problem(capsys, text: str, message: str) -> None:
    with pytest.raises(SystemExit):
        _parse("--outbound", text)
    assert message in capsys.readouterr().err
