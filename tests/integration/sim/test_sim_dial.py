"""Dial with several destinations (``&``) and dialled numbers with a ``+``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sim_ami import Ami, running

from cti.sim import Behaviour, Dialplan, SimPbx

PLAN = """
[in]
exten => 900,1,Answer()
 same => n,Dial(PJSIP/1001&PJSIP/1002&Local/2001@agents,10)
 same => n,Hangup()
exten => 901,1,Answer()
 same => n,Dial(PJSIP/1003&PJSIP/1004&PJSIP/1005,10)
 same => n,UserEvent(Done,DialStatus: ${DIALSTATUS})
 same => n,Hangup()
exten => 902,1,Answer()
 same => n,Dial(PJSIP/1002&Local/2002@agents,2)
 same => n,UserEvent(Done,DialStatus: ${DIALSTATUS})
 same => n,Hangup()

[agents]
exten => 2001,1,Ringing()
 same => n,Wait(3)
 same => n,Answer()
 same => n,Wait(600)
exten => 2002,1,Ringing()
 same => n,Wait(600)

[out]
exten => +34911234567,1,Dial(PJSIP/${EXTEN}@trunk,10)
 same => n,Hangup()
"""


@pytest.fixture
async def sim() -> AsyncIterator[tuple[SimPbx, Ami]]:
    pbx = SimPbx(secret="s3cret", speed=20.0, dialplan=Dialplan.parse(PLAN))
    pbx.add_phone("PJSIP/1001", Behaviour.answers(1.0, talk_seconds=1.0))
    pbx.add_phone("PJSIP/1002", Behaviour.never_answers())
    pbx.add_phone("PJSIP/1003", Behaviour.busy())
    pbx.add_phone("PJSIP/1004", Behaviour.congestion())
    pbx.add_phone("PJSIP/1005", registered=False)
    pbx.add_phone("PJSIP/trunk", Behaviour.answers(1.0), context="from-trunk")
    async with running(pbx) as ami:
        yield pbx, ami


def _of(ami: Ami, event: str, **match: str) -> list[dict[str, str]]:
    return [m for m in ami.messages if m.get("Event") == event
            and all(m.get(k) == v for k, v in match.items())]


async def test_sim_dial_rings_every_destination_and_the_first_to_answer_wins(sim) -> None:
    pbx, ami = sim
    async with asyncio.timeout(10):
        call = pbx.place_call("5551234", "Juan Perez", "900", context="in")
        await call.wait_ended()  # 1001 talks 1 s and hangs up
    begins = _of(ami, "DialBegin", Channel=call.name)
    assert [b["DialString"] for b in begins] == ["1001", "1002", "2001@agents"]
    ends = {e["DestChannel"].rsplit("-", 1)[0]: e["DialStatus"]
            for e in _of(ami, "DialEnd", Channel=call.name)}
    assert ends == {"PJSIP/1001": "ANSWER", "PJSIP/1002": "CANCEL",
                    "Local/2001@agents": "CANCEL"}
    losers = [b["DestChannel"] for b in begins[1:]]
    for loser in losers:
        (hangup,) = _of(ami, "Hangup", Channel=loser)
        assert (hangup["Cause"], hangup["Cause-txt"]) == ("26", "Answered elsewhere")
    local_two = losers[1].replace(";1", ";2")
    assert _of(ami, "Newexten", Channel=local_two, Application="Wait"), \
        "the Local destination ran its dialplan"
    dial_vars = {m["Variable"]: m["Value"] for m in _of(ami, "VarSet", Channel=call.name)}
    assert (dial_vars["DIALSTATUS"], dial_vars["DIALEDPEERNUMBER"]) == ("ANSWER", "1001")


async def test_sim_dial_where_every_destination_fails_reports_busy_first(sim) -> None:
    pbx, ami = sim
    async with asyncio.timeout(10):
        call = pbx.place_call("5551234", "Juan Perez", "901", context="in")
        done = await ami.wait_for(Event="UserEvent", UserEvent="Done")
    ends = sorted(e["DialStatus"] for e in _of(ami, "DialEnd", Channel=call.name))
    assert ends == ["BUSY", "CONGESTION"]  # 1005 is unregistered: no channel at all
    assert len(_of(ami, "DialBegin", Channel=call.name)) == 2
    assert done["DialStatus"] == "BUSY"


async def test_sim_dial_timeout_ends_every_leg_with_noanswer(sim) -> None:
    pbx, ami = sim
    async with asyncio.timeout(10):
        call = pbx.place_call("5551234", "Juan Perez", "902", context="in")
        done = await ami.wait_for(Event="UserEvent", UserEvent="Done")
    assert [e["DialStatus"] for e in _of(ami, "DialEnd", Channel=call.name)] == \
        ["NOANSWER", "NOANSWER"]
    assert done["DialStatus"] == "NOANSWER"


async def test_sim_numbers_with_a_plus_reach_the_trunk_unchanged(sim) -> None:
    pbx, ami = sim
    pbx.set_customer("+34911234567", Behaviour.human(after=0.5))
    async with asyncio.timeout(10):
        await ami.send(Action="Originate", Channel="PJSIP/1001", Context="out",
                       Exten="+34911234567", Priority="1", Async="true", ActionID="o")
        answered = await ami.wait_for(Event="OriginateResponse", ActionID="o")
        begin = await ami.wait_for(Event="DialBegin", Channel=answered["Channel"])
        end = await ami.wait_for(Event="DialEnd", Channel=answered["Channel"])
    assert begin["DialString"] == "+34911234567@trunk"
    assert end["DialStatus"] == "ANSWER"
    assert pbx.phone("PJSIP/trunk").answered_calls == 1
