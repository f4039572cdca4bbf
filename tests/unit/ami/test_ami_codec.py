"""The AMI wire codec: bytes cut anywhere give the same messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cti.ami.codec import AmiParser, Malformed, encode, parse_block

TRACES = Path(__file__).resolve().parents[3].parent / "shared" / "asterisk-traces"
UTF8_TRACE = (TRACES / "13-ami-protocol.ami.txt").read_bytes()
WHOLE = AmiParser().feed(UTF8_TRACE)


def feed_in_pieces(data: bytes, cuts: list[int]) -> list:
    parser = AmiParser()
    out: list = []
    start = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        out += parser.feed(data[start:cut])
        start = cut
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(UTF8_TRACE) - 1), max_size=300))
def test_random_cuts_give_the_same_messages(cuts: list[int]) -> None:
    assert feed_in_pieces(UTF8_TRACE, cuts) == WHOLE


def test_cut_inside_every_utf8_character_keeps_it() -> None:
    inside = [i for i, b in enumerate(UTF8_TRACE) if 0x80 <= b <= 0xBF]
    assert inside, "the trace holds multi-byte characters"
    msgs = feed_in_pieces(UTF8_TRACE, inside)
    assert msgs == WHOLE
    hello = next(m for m in msgs if isinstance(m, dict) and m.get("UserEvent") == "CTIHello")
    assert hello["Header"] == "Node: test\nNote: ñandú"


def test_banner_is_read_and_kept() -> None:
    parser = AmiParser()
    parser.feed(b"Asterisk Call Manager/9.0.0\r\nResponse: Success\r\n\r\n")
    assert parser.banner == "Asterisk Call Manager/9.0.0"


def test_stray_blank_lines_between_messages_are_skipped() -> None:
    parser = AmiParser()
    parser.banner = ""
    out = parser.feed(b"Event: A\r\n\r\n\r\n\r\nEvent: B\r\n\r\n\r\nEvent: C\r\n\r\n")
    assert [m["Event"] for m in out] == ["A", "B", "C"]


def test_oversized_message_is_reported_once_and_the_next_one_parses() -> None:
    parser = AmiParser(max_message_bytes=1000)
    parser.banner = ""
    out = parser.feed(b"Event: Big\r\nData: " + b"x" * 5000)
    out += parser.feed(b"y" * 5000 + b"\r\n\r\nEvent: Small\r\n\r\n")
    assert [type(m).__name__ for m in out] == ["Malformed", "dict"]
    assert out[0].reason == "message too large" and out[1]["Event"] == "Small"


def test_line_without_colon_makes_the_block_malformed_not_the_stream() -> None:
    parser = AmiParser()
    parser.banner = ""
    out = parser.feed(b"garbage\xff\xfe\r\nEvent: X\r\n\r\nEvent: Y\r\n\r\n")
    assert isinstance(out[0], Malformed) and out[1] == {"Event": "Y"}


def test_repeated_keys_are_joined_by_newlines() -> None:
    msg = parse_block(b"Response: Success\r\nOutput: line 1\r\nOutput: line 2")
    assert msg == {"Response": "Success", "Output": "line 1\nline 2"}


def test_encode_writes_lists_as_repeated_keys_and_refuses_line_breaks() -> None:
    data = encode({"Action": "Originate", "Variable": ["A=1", "B=2"]})
    assert data == b"Action: Originate\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n"
    with pytest.raises(ValueError, match="line break"):
        encode({"Action": "Setvar", "Value": "a\r\nAction: Hangup"})
