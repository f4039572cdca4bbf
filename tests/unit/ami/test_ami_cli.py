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


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    return captured.err


def test_replay_of_a_missing_file_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ami", "replay", str(tmp_path / "nope.txt")]) == 2
    assert "no such file" in one_line_error(capsys)


def test_replay_of_broken_json_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[{\"Event\": ")
    assert run(["ami", "replay", str(bad)]) == 2
    assert "not valid JSON" in one_line_error(capsys)


def test_replay_of_a_fastagi_log_says_it_is_not_an_ami_capture(
        capsys: pytest.CaptureFixture[str]) -> None:
    log = TRACES / "01-answer-agent-hangs-up.agi.jsonl"
    assert run(["ami", "replay", str(log)]) == 2
    err = one_line_error(capsys)
    assert "FastAGI" in err and "01-answer-agent-hangs-up.ami.jsonl" in err


@pytest.mark.parametrize(("content", "says"), [
    pytest.param(bytes(range(256)) * 4, "binary", id="binary"),
    pytest.param(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, "binary", id="executable"),
    pytest.param(b"# Notes\n\nNothing about Asterisk here.\n", "no AMI message", id="text"),
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b'{"hello": "world"}\n', "not an AMI trace", id="other-jsonl"),
])
def test_replay_of_something_that_is_not_a_capture_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, says: str) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_bytes(content)
    assert run(["ami", "replay", str(capture)]) == 2
    assert says in one_line_error(capsys)


def test_replay_of_a_directory_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ami", "replay", str(tmp_path)]) == 2
    assert "is a directory" in one_line_error(capsys)


def test_record_without_secret_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CTI_AMI_SECRET", raising=False)
    assert run(["ami", "record", str(tmp_path / "x.txt"), "--config", str(tmp_path)]) == 2
    assert "CTI_AMI_SECRET" in one_line_error(capsys)


def test_record_into_a_missing_directory_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no-such-dir" / "x.txt"
    assert run(["ami", "record", str(target), "--config", str(tmp_path), "--secret", "s"]) == 2
    assert f"cannot write {target}" in one_line_error(capsys)


@pytest.mark.parametrize("duration", ["0", "-5"])
def test_record_with_a_duration_that_is_not_positive_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], duration: str) -> None:
    assert run(["ami", "record", str(tmp_path / "x.txt"), "--config", str(tmp_path),
                "--secret", "s", f"--duration={duration}"]) == 2
    assert "--duration" in one_line_error(capsys)
    assert not (tmp_path / "x.txt").exists()


def test_record_of_a_node_the_config_does_not_have_is_one_clear_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    config = Path(__file__).resolve().parents[3] / "config"
    assert run(["ami", "record", "x.txt", "--config", str(config), "--node", "nowhere"]) == 2
    assert "no AMI node 'nowhere'" in one_line_error(capsys)


def test_record_takes_the_ami_account_from_the_config(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from cti.ami.cli import _node_defaults
    from cti.cli import build_parser

    monkeypatch.setenv("CTI_AMI_SECRET", "from-the-environment")
    config = Path(__file__).resolve().parents[3] / "config"
    args = build_parser().parse_args(["ami", "record", "x.txt", "--config", str(config),
                                      "--port", "6038"])
    _node_defaults(args)
    assert (args.host, args.port, args.user, args.secret) == (
        "127.0.0.1", 6038, "cti", "from-the-environment")
