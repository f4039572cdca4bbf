"""The attacks on the Asterisk side, replayed against the simulator running the
project's dialplan (dialplan/extensions_cti.conf) and the real IVR.

Each test is one finding of the issue "The Asterisk side is an attack surface":
the simulator refuses what Asterisk refuses (``_X.`` never matches ``+34...``)
and the tests look at what Asterisk would dial (the Dial application's data
in the Newexten events).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from agi_ivr_support import MADRID, ROOT, customers

from cti.agi.app import IvrApp
from cti.agi.hold import HoldPrompts, HoldStep
from cti.agi.interpreter import FlowRunner
from cti.agi.loader import load_flows
from cti.agi.memory_host import MemoryHost
from cti.agi.server import AgiServer
from cti.ami.client import AmiClient
from cti.ami.codec import parse_block
from cti.sim import Behaviour, SimPbx

SPEED = 20.0
BILLING = ["3"]                      # main menu: 3 billing -> queued, then cti-hold


@dataclass
class Pbx:
    sim: SimPbx
    server: AgiServer
    app: IvrApp
    host: MemoryHost
    runner: FlowRunner
    events: list[dict[str, str]] = field(default_factory=list, repr=False)

    def apps(self, app: str, channel: str | None = None) -> list[str]:
        """AppData of every ``app`` the dialplan ran (optionally on one channel)."""
        return [e["AppData"] for e in self.events
                if e.get("Event") == "Newexten" and e.get("Application") == app
                and (channel is None or e.get("Channel") == channel)]

    def contexts(self, channel: str) -> list[str]:
        return [e["Context"] for e in self.events
                if e.get("Event") == "Newexten" and e.get("Channel") == channel]

    def var(self, channel: str, name: str) -> str | None:
        values = [e["Value"] for e in self.events if e.get("Event") == "VarSet"
                  and e.get("Channel") == channel and e.get("Variable") == name]
        return values[-1] if values else None

    async def until(self, predicate: Callable[[], Any], what: str, seconds: float = 8.0) -> Any:
        try:
            async with asyncio.timeout(seconds):
                while not (value := predicate()):
                    await asyncio.sleep(0.01)
        except TimeoutError:
            raise AssertionError(f"not within {seconds} s: {what}") from None
        return value

    async def in_context(self, channel: str, context: str) -> None:
        await self.until(lambda: context in self.contexts(channel), f"{channel} in {context}")

    def interaction(self, uniqueid: str) -> str:
        found = [r.interaction_id for r in self.app.results if r.vars["call_id"] == uniqueid]
        assert found, f"no IVR result for {uniqueid}"
        return found[-1]

    async def ami(self) -> AmiClient:
        client = AmiClient("pbx1", "127.0.0.1", self.sim.ami_port, "cti", self.sim.secret)
        await client.start()
        return client


@pytest.fixture
async def pbx() -> AsyncIterator[Pbx]:
    host = customers()
    host.hours = None                                   # open around the clock
    flows = load_flows(ROOT / "ivr_flows")
    runner = FlowRunner({n: lf.flow for n, lf in flows.items()}, host, tz=MADRID)
    app = IvrApp(runner, HoldStep(host, announce_every=30))
    app.numbers = {"900": "main"}
    server = AgiServer(app.routes(), port=0, reply_timeout=10)
    await server.start()
    sim = SimPbx(secret=secrets.token_hex(8), agi_address=("127.0.0.1", server.port),
                 speed=SPEED)
    sim.add_phone("PJSIP/1001", Behaviour.answers(0.5))
    sim.add_phone("PJSIP/trunk", Behaviour.answers(1.0))   # the outside world
    await sim.start()
    env = Pbx(sim, server, app, host, runner)
    sim.core.listeners.append(lambda data, _category: _record(env, data))
    try:
        yield env
    finally:
        await sim.stop()
        await server.stop()


def _record(env: Pbx, data: bytes) -> None:
    msg = parse_block(data.rstrip(b"\r\n"))
    if not isinstance(msg, dict):
        return
    env.events.append(msg)


# -- 1. the AMI account ---------------------------------------------------------

async def test_the_shipped_ami_account_runs_no_shell_and_reads_no_secrets(pbx: Pbx) -> None:
    """dialplan/manager_cti.conf loaded into the simulator, which refuses what
    Asterisk 20 refuses (cti/ami/privileges.py): the attacks fail, every action
    the service sends passes."""
    from cti.ami.errors import AmiActionFailed
    from cti.asterisk_check import SERVICE_ACTIONS
    from cti.sim.accounts import parse_accounts

    text = (ROOT / "dialplan" / "manager_cti.conf").read_text()
    accounts = parse_accounts(text.replace(";secret = <a long random secret>",
                                           f"secret = {pbx.sim.secret}"))
    pbx.sim.accounts = accounts
    assert accounts["cti"].write == {"call", "originate", "user", "reporting"}
    ami = await pbx.ami()
    refused: dict[str, str] = {}
    attacks = {
        "shell": {"Action": "Originate", "Channel": "PJSIP/1001", "Application": "System",
                  "Data": "id > /tmp/owned"},
        "shell-function": {"Action": "Originate", "Channel": "PJSIP/1001",
                           "Application": "NoOp", "Data": "${SHELL(id)}"},
        "secrets": {"Action": "GetConfig", "Filename": "manager.conf"},
        "cli": {"Action": "Command", "Command": "core show version"},
        "record": {"Action": "MixMonitor", "Channel": "PJSIP/1001-00000001", "File": "x.wav"},
    }
    try:
        for name, action in attacks.items():
            try:
                await ami.send(action)
            except AmiActionFailed as exc:
                refused[name] = exc.message
        for action in SERVICE_ACTIONS:
            try:
                await ami.send({"Action": action})
            except AmiActionFailed as exc:
                assert "Permission denied" not in exc.message, action
    finally:
        await ami.stop()
    assert refused == {
        "shell": "Originate Access Forbidden: app or data blacklisted",
        "shell-function": "Originate Access Forbidden: app or data blacklisted",
        "secrets": "Permission denied", "cli": "Permission denied",
        "record": "Permission denied"}


def test_the_shipped_asterisk_files_pass_the_check_once_the_secret_is_set(
        tmp_path: Path) -> None:
    from cti.asterisk_check import check_asterisk_dir

    for name in ("manager_cti.conf", "extensions_cti.conf"):
        text = (ROOT / "dialplan" / name).read_text()
        (tmp_path / name).write_text(text.replace(";secret = <a long random secret>",
                                                  f"secret = {secrets.token_urlsafe(24)}"))
    assert [str(f) for f in check_asterisk_dir(tmp_path, usernames={"cti"})] == []


# -- 2. a callback number dials extra destinations ------------------------------

async def test_a_caller_id_with_a_second_destination_is_never_offered_a_callback(
        pbx: Pbx) -> None:
    call = pbx.sim.place_call("5551234&PJSIP/0900123456", "Mallory", "900",
                              digits=[*BILLING, "1", "1"])
    await pbx.in_context(call.name, "cti-hold")
    iid = pbx.interaction(call.uniqueid)
    await pbx.until(lambda: any(s.kind == "hold_announcement" and s.interaction_id == iid
                                for s in pbx.host.steps), "a hold announcement")
    await asyncio.sleep(2 / SPEED * 4)                  # time for a digit to be pressed
    assert pbx.host.callbacks == {}
    assert pbx.var(call.name, "CTI_ACTION") == "queue"
    assert not call.ended.is_set()


async def test_the_callback_originate_dials_one_checked_number_through_the_trunk(
        pbx: Pbx) -> None:
    """The routing step checks a callback's number again before it originates: a
    refused one ends the callback without ringing (or blaming) the agent; a good one
    is dialled once, through the trunk, and the agent's phone shows only it."""
    import time

    from acd.engine import Engine
    from cti.acd_specs import specs
    from cti.actions import Actions
    from cti.calls import CallRegistry, LiveCall
    from cti.config import load_config
    from cti.events import DomainEvent
    from cti.routing import Enqueue, Now, Router, Step
    from cti.routing.effects import AmiRequest
    from cti.routing.requests import agent_command
    from cti.stream import EventStream

    config = load_config(ROOT / "config")
    router = Router(config, Engine(*specs(config)), CallRegistry(), EventStream("t"))
    step = Step(router, Now(0.0, time.time()))
    agent_command(step, "a1001", "ready", None)
    step.drain()

    def callback(iid: str, number: str, at: float) -> list[Any]:
        router.calls.add(LiveCall(iid, "pbx1", f"PJSIP/trunk-{iid}", f"1.{iid}",
                                  caller_number=number, callback_number=number))
        return router.process(Enqueue(iid, "bookings", {}, 0, {}), Now(at, time.time()))

    refused = callback("bad", "5551234&PJSIP/0900123456", 1.0)
    assert not [e for e in refused if isinstance(e, AmiRequest)]
    failed = next(e for e in refused if isinstance(e, DomainEvent)
                  and e.TYPE == "call.offer_failed")
    assert failed.reason == "bad-number"
    assert router.engine.agent("a1001").state.value == "READY"  # not blamed

    ami = await pbx.ami()
    actions = Actions({"pbx1": ami}, report=lambda item: None)
    try:
        for effect in callback("good", "+34612345678", 2.0):
            if isinstance(effect, AmiRequest):
                actions.run(effect)
        dials = await pbx.until(lambda: pbx.apps("Dial"), "the customer dialled")
    finally:
        await ami.stop()
    assert dials == ["PJSIP/+34612345678@trunk,60"]           # one destination
    agent_leg = next(e for e in pbx.events if e.get("Event") == "NewCallerid"
                     and e.get("Channel", "").startswith("PJSIP/1001-"))
    assert agent_leg["CallerIDNum"] == "+34612345678"        # not the raw caller id
    assert "0900123456" not in agent_leg["CallerIDName"]


