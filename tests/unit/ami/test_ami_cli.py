"""`cti ami replay` on captures in each accepted format."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from cti.ami.cli import add_commands

TRACES = Path(__file__).resolve().parents[3].parent / "shared" / "asterisk-traces"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cti")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_replay_of_wire_text_prints_one_json_event_per_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ami", "replay", str(TRACES / "01-answer-agent-hangs-up.ami.txt"),
                "--node", "pbx1"]) == 0
    out = lines(capsys.readouterr().out)
    assert out[0]["event"] == "CallStarted" and out[0]["node"] == "pbx1"
    indexes = [e["index"] for e in out]
    assert indexes == sorted(indexes)
    ended = [e for e in out if e["event"] == "CallEnded"]
    assert len(ended) == 1 and ended[0]["first_hangup"]["device"] == "Local/1001@agents"
    bridged = next(e for e in out if e["event"] == "PartiesBridged")
    assert {p["cti_vars"].get("CTI_INTERACTION") for p in bridged["parties"]} == {
        "int-0001", None}


def test_replay_of_jsonl_trace_equals_replay_of_wire_text(
        capsys: pytest.CaptureFixture[str]) -> None:
    run(["ami", "replay", str(TRACES / "18-local-agent-two-bridges.ami.txt")])
    wire = capsys.readouterr().out
    run(["ami", "replay", str(TRACES / "18-local-agent-two-bridges.ami.jsonl")])
    assert capsys.readouterr().out == wire


def test_replay_of_a_json_array_of_events(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    capture = tmp_path / "capture.json"
    common = {"Channel": "PJSIP/1001-00000001", "Uniqueid": "1.1", "Linkedid": "1.1",
              "ChannelState": "6"}
    capture.write_text(json.dumps([
        {"Event": "Newchannel", **common},
        {"Event": "VarSet", **common, "Variable": "CTI_INTERACTION", "Value": "int-9"},
        {"Event": "Hangup", **common, "Cause": "16", "Cause-txt": "Normal Clearing"},
    ]))
    assert run(["ami", "replay", str(capture)]) == 0
    out = lines(capsys.readouterr().out)
    assert [(e["index"], e["event"]) for e in out] == [
        (0, "CallStarted"), (1, "InteractionTagged"), (2, "ChannelHungUp"), (2, "CallEnded")]
    assert out[2]["channel"]["cti_vars"] == {"CTI_INTERACTION": "int-9"}
    assert out[2]["cause"] == 16


def test_replay_of_a_missing_file_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ami", "replay", str(tmp_path / "nope.txt")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err


def test_replay_of_broken_json_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[{\"Event\": ")
    assert run(["ami", "replay", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "not valid JSON" in err and "Traceback" not in err


def test_record_without_secret_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CTI_AMI_SECRET", raising=False)
    assert run(["ami", "record", str(tmp_path / "x.txt"), "--config", str(tmp_path)]) == 1
    assert "CTI_AMI_SECRET" in capsys.readouterr().err


def test_record_takes_the_ami_account_from_the_config(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from cti.ami.cli import _node_defaults
    from cti.cli import build_parser

    monkeypatch.delenv("CTI_AMI_SECRET", raising=False)
    config = Path(__file__).resolve().parents[3] / "config"
    args = build_parser().parse_args(["ami", "record", "x.txt", "--config", str(config),
                                      "--port", "6038"])
    _node_defaults(args)
    assert (args.host, args.port, args.user, args.secret) == (
        "127.0.0.1", 6038, "cti", "cti-secret")
