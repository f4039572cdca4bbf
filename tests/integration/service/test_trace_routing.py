"""The recorded Asterisk traces replayed through tracker and routing step together.

For each scenario of ../shared/asterisk-traces the AMI stream is parsed and
tracked as the live link does, the IVR's decisions are taken from the
FastAGI log (a new interaction when a session starts, queued when it sets
``CTI_ACTION=queue``), agents go ready when the recording shows the client
offering them the call, and every item goes through ``Router.process`` at
the recorded time. Checked: the AMI actions the step asks for are the ones
the recorded client sent (Setvar, Setvar, Redirect to the agent the trace
rang), the domain events, and the rows they leave in PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
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
from cti.records import call_record_id, project
from cti.routing import Enqueue, InteractionStarted, Now, Router, Step, TimerFired
from cti.routing.effects import AmiRequest
from cti.routing.requests import agent_command
from cti.store import Store
from cti.stream import EventStream

ROOT = Path(__file__).resolve().parents[3]
TRACES = ROOT.parent / "shared" / "asterisk-traces"
WALL0 = 1_795_440_000.0


@dataclass
class Scenario:
    """What the README says happened, as this service must record it.

    agents: agent id -> endpoint as the trace dials it. ``ready`` lists the
    agents in the order the recording offers them the call (each goes ready
    just before its offer). ``offers``: (agent, outcome) of each offer.
    """

    agents: dict[str, str]
    ready: list[str]
    outcome: str
    offers: list[tuple[str, str]]
    ring_timeouts: list[str] = field(default_factory=lambda: ["15"])
    states: dict[str, list[str]] = field(default_factory=dict)


SCENARIOS: dict[str, Scenario] = {
    "01-answer-agent-hangs-up": Scenario(
        {"a1001": "Local/1001@agents/n"}, ["a1001"], "answered", [("a1001", "answered")],
        states={"a1001": ["READY", "RESERVED", "ON_CALL", "WRAP_UP"]}),
    "02-noanswer-then-answer-caller-hangs-up": Scenario(
        {"a1002": "Local/1002@agents/n", "a1001": "Local/1001@agents/n"},
        ["a1002", "a1001"], "answered", [("a1002", "no-answer"), ("a1001", "answered")],
        ring_timeouts=["3", "15"],
        states={"a1002": ["READY", "RESERVED", "NOT_READY"],
                "a1001": ["READY", "RESERVED", "ON_CALL", "WRAP_UP"]}),
    "03-busy-then-abandon-in-hold": Scenario(
        {"a1003": "Local/1003@agents/n"}, ["a1003"], "abandoned", [("a1003", "busy")],
        states={"a1003": ["READY", "RESERVED", "NOT_READY"]}),
    "04-unavailable-and-congestion": Scenario(
        {"a1199": "SIP/agent1199", "a1004": "Local/1004@agents/n"}, ["a1199", "a1004"],
        "abandoned", [("a1199", "unavailable"), ("a1004", "unavailable")],
        ring_timeouts=["15", "15"]),
    "05-abandon-while-ringing": Scenario(
        {"a1002": "Local/1002@agents/n"}, ["a1002"], "abandoned",
        [("a1002", "caller-left")], ring_timeouts=["30"],
        states={"a1002": ["READY", "RESERVED", "READY"]}),
    "07-redirect-during-hold-agi": Scenario(
        {"a1001": "Local/1001@agents/n"}, ["a1001"], "answered", [("a1001", "answered")]),
    "14-sip-agent": Scenario(
        {"a1101": "SIP/agent1101"}, ["a1101"], "answered", [("a1101", "answered")],
        states={"a1101": ["READY", "RESERVED", "ON_CALL", "WRAP_UP"]}),
    "18-local-agent-two-bridges": Scenario(
        {"a1101": "Local/1101@agent-dial"}, ["a1101"], "answered", [("a1101", "answered")]),
}


@dataclass(order=True)
class _Item:
    t: float
    order: int
    item: Any = field(compare=False)


def _timeline(name: str, scenario: Scenario) -> tuple[list[_Item], list[dict[str, str]], str]:
    """The trace as inbox items at their recorded times, the offers the recorded
    client sent, and the interaction id given to the call."""
    iid = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    items: list[_Item] = []
    offers: list[dict[str, str]] = []
    parser = AmiParser()
    n = 0
    for line in (TRACES / f"{name}.ami.jsonl").read_text().splitlines():
        rec = json.loads(line)
        n += 1
        if rec["dir"] == "out":
            msg = dict(x.split(": ", 1) for x in rec["raw"].split("\r\n") if ": " in x)
            if msg.get("Action") in ("Setvar", "Redirect"):
                offers.append(msg)
            continue
        if rec["raw"] == "<EOF>":
            continue
        for msg in parser.feed(rec["raw"].encode()):
            if not isinstance(msg, Malformed):
                # The recording named the interaction int-0001; here it is a UUID.
                if msg.get("Variable") == "CTI_INTERACTION":
                    msg = {**msg, "Value": iid}
                if msg.get("Interaction") == "int-0001":
                    msg = {**msg, "Interaction": iid}
                items.append(_Item(rec["t"], n, ("ami", msg)))
    env: dict[str, str] = {}
    for line in (TRACES / f"{name}.agi.jsonl").read_text().splitlines():
        rec = json.loads(line)
        n += 1
        if rec.get("session") != 1:
            continue
        text = rec["line"]
        if rec["dir"] == "in" and text.startswith("agi_") and ": " in text:
            key, value = text.split(": ", 1)
            env[key] = value
            if key == "agi_accountcode":  # the last agi_ line: the session starts
                items.append(_Item(rec["t"], n, InteractionStarted(
                    iid, "pbx1", env["agi_channel"], env["agi_uniqueid"],
                    env.get("agi_callerid", ""), env.get("agi_calleridname", ""),
                    env.get("agi_dnid", ""), flow="main")))
        if rec["dir"] == "out" and text == 'SET VARIABLE CTI_ACTION "queue"':
            items.append(_Item(rec["t"], n, Enqueue(iid, "bookings", {}, 0, {})))
    # Each agent goes ready just before the recorded client offered it the call.
    offer_times = sorted({_time_of(name, o) for o in offers if o.get("Action") == "Redirect"
                          and o.get("Context") == "cti-connect"})
    timeouts = scenario.ring_timeouts * len(scenario.ready) if len(scenario.ring_timeouts) == 1 \
        else scenario.ring_timeouts
    for t, agent, timeout in zip(offer_times, scenario.ready, timeouts, strict=True):
        items.append(_Item(t - 0.001, 0, ("ready", agent, float(timeout))))
    return sorted(items), offers, iid


def _time_of(name: str, action: dict[str, str]) -> float:
    for line in (TRACES / f"{name}.ami.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec["dir"] == "out" and f"ActionID: {action['ActionID']}\r\n" in rec["raw"]:
            return rec["t"]
    raise AssertionError(f"no action {action['ActionID']}")


def _router(scenario: Scenario, tracker: CallTracker) -> Router:
    config = load_config(ROOT / "config")
    agents = {aid: AgentConfig(id=aid, name=aid, endpoint=endpoint, skills={"bookings": 5},
                               queues=["bookings"])
              for aid, endpoint in scenario.agents.items()}
    config = config.model_copy(update={"agents": agents})
    return Router(config, Engine(*specs(config)), CallRegistry(), EventStream("trace"),
                  find_channel=lambda node, uniqueid: tracker.channel(uniqueid))


def _ring_timeout(router: Router, seconds: float, now: float) -> None:
    """The recording rang each agent with its own timeout: set the queue's."""
    queue = router.config.queues["bookings"].model_copy(update={"ring_timeout": seconds})
    router.config = router.config.model_copy(
        update={"queues": {**router.config.queues, "bookings": queue}})
    router.engine.reconfigure(*specs(router.config), now)


