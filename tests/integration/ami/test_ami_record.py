"""`cti ami record` against a fake AMI server, then replay of what it wrote."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import pytest
from ami_fake_server import FakeAmi, channel_event

from cti.ami.cli import add_commands
from cti.ami.replay import load, replay


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cti")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


async def test_record_captures_the_raw_stream_and_replay_reads_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = FakeAmi(secret="rec-secret")

    def after_login(conn, msg):  # type: ignore[no-untyped-def]
        conn.send({"Response": "Success", "ActionID": msg["ActionID"],
                   "Message": "Authentication accepted"})
        conn.send(channel_event("Newchannel", "SIP/agent1101-0000000e", "9.1", "9.1"))
        conn.send(channel_event("UserEvent", "SIP/agent1101-0000000e", "9.1", "9.1",
                                UserEvent="CTIAgentLogin", Endpoint="SIP/agent1101"))

    server.handlers["Login"] = after_login
    await server.start()
    monkeypatch.setenv("CTI_AMI_SECRET", "rec-secret")
    capture = tmp_path / "live.ami.txt"
    args = parse(["ami", "record", str(capture), "--port", str(server.port),
                  "--duration", "0.3"])
    try:
        async with asyncio.timeout(5):
            code = await asyncio.to_thread(args.func, args)
    finally:
        await server.stop()
    assert code == 0
    data = capture.read_bytes()
    assert data.startswith(b"Asterisk Call Manager/9.0.0\r\n")
    assert b"rec-secret" not in data
    names = [type(e).__name__ for _, e in replay(load(capture))]
    assert names[:3] == ["CallStarted", "UserEventReceived", "AgentFeatureUsed"]


async def test_record_against_a_refused_port_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = FakeAmi()
    await server.start()
    port = server.port
    await server.stop()
    args = parse(["ami", "record", str(tmp_path / "x.txt"), "--port", str(port),
                  "--secret", "s"])
    async with asyncio.timeout(10):
        code = await asyncio.to_thread(args.func, args)
    assert code == 1
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "x.txt").exists()  # no empty capture left behind


async def test_record_with_a_wrong_secret_is_bad_input_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = FakeAmi(secret="right")
    await server.start()
    args = parse(["ami", "record", str(tmp_path / "x.txt"), "--port", str(server.port),
                  "--config", str(tmp_path), "--secret", "wrong-secret"])
    try:
        async with asyncio.timeout(10):
            code = await asyncio.to_thread(args.func, args)
    finally:
        await server.stop()
    assert code == 2
    err = capsys.readouterr().err
    assert "login failed for user 'cti'" in err and err.count("\n") == 1
    assert "wrong-secret" not in err
