"""The /hold step between music-on-hold slices, the fake PBX playing Asterisk."""

from __future__ import annotations

import asyncio

from agi_ivr_support import Ivr

from cti.agi.host import HoldStatus


async def test_hold_announces_position_and_wait_then_offers_callback(ivr: Ivr) -> None:
    ivr.host.holds["int-0007"] = HoldStatus(position=3, ewt=150)
    async with asyncio.timeout(5):
        t, _ = await ivr.call("hold", variables={"CTI_INTERACTION": "int-0007"})
    assert t.commands == [
        "GET VARIABLE CTI_INTERACTION", "GET VARIABLE CTI_HOLD_ANNOUNCED",
        'SET VARIABLE CTI_HOLD_ANNOUNCED "1800000000"',
        'STREAM FILE cti-position "1"', 'SAY NUMBER 3 "1"',
        'STREAM FILE cti-wait-about "1"', 'SAY NUMBER 3 "1"', 'STREAM FILE minutes "1"',
        "GET DATA cti-callback-offer 1500 1",
    ]
    assert "CTI_ACTION" not in t.variables
    assert ivr.host.steps[-1].kind == "hold_announcement"


async def test_hold_announces_every_n_seconds_not_every_slice(ivr: Ivr) -> None:
    ivr.host.holds["int-0007"] = HoldStatus(position=2, ewt=60)
    variables = {"CTI_INTERACTION": "int-0007"}
    async with asyncio.timeout(5):
        first, _ = await ivr.call("hold", variables=variables)
        variables = first.variables
        ivr.wall[0] += 29                              # next slices, within 30 s
        quiet, _ = await ivr.call("hold", variables=variables)
        ivr.wall[0] += 1
        again, _ = await ivr.call("hold", variables=variables)
    assert len(first.commands) > 3
    assert quiet.commands == ["GET VARIABLE CTI_INTERACTION", "GET VARIABLE CTI_HOLD_ANNOUNCED"]
    assert 'STREAM FILE cti-position "1"' in again.commands


async def test_hold_press_1_requests_callback_keeping_the_place(ivr: Ivr) -> None:
    ivr.host.holds["int-0008"] = HoldStatus(position=5, ewt=None)
    async with asyncio.timeout(5):
        t, _ = await ivr.call("hold", caller="5559999", digits=["1"],
                              variables={"CTI_INTERACTION": "int-0008"})
    assert ivr.host.callbacks == {"int-0008": "5559999"}
    assert t.variables["CTI_ACTION"] == "callback"
    assert t.commands[-1] == 'STREAM FILE cti-callback-confirmed ""'
    assert 'STREAM FILE cti-wait-about "1"' not in t.commands     # no estimate known


async def test_hold_without_interaction_or_no_longer_queued_returns_at_once(ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        unknown, _ = await ivr.call("hold")
        gone, _ = await ivr.call("hold", variables={"CTI_INTERACTION": "int-0404"})
    assert unknown.commands == ["GET VARIABLE CTI_INTERACTION"]
    assert gone.commands == ["GET VARIABLE CTI_INTERACTION"]


async def test_hold_redirected_to_an_agent_mid_announcement_ends_cleanly(ivr: Ivr) -> None:
    ivr.host.holds["int-0009"] = HoldStatus(position=1, ewt=20)
    async with asyncio.timeout(5):
        t, _ = await ivr.call("hold", hangup_after=4, variables={"CTI_INTERACTION": "int-0009"})
    assert len(t.commands) == 5
    assert ivr.server.stats["hangups"] == 1
    assert ivr.server.stats["errors"] == 0
    assert ivr.host.callbacks == {}
