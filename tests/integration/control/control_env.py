"""Helpers of the call control end-to-end tests (imported by name)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from service_env import Env, wait_for

BOOKINGS = ["1", "1"]   # main menu 1 (bookings), then 1 (new booking)


def window() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(hours=1), now + timedelta(hours=1)


def peer(env: Env, channel: str) -> str | None:
    """Who the simulator's ``channel`` shares a bridge with (None when not bridged)."""
    ch = env.sim.core.channels.get(channel)
    if ch is None or ch.bridge is None:
        return None
    others = [c.name for c in ch.bridge.channels if c is not ch]
    return others[0] if len(others) == 1 else None


def context(env: Env, channel: str) -> str | None:
    ch = env.sim.core.channels.get(channel)
    return None if ch is None else ch.context


async def answered_call(env: Env, agent_id: str = "a1001", digits: list[str] | None = None,
                        caller: str = "5551234") -> tuple[Any, str]:
    """A caller through the IVR, answered by ``agent_id`` (made ready): (handle, id)."""
    await env.ready(agent_id)
    call = env.sim.place_call(caller, "Juan Perez", "900", digits=digits or BOOKINGS)
    await wait_for(lambda: env.agent_state(agent_id) == "ON_CALL", what=f"{agent_id} on call")
    await wait_for(lambda: peer(env, call.name) is not None, what="caller bridged")
    (interaction_id,) = [c.interaction_id for c in env.service.calls]
    return call, interaction_id


async def event_types(env: Env, interaction_id: str) -> list[str]:
    return [e["type"] for e in await env.store.events.for_interaction(interaction_id)]


async def rows(env: Env, sql: str, *args: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in await env.store.pool.fetch(sql, *args)]


async def closed(env: Env) -> None:
    await wait_for(lambda: len(env.service.calls) == 0, timeout=15, what="calls closed")
    await env.flushed()
