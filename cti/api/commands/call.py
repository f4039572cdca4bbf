"""Call commands: they check the call against the policy, then hand it to call
control (cti/control.py, through ``ServicePort.control``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cti.api.commands import command
from cti.api.policy import STAFF, CallParties, Principal, Role
from cti.api.schemas import (
    CallArgs,
    CallbackArgs,
    DialArgs,
    EscalateArgs,
    ReviewArgs,
    TransferArgs,
    WrapUpArgs,
)
from cti.errors import BadRequest, NoSuchAgent, NoSuchCall, ServiceUnavailable

if TYPE_CHECKING:
    from cti.api.context import ApiContext

PEOPLE_AND_DIAL = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


async def parties(ctx: ApiContext, interaction_id: str) -> CallParties:
    """Who the call concerns: the live call, what the hub saw, and the records."""
    call = ctx.service.calls.get(interaction_id)
    seen = ctx.hub.index.call(interaction_id)
    agents, queues = set(seen.agents), set(seen.queues)
    if call is not None:
        agents |= {call.agent_id} if call.agent_id else set()
        queues |= {call.queue} if call.queue else set()
    router = ctx.service.router
    if router is not None:
        agents |= {a for a, iid in router.agent_calls.items() if iid == interaction_id}
    if call is None and not agents and not queues:
        try:
            key = uuid.UUID(interaction_id)
        except ValueError:
            raise NoSuchCall(interaction_id) from None
        stored = await ctx.store.parties.interaction(key)
        if not stored.found:
            raise NoSuchCall(interaction_id)
        agents |= stored.agents
        queues |= stored.queues
    return CallParties(interaction_id, frozenset(agents), frozenset(queues))


async def checked(ctx: ApiContext, p: Principal, interaction_id: str, what: str) -> None:
    ctx.policy().check_call(p, await parties(ctx, interaction_id), what)


async def control(ctx: ApiContext, p: Principal, name: str,
                  args: Mapping[str, Any]) -> dict[str, Any]:
    port = ctx.service.control
    if port is None:
        raise ServiceUnavailable(f"{name}: call control is not part of this build of the "
                                 "service yet")
    return await port.execute(name, p.agent_id or p.id, {**args, "actor_agent": p.agent_id})


def _simple(name: str, summary: str, *, roles: frozenset[Role] = PEOPLE_AND_DIAL) -> None:
    async def run(ctx: ApiContext, p: Principal, args: CallArgs) -> dict[str, Any]:
        await checked(ctx, p, args.interaction_id, name)
        return await control(ctx, p, name.removeprefix("call."), args.model_dump())

    command(name, CallArgs, summary=summary, roles=roles)(run)


_simple("call.hangup", "Hang up the call")
_simple("call.hold", "Put the caller on hold")
_simple("call.resume", "Take the caller off hold")
_simple("call.consult_complete", "Attended transfer: join the caller and the consulted party")
_simple("call.consult_cancel", "Attended transfer: drop the consulted party, back to the caller")
_simple("call.recording_pause", "Pause the recording (card numbers, ...)")
_simple("call.recording_resume", "Resume the recording")
_simple("call.listen", "Supervisor: listen to the call on one's own phone", roles=STAFF)
_simple("call.whisper", "Supervisor: speak to the agent only", roles=STAFF)
_simple("call.barge", "Supervisor: join the call", roles=STAFF)
_simple("call.take_over", "Supervisor: take the agent's place on an escalated call",
        roles=STAFF)


@command("call.transfer", TransferArgs, summary="Blind transfer to an agent, a queue or a number")
async def transfer(ctx: ApiContext, p: Principal, args: TransferArgs) -> dict[str, Any]:
    await checked(ctx, p, args.interaction_id, "transfer")
    return await control(ctx, p, "transfer", args.model_dump())


@command("call.consult", TransferArgs,
         summary="Attended transfer: call an agent, a queue or a number, the caller on hold")
async def consult(ctx: ApiContext, p: Principal, args: TransferArgs) -> dict[str, Any]:
    await checked(ctx, p, args.interaction_id, "consult about")
    return await control(ctx, p, "consult", args.model_dump())


@command("call.escalate", EscalateArgs, summary="Send the call to a supervisor")
async def escalate(ctx: ApiContext, p: Principal, args: EscalateArgs) -> dict[str, Any]:
    await checked(ctx, p, args.interaction_id, "escalate")
    return await control(ctx, p, "escalate", args.model_dump())


@command("call.dial", DialArgs, roles=PEOPLE_AND_DIAL, scope="calls:dial",
         summary="Click to dial: the agent's phone rings, then the number")
async def dial(ctx: ApiContext, p: Principal, args: DialArgs) -> dict[str, Any]:
    agent_id = args.agent_id or p.agent_id
    if agent_id is None:
        raise BadRequest(f"{p.describe()} has no agent (phone) to dial from: name agent_id")
    if p.role is not Role.SYSTEM:
        ctx.policy().check_agent(p, agent_id, "dial from the phone of")
    elif agent_id not in ctx.config.agents:
        raise NoSuchAgent(agent_id)
    return await control(ctx, p, "dial", {**args.model_dump(), "agent_id": agent_id})


@command("call.wrap_up", WrapUpArgs,
         summary="End after-call work with a disposition, classification and notes")
async def wrap_up(ctx: ApiContext, p: Principal, args: WrapUpArgs) -> dict[str, Any]:
    await checked(ctx, p, args.interaction_id, "wrap up")
    return await control(ctx, p, "wrap_up", args.model_dump(mode="json"))


@command("call.schedule_callback", CallbackArgs, summary="Call a customer back at a time")
async def schedule_callback(ctx: ApiContext, p: Principal,
                            args: CallbackArgs) -> dict[str, Any]:
    if args.at.tzinfo is None:
        raise BadRequest("'at' needs a time zone, e.g. 2026-12-01T09:00:00+01:00")
    if args.interaction_id is not None:
        await checked(ctx, p, args.interaction_id, "schedule a callback for")
    if args.queue is not None and p.role is Role.SUPERVISOR:
        ctx.policy().check_queue(p, args.queue, "schedule a callback in")
    return await control(ctx, p, "schedule_callback", args.model_dump(mode="json"))


@command("call.review", ReviewArgs, roles=STAFF,
         summary="Quality review of a recorded call: a form of cti.yaml, scored")
async def review(ctx: ApiContext, p: Principal, args: ReviewArgs) -> dict[str, Any]:
    form = ctx.config.service.quality.form(args.form)
    if form is None:
        known = ", ".join(f.id for f in ctx.config.service.quality.forms)
        raise BadRequest(f"no review form {args.form!r}; forms: {known}")
    items = {i.id: i for i in form.items}
    problems = [f"{k}: not an item of form {form.id}" for k in args.scores if k not in items]
    problems += [f"{i}: missing" for i in items if i not in args.scores]
    problems += [f"{k}: {v} is above the item's maximum {items[k].max}"
                 for k, v in args.scores.items() if k in items and v > items[k].max]
    if problems:
        raise BadRequest("scores: " + "; ".join(problems))
    call = await parties(ctx, args.interaction_id)
    ctx.policy().check_call(p, call, "review")
    store = ctx.store
    agent_id = await store.reviews.agent_of(args.interaction_id)
    stored = await store.reviews.add(
        uuid.uuid4(), args.interaction_id, agent_id=agent_id, reviewer=p.id, form=form.id,
        scores=dict(args.scores), max_score=sum(i.max for i in form.items),
        comment=args.comment)
    return {"review_id": str(stored.id), "interaction_id": args.interaction_id,
            "agent_id": agent_id, "score": stored.score, "max_score": stored.max_score}
