"""A running IVR: example flows, in-memory host, FastAGI server on port 0, fake PBX."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from agi_ivr_support import MADRID, ROOT, Ivr, customers

from cti.agi.app import IvrApp
from cti.agi.fake_pbx import FakePbx
from cti.agi.hold import HoldStep
from cti.agi.httpstep import AiohttpFetcher
from cti.agi.interpreter import FlowRunner
from cti.agi.loader import load_flows
from cti.agi.server import AgiServer
from cti.config import load_config


@pytest.fixture
async def ivr() -> AsyncIterator[Ivr]:
    config = load_config(ROOT / "config")
    flows = load_flows(ROOT / "ivr_flows", queues=set(config.queues), skills=config.skills())
    host = customers()
    fetcher = AiohttpFetcher()
    holder = Ivr(host, None, None, None)  # type: ignore[arg-type]
    runner = FlowRunner({n: lf.flow for n, lf in flows.items()}, host, http=fetcher,
                        clock=lambda: holder.now[0], tz=MADRID)
    holder.app = IvrApp(runner, HoldStep(host, announce_every=30, clock=lambda: holder.wall[0]))
    holder.server = AgiServer(holder.app.routes(), port=0, reply_timeout=5)
    await holder.server.start()
    holder.pbx = FakePbx(holder.server.port)
    try:
        yield holder
    finally:
        await holder.server.stop()
        await fetcher.close()
