"""Dispositions: a queue's codes, and the queue that waits for one."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.cases.dispositions import UnknownDisposition, check_disposition, wrapup_time
from cti.config import load_config

CONFIG = load_config(Path(__file__).resolve().parents[3] / "config")


def test_a_queue_s_own_code_is_accepted_and_named() -> None:
    assert check_disposition(CONFIG, "bookings", "booked").name == "Booking made"
    assert check_disposition(CONFIG, "billing", "resolved").code == "resolved"  # file-wide


def test_an_unknown_code_is_refused_listing_the_queue_s_codes() -> None:
    with pytest.raises(UnknownDisposition, match="'resolved' is not one of queue "
                                                 "complaints's: complaint-filed, "
                                                 "complaint-resolved"):
        check_disposition(CONFIG, "complaints", "resolved")


def test_a_queue_that_requires_a_disposition_refuses_none_and_waits_for_it() -> None:
    with pytest.raises(UnknownDisposition, match="queue complaints needs a disposition"):
        check_disposition(CONFIG, "complaints", None)
    assert check_disposition(CONFIG, "bookings", None) is None
    assert wrapup_time(CONFIG, "complaints") is None
    assert wrapup_time(CONFIG, "bookings") == 10
