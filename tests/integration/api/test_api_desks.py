"""Hot-desking (the agent picks the phone that rings) and a desktop gone for too long."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from api_support import ApiEnv, api_env, wait_for

from cti.sim.phones import Behaviour

BOOKINGS = ["1", "1"]


@pytest.fixture
async def api(dsn: str, tmp_path: Path) -> AsyncIterator[ApiEnv]:
    async with api_env(dsn, tmp_path / "config", cti={"auth": {"desktop_grace": 0.5}}) as env:
        yield env


async def test_calls_ring_the_desk_the_agent_picked(api: ApiEnv) -> None:
    api.env.sim.add_phone("PJSIP/hotdesk-1", Behaviour.answers(0.5))
    async with asyncio.timeout(60):
        lucia = await api.desk(await api.user("lucia", "agent", agent="a1001"))
        marc = await api.desk(await api.user("marc", "agent", agent="a1002"))
        picked = await lucia.command("agent.set_endpoint", {"endpoint": "PJSIP/hotdesk-1"})
        assert picked["result"] == {"agent_id": "a1001", "endpoint": "PJSIP/hotdesk-1"}
        assert (await lucia.find("agent.status"))["endpoint"] == "PJSIP/hotdesk-1"
        taken = await marc.command("agent.set_endpoint", {"endpoint": "PJSIP/hotdesk-1"})
        assert taken["error"]["code"] == "command-refused"
        assert "in use by agent a1001" in taken["error"]["message"]
        strange = await marc.command("agent.set_endpoint", {"endpoint": "PJSIP/9999"})
        assert "neither its own endpoint nor one of the desks" in strange["error"]["message"]
        assert await api.service.store.users.desks() == {"a1001": "PJSIP/hotdesk-1"}

        await lucia.command("agent.ready")
        call = api.env.sim.place_call("5551234", "Juan Perez", "900", digits=BOOKINGS,
                                      talk_seconds=1)
        await lucia.next("call.answered", timeout=20)
        assert api.env.sim.phone("PJSIP/hotdesk-1").answered_calls == 1
        assert api.env.sim.phone("PJSIP/1001").calls == []
        await call.wait_ended()
        back = await lucia.command("agent.set_endpoint", {"endpoint": None})
        assert back["result"]["endpoint"] == "PJSIP/1001"
        assert await api.service.store.users.desks() == {}


async def test_a_ready_agent_whose_desktop_is_gone_goes_not_ready(api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        token = await api.user("lucia", "agent", agent="a1001")
        desk = await api.desk(token)
        await desk.command("agent.ready")
        await desk.close()
        again = await api.desk(token)                      # back within the grace: nothing
        await asyncio.sleep(0.8)
        assert api.env.agent_state("a1001") == "READY"
        await again.close()
        await wait_for(lambda: api.env.agent_state("a1001") == "NOT_READY", timeout=5,
                       what="paused as disconnected")
        assert api.service.router.engine.agent("a1001").reason == "disconnected"
        await api.env.ready("a1002")                       # never had a desktop: untouched
        await asyncio.sleep(0.8)
        assert api.env.agent_state("a1002") == "READY"
