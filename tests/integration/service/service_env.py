"""The service end to end: the simulator as the PBX, embedded PostgreSQL, real sockets.

``make_config`` writes a config directory like the shipped one but open all
week and with short timers; ``service_env`` starts simulator + service on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from cti.app import Service
from cti.config import load_config
from cti.sim.phones import Behaviour
from cti.sim.server import SimPbx
from cti.store import Store

ROOT = Path(__file__).resolve().parents[3]
SECRET = "test-secret"
#: Simulated seconds per real second: prompts and ring delays go faster.
SPEED = 4.0
AGENTS = [f"a{1000 + i}" for i in range(1, 11)]


def make_config(directory: Path, ami_port: int, *, queues: dict[str, dict[str, Any]] | None = None,
                http_port: int = 0, agi_port: int = 0,
                cti_yaml: dict[str, Any] | None = None) -> Path:
    """A config dir pointing at the simulator; ``queues`` patches queue fields by name,
    ``cti_yaml`` top-level sections of cti.yaml."""
    shutil.rmtree(directory, ignore_errors=True)
    shutil.copytree(ROOT / "config", directory)
    cti = yaml.safe_load((directory / "cti.yaml").read_text())
    cti["ami"][0].update(port=ami_port, secret=SECRET, action_timeout=3)
    cti["agi"]["port"] = agi_port
    cti["http"]["port"] = http_port
    cti["ivr"]["flows_dir"] = str(ROOT / "ivr_flows")
    cti["log"]["level"] = "info"
    cti.update(cti_yaml or {})
    (directory / "cti.yaml").write_text(yaml.safe_dump(cti))
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    (directory / "hours.yaml").write_text(yaml.safe_dump(
        {"timezone": "UTC", "weekly": {d: ["00:00-24:00"] for d in days}}))
    doc = yaml.safe_load((directory / "queues.yaml").read_text())
    for queue in doc["queues"]:
        queue.update(ring_timeout=3, wrapup=1)
        queue.update((queues or {}).get(queue["name"], {}))
    (directory / "queues.yaml").write_text(yaml.safe_dump(doc))
    return directory


async def wait_for(predicate: Callable[[], Any], timeout: float = 10.0,
                   what: str = "condition") -> Any:
    """Poll ``predicate`` until it is truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


async def call_events(store: Store, interaction_id: Any) -> list[str]:
    """The types of an interaction's call events (``call.*``), short: ``queued``, ..."""
    return [e["type"].removeprefix("call.") for e in
            await store.events.for_interaction(interaction_id) if e["type"].startswith("call.")]


@dataclass
class Env:
    sim: SimPbx
    service: Service
    config_dir: Path
    dsn: str

    @property
    def store(self) -> Store:
        assert self.service.store is not None
        return self.service.store

    async def ready(self, *agent_ids: str) -> None:
        for agent_id in agent_ids or AGENTS:
            await self.service.agent_command(agent_id, "ready", None)

    def agent_state(self, agent_id: str) -> str:
        assert self.service.router is not None
        return self.service.router.engine.agent(agent_id).state.value

    async def flushed(self) -> None:
        assert self.service.recorder is not None
        assert await self.service.flush(10), "records not flushed"


async def start_sim(**kwargs: Any) -> SimPbx:
    sim = SimPbx(secret=SECRET, speed=SPEED, **kwargs)
    await sim.start()
    for agent_id in AGENTS:
        sim.add_phone(f"PJSIP/{agent_id[1:]}", Behaviour.answers(1.0))
    return sim


@contextlib.asynccontextmanager
async def running_service(dsn: str, directory: Path, *,
                          queues: dict[str, dict[str, Any]] | None = None,
                          hours: dict[str, Any] | None = None,
                          cti_yaml: dict[str, Any] | None = None,
                          sim: dict[str, Any] | None = None) -> AsyncIterator[Env]:
    """Simulator (``sim``: its options) + service on a config made by ``make_config``
    (``hours`` replaces hours.yaml), stopped at the end."""
    async with asyncio.timeout(30):
        pbx = await start_sim(**(sim or {}))
        config_dir = make_config(directory, pbx.ami_port, queues=queues, cti_yaml=cti_yaml)
        if hours is not None:
            (config_dir / "hours.yaml").write_text(yaml.safe_dump(hours))
        service = Service(load_config(config_dir), dsn=dsn)
        await service.start()
        assert service.agi is not None
        pbx.core.agi_override = ("127.0.0.1", service.agi.port)
    try:
        yield Env(pbx, service, config_dir, dsn)
    finally:
        async with asyncio.timeout(30):
            await service.stop()
            await pbx.stop()


@pytest.fixture
async def env(dsn: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with running_service(dsn, tmp_path / "config") as started:
        yield started
