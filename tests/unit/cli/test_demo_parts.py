"""`cti demo`'s parts that need no PBX: callers with valid numbers, a status line that
fits the terminal and leaves nothing behind."""

from __future__ import annotations

import random

from cti.config import Numbers
from cti.demo import DEMO_CUSTOMERS, caller_number, format_status_line, status_update


def _status(wrap_up: int = 0) -> dict:
    return {"calls": {"ivr": 3, "waiting": 12, "ringing": 2, "talking": 40},
            "agents_by_state": {"READY": 5, "ON_CALL": 40, "WRAP_UP": wrap_up},
            "queues": [{"answered": 1234, "abandoned": 56, "service_level": 87.5},
                       {"answered": 10, "abandoned": 0, "service_level": None}],
            "centre": {"today": {"answered": 1244, "abandoned": 56, "service_level": 87.5}}}


def test_demo_callers_and_customers_have_numbers_a_callback_may_dial() -> None:
    policy = Numbers().policy()  # default region ES, as the shipped cti.yaml
    rng = random.Random(1)
    numbers = [caller_number(rng) for _ in range(2000)] + [c[1] for c in DEMO_CUSTOMERS]
    for number in numbers:
        assert number.startswith("+346") and len(number) == 12
        assert policy.check(number).e164 == number


def test_the_status_line_shows_everything_when_there_is_room() -> None:
    line = format_status_line(_status(560), 1500, 200, "14:40:57")
    assert line == ("[14:40:57] placed 1500  ivr 3  waiting 12  ringing 2  talking 40  |  "
                    "answered 1244  abandoned 56  SL 88%  |  agents ready 5  on call 40  "
                    "wrap-up 560")
    assert format_status_line(_status(), 8, None, "14:40:57").startswith("[14:40:57] placed 8")


def test_the_status_line_fits_an_80_column_terminal() -> None:
    for width in (80, 60, 40):
        line = format_status_line(_status(560), 123456, width, "14:40:57")
        assert len(line) <= width - 1, (width, line)
    line = format_status_line(_status(560), 123456, 80, "14:40:57")
    assert line == "[14:40:57] wait 12 talk 40 | ans 1244 SL 88% | ready 5 oncall 40 wrap 560"
    assert format_status_line(_status(560), 1, 120, "14:40:57") == (
        "[14:40:57] placed 1 ivr 3 wait 12 ring 2 talk 40 | ans 1244 aband 56 SL 88% | "
        "ready 5 oncall 40 wrap 560")


def test_a_status_update_erases_what_a_longer_line_left() -> None:
    update = status_update("[14:40:58] placed 9")
    assert update.startswith("\r[14:40:58] placed 9") and update.endswith("\x1b[K")
