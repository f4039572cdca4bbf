"""Case commands from the desktop: note, attach an upload, derive to a unit, status."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from cti.api.commands import command
from cti.api.policy import CaseParties, Principal, Role
from cti.api.schemas import CaseAttachArgs, CaseDeriveArgs, CaseNoteArgs, CaseStatusArgs
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


def by(p: Principal) -> str:
    """Who the records name as acting: the agent, else the user or key."""
    return p.agent_id or p.id


def receipt(r: Receipt, **extra: Any) -> dict[str, Any]:
    return {"id": r.id, "seq": r.seq, "stored": r.stored, **extra}


@command("case.note", CaseNoteArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="Add a note to a case")
async def note(ctx: ApiContext, p: Principal, args: CaseNoteArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "add a note to")
    return receipt(await ctx.cases.add_note(args.case_id, args.text, author=by(p),
                                            interaction_id=args.interaction_id),
                   case_id=args.case_id)


@command("case.attach", CaseAttachArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="Attach a file sent before with POST /api/v1/uploads")
async def attach(ctx: ApiContext, p: Principal, args: CaseAttachArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "attach a file to")
    upload = ctx.uploads.take(p.id, args.upload_id)
    return receipt(await ctx.cases.add_attachment(
        args.case_id, name=upload.name, content_type=upload.content_type,
        content=upload.content, by=by(p)), case_id=args.case_id)


@command("case.derive", CaseDeriveArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="Send the case to a unit for it to act (the case is pending meanwhile)")
async def derive(ctx: ApiContext, p: Principal, args: CaseDeriveArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "derive")
    return receipt(await ctx.cases.derive(args.case_id, unit=args.unit, reason=args.reason,
                                          by=by(p)), case_id=args.case_id)


@command("case.set_status", CaseStatusArgs, roles=CASE_WRITERS, scope="cases:write",
         summary="Open, pend or close the case")
async def set_status(ctx: ApiContext, p: Principal, args: CaseStatusArgs) -> dict[str, Any]:
    await check_case(ctx, p, args.case_id, "change the status of")
    return receipt(await ctx.cases.set_status(args.case_id, args.status, by=by(p),
                                              resolution=args.resolution),
                   case_id=args.case_id)
