"""``cti ivr simulate --store``: customers come from PostgreSQL, nothing is written."""

from __future__ import annotations

import asyncio

from agi_ivr_support import MADRID, OPEN, ROOT

from cti.agi.loader import load_flows
from cti.agi.simulate import describe, simulate
from cti.agi.store_host import StoreLookupHost
from cti.config import load_config
from cti.store import Store


async def test_simulate_against_the_store_takes_the_vip_path(store: Store) -> None:
    await store.customers.create("Ana Ruiz", tier="vip", value=50000,
                                 phones=["5557777"], account_number="A-1")
    config = load_config(ROOT / "config")
    flows = {n: lf.flow for n, lf in load_flows(ROOT / "ivr_flows").items()}
    host = StoreLookupHost(hours=config.hours, store=store)
    async with asyncio.timeout(10):
        vip = await simulate(flows, "main", host, caller="5557777", digits=[], at=OPEN,
                             tz=MADRID)
        unknown = await simulate(flows, "main", host, caller="5550000", digits=["3"],
                                 at=OPEN, tz=MADRID)
    lookup = next(e for e in vip.result.path if e.kind == "lookup")
    assert lookup.data["found"] is True and lookup.data["tier"] == "vip"
    assert host.queued[vip.result.interaction_id]["queue"] == "vip"
    assert host.queued[unknown.result.interaction_id]["queue"] == "billing"
    assert "  queued: vip skills={'vip': 1} priority=10" in describe(vip)
