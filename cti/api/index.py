"""What the event fan-out needs to know about calls and cases to apply the policy:
which agents and queues a call concerned, which unit owns a case, which agents
handled its calls. Learnt from the events themselves; bounded (least recently
touched entries forgotten first). No I/O."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from cti.api.policy import CallParties, CaseParties
from cti.events import DomainEvent

K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def setdefault(self, key: K, make: type[V]) -> V:
        found = self.get(key)
        if found is None:
            found = self._items[key] = make()
            if len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return found


@dataclass
class _Call:
    agents: set[str] = field(default_factory=set)
    queues: set[str] = field(default_factory=set)
    cases: set[str] = field(default_factory=set)


@dataclass
class _Case:
    unit: str | None = None
    owner: str | None = None
    units: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)
    queues: set[str] = field(default_factory=set)


class EventIndex:
    def __init__(self, capacity: int = 50_000) -> None:
        self._calls: _Lru[str, _Call] = _Lru(capacity)
        self._cases: _Lru[str, _Case] = _Lru(capacity)
        self._customers: _Lru[str, set[str]] = _Lru(capacity)

    def learn(self, event: DomainEvent) -> None:
        """Update the parties from ``event`` (before deciding who sees it)."""
        agent, queue = event.agent_id, event.queue
        call = None
        if event.interaction_id is not None:
            call = self._calls.setdefault(event.interaction_id, _Call)
            if agent is not None:
                call.agents.add(agent)
            if queue is not None:
                call.queues.add(queue)
            if event.case_id is not None:
                call.cases.add(event.case_id)
            for case_id in call.cases:  # the call's agents handle its cases
                linked = self._cases.setdefault(case_id, _Case)
                linked.agents |= call.agents
                linked.queues |= call.queues
        if event.case_id is not None:
            self._learn_case(event, self._cases.setdefault(event.case_id, _Case))
        if event.customer_id is not None and call is not None and call.agents:
            self._customers.setdefault(event.customer_id, set).update(call.agents)

    @staticmethod
    def _learn_case(event: DomainEvent, case: _Case) -> None:
        kind = event.TYPE
        if kind in ("case.opened", "case.assigned"):
            unit = getattr(event, "unit", None)
            if unit is not None:
                case.unit = unit
            if kind == "case.assigned" or getattr(event, "owner", None) is not None:
                case.owner = getattr(event, "owner", None)
        elif kind == "case.derived":
            case.units.add(event.unit)  # type: ignore[attr-defined]

    def call(self, interaction_id: str) -> CallParties:
        found = self._calls.get(interaction_id)
        if found is None:
            return CallParties(interaction_id)
        return CallParties(interaction_id, frozenset(found.agents), frozenset(found.queues))

    def case(self, case_id: str) -> CaseParties:
        found = self._cases.get(case_id)
        if found is None:
            return CaseParties(case_id)
        return CaseParties(case_id, found.unit, found.owner, frozenset(found.units),
                           frozenset(found.agents), frozenset(found.queues))

    def customer_agents(self, customer_id: str) -> frozenset[str]:
        return frozenset(self._customers.get(customer_id) or ())
