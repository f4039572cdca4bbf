"""Formats the simulator writes, checked without sockets: channel blocks, caller ids,
AGI result codes."""

from __future__ import annotations

import pytest

from cti.sim.agi import USAGE_STREAM_FILE, exec_result, prompt_exists
from cti.sim.channel import CAUSE_TXT, STATE_DESC, Bridge, Channel
from cti.sim.dial import endpoint_of, parse_target
from cti.sim.operations import parse_callerid


def test_sim_channel_block_has_asterisk_field_order() -> None:
    ch = Channel(name="PJSIP/1001-00000001", uniqueid="1.2", linkedid="1.1",
                 context="cti-connect", exten="s", priority=2, state=6)
    assert list(ch.header()) == [
        "Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName",
        "ConnectedLineNum", "ConnectedLineName", "Language", "AccountCode", "Context",
        "Exten", "Priority", "Uniqueid", "Linkedid"]
    assert ch.header("Dest")["DestChannelStateDesc"] == "Up"
    assert ch.header()["CallerIDNum"] == "<unknown>"


@pytest.mark.parametrize(("name", "device"), [
    ("PJSIP/1001-00000001", "PJSIP/1001"), ("Local/1001@agents-0000005f;2", "Local/1001@agents"),
    ("SIP/agent1101-0000000b", "SIP/agent1101")])
def test_sim_device_names_drop_the_sequence(name: str, device: str) -> None:
    ch = Channel(name=name, uniqueid="1", linkedid="1", context="c", exten="s")
    assert ch.device == device


def test_sim_bridge_block_matches_asterisk() -> None:
    assert Bridge("b-1").header() == {
        "BridgeUniqueid": "b-1", "BridgeType": "basic", "BridgeTechnology": "simple_bridge",
        "BridgeCreator": "<unknown>", "BridgeName": "<unknown>", "BridgeNumChannels": 0,
        "BridgeVideoSourceMode": "none"}


def test_sim_state_and_cause_texts() -> None:
    assert STATE_DESC[4] == "Ring" and STATE_DESC[5] == "Ringing" and STATE_DESC[7] == "Busy"
    assert CAUSE_TXT[19] == "User alerting, no answer"
    assert CAUSE_TXT[34] == "Circuit/channel congestion"


@pytest.mark.parametrize(("text", "parsed"), [
    ('"Juan Perez" <5551234>', ("5551234", "Juan Perez")), ("<1001>", ("1001", "")),
    ('"Ventas" <1001>', ("1001", "Ventas")), ("5550001", ("5550001", ""))])
def test_sim_callerid_parsing(text: str, parsed: tuple[str, str]) -> None:
    assert parse_callerid(text) == parsed


@pytest.mark.parametrize(("name", "line", "code"), [
    ("STREAM FILE", "200 result=-1 endpos=0", ("-1", "Failure")),
    ("GET DATA", "200 result=-1", ("200", "Success")),
    ("EXEC", "200 result=-2", ("200", "Unknown Result")),
    (None, "510 Invalid or unknown command", ("510", "Invalid or unknown command")),
    ("SAY DIGITS", "511 Command Not Permitted on a dead channel or intercept routine",
     ("511", "Command Not Permitted on a dead channel or intercept routine")),
    ("STREAM FILE", USAGE_STREAM_FILE[-1], ("520", "Usage"))])
def test_sim_agi_exec_endexec_results(name: str | None, line: str,
                                       code: tuple[str, str]) -> None:
    assert exec_result(name, line) == code


def test_sim_stream_file_usage_is_multiline_520() -> None:
    assert USAGE_STREAM_FILE[0].startswith("520-") and USAGE_STREAM_FILE[-1] == \
        "520 End of proper usage."
    assert not prompt_exists("no-such-prompt") and prompt_exists("cti-welcome")


@pytest.mark.parametrize(("target", "endpoint", "number"), [
    ("PJSIP/1001", "PJSIP/1001", ""), ("PJSIP/5559876@trunk", "PJSIP/trunk", "5559876"),
    ("PJSIP/trunk/sip:5559876@10.0.0.1", "PJSIP/trunk", "5559876"),
    ("PJSIP/+34911234567@trunk", "PJSIP/trunk", "+34911234567"),
    ("SIP/agent1101", "SIP/agent1101", ""), ("SIP/trunk/5559876", "SIP/trunk", "5559876"),
    ("SIP/5559876@trunk", "SIP/trunk", "5559876"),
    ("PJSIP/trunk/5559876", "", "")])
def test_sim_dial_strings_reach_their_endpoint(target: str, endpoint: str, number: str) -> None:
    """chan_pjsip reads what follows a second slash as a SIP URI or an AOR name; chan_sip
    as the number to call on that peer."""
    assert parse_target(target) == (endpoint, number)
    assert endpoint_of(target) == endpoint
