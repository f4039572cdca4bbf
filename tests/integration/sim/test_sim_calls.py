"""The simulator running the project's dialplan (dialplan/extensions_cti.conf).

A small FastAGI server plays the service's side: the IVR queues the call,
the hold step does nothing; the test drives AMI like the service would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sim_ami import Ami, running

from cti.sim import Behaviour, Dialplan, OutboundProfile, SimPbx, Traffic, TrafficProfile


class Ivr:
    """FastAGI server: ivr -> asks for a digit and sets what ``decide`` returns for it;
    hold -> sets ``hold_action`` if any."""

    def __init__(self) -> None:
        self.sessions: list[list[str]] = []
        self.port = 0
        self.variables: dict[str, str] = {"CTI_ACTION": "queue"}
        self.hold_action = ""
        #: more commands the IVR sends after its menu
        self.extra: list[str] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines: list[str] = []
        self.sessions.append(lines)
        while line := (await reader.readline()).decode().rstrip("\n"):
            lines.append(line)
        if any("ivr" in x for x in lines if x.startswith("agi_network_script")):
            commands = ["ANSWER", "GET DATA cti-menu 2000 1", *self.extra]
            commands += [f'SET VARIABLE {k} "{v}"' for k, v in self.variables.items()]
        else:
            commands = [f"SET VARIABLE CTI_ACTION {self.hold_action}"] if self.hold_action else []
        for command in commands:
            writer.write(f"{command}\n".encode())
            lines.append((await reader.readline()).decode().rstrip("\n"))
        writer.close()


@pytest.fixture
async def setup() -> AsyncIterator[tuple[SimPbx, Ami, Ivr]]:
    ivr = Ivr()
    await ivr.start()
    pbx = SimPbx(secret="s3cret", agi_address=("127.0.0.1", ivr.port), speed=20.0,
                 restart_seconds=0.5)
    pbx.add_phone("PJSIP/1001", Behaviour.answers(1.0, talk_seconds=2.0))
    pbx.add_phone("PJSIP/1002", Behaviour.never_answers())
    pbx.add_phone("PJSIP/1003", Behaviour.busy())
    pbx.add_phone("PJSIP/1004", registered=False)
    try:
        async with running(pbx) as ami:
            yield pbx, ami, ivr
    finally:
        ivr.server.close()


async def _queued_call(pbx: SimPbx, ami: Ami, **kw: object) -> str:
    call = pbx.place_call("5551234", "Juan Perez", "900", digits=["1"], **kw)  # type: ignore[arg-type]
    await ami.wait_for(Event="MusicOnHoldStart", Channel=call.name)
    return call.name


async def _connect(ami: Ami, channel: str, endpoint: str, timeout: str = "3") -> None:
    await ami.send(Action="Setvar", Channel=channel, Variable="CTI_AGENT_ENDPOINT", Value=endpoint)
    await ami.send(Action="Setvar", Channel=channel, Variable="CTI_RING_TIMEOUT", Value=timeout)
    await ami.send(Action="Redirect", Channel=channel, Context="cti-connect", Exten="s",
                   Priority="1", ActionID="r1")


async def test_sim_inbound_call_runs_ivr_then_waits_in_hold(setup) -> None:
    pbx, ami, ivr = setup
    async with asyncio.timeout(10):
        name = await _queued_call(pbx, ami)
    assert name.startswith("PJSIP/trunk-")
    env = dict(x.split(": ", 1) for x in ivr.sessions[0] if x.startswith("agi_"))
    assert env["agi_network_script"] == "ivr?dnid=900"
    assert env["agi_type"] == "PJSIP" and env["agi_dnid"] == "900"
    assert env["agi_callerid"] == "5551234" and env["agi_context"] == "cti-inbound"
    assert ivr.sessions[0][-3:] == ["200 result=0", "200 result=1", "200 result=1"]


async def test_sim_agent_answers_talks_and_hangs_up(setup) -> None:
    pbx, ami, _ = setup
    async with asyncio.timeout(10):
        name = await _queued_call(pbx, ami)
        await _connect(ami, name, "PJSIP/1001")
        end = await ami.wait_for(Event="DialEnd", Channel=name)
        assert end["DialStatus"] == "ANSWER"
        assert end["DestChannel"].startswith("PJSIP/1001-")
        await ami.wait_for(Event="Hangup", Channel=end["DestChannel"])
        hangup = await ami.wait_for(Event="Hangup", Channel=name)
    assert hangup["Cause"] == "16"
    assert not any(m.get("Event") == "UserEvent" for m in ami.messages), \
        "after an answered Dial the caller hangs up: no CTIDialResult"


@pytest.mark.parametrize(("endpoint", "status"), [("PJSIP/1002", "NOANSWER"),
                                                  ("PJSIP/1003", "BUSY"),
                                                  ("PJSIP/1004", "CHANUNAVAIL")])
async def test_sim_failed_dial_reports_status_and_returns_to_hold(setup, endpoint: str,
                                                                   status: str) -> None:
    pbx, ami, _ = setup
    async with asyncio.timeout(10):
        name = await _queued_call(pbx, ami)
        await _connect(ami, name, endpoint, timeout="2")
        result = await ami.wait_for(Event="UserEvent", UserEvent="CTIDialResult")
        assert result["DialStatus"] == status and result["Endpoint"] == endpoint
        back = await ami.wait_for(Event="MusicOnHoldStart", Channel=name, Context="cti-hold",
                                  Priority=str(HOLD_MUSIC))
    assert back["Exten"] == "s"
    assert (status == "CHANUNAVAIL") == (not any(
        m.get("Event") == "DialBegin" for m in ami.messages))


async def test_sim_caller_out_of_patience_abandons(setup) -> None:
    pbx, _ami, _ = setup
    async with asyncio.timeout(10):
        call = pbx.place_call("5550001", "Maria", "900", digits=["2"], patience=8)
        assert await call.wait_ended() == "abandoned"
    assert pbx.counters["calls_abandoned"] == 1


async def test_sim_phone_feature_code_sends_user_event(setup) -> None:
    pbx, ami, _ = setup
    async with asyncio.timeout(10):
        name = pbx.dial_feature("PJSIP/1001", "*45")
        event = await ami.wait_for(Event="UserEvent", UserEvent="CTIAgentLogin")
        await ami.wait_for(Event="Hangup", Channel=name)
    assert event["Endpoint"] == "PJSIP/1001"


async def test_sim_unregistered_phone_changes_device_state(setup) -> None:
    pbx, ami, _ = setup
    async with asyncio.timeout(5):
        pbx.set_registered("PJSIP/1001", False)
        event = await ami.wait_for(Event="DeviceStateChange", Device="PJSIP/1001")
    assert event["State"] == "UNAVAILABLE"


async def test_sim_restart_closes_socket_and_forgets_calls(setup) -> None:
    pbx, ami, _ = setup
    async with asyncio.timeout(10):
        await _queued_call(pbx, ami)
        await ami.send(Action="Command", Command="core restart now", ActionID="rs")
        await ami.task
        assert not any(m.get("Event") == "Hangup" for m in ami.messages)
        assert not any(m.get("ActionID") == "rs" for m in ami.messages)
        await pbx.up.wait()
        again = Ami(pbx.ami_port)
        await again.connect()
        await again.wait_for(Event="FullyBooted")
        await again.send(Action="CoreShowChannels", ActionID="c")
        done = await again.wait_for(Event="CoreShowChannelsComplete")
        again.writer.close()
    assert done["ListItems"] == "0"


async def test_sim_traffic_generator_places_poisson_calls(setup) -> None:
    pbx, ami, ivr = setup
    traffic = Traffic(pbx, TrafficProfile(calls_per_minute=600, mean_patience=5,
                                          max_calls=5), seed=7)
    async with asyncio.timeout(10):
        await traffic.run()
        while len(ivr.sessions) < 5:
            await ami.wait_for(Event="MusicOnHoldStart")
            ami.messages.clear()
    assert traffic.counters["placed"] == 5


async def test_sim_ivr_transfer_dials_the_transfer_target(setup) -> None:
    pbx, ami, ivr = setup
    ivr.variables = {"CTI_TRANSFER_TARGET": "PJSIP/1001", "CTI_ACTION": "transfer"}
    async with asyncio.timeout(10):
        call = pbx.place_call("5551234", "Juan Perez", "900", digits={"cti-menu": "9"})
        begin = await ami.wait_for(Event="DialBegin", Channel=call.name)
        end = await ami.wait_for(Event="DialEnd", Channel=call.name)
    assert begin["Context"] == "cti-transfer" and begin["DialString"] == "1001"
    assert end["DialStatus"] == "ANSWER"
    assert any(m.get("Event") == "DTMFEnd" and m.get("Digit") == "9" for m in ami.messages)


async def test_sim_ivr_voicemail_runs_voicemail_then_hangs_up(setup) -> None:
    pbx, ami, ivr = setup
    ivr.variables = {"CTI_MAILBOX": "100@default", "CTI_ACTION": "voicemail"}
    async with asyncio.timeout(10):
        call = pbx.place_call("5551234", "Juan Perez", "900")
        vm = await ami.wait_for(Event="Newexten", Channel=call.name, Application="VoiceMail")
        await ami.wait_for(Event="Hangup", Channel=call.name)
    assert vm["AppData"] == "100@default,u"


async def test_sim_hold_step_callback_leaves_the_queue(setup) -> None:
    pbx, ami, ivr = setup
    ivr.hold_action = "callback"
    async with asyncio.timeout(10):
        call = pbx.place_call("5551234", "Juan Perez", "900", digits=["1"])
        bye = await ami.wait_for(Event="Newexten", Channel=call.name, Application="Playback")
        await ami.wait_for(Event="Hangup", Channel=call.name)
    assert bye["AppData"] == "goodbye" and bye["Context"] == "cti-hold"


async def test_sim_agent_phone_hangs_up_after_talk_time_and_caller_follows(setup) -> None:
    pbx, ami, _ = setup
    async with asyncio.timeout(10):
        call = pbx.place_call("5551234", "Juan Perez", "900", digits=["1"], talk_seconds=600)
        await ami.wait_for(Event="MusicOnHoldStart", Channel=call.name)
        await _connect(ami, call.name, "PJSIP/1001")
        assert await call.wait_ended() == "completed"
    assert pbx.phone("PJSIP/1001").answered_calls == 1


def _hold_music_priority() -> int:
    """Where cti-hold starts its music slice (after the limit checks of the loop)."""
    plan = Dialplan.load(Path(__file__).resolve().parents[3] / "dialplan" / "extensions_cti.conf")
    steps = plan.contexts["cti-hold"].extensions["s"].steps
    return next(p for p, step in sorted(steps.items()) if step.app == "MusicOnHold")


HOLD_MUSIC = _hold_music_priority()

SMALL_PLAN = """
[in]
exten => 900,1,Answer()
 same => n,Dial(PJSIP/1001,10)
 same => n,Hangup()
