"""Logging: JSON or console, and the interaction id on every line of a call."""

from __future__ import annotations

import io
import json
import logging

import structlog

from cti.log import call_context, configure_logging


def test_json_lines_carry_the_interaction_id_inside_a_call_context_only() -> None:
    out = io.StringIO()
    configure_logging("json", "info", stream=out)
    try:
        with call_context("i-42"):
            structlog.get_logger("t").info("offered", agent_id="a1")
            logging.getLogger("asyncpg").warning("from the stdlib")
        structlog.get_logger("t").info("outside")
    finally:
        configure_logging("console", "warning")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(line["event"], line.get("interaction_id")) for line in lines] == [
        ("offered", "i-42"), ("from the stdlib", "i-42"), ("outside", None)]
    assert lines[0]["agent_id"] == "a1" and lines[1]["level"] == "warning"


def test_level_filters_and_console_format_is_plain_text() -> None:
    out = io.StringIO()
    configure_logging("console", "warning", stream=out)
    structlog.get_logger("t").info("hidden")
    structlog.get_logger("t").warning("shown", node="pbx1")
    text = out.getvalue()
    assert "hidden" not in text and "shown" in text and "node=pbx1" in text
    assert "\x1b[" not in text  # no colour codes in files
