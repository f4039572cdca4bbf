"""The service itself: health, status, reload, commands, uploads, the audit log, API
keys, webhooks, and the OpenAPI document."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from cti.api import accounts
from cti.api.commands import REGISTRY
from cti.api.policy import STAFF, Role
from cti.api.routes import Call, Routes, audited
from cti.api.routes.cases import read_upload
from cti.api.schemas import (
    ApiKeyIn,
    ApiKeyOut,
    AuditOut,
    CommandIn,
    ReplyOut,
    WebhookIn,
    WebhookOut,
)
from cti.api.views import percentiles
from cti.cases.views import plain
from cti.errors import BadRequest, CtiError
from cti.store.users import ApiKey
from cti.store.webhooks import Webhook

ROUTES = Routes("service")
ADMINS = (Role.ADMIN,)


class NotFound(CtiError):
    status, code = 404, "not-found"


@ROUTES.get("/health", "Liveness and readiness (no token)", public=True)
async def health(call: Call) -> dict[str, Any]:
    service = call.ctx.service
    ready = service.router is not None and not service.router.draining \
        and service.store is not None
    return {"status": "ok" if ready else "starting", "epoch": call.ctx.epoch()}


@ROUTES.get("/status", "The service's status (what `cti status` shows)")
async def status(call: Call) -> dict[str, Any]:
    call.ctx.policy().check_role(call.principal, "read the status", STAFF, "admin")
    out = call.ctx.service.status()
    hub = call.ctx.hub
    out["desktops"] = {"connected": len(hub.desktops), "fanout_ms": percentiles(
        hub.fanout_seconds), "dropped": sum(d.dropped for d in hub.desktops)}
    out["webhooks_failing"] = call.ctx.webhooks.failing()
    out["audit_lost"] = call.ctx.audit.lost
    return out


@ROUTES.post("/reload", "Re-read the configuration (a bad one is refused)")
async def reload(call: Call) -> dict[str, Any]:
    async with audited(call, "service.reload", None, {}):
        call.ctx.policy().check_role(call.principal, "reload", ADMINS, "admin")
        result = await call.ctx.service.reload()
        call.ctx.auth.reconfigure(call.ctx.config)
    return result


@ROUTES.post("/commands", "Run one command, as over the socket", body=CommandIn,
             response=ReplyOut)
async def run(call: Call) -> ReplyOut:
    body: CommandIn = call.body
    answer = await call.ctx.dispatcher.run(call.principal, body.name, body.args,
                                           client_id=body.id, via="rest",
                                           address=call.address)
    return ReplyOut.model_validate({"type": "reply", "id": body.id, **answer})


@ROUTES.get("/commands", "The commands: name, summary, roles, scope")
async def list_commands(call: Call) -> list[dict[str, Any]]:
    return [{"name": c.name, "summary": c.summary, "roles": sorted(r.value for r in c.roles),
             "scope": c.scope} for c in sorted(REGISTRY.values(), key=lambda c: c.name)]


@ROUTES.post("/uploads", "A file for case.attach (multipart/form-data, a 'file' part)",
             upload=True, status=201)
async def upload(call: Call) -> dict[str, Any]:
    call.ctx.policy().check_role(call.principal, "upload files",
                                 (Role.AGENT, Role.SUPERVISOR, Role.ADMIN), "cases:write")
    upload_id, _ = await read_upload(call)
    found = call.ctx.uploads.take(call.principal.id, upload_id)
    return {"upload_id": found.id, "name": found.name, "size": len(found.content),
            "content_type": found.content_type}


@ROUTES.get("/audit", "The audit log, newest first",
            query=(("actor", "a user id or key:<id>"), ("command", "a command name"),
                   ("since", "ISO time"), ("limit", "1-1000 (100)")),
            response=AuditOut, many=True)
async def audit(call: Call) -> list[AuditOut]:
    call.ctx.policy().check_role(call.principal, "read the audit log", ADMINS, "admin")
    q = call.query
    since = None
    if q.get("since"):
        try:
            since = datetime.fromisoformat(q["since"])
        except ValueError:
            raise BadRequest("since must be an ISO time like 2026-11-30T09:00:00+00:00") \
                from None
    await call.ctx.audit.flush(timeout=2)
    found = await call.ctx.store.audit.find(actor=q.get("actor"), command=q.get("command"),
                                            since=since,
                                            limit=call.int_query("limit", 100, 1, 1000))
    return [AuditOut.model_validate(plain(e)) for e in found]


# --- API keys -------------------------------------------------------------------------


def key_out(key: ApiKey, full: str | None = None) -> ApiKeyOut:
    return ApiKeyOut(id=key.id, name=key.name, scopes=list(key.scopes),
                     created_by=key.created_by, created_at=key.created_at,
                     revoked_at=key.revoked_at, last_used_at=key.last_used_at, key=full)


@ROUTES.get("/api-keys", "API keys (never their secret)", response=ApiKeyOut, many=True)
async def list_keys(call: Call) -> list[ApiKeyOut]:
    call.ctx.policy().check_role(call.principal, "list API keys", ADMINS, "admin")
    return [key_out(k) for k in await call.ctx.store.users.keys()]


@ROUTES.post("/api-keys", "A new API key; its secret is shown in this answer only",
             body=ApiKeyIn, response=ApiKeyOut, status=201)
async def add_key(call: Call) -> ApiKeyOut:
    body: ApiKeyIn = call.body
    async with audited(call, "api_key.add", body.name, body.model_dump()):
        call.ctx.policy().check_role(call.principal, "add API keys", ADMINS, "admin")
        key, full = await accounts.add_api_key(call.ctx.store, body.name, body.scopes,
                                               call.principal.id)
    return key_out(key, full)


@ROUTES.delete("/api-keys/{key_id}", "Revoke an API key", status=204)
async def revoke_key(call: Call) -> None:
    key_id = call.path("key_id")
    async with audited(call, "api_key.revoke", key_id, {}):
        call.ctx.policy().check_role(call.principal, "revoke API keys", ADMINS, "admin")
        if not await call.ctx.store.users.revoke_key(key_id):
            raise NotFound(f"no active API key {key_id!r}")


# --- webhooks -------------------------------------------------------------------------


def hook_out(call: Call, hook: Webhook, secret: str | None = None) -> WebhookOut:
    return WebhookOut(id=hook.id, url=hook.url, events=list(hook.events),
                      created_by=hook.created_by, created_at=hook.created_at,
                      failing=hook.failures > 0, failures=hook.failures,
                      delivered=hook.delivered, dropped=hook.dropped,
                      queued=call.ctx.webhooks.status(hook.id)["queued"],
                      last_error=hook.last_error, last_failure_at=hook.last_failure_at,
                      last_success_at=hook.last_success_at, secret=secret)


def _may_manage_hooks(call: Call) -> None:
    call.ctx.policy().check_role(call.principal, "manage webhooks", ADMINS, "events:subscribe")


@ROUTES.get("/webhooks", "Webhooks, with their failures", response=WebhookOut, many=True)
async def list_hooks(call: Call) -> list[WebhookOut]:
    _may_manage_hooks(call)
    return [hook_out(call, h) for h in await call.ctx.store.webhooks.active()
            if _owns(call, h)]


@ROUTES.post("/webhooks", "Subscribe a URL to event types; the signing secret is shown "
             "in this answer only", body=WebhookIn, response=WebhookOut, status=201)
async def add_hook(call: Call) -> WebhookOut:
    body: WebhookIn = call.body
    async with audited(call, "webhook.add", body.url, body.model_dump()):
        _may_manage_hooks(call)
        secret = "whsec_" + secrets.token_urlsafe(32)
        hook = await call.ctx.store.webhooks.add(
            f"w-{secrets.token_hex(6)}", url=body.url, events=body.events, secret=secret,
            created_by=call.principal.id)
        call.ctx.webhooks.add(hook)
    return hook_out(call, hook, secret)


@ROUTES.get("/webhooks/{webhook_id}", "One webhook", response=WebhookOut)
async def get_hook(call: Call) -> WebhookOut:
    _may_manage_hooks(call)
    hook = await call.ctx.store.webhooks.get(call.path("webhook_id"))
    if hook is None or not _owns(call, hook):
        raise NotFound(f"no webhook {call.path('webhook_id')!r}")
    return hook_out(call, hook)


@ROUTES.delete("/webhooks/{webhook_id}", "Remove a webhook", status=204)
async def delete_hook(call: Call) -> None:
    webhook_id = call.path("webhook_id")
    async with audited(call, "webhook.delete", webhook_id, {}):
        _may_manage_hooks(call)
        hook = await call.ctx.store.webhooks.get(webhook_id)
        if hook is None or not _owns(call, hook):
            raise NotFound(f"no webhook {webhook_id!r}")
        await call.ctx.store.webhooks.delete(webhook_id)
        await call.ctx.webhooks.remove(webhook_id)


def _owns(call: Call, hook: Webhook) -> bool:
    """Admins manage every webhook; a system its own."""
    p = call.principal
    return p.role is Role.ADMIN or "admin" in p.scopes or hook.created_by == p.id


@ROUTES.get("/openapi.json", "This API as an OpenAPI 3.1 document", public=True)
async def openapi(call: Call) -> dict[str, Any]:
    from cti.api.http import openapi_document

    return openapi_document(call.request.app)
