"""Logging: structlog to stderr, as console lines for people or JSON for collectors.

Every log line of a call carries its interaction id: code handling a call runs
inside ``call_context(interaction_id)``, which binds it in a context variable
that structlog merges into each event (asyncio copies context variables into
the tasks a call's code starts, so this follows the call).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import structlog

get_logger = structlog.get_logger


def configure_logging(
    fmt: Literal["console", "json"] = "console", level: str = "info", stream=None
) -> None:
    """Route structlog and the stdlib ``logging`` (asyncpg, aiohttp, panoramisk) alike."""
    numeric = logging.getLevelNamesMapping()[level.upper()]
    shared: list = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)


@contextmanager
def call_context(interaction_id: str | None, **more: str) -> Iterator[None]:
    """Bind ``interaction_id`` (and more keys) to every log line inside the block."""
    if interaction_id is None and not more:
        yield
        return
    tokens = structlog.contextvars.bind_contextvars(interaction_id=interaction_id, **more)
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
