"""AmiClient against a fake AMI server on 127.0.0.1 (real sockets, port 0)."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
from typing import Any

import pytest
from ami_fake_server import FakeAmi, channel_event
from collector import Collector

from cti.ami.backoff import Backoff
from cti.ami.client import AmiClient, Delivery
from cti.ami.codec import encode
from cti.ami.errors import (
    AmiActionFailed,
    AmiActionTimeout,
    AmiConnectError,
    AmiLinkLost,
    AmiLoginFailed,
)
from cti.ami.events import LinkDown, LinkUp

FAST = Backoff(initial=0.01, cap=0.05, rng=random.Random(1))


def make_client(server: FakeAmi, sink: Any = None, **options: Any) -> AmiClient:
    options.setdefault("backoff", Backoff(initial=0.01, cap=0.05, rng=random.Random(1)))
    options.setdefault("ping_interval", 0)
    return AmiClient("pbx1", "127.0.0.1", server.port, "cti", options.pop("secret", "s3cret"),
                     sink=sink, **options)


async def test_login_then_actions_answer(ami: FakeAmi) -> None:
    async with asyncio.timeout(5):
        client = make_client(ami)
        await client.start()
        assert (await client.ping())["Ping"] == "Pong"
        await client.stop()


async def test_wrong_secret_is_a_clear_error_without_the_secret(ami: FakeAmi) -> None:
    async with asyncio.timeout(5):
        client = make_client(ami, secret="wrong-pass")
        with pytest.raises(AmiLoginFailed) as err:
            await client.start()
    text = str(err.value)
    assert "'cti'" in text and f"127.0.0.1:{ami.port}" in text and "Authentication failed" in text
    assert "wrong-pass" not in text


async def test_refused_port_is_a_clear_error_and_nothing_retries() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    client = AmiClient("pbx1", "127.0.0.1", port, "cti", "s3cret")
    async with asyncio.timeout(5):
        with pytest.raises(AmiConnectError) as err:
            await client.start()
    assert f"127.0.0.1:{port}" in str(err.value) and "'cti'" in str(err.value)
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("ami-")]


async def test_login_that_gets_no_answer_times_out(ami: FakeAmi) -> None:
    ami.silent = True
    client = make_client(ami, login_timeout=0.2)
    async with asyncio.timeout(5):
        with pytest.raises(AmiConnectError, match="no answer to Login"):
            await client.start()


async def test_error_response_raises_with_asterisk_message(ami: FakeAmi) -> None:
    client = make_client(ami)
    async with asyncio.timeout(5):
        await client.start()
        with pytest.raises(AmiActionFailed, match="Invalid/unknown command: NoSuchAction"):
            await client.send({"Action": "NoSuchAction"})
        await client.stop()


async def test_action_without_answer_times_out(ami: FakeAmi) -> None:
    ami.handlers["Status"] = lambda conn, msg: None
    client = make_client(ami)
    async with asyncio.timeout(5):
        await client.start()
        with pytest.raises(AmiActionTimeout, match="Status"):
            await client.send({"Action": "Status"}, timeout=0.1)
        assert (await client.ping())["Response"] == "Success"  # the link is fine
        await client.stop()


async def test_originate_always_carries_async(ami: FakeAmi) -> None:
    client = make_client(ami)
    async with asyncio.timeout(5):
        await client.start()
        await client.send({"Action": "Originate", "Channel": "Local/1001@agents",
                           "Application": "Wait", "Data": "1"})
        await client.originate("Local/1002@agents", context="outbound", exten="555")
        await client.stop()
    originates = [a for a in ami.actions if a["Action"] == "Originate"]
    assert [a["Async"] for a in originates] == ["true", "true"]


async def test_watchdog_declares_a_silent_server_dead_and_reconnects(ami: FakeAmi) -> None:
    sink = Collector()
    client = make_client(ami, sink, ping_interval=0.05, ping_timeout=0.1)
    async with asyncio.timeout(5):
        await client.start()
        ami.silent = True  # TCP stays open, nothing answers
        await sink.wait(lambda items: any(isinstance(i, LinkDown) for i in items))
        ami.silent = False
        await sink.wait(lambda items: sum(isinstance(i, LinkUp) for i in items) == 2)
        assert [i.reconnect for i in sink.items if isinstance(i, LinkUp)] == [False, True]
        down = next(i for i in sink.items if isinstance(i, LinkDown))
        assert "Ping" in down.reason
        await client.stop()


async def test_a_link_found_dead_by_the_watchdog_went_down_when_last_heard(
        ami: FakeAmi) -> None:
    """Not when the missing Pong was noticed, ping_timeout (here 0.3 s) later."""
    sink = Collector()
    client = make_client(ami, sink, ping_interval=0.05, ping_timeout=0.3)
    async with asyncio.timeout(5):
        await client.start()
        await ami.wait(lambda: sum(a["Action"] == "Ping" for a in ami.actions) >= 2)
        ami.silent = True
        silent_at = time.time()
        await sink.wait(lambda items: any(isinstance(i, LinkDown) for i in items))
        noticed_at = time.time()
        await client.stop()
    down = next(i for i in sink.items if isinstance(i, LinkDown))
    assert down.down_at is not None
    assert silent_at - 0.2 < down.down_at < silent_at + 0.05 < noticed_at - 0.2


async def test_drop_mid_action_fails_it_once_and_the_link_recovers(
        ami: FakeAmi, caplog: pytest.LogCaptureFixture) -> None:
    ami.handlers["Originate"] = lambda conn, msg: conn.close()
    sink = Collector()
    client = make_client(ami, sink)
    async with asyncio.timeout(5):
        await client.start()
        with pytest.raises(AmiLinkLost, match="may or may not have run"):
            await client.originate("Local/1001@agents", application="Wait", data="1")
        await sink.wait(lambda items: sum(isinstance(i, LinkUp) for i in items) == 2)
        assert f"AMI node pbx1: link to 127.0.0.1:{ami.port} down" in caplog.text
        assert (await client.ping())["Ping"] == "Pong"
        await client.stop()
    assert sum(a["Action"] == "Originate" for a in ami.actions) == 1  # never re-sent


async def test_drop_mid_list_fails_the_list_and_the_link_recovers(ami: FakeAmi) -> None:
    def half_list(conn: Any, msg: dict[str, str]) -> None:
        conn.send({"Response": "Success", "ActionID": msg["ActionID"], "EventList": "start",
                   "Message": "Channels will follow"})
        conn.send({"Event": "CoreShowChannel", "ActionID": msg["ActionID"],
                   "Channel": "SIP/a-1", "Uniqueid": "1.1", "Linkedid": "1.1"})
        conn.close()

    ami.handlers["CoreShowChannels"] = half_list
    sink = Collector()
    client = make_client(ami, sink)
    async with asyncio.timeout(5):
        await client.start()
        with pytest.raises(AmiLinkLost):
            await client.core_show_channels()
        del ami.handlers["CoreShowChannels"]
        await sink.wait(lambda items: sum(isinstance(i, LinkUp) for i in items) == 2)
        assert await client.core_show_channels() == []
        await client.stop()


async def test_drop_mid_event_does_not_glue_halves_together(ami: FakeAmi) -> None:
    sink, received = Collector(), Collector()
    client = make_client(ami, sink, on_bytes=received)
    async with asyncio.timeout(5):
        await client.start()
        half = encode(channel_event("Newchannel", "SIP/a-1", "1.1", "1.1"))[:60]
        ami.conn.raw(half)
        await received.wait(lambda _: received.data.endswith(half))  # the client holds it
        ami.drop()
        await sink.wait(lambda items: sum(isinstance(i, LinkUp) for i in items) == 2)
        ami.conn.send(channel_event("Newchannel", "SIP/b-2", "2.2", "2.2"))
        await sink.wait(lambda items: bool(sink.events("Newchannel")))
        assert [m["Channel"] for m in sink.events("Newchannel")] == ["SIP/b-2"]
        await client.stop()


@pytest.mark.parametrize("garbage", [
    pytest.param(b"this line has no colon\r\nEvent: Bogus\r\n\r\n", id="malformed-line"),
    pytest.param(b"X-Long: " + b"a" * (1 << 20) + b"\r\n\r\n", id="one-megabyte-line"),
    pytest.param(bytes(range(256)) * 8 + b"\r\n\r\n", id="binary-garbage"),
])
async def test_bad_input_is_logged_and_the_stream_goes_on(
        ami: FakeAmi, garbage: bytes, caplog: pytest.LogCaptureFixture) -> None:
    sink = Collector()
    client = make_client(ami, sink, max_message_bytes=256 * 1024)
    async with asyncio.timeout(5):
        await client.start()
        with caplog.at_level(logging.WARNING, logger="cti.ami.client"):
            ami.conn.raw(garbage)
            ami.conn.send(channel_event("Newchannel", "SIP/ok-1", "3.3", "3.3"))
            await sink.wait(lambda items: bool(sink.events("Newchannel")))
        assert "malformed" in caplog.text
        assert sink.events("Newchannel")[0]["Channel"] == "SIP/ok-1"
        assert (await client.ping())["Ping"] == "Pong"
        await client.stop()


async def test_a_sink_that_raises_is_logged_and_the_stream_goes_on(
        ami: FakeAmi, caplog: pytest.LogCaptureFixture) -> None:
    seen = Collector()

    def sink(item: Delivery) -> None:
        if isinstance(item, dict):
            seen(item["Channel"])
            if item["Channel"] == "SIP/bad-1":
                raise RuntimeError("handler bug")

    client = make_client(ami, sink)
    async with asyncio.timeout(5):
        await client.start()
        ami.conn.send(channel_event("Newchannel", "SIP/bad-1", "1.1", "1.1"))
        ami.conn.send(channel_event("Newchannel", "SIP/good-2", "2.2", "2.2"))
        await seen.wait(lambda items: len(items) >= 2)
        assert seen.items == ["SIP/bad-1", "SIP/good-2"]
        assert "sink raised" in caplog.text
        assert client.connections == 1  # no reconnect
        await client.stop()


async def test_stop_during_the_reconnect_wait_really_stops(ami: FakeAmi) -> None:
    sink = Collector()
    client = make_client(ami, sink, backoff=Backoff(initial=30, cap=30, jitter=0.0))
    async with asyncio.timeout(5):
        await client.start()
        ami.drop()
        await sink.wait_for(LinkDown)
        assert client.backoff.attempts == 1  # the supervisor waits out its 30 s backoff
        await client.stop()
    # nothing is left that could reconnect later
    assert [t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("ami-")] == []
    assert ami.logins == 1 and not client.connected


async def test_utf8_split_inside_a_character_is_decoded(ami: FakeAmi) -> None:
    sink, received = Collector(), Collector()
    client = make_client(ami, sink, on_bytes=received)
    async with asyncio.timeout(5):
        await client.start()
        data = b"Event: UserEvent\r\nUserEvent: CTIHello\r\nNote: Zo\xc3\xab\r\n\r\n"
        cut = data.index(b"\xc3") + 1
        ami.conn.raw(data[:cut])
        await received.wait(lambda _: received.data.endswith(data[:cut]))  # read before the rest
        ami.conn.raw(data[cut:])
        await sink.wait(lambda items: bool(sink.events("UserEvent")))
        assert sink.events("UserEvent")[0]["Note"] == "Zoë"
        await client.stop()


async def test_server_that_closes_during_login_is_a_clear_error(ami: FakeAmi) -> None:
    ami.handlers["Login"] = lambda conn, msg: conn.close()
    client = make_client(ami)
    async with asyncio.timeout(5):
        with pytest.raises(AmiConnectError, match="closed the connection during login"):
            await client.start()


async def test_helpers_send_the_fields_asterisk_expects(ami: FakeAmi) -> None:
    for name in ("Redirect", "Hangup", "Setvar", "Bridge", "BlindTransfer", "Atxfer",
                 "PlayDTMF", "UserEvent"):
        ami.handlers[name] = lambda conn, msg: conn.send(
            {"Response": "Success", "ActionID": msg["ActionID"]})
    ami.handlers["Command"] = lambda conn, msg: conn.send(
        {"Response": "Success", "ActionID": msg["ActionID"],
         "Message": "Command output follows", "Output": ["Asterisk 20.20.1", "built by x"]})
    client = make_client(ami)
    async with asyncio.timeout(5):
        await client.start()
        await client.redirect("Local/900@from-pstn-00000000;2", "cti-held", "s",
                              extra_channel="SIP/agent1101-00000000",
                              extra_context="agent-held")
        await client.hangup("SIP/agent1101-00000000", cause=17)
        await client.setvar("SIP/a-1", "CTI_RING_TIMEOUT", "15")
        await client.bridge("Local/900@from-pstn-00000000;2", "SIP/agent1101-00000000")
        await client.blind_transfer("SIP/a-1", "agents", "2001")
        await client.atxfer("SIP/a-1", "agents", "2002")
        await client.play_dtmf("SIP/a-1", "1")
        await client.user_event("CTIHello", {"Note": "Zoë"})
        assert await client.command("core show version") == ["Asterisk 20.20.1", "built by x"]
        await client.stop()
    sent = {a["Action"]: a for a in ami.actions}
    assert sent["Redirect"]["ExtraChannel"] == "SIP/agent1101-00000000"
    assert (sent["Redirect"]["ExtraContext"], sent["Redirect"]["ExtraExten"],
            sent["Redirect"]["ExtraPriority"]) == ("agent-held", "s", "1")
    assert sent["Hangup"]["Cause"] == "17"
    assert sent["Bridge"]["Tone"] == "no"
    assert sent["UserEvent"]["Note"] == "Zoë"
    assert all(a["ActionID"].startswith("pbx1-") for a in ami.actions)


async def test_a_refused_login_on_reconnect_keeps_retrying_until_it_works(
        ami: FakeAmi, caplog: pytest.LogCaptureFixture) -> None:
    sink = Collector()
    client = make_client(ami, sink)
    async with asyncio.timeout(5):
        await client.start()
        ami.secret = "rotated"  # someone changed manager.conf
        ami.drop()
        await ami.wait(lambda: sum(a["Action"] == "Login" for a in ami.actions) >= 3)
        assert "login failed for user 'cti'" in caplog.text
        ami.secret = "s3cret"
        await sink.wait(lambda items: sum(isinstance(i, LinkUp) for i in items) == 2)
        await client.stop()
