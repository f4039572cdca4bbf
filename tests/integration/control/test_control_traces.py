"""The recorded traces of call control replayed through tracker, routing step and records.

As tests/integration/service/test_trace_routing.py does for routing: each trace of
../shared/asterisk-traces is parsed and tracked as the live link does, the IVR's
decisions come from the FastAGI log, and where the recorded client sent a call
control action (hold, resume, re-queue, click-to-dial, spy) the command the
desktop would send is run through the step at that time. Checked: the AMI
actions the step asks for are the recorded client's (the harness's own actions,
the caller's Originate, digits and hang-up, are left out), the facts, and the
rows they leave in PostgreSQL.

Scenarios: 22 hold by redirect and Bridge, 09 re-queue by redirect (a transfer to
a queue), 10 click-to-dial, 25 listen / whisper / barge. In 25 the recording's
third supervisor switched modes by DTMF (ChanSpy option ``d``, then PlayDTMF 5, 6,
4): the service never does that (no AMI event would tell the mode), so there the
expected ChanSpy options are ``q`` and the PlayDTMFs are the recording's own.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from acd.engine import Engine
from cti.acd_specs import specs
from cti.ami.codec import AmiParser, Malformed
from cti.ami.tracker import CallTracker
from cti.calls import CallRegistry
from cti.config import AgentConfig, load_config
from cti.events import DomainEvent
from cti.numbers import CallbackLimiter, Dialling, NumberType, PhoneNumber, Trunk
from cti.records import call_record_id, project
from cti.routing import Enqueue, InteractionStarted, Now, Router, Step, TimerFired
from cti.routing import items as cc
from cti.routing.effects import AmiRequest, Reply
from cti.routing.requests import agent_command
from cti.store import Store
from cti.stream import EventStream

ROOT = Path(__file__).resolve().parents[3]
TRACES = ROOT.parent / "shared" / "asterisk-traces"
WALL0 = 1_795_440_000.0
KEYS = ("Action", "Channel", "Variable", "Value", "Context", "Exten", "ExtraChannel",
        "ExtraContext", "Channel1", "Channel2", "Application", "Data")

Make = Callable[[str], cc.CallCommand]


@dataclass
class Scenario:
    agents: dict[str, str]                      #: agent -> endpoint as the trace dials it
    ready: list[str]                            #: made ready before each recorded offer
    #: (what the recorded action looks like, the command sent at its time)
    commands: list[tuple[dict[str, str], Make]]
    ivr: bool = True
    outcome: str = "answered"
    #: the recorded options of a Data the service writes otherwise (see the docstring)
    data_as: dict[str, str] = field(default_factory=dict)


SCENARIOS: dict[str, Scenario] = {
    "22-hold-by-redirect-and-bridge": Scenario(
        {"a1101": "SIP/agent1101"}, ["a1101"],
        [({"Action": "Redirect", "Context": "cti-held"},
          lambda iid: cc.Hold(interaction_id=iid, by="a1101")),
         ({"Action": "Bridge"}, lambda iid: cc.Resume(interaction_id=iid, by="a1101"))]),
    "09-requeue-by-redirect": Scenario(
        {"a1001": "Local/1001@agents/n", "a2001": "Local/2001@agents/n"}, ["a1001", "a2001"],
        [({"Action": "Redirect", "Context": "cti-hold"},
          lambda iid: cc.TransferToQueue(interaction_id=iid, queue="bookings", by="a1001"))]),
    "10-click-to-dial": Scenario(
        {"a1001": "Local/1001@agents/n"}, [],
        [({"Action": "Originate", "Context": "outbound"},
          lambda iid: cc.Dial(interaction_id=iid, agent_id="a1001", number="5559876",
                              by="a1001"))], ivr=False),
    "25-supervisor-whisper-barge": Scenario(
        {"a1101": "SIP/agent1101", "s1102": "SIP/agent1102", "s2001": "Local/2001@agents/n"},
        ["a1101"],
        [({"Action": "Originate", "Data": "SIP/agent1101-00000012,qB"},
          lambda iid: cc.Spy(interaction_id=iid, supervisor_id="s1102", mode="barge",
                             by="s1102")),
         ({"Action": "Hangup", "Channel": "SIP/agent1102-00000013"},
          lambda iid: cc.Spy(interaction_id=iid, supervisor_id="s1102", mode="whisper",
                             by="s1102")),
         ({"Action": "Hangup", "Channel": "SIP/agent1102-00000014"},
          lambda iid: cc.StopSpying(supervisor_id="s1102", by="s1102")),
         ({"Action": "Originate", "Channel": "Local/2001@agents/n"},
          lambda iid: cc.Spy(interaction_id=iid, supervisor_id="s2001", mode="listen",
                             by="s2001")),
         ({"Action": "Hangup", "Channel": "Local/2001@agents-00000010;1"},
          lambda iid: cc.StopSpying(supervisor_id="s2001", by="s2001"))],
        data_as={"SIP/agent1101-00000012,qd": "SIP/agent1101-00000012,q"}),
}


def _fields(raw: str) -> dict[str, str]:
    return dict(x.split(": ", 1) for x in raw.split("\r\n") if ": " in x)


def _harness(msg: dict[str, str]) -> bool:
    """The recording harness's own actions: the caller and the phones, not the service."""
    action, channel = msg.get("Action"), msg.get("Channel", "")
    return (action in ("Login", "Logoff")
            or (action == "Originate" and channel.startswith("Local/900@from-pstn"))
            or (action == "PlayDTMF")
            or (action == "Hangup" and (channel.startswith("Local/900@from-pstn")
                                        or channel.endswith("agents-00000071;2"))))


