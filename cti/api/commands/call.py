"""Call commands: they check the call against the policy, then hand it to call
control (cti/control.py, through ``ServicePort.control``)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import structlog

from cti.api.commands import command
from cti.api.policy import STAFF, CallParties, Forbidden, Principal, Role
from cti.api.schemas import (
    CallArgs,
    CallbackArgs,
    CallbackIdArgs,
    DialArgs,
    EscalateArgs,
    NoArgs,
    ReviewArgs,
    TransferArgs,
    WrapUpArgs,
)
from cti.errors import BadRequest, CtiError, NoSuchAgent, NoSuchCall, ServiceUnavailable

if TYPE_CHECKING:
    from cti.api.context import ApiContext
    from cti.control import CallControl

log = structlog.get_logger(__name__)

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


def control_of(ctx: ApiContext) -> CallControl:
    control = ctx.service.control
    if control is None:
        raise ServiceUnavailable("call control is not running yet; try again in a moment")
    return control


def actor(p: Principal) -> str:
    """Who the facts name: the agent, else the user or key."""
    return p.agent_id or p.id


def own_phone(p: Principal, what: str) -> str:
    if p.agent_id is None:
        raise BadRequest(f"{p.describe()} has no agent (phone) to {what} with; link the user "
                         "to an agent of agents.yaml (cti user set USER --agent ID)")
    return p.agent_id


def _on_call(name: str, summary: str, method: str, *,
             roles: frozenset[Role] = PEOPLE_AND_DIAL) -> None:
    """A command that takes only the call: check it, then ``CallControl.<method>``."""

    async def run(ctx: ApiContext, p: Principal, args: CallArgs) -> dict[str, Any]:
        await checked(ctx, p, args.interaction_id, name.removeprefix("call."))
        return await getattr(control_of(ctx), method)(args.interaction_id, by=actor(p))

    command(name, CallArgs, summary=summary, roles=roles)(run)


_on_call("call.hangup", "Hang up the call", "hangup")
_on_call("call.hold", "Put the caller on hold", "hold")
_on_call("call.resume", "Take the caller off hold", "resume")
_on_call("call.consult_complete",
         "Attended transfer: join the caller and the consulted party", "complete_transfer")
_on_call("call.consult_cancel",
         "Attended transfer: drop the consulted party, back to the caller", "cancel_consult")
_on_call("call.recording_pause", "Pause the recording (card numbers, ...)", "pause_recording")
_on_call("call.recording_resume", "Resume the recording", "resume_recording")


def _spy(name: str, mode: str) -> None:
    async def run(ctx: ApiContext, p: Principal, args: CallArgs) -> dict[str, Any]:
        await checked(ctx, p, args.interaction_id, name.removeprefix("call."))
        return await control_of(ctx).spy(args.interaction_id, own_phone(p, mode), mode,
                                         by=actor(p))

    command(name, CallArgs, roles=STAFF, summary=f"Supervisor: {mode} on the call from "
            "one's own phone (a new mode replaces the running one)")(run)


_spy("call.listen", "listen")
_spy("call.whisper", "whisper")
_spy("call.barge", "barge")


@command("call.stop_spying", NoArgs, roles=STAFF,
         summary="Supervisor: stop listening, whispering or barging")
async def stop_spying(ctx: ApiContext, p: Principal, args: NoArgs) -> dict[str, Any]:
    return await control_of(ctx).stop_spying(own_phone(p, "stop spying"), by=actor(p))


@command("call.take_over", CallArgs, roles=STAFF,
         summary="Supervisor: take the agent's place on a (escalated) call")
async def take_over(ctx: ApiContext, p: Principal, args: CallArgs) -> dict[str, Any]:
    await checked(ctx, p, args.interaction_id, "take over")
    return await control_of(ctx).take_over(args.interaction_id, own_phone(p, "take over"),
                                           by=actor(p))


@command("call.transfer", TransferArgs, summary="Blind transfer to an agent, a queue or a number")
async def transfer(ctx: ApiContext, p: Principal, args: TransferArgs) -> dict[str, Any]:
    await checked(ctx, p, args.interaction_id, "transfer")
    control, to, iid = control_of(ctx), args.to, args.interaction_id
    if to.agent is not None:
        return await control.transfer_to_agent(iid, to.agent, by=actor(p))
    if to.queue is not None:
        return await control.transfer_to_queue(iid, to.queue, by=actor(p))
    assert to.number is not None
    return await control.transfer_to_number(iid, to.number, by=actor(p))


@command("call.consult", TransferArgs,
         summary="Attended transfer: call an agent or a number, the caller on hold")
async def consult(ctx: ApiContext, p: Principal, args: TransferArgs) -> dict[str, Any]:
    await checked(ctx, p, args.interaction_id, "consult about")
    if args.to.queue is not None:
        raise BadRequest("consult an agent or a number; to send the call to a queue use "
                         "call.transfer")
    return await control_of(ctx).consult(args.interaction_id, agent_id=args.to.agent,
                                         number=args.to.number, by=actor(p))


@command("call.escalate", EscalateArgs,
         summary="Flag the call for a supervisor, optionally moving it to their queue")
async def escalate(ctx: ApiContext, p: Principal, args: EscalateArgs) -> dict[str, Any]:
    await checked(ctx, p, args.interaction_id, "escalate")
    result = await control_of(ctx).escalate(args.interaction_id, args.reason,
                                            queue=args.queue, by=actor(p))
    call = ctx.service.calls.get(args.interaction_id)
    if call is not None and call.case_id is not None:
        # a call for a supervisor is the extraordinary call type of docs/cases.md
        try:
            receipt = await ctx.cases.classify(call.case_id, by=actor(p), classification=None,
                                               call_type="extraordinary")
            result["case"] = {"case_id": call.case_id, "call_type": "extraordinary",
                              "stored": receipt.stored}
        except CtiError as exc:
            log.warning("escalated call's case not marked extraordinary",
                        case_id=call.case_id, error=str(exc))
    return result


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
    return await control_of(ctx).dial(agent_id, args.number, queue=args.queue, by=actor(p))


@command("call.wrap_up", WrapUpArgs,
         summary="End after-call work with a disposition; classify the call's case, notes")
async def wrap_up(ctx: ApiContext, p: Principal, args: WrapUpArgs) -> dict[str, Any]:
    await checked(ctx, p, args.interaction_id, "wrap up")
    agent_id = args.agent_id or p.agent_id
    if agent_id is None:
        raise BadRequest(f"{p.describe()} has no agent of its own: name agent_id")
    ctx.policy().check_agent(p, agent_id, "wrap up for")
    result = await control_of(ctx).wrap_up(agent_id, disposition=args.disposition,
                                           notes=args.notes,
                                           interaction_id=args.interaction_id, by=actor(p))
    if args.classification is not None or args.call_type is not None \
            or args.follow_up is not None:
        result["case"] = await _classify_case(ctx, p, args)
    return result


async def _classify_case(ctx: ApiContext, p: Principal, args: WrapUpArgs) -> dict[str, Any]:
    """The wrap-up's classification, call type and follow-up, on the call's case."""
    found = await ctx.store.cases.interaction_case(uuid.UUID(args.interaction_id))
    if found is None or found[0] is None:
        raise BadRequest(f"call {args.interaction_id} has no case to classify")
    case_id, cases = str(found[0]), ctx.cases
    receipt = None
    if args.classification is not None or args.call_type is not None:
        receipt = await cases.classify(
            case_id, by=actor(p), call_type=args.call_type,
            classification=None if args.classification is None
            else args.classification.model_dump())
    if args.follow_up is not None:
        receipt = await cases.set_follow_up(case_id, args.follow_up, by=actor(p))
    return {"case_id": case_id, "stored": receipt is None or receipt.stored}


@command("call.schedule_callback", CallbackArgs, summary="Call a customer back at a time")
async def schedule_callback(ctx: ApiContext, p: Principal,
                            args: CallbackArgs) -> dict[str, Any]:
    if args.at.tzinfo is None:
        raise BadRequest("'at' needs a time zone, e.g. 2026-12-01T09:00:00+01:00")
    queue = args.queue
    if args.interaction_id is not None:
        call = await parties(ctx, args.interaction_id)
        ctx.policy().check_call(p, call, "schedule a callback for")
        queue = queue or next(iter(sorted(call.queues)), None)
    if queue is None:
        raise BadRequest("name the queue the callback goes through (or the interaction_id "
                         "of a call that was in one)")
    if p.role is Role.SUPERVISOR:
        ctx.policy().check_queue(p, queue, "schedule a callback in")
    if args.agent_id is not None:
        ctx.policy().check_agent(p, args.agent_id, "schedule a callback for")
    return await control_of(ctx).schedule_callback(
        args.number, args.at, queue, agent_id=args.agent_id, note=args.note,
        interaction_id=args.interaction_id, by=actor(p))


@command("call.cancel_callback", CallbackIdArgs, summary="Cancel a scheduled callback")
async def cancel_callback(ctx: ApiContext, p: Principal,
                          args: CallbackIdArgs) -> dict[str, Any]:
    control = control_of(ctx)
    pending = next((c for c in control.callbacks() if c.get("callback_id") == args.callback_id),
                   None)
    if pending is not None and p.role is Role.AGENT and pending.get("created_by") not in (
            p.agent_id, p.id) and pending.get("agent_id") != p.agent_id:
        raise Forbidden(f"{p.describe()} may not cancel callback {args.callback_id}: "
                        "not one it scheduled or will make")
    return await control.cancel_callback(args.callback_id, by=actor(p))


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
