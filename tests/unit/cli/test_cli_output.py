"""Text from outside (names, pause reasons, notes, caller names) reaches the terminal
without escape sequences or control characters; agent replies say what is pending."""

from __future__ import annotations

from cti.cases.cli import format_case
from cti.service_cli import describe_agent, format_status
from cti.table import printable, render_table

RED = "\x1b[31m"
TITLE = "\x1b]0;pwned\x07"
RESET_TERMINAL = "\x1bc"


def test_printable_strips_escape_sequences_and_controls() -> None:
    assert printable(f"lunch{RED} break\x1b[0m") == "lunch break"
    assert printable(f"a{TITLE}b{RESET_TERMINAL}c") == "abc"
    assert printable("x\x9b31my\x07\x00") == "xy"                    # 8-bit CSI, BEL, NUL
    assert printable("tab\there\nnew line") == "tab here new line"
    assert printable("two\nlines", keep_newlines=True) == "two\nlines"
    assert printable("file\u202egnp.exe") == "filegnp.exe"              # right-to-left override
    assert printable("José Núñez 😀") == "José Núñez 😀"


def test_tables_print_no_escape_sequence_from_any_cell() -> None:
    table = render_table(["agent", "reason"], [["a1001", f"{RED}lunch"], [f"{TITLE}x", 3]])
    assert "\x1b" not in table and "\x07" not in table
    assert table.splitlines()[2].split() == ["a1001", "lunch"]


def test_status_and_case_printers_clean_outside_text() -> None:
    status = {
        "uptime_seconds": 1.0, "database": "up", "calls": {"waiting": 0, "talking": 1},
        "ami": [{"name": "pbx1", "link": "up", "address": "127.0.0.1:5038"}],
        "queues": [], "agents_by_state": {"ON_CALL": 1},
        "agents": [{"agent_id": "a1001", "state": "ON_CALL", "reason": f"{RED}red",
                    "in_state_for": 3.0, "answered": 1, "pending": "NOT_READY"}]}
    text = format_status(status)
    assert "\x1b" not in text and "NOT_READY after this call" in text
    case = {"id": "c1", "status": "open", "customer_id": "u1", "opened_at": "2026-01-01T10:00",
            "opened_by": "a1001", "unit": None, "owner": None, "call_type": None,
            "customer": {"name": f"Eve{TITLE}"},
            "classification": {"missing": [], "answer": None},
            "derivations": [], "interactions": [], "attachments": [],
            "notes": [{"at": "2026-01-01T10:01", "author": "a1001",
                       "text": f"call back{RED}\nsoon"}]}
    text = printable(format_case(case), keep_newlines=True)
    assert "\x1b" not in text and "\x07" not in text and "customer: Eve (u1)" in text


def test_an_agent_command_on_an_agent_in_a_call_says_what_is_pending() -> None:
    assert describe_agent({"agent_id": "a1001", "state": "ON_CALL", "reason": None,
                           "pending": "NOT_READY", "pending_reason": "lunch"}) == (
        "a1001: ON_CALL now; NOT_READY (lunch) once its call (and wrap-up) ends")
    assert describe_agent({"agent_id": "a1001", "state": "WRAP_UP", "reason": None,
                           "pending": "LOGGED_OUT"}) == (
        "a1001: WRAP_UP now; LOGGED_OUT once its wrap-up ends")
    assert describe_agent({"agent_id": "a1001", "state": "NOT_READY", "reason": "login",
                           "changed": False}) == "a1001: already NOT_READY (login)"
    assert describe_agent({"agent_id": "a1001", "state": "NOT_READY",
                           "reason": f"{RED}lunch"}) == "a1001: NOT_READY (lunch)"


def test_error_messages_are_cleaned_too(capsys) -> None:
    from cti.cli import print_error
    from cti.errors import RemoteError

    print_error(RemoteError(404, "no-such-agent", f"no agent {RED}x{TITLE}"), None)
    assert capsys.readouterr().err == "cti: no agent x\n"