@dataclass(order=True)
class _Item:
    t: float
    order: int
    item: Any = field(compare=False)


def _timeline(name: str, scenario: Scenario) -> tuple[list[_Item], list[dict[str, str]], str]:
    """Inbox items at their recorded times, the service's recorded actions, the id."""
    iid = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    items: list[_Item] = []
    recorded: list[dict[str, str]] = []
    parser = AmiParser()
    commands = list(scenario.commands)
    n = 0
    for line in (TRACES / f"{name}.ami.jsonl").read_text().splitlines():
        rec = json.loads(line)
        n += 1
        if rec["dir"] == "out":
            msg = _fields(rec["raw"])
            if _harness(msg):
                continue
            recorded.append(msg)
            if msg["Action"] == "Redirect" and msg.get("Context") == "cti-connect":
                items.append(_Item(rec["t"] - 0.001, n, ("ready",)))
            if commands and all(msg.get(k) == v for k, v in commands[0][0].items()):
                items.append(_Item(rec["t"], n, ("command", commands.pop(0)[1])))
            continue
        if rec["raw"] == "<EOF>":
            continue
        for msg in parser.feed(rec["raw"].encode()):
            if isinstance(msg, Malformed):
                continue
            if msg.get("Value") in ("int-0001", "int-0100"):
                msg = {**msg, "Value": iid}
            if msg.get("Interaction") == "int-0001":
                msg = {**msg, "Interaction": iid}
            items.append(_Item(rec["t"], n, ("ami", msg)))
    assert not commands, f"{name}: recorded actions not found for {commands}"
    if scenario.ivr:
        items += _ivr_items(name, iid, n)
    return sorted(items), recorded, iid


def _ivr_items(name: str, iid: str, n: int) -> list[_Item]:
    env: dict[str, str] = {}
    items = []
    for line in (TRACES / f"{name}.agi.jsonl").read_text().splitlines():
        rec = json.loads(line)
        n += 1
        if rec.get("session") != 1:
            continue
        text = rec["line"]
        if rec["dir"] == "in" and text.startswith("agi_") and ": " in text:
            key, value = text.split(": ", 1)
            env[key] = value
            if key == "agi_accountcode":
                items.append(_Item(rec["t"], n, InteractionStarted(
                    iid, "pbx1", env["agi_channel"], env["agi_uniqueid"],
                    env.get("agi_callerid", ""), env.get("agi_calleridname", ""),
                    env.get("agi_dnid", ""), flow="main")))
        if rec["dir"] == "out" and text == 'SET VARIABLE CTI_ACTION "queue"':
            items.append(_Item(rec["t"], n, Enqueue(iid, "bookings", {}, 0, {})))
    return items


class _AnyNumber:
    """Trace 10 dials 5559876, which no numbering plan knows: take it as it is."""

    def check(self, text: str) -> PhoneNumber:
        return PhoneNumber(text, "ES", NumberType.FIXED_LINE)


