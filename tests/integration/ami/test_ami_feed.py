"""AmiFeed / AmiCluster: connection + tracker + resync against fake AMI servers."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import pytest
from ami_fake_server import FakeAmi, channel_event
from collector import Collector

from cti.ami import events as ev
from cti.ami.backoff import Backoff
from cti.ami.errors import AmiActionTimeout, AmiLoginFailed
from cti.ami.feed import AmiCluster, AmiFeed, NodeConfig


def fast() -> dict[str, Any]:
    return {"backoff": Backoff(initial=0.01, cap=0.05, rng=random.Random(7)),
            "ping_interval": 0}


async def next_of(queue: asyncio.Queue[ev.CallEvent], kind: type,
                  seen: list[ev.CallEvent] | None = None) -> Any:
    while True:
        event = await queue.get()
        if seen is not None:
            seen.append(event)
        if isinstance(event, kind):
            return event




def config(server: FakeAmi, node: str = "pbx1") -> NodeConfig:
    return NodeConfig(node, "127.0.0.1", server.port, "cti", "s3cret")


async def test_restart_without_hangups_is_closed_by_the_resync(ami: FakeAmi) -> None:
    """As in trace 21: the socket closes, no Hangup ever comes, the call is gone."""
    feed = AmiFeed(config(ami), **fast())
    async with asyncio.timeout(5):
        await feed.start()
        first = await next_of(feed.events, ev.Resynced)
        assert first.ended_calls == ()
        ami.conn.send(channel_event("Newchannel", "SIP/trunk-1", "100.1", "100.1"))
        ami.conn.send(channel_event("VarSet", "SIP/trunk-1", "100.1", "100.1",
                                    Variable="CTI_INTERACTION", Value="int-7"))
        await next_of(feed.events, ev.InteractionTagged)
        ami.drop()  # Asterisk restarts: CoreShowChannels will list nothing
        seen: list[ev.CallEvent] = []
        resynced = await next_of(feed.events, ev.Resynced, seen)
        await feed.stop()
    kinds = [type(e).__name__ for e in seen]
    assert kinds == ["LinkDown", "LinkUp", "ChannelHungUp", "CallEnded", "Resynced"]
    hung = seen[2]
    assert isinstance(hung, ev.ChannelHungUp) and hung.lost
    assert hung.channel.interaction == "int-7"
    assert resynced.ended_calls == ("pbx1/100.1",) and resynced.appeared_calls == ()


async def test_calls_lost_in_a_restart_end_when_the_link_went_down(ami: FakeAmi) -> None:
    """Not at the reconnect: here the backoff keeps the link down for 0.3 s."""
    seen = Collector(stamp=time.time)
    feed = AmiFeed(config(ami), seen, backoff=Backoff(initial=0.3, cap=0.3, jitter=0.0),
                   ping_interval=0)
    async with asyncio.timeout(5):
        await feed.start()
        ami.conn.send(channel_event("Newchannel", "SIP/trunk-1", "100.1", "100.1"))
        await seen.wait_for(ev.CallStarted)
        before_drop = time.time()
        ami.drop()
        await seen.wait_for(ev.Resynced, 2)
        await feed.stop()
    [down] = [e for e in seen.of(ev.LinkDown) if e.reason != "client stopped"]
    [up_at] = [at for at, e in zip(seen.stamps, seen.items, strict=True)
               if isinstance(e, ev.LinkUp) and e.reconnect]
    resynced = seen.of(ev.Resynced)[-1]
    [ended] = seen.of(ev.CallEnded)
    assert down.down_at is not None and before_drop <= down.down_at < up_at - 0.25
    assert resynced.ended_at == ended.ended_at == down.down_at


async def test_calls_that_appeared_while_down_are_announced(ami: FakeAmi) -> None:
    feed = AmiFeed(config(ami), **fast())
    async with asyncio.timeout(5):
        await feed.start()
        await next_of(feed.events, ev.Resynced)
        ami.channels = [{"Channel": "SIP/agent1101-0000000d", "Uniqueid": "200.5",
                         "Linkedid": "200.4", "ChannelState": "6", "Context": "cti-connect",
                         "Exten": "s", "BridgeId": "b-1"},
                        {"Channel": "SIP/trunk-0000000c", "Uniqueid": "200.4",
                         "Linkedid": "200.4", "ChannelState": "6", "BridgeId": "b-1"}]
        ami.handlers["Getvar"] = lambda conn, msg: conn.send(
            {"Response": "Success", "ActionID": msg["ActionID"], "Variable": msg["Variable"],
             "Value": "int-9" if msg["Channel"].startswith("SIP/trunk") else ""})
        ami.drop()
        seen: list[ev.CallEvent] = []
        resynced = await next_of(feed.events, ev.Resynced, seen)
        assert resynced.appeared_calls == ("pbx1/200.4",) and resynced.channels == 2
        tagged = await next_of(feed.events, ev.InteractionTagged)
        assert (tagged.channel.device, tagged.interaction) == ("SIP/trunk", "int-9")
        assert [type(e).__name__ for e in seen].count("CallStarted") == 1
        who = feed.tracker.talking_with("200.4")
        assert [p.device for p in who] == ["SIP/agent1101"]
        await feed.stop()


async def test_live_events_reach_the_consumer_in_order(ami: FakeAmi) -> None:
    collected = Collector()
    feed = AmiFeed(config(ami), collected, **fast())
    async with asyncio.timeout(5):
        await feed.start()
        ami.conn.send(channel_event("Newchannel", "SIP/a-1", "1.1", "1.1"))
        ami.conn.send({"Event": "DeviceStateChange", "Device": "SIP/a", "State": "INUSE"})
        ami.conn.send(channel_event("Hangup", "SIP/a-1", "1.1", "1.1", Cause=17,
                                    **{"Cause-txt": "User busy"}))
        await collected.wait_for(ev.CallEnded)
        await feed.stop()
    got = collected.items
    kinds = [type(e).__name__ for e in got]
    assert kinds == ["LinkUp", "Resynced", "CallStarted", "DeviceStateChanged",
                     "ChannelHungUp", "CallEnded", "LinkDown"]
    assert isinstance(got[-1], ev.LinkDown) and got[-1].reason == "client stopped"
    hung = got[4]
    assert isinstance(hung, ev.ChannelHungUp) and (hung.cause, hung.cause_txt) == (17, "User busy")


async def test_two_nodes_feed_one_consumer_with_namespaced_calls() -> None:
    a, b = FakeAmi(), FakeAmi()
    await a.start()
    await b.start()
    cluster = AmiCluster([config(a, "east"), config(b, "west")], **fast())
    try:
        async with asyncio.timeout(5):
            await cluster.start()
            # both nodes restart their Uniqueids at .0: the same ids on two nodes
            a.conn.send(channel_event("Newchannel", "SIP/x-1", "1795442707.0", "1795442707.0"))
            b.conn.send(channel_event("Newchannel", "SIP/y-1", "1795442707.0", "1795442707.0"))
            started: list[ev.CallStarted] = []
            while len(started) < 2:
                started.append(await next_of(cluster.events, ev.CallStarted))
            assert (await cluster.client("west").ping())["Ping"] == "Pong"
    finally:
        await cluster.stop()
        await a.stop()
        await b.stop()
    assert {(s.node, s.call_id) for s in started} == {
        ("east", "east/1795442707.0"), ("west", "west/1795442707.0")}


async def test_each_node_waits_for_answers_as_long_as_its_own_config_says() -> None:
    slow, fast_node = FakeAmi(), FakeAmi()
    for server in (slow, fast_node):
        server.handlers["Status"] = lambda conn, msg: None  # never answers
        await server.start()
    nodes = [NodeConfig("far", "127.0.0.1", slow.port, "cti", "s3cret", action_timeout=0.4),
             NodeConfig("near", "127.0.0.1", fast_node.port, "cti", "s3cret",
                        action_timeout=0.05)]
    cluster = AmiCluster(nodes, **fast())
    try:
        async with asyncio.timeout(5):
            await cluster.start()
            for node, timeout in (("near", 0.05), ("far", 0.4)):
                with pytest.raises(AmiActionTimeout) as err:
                    await cluster.client(node).send({"Action": "Status"})
                assert err.value.timeout == timeout
    finally:
        await cluster.stop()
        await slow.stop()
        await fast_node.stop()


def test_a_cluster_wide_action_timeout_is_refused() -> None:
    with pytest.raises(TypeError, match=r"NodeConfig\.action_timeout"):
        AmiCluster([NodeConfig("pbx1", "127.0.0.1", 5038, "cti", "s")], action_timeout=3)


async def test_cluster_names_the_node_that_failed_to_log_in(ami: FakeAmi) -> None:
    bad = NodeConfig("west", "127.0.0.1", ami.port, "cti", "wrong")
    cluster = AmiCluster([config(ami, "east"), bad], **fast())
    async with asyncio.timeout(5):
        with pytest.raises(AmiLoginFailed, match=r"'west'.*login failed"):
            await cluster.start()
    assert ami.logins == 1  # east logged in, then was stopped again
    with pytest.raises(KeyError, match="no AMI node named 'north'"):
        cluster.client("north")


async def test_a_consumer_that_raises_is_logged_and_later_events_still_come(
        ami: FakeAmi, caplog: pytest.LogCaptureFixture) -> None:
    got = Collector()

    def consumer(event: ev.CallEvent) -> None:
        got(event)
        if isinstance(event, ev.CallStarted) and event.channel.name == "SIP/bad-1":
            raise RuntimeError("routing bug")

    feed = AmiFeed(config(ami), consumer, **fast())
    async with asyncio.timeout(5):
        await feed.start()
        ami.conn.send(channel_event("Newchannel", "SIP/bad-1", "1.1", "1.1"))
        ami.conn.send(channel_event("Newchannel", "SIP/good-2", "2.2", "2.2"))
        started = await got.wait_for(ev.CallStarted, 2)
        assert [s.channel.name for s in started] == ["SIP/bad-1", "SIP/good-2"]
        await feed.stop()
    assert "the consumer raised on CallStarted" in caplog.text
    assert feed.client.connections == 1
