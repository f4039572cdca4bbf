"""REST routes of outbound campaigns: thin handlers over the CampaignService.

    GET  /api/v1/campaigns                         every campaign: status, contacts, live figures
    POST /api/v1/campaigns                         create (body: the definition)
    GET  /api/v1/campaigns/board                   the wallboard's campaign panel (running ones)
    GET  /api/v1/campaigns/{name}                  one: definition, outcomes, live figures
    POST /api/v1/campaigns/{name}/start|pause|stop
    POST /api/v1/campaigns/{name}/contacts         import a CSV list (text/csv body, or JSON
                                                   {"csv", "map", "source", "skip_duplicates"})
    GET  /api/v1/campaigns/{name}/contacts         the list (?status=&limit=&offset=)
    GET  /api/v1/campaigns/{name}/attempts         results, newest first (?limit=&offset=)
    GET  /api/v1/campaigns/{name}/pacing           why the pacer places N lines now
    POST /api/v1/campaigns/{name}/dnc              {"numbers": [...]}: the campaign's DNC list
    POST /api/v1/campaigns/{name}/callbacks        {"interaction_id", "due_at", "agent_id"?,
                                                    "note"?}: a callback agreed in a call
    POST /api/v1/dnc                               {"numbers": [...]}: the system's DNC list
    POST /api/v1/campaigns/previews/{agent_id}     {"decision": "dial" | "skip"}: the
                                                   agent's answer to the contact it sees

Errors are the service's ``CtiError``s (cti/campaigns/errors.py), turned into
``{"error": code, "message": ...}`` by the middleware of cti/api/http.py. Who
may: supervisors and admins run campaigns (API keys with the scope
``campaigns:write``, or ``campaigns:read`` to look); an agent answers its own
previews. The acting person is the signed-in user, recorded on every fact.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import web

from cti.api.policy import Role
from cti.api.routes import CONTEXT, PRINCIPAL
from cti.campaigns.service import CampaignService
from cti.errors import BadRequest, ServiceUnavailable

#: The object whose ``campaigns`` attribute is the running CampaignService (the Service).
OWNER = web.AppKey("campaign-owner", object)
PREFIX = "/api/v1"
#: A list larger than this is refused (split it, or import it with the CLI in parts).
MAX_LIST_BYTES = 64 << 20
ACTIONS = ("start", "pause", "stop")


def add_routes(app: web.Application, owner: object) -> None:
    """Register the routes; ``owner.campaigns`` is read at each request (None: 503)."""
    app[OWNER] = owner
    r = app.router
    r.add_get(f"{PREFIX}/campaigns", list_campaigns)
    r.add_post(f"{PREFIX}/campaigns", create)
    r.add_get(f"{PREFIX}/campaigns/board", board)
    r.add_post(f"{PREFIX}/campaigns/previews/{{agent_id}}", preview)
    r.add_get(f"{PREFIX}/campaigns/{{name}}", detail)
    r.add_post(f"{PREFIX}/campaigns/{{name}}/contacts", import_contacts)
    r.add_get(f"{PREFIX}/campaigns/{{name}}/contacts", contacts)
    r.add_get(f"{PREFIX}/campaigns/{{name}}/attempts", attempts)
    r.add_get(f"{PREFIX}/campaigns/{{name}}/pacing", pacing)
    r.add_post(f"{PREFIX}/campaigns/{{name}}/dnc", campaign_dnc)
    r.add_post(f"{PREFIX}/campaigns/{{name}}/callbacks", callback)
    r.add_post(f"{PREFIX}/campaigns/{{name}}/{{action}}", action)
    r.add_post(f"{PREFIX}/dnc", system_dnc)


async def list_campaigns(request: web.Request) -> web.Response:
    _acting(request, "see campaigns", READ)
    return web.json_response(await _service(request).status())


async def board(request: web.Request) -> web.Response:
    """The campaign panel of the wallboard: lines in use, answer rate, abandon rate
    against the legal limit, agent occupancy, greeting-to-agent times."""
    _acting(request, "see campaigns", READ)
    found = await _service(request).status()
    return web.json_response([c["live"] for c in found if "live" in c])


async def detail(request: web.Request) -> web.Response:
    _acting(request, "see campaigns", READ)
    return web.json_response(await _service(request).detail(request.match_info["name"]))


async def create(request: web.Request) -> web.Response:
    by = _acting(request, "create a campaign")
    body = await _json(request)
    body.pop("by", None)
    return web.json_response(await _service(request).create(body, by=by), status=201)


async def action(request: web.Request) -> web.Response:
    name, what = request.match_info["name"], request.match_info["action"]
    if what not in ACTIONS:
        raise web.HTTPNotFound()
    by = _acting(request, f"{what} a campaign")
    body = await _json(request, optional=True)
    service = _service(request)
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise BadRequest("'reason' must be text")
    if what == "start":
        result = await service.start_campaign(name, by=by)
    elif what == "pause":
        result = await service.pause(name, by=by, reason=reason)
    else:
        result = await service.stop_campaign(name, by=by, reason=reason)
    return web.json_response(result)


async def import_contacts(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    by = _acting(request, "import contacts")
    if request.content_type == "application/json":
        body = await _json(request)
        text = body.get("csv")
        if not isinstance(text, str):
            raise BadRequest("'csv' must be the list's text (the CSV file's content)")
        mapping = body.get("map") or {}
        source = str(body.get("source") or "upload")
        skip = bool(body.get("skip_duplicates", False))
    else:
        raw = await request.content.read(MAX_LIST_BYTES + 1)
        if len(raw) > MAX_LIST_BYTES:
            raise BadRequest(f"the list is larger than {MAX_LIST_BYTES >> 20} MB; split it")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadRequest("the list is not UTF-8 text; save it as CSV, UTF-8") from None
        q = request.query
        mapping = {k.removeprefix("map."): v for k, v in q.items() if k.startswith("map.")}
        source = q.get("source", "upload")
        skip = q.get("skip_duplicates", "false").lower() in ("1", "true", "yes")
    if isinstance(mapping, dict):
        items = [f"{k}={v}" for k, v in mapping.items()]
    elif isinstance(mapping, list) and all(isinstance(i, str) for i in mapping):
        items = list(mapping)
    else:
        raise BadRequest("'map' must be {\"number\": \"Phone\", ...} or [\"number=Phone\"]")
    result = await _service(request).import_contacts(name, text, items, by=by, source=source,
                                                     skip_duplicates=skip)
    return web.json_response(result, status=201)


async def contacts(request: web.Request) -> web.Response:
    _acting(request, "see campaigns", READ)
    q = request.query
    return web.json_response(await _service(request).contacts(
        request.match_info["name"], q.get("status"), _int(q, "limit", 100, 1, 1000),
        _int(q, "offset", 0, 0, 10**9)))


async def attempts(request: web.Request) -> web.Response:
    _acting(request, "see campaigns", READ)
    q = request.query
    return web.json_response(await _service(request).attempts(
        request.match_info["name"], _int(q, "limit", 100, 1, 1000),
        _int(q, "offset", 0, 0, 10**9)))


async def pacing(request: web.Request) -> web.Response:
    _acting(request, "see campaigns", READ)
    return web.json_response(_service(request).explain(request.match_info["name"]))


async def campaign_dnc(request: web.Request) -> web.Response:
    body = await _json(request)
    result = await _service(request).add_dnc(_numbers(body), campaign=request.match_info["name"],
                                             by=_acting(request, "add to a DNC list"),
                                             source=str(body.get("source") or "api"))
    return web.json_response(result)


async def system_dnc(request: web.Request) -> web.Response:
    body = await _json(request)
    result = await _service(request).add_dnc(_numbers(body),
                                             by=_acting(request, "add to the DNC list"),
                                             source=str(body.get("source") or "api"))
    return web.json_response(result)


async def callback(request: web.Request) -> web.Response:
    body = await _json(request)
    interaction_id = body.get("interaction_id")
    if not isinstance(interaction_id, str):
        raise BadRequest("'interaction_id' must name the campaign call the callback was "
                         "agreed in")
    due_at = _when(body.get("due_at"))
    agent_id = body.get("agent_id")
    note = body.get("note")
    if agent_id is not None and not isinstance(agent_id, str):
        raise BadRequest("'agent_id' must be an agent's id, or absent for anyone")
    result = await _service(request).schedule_callback(
        interaction_id, due_at, agent_id=agent_id, note=note if isinstance(note, str) else None,
        by=_acting(request, "schedule a campaign callback"))
    return web.json_response(result, status=201)


async def preview(request: web.Request) -> web.Response:
    body = await _json(request)
    decision = body.get("decision")
    if decision not in ("dial", "skip"):
        raise BadRequest("'decision' must be dial or skip")
    agent_id = request.match_info["agent_id"]
    principal = request[PRINCIPAL]
    request.app[CONTEXT].policy().check_agent(principal, agent_id, "answer a preview for")
    client_id = body.get("client_id")
    result = await _service(request).preview_decision(
        agent_id, decision, by=principal.id,
        client_id=client_id if isinstance(client_id, str) else None)
    return web.json_response(result)


# --- helpers ------------------------------------------------------------------------


def _service(request: web.Request) -> CampaignService:
    service = getattr(request.app[OWNER], "campaigns", None)
    if service is None:
        raise ServiceUnavailable("campaigns are not running yet; try again in a moment")
    return service


async def _json(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    if not request.can_read_body:
        if optional:
            return {}
        raise BadRequest("the request needs a JSON body")
    try:
        body = await request.json()
    except json.JSONDecodeError as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


READ, WRITE = "campaigns:read", "campaigns:write"


def _acting(request: web.Request, what: str, scope: str = WRITE) -> str:
    """Who asks, if a supervisor or an admin (an API key: with ``scope``)."""
    principal = request[PRINCIPAL]
    request.app[CONTEXT].policy().check_role(principal, what, (Role.SUPERVISOR, Role.ADMIN),
                                             scope)
    return principal.id


def _numbers(body: dict[str, Any]) -> list[str]:
    numbers = body.get("numbers")
    if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
        raise BadRequest("'numbers' must be a list of phone numbers as text")
    return numbers


def _when(value: Any) -> datetime | float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    raise BadRequest("'due_at' must be a time with its zone (2026-05-04T10:00:00+02:00) or "
                     "epoch seconds")


def _int(q: Any, name: str, default: int, low: int, high: int) -> int:
    raw = q.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, got {value}")
    return value
