"""Agent commands: ACD state, the phone at the desk (hot-desking), skills."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cti.api.commands import command
from cti.api.policy import STAFF, Principal
from cti.api.schemas import AgentArgs, EndpointArgs, PauseArgs, SkillsArgs
from cti.errors import BadRequest

if TYPE_CHECKING:
    from cti.api.context import ApiContext


def agent_of(ctx: ApiContext, p: Principal, given: str | None, what: str) -> str:
    """The agent a command acts on: the one named, else the user's own; checked."""
    agent_id = given or p.agent_id
    if agent_id is None:
        raise BadRequest(f"{p.describe()} has no agent of its own: name agent_id")
    ctx.policy().check_agent(p, agent_id, what)
    return agent_id


class UnknownPauseReason(BadRequest):
    code = "unknown-pause-reason"


async def change_state(ctx: ApiContext, p: Principal, given: str | None, action: str,
                       reason: str | None = None) -> dict[str, Any]:
    agent_id = agent_of(ctx, p, given, action)
    if reason is not None:  # a person's reason: one of pause_reasons (agents.yaml)
        problem = ctx.config.pause_reason_problem(reason)
        if problem:
            raise UnknownPauseReason(problem)
    control = ctx.service.control
    if control is not None:  # records who asked (agent.state_requested)
        result = await control.set_agent_state(agent_id, action, reason=reason,
                                               by=p.agent_id or p.id)
    else:
        result = await ctx.service.agent_command(agent_id, action, reason)
    ctx.hub.agent_status(ctx.hub.board.agent(agent_id))
    return result


@command("agent.login", AgentArgs, summary="Log the agent in to the ACD (NOT_READY until ready)")
async def login(ctx: ApiContext, p: Principal, args: AgentArgs) -> dict[str, Any]:
    return await change_state(ctx, p, args.agent_id, "login")


@command("agent.ready", AgentArgs, summary="Make the agent READY (also ends wrap-up)")
async def ready(ctx: ApiContext, p: Principal, args: AgentArgs) -> dict[str, Any]:
    return await change_state(ctx, p, args.agent_id, "ready")


@command("agent.pause", PauseArgs,
         summary="NOT_READY with a reason of pause_reasons (agents.yaml)")
async def pause(ctx: ApiContext, p: Principal, args: PauseArgs) -> dict[str, Any]:
    return await change_state(ctx, p, args.agent_id, "pause", args.reason)


@command("agent.logout", AgentArgs, summary="Log the agent out of the ACD")
async def logout(ctx: ApiContext, p: Principal, args: AgentArgs) -> dict[str, Any]:
    return await change_state(ctx, p, args.agent_id, "logout")


@command("agent.set_endpoint", EndpointArgs,
         summary="Hot-desking: ring this phone (one of desks) instead of the agent's own")
async def set_endpoint(ctx: ApiContext, p: Principal, args: EndpointArgs) -> dict[str, Any]:
    agent_id = agent_of(ctx, p, args.agent_id, "change the phone of")
    result = await ctx.service.set_endpoint(agent_id, args.endpoint, by=p.id)
    ctx.hub.agent_status(ctx.hub.board.agent(agent_id))
    return result


@command("agent.set_skills", SkillsArgs, roles=STAFF,
         summary="Replace an agent's skills until the next reload")
async def set_skills(ctx: ApiContext, p: Principal, args: SkillsArgs) -> dict[str, Any]:
    agent_id = agent_of(ctx, p, args.agent_id, "change the skills of")
    return await ctx.service.set_skills(agent_id, dict(args.skills))
