"""The /hold step between music-on-hold slices, the fake PBX playing Asterisk."""

from __future__ import annotations

import asyncio

from agi_ivr_support import Ivr

from cti.agi.host import HoldStatus

MOBILE = "612345678"           # a Spanish mobile: may be called back


async def test_hold_announces_position_and_wait_then_offers_callback(ivr: Ivr) -> None:
    ivr.host.holds["int-0007"] = HoldStatus(position=3, ewt=150)
    async with asyncio.timeout(5):
        t, _ = await ivr.call("hold", caller=MOBILE,
                              variables={"CTI_INTERACTION": "int-0007"})
    assert t.commands == [
        "GET VARIABLE CTI_INTERACTION", 'SET VARIABLE CTI_HOLD_OK "1"',
        "GET VARIABLE CTI_HOLD_ANNOUNCED", 'SET VARIABLE CTI_HOLD_ANNOUNCED "1800000000"',
        "GET VARIABLE CTI_CALLBACK_NUMBER",
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
    assert quiet.commands == ["GET VARIABLE CTI_INTERACTION", 'SET VARIABLE CTI_HOLD_OK "1"',
                              "GET VARIABLE CTI_HOLD_ANNOUNCED"]
    assert 'STREAM FILE cti-position ""' in again.commands


async def test_hold_press_1_requests_callback_keeping_the_place(ivr: Ivr) -> None:
    ivr.host.holds["int-0008"] = HoldStatus(position=5, ewt=None)
    async with asyncio.timeout(5):
        t, _ = await ivr.call("hold", caller="612 34 56 78", digits=["1"],
                              variables={"CTI_INTERACTION": "int-0008"})
    assert ivr.host.callbacks == {"int-0008": "+34612345678"}       # kept as E.164
    assert t.variables["CTI_ACTION"] == "callback"
    assert t.commands[-1] == 'STREAM FILE cti-callback-confirmed ""'
    assert 'STREAM FILE cti-wait-about "1"' not in t.commands     # no estimate known


async def test_hold_offers_no_callback_to_a_number_that_cannot_be_called(ivr: Ivr) -> None:
    """A withheld number, a premium-rate one, a caller id that is not a number: the
    caller is not offered what the service would refuse (nor can press 1 into it)."""
    for n, caller in enumerate(["", "+34803123456", "5551234&PJSIP/0900123456"]):
        iid = f"int-01{n}"
        ivr.host.holds[iid] = HoldStatus(position=1, ewt=60)
        async with asyncio.timeout(5):
            t, _ = await ivr.call("hold", caller=caller, digits=["1"],
                                  variables={"CTI_INTERACTION": iid})
        assert 'STREAM FILE cti-position ""' in t.commands, caller   # "1" is no escape
        assert not any(c.startswith("GET DATA cti-callback-offer") for c in t.commands)
        assert iid not in ivr.host.callbacks
        assert "CTI_ACTION" not in t.variables


async def test_hold_refuses_a_fourth_callback_to_one_number_within_the_hour(ivr: Ivr) -> None:
    for n in range(4):
        iid = f"int-02{n}"
        ivr.host.holds[iid] = HoldStatus(position=1, ewt=None)
        async with asyncio.timeout(5):
            t, _ = await ivr.call("hold", caller=MOBILE, digits=["1"],
                                  variables={"CTI_INTERACTION": iid})
    assert sorted(ivr.host.callbacks) == ["int-020", "int-021", "int-022"]
    assert t.commands[-1] == 'STREAM FILE cti-callback-invalid ""'
    assert "CTI_ACTION" not in t.variables
    assert ivr.host.steps[-1].data["callback_refused"] == "rate-limit"


async def test_hold_without_interaction_or_no_longer_queued_reports_nothing(ivr: Ivr) -> None:
    """No CTI_HOLD_OK: the dialplan counts the round as failed (cti-fallback after
    CTI_HOLD_FAILURES of them), since nobody will ever serve this caller."""
    async with asyncio.timeout(5):
        unknown, _ = await ivr.call("hold")
        gone, _ = await ivr.call("hold", variables={"CTI_INTERACTION": "int-0404"})
    assert unknown.commands == ["GET VARIABLE CTI_INTERACTION"]
    assert gone.commands == ["GET VARIABLE CTI_INTERACTION"]
    assert "CTI_HOLD_OK" not in gone.variables


async def test_hold_with_a_missing_prompt_still_reports_that_it_ran(ivr: Ivr) -> None:
    ivr.host.holds["int-0010"] = HoldStatus(position=2, ewt=60)
    async with asyncio.timeout(5):
        t, _ = await ivr.call("hold", caller=MOBILE, variables={"CTI_INTERACTION": "int-0010"},
                              missing_prompts={"cti-position"})
    assert t.variables["CTI_HOLD_OK"] == "1"
    i = t.commands.index('STREAM FILE cti-position "1"')
    assert t.commands[i + 1:i + 3] == ["CHANNEL STATUS", 'SAY NUMBER 2 "1"']
    assert ivr.host.steps[-1].data["failed_prompts"] == ["cti-position"]


async def test_hold_redirected_to_an_agent_mid_announcement_ends_cleanly(ivr: Ivr) -> None:
    ivr.host.holds["int-0009"] = HoldStatus(position=1, ewt=20)
    async with asyncio.timeout(5):
        t, _ = await ivr.call("hold", hangup_after=6, variables={"CTI_INTERACTION": "int-0009"})
    assert len(t.commands) == 7
    assert ivr.server.stats["hangups"] == 1
    assert ivr.server.stats["errors"] == 0
    assert ivr.host.callbacks == {}