async def test_the_outbound_dialplan_filters_what_it_dials(pbx: Pbx) -> None:
    """Whatever reaches [cti-outbound], Dial gets one destination."""
    ami = await pbx.ami()
    try:
        await ami.send({"Action": "Originate", "Channel": "PJSIP/1001",
                        "Context": "cti-outbound", "Exten": "5551234&PJSIP/0900123456",
                        "Priority": "1", "Variable": [
                            "CTI_INTERACTION=int-1",
                            "CTI_DIAL=PJSIP/5551234&PJSIP/0900123456@trunk"]})
        dials = await pbx.until(lambda: pbx.apps("Dial"), "a Dial")
    finally:
        await ami.stop()
    assert all("&" not in data.split(",")[0] for data in dials), dials


async def test_the_outbound_dialplan_accepts_e164_numbers(pbx: Pbx) -> None:
    ami = await pbx.ami()
    try:
        await ami.send({"Action": "Originate", "Channel": "PJSIP/1001",
                        "Context": "cti-outbound", "Exten": "+34612345678", "Priority": "1",
                        "Variable": ["CTI_INTERACTION=int-2",
                                     "CTI_DIAL=PJSIP/+34612345678@trunk"]})
        dials = await pbx.until(lambda: pbx.apps("Dial"), "a Dial")
    finally:
        await ami.stop()
    assert dials == ["PJSIP/+34612345678@trunk,60"]


