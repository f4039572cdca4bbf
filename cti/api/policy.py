"""The one access policy: who may see or act on which agent, queue, call and case.

REST routes, WebSocket commands and the event fan-out all ask this module; it
does no I/O (the parties of a call or a case are looked up by the caller and
passed in). A refusal is a ``Forbidden`` whose message names who asked, what,
and why not.

- an agent: its own agent, the calls it was offered or took, the cases of
  those calls and the cases it owns;
- a supervisor: its agents (members of its units, agents serving its queues,
  its own agent), its queues, its units' cases and what those agents handle;
- an admin: everything;
- an API key (a system): what its scopes name, on every agent, queue and case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from cti.config import Config
from cti.errors import CtiError


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    SYSTEM = "system"   #: an API key


#: Scopes an API key may hold.
SCOPES = frozenset({"agents:read", "queues:read", "calls:read", "calls:dial", "cases:read",
                    "cases:write", "customers:read", "customers:write", "events:subscribe",
                    "admin"})
PEOPLE = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})


class Forbidden(CtiError):
    status, code = 403, "forbidden"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a user (with its session) or an API key."""

    id: str
    role: Role
    name: str = ""
    agent_id: str | None = None
    queues: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    session_id: UUID | None = None

    def describe(self) -> str:
        if self.role is Role.SYSTEM:
            return f"API key {self.id.removeprefix('key:')}"
        if self.role is Role.AGENT:
            return f"agent {self.agent_id} (user {self.id})"
        return f"{self.role.value} {self.id}"

    def public(self) -> dict[str, object]:
        """What desktops are told about the user (``welcome``, ``/me``)."""
        return {"id": self.id, "role": self.role.value, "agent_id": self.agent_id,
                "name": self.name, "queues": sorted(self.queues), "units": sorted(self.units)}


@dataclass(frozen=True, slots=True)
class CallParties:
    """Who a call concerns: the agents it was offered to and the queues it visited."""

    interaction_id: str
    agents: frozenset[str] = frozenset()
    queues: frozenset[str] = frozenset()
    escalated_to: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CaseParties:
    """Who a case concerns: its unit and owner, the units it was derived to, and the
    agents and queues of its calls."""

    case_id: str
    unit: str | None = None
    owner: str | None = None
    units: frozenset[str] = frozenset()
    agents: frozenset[str] = frozenset()
    queues: frozenset[str] = frozenset()


@dataclass
class _Reach:
    agents: frozenset[str]
    queues: frozenset[str]
    units: frozenset[str] = field(default_factory=frozenset)


