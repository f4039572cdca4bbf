"""Cases (trámites): thin routes over the case commands and the CaseService's reads.

A change answers 201/200 with the case as stored, or 202 ``{"stored": false}``
when the database has not stored it yet (it will: the event is kept).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from aiohttp import web

from cti.api.commands.case import case_parties, check_case
from cti.api.policy import Role
from cti.api.routes import Call, RequestTimeout, Routes, run_command
from cti.api.schemas import (
    AnswerIn,
    AssignIn,
    CaseOpenIn,
    ClassifyIn,
    CustomerRefIn,
    DeriveIn,
    FollowUpIn,
    LinkIn,
    NoteIn,
    StatusIn,
)
from cti.cases import views
from cti.cases.catalogue import tree
from cti.errors import BadRequest, CtiError

ROUTES = Routes("cases")
READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@ROUTES.get("/cases", "Cases the caller may see (filters: customer, status, unit, owner)",
            query=(("customer", "a customer id"), ("status", "open, pending, closed, active"),
                   ("unit", "a unit id"), ("owner", "an agent or user id"),
                   ("limit", "at most this many, 1-500 (50)")))
async def list_cases(call: Call) -> list[dict[str, Any]]:
    p, ctx = call.principal, call.ctx
    ctx.policy().check_role(p, "list cases", READERS, "cases:read")
    q = call.query
    status = q.get("status")
    if status not in (None, "open", "pending", "closed", "active"):
        raise BadRequest(f"status {status!r}: use open, pending, closed or active")
    found = await ctx.cases.list(customer_id=q.get("customer"), status=status,
                                 unit=q.get("unit"), owner=q.get("owner"),
                                 limit=call.int_query("limit", 50, 1, 500))
    if p.role is not Role.ADMIN and p.role is not Role.SYSTEM:
        policy = ctx.policy()
        seen = await asyncio.gather(*(case_parties(ctx, str(c.id)) for c in found))
        found = [c for c, parties in zip(found, seen, strict=True)
                 if policy.sees_case(p, parties)]
    return [views.case_json(c, ctx.config.catalogue) for c in found]


@ROUTES.post("/cases", "Open a case", body=CaseOpenIn, status=201)
async def open_case(call: Call) -> web.Response:
    made = await run_command(call, "case.open", call.body.model_dump(exclude_none=True))
    return await case_reply(call, made, made.get("id"), status=201)


@ROUTES.get("/cases/{case_id}", "A case with its customer, notes, attachments, derivations, "
            "contacts and events")
async def get_case(call: Call) -> dict[str, Any]:
    case_id = call.path("case_id")
    await check_case(call.ctx, call.principal, case_id, "read", write=False)
    details = await call.ctx.cases.details(case_id)
    return views.details_json(details, call.ctx.config.catalogue)


@ROUTES.post("/cases/{case_id}/notes", "Add a note", body=NoteIn, status=201)
async def add_note(call: Call) -> web.Response:
    case_id = call.path("case_id")
    made = await run_command(call, "case.note", {"case_id": case_id,
                                                 **call.body.model_dump(exclude_none=True)})
    if not made["stored"]:
        return accepted(made)
    note = next(n for n in await call.ctx.cases.notes(case_id) if str(n.id) == made["id"])
    return web.json_response(views.plain(note), status=201)


@ROUTES.post("/cases/{case_id}/attachments", "Attach a file (multipart/form-data, a 'file' "
             "part)", upload=True, status=201)
async def add_attachment(call: Call) -> web.Response:
    case_id = call.path("case_id")
    upload, by = await read_upload(call)
    args = {"case_id": case_id, "upload_id": upload, **({"by": by} if by else {})}
    made = await run_command(call, "case.attach", args)
    if not made["stored"]:
        return accepted(made)
    found = await call.ctx.cases.attachment(case_id, made["id"] or "")
    return web.json_response(views.plain(found[0]) if found else {"id": made["id"]},
                             status=201)


@ROUTES.get("/cases/{case_id}/attachments/{attachment_id}", "An attachment's content",
            raw=True)
async def get_attachment(call: Call) -> web.Response:
    case_id = call.path("case_id")
    await check_case(call.ctx, call.principal, case_id, "read", write=False)
    found = await call.ctx.cases.attachment(case_id, call.path("attachment_id"))
    if found is None:
        raise NotFound("no such attachment on this case")
    meta, content = found
    return web.Response(body=content, content_type=meta.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(meta.name, safe='')}",
        "X-Content-SHA256": meta.sha256, "X-Content-Type-Options": "nosniff"})


@ROUTES.post("/cases/{case_id}/derivations", "Derive the case to a unit", body=DeriveIn,
             status=201)
async def derive(call: Call) -> web.Response:
    return await _change(call, "case.derive", status=201)


@ROUTES.post("/cases/{case_id}/derivations/{derivation_id}/answer",
             "A unit's answer to a derivation", body=AnswerIn)
async def answer(call: Call) -> web.Response:
    return await _change(call, "case.answer", derivation_id=call.path("derivation_id"))


@ROUTES.post("/cases/{case_id}/status", "Open, pend or close the case", body=StatusIn)
async def set_status(call: Call) -> web.Response:
    return await _change(call, "case.set_status")


@ROUTES.post("/cases/{case_id}/classification", "Classify on the script catalogue",
             body=ClassifyIn)
async def classify(call: Call) -> web.Response:
    return await _change(call, "case.classify")


@ROUTES.post("/cases/{case_id}/interactions", "Link a contact to the case", body=LinkIn)
async def link(call: Call) -> web.Response:
    return await _change(call, "case.link")


@ROUTES.post("/cases/{case_id}/assignment", "The unit and person owning the case",
             body=AssignIn)
async def assign(call: Call) -> web.Response:
    return await _change(call, "case.assign")


@ROUTES.post("/cases/{case_id}/follow-up", "When to look at the case again", body=FollowUpIn)
async def follow_up(call: Call) -> web.Response:
    return await _change(call, "case.follow_up")


@ROUTES.post("/cases/{case_id}/customer", "The case belongs to another customer",
             body=CustomerRefIn)
async def change_customer(call: Call) -> web.Response:
    return await _change(call, "case.change_customer")


@ROUTES.get("/catalogue", "The script catalogue: topics, reasons, sub-reasons, questions")
async def get_catalogue(call: Call) -> dict[str, Any]:
    return tree(call.ctx.config.catalogue)


@ROUTES.get("/units", "Units that own cases and answer derivations")
async def get_units(call: Call) -> dict[str, Any]:
    config = call.ctx.config
    return {"default_unit": config.default_unit,
            "units": [views.plain(u.model_dump()) for u in config.units.values()]}


# --- helpers -------------------------------------------------------------------------


class NotFound(CtiError):
    status, code = 404, "not-found"


async def _change(call: Call, name: str, *, status: int = 200, **extra: Any) -> web.Response:
    case_id = call.path("case_id")
    args = {"case_id": case_id, **call.body.model_dump(exclude_unset=True), **extra}
    made = await run_command(call, name, args)
    return await case_reply(call, made, case_id, status=status)


async def case_reply(call: Call, made: dict[str, Any], case_id: str | None, *,
                     status: int = 200) -> web.Response:
    if not made["stored"]:
        return accepted(made)
    case = await call.ctx.cases.get(case_id or made["id"] or "")
    out = views.case_json(case, call.ctx.config.catalogue)
    if made.get("id") and made["id"] != str(case.id):
        out["made"] = made["id"]  # a derivation's id
    return web.json_response(out, status=status)


def accepted(made: dict[str, Any]) -> web.Response:
    return web.json_response({"id": made.get("id"), "seq": made.get("seq"), "stored": False,
                              "message": "accepted; the database has not stored it yet "
                                         "(it will when it is back)"}, status=202)


async def read_upload(call: Call) -> tuple[str, str | None]:
    """Read a multipart ``file`` part into the uploads: its upload id, and the ``by``
    part if there was one (whom an admin acts for)."""
    request, ctx = call.request, call.ctx
    store = ctx.cases.attachments
    limit = store.settings.max_bytes
    if request.content_length is not None and request.content_length > limit + 65536:
        store.check_size("upload", request.content_length)
    if not request.content_type.startswith("multipart/"):
        raise BadRequest("send the file as multipart/form-data with a 'file' part")
    timeout = ctx.config.service.http.body_timeout
    try:
        async with asyncio.timeout(timeout):
            reader = await request.multipart()
            upload, by = None, None
            while (part := await reader.next()) is not None:
                if part.name == "by":
                    by = (await part.text()).strip()[:64] or None  # type: ignore[union-attr]
                    continue
                if part.name != "file":
                    continue
                name = part.filename or "file"  # type: ignore[union-attr]
                content = bytearray()
                while chunk := await part.read_chunk(65536):  # type: ignore[union-attr]
                    content += chunk
                    store.check_size(name, len(content))
                kind = part.headers.get("Content-Type", "application/octet-stream")
                upload = (name, kind, bytes(content))
    except TimeoutError:
        raise RequestTimeout(f"the upload did not arrive within {timeout:g} s") from None
    if upload is None:
        raise BadRequest("no 'file' part in the upload")
    return ctx.uploads.add(call.principal.id, *upload).id, by
