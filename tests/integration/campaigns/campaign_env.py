"""The simulator, the service and PostgreSQL with an outbound queue and a trunk of
scripted customers (imported by name by the campaign tests)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import yaml
from service_env import SECRET, SPEED, Env, make_config, wait_for

from cti.app import Service
from cti.config import load_config
from cti.sim.phones import Behaviour
from cti.sim.server import SimPbx

#: The campaign's queue: no skills, so every agent serves it; short timers.
QUEUE = {"name": "outbound", "skills": {}, "ring_timeout": 3, "wrapup": 1}
CALLER_ID = "+34910000000"   # in ivr.numbers of the shipped cti.yaml


def definition(name: str = "renewals", mode: str = "progressive",
               **fields: Any) -> dict[str, Any]:
    """A campaign open every day, all day, retrying quickly."""
    base: dict[str, Any] = {
        "name": name, "mode": mode, "queue": "outbound", "caller_id": CALLER_ID,
        "window": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                   "hours": ["00:00-24:00"]},
        "pacing": {"no_answer_timeout": 8},
    }
    base.update(fields)
    return base


def csv_of(*numbers: str, header: str = "number,name,plan") -> str:
    lines = [header] + [f"{n},Customer {i},gold" for i, n in enumerate(numbers, start=1)]
    return "\n".join(lines) + "\n"


@contextlib.asynccontextmanager
async def campaign_env(dsn: str, directory: Path, *, agents: int = 3,
                       outbound: dict[str, Any] | None = None,
                       tweak: Callable[[Path], None] | None = None) -> AsyncIterator[Env]:
    """Simulator (agents a1001.. answering in 1 s, a trunk whose customers follow
    ``sim.set_customer``) and the service on a config with an ``outbound`` queue."""
    async with asyncio.timeout(30):
        sim = SimPbx(secret=SECRET, speed=SPEED)
        await sim.start()
        for i in range(1, agents + 1):
            sim.add_phone(f"PJSIP/{1000 + i}", Behaviour.answers(1.0))
        sim.add_phone("PJSIP/trunk", Behaviour.never_answers())
        config_dir = make_config(directory, sim.ami_port, cti_yaml={
            "outbound": {"rules": "US", **(outbound or {})},
            "numbers": {"default_region": "ES",
                        "allowed_countries": ["ES", "PT", "FR", "GB", "DE", "IT", "US"],
                        "allowed_types": ["fixed_line", "mobile", "fixed_line_or_mobile",
                                          "toll_free", "voip"],
                        "max_callbacks_per_hour": 3}})
        doc = yaml.safe_load((config_dir / "queues.yaml").read_text())
        doc["queues"].append(dict(QUEUE))
        (config_dir / "queues.yaml").write_text(yaml.safe_dump(doc))
        if tweak is not None:
            tweak(config_dir)
        service = Service(load_config(config_dir), dsn=dsn)
        await service.start()
        assert service.agi is not None
        sim.core.agi_override = ("127.0.0.1", service.agi.port)
    try:
        yield Env(sim, service, config_dir, dsn)
    finally:
        async with asyncio.timeout(30):
            await service.stop()
            await sim.stop()


def campaigns(env: Env) -> Any:
    assert env.service.campaigns is not None
    return env.service.campaigns


async def rows(env: Env, sql: str, *args: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in await env.store.pool.fetch(sql, *args)]


async def attempts_done(env: Env, campaign: str, count: int, timeout: float = 20) -> None:
    """Wait until ``count`` attempts of ``campaign`` have ended and are stored."""
    async def ended() -> int:
        await env.flushed()
        return len(await rows(env, "SELECT 1 FROM campaign_attempts WHERE campaign = $1 "
                                   "AND ended_at IS NOT NULL", campaign))

    deadline = asyncio.get_running_loop().time() + timeout
    while (n := await ended()) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{n} of {count} attempts of {campaign} ended after "
                                 f"{timeout}s")
        await asyncio.sleep(0.1)


__all__ = ["SPEED", "Env", "attempts_done", "campaign_env", "campaigns", "csv_of",
           "definition", "rows", "wait_for"]
