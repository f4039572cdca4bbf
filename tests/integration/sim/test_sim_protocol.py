"""Bad input on the AMI port gets Asterisk's answers (13-ami-protocol, 16-bad-login)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from cti.ami.codec import AmiParser, Malformed
from cti.sim import SimPbx


@pytest.fixture
async def pbx() -> AsyncIterator[SimPbx]:
    sim = SimPbx(secret="s3cret", speed=10.0)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


async def _talk(port: int, payload: bytes) -> tuple[str, list[dict[str, str]]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    parser = AmiParser()
    out: list[dict[str, str]] = []
    async with asyncio.timeout(5):
        while data := await reader.read(65536):
            out += [m for m in parser.feed(data) if not isinstance(m, Malformed)]
            if any(m.get("ActionID") == "end" for m in out):
                break
    writer.close()
    return parser.banner or "", out


LOGIN = b"Action: Login\r\nUsername: cti\r\nSecret: s3cret\r\n\r\n"
END = b"Action: Ping\r\nActionID: end\r\n\r\n"


async def test_sim_bad_login_fails_then_closes(pbx: SimPbx) -> None:
    banner, out = await _talk(pbx.ami_port, b"Action: Login\r\nActionID: 1\r\n"
                              b"Username: cti\r\nSecret: wrong\r\n\r\n" + END)
    assert banner == "Asterisk Call Manager/9.0.0"
    assert out == [{"Response": "Error", "ActionID": "1", "Message": "Authentication failed"}]


async def test_sim_unknown_action_and_missing_fields_get_asterisk_errors(pbx: SimPbx) -> None:
    _, out = await _talk(pbx.ami_port, LOGIN +
                         b"Action: NoSuchAction\r\nActionID: a\r\n\r\n"
                         b"Action: Redirect\r\nActionID: b\r\n\r\n"
                         b"Action: Hangup\r\nActionID: c\r\nChannel: Local/x@y-1;1\r\n\r\n"
                         b"Action: Getvar\r\nActionID: d\r\n\r\n"
                         b"this is not ami\r\n\r\n" + END)
    by_id = {m["ActionID"]: m for m in out if "ActionID" in m and "Response" in m}
    assert by_id["a"]["Message"] == ("Invalid/unknown command: NoSuchAction. Use Action: "
                                     "ListCommands to show available commands.")
    assert by_id["b"]["Message"] == "Channel not specified"
    assert by_id["c"]["Message"] == "No such channel"
    assert by_id["d"]["Message"] == "No variable specified"
    assert any(m.get("Event") == "RequestBadFormat" for m in out)
    assert {"Response": "Error", "Message": "Missing action in request"} in out


async def test_sim_action_before_login_is_refused(pbx: SimPbx) -> None:
    """main/manager.c process_message: "Permission denied", and the session stays open."""
    _, out = await _talk(pbx.ami_port, b"Action: Ping\r\nActionID: p\r\n\r\n" + END)
    assert out[0] == {"Response": "Error", "ActionID": "p", "Message": "Permission denied"}
    assert out[1] == {"Response": "Error", "ActionID": "end", "Message": "Permission denied"}


async def test_sim_events_off_stops_the_stream(pbx: SimPbx) -> None:
    _, out = await _talk(pbx.ami_port, LOGIN + b"Action: Events\r\nActionID: e\r\n"
                         b"EventMask: off\r\n\r\nAction: UserEvent\r\nUserEvent: X\r\n\r\n" + END)
    assert {"Response": "Success", "ActionID": "e", "Events": "Off"} in out
    assert not any(m.get("Event") == "UserEvent" for m in out)
