"""IVR lookups skipped: a warning a minute at most, one line when they work again."""

from __future__ import annotations

import logging

import structlog

from cti.cases.ivr import Skips


def test_an_outage_or_a_slow_database_logs_a_line_a_minute_not_one_per_caller() -> None:
    now = [0.0]
    skips = Skips("customer lookup", "callers go on unidentified", clock=lambda: now[0])
    config = structlog.get_config()  # another test may have left a level above info
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        logs = _run(skips, now)
    finally:
        structlog.configure(**config)
    assert [(e["event"].split(";")[0], e.get("skipped"), e.get("skipped_since_warning"))
            for e in logs] == [
        ("customer lookup skipped", 1, None),
        ("customer lookup works again", None, 99),
        ("customer lookup skipped", 31, None)]


def _run(skips: Skips, now: list[float]) -> list[dict]:
    with structlog.testing.capture_logs() as logs:
        for _ in range(100):  # an outage at 100 calls a second: one second of it
            skips.skipped("unreachable")
            now[0] += 0.01
        skips.worked()
        for _ in range(30):  # then a slow database: every other lookup times out
            skips.skipped("timed out")
            skips.worked()
            now[0] += 1
        now[0] += 60
        skips.skipped("timed out")
    return logs
