"""Agents and queues: live views and the state commands, for systems without a socket."""

from __future__ import annotations

from typing import Any

from cti.api.policy import Forbidden, Role
from cti.api.routes import Call, Routes, run_command
from cti.api.schemas import EndpointIn, ReasonIn
from cti.errors import BadRequest, NoSuchAgent

ROUTES = Routes("agents")
ACTIONS = ("login", "logout", "ready", "pause")


@ROUTES.get("/agents", "Agents the caller may see: state, pending change, phone, figures")
async def list_agents(call: Call) -> list[dict[str, Any]]:
    p, policy, board = call.principal, call.ctx.policy(), call.ctx.hub.board
    policy.check_role(p, "list agents", (Role.AGENT, Role.SUPERVISOR, Role.ADMIN),
                      "agents:read")
    reach = policy.agents_of(p) if p.role is not Role.SYSTEM else None
    return board.agents(board.agent_ids() if reach is None else reach)


@ROUTES.get("/agents/{agent_id}", "One agent")
async def get_agent(call: Call) -> dict[str, Any]:
    p, agent_id = call.principal, call.path("agent_id")
    if agent_id not in call.ctx.config.agents:
        raise NoSuchAgent(agent_id)
    if not call.ctx.policy().sees_agent(p, agent_id):
        raise Forbidden(f"{p.describe()} may not see agent {agent_id}")
    return call.ctx.hub.board.agent(agent_id)


@ROUTES.post("/agents/{agent_id}/{action}", "ACD state: login, logout, ready or pause "
             "(with a reason of pause_reasons)", body=ReasonIn)
async def agent_action(call: Call) -> Any:
    action = call.path("action")
    if action not in ACTIONS:
        raise BadRequest(f"unknown agent action {action!r}; use one of {', '.join(ACTIONS)}")
    agent_id = call.path("agent_id")
    if agent_id not in call.ctx.config.agents:
        raise NoSuchAgent(agent_id)
    args: dict[str, Any] = {"agent_id": agent_id}
    if action == "pause" and call.body.reason is not None:
        args["reason"] = call.body.reason
    return await run_command(call, f"agent.{action}", args)


@ROUTES.put("/agents/{agent_id}/endpoint", "Hot-desking: the phone to ring for the agent",
            body=EndpointIn)
async def set_endpoint(call: Call) -> Any:
    return await run_command(call, "agent.set_endpoint",
                             {"agent_id": call.path("agent_id"), "endpoint": call.body.endpoint})


@ROUTES.get("/queues", "Queues the caller may see, with live figures")
async def list_queues(call: Call) -> list[dict[str, Any]]:
    p, policy = call.principal, call.ctx.policy()
    policy.check_role(p, "list queues", (Role.SUPERVISOR, Role.ADMIN), "queues:read")
    reach = policy.queues_of(p) if p.role is not Role.SYSTEM else None
    return call.ctx.hub.board.queues(call.ctx.config.queues if reach is None else reach)


@ROUTES.get("/queues/{queue}", "One queue's live figures")
async def get_queue(call: Call) -> dict[str, Any]:
    p, name = call.principal, call.path("queue")
    policy = call.ctx.policy()
    policy.check_role(p, "see queues", (Role.SUPERVISOR, Role.ADMIN), "queues:read")
    if name not in call.ctx.config.queues:
        raise BadRequest(f"no queue {name!r}; queues: {', '.join(call.ctx.config.queues)}")
    if not policy.sees_queue(p, name):
        raise Forbidden(f"{p.describe()} may not see queue {name}: not one of its queues")
    return call.ctx.hub.board.queue(name)


@ROUTES.post("/queues/{queue}/{action}", "Open or close a queue (its supervisors, admins)")
async def queue_action(call: Call) -> Any:
    action = call.path("action")
    if action not in ("open", "close"):
        raise BadRequest(f"unknown queue action {action!r}; use open or close")
    return await run_command(call, f"queue.{action}", {"queue": call.path("queue")})
