"""Case commands from the desktop: note, attach an upload, derive to a unit, status."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from cti.api.commands import command
from cti.api.commands.call import checked as check_call
from cti.api.policy import CaseParties, Forbidden, Principal, Role
from cti.api.schemas import (
    CaseAnswerArgs,
    CaseAssignArgs,
    CaseAttachArgs,
    CaseClassifyArgs,
    CaseCustomerArgs,
    CaseDeriveArgs,
    CaseFollowUpArgs,
    CaseLinkArgs,
    CaseNoteArgs,
    CaseOpenArgs,
    CaseStatusArgs,
    Classification,
)
from cti.cases.errors import NoSuchCase
from cti.cases.publish import Receipt
from cti.errors import BadRequest

if TYPE_CHECKING:
    from cti.api.context import ApiContext

CASE_WRITERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


async def case_parties(ctx: ApiContext, case_id: str) -> CaseParties:
    """Who the case concerns, from the records and what the hub saw since."""
    try:
        key = uuid.UUID(case_id)
    except ValueError:
        raise BadRequest(f"case id must be a UUID, got {case_id!r}") from None
    stored = await ctx.store.parties.case(key)
    if not stored.found:
        raise NoSuchCase(case_id)
    seen = ctx.hub.index.case(str(key))
    return CaseParties(str(key), stored.unit, stored.owner, stored.units | seen.units,
                       stored.agents | seen.agents, stored.queues | seen.queues)


async def check_case(ctx: ApiContext, p: Principal, case_id: str, what: str, *,
                     write: bool = True) -> None:
    ctx.policy().check_case(p, await case_parties(ctx, case_id), what, write=write)


def by(p: Principal, given: str | None = None) -> str:
    """Who the records name as acting: the agent, else the user or key; an admin (the
    local ``cti`` command among them) may name whom it acts for."""
    own = p.agent_id or p.id
    if given is None or given == own:
        return own
    if p.role is not Role.ADMIN:
        raise Forbidden(f"{p.describe()} may not act on behalf of {given!r}: only admins may "
                        "(leave 'by' out)")
    return given


def receipt(r: Receipt, **extra: Any) -> dict[str, Any]:
    return {"id": r.id, "seq": r.seq, "stored": r.stored, **extra}


@command("case.note", CaseNoteArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="Add a note to a case")
async def note(ctx: ApiContext, p: Principal, args: CaseNoteArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "add a note to")
    return receipt(await ctx.cases.add_note(args.case_id, args.text, author=by(p, args.by),
                                            interaction_id=args.interaction_id),
                   case_id=args.case_id)


@command("case.attach", CaseAttachArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="Attach a file sent before with POST /api/v1/uploads")
async def attach(ctx: ApiContext, p: Principal, args: CaseAttachArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "attach a file to")
    upload = ctx.uploads.take(p.id, args.upload_id)
    return receipt(await ctx.cases.add_attachment(
        args.case_id, name=upload.name, content_type=upload.content_type,
        content=upload.content, by=by(p, args.by)), case_id=args.case_id)


@command("case.derive", CaseDeriveArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="Send the case to a unit for it to act (the case is pending meanwhile)")
async def derive(ctx: ApiContext, p: Principal, args: CaseDeriveArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "derive")
    return receipt(await ctx.cases.derive(args.case_id, unit=args.unit, reason=args.reason,
                                          by=by(p, args.by)), case_id=args.case_id)


@command("case.set_status", CaseStatusArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="Open, pend or close the case")
async def set_status(ctx: ApiContext, p: Principal, args: CaseStatusArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "change the status of")
    return receipt(await ctx.cases.set_status(args.case_id, args.status, by=by(p, args.by),
                                              resolution=args.resolution),
                   case_id=args.case_id)


def _levels(c: Classification | None) -> dict[str, Any] | None:
    return None if c is None else c.model_dump()


@command("case.open", CaseOpenArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="Open a case for a customer (None: the unidentified customer)")
async def open_case(ctx: ApiContext, p: Principal, args: CaseOpenArgs) -> dict[str, Any]:
    if args.interaction_id is not None and p.role is not Role.SYSTEM:
        await check_call(ctx, p, args.interaction_id, "open a case for")
    if args.unit is not None and p.role is Role.SUPERVISOR:
        ctx.policy().check_unit(p, args.unit, "open a case in")
    owner = args.owner
    if owner is None and args.interaction_id is None and p.role is Role.AGENT:
        owner = p.agent_id   # else the agent could not touch the case it just opened
    return receipt(await ctx.cases.open_case(
        customer_id=args.customer_id, by=by(p, args.by),
        classification=_levels(args.classification),
        call_type=args.call_type, unit=args.unit, owner=owner, subject=args.subject,
        interaction_id=args.interaction_id))


@command("case.answer", CaseAnswerArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="A unit's answer to a derivation")
async def answer(ctx: ApiContext, p: Principal, args: CaseAnswerArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "answer a derivation of")
    return receipt(await ctx.cases.answer_derivation(
        args.case_id, args.derivation_id, answer=args.answer, by=by(p, args.by)),
        case_id=args.case_id)


@command("case.classify", CaseClassifyArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="Classify the case on the script catalogue; its call type")
async def classify(ctx: ApiContext, p: Principal, args: CaseClassifyArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "classify")
    return receipt(await ctx.cases.classify(
        args.case_id, by=by(p, args.by), classification=_levels(args.classification),
        call_type=args.call_type), case_id=args.case_id)


@command("case.link", CaseLinkArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="Link a contact (interaction) to the case")
async def link(ctx: ApiContext, p: Principal, args: CaseLinkArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "link a contact to")
    return receipt(await ctx.cases.link_interaction(args.case_id, args.interaction_id,
                                                    by=by(p, args.by)), case_id=args.case_id)


@command("case.assign", CaseAssignArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="The unit and the person that own the case")
async def assign(ctx: ApiContext, p: Principal, args: CaseAssignArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "assign")
    return receipt(await ctx.cases.assign(args.case_id, unit=args.unit, owner=args.owner,
                                          by=by(p, args.by)), case_id=args.case_id)


@command("case.follow_up", CaseFollowUpArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="When to look at the case again (None clears it)")
async def follow_up(ctx: ApiContext, p: Principal, args: CaseFollowUpArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "set the follow-up of")
    return receipt(await ctx.cases.set_follow_up(args.case_id, args.at, by=by(p, args.by)),
                   case_id=args.case_id)


@command("case.change_customer", CaseCustomerArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="The case and its contacts belong to another customer")
async def change_customer(ctx: ApiContext, p: Principal,
                          args: CaseCustomerArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "change the customer of")
    return receipt(await ctx.cases.change_customer(args.case_id, args.customer_id,
                                                   by=by(p, args.by)), case_id=args.case_id)
