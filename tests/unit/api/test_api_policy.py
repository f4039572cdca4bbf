"""The access policy and who sees which event, on the shipped configuration."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from cti import events as ev
from cti.api.audience import may_see
from cti.api.index import EventIndex
from cti.api.policy import CallParties, CaseParties, Forbidden, Policy, Principal, Role
from cti.cases import events as ce
from cti.config import load_config
from cti.stream import EventStream

ROOT = Path(__file__).resolve().parents[3]

LUCIA = Principal("lucia", Role.AGENT, agent_id="a1001")
MARC = Principal("marc", Role.AGENT, agent_id="a1002")
CARMEN = Principal("carmen", Role.SUPERVISOR, agent_id="s2001",
                   queues=frozenset({"complaints", "vip"}), units=frozenset({"complaints"}))
ROOT_USER = Principal("root", Role.ADMIN)
CRM = Principal("key:abc", Role.SYSTEM, scopes=frozenset({"customers:read", "cases:read"}))


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy(load_config(ROOT / "config"))


def test_an_agent_reaches_only_itself(policy: Policy) -> None:
    assert policy.agents_of(LUCIA) == {"a1001"}
    assert policy.queues_of(LUCIA) == set()
    policy.check_agent(LUCIA, "a1001", "pause")
    with pytest.raises(Forbidden, match="agent a1001 \\(user lucia\\) may not pause agent "
                                        "a1002: agents act on their own state only"):
        policy.check_agent(LUCIA, "a1002", "pause")


def test_a_supervisor_reaches_its_units_members_and_its_queues_agents(policy: Policy) -> None:
    agents = policy.agents_of(CARMEN)
    assert agents is not None
    assert {"a1005", "a1009", "s2001"} <= agents        # the complaints unit
    assert "a1002" in agents and "a1008" in agents      # vip: agents with the vip skill
    assert "a1003" not in agents                        # billing only
    policy.check_queue(CARMEN, "vip", "close")
    with pytest.raises(Forbidden, match="queue bookings: it is not one of its queues"):
        policy.check_queue(CARMEN, "bookings", "close")
    with pytest.raises(Forbidden, match="not one of its agents"):
        policy.check_agent(CARMEN, "a1003", "log out")


def test_admins_reach_everything_and_keys_what_their_scopes_say(policy: Policy) -> None:
    assert policy.agents_of(ROOT_USER) is None
    policy.check_queue(ROOT_USER, "bookings", "close")
    policy.check_role(CRM, "search customers", [Role.AGENT], "customers:read")
    with pytest.raises(Forbidden, match=r"API key abc may not call\.hold: it needs a user"):
        policy.check_role(CRM, "call.hold", [Role.AGENT])
    with pytest.raises(Forbidden, match="needs the scope calls:dial"):
        policy.check_role(CRM, "call.dial", [Role.AGENT], "calls:dial")
    with pytest.raises(Forbidden, match="only supervisors and admins may"):
        policy.check_role(LUCIA, "call.listen", [Role.SUPERVISOR, Role.ADMIN])


def test_calls_and_cases_by_who_handled_them(policy: Policy) -> None:
    call = CallParties("i1", agents=frozenset({"a1002"}), queues=frozenset({"vip"}))
    policy.check_call(MARC, call, "hold")
    policy.check_call(CARMEN, call, "listen to")
    with pytest.raises(Forbidden, match="it was not offered to this agent"):
        policy.check_call(LUCIA, call, "hold")
    case = CaseParties("c1", unit="agents", agents=frozenset({"a1001"}))
    policy.check_case(LUCIA, case, "note")
    with pytest.raises(Forbidden, match="agents act on the cases of their calls"):
        policy.check_case(MARC, case, "note")
    derived = CaseParties("c2", unit="agents", units=frozenset({"complaints"}))
    policy.check_case(CARMEN, derived, "answer")
    policy.check_case(CRM, derived, "read", write=False)
    with pytest.raises(Forbidden, match="scope cases:write"):
        policy.check_case(CRM, derived, "note")


def _events() -> tuple[EventStream, list[ev.DomainEvent]]:
    stream = EventStream("e1")
    iid, case_id, customer = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    made = [
        stream.new(ev.CallQueued, interaction_id=iid, queue="vip"),
        stream.new(ev.CallOffered, interaction_id=iid, queue="vip", agent_id="a1002",
                   attempt=1, ring_timeout=15, customer_id=customer),
        stream.new(ce.CaseOpened, interaction_id=iid, case_id=case_id, customer_id=customer,
                   unit="agents"),
        stream.new(ce.CaseDerived, case_id=case_id, customer_id=customer,
                   derivation_id="d", unit="finance", reason="r", by="a1002"),
        stream.new(ce.CustomerUpdated, customer_id=customer, changes={"tier": "vip"}),
        stream.new(ev.AgentStateChanged, agent_id="a1003", state="READY", previous="X"),
    ]
    return stream, made


def test_who_sees_each_event(policy: Policy) -> None:
    _, made = _events()
    index = EventIndex()
    seen: dict[str, list[str]] = {p.id: [] for p in (LUCIA, MARC, CARMEN, ROOT_USER, CRM)}
    for event in made:
        index.learn(event)
        for p in (LUCIA, MARC, CARMEN, ROOT_USER, CRM):
            if may_see(policy, p, event, index):
                seen[p.id].append(event.TYPE)
    assert seen["lucia"] == []
    assert seen["marc"] == ["call.offered", "case.opened", "case.derived", "customer.updated"]
    assert seen["carmen"] == ["call.queued", "call.offered", "case.opened", "case.derived",
                              "customer.updated"]
    assert len(seen["root"]) == len(made)
    assert seen["key:abc"] == []  # no events:subscribe


def test_the_index_stays_bounded() -> None:
    index = EventIndex(capacity=10)
    stream = EventStream("e")
    for i in range(50):
        index.learn(stream.new(ev.CallOffered, interaction_id=f"i{i}", agent_id="a1",
                               attempt=1, ring_timeout=1))
    assert index.call("i0").agents == frozenset()
    assert index.call("i49").agents == {"a1"}
