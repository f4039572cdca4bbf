"""Each trap of shared/notes/panoramisk.md, and the test proving our client avoids it.

 1 no action timeout ............ test_ami_client::test_action_without_answer_times_out
 2 raising callback kills link .. test_ami_client::test_a_sink_that_raises_is_logged_...
 3 Originate without Async ...... test_ami_client::test_originate_always_carries_async
 4 QueueAdd never resolves ...... here: test_queue_add_style_answer_resolves
 5 UTF-8 split across reads ..... test_ami_client::test_utf8_split_inside_a_character_...,
                                  test_ami_stream_cuts (every capture, random cuts)
 6 close during reconnect wait .. test_ami_client::test_stop_during_the_reconnect_wait_...
 7 refused port retries anyway .. test_ami_client::test_refused_port_is_a_clear_error_...
 8 bad password is silent ....... test_ami_client::test_wrong_secret_is_a_clear_error_...
 9 actions re-sent / half lists / ping while down:
                                  test_ami_client::test_drop_mid_action_fails_it_once_...,
                                  test_ami_client::test_drop_mid_list_fails_the_list_...,
                                  here: test_action_while_down_fails_at_once,
                                  test_ami_backoff (exponential, capped, jitter)
10 Pong never checked ........... test_ami_client::test_watchdog_declares_a_silent_...
11 events of a pending ActionID . here: test_originate_response_after_queued_is_an_event,
                                  test_list_items_go_to_the_list_not_to_the_sink
12 panoramisk.testing EOL ....... here: test_the_ami_layer_never_imports_panoramisk_testing
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
from typing import Any

import pytest
from ami_fake_server import FakeAmi
from collector import Collector

from cti.ami.backoff import Backoff
from cti.ami.client import AmiClient, Delivery
from cti.ami.errors import AmiNotConnected
from cti.ami.events import LinkDown


def client_for(server: FakeAmi, sink: Any = None) -> AmiClient:
    return AmiClient("pbx1", "127.0.0.1", server.port, "cti", "s3cret", sink=sink,
                     ping_interval=0,
                     backoff=Backoff(initial=5.0, cap=5.0, rng=random.Random(0)))


async def test_queue_add_style_answer_resolves(ami: FakeAmi) -> None:
    ami.handlers["QueueAdd"] = lambda conn, msg: conn.send({
        "Response": "Success", "ActionID": msg["ActionID"],
        "Message": "Added interface to queue"})
    client = client_for(ami)
    async with asyncio.timeout(5):
        await client.start()
        answer = await client.send({"Action": "QueueAdd", "Queue": "q", "Interface": "SIP/a"})
        assert answer["Message"] == "Added interface to queue"
        await client.stop()


async def test_action_while_down_fails_at_once(ami: FakeAmi) -> None:
    sink = Collector()
    client = client_for(ami, sink)  # 5 s backoff: it stays down during the test
    async with asyncio.timeout(5):
        await client.start()
        ami.drop()
        await sink.wait_for(LinkDown)
        with pytest.raises(AmiNotConnected, match="cannot send Ping: the link is down"):
            await client.ping()
        await client.stop()


async def test_originate_response_after_queued_is_an_event(ami: FakeAmi) -> None:
    got: list[Delivery] = []
    arrived = asyncio.Event()

    def originate(conn: Any, msg: dict[str, str]) -> None:
        conn.send({"Response": "Success", "ActionID": msg["ActionID"],
                   "Message": "Originate successfully queued"})
        conn.send({"Event": "OriginateResponse", "ActionID": msg["ActionID"],
                   "Response": "Failure", "Channel": "Bogus/xyz", "Reason": "0"})

    def sink(item: Delivery) -> None:
        got.append(item)
        if isinstance(item, dict) and item["Event"] == "OriginateResponse":
            arrived.set()

    ami.handlers["Originate"] = originate
    client = client_for(ami, sink)
    async with asyncio.timeout(5):
        await client.start()
        answer = await client.originate("Bogus/xyz", context="outbound", exten="1",
                                        action_id="click-42")
        assert answer["Message"] == "Originate successfully queued"
        await arrived.wait()
        await client.stop()
    [event] = [g for g in got if isinstance(g, dict) and g["Event"] != "FullyBooted"]
    assert (event["Event"], event["ActionID"], event["Reason"]) == (
        "OriginateResponse", "click-42", "0")


async def test_list_items_go_to_the_list_not_to_the_sink(ami: FakeAmi) -> None:
    got: list[Delivery] = []
    ami.channels = [{"Channel": "SIP/a-1", "Uniqueid": "1.1", "Linkedid": "1.1"}]
    client = client_for(ami, got.append)
    async with asyncio.timeout(5):
        await client.start()
        listing = await client.send_list({"Action": "CoreShowChannels"})
        await client.stop()
    assert [i["Channel"] for i in listing.items] == ["SIP/a-1"]
    assert listing.complete is not None and listing.complete["ListItems"] == "1"
    assert [g["Event"] for g in got if isinstance(g, dict)] == ["FullyBooted"]


def test_the_ami_layer_never_imports_panoramisk_testing() -> None:
    code = ("import sys, cti.ami.client, cti.ami.feed, cti.ami.cli; "
            "print('panoramisk.testing' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
