"""Recordings: a call's recording played by those who may see the call (each play is
audited), and the erasure of a customer's recordings and personal data on request."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from cti.api.commands.call import checked
from cti.api.policy import STAFF, Role
from cti.api.routes import Call, Routes, audited
from cti.recordings import NoSuchRecording

ROUTES = Routes("recordings")


@ROUTES.get("/calls/{call_id}/recording",
            "A call's recording (WAV) for its supervisors and admins; every play is audited",
            raw=True)
async def play(call: Call) -> web.StreamResponse:
    ctx, iid = call.ctx, call.path("call_id")
    async with audited(call, "recording.play", iid, {}):
        policy = ctx.policy()
        policy.check_role(call.principal, "play recordings", STAFF)
        await checked(ctx, call.principal, iid, "play the recording of")
        file = await ctx.store.pool.fetchval(
            "SELECT file FROM recordings WHERE interaction_id = $1 AND deleted_at IS NULL "
            "ORDER BY started_at DESC LIMIT 1", uuid.UUID(iid))
        if file is None:
            raise NoSuchRecording(f"of call {iid}")
        path = ctx.service.recording(file)
    return web.FileResponse(path, headers={
        "Content-Type": "audio/wav", "Content-Disposition": f'inline; filename="{path.name}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@ROUTES.post("/customers/{customer_id}/forget",
             "Erase a customer's recordings and personal data (admins; audited)")
async def forget(call: Call) -> dict[str, Any]:
    customer_id = call.path("customer_id")
    async with audited(call, "customer.forget", customer_id, {}):
        call.ctx.policy().check_role(call.principal, "erase customers", (Role.ADMIN,),
                                     "admin")
        return await call.ctx.service.forget_customer(customer_id, by=call.principal.id)
