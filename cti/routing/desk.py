"""Hot-desking: the phone an agent chose at its desktop instead of its own endpoint.

``EndpointChosen`` sets (or, with None, clears) the agent's endpoint. From then
on the router rings that phone (``Router.endpoint_of``) and maps its device
states to the agent (``Router.agent_at``); the agent's own endpoint no longer
speaks for it. Refused while a call rings or talks at the agent, for a phone
that is not one of the config's ``desks``, or for one another agent uses.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from acd import events as acd
from acd.states import AgentState
from cti.errors import CommandRefused, CtiError, NoSuchAgent
from cti.routing.devices import device

if TYPE_CHECKING:
    from cti.routing.step import Step


def _future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()


@dataclass(eq=False)
class EndpointChosen:
    agent_id: str
    endpoint: str | None  #: None: back to the agent's own endpoint (agents.yaml)
    reply: asyncio.Future[dict[str, Any]] = field(default_factory=_future)


def on_endpoint_chosen(step: Step, item: EndpointChosen) -> None:
    try:
        result = choose(step, item.agent_id, item.endpoint)
    except CtiError as exc:
        step.reply(item.reply, error=exc)
        return
    step.reply(item.reply, result)


def choose(step: Step, agent_id: str, endpoint: str | None) -> dict[str, Any]:
    router = step.router
    agent = router.config.agents.get(agent_id)
    if agent is None:
        raise NoSuchAgent(agent_id)
    wanted = endpoint or agent.endpoint
    if wanted != agent.endpoint and wanted not in router.config.desks:
        raise CommandRefused(f"agent {agent_id}: {wanted} is neither its own endpoint nor one "
                             f"of the desks in agents.yaml ({', '.join(router.config.desks)})")
    holder = router.agent_at(wanted)
    if holder is not None and holder.id != agent_id:
        raise CommandRefused(f"agent {agent_id}: {wanted} is in use by agent {holder.id}")
    state = router.engine.agent(agent_id).state
    if state in (AgentState.RESERVED, AgentState.ON_CALL):
        raise CommandRefused(f"agent {agent_id}: cannot change phone while {state.value}; "
                             "finish the call first")
    if wanted == agent.endpoint:
        router.endpoints.pop(agent_id, None)
    else:
        router.endpoints[agent_id] = wanted
    step.feed(acd.DeviceStateChanged(agent_id, device(router.devices.get(wanted, "UNKNOWN"))))
    return {"agent_id": agent_id, "endpoint": wanted}
