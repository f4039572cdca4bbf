"""Live calls, their commands and quality reviews."""

from __future__ import annotations

import time
from typing import Any

from cti.api.commands.call import parties
from cti.api.policy import STAFF, Forbidden, Role
from cti.api.routes import Call, Routes, read_json, run_command
from cti.api.schemas import DialArgs, ReviewIn
from cti.cases.views import plain
from cti.errors import BadRequest

ROUTES = Routes("calls")

#: POST /calls/{id}/{action} -> the command it runs.
CALL_ACTIONS = ("hangup", "hold", "resume", "transfer", "consult", "consult_complete",
                "consult_cancel", "escalate", "wrap_up", "recording_pause", "recording_resume",
                "listen", "whisper", "barge", "take_over")


@ROUTES.get("/calls", "Live calls the caller may see, oldest first")
async def list_calls(call: Call) -> list[dict[str, Any]]:
    p, policy = call.principal, call.ctx.policy()
    policy.check_role(p, "list calls", (Role.AGENT, Role.SUPERVISOR, Role.ADMIN), "calls:read")
    return call.ctx.hub.board.calls(p, policy)


@ROUTES.get("/calls/{call_id}", "One live call (with the screen-pop while it rings or talks)")
async def get_call(call: Call) -> dict[str, Any]:
    p, iid = call.principal, call.path("call_id")
    policy = call.ctx.policy()
    policy.check_role(p, "see calls", (Role.AGENT, Role.SUPERVISOR, Role.ADMIN), "calls:read")
    if not policy.sees_call(p, await parties(call.ctx, iid)):
        raise Forbidden(f"{p.describe()} may not see call {iid}")
    live = call.ctx.service.calls.get(iid)
    if live is None:
        return {"interaction_id": iid, "phase": "ended"}
    return call.ctx.hub.board.call_view(live, time.time())


@ROUTES.get("/calls/{call_id}/explain",
            "Why each agent is or is not offered a waiting call")
async def explain(call: Call) -> dict[str, Any]:
    call.ctx.policy().check_role(call.principal, "explain calls", STAFF)
    return call.ctx.service.explain(call.path("call_id"))


@ROUTES.post("/calls", "Click to dial: the agent's phone rings, then the number", body=DialArgs,
             status=201)
async def dial(call: Call) -> Any:
    return await run_command(call, "call.dial", call.body.model_dump(exclude_none=True))


@ROUTES.post("/calls/{call_id}/reviews", "A quality review of a recorded call",
             body=ReviewIn, status=201)
async def add_review(call: Call) -> Any:
    return await run_command(call, "call.review", {**call.body.model_dump(exclude_none=True),
                                                   "interaction_id": call.path("call_id")})


@ROUTES.get("/calls/{call_id}/reviews", "The quality reviews of a call")
async def list_reviews(call: Call) -> list[dict[str, Any]]:
    p, iid = call.principal, call.path("call_id")
    policy = call.ctx.policy()
    policy.check_role(p, "read reviews", STAFF)
    policy.check_call(p, await parties(call.ctx, iid), "read the reviews of")
    return [plain(r) for r in await call.ctx.store.reviews.for_interaction(iid)]


@ROUTES.post("/calls/{call_id}/{action}",
             "A call command: " + ", ".join(CALL_ACTIONS) + " (body: the command's args "
             "without interaction_id; see the commands in docs/api.md)")
async def call_action(call: Call) -> Any:
    action = call.path("action")
    if action not in CALL_ACTIONS:
        raise BadRequest(f"unknown call action {action!r}; use one of {', '.join(CALL_ACTIONS)}")
    body = await read_json(call.request, call.ctx.config.service.http.body_timeout)
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return await run_command(call, f"call.{action}",
                             {**body, "interaction_id": call.path("call_id")})
