"""REST routes as data: each route names its method, path, body and answer models,
so the OpenAPI document (cti/api/openapi.py) is generated from what the
handlers really validate.

A handler takes a ``Call`` (the request, who asks, the parsed body and query)
and returns a pydantic model, a dict or list (JSON), None (204), or an aiohttp
response of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from cti.api.commands import describe
from cti.api.context import ApiContext
from cti.api.policy import Principal
from cti.errors import BadRequest, CtiError

PREFIX = "/api/v1"
CONTEXT = web.AppKey("api-context", ApiContext)
PRINCIPAL = web.RequestKey("cti.principal", Principal)
#: JSON bodies nest at most this deep.
MAX_DEPTH = 32


class BadJson(BadRequest):
    code = "bad-json"


class RequestTimeout(CtiError):
    status, code = 408, "request-timeout"


class InvalidField(BadRequest):
    code = "invalid-field"


@dataclass
class Call:
    request: web.Request
    ctx: ApiContext
    body: Any = None

    @property
    def principal(self) -> Principal:
        return self.request[PRINCIPAL]

    @property
    def address(self) -> str:
        return self.request.remote or "unknown"

    def path(self, name: str) -> str:
        return self.request.match_info[name]

    @property
    def query(self) -> Any:
        return self.request.query

    def int_query(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.request.query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise BadRequest(f"{name} must be a whole number, got {raw!r}") from None
        if not low <= value <= high:
            raise BadRequest(f"{name} must be between {low} and {high}, got {value}")
        return value


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    many: bool = False           #: the answer is a list of ``response``
    public: bool = False         #: no token needed
    status: int = 200
    query: tuple[tuple[str, str], ...] = ()   #: (name, description)
    upload: bool = False         #: a multipart/form-data body with a ``file`` part
    raw: bool = False            #: answers something other than JSON

    @property
    def full_path(self) -> str:
        return PREFIX + self.path


@dataclass
class Routes:
    tag: str
    items: list[Route] = field(default_factory=list)

    def route(self, method: str, path: str, summary: str, **options: Any
              ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.items.append(Route(method, path, handler, summary, self.tag, **options))
            return handler

        return register

    def get(self, path: str, summary: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, summary, **options)

    def post(self, path: str, summary: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, summary, **options)

    def put(self, path: str, summary: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, summary, **options)

    def patch(self, path: str, summary: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, summary, **options)

    def delete(self, path: str, summary: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, summary, **options)


def mount(app: web.Application, route: Route) -> None:
    async def handle(request: web.Request) -> web.StreamResponse:
        ctx = request.app[CONTEXT]
        call = Call(request, ctx)
        if route.body is not None:
            call.body = await parse_body(request, route.body, ctx.config.service.http.body_timeout)
        result = await route.handler(call)
        return respond(result, route.status)

    app.router.add_route(route.method, route.full_path, handle)


def respond(result: Any, status: int = 200) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        return result
    if result is None:
        return web.Response(status=204)
    if isinstance(result, BaseModel):
        return web.json_response(text=result.model_dump_json(), status=status)
    if isinstance(result, list) and result and isinstance(result[0], BaseModel):
        return web.json_response(text="[" + ",".join(r.model_dump_json() for r in result) + "]",
                                 status=status)
    return web.json_response(result, status=status, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


async def read_json(request: web.Request, timeout: float) -> Any:
    """The body as JSON: UTF-8, at most MAX_DEPTH deep, arriving within ``timeout``.

    Raises:
        RequestTimeout, BadJson.
    """
    if not request.can_read_body:
        return {}
    try:
        async with asyncio.timeout(timeout):
            raw = await request.read()
    except TimeoutError:
        raise RequestTimeout(f"the request body did not arrive within {timeout:g} s") from None
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson(f"body is not UTF-8 text (byte {exc.start})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadJson(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadJson(f"body nests deeper than {MAX_DEPTH} levels") from None
    if too_deep(value, MAX_DEPTH):
        raise BadJson(f"body nests deeper than {MAX_DEPTH} levels")
    return value


async def parse_body(request: web.Request, model: type[BaseModel], timeout: float) -> BaseModel:
    value = await read_json(request, timeout)
    if not isinstance(value, dict):
        raise BadJson("body must be a JSON object")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise InvalidField(describe(exc)) from None


def too_deep(value: Any, limit: int) -> bool:
    """True if ``value`` nests lists and objects deeper than ``limit`` (iterative)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item  # type: ignore[assignment]
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


async def run_command(call: Call, name: str, args: dict[str, Any]) -> Any:
    """Run a command of the registry for a REST route (same checks, same audit)."""
    return await call.ctx.dispatcher.execute(call.principal, name, args, via="rest",
                                             address=call.address)


@contextlib.asynccontextmanager
async def audited(call: Call, command: str, target: str | None,
                  args: dict[str, Any]) -> AsyncIterator[None]:
    """Audit what runs inside: ok, or the error it raised (which goes on)."""
    p = call.principal
    record = functools.partial(call.ctx.audit.record, actor=p.id, role=p.role.value,
                               address=call.address, via="rest", command=command,
                               target=target, args=args)
    try:
        yield
    except CtiError as exc:
        record(ok=False, error=exc.code, message=str(exc))
        raise
    record(ok=True)


def all_routes() -> list[Route]:
    """Every REST route of the API, in the order of the document."""
    from cti.api.routes import (
        admin,
        agents,
        calls,
        cases,
        customers,
        recordings,
        sessions,
        traffic,
        users,
        wfm,
    )

    modules = (sessions, agents, traffic, wfm, calls, recordings, cases, customers, users, admin)
    return [r for module in modules for r in module.ROUTES.items]