# -- 3. the dialled number chooses the IVR flow ---------------------------------

async def test_the_dialled_number_cannot_choose_the_flow_or_skip_its_steps(pbx: Pbx) -> None:
    call = pbx.sim.place_call("5550000", "Eve", "900&flow=vip&step=classify",
                              digits=BILLING)
    await pbx.in_context(call.name, "cti-hold")
    result = pbx.app.results[-1]
    assert [f"{e.flow}.{e.step}" for e in result.path][:3] == [
        "main.welcome", "main.hours", "main.identify"]          # hours and lookup ran
    queued = pbx.host.queued[result.interaction_id]
    assert (queued["queue"], queued["priority"]) == ("billing", 0)
    assert pbx.host.interactions[result.interaction_id].dnid == "900&flow=vip&step=classify"


async def test_a_comma_in_the_dialled_number_adds_no_agi_argument(pbx: Pbx) -> None:
    call = pbx.sim.place_call("5550000", "Eve", "900,x", digits=BILLING)
    await pbx.in_context(call.name, "cti-hold")
    (url,) = pbx.apps("AGI", call.name)[:1]
    assert "," not in url
    assert pbx.host.interactions[pbx.interaction(call.uniqueid)].dnid == "900,x"


async def test_an_e164_did_reaches_the_ivr_and_its_flow(pbx: Pbx) -> None:
    pbx.app.numbers["+34910000000"] = "vip"
    call = pbx.sim.place_call("5550000", "Eve", "+34910000000")
    await pbx.in_context(call.name, "cti-hold")
    result = pbx.app.results[-1]
    assert result.path[0].flow == "vip"
    assert pbx.host.interactions[result.interaction_id].dnid == "+34910000000"


