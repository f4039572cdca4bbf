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
    if kind.startswith("centre."):
        return True                      # night or emergency: every desktop shows it
    if kind.startswith("supervision."):  # who listens is for the staff only
        return p.role is Role.SUPERVISOR and event.interaction_id is not None and \
            policy.sees_call(p, index.call(event.interaction_id))
    if kind.startswith("queue.") and event.queue is not None:
        return policy.sees_queue(p, event.queue) or event.queue in _queues_of(policy, p)
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
    if event.queue is not None:
        return policy.sees_queue(p, event.queue)
    return False


def _queues_of(policy: Policy, p: Principal) -> frozenset[str]:
    """The queues an agent serves (it hears when one closes)."""
    if p.agent_id is None:
        return frozenset()
    return policy.serving_queues(p.agent_id)
