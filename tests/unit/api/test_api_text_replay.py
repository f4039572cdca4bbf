"""Free text from outside, the replay buffer, JSON depth, command argument errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cti import events as ev
from cti.api.commands import describe
from cti.api.replay import ReplayBuffer
from cti.api.routes import too_deep
from cti.api.schemas import CaseNoteArgs, MessageArgs, PauseArgs, Target, UserIn
from cti.api.text import TextRefused, clean_line, clean_text
from cti.stream import EventStream


def test_one_line_text_loses_controls_and_terminal_escapes() -> None:
    assert clean_line("  Ana\x1b[31m Ruiz\r\n ") == "Ana[31m Ruiz"
    assert clean_line("a\u202eb") == "ab"              # a right-to-left override
    assert clean_line("Cafe\u0301") == "Café"           # NFC


def test_notes_keep_newlines_and_tabs() -> None:
    assert clean_text("line 1\r\n\tline 2\x0c") == "line 1\n\tline 2"


@pytest.mark.parametrize(("text", "why"), [("a\x00b", "NUL"), ("x" * 201, "at most 200")])
def test_nul_and_overlong_text_are_refused(text: str, why: str) -> None:
    with pytest.raises(TextRefused, match=why):
        clean_line(text)


def test_schemas_apply_the_text_rules_with_the_field_named() -> None:
    with pytest.raises(ValidationError) as caught:
        CaseNoteArgs.model_validate({"case_id": "c", "text": "a\x00b"})
    assert describe(caught.value, "args.") == \
        "args.text: Value error, text must not contain a NUL character"
    assert CaseNoteArgs.model_validate({"case_id": "c", "text": "ok\x1b"}).text == "ok"
    with pytest.raises(ValidationError) as caught:
        PauseArgs.model_validate({"reason": "lunch", "colour": "red"})
    assert describe(caught.value) == "colour: unknown field"


def test_targets_and_messages_name_exactly_one_destination() -> None:
    with pytest.raises(ValidationError, match="exactly one of agent, queue or number"):
        Target.model_validate({"agent": "a1", "queue": "q"})
    with pytest.raises(ValidationError, match="exactly one of agents, queue or all"):
        MessageArgs.model_validate({"text": "hi"})
    with pytest.raises(ValidationError, match="id"):
        UserIn.model_validate({"id": "Bad Name", "role": "admin", "password": "x" * 10})


def test_json_depth() -> None:
    deep: object = 1
    for _ in range(40):
        deep = [deep]
    assert too_deep(deep, 32)
    assert not too_deep({"a": [{"b": [1, 2]}]}, 32)


def _filled(count: int, capacity: int) -> ReplayBuffer:
    stream = EventStream("e")
    buffer = ReplayBuffer(capacity)
    for _ in range(count):
        event = stream.new(ev.AgentStateChanged, agent_id="a", state="READY", previous="X")
        buffer.add(event, str(event.seq))
    return buffer


def test_replay_serves_what_came_after_a_seq_it_still_holds() -> None:
    buffer = _filled(10, capacity=5)          # holds 6..10
    assert [e.frame for e in buffer.after(7, 10)] == ["8", "9", "10"]
    assert list(buffer.after(10, 10)) == []   # up to date
    assert [e.frame for e in buffer.after(5, 10)] == ["6", "7", "8", "9", "10"]
    assert buffer.after(4, 10) is None        # 5 is gone: too far behind
    assert buffer.after(11, 10) is None       # from the future: another stream
    assert ReplayBuffer(5).after(3, 10) is None