async def test_the_survey_runs_on_the_interaction_of_the_channel(pbx: Pbx) -> None:
    call = pbx.sim.place_call("5550000", "Eve", "900", digits=[*BILLING, "4", "9"])
    await pbx.in_context(call.name, "cti-hold")
    iid = pbx.interaction(call.uniqueid)
    ami = await pbx.ami()
    try:
        await ami.send({"Action": "Redirect", "Channel": call.name, "Context": "cti-survey",
                        "Exten": "s", "Priority": "1"})
        await pbx.until(lambda: len(pbx.host.surveys) == 2, "two survey answers")
    finally:
        await ami.stop()
    assert pbx.host.surveys == [(iid, "csat", 4), (iid, "nps", 9)]


# -- 4. a waiting caller can be stuck for ever ----------------------------------

async def test_with_the_service_down_a_waiting_caller_goes_to_fallback(pbx: Pbx) -> None:
    pbx.sim.core.globals["CTI_HOLD_FAILURES"] = "3"
    call = pbx.sim.place_call("5550000", "Eve", "900", digits=BILLING)
    await pbx.in_context(call.name, "cti-hold")
    await pbx.server.stop()                              # the service is gone
    await pbx.in_context(call.name, "cti-fallback")
    hold_agis = [a for a in pbx.apps("AGI", call.name) if "/hold" in a]
    assert 3 <= len(hold_agis) <= 5
    assert pbx.var(call.name, "CTI_FALLBACK_REASON") == "hold-steps-failed"


async def test_a_missing_announcement_prompt_does_not_send_waiting_callers_away(
        pbx: Pbx) -> None:
    pbx.app.hold.prompts = HoldPrompts(position="no-such-position")
    pbx.app.hold.announce_every = 0                     # announce on every slice
    pbx.sim.core.globals["CTI_HOLD_FAILURES"] = "2"
    call = pbx.sim.place_call("5550000", "Eve", "900", digits=BILLING)
    await pbx.in_context(call.name, "cti-hold")
    await pbx.until(lambda: len([a for a in pbx.apps("AGI", call.name) if "/hold" in a]) >= 4,
                    "four hold steps")
    assert pbx.var(call.name, "AGISTATUS") == "FAILURE"  # as res_agi reports it
    assert "cti-fallback" not in pbx.contexts(call.name)


async def test_a_waiting_caller_leaves_hold_after_the_absolute_limit(pbx: Pbx) -> None:
    pbx.runner.hold_vars = {"CTI_HOLD_LIMIT": "1"}      # set by the IVR's queue step
    call = pbx.sim.place_call("5550000", "Eve", "900", digits=BILLING)
    await pbx.in_context(call.name, "cti-hold")
    await pbx.in_context(call.name, "cti-fallback")
    assert pbx.var(call.name, "CTI_FALLBACK_REASON") == "hold-limit"


async def test_a_hold_slice_that_returns_at_once_does_not_spin(pbx: Pbx) -> None:
    pbx.sim.core.globals["CTI_HOLD_SLICE"] = "0"        # music on hold fails to start
    call = pbx.sim.place_call("5550000", "Eve", "900", digits=BILLING)
    await pbx.in_context(call.name, "cti-hold")
    start = len(pbx.apps("AGI", call.name))
    await asyncio.sleep(1.0)
    rounds = len(pbx.apps("AGI", call.name)) - start
    # at most one round a (simulated) second: 1 s real is SPEED simulated seconds
    assert rounds <= SPEED * 1.5, rounds


