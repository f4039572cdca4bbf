"""AMI accounts with read/write classes and address rules, refused as Asterisk refuses.

The rules and messages are main/manager.c's (see cti/ami/privileges.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sim_ami import Ami

from cti.sim import Behaviour, Dialplan, SimPbx

PLAN = """
[in]
exten => 900,1,Answer()
 same => n,Set(CTI_INTERACTION=int-1)
 same => n,Dial(PJSIP/1001,10)
 same => n,Hangup()
"""
ACCOUNTS = Path(__file__).resolve().parents[3] / "dialplan" / "manager_cti.conf"


@pytest.fixture
async def pbx() -> AsyncIterator[SimPbx]:
    sim = SimPbx(secret="s3cret", speed=20.0, dialplan=Dialplan.parse(PLAN))
    sim.add_phone("PJSIP/1001", Behaviour.answers(0.5, talk_seconds=1.0))
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


async def _login(pbx: SimPbx, user: str = "cti", secret: str = "s3cret") -> Ami:
    ami = Ami(pbx.ami_port)
    ami.reader, ami.writer = await asyncio.open_connection("127.0.0.1", pbx.ami_port)
    ami.task = asyncio.ensure_future(ami._read())
    await ami.send(Action="Login", Username=user, Secret=secret, ActionID="login")
    await ami.wait_for(ActionID="login")
    return ami


async def test_sim_originate_of_system_needs_the_system_class(pbx: SimPbx) -> None:
    pbx.set_account("cti", "s3cret", write="call,originate")
    async with asyncio.timeout(5):
        ami = await _login(pbx)
        await ami.send(Action="Originate", Channel="PJSIP/1001", Application="System",
                       Data="rm -rf /", Async="true", ActionID="sys")
        await ami.send(Action="Originate", Channel="PJSIP/1001", Application="NoOp",
                       Data="${SHELL(id)}", Async="true", ActionID="shell")
        await ami.send(Action="Originate", Channel="PJSIP/1001", Application="Wait",
                       Data="1", Async="true", ActionID="wait")
        replies = {a: await ami.wait_for(ActionID=a) for a in ("sys", "shell", "wait")}
        pbx.set_account("root", "r00t", write="originate,system")
        root = await _login(pbx, "root", "r00t")
        await root.send(Action="Originate", Channel="PJSIP/1001", Application="System",
                        Data="true", Async="true", ActionID="sys2")
        allowed = await root.wait_for(ActionID="sys2")
    forbidden = "Originate Access Forbidden: app or data blacklisted"
    assert replies["sys"] == {"Response": "Error", "ActionID": "sys", "Message": forbidden}
    assert replies["shell"]["Message"] == forbidden
    assert replies["wait"]["Message"] == "Originate successfully queued"
    assert allowed["Message"] == "Originate successfully queued"


@pytest.mark.parametrize(("write", "action", "fields"), [
    ("call,originate,reporting", "GetConfig", {"Filename": "manager.conf"}),  # config|system
    ("call,originate,system", "Command", {"Command": "core show version"}),
    ("call,originate", "CoreShowChannels", {}),
    ("reporting,originate", "Redirect", {"Channel": "PJSIP/x-1", "Exten": "s"}),
    ("call", "MixMonitor", {"Channel": "PJSIP/x-1", "File": "a.wav"}),
    ("call,reporting", "Originate", {"Channel": "PJSIP/1001", "Application": "Wait"})])
async def test_sim_action_outside_the_write_classes_is_permission_denied(
        pbx: SimPbx, write: str, action: str, fields: dict[str, str]) -> None:
    pbx.set_account("cti", "s3cret", write=write)
    async with asyncio.timeout(5):
        ami = await _login(pbx)
        await ami.send(Action=action, ActionID="a", **fields)
        reply = await ami.wait_for(ActionID="a")
        await ami.send(Action="Ping", ActionID="p")  # the session goes on
        pong = await ami.wait_for(ActionID="p")
    assert reply == {"Response": "Error", "ActionID": "a", "Message": "Permission denied"}
    assert pong["Ping"] == "Pong"
    assert any(m.get("Event") == "RequestNotAllowed" and m["RequestType"] == f"Action: {action}"
               for m in ami.messages)


async def test_sim_list_commands_lists_what_the_account_may_send(pbx: SimPbx) -> None:
    """main/manager.c action_listcommands: the actions whose classes the account
    holds, or that need none (cti doctor reads the account's rights from it)."""
    pbx.set_account("cti", "s3cret", write="call")
    async with asyncio.timeout(5):
        ami = await _login(pbx)
        await ami.send(Action="ListCommands", ActionID="l")
        listed = await ami.wait_for(ActionID="l")
    assert {"Hangup", "MixMonitorMute", "Ping", "ListCommands"} <= set(listed)
    assert listed["Hangup"] == "Hangup (Priv: call,system)"  # registered with both
    assert not {"Originate", "MixMonitor", "Command", "GetConfig"} & set(listed)


async def test_sim_command_with_the_command_class_runs(pbx: SimPbx) -> None:
    pbx.set_account("cti", "s3cret", write="command")
    async with asyncio.timeout(5):
        ami = await _login(pbx)
        await ami.send(Action="Command", Command="core show version", ActionID="c")
        reply = await ami.wait_for(ActionID="c")
    assert reply["Response"] == "Success" and reply["Output"].startswith("Asterisk 20")


async def test_sim_events_outside_the_read_classes_are_not_delivered(pbx: SimPbx) -> None:
    pbx.set_account("cti", "s3cret", read="call")
    async with asyncio.timeout(5):
        ami = await _login(pbx)
        call = pbx.place_call("5551234", "Juan Perez", "900", context="in")
        await call.wait_ended()
        await ami.wait_for(Event="Hangup", Channel=call.name)
    events = {m["Event"] for m in ami.messages if "Event" in m}
    assert {"Newchannel", "DialBegin", "BridgeEnter", "Hangup"} <= events
    assert not events & {"VarSet", "Newexten", "FullyBooted", "SuccessfulAuth"}, \
        "dialplan, system and security events need those read classes"
    assert all(m["Privilege"] == "call,all" for m in ami.messages if "Event" in m)


async def test_sim_events_mask_narrows_the_read_classes(pbx: SimPbx) -> None:
    async with asyncio.timeout(5):
        ami = await _login(pbx)
        await ami.send(Action="Events", EventMask="dialplan", ActionID="e")
        reply = await ami.wait_for(ActionID="e")
        call = pbx.place_call("5551234", "Juan Perez", "900", context="in")
        await ami.wait_for(Event="VarSet", Variable="CTI_INTERACTION")
        await call.wait_ended()
        await ami.send(Action="Ping", ActionID="p")
        await ami.wait_for(ActionID="p")
    assert reply == {"Response": "Success", "ActionID": "e", "Events": "On"}
    assert {m["Event"] for m in ami.messages if "Event" in m} <= {"VarSet", "Newexten",
                                                                  "FullyBooted",
                                                                  "SuccessfulAuth"}


async def test_sim_login_from_a_denied_address_fails_like_a_wrong_secret(pbx: SimPbx) -> None:
    pbx.set_account("cti", "s3cret", deny=("0.0.0.0/0.0.0.0",), permit=("10.0.0.0/8",))
    async with asyncio.timeout(5):
        ami = await _login(pbx)
        await ami.task  # Asterisk closes the socket after the error
    assert ami.messages == [{"Response": "Error", "ActionID": "login",
                             "Message": "Authentication failed"}]


async def test_sim_loads_the_projects_account_file(pbx: SimPbx) -> None:
    """The shipped account has no secret (nobody logs in until one is set) and no
    ``system`` class: the AMI MixMonitor action is refused, as on Asterisk."""
    cti = pbx.load_accounts(ACCOUNTS)["cti"]
    assert cti.secret is None
    assert cti.admits("127.0.0.1") and not cti.admits("192.0.2.7")
    pbx.set_account("cti", "s3cret", read=",".join(sorted(cti.read)),
                    write=",".join(sorted(cti.write)), permit=("127.0.0.1/255.255.255.255",))
    async with asyncio.timeout(5):
        ami = await _login(pbx, "cti", "s3cret")
        await ami.send(Action="MixMonitor", Channel="PJSIP/x-1", File="a.wav", ActionID="m")
        reply = await ami.wait_for(ActionID="m")
    assert reply["Message"] == "Permission denied"
