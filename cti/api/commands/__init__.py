"""Commands from desktops and systems: one registry for the WebSocket and REST.

Each command names its argument model (cti/api/schemas.py), the roles that
may send it (and the scope an API key needs), and a handler that checks the
target against the policy and calls the service. ``Dispatcher.run`` validates,
runs, answers ``{ok, result}`` or ``{ok: false, error: {code, message}}``,
writes the audit log, and remembers the answer for ten minutes by (user,
client id): the same command sent again (a resend after a reconnect) gets the
first answer and is not run twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import BaseModel, ValidationError

from cti.api.policy import PEOPLE, Principal, Role
from cti.errors import BadRequest, CtiError

if TYPE_CHECKING:
    from cti.api.context import ApiContext

log = structlog.get_logger(__name__)

#: Seconds an answer is remembered for a resend with the same client id.
REMEMBER_SECONDS = 600.0
REMEMBER_MAX = 50_000

Handler = Callable[["ApiContext", Principal, Any], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Command:
    name: str
    args: type[BaseModel]
    roles: frozenset[Role]
    scope: str | None
    summary: str
    handler: Handler


REGISTRY: dict[str, Command] = {}


def command(name: str, args: type[BaseModel], *, summary: str,
            roles: Iterable[Role] = PEOPLE,
            scope: str | None = None) -> Callable[[Handler], Handler]:
    """Register ``handler`` as command ``name``."""

    def register(handler: Handler) -> Handler:
        if name in REGISTRY:
            raise ValueError(f"command {name!r} registered twice")
        REGISTRY[name] = Command(name, args, frozenset(roles), scope, summary, handler)
        return handler

    return register


class UnknownCommand(BadRequest):
    code = "unknown-command"

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown command {name!r}; commands: {', '.join(sorted(REGISTRY))}")


class InvalidArgs(BadRequest):
    code = "invalid-field"


def describe(exc: ValidationError, prefix: str = "") -> str:
    """One clause per problem: ``args.reason: Field required; args.x: unknown field``."""
    lines = []
    for error in exc.errors(include_url=False, include_input=False):
        where = (prefix + ".".join(str(p) for p in error["loc"]
                                   if not str(p).startswith("function-"))).rstrip(".")
        message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


@dataclass
class _Remembered:
    at: float
    answer: asyncio.Future[dict[str, Any]]


class Dispatcher:
    def __init__(self, ctx: ApiContext, clock: Callable[[], float] = time.monotonic) -> None:
        self._ctx = ctx
        self._clock = clock
        self._answers: OrderedDict[tuple[str, str], _Remembered] = OrderedDict()

    async def execute(self, p: Principal, name: str, args: dict[str, Any], *, via: str,
                      address: str | None) -> Any:
        """Run a command for a REST route: its result, or its error raised (audited
        either way; not remembered, REST has no client ids)."""
        answer = await self._run(p, name, args, via=via, address=address, keep_error=True)
        error = answer.get("exception")
        if error is not None:
            raise error
        return answer["result"]

    async def run(self, p: Principal, name: str, args: Any, *, client_id: str | None,
                  via: str, address: str | None) -> dict[str, Any]:
        """The answer ``{"ok": True, "result": ...}`` or ``{"ok": False, "error": ...}``."""
        key = None if client_id is None else (p.id, client_id)
        if key is not None:
            self._forget_old()
            seen = self._answers.get(key)
            if seen is not None:
                return await asyncio.shield(seen.answer)
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._answers[key] = _Remembered(self._clock(), future)
        answer = await self._run(p, name, args, via=via, address=address)
        if key is not None:
            future.set_result(answer)
        return answer

    async def _run(self, p: Principal, name: str, args: Any, *, via: str,
                   address: str | None, keep_error: bool = False) -> dict[str, Any]:
        target = _target(args)
        try:
            spec = REGISTRY.get(name)
            if spec is None:
                raise UnknownCommand(name)
            self._ctx.policy().check_role(p, name, spec.roles, spec.scope)
            if not isinstance(args, dict):
                raise InvalidArgs("args must be a JSON object")
            try:
                parsed = spec.args.model_validate(args)
            except ValidationError as exc:
                raise InvalidArgs(describe(exc, "args.")) from None
            result = await spec.handler(self._ctx, p, parsed)
        except CtiError as exc:
            self._audit(p, name, target, args, via, address, ok=False, error=exc.code,
                        message=str(exc))
            answer: dict[str, Any] = {"ok": False,
                                      "error": {"code": exc.code, "message": str(exc)}}
            if keep_error:
                answer["exception"] = exc
            return answer
        except Exception:
            log.exception("command failed", command=name, user=p.id)
            self._audit(p, name, target, args, via, address, ok=False, error="internal-error",
                        message="the service failed; see its log")
            return {"ok": False, "error": {"code": "internal-error",
                                           "message": "the service failed; see its log"}}
        self._audit(p, name, target, args, via, address, ok=True)
        return {"ok": True, "result": result}

    def _audit(self, p: Principal, name: str, target: str | None, args: Any, via: str,
               address: str | None, *, ok: bool, error: str | None = None,
               message: str | None = None) -> None:
        self._ctx.audit.record(actor=p.id, role=p.role.value, address=address, via=via,
                               command=name, target=target,
                               args=args if isinstance(args, dict) else {"args": repr(args)},
                               ok=ok, error=error, message=message)

    def _forget_old(self) -> None:
        now = self._clock()
        answers = self._answers
        while answers:
            key, first = next(iter(answers.items()))
            if now - first.at < REMEMBER_SECONDS and len(answers) <= REMEMBER_MAX:
                break
            if not first.answer.done():  # still running: keep it (and what came after)
                break
            answers.pop(key)


def _target(args: Any) -> str | None:
    if not isinstance(args, dict):
        return None
    for key in ("interaction_id", "case_id", "agent_id", "queue", "number", "user_id"):
        value = args.get(key)
        if isinstance(value, str):
            return value[:100]
    return None


def load() -> dict[str, Command]:
    """Import the command modules (they register themselves); the registry."""
    from cti.api.commands import agent, call, case, centre, customer  # noqa: F401

    return REGISTRY