[agents]
exten => 2001,1,Answer()
 same => n,Wait(600)
"""


async def test_sim_attended_transfer_joins_caller_and_target() -> None:
    pbx = SimPbx(secret="s3cret", speed=20.0, dialplan=Dialplan.parse(SMALL_PLAN))
    pbx.add_phone("PJSIP/1001", Behaviour.answers(0.5))
    await pbx.start()
    ami = Ami(pbx.ami_port)
    try:
        async with asyncio.timeout(10):
            await ami.connect()
            call = pbx.place_call("5551234", "Juan Perez", "900", context="in")
            end = await ami.wait_for(Event="DialEnd", Channel=call.name, DialStatus="ANSWER")
            await ami.send(Action="Atxfer", Channel=end["DestChannel"], Exten="2001",
                           Context="agents", ActionID="x")
            reply = await ami.wait_for(ActionID="x")
            await ami.wait_for(Event="Hangup", Channel=end["DestChannel"])
            first = await ami.wait_for(Event="BridgeEnter", Channel=call.name)
            joined = await ami.wait_for(ami.messages.index(first) + 1, Event="BridgeEnter",
                                        Channel=call.name)
    finally:
        ami.writer.close()
        await pbx.stop()
    assert reply["Message"] == "Atxfer successfully queued"
    partner = next(m for m in ami.messages if m.get("Event") == "BridgeEnter"
                   and m.get("BridgeUniqueid") == joined["BridgeUniqueid"]
                   and m["Channel"] != call.name)
    assert partner["Channel"].startswith("Local/2001@agents-")


async def test_sim_click_to_dial_rings_agent_then_customer_on_the_trunk(setup) -> None:
    pbx, ami, _ = setup
    pbx.add_phone("PJSIP/trunk", Behaviour.answers(1.0))  # cti-outbound: PJSIP/<n>@trunk
    async with asyncio.timeout(10):
        await ami.send(Action="Originate", Channel="PJSIP/1001", Context="cti-outbound",
                       Exten="5559876", Priority="1", CallerID='"Ventas" <1001>',
                       Async="true", ActionID="o",
                       Variable="CTI_INTERACTION=int-7,CTI_DIAL=PJSIP/5559876@trunk")
        result = await ami.wait_for(Event="OriginateResponse", ActionID="o")
        end = await ami.wait_for(Event="DialEnd", Channel=result["Channel"])
    assert result["Response"] == "Success" and result["Reason"] == "4"
    assert end["DestChannel"].startswith("PJSIP/trunk-") and end["DialStatus"] == "ANSWER"


async def test_sim_callback_customer_hangs_up_after_its_talk_time(setup) -> None:
    """A customer reached by number whose script has no talk time (the demo's trunk)
    talks for a time drawn from the outbound profile, then hangs up: the agent's leg
    ends too (it used to stay up for ever)."""
    pbx, ami, _ = setup
    pbx.add_phone("PJSIP/1006", Behaviour.answers(0.5))  # never hangs up by itself
    pbx.add_phone("PJSIP/trunk", Behaviour.answers(1.0))
    pbx.set_outbound_profile(OutboundProfile(answer_rate=1.0, busy_rate=0.0, machine_rate=0.0,
                                             talk_median=3.0, talk_sigma=0.0))
    pbx.set_customer("5559876", Behaviour.answers(1.0))  # its own script, no talk time
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(10):
        await ami.send(Action="Originate", Channel="PJSIP/1006", Context="cti-outbound",
                       Exten="5559876", Priority="1", Async="true", ActionID="o",
                       Variable="CTI_DIAL=PJSIP/5559876@trunk")
        agent = (await ami.wait_for(Event="OriginateResponse", ActionID="o"))["Channel"]
        bridged = await ami.wait_for(Event="BridgeEnter", Channel=agent)
        connected_at = loop.time()
        customer = next(m["Channel"] for m in ami.messages if m.get("Event") == "BridgeEnter"
                        and m["BridgeUniqueid"] == bridged["BridgeUniqueid"]
                        and m["Channel"] != agent)
        await ami.wait_for(Event="Hangup", Channel=customer)
        talked = (loop.time() - connected_at) * 20.0
        await ami.wait_for(Event="Hangup", Channel=agent)
    assert customer.startswith("PJSIP/trunk-")
    assert talked == pytest.approx(3.0, abs=0.5)


async def test_sim_pjsip_dial_string_with_a_number_after_the_slash_is_unavailable(setup) -> None:
    """chan_pjsip reads PJSIP/trunk/5559876 as endpoint 'trunk' with AOR '5559876': no such
    contact, so the channel cannot be created (why the dialplan dials PJSIP/<n>@trunk)."""
    pbx, ami, _ = setup
    pbx.add_phone("PJSIP/trunk", Behaviour.answers(1.0))
    async with asyncio.timeout(10):
        await ami.send(Action="Originate", Channel="PJSIP/trunk/5559876", Application="Wait",
                       Data="1", Async="true", ActionID="o")
        result = await ami.wait_for(Event="OriginateResponse", ActionID="o")
    assert result["Response"] == "Failure"


async def test_sim_agi_says_alpha_dates_times_and_records_like_asterisk(setup) -> None:
    pbx, ami, ivr = setup
    ivr.extra = ['SAY ALPHA abc ""', 'SAY DATE 1805025600 ""', 'SAY TIME 1805025600 ""',
                 'SAY DATETIME 1805025600 ""', 'RECORD FILE /tmp/msg wav "#" 1000',
                 'SAY DATE tomorrow ""']
    async with asyncio.timeout(10):
        await _queued_call(pbx, ami)
    replies = ivr.sessions[0][-(len(ivr.extra) + 1):-1]
    assert replies == ["200 result=0"] * 4 + [
        "200 result=0 (timeout) endpos=8000",
        "520 Invalid command syntax.  Proper usage not available."]
