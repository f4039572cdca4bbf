"""HTTP routes of reports, live figures, metrics and health; a request id for every call.

    GET /health                        the process answers
    GET /ready                         it takes calls (503 and why, else 200)
    GET /metrics                       Prometheus text format
    GET /api/v1/live                   the centre, queues, agents and alerts now
    GET /api/v1/live/queues            the queues now, with today's figures
    GET /api/v1/live/queues/{name}     one queue and each call waiting in it
    GET /api/v1/live/agents            the agents now, with today's figures
    GET /api/v1/reports/{kind}         ?from=&to=&queue=&agent=&unit=&by=&group=&format=

Self-contained: ``add_routes(app, service)`` registers them (one line in
cti/api/http.py) and puts the request-id middleware first, so every log line
of a request carries ``request_id`` (``X-Request-Id`` in, or a new one; sent
back in the response).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import structlog
from aiohttp import web

from cti.errors import BadRequest, CtiError
from cti.events import iso
from cti.health import readiness
from cti.reports import live

if TYPE_CHECKING:
    from cti.app import Service

SERVICE = web.AppKey("reports-service", object)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class NoSuchQueue(CtiError):
    status, code = 404, "no-such-queue"

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"no queue named {name!r}; known: {', '.join(known) or 'none'}")


class NotStarted(CtiError):
    status, code = 503, "service-unavailable"

    def __init__(self) -> None:
        super().__init__("the service is starting; try again in a moment")


@web.middleware
async def request_id_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    given = request.headers.get("X-Request-Id", "")
    request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers["X-Request-Id"] = request_id
            raise
    response.headers["X-Request-Id"] = request_id
    return response


def add_routes(app: web.Application, service: Any) -> None:
    app[SERVICE] = service
    app.middlewares.insert(0, request_id_middleware)
    app.router.add_get("/health", get_health)
    app.router.add_get("/ready", get_ready)
    app.router.add_get("/metrics", get_metrics)
    app.router.add_get("/api/v1/live", get_live)
    app.router.add_get("/api/v1/live/queues", get_live_queues)
    app.router.add_get("/api/v1/live/queues/{name}", get_live_queue)
    app.router.add_get("/api/v1/live/agents", get_live_agents)
    app.router.add_get("/api/v1/reports/{kind}", get_report)


def _service(request: web.Request) -> Service:
    return request.app[SERVICE]  # type: ignore[return-value]


def _engine(service: Service) -> Any:
    if service.router is None:
        raise NotStarted()
    return service.router.engine


def _mono() -> float:
    return asyncio.get_running_loop().time()


async def get_health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def get_ready(request: web.Request) -> web.Response:
    ready, checks = readiness(_service(request))  # type: ignore[arg-type]
    return web.json_response({"ready": ready, **checks}, status=200 if ready else 503)


async def get_metrics(request: web.Request) -> web.Response:
    from cti.reports.metrics import CONTENT_TYPE

    body = _service(request).metrics.render()
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE
    return response


async def get_live(request: web.Request) -> web.Response:
    service = _service(request)
    engine, mono = _engine(service), _mono()
    alerts = [] if service.monitor is None else service.monitor.alerts.active.values()
    return web.json_response({
        "at": iso(time.time()), "timezone": service.config.hours.timezone,
        "centre": live.centre_now(engine, service.tally, mono),
        "queues": live.queues_now(engine, service.tally, mono),
        "agents": live.agents_now(engine, service.config, mono),
        "agents_by_state": live.agents_by_state(engine),
        "alerts": [{"kind": a.kind, "subject": a.subject, "detail": a.detail,
                    "for": round(mono - a.since, 1)} for a in alerts],
    })


async def get_live_queues(request: web.Request) -> web.Response:
    service = _service(request)
    return web.json_response(live.queues_now(_engine(service), service.tally, _mono()))


async def get_live_queue(request: web.Request) -> web.Response:
    service = _service(request)
    engine, mono, name = _engine(service), _mono(), request.match_info["name"]
    queues = {q["name"]: q for q in live.queues_now(engine, service.tally, mono)}
    if name not in queues:
        raise NoSuchQueue(name, sorted(queues))
    return web.json_response({**queues[name],
                              "calls": live.queue_calls(engine, service.calls, name, mono)})


async def get_live_agents(request: web.Request) -> web.Response:
    service = _service(request)
    return web.json_response(live.agents_now(_engine(service), service.config, _mono()))


async def get_report(request: web.Request) -> web.Response:
    from cti.reports.formats import to_csv, to_json
    from cti.reports.run import ReportSpec, run_report
    from cti.store.db import translate_errors

    service = _service(request)
    if service.store is None:
        raise NotStarted()
    config, query = service.config, request.query
    fmt = query.get("format", "json")
    if fmt not in ("json", "csv"):
        raise BadRequest(f"format {fmt!r}; use json or csv")
    today = datetime.now(config.hours.zone).date()
    first = _day(query.get("from"), "from", today)
    spec = ReportSpec(request.match_info["kind"], first, _day(query.get("to"), "to", first),
                      by=query.get("by") or None, queue=query.get("queue") or None,
                      agent=query.get("agent") or None, unit=query.get("unit") or None,
                      group=query.get("group") or None)
    with translate_errors(service.store.where):
        report = await run_report(service.store.pool, spec, config,
                                  now=datetime.now(config.hours.zone))
    if fmt == "csv":
        return web.Response(text=to_csv(report), content_type="text/csv")
    return web.json_response(to_json(report))


def _day(text: str | None, name: str, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name}={text!r} is not a day; use YYYY-MM-DD") from None
