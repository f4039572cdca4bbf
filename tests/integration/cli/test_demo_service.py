"""`cti demo` in process: `cti reload` keeps what the demo set (the simulated PBX's
address, hours open all week, short wrap-ups), and a callback to a demo caller is placed,
answered by the customer, and ends."""

from __future__ import annotations

import asyncio
import random
import shutil
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cti.calls import Phase
from cti.config import load_config
from cti.demo import Demo, caller_number

ROOT = Path(__file__).resolve().parents[3]


async def _wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)
    return value


def _config(directory: Path) -> Path:
    """The shipped config (Madrid hours, wrap-ups up to 30 s) on free ports; bookings
    calls back a caller who waited 2 s."""
    shutil.copytree(ROOT / "config", directory)
    cti = yaml.safe_load((directory / "cti.yaml").read_text())
    cti["http"]["port"] = cti["agi"]["port"] = 0
    cti["ivr"]["flows_dir"] = str(ROOT / "ivr_flows")
    (directory / "cti.yaml").write_text(yaml.safe_dump(cti))
    queues = yaml.safe_load((directory / "queues.yaml").read_text())
    for queue in queues["queues"]:
        if queue["name"] == "bookings":
            queue.update(max_wait=2, escalation=[])
    (directory / "queues.yaml").write_text(yaml.safe_dump(queues))
    return directory


@pytest.fixture
async def demo(dsn: str, tmp_path: Path) -> AsyncIterator[Demo]:
    demo = Demo(load_config(_config(tmp_path / "config")), agents=10, calls_per_minute=0,
                dsn=dsn, speed=4.0)
    async with asyncio.timeout(60):
        await demo.start()
    try:
        yield demo
    finally:
        async with asyncio.timeout(60):
            await demo.stop()


def _demo_settings(demo: Demo) -> tuple[Any, ...]:
    config = demo.service.config
    return (config.service.ami[0].port, sorted(config.hours.weekly),
            max(q.wrapup for q in config.queues.values()))


async def test_reload_keeps_what_the_demo_set(demo: Demo) -> None:
    async with asyncio.timeout(30):
        before = _demo_settings(demo)
        assert before == (demo.sim.ami_port, sorted(["mon", "tue", "wed", "thu", "fri", "sat",
                                                     "sun"]), 5)
        result = await demo.service.reload()
        assert result["queues"] == 6
        assert _demo_settings(demo) == before
        assert demo.service.router.config.hours.weekly["sun"] == ["00:00-24:00"]
        assert demo.service.status()["ami"][0]["link"] == "up"


async def test_a_callback_to_a_demo_caller_is_answered_and_ends(demo: Demo) -> None:
    service = demo.service
    async with asyncio.timeout(60):
        for agent_id in demo.agent_ids:
            await service.agent_command(agent_id, "pause", "lunch")
        number = caller_number(random.Random(5))  # a random Spanish mobile, as the demo's
        demo.place_call(["1", "1"], patience=600, number=number)  # bookings
        callback = await _wait_for(
            lambda: next((c for c in service.calls if c.phase is Phase.CALLBACK), None),
            20, "the caller's wait to become a callback")
        assert callback.callback_number == number
        await service.agent_command("a1001", "ready", None)
        await _wait_for(lambda: service.calls.get(callback.interaction_id) is None, 40,
                        "the callback to end (the customer hangs up after talking)")
        assert await service.flush(10)
        types = [e["type"] for e in
                 await service.store.events.for_interaction(callback.interaction_id)]
    assert "call.customer_answered" in types, types
    assert types[-1] == "call.ended", types
