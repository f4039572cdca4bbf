"""The OpenAPI 3.1 document, generated from the routes' and commands' pydantic models:
``GET /api/v1/openapi.json``. Commands and the socket's messages are described
under ``x-commands`` and ``x-websocket``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from cti.api import schemas
from cti.api.commands import Command
from cti.api.desktop import (
    CLOSE_BAD_TOKEN,
    CLOSE_EXPIRED,
    CLOSE_FORBIDDEN,
    CLOSE_NO_TOKEN,
    CLOSE_PROTOCOL,
    CLOSE_TOO_SLOW,
)
from cti.api.routes import Route

WS_PATH = "/api/v1/ws"
_PARAM = re.compile(r"\{([^}]+)\}")

CLOSE_CODES = {
    1000: "normal close (the user logged out on this socket)",
    1001: "the service is stopping: reconnect with backoff and resume",
    1009: "a frame over 1 MiB",
    1011: "the server failed: reconnect with backoff",
    CLOSE_PROTOCOL: "protocol error: binary frames, or 20 bad frames within 10 s",
    CLOSE_NO_TOKEN: "no token: the first message was not auth, or none came within 10 s",
    CLOSE_BAD_TOKEN: "bad token: not a token of this service",
    CLOSE_EXPIRED: "token expired",
    CLOSE_FORBIDDEN: "forbidden: session revoked (logout, password changed, user disabled)",
    CLOSE_TOO_SLOW: "too slow: the desktop stopped reading",
}


class _Components:
    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def ref(self, model: type[BaseModel]) -> dict[str, Any]:
        if model.__name__ not in self.schemas:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in schema.pop("$defs", {}).items():
                self.schemas.setdefault(name, sub)
            self.schemas[model.__name__] = schema
        return {"$ref": f"#/components/schemas/{model.__name__}"}


def document(routes: Iterable[Route], commands: Iterable[Command],
             others: Iterable[tuple[str, str, str]] = (), version: str = "1") -> dict[str, Any]:
    """``others``: (method, path, summary) of routes mounted without models (the
    reports' routes, cti/api/reports.py): listed with a JSON answer."""
    parts = _Components()
    error = parts.ref(schemas.ErrorOut)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.full_path, {})[route.method.lower()] = _operation(route, parts,
                                                                               error)
    for method, path, summary in others:
        public = not path.startswith("/api/")
        paths.setdefault(path, {})[method.lower()] = {
            "summary": summary or path, "tags": ["reports"],
            "operationId": f"{method.lower()}_{path.strip('/').replace('/', '_')}"
            .replace("{", "").replace("}", ""),
            "parameters": [{"name": name, "in": "path", "required": True,
                            "schema": {"type": "string"}} for name in _PARAM.findall(path)],
            "responses": {"200": {"description": "done"},
                          "default": {"description": "an error", "content": {
                              "application/json": {"schema": error}}}},
            **({"security": []} if public else {})}
    paths[WS_PATH] = {"get": {
        "summary": "The desktop WebSocket (Upgrade: websocket); see x-websocket",
        "tags": ["websocket"], "operationId": "websocket", "security": [],
        "responses": {"101": {"description": "switching protocols"},
                      "403": {"description": "Origin or Host refused",
                              "content": {"application/json": {"schema": error}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "asterisk-cti desktop API", "version": version,
                 "description": "REST and WebSocket API of the contact centre (docs/api.md)."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": parts.schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "a token from POST /api/v1/login, or an API key "
                                      "ctik_<id>_<secret>"}}},
        "x-commands": [{"name": c.name, "summary": c.summary,
                        "roles": sorted(r.value for r in c.roles), "scope": c.scope,
                        "args": parts.ref(c.args)} for c in sorted(commands,
                                                                   key=lambda c: c.name)],
        "x-websocket": {
            "path": WS_PATH,
            "client_messages": {"auth": parts.ref(schemas.AuthMessage),
                                "command": parts.ref(schemas.CommandMessage),
                                "renew": {"type": "object"}, "snapshot": {"type": "object"},
                                "ping": {"type": "object"}, "logout": {"type": "object"}},
            "server_messages": {"reply": parts.ref(schemas.ReplyOut)},
            "close_codes": {str(k): v for k, v in CLOSE_CODES.items()}},
    }


def _operation(route: Route, parts: _Components, error: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": route.summary, "tags": [route.tag],
        "operationId": f"{route.method.lower()}_{route.handler.__name__}",
        "parameters": [{"name": name, "in": "path", "required": True,
                        "schema": {"type": "string"}}
                       for name in _PARAM.findall(route.path)]
        + [{"name": name, "in": "query", "required": False, "description": text,
            "schema": {"type": "string"}} for name, text in route.query],
        "responses": {"default": {"description": "an error",
                                  "content": {"application/json": {"schema": error}}}},
    }
    if route.public:
        op["security"] = []
    if route.body is not None:
        body: dict[str, Any] = {"schema": parts.ref(route.body)}
        found = (route.body.model_config.get("json_schema_extra") or {})
        if isinstance(found, dict) and found.get("examples"):
            body["examples"] = {f"example{i + 1}": {"value": v}
                                for i, v in enumerate(found["examples"])}
        op["requestBody"] = {"required": True, "content": {"application/json": body}}
    elif route.upload:
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {
            "schema": {"type": "object", "required": ["file"],
                       "properties": {"file": {"type": "string", "format": "binary"}}}}}}
    if route.status == 204:
        op["responses"]["204"] = {"description": "done"}
    elif route.raw:
        op["responses"][str(route.status)] = {"description": "the content",
                                              "content": {"*/*": {}}}
    else:
        schema: dict[str, Any] = {"type": "object"}
        if route.response is not None:
            schema = parts.ref(route.response)
            if route.many:
                schema = {"type": "array", "items": schema}
        op["responses"][str(route.status)] = {"description": "done", "content": {
            "application/json": {"schema": schema}}}
    return op