class Policy:
    """Built from the config (who serves which queue, unit members); rebuild on reload."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._serving = _agents_serving(config)
        self._reach: dict[tuple[str | None, frozenset[str], frozenset[str]], _Reach] = {}

    # --- what a principal reaches ---------------------------------------------------------

    def agents_of(self, p: Principal) -> frozenset[str] | None:
        """The agents ``p`` may see and act on (None: every agent)."""
        reach = self._reach_of(p)
        return None if reach is None else reach.agents

    def queues_of(self, p: Principal) -> frozenset[str] | None:
        """The queues ``p`` may see (None: every queue)."""
        reach = self._reach_of(p)
        return None if reach is None else reach.queues

    def _reach_of(self, p: Principal) -> _Reach | None:
        if p.role in (Role.ADMIN, Role.SYSTEM):
            return None
        key = (p.agent_id, p.queues, p.units) if p.role is Role.SUPERVISOR else \
            (p.agent_id, frozenset(), frozenset())
        found = self._reach.get(key)
        if found is None:
            found = self._reach[key] = self._compute_reach(p)
        return found

    def _compute_reach(self, p: Principal) -> _Reach:
        own = frozenset({p.agent_id}) if p.agent_id else frozenset()
        if p.role is Role.AGENT:
            return _Reach(own, frozenset())
        members = {m for u in p.units if (unit := self.config.units.get(u)) is not None
                   for m in unit.members if m in self.config.agents}
        serving = {a for q in p.queues for a in self._serving.get(q, ())}
        return _Reach(own | frozenset(members) | frozenset(serving), p.queues, p.units)

    def serving_queues(self, agent_id: str) -> frozenset[str]:
        """The queues ``agent_id`` takes calls of."""
        return frozenset(q for q, agents in self._serving.items() if agent_id in agents)

    # --- seeing ------------------------------------------------------------------------

    def sees_agent(self, p: Principal, agent_id: str) -> bool:
        if p.role is Role.SYSTEM:
            return _has_scope(p, "agents:read")
        agents = self.agents_of(p)
        return agents is None or agent_id in agents

    def sees_queue(self, p: Principal, queue: str) -> bool:
        if p.role is Role.SYSTEM:
            return _has_scope(p, "queues:read")
        queues = self.queues_of(p)
        return queues is None or queue in queues

    def sees_call(self, p: Principal, call: CallParties) -> bool:
        if p.role is Role.SYSTEM:
            return _has_scope(p, "calls:read")
        reach = self._reach_of(p)
        if reach is None:
            return True
        return bool(call.agents & reach.agents or call.queues & reach.queues
                    or (p.agent_id is not None and p.agent_id in call.escalated_to))

    def sees_case(self, p: Principal, case: CaseParties) -> bool:
        if p.role is Role.SYSTEM:
            return _has_scope(p, "cases:read")
        reach = self._reach_of(p)
        if reach is None:
            return True
        if p.agent_id is not None and (case.owner == p.agent_id or p.agent_id in case.agents):
            return True
        if p.role is not Role.SUPERVISOR:
            return False
        units = {case.unit} | case.units if case.unit else set(case.units)
        return bool(units & reach.units or case.agents & reach.agents
                    or case.queues & reach.queues or case.owner in reach.agents)

    # --- acting (each raises Forbidden naming why) ---------------------------------------

    def check_role(self, p: Principal, what: str, roles: Iterable[Role],
                   scope: str | None = None) -> None:
        """``p`` may ``what`` at all: its role is among ``roles`` (an API key: it holds
        ``scope``)."""
        roles = frozenset(roles)
        if p.role is Role.SYSTEM:
            if scope is not None and _has_scope(p, scope):
                return
            need = f"the scope {scope}" if scope else "a user (API keys may not)"
            raise Forbidden(f"{p.describe()} may not {what}: it needs {need}")
        if p.role not in roles:
            allowed = " and ".join(f"{r.value}s" for r in (Role.AGENT, Role.SUPERVISOR,
                                                              Role.ADMIN) if r in roles)
            raise Forbidden(f"{p.describe()} may not {what}: only {allowed} may")

    def check_agent(self, p: Principal, agent_id: str, what: str) -> None:
        if p.role is Role.SYSTEM:
            if _has_scope(p, "admin"):
                return
            raise Forbidden(f"{p.describe()} may not {what} agent {agent_id}: "
                            "API keys do not act on agents")
        if agent_id not in self.config.agents or self.sees_agent(p, agent_id):
            return  # an unknown agent is the command's own error (404)
        if p.role is Role.AGENT:
            raise Forbidden(f"{p.describe()} may not {what} agent {agent_id}: agents act on "
                            "their own state only")
        raise Forbidden(f"{p.describe()} may not {what} agent {agent_id}: not one of its "
                        "agents (its units' members and the agents of its queues)")

    def check_queue(self, p: Principal, queue: str, what: str) -> None:
        if p.role in (Role.ADMIN,) or (p.role is Role.SYSTEM and _has_scope(p, "admin")):
            return
        if p.role is Role.SUPERVISOR and queue in p.queues:
            return
        if queue not in self.config.queues:
            return
        raise Forbidden(f"{p.describe()} may not {what} queue {queue}: "
                        + ("it is not one of its queues" if p.role is Role.SUPERVISOR
                           else "only the queue's supervisors and admins may"))

    def check_call(self, p: Principal, call: CallParties, what: str) -> None:
        if p.role is Role.SYSTEM:
            if _has_scope(p, "admin"):
                return
            raise Forbidden(f"{p.describe()} may not {what} call {call.interaction_id}: "
                            "API keys do not act on calls")
        if self.sees_call(p, call):
            return
        if p.role is Role.AGENT:
            raise Forbidden(f"{p.describe()} may not {what} call {call.interaction_id}: "
                            "it was not offered to this agent")
        raise Forbidden(f"{p.describe()} may not {what} call {call.interaction_id}: not a "
                        "call of its queues or agents")

    def check_case(self, p: Principal, case: CaseParties, what: str, *,
                   write: bool = True) -> None:
        scope = "cases:write" if write else "cases:read"
        if p.role is Role.SYSTEM:
            if _has_scope(p, scope):
                return
            raise Forbidden(f"{p.describe()} may not {what} case {case.case_id}: it needs "
                            f"the scope {scope}")
        if p.role is Role.ADMIN:
            return
        reach = self._reach_of(p)
        if reach is not None and self.sees_case(p, case):
            return
        why = ("agents act on the cases of their calls and the cases they own"
               if p.role is Role.AGENT else "the case is not of its units, queues or agents")
        raise Forbidden(f"{p.describe()} may not {what} case {case.case_id}: {why}")

    def check_unit(self, p: Principal, unit: str, what: str) -> None:
        if p.role is Role.ADMIN or (p.role is Role.SUPERVISOR and unit in p.units):
            return
        raise Forbidden(f"{p.describe()} may not {what} unit {unit}: not one of its units")


def _has_scope(p: Principal, scope: str) -> bool:
    return scope in p.scopes or "admin" in p.scopes


def _agents_serving(config: Config) -> dict[str, frozenset[str]]:
    """Queue -> the agents that may take its calls: those listing it, and those listing
    no queue whose skills meet the queue's."""
    serving: dict[str, set[str]] = {q: set() for q in config.queues}
    for agent in config.agents.values():
        for name, queue in config.queues.items():
            if agent.queues:
                if name in agent.queues:
                    serving[name].add(agent.id)
            elif all(agent.skills.get(s, 0) >= level for s, level in queue.skills.items()):
                serving[name].add(agent.id)
    return {q: frozenset(a) for q, a in serving.items()}
