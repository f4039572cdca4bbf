"""Random sequences of what Asterisk, the IVR and agents do, through the routing step:
the facts it emits always tell one consistent story per interaction and agent."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from routing_support import CONFIG as CONFIG_DIR
from routing_support import at, command, make_router

from cti.ami import events as ami
from cti.calls import Phase
from cti.config import load_config
from cti.errors import CommandRefused
from cti.events import DomainEvent
from cti.records import call_record_id, project
from cti.routing import Enqueue, InteractionStarted, TimerFired
from cti.store.rows import Append, Update, Upsert

AGENTS = ("a1001", "a1002", "a1006", "a1008")  # all serve 'bookings'
OPS = ("call", "ready", "pause", "logout", "answer", "no-answer", "busy", "caller-hangs-up",
       "agent-hangs-up", "tick")


def _snap(name: str, uniqueid: str, device: str) -> ami.ChannelSnapshot:
    return ami.ChannelSnapshot("pbx1", uniqueid, uniqueid, name, device, 6)


CONFIG = load_config(CONFIG_DIR)


class World:
    """Drives a router like the PBX, the IVR and the agents would."""

    def __init__(self) -> None:
        self.router = make_router(CONFIG)
        self.now = 0.0
        self.calls = 0
        self.legs = 0
        self.events: list[DomainEvent] = []

    def _run(self, item: Any) -> None:
        self.events += [e for e in self.router.process(item, at(self.now))
                        if isinstance(e, DomainEvent)]

    def do(self, op: str, pick: int) -> None:
        self.now += 1.0 + pick
        live = list(self.router.calls)
        if op == "call":
            self.calls += 1
            iid = f"00000000-0000-4000-8000-{self.calls:012d}"  # ids are UUIDs in the rows
            self._run(InteractionStarted(iid, "pbx1", f"PJSIP/trunk-{self.calls}",
                                         f"1.{self.calls}", "5551234"))
            self._run(Enqueue(iid, "bookings", {}, 0, {}))
        elif op in ("ready", "pause", "logout"):
            agent = AGENTS[pick % len(AGENTS)]
            with contextlib.suppress(CommandRefused):  # e.g. pause while logged out
                self.events += [e for e in command(self.router, agent, op, self.now)
                                if isinstance(e, DomainEvent)]
        elif op == "tick":
            self._run(TimerFired())
        elif live:
            call = live[pick % len(live)]
            caller = _snap(call.channel, call.uniqueid, "PJSIP/trunk")
            agent = self.router.config.agents.get(call.agent_id or "")
            if op in ("answer", "no-answer", "busy") and call.phase is Phase.RINGING and agent:
                self.legs += 1
                leg = _snap(f"{agent.endpoint}-{self.legs}", f"2.{self.legs}", agent.endpoint)
                self._run(ami.DialBegan("pbx1", "c", caller, leg, agent.endpoint))
                if op == "answer":
                    self._run(ami.DialEnded("pbx1", "c", caller, leg, "ANSWER"))
                else:
                    status = "NOANSWER" if op == "no-answer" else "BUSY"
                    self._run(ami.DialEnded("pbx1", "c", caller, leg, status))
                    self._run(ami.DialResultReported("pbx1", "c", call.interaction_id,
                                                     agent.endpoint, status, caller))
            elif op == "caller-hangs-up":
                self._run(ami.ChannelHungUp("pbx1", "c", caller, 16, "Normal Clearing"))
            elif op == "agent-hangs-up" and call.agent_uniqueid and agent:
                leg = _snap(f"{agent.endpoint}-x", call.agent_uniqueid, agent.endpoint)
                self._run(ami.ChannelHungUp("pbx1", "c", leg, 16, "Normal Clearing"))


def _check(world: World) -> None:
    events = world.events
    assert [e.seq for e in events] == list(range(1, len(events) + 1))

    # Agents: each state row continues from the one before, and the last is the engine's.
    last: dict[str, str] = {}
    for e in events:
        if e.TYPE == "agent.state_changed":
            assert e.previous == last.get(e.agent_id, "LOGGED_OUT"), (e.agent_id, e)
            last[e.agent_id] = e.state
    for agent, state in last.items():
        assert world.router.engine.agent(agent).state.value == state

    # Interactions: opened first, at most one end and nothing after it, answers and
    # failures only for an offer made, to the agent it was made to.
    story: dict[str, list[DomainEvent]] = defaultdict(list)
    for e in events:
        if e.interaction_id and e.TYPE != "agent.state_changed":
            story[e.interaction_id].append(e)
    for iid, facts in story.items():
        types = [e.TYPE for e in facts]
        assert types[0] == "interaction.opened", types
        assert types.count("call.ended") <= 1
        if "call.ended" in types:
            assert types[-1] == "call.ended", types
        offered: dict[int, str | None] = {}
        for e in facts:
            if e.TYPE == "call.offered":
                offered[e.attempt] = e.agent_id
            elif e.TYPE in ("call.answered", "call.offer_failed"):
                assert offered.get(e.attempt) == e.agent_id, (iid, types)
        live = world.router.calls.get(iid)
        assert (live is None) == ("call.ended" in types), (iid, types)
    _check_rows(events, story)


def _check_rows(events: list[DomainEvent], story: dict[str, list[DomainEvent]]) -> None:
    """The rows the recorder writes from the same list: nothing about an interaction
    that was not published, one interaction row per interaction, one call record per
    queue visit, one case per answered call, and the agents' state rows in the order
    of their events."""
    ops = [(e, op) for e in events for op in project(e)]
    interactions = {str(op.key["id"]) for _, op in ops if getattr(op, "table", "") == "interactions"
                    and isinstance(op, Upsert | Update)}
    assert interactions <= set(story), interactions - set(story)
    records = {str(op.key["id"]) for _, op in ops if op.table == "call_records"
               and isinstance(op, Upsert | Update)}
    visits = {call_record_id(e.interaction_id, e.segment) for e in events
              if e.TYPE == "call.queued" and e.interaction_id}
    assert records <= visits, records - visits
    cases: dict[str, set[str | None]] = defaultdict(set)
    for e in events:
        if e.TYPE == "case.interaction_linked":
            cases[e.interaction_id or ""].add(e.case_id)
        if e.TYPE == "call.answered":  # an answered call always has its case
            assert e.interaction_id in cases or any(
                x.TYPE == "case.interaction_linked" and x.interaction_id == e.interaction_id
                for x in events), e.interaction_id
    assert all(len(ids) == 1 for ids in cases.values()), cases
    history = [(e, op.row) for e, op in ops if isinstance(op, Append)
               and op.table == "agent_state_history"]
    assert [row["event_seq"] for _, row in history] == \
        sorted(e.seq for e in events if e.TYPE == "agent.state_changed")
    assert all(row["state"] == e.state and row["agent_id"] == e.agent_id for e, row in history)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 7)), max_size=60))
def test_random_sequences_tell_one_consistent_story(ops: list[tuple[str, int]]) -> None:
    world = World()
    for op, pick in ops:
        world.do(op, pick)
        _check(world)
