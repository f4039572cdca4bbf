"""Supervisor commands on queues and the centre, and messages to desktops."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from cti.api.commands import command
from cti.api.commands.call import actor, control_of
from cti.api.policy import STAFF, Principal
from cti.api.schemas import MessageArgs, ModeArgs, QueueArgs
from cti.events import iso

if TYPE_CHECKING:
    from cti.api.context import ApiContext


@command("queue.open", QueueArgs, roles=STAFF, summary="Open a closed queue")
async def open_queue(ctx: ApiContext, p: Principal, args: QueueArgs) -> dict[str, Any]:
    ctx.policy().check_queue(p, args.queue, "open")
    return await control_of(ctx).open_queue(args.queue, by=actor(p))


@command("queue.close", QueueArgs, roles=STAFF,
         summary="Close a queue: new calls take its closed exit")
async def close_queue(ctx: ApiContext, p: Principal, args: QueueArgs) -> dict[str, Any]:
    ctx.policy().check_queue(p, args.queue, "close")
    return await control_of(ctx).close_queue(args.queue, by=actor(p))


@command("centre.set_mode", ModeArgs, roles=STAFF,
         summary="Switch the centre to normal, night or emergency mode")
async def set_mode(ctx: ApiContext, p: Principal, args: ModeArgs) -> dict[str, Any]:
    return await control_of(ctx).set_centre_mode(args.mode, message=args.message,
                                                 by=actor(p))


@command("message.send", MessageArgs, roles=STAFF,
         summary="A message to agents' desktops (named agents, a queue's agents, or all)")
async def send_message(ctx: ApiContext, p: Principal, args: MessageArgs) -> dict[str, Any]:
    policy = ctx.policy()
    if args.agents is not None:
        for agent_id in args.agents:
            policy.check_agent(p, agent_id, "send a message to")
        targets = set(args.agents)
    elif args.queue is not None:
        policy.check_queue(p, args.queue, "send a message to")
        targets = {a for a in ctx.config.agents
                   if args.queue in ctx.hub.board.agent(a)["queues"]}
    else:
        reach = policy.agents_of(p)
        targets = set(ctx.config.agents) if reach is None else set(reach)
    delivered = ctx.hub.push(
        {"type": "notice", "from": p.id, "from_name": p.name, "text": args.text,
         "at": iso(time.time())},
        lambda q: q.agent_id in targets, droppable=False)
    return {"agents": sorted(targets), "desktops": delivered}
