"""Who may see a domain event: the policy applied to what the index knows of it."""

from __future__ import annotations

from cti.api.index import EventIndex
from cti.api.policy import Policy, Principal, Role
from cti.events import DomainEvent


def may_see(policy: Policy, p: Principal, event: DomainEvent, index: EventIndex) -> bool:
    """Agents: their own agent, calls offered to them, those calls' cases and
    customers, cases they own. Supervisors: the same for their agents, and their
    queues' calls and units' cases. Admins: all. API keys: with events:subscribe."""
    if p.role is Role.ADMIN:
        return True
    if p.role is Role.SYSTEM:
        return bool(p.scopes & {"admin", "events:subscribe"})
    kind = event.TYPE
    if kind.startswith("agent."):
        return event.agent_id is not None and policy.sees_agent(p, event.agent_id)
    if kind.startswith("case.") and event.case_id is not None:
        return policy.sees_case(p, index.case(event.case_id))
    if kind.startswith("customer.") and event.customer_id is not None:
        reach = policy.agents_of(p)
        return reach is None or bool(index.customer_agents(event.customer_id) & reach)
    if event.interaction_id is not None:
        return policy.sees_call(p, index.call(event.interaction_id))
    if event.agent_id is not None:
        return policy.sees_agent(p, event.agent_id)
    return False