async def test_a_held_caller_is_not_held_for_ever_nor_spins(pbx: Pbx) -> None:
    pbx.sim.core.globals.update(CTI_HOLD_SLICE="0", CTI_HOLD_LIMIT="1")
    call = pbx.sim.place_call("5550000", "Eve", "900", digits=BILLING)
    await pbx.in_context(call.name, "cti-hold")
    ami = await pbx.ami()
    try:
        await ami.send({"Action": "Redirect", "Channel": call.name, "Context": "cti-held",
                        "Exten": "s", "Priority": "1"})
        await pbx.in_context(call.name, "cti-fallback")
    finally:
        await ami.stop()
    starts = [e for e in pbx.events if e.get("Event") == "MusicOnHoldStart"
              and e.get("Channel") == call.name]
    assert len(starts) <= SPEED * 3
    assert pbx.var(call.name, "CTI_FALLBACK_REASON") == "held-limit"


async def test_the_ivr_decision_stands_when_a_prompt_failed_during_it(pbx: Pbx) -> None:
    """19-agi-errors: one failed command makes AGISTATUS=FAILURE although the IVR
    queued the call; the caller must wait in hold, not go to cti-fallback."""
    pbx.runner.flows["main"].steps["welcome"].prompts = ["no-such-welcome"]  # type: ignore[union-attr]
    call = pbx.sim.place_call("5550000", "Eve", "900", digits=BILLING)
    await pbx.in_context(call.name, "cti-hold")
    assert pbx.var(call.name, "AGISTATUS") == "FAILURE"
    assert "cti-fallback" not in pbx.contexts(call.name)


# -- 5. a callback the dialplan would refuse ------------------------------------

async def test_an_anonymous_caller_asking_for_a_callback_is_sent_to_voicemail(
        pbx: Pbx) -> None:
    from cti.config import HoursConfig

    pbx.host.hours = HoursConfig(timezone="UTC")        # closed: the after-hours flow
    call = pbx.sim.place_call("", "", "900", digits=["1"])
    await pbx.in_context(call.name, "cti-voicemail")
    assert pbx.apps("VoiceMail", call.name) == ["8000@default,u"]
    assert pbx.host.callbacks == {} and pbx.host.queued == {}


# -- 6. transfer targets, mailboxes and caller ids ------------------------------

async def test_a_transfer_target_from_a_variable_cannot_add_a_destination(pbx: Pbx) -> None:
    groups: Any = pbx.runner.flows["main"].steps["groups"]
    groups.target = "PJSIP/${caller_name}"
    if getattr(groups, "number", None):
        groups.number = None
    call = pbx.sim.place_call("5550000", "2001&Local/0900123456@evil", "900", digits=["5"])
    await pbx.in_context(call.name, "cti-fallback")
    assert pbx.apps("Dial", call.name) == []


async def test_the_transfer_and_voicemail_dialplan_filter_what_the_service_set(
        pbx: Pbx) -> None:
    first = pbx.sim.place_call("5550000", "Eve", "900", digits=BILLING)
    second = pbx.sim.place_call("5550001", "Eve", "900", digits=BILLING)
    await pbx.in_context(first.name, "cti-hold")
    await pbx.in_context(second.name, "cti-hold")
    ami = await pbx.ami()
    try:
        for channel, name, value, context in (
                (first.name, "CTI_TRANSFER_TARGET", "PJSIP/2001&Local/0900@evil",
                 "cti-transfer"),
                (second.name, "CTI_MAILBOX", "8000@default&9000@other", "cti-voicemail")):
            await ami.send({"Action": "Setvar", "Channel": channel, "Variable": name,
                            "Value": value})
            await ami.send({"Action": "Redirect", "Channel": channel, "Context": context,
                            "Exten": "s", "Priority": "1"})
        await pbx.until(lambda: pbx.apps("Dial", first.name)
                        and pbx.apps("VoiceMail", second.name), "Dial and VoiceMail")
    finally:
        await ami.stop()
    assert "&" not in pbx.apps("Dial", first.name)[0]
    assert "&" not in pbx.apps("VoiceMail", second.name)[0]


async def test_an_ivr_transfer_to_an_outside_number_leaves_by_the_trunk(pbx: Pbx) -> None:
    call = pbx.sim.place_call("5550000", "Eve", "900", digits=["5"])
    await pbx.in_context(call.name, "cti-transfer")
    dials = await pbx.until(lambda: pbx.apps("Dial", call.name), "the transfer dialled")
    assert dials == ["PJSIP/+34911234567@trunk,60"]