def _router(scenario: Scenario, tracker: CallTracker) -> Router:
    config = load_config(ROOT / "config")
    agents = {aid: AgentConfig(id=aid, name=aid, endpoint=endpoint, skills={"bookings": 5},
                               queues=["bookings"])
              for aid, endpoint in scenario.agents.items()}
    service = config.service.model_copy(update={"dialplan": config.service.dialplan.model_copy(
        update={"agent_held_context": "agent-held", "outbound_context": "outbound"})})
    config = config.model_copy(update={"agents": agents, "service": service})
    router = Router(config, Engine(*specs(config)), CallRegistry(), EventStream("trace"),
                    find_channel=lambda node, uniqueid: tracker.channel(uniqueid))
    dialling = Dialling(_AnyNumber(), Trunk("Local/${NUMBER}@customers/n"),  # type: ignore[arg-type]
                        CallbackLimiter(3))
    router._dialling = (config, dialling)
    router.links_up.add("pbx1")
    return router


@dataclass
class Replay:
    effects: list[Any] = field(default_factory=list)
    replies: list[Any] = field(default_factory=list)
    #: recorded Originate ActionID -> the step's, in the order both were sent
    action_ids: dict[str, str] = field(default_factory=dict)


def _replay(name: str, scenario: Scenario) -> tuple[Replay, list[dict[str, str]], str]:
    items, recorded, iid = _timeline(name, scenario)
    recorded_originates = [m["ActionID"] for m in recorded if m["Action"] == "Originate"]
    tracker = CallTracker("pbx1")
    router = _router(scenario, tracker)
    out = Replay()
    ready = iter(scenario.ready)

    def process(item: Any, t: float) -> None:
        effects = router.process(item, Now(t, WALL0 + t))
        out.effects.extend(effects)
        for sent in _sent(effects):
            if sent["Action"] == "Originate" and recorded_originates:
                out.action_ids[recorded_originates.pop(0)] = sent["ActionID"]

    if not scenario.ivr:   # the agent who dials out is ready from the start
        step = Step(router, Now(0.0, WALL0))
        agent_command(step, "a1001", "ready", None)
        out.effects.extend(step.effects)
    for entry in items:
        deadline = router.engine.next_deadline()
        while deadline is not None and deadline <= entry.t:
            process(TimerFired(), deadline)
            deadline = router.engine.next_deadline()
        kind = entry.item
        if isinstance(kind, tuple) and kind[0] == "ami":
            msg = kind[1]
            if msg.get("Event") == "OriginateResponse" and msg.get("ActionID") in out.action_ids:
                msg = {**msg, "ActionID": out.action_ids[msg["ActionID"]]}
            for event in tracker.feed(msg):
                process(event, entry.t)
        elif isinstance(kind, tuple) and kind[0] == "ready":
            step = Step(router, Now(entry.t, WALL0 + entry.t))
            agent_command(step, next(ready), "ready", None)
            step.drain()
            out.effects.extend(step.effects)
        elif isinstance(kind, tuple) and kind[0] == "command":
            process(kind[1](iid), entry.t)
        else:
            process(kind, entry.t)
    out.replies = [e for e in out.effects if isinstance(e, Reply)]
    return out, recorded, iid


def _sent(effects: list[Any]) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in cmd.message().items()} for e in effects
            if isinstance(e, AmiRequest) for cmd in e.actions]


def _key(msg: dict[str, str], scenario: Scenario) -> dict[str, str]:
    out = {k: msg[k] for k in KEYS if k in msg}
    if "Data" in out:
        out["Data"] = scenario.data_as.get(out["Data"], out["Data"])
    if out["Action"] == "Originate":
        # the recorded outbound context dialled ${EXTEN} itself; ours also gets CTI_DIAL
        out.pop("Variable", None)
    return out


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_control_trace_through_tracker_and_router(name: str, store: Store) -> None:
    scenario = SCENARIOS[name]
    replay, recorded, iid = _replay(name, scenario)

    # Every command was answered, none refused.
    assert len(replay.replies) == len(scenario.commands)
    assert [r.error for r in replay.replies] == [None] * len(scenario.commands)

    # AMI: exactly what the recorded client sent (offers and control actions).
    assert [_key(a, scenario) for a in _sent(replay.effects)] == \
        [_key(a, scenario) for a in recorded]
    for sent in _sent(replay.effects):
        if sent["Action"] == "Originate" and "Variable" in sent:
            assert sent["Variable"].startswith(f"['CTI_INTERACTION={iid}'")

    events = [e for e in replay.effects if isinstance(e, DomainEvent)]
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    mine = [e for e in events if e.interaction_id == iid]
    assert mine[-1].TYPE == "call.ended" and mine[-1].outcome == scenario.outcome
    CHECKS[name](events, iid)

    # Rows: what the reports read.
    assert await store.events.apply(events, project) == len(events)
    interaction = await store.interactions.get(iid)
    assert (interaction.status, interaction.outcome) == ("closed", scenario.outcome)
    await ROW_CHECKS.get(name, _no_rows)(store, iid, events)
    assert await store.queue_entries.entries() == []


