"""Recording (MixMonitor), answering-machine detection (AMD) and outbound customers.

The recorded scenarios 23 and 24 are replayed in test_sim_fidelity; these tests
check what the replay cannot: the recording file itself, the ``b`` option,
MixMonitorMute, the AMD outcomes driving the dialplan, and customer scripts.
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sim_ami import Ami, running

from cti.sim import Behaviour, Dialplan, SimPbx

PLAN = """
[in]
exten => 900,1,Answer()
 same => n,Dial(PJSIP/1001,10)
 same => n,Hangup()
exten => 901,1,Answer()
 same => n,MixMonitor(call-${UNIQUEID}.wav,b)
 same => n,Wait(1)
 same => n,Dial(PJSIP/1001,10)
 same => n,Hangup()

[cti-amd]
exten => s,1,NoOp(AMD for ${CTI_INTERACTION})
 same => n,AMD()
 same => n,UserEvent(CTIAmdResult,AMD_FIELDS)
 same => n,GotoIf($["${AMDSTATUS}" = "MACHINE"]?machine)
 same => n,Wait(30)
 same => n,Hangup()
 same => n(machine),Hangup()
""".replace("AMD_FIELDS", "Interaction: ${CTI_INTERACTION},AmdStatus: ${AMDSTATUS},"
                             "AmdCause: ${AMDCAUSE}")
SPEED = 10.0


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[tuple[SimPbx, Ami]]:
    pbx = SimPbx(secret="s3cret", speed=SPEED, dialplan=Dialplan.parse(PLAN),
                 recordings_dir=tmp_path)
    pbx.add_phone("PJSIP/1001", Behaviour.answers(1.0, talk_seconds=4.0))
    pbx.add_phone("SIP/trunk", Behaviour.answers(1.0), context="from-pstn")
    async with running(pbx) as ami:
        yield pbx, ami


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (8000, 2, 1)
        return w.getnframes() / w.getframerate()


async def test_sim_mixmonitor_action_records_the_bridged_call_into_a_wav(sim, tmp_path) -> None:
    pbx, ami = sim
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(10):
        call = pbx.place_call("5551234", "Juan Perez", "900", context="in")
        await ami.wait_for(Event="BridgeEnter", Channel=call.name)
        await ami.send(Action="MixMonitor", Channel=call.name, File="int-1.wav",
                       Options="bi(CTI_MIXMON_ID)", ActionID="m")
        reply = await ami.wait_for(ActionID="m")
        started = loop.time()
        await asyncio.sleep(2.0 / SPEED)  # let about two simulated seconds of talk pass
        await ami.send(Action="StopMixMonitor", Channel=call.name,
                       MixMonitorID=reply["MixMonitorID"], ActionID="s")
        stopped = await ami.wait_for(ActionID="s")
        recorded = (loop.time() - started) * SPEED
        await ami.wait_for(Event="MixMonitorStop", Channel=call.name)
    assert reply == {"Response": "Success", "ActionID": "m",
                     "MixMonitorID": reply["MixMonitorID"]}
    assert stopped == {"Response": "Success", "ActionID": "s"}
    names = {m["Variable"]: m["Value"] for m in ami.messages
             if m.get("Event") == "VarSet" and m["Channel"] == call.name}
    assert names["MIXMONITOR_FILENAME"] == str(tmp_path / "int-1.wav")
    assert names["CTI_MIXMON_ID"] == reply["MixMonitorID"]
    start = next(m for m in ami.messages if m.get("Event") == "MixMonitorStart")
    assert "MixMonitorID" not in start and start["Privilege"] == "call,all"
    rec = pbx.recording(reply["MixMonitorID"])
    assert rec.done and rec.path == tmp_path / "int-1.wav"
    assert _seconds(rec.path) == pytest.approx(recorded, abs=0.3)


async def test_sim_mixmonitor_app_with_b_records_only_while_bridged(sim, tmp_path) -> None:
    """MixMonitor() in the dialplan, started 1 s + 1 s ring before the agent answers;
    the agent talks 4 s: only those 4 s are in the file."""
    pbx, ami = sim
    async with asyncio.timeout(10):
        call = pbx.place_call("5551234", "Juan Perez", "901", context="in")
        await call.wait_ended()
    (rec,) = pbx.recordings
    assert rec.done and rec.path.parent == tmp_path
    assert _seconds(rec.path) == pytest.approx(4.0, abs=0.6)
    assert not any(m.get("Event") == "MixMonitorStop" for m in ami.messages), \
        "a hang-up ends a recording without MixMonitorStop"


async def test_sim_mixmonitor_mute_answers_like_app_mixmonitor(sim) -> None:
    pbx, ami = sim
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(10):
        call = pbx.place_call("5551234", "Juan Perez", "900", context="in")
        await ami.wait_for(Event="BridgeEnter", Channel=call.name)
        await ami.send(Action="MixMonitorMute", Channel=call.name, Direction="both",
                       State="1", ActionID="none")
        await ami.send(Action="MixMonitor", Channel=call.name, File="x.wav", ActionID="m")
        await ami.send(Action="MixMonitorMute", Channel=call.name, State="1", ActionID="nodir")
        await ami.send(Action="MixMonitorMute", Channel=call.name, Direction="both",
                       State="1", ActionID="mute")
        event = await ami.wait_for(Event="MixMonitorMute")
        muted_at = loop.time()
        await asyncio.sleep(1.0 / SPEED)  # about a simulated second muted
        await ami.send(Action="MixMonitorMute", Channel=call.name, Direction="both",
                       State="0", ActionID="unmute")
        await ami.wait_for(ActionID="unmute")
        muted = (loop.time() - muted_at) * SPEED
        await call.wait_ended()
    by_id = {m["ActionID"]: m for m in ami.messages if "Response" in m and "ActionID" in m}
    assert by_id["none"]["Message"] == "Cannot set mute flag"
    assert by_id["m"] == {"Response": "Success", "ActionID": "m"}  # no i(): no ID
    assert by_id["nodir"]["Message"] == "No direction specified. Must be read, write or both"
    assert by_id["mute"] == {"Response": "Success", "ActionID": "mute"}
    assert (event["Direction"], event["State"], event["Channel"]) == ("both", "1", call.name)
    (rec,) = pbx.recordings
    assert rec.muted_seconds == pytest.approx(muted, abs=0.3)
    assert _seconds(rec.path) == pytest.approx(rec.seconds, abs=0.01)  # silence kept


@pytest.mark.parametrize(("behaviour", "status", "cause", "listens"), [
    (Behaviour.human(after=3.0), "HUMAN", "HUMAN-800-800", 1.76),
    (Behaviour.machine(after=0.5), "MACHINE", "MAXWORDS-3-2", 1.54),
    (Behaviour.silent(after=0.5), "NOTSURE", "TOOLONG-4900", 5.0)])
async def test_sim_outbound_customer_script_decides_amd(sim, behaviour: Behaviour, status: str,
                                                        cause: str, listens: float) -> None:
    pbx, ami = sim
    pbx.set_customer("5559877", behaviour)
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(10):
        await ami.send(Action="Originate", Channel="SIP/trunk/5559877", Context="cti-amd",
                       Exten="s", Priority="1", CallerID='"Ventas" <1001>', Async="true",
                       Variable="CTI_INTERACTION=int-9", ActionID="o")
        answered = await ami.wait_for(Event="OriginateResponse", ActionID="o")
        answered_at = loop.time()
        result = await ami.wait_for(Event="UserEvent", UserEvent="CTIAmdResult")
        decided = (loop.time() - answered_at) * SPEED
        amd = {m["Variable"]: m["Value"] for m in ami.messages if m.get("Event") == "VarSet"
               and m["Variable"].startswith("AMD")}
        if status == "MACHINE":
            hangup = await ami.wait_for(Event="Hangup", Channel=answered["Channel"])
    assert answered["Response"] == "Success" and answered["Reason"] == "4"
    assert answered["Channel"].startswith("SIP/trunk-")
    assert amd == {"AMDSTATUS": status, "AMDCAUSE": cause}
    assert (result["AmdStatus"], result["AmdCause"], result["Interaction"]) == \
        (status, cause, "int-9")
    assert decided == pytest.approx(listens, abs=0.5)
    if status == "MACHINE":
        assert hangup["Cause"] == "16"


async def test_sim_customer_answers_after_its_delay(sim) -> None:
    pbx, ami = sim
    pbx.set_customer("5559877", Behaviour.human(after=3.0))
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(10):
        began = loop.time()
        await ami.send(Action="Originate", Channel="SIP/trunk/5559877", Context="cti-amd",
                       Exten="s", Priority="1", Async="true", ActionID="o")
        await ami.wait_for(Event="OriginateResponse", ActionID="o")
    assert (loop.time() - began) * SPEED == pytest.approx(3.0, abs=0.5)
    assert pbx.phone("SIP/trunk").answered_calls == 1
