"""The aiohttp application: routes, the WebSocket, and the checks every request passes.

Middlewares, outermost first:
- errors: the service's errors as JSON ``{"error": code, "message": ...}`` with the
  status they carry (``code`` strings are API); anything unexpected is a 500 that
  names no internals;
- guard: the Host header (``http.allowed_hosts``), the Origin (the service's own
  or one of ``http.cors_origins``) and CORS for those origins; ``/metrics`` and
  the health check skip it;
- auth: a bearer token or API key on every ``/api/`` route except sign-in, the
  health check, the OpenAPI document and the socket (which signs in in-band).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import structlog
from aiohttp import web

from cti.api import campaigns as campaign_routes
from cti.api import commands
from cti.api import reports as report_routes
from cti.api.auth import TooManyAttempts
from cti.api.context import ApiContext
from cti.api.openapi import WS_PATH, document
from cti.api.policy import STAFF
from cti.api.routes import CONTEXT, PRINCIPAL, all_routes, mount
from cti.api.tokens import NoToken
from cti.api.ws import websocket
from cti.errors import CtiError
from cti.web import mount as mount_web

log = structlog.get_logger(__name__)

#: Paths that skip the Host/Origin guard and need no token (health, readiness,
#: metrics: for probes and Prometheus, which carry no token).
OPEN_PATHS = frozenset({"/metrics", "/health", "/ready", "/api/v1/health"})
#: Routes of live figures and reports (cti/api/reports.py): supervisors, admins, and
#: API keys with queues:read.
STAFF_PREFIXES = ("/api/v1/live", "/api/v1/reports/")
_OPENAPI = web.AppKey("openapi", dict)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type"


class Refused(CtiError):
    status = 403


@web.middleware
async def errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except CtiError as exc:
        headers = {}
        if isinstance(exc, TooManyAttempts):
            headers["Retry-After"] = str(exc.retry_after)
        return web.json_response({"error": exc.code, "message": str(exc)}, status=exc.status,
                                 headers=headers)
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            code = {404: "not-found", 405: "method-not-allowed",
                    413: "too-big"}.get(exc.status, "http-error")
            return web.json_response({"error": code, "message": exc.reason},
                                     status=exc.status, headers=_kept_headers(exc))
        raise
    except Exception:
        log.exception("request failed", path=request.path)
        return web.json_response(
            {"error": "internal-error", "message": "the service failed; see its log"},
            status=500)


def _kept_headers(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}


def guard(ctx: ApiContext) -> Any:
    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path in OPEN_PATHS:
            return await handler(request)
        http = ctx.config.service.http
        host = (request.host or "").lower()
        if http.allowed_hosts is not None and not _host_allowed(host, http):
            raise Refused(f"Host {host!r} is not one this service answers to; add it to "
                          "http.allowed_hosts in cti.yaml")
        origin = request.headers.get("Origin")
        cors = origin is not None and origin.lower() in http.cors_origins
        if origin is not None and not cors and not _same_origin(origin, request):
            refused = Refused(f"Origin {origin!r} may not use this API; add it to "
                              "http.cors_origins in cti.yaml")
            refused.code = "origin-refused"
            raise refused
        if request.method == "OPTIONS" and cors \
                and "Access-Control-Request-Method" in request.headers:
            return web.Response(status=204, headers=_cors_headers(origin or "", preflight=True))
        response = await handler(request)
        if cors and not response.prepared:
            response.headers.update(_cors_headers(origin or ""))
        return response

    return check


def _host_allowed(host: str, http: Any) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    if name.startswith("[") and "]" in name:
        name = name[: name.index("]") + 1]
    return name in _LOCAL_HOSTS or name == http.host or name in http.allowed_hosts \
        or host in http.allowed_hosts


def _same_origin(origin: str, request: web.Request) -> bool:
    parts = urlsplit(origin)
    return bool(parts.netloc) and parts.netloc.lower() == (request.host or "").lower()


def _cors_headers(origin: str, *, preflight: bool = False) -> dict[str, str]:
    headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
               "Access-Control-Expose-Headers": "Retry-After"}
    if preflight:
        headers.update({"Access-Control-Allow-Methods": CORS_METHODS,
                        "Access-Control-Allow-Headers": CORS_HEADERS,
                        "Access-Control-Max-Age": "600"})
    return headers


def authenticate(ctx: ApiContext, public: frozenset[str]) -> Any:
    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        if path in public or not path.startswith("/api/") or request.method == "OPTIONS":
            return await handler(request)
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise NoToken()
        principal = request[PRINCIPAL] = await ctx.auth.authenticate(value.strip())
        if path.startswith(STAFF_PREFIXES):
            ctx.policy().check_role(principal, f"read {path}", STAFF, "queues:read")
        return await handler(request)

    return check


def build_app(ctx: ApiContext) -> web.Application:
    """The application over ``ctx`` (which ``cti/app.py`` builds)."""
    registry = commands.load()
    routes = all_routes()
    public = frozenset({*OPEN_PATHS, WS_PATH} | {r.full_path for r in routes if r.public})
    app = web.Application(middlewares=[errors, guard(ctx), authenticate(ctx, public)],
                          client_max_size=max(2 << 20,
                                              ctx.config.service.cases.attachments.max_bytes
                                              + (1 << 20)))
    app[CONTEXT] = ctx
    for route in routes:
        mount(app, route)
    app.router.add_get(WS_PATH, websocket)
    report_routes.add_routes(app, ctx.service)  # live figures, reports, /metrics, /health
    campaign_routes.add_routes(app, ctx.service)  # outbound campaigns
    mount_web(app)  # the reference desktop and wallboard (cti/web), on the public API
    mounted = {(r.method, r.full_path) for r in routes} | {("GET", WS_PATH)}
    others = [(r.method, r.resource.canonical, (r.handler.__doc__ or "").strip().split("\n")[0])
              for r in app.router.routes() if r.resource is not None
              and r.method != "HEAD" and (r.method, r.resource.canonical) not in mounted]
    app[_OPENAPI] = document(routes, registry.values(), others)
    return app


def openapi_document(app: web.Application) -> dict[str, Any]:
    return app[_OPENAPI]