# --- what each scenario must have recorded ---------------------------------------------


def _types(events: list[DomainEvent], iid: str, prefix: str = "call.") -> list[str]:
    return [e.TYPE for e in events if e.interaction_id == iid and e.TYPE.startswith(prefix)]


def _check_hold(events: list[DomainEvent], iid: str) -> None:
    assert _types(events, iid) == ["call.queued", "call.offered", "call.answered", "call.held",
                                   "call.resumed", "call.agent_left", "call.ended"]
    (resumed,) = [e for e in events if e.TYPE == "call.resumed"]
    assert (resumed.held_for, resumed.how, resumed.by) == (2.002, "resumed", "a1101")


def _check_requeue(events: list[DomainEvent], iid: str) -> None:
    assert _types(events, iid) == [
        "call.queued", "call.offered", "call.answered", "call.transferred", "call.agent_left",
        "call.queued", "call.offered", "call.answered", "call.agent_left", "call.ended"]
    states = [(e.agent_id, e.state) for e in events if e.TYPE == "agent.state_changed"]
    assert states == [("a1001", "READY"), ("a1001", "RESERVED"), ("a1001", "ON_CALL"),
                      ("a1001", "WRAP_UP"), ("a2001", "READY"), ("a2001", "RESERVED"),
                      ("a2001", "ON_CALL"), ("a2001", "WRAP_UP")]


def _check_click_to_dial(events: list[DomainEvent], iid: str) -> None:
    assert _types(events, iid) == ["call.outbound_requested", "call.queued", "call.offered",
                                   "call.answered", "call.customer_answered",
                                   "call.agent_left", "call.ended"]
    states = [e.state for e in events if e.TYPE == "agent.state_changed"]
    assert states == ["READY", "RESERVED", "ON_CALL", "WRAP_UP"]


def _check_spy(events: list[DomainEvent], iid: str) -> None:
    spied = [(e.TYPE, e.supervisor_id, e.mode) for e in events
             if e.TYPE.startswith("supervision.")]
    assert spied == [
        ("supervision.started", "s1102", "barge"), ("supervision.stopped", "s1102", "barge"),
        ("supervision.started", "s1102", "whisper"),
        ("supervision.stopped", "s1102", "whisper"),
        ("supervision.started", "s2001", "listen"), ("supervision.stopped", "s2001", "listen")]
    assert all(e.interaction_id == iid and e.agent_id == "a1101" for e in events
               if e.TYPE.startswith("supervision."))


CHECKS = {"22-hold-by-redirect-and-bridge": _check_hold,
          "09-requeue-by-redirect": _check_requeue,
          "10-click-to-dial": _check_click_to_dial,
          "25-supervisor-whisper-barge": _check_spy}


async def _no_rows(store: Store, iid: str, events: list[DomainEvent]) -> None:
    return None


async def _hold_rows(store: Store, iid: str, events: list[DomainEvent]) -> None:
    row = await store.pool.fetchrow("SELECT holds, hold_seconds FROM call_offers "
                                    "WHERE interaction_id = $1", uuid.UUID(iid))
    assert (row["holds"], row["hold_seconds"]) == (1, 2.002)


async def _requeue_rows(store: Store, iid: str, events: list[DomainEvent]) -> None:
    first = await store.calls.get(call_record_id(iid, 0))
    second = await store.calls.get(call_record_id(iid, 1))
    assert (first.outcome, first.agent_id) == ("transferred", "a1001")
    assert (second.outcome, second.agent_id, second.queue) == ("answered", "a2001", "bookings")


async def _outbound_rows(store: Store, iid: str, events: list[DomainEvent]) -> None:
    row = await store.pool.fetchrow("SELECT direction, callback FROM call_records "
                                    "WHERE interaction_id = $1", uuid.UUID(iid))
    assert (row["direction"], row["callback"]) == ("outbound", True)
    interaction = await store.interactions.get(iid)
    assert (interaction.direction, interaction.caller_number) == ("outbound", "5559876")


ROW_CHECKS = {"22-hold-by-redirect-and-bridge": _hold_rows,
              "09-requeue-by-redirect": _requeue_rows,
              "10-click-to-dial": _outbound_rows}
