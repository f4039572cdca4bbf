"""What the event fan-out needs to know about calls and cases to apply the policy:
which agents and queues a call concerned, which unit owns a case, which agents
handled its calls. Learnt from the events themselves; bounded (least recently
touched entries forgotten first). No I/O."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from cti.api.policy import CallParties, CaseParties
from cti.events import DomainEvent

K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    """A plain dict kept in use order (a re-inserted key moves to the end): half
    the memory of an OrderedDict."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        found = self._items.pop(key, None)
        if found is not None:
            self._items[key] = found
        return found

    def setdefault(self, key: K, make: Callable[[], V]) -> V:
        found = self.get(key)
        if found is None:
            found = self._items[key] = make()
            if len(self._items) > self.capacity:
                del self._items[next(iter(self._items))]
        return found


#: ``(name,)`` for agent, queue and unit names, shared by every entry naming only
#: that one (most do): 56 bytes an entry less. Their number is the configuration's.
_SINGLES: dict[str, tuple[str]] = {}
_SINGLES_MAX = 10_000


def _plus(names: tuple[str, ...], name: str | None, *, shared: bool = True) -> tuple[str, ...]:
    """``names`` with ``name`` added once; tuples, not sets, as most hold one name
    (an empty set costs 216 bytes, a tuple of one 48, and ``()`` nothing).
    ``shared``: ``name`` is an agent, queue or unit (not a case id)."""
    if name is None or name in names:
        return names
    if not names and shared:
        single = _SINGLES.get(name)
        if single is None:
            single = (name,)
            if len(_SINGLES) < _SINGLES_MAX:
                _SINGLES[name] = single
        return single
    return (*names, name)


def _union(names: tuple[str, ...], more: tuple[str, ...]) -> tuple[str, ...]:
    if not names:
        return more  # the same tuple object: shared, not copied
    for name in more:
        names = _plus(names, name)
    return names


class _Call:
    __slots__ = ("agents", "cases", "queues")

    def __init__(self) -> None:
        self.agents: tuple[str, ...] = ()
        self.queues: tuple[str, ...] = ()
        self.cases: tuple[str, ...] = ()


class _Case:
    __slots__ = ("agents", "owner", "queues", "unit", "units")

    def __init__(self) -> None:
        self.unit: str | None = None
        self.owner: str | None = None
        self.units: tuple[str, ...] = ()
        self.agents: tuple[str, ...] = ()
        self.queues: tuple[str, ...] = ()


class _Customer:
    __slots__ = ("agents",)

    def __init__(self) -> None:
        self.agents: tuple[str, ...] = ()


class EventIndex:
    """About 0.6 KB a call with its case and customer (tests/unit/api/test_api_index.py).

    Calls are asked about while they are live, a few minutes; cases for as long
    as a unit works them, so they are kept longer. At capacity the index holds
    about 16 MB (25 MB before the names' tuples were shared); it held 115 MB with
    sets and dataclasses at 50,000 of each, and grew the service by that much
    over the first ten minutes at 100 calls a second."""

    def __init__(self, capacity: int = 10_000, case_capacity: int = 50_000) -> None:
        self._calls: _Lru[str, _Call] = _Lru(capacity)
        self._cases: _Lru[str, _Case] = _Lru(max(capacity, case_capacity))
        self._customers: _Lru[str, _Customer] = _Lru(capacity)

    def learn(self, event: DomainEvent) -> None:
        """Update the parties from ``event`` (before deciding who sees it)."""
        agent, queue = event.agent_id, event.queue
        call = None
        if event.interaction_id is not None:
            call = self._calls.setdefault(event.interaction_id, _Call)
            call.agents = _plus(call.agents, agent)
            call.queues = _plus(call.queues, queue)
            call.cases = _plus(call.cases, event.case_id, shared=False)
            for case_id in call.cases:  # the call's agents handle its cases
                linked = self._cases.setdefault(case_id, _Case)
                linked.agents = _union(linked.agents, call.agents)
                linked.queues = _union(linked.queues, call.queues)
        if event.case_id is not None:
            self._learn_case(event, self._cases.setdefault(event.case_id, _Case))
        if event.customer_id is not None and call is not None and call.agents:
            customer = self._customers.setdefault(event.customer_id, _Customer)
            customer.agents = _union(customer.agents, call.agents)

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
            case.units = _plus(case.units, event.unit)  # type: ignore[attr-defined]

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
        found = self._customers.get(customer_id)
        return frozenset(found.agents) if found is not None else frozenset()
