"""aiohttp application: status, agent commands, reload.

Handlers validate, call the service, serialise. One middleware turns the
service's errors into JSON ``{"error": code, "message": ...}`` with the status
the error carries; ``code`` strings are API.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import structlog
from aiohttp import web

from cti.api import campaigns as campaign_routes
from cti.api import cases as case_routes
from cti.api import reports as report_routes
from cti.errors import BadRequest, CtiError

log = structlog.get_logger(__name__)

AGENT_ACTIONS = ("login", "logout", "ready", "pause")


class Control(Protocol):
    """What the HTTP API needs from the running service."""

    def status(self) -> dict[str, Any]: ...

    async def agent_command(self, agent_id: str, action: str, reason: str | None) -> dict: ...

    async def reload(self) -> dict[str, Any]: ...

    def live_calls(self) -> list[dict[str, Any]]: ...

    def explain(self, interaction_id: str) -> dict[str, Any]: ...


CONTROL = web.AppKey("control", Control)


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except CtiError as exc:
        return web.json_response({"error": exc.code, "message": str(exc)}, status=exc.status)
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            return web.json_response(
                {"error": "http-error", "message": exc.reason}, status=exc.status
            )
        raise
    except Exception:
        log.exception("request failed", path=request.path)
        return web.json_response(
            {"error": "internal-error", "message": "the service failed; see its log"}, status=500
        )


async def get_status(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTROL].status())


async def post_agent_action(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    if action not in AGENT_ACTIONS:
        raise BadRequest(f"unknown agent action {action!r}; use one of {', '.join(AGENT_ACTIONS)}")
    body = await _json_body(request)
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise BadRequest("'reason' must be a string")
    agent_id = request.match_info["agent_id"]
    result = await request.app[CONTROL].agent_command(agent_id, action, reason)
    return web.json_response(result)


async def get_calls(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTROL].live_calls())


async def get_explain(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTROL].explain(request.match_info["call_id"]))


async def post_reload(request: web.Request) -> web.Response:
    return web.json_response(await request.app[CONTROL].reload())


async def _json_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except json.JSONDecodeError as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def build_app(control: Control) -> web.Application:
    app = web.Application(middlewares=[error_middleware])
    app[CONTROL] = control
    app.router.add_get("/api/v1/status", get_status)
    app.router.add_post("/api/v1/agents/{agent_id}/{action}", post_agent_action)
    app.router.add_post("/api/v1/reload", post_reload)
    app.router.add_get("/api/v1/calls", get_calls)
    app.router.add_get("/api/v1/calls/{call_id}/explain", get_explain)
    case_routes.add_routes(app, control)  # cases and customers: control.cases
    campaign_routes.add_routes(app, control)  # outbound campaigns: control.campaigns
    report_routes.add_routes(app, control)  # reports, live figures, /metrics, /health, /ready
    return app