def _replay(name: str, scenario: Scenario) -> tuple[list[Any], list[dict[str, str]], str]:
    items, recorded, iid = _timeline(name, scenario)
    tracker = CallTracker("pbx1")
    effects: list[Any] = []
    router = _router(scenario, tracker)

    def process(item: Any, t: float) -> None:
        effects.extend(router.process(item, Now(t, WALL0 + t)))

    for entry in items:
        deadline = router.engine.next_deadline()
        while deadline is not None and deadline <= entry.t:
            process(TimerFired(), deadline)
            deadline = router.engine.next_deadline()
        kind = entry.item
        if isinstance(kind, tuple) and kind[0] == "ami":
            for event in tracker.feed(kind[1]):
                process(event, entry.t)
        elif isinstance(kind, tuple) and kind[0] == "ready":
            _ring_timeout(router, kind[2], entry.t)
            step = Step(router, Now(entry.t, WALL0 + entry.t))
            agent_command(step, kind[1], "ready", None)
            step.drain()
            effects.extend(step.effects)
        else:
            process(kind, entry.t)
    return effects, recorded, iid


def _sent(effects: list[Any]) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in cmd.message().items()} for e in effects
            if isinstance(e, AmiRequest) for cmd in e.actions]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_trace_through_tracker_and_router(name: str, store: Store) -> None:
    scenario = SCENARIOS[name]
    effects, recorded, iid = _replay(name, scenario)

    # AMI: exactly what the recorded client sent to offer the call.
    keys = ("Action", "Channel", "Variable", "Value", "Context", "Exten")
    assert [{k: a[k] for k in keys if k in a} for a in _sent(effects)] == \
        [{k: a[k] for k in keys if k in a} for a in recorded]

    # Events: one interaction, its offers as the README says, then its end.
    events = [e for e in effects if isinstance(e, DomainEvent)]
    mine = [e for e in events if e.interaction_id == iid]
    assert mine[0].TYPE == "interaction.opened"
    offers = [(e.agent_id, e.reason) for e in mine if e.TYPE == "call.offer_failed"]
    answered = [(e.agent_id, "answered") for e in mine if e.TYPE == "call.answered"]
    assert offers + answered == scenario.offers
    assert mine[-1].TYPE == "call.ended" and mine[-1].outcome == scenario.outcome
    for agent, states in scenario.states.items():
        moves = [e.state for e in events if e.TYPE == "agent.state_changed"
                 and e.agent_id == agent]
        assert moves == states, agent
    assert [e.seq for e in events] == sorted(e.seq for e in events)

    # Rows: what the reports will read.
    assert await store.events.apply(events, project) == len(events)
    interaction = await store.interactions.get(iid)
    assert (interaction.status, interaction.outcome) == ("closed", scenario.outcome)
    record = await store.calls.get(call_record_id(iid))
    assert record.outcome == scenario.outcome and record.offers == len(scenario.offers)
    assert record.linkedid and record.linkedid == interaction.linkedid  # the call on Asterisk
    assert record.offered_at is not None
    if scenario.outcome == "abandoned":  # nobody answered: no agent, even one that rang
        assert (record.agent_id, interaction.agent_id) == (None, None)
    rows = await store.pool.fetch("SELECT agent_id, outcome FROM call_offers "
                                  "WHERE interaction_id = $1 ORDER BY attempt", uuid.UUID(iid))
    assert [(r["agent_id"], r["outcome"]) for r in rows] == scenario.offers
    assert await store.queue_entries.entries() == []
