"""Calls offered, answered and abandoned per interval over the last minutes: the
wallboard's plot (``GET /api/v1/traffic``), read from the call records.

A call counts as offered in the interval it entered a queue (each visit of a
queue is a call record), answered in the interval an agent answered it, and
abandoned in the interval the caller hung up waiting.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from cti.api.policy import Forbidden, Role
from cti.api.routes import Call, Routes
from cti.errors import BadRequest
from cti.events import iso
from cti.store.models import CallRecord

ROUTES = Routes("queues")
#: Calls rarely wait longer than this: records that arrived earlier are not read.
LOOKBACK = 2 * 3600


@ROUTES.get("/traffic", "Calls offered, answered and abandoned per interval of the last "
            "minutes, over the caller's queues (or one)",
            query=(("minutes", "how far back, 5-1440 (60)"),
                   ("step", "minutes per interval, 1-60 (5)"),
                   ("queue", "only this queue")))
async def traffic(call: Call) -> dict[str, Any]:
    p, ctx = call.principal, call.ctx
    policy = ctx.policy()
    policy.check_role(p, "see queue traffic", (Role.SUPERVISOR, Role.ADMIN), "queues:read")
    minutes = call.int_query("minutes", 60, 5, 1440)
    step = call.int_query("step", 5, 1, 60)
    if minutes % step:
        raise BadRequest(f"minutes ({minutes}) must be a multiple of step ({step})")
    reach = policy.queues_of(p) if p.role is not Role.SYSTEM else None
    queues = set(ctx.config.queues if reach is None else reach)
    wanted = call.query.get("queue")
    if wanted is not None:
        if wanted not in ctx.config.queues:
            raise BadRequest(f"no queue {wanted!r}; queues: {', '.join(ctx.config.queues)}")
        if wanted not in queues:
            raise Forbidden(f"{p.describe()} may not see queue {wanted}: not one of its queues")
        queues = {wanted}
    width = step * 60
    end = (int(time.time()) // width + 1) * width   # the current interval is the last
    start = end - minutes * 60
    records = await ctx.store.calls.between(_at(start - LOOKBACK), _at(end))
    return {"step": width, "from": iso(start), "to": iso(end), "queues": sorted(queues),
            "intervals": tally((r for r in records if r.queue in queues), start, width,
                               minutes // step)}


def tally(records: Iterable[CallRecord], start: float, width: int,
          count: int) -> list[dict[str, Any]]:
    """Offered, answered and abandoned per interval of ``width`` seconds from ``start``."""
    rows = [{"start": iso(start + i * width), "offered": 0, "answered": 0, "abandoned": 0}
            for i in range(count)]

    def add(at: datetime | None, key: str) -> None:
        if at is None:
            return
        index = int((at.timestamp() - start) // width)
        if 0 <= index < count:
            rows[index][key] += 1

    for r in records:
        add(r.queued_at or r.arrived_at, "offered")
        add(r.answered_at, "answered")
        if r.outcome == "abandoned":
            add(r.ended_at, "abandoned")
    return rows


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
