"""REST routes of cases and customers: thin handlers over the CaseService.

Each handler reads the request, calls one service method, and returns the
JSON the service's reads give (cti/cases/views.py). Errors are the service's
``CtiError``s, turned into ``{"error": code, "message": ...}`` by the
middleware of cti/api/http.py. A command answers 201/200 with what is stored,
or 202 ``{"stored": false}`` when the database has not stored it yet (it
will: the event is kept in memory).

Until the access policy exists, the acting person is the request's ``by``
(default ``api``); the policy will take it from the authenticated user.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from cti.cases import views
from cti.cases.catalogue import tree
from cti.cases.publish import Receipt
from cti.cases.service import CaseService
from cti.config import LEVELS
from cti.errors import BadRequest, ServiceUnavailable

#: The object whose ``cases`` attribute is the running CaseService (the Service).
OWNER = web.AppKey("case-owner", object)
PREFIX = "/api/v1"


def add_routes(app: web.Application, owner: object) -> None:
    """Register the routes; ``owner.cases`` is read at each request (None: 503)."""
    app[OWNER] = owner
    r = app.router
    r.add_get(f"{PREFIX}/cases", list_cases)
    r.add_post(f"{PREFIX}/cases", open_case)
    r.add_get(f"{PREFIX}/cases/{{case_id}}", get_case)
    r.add_post(f"{PREFIX}/cases/{{case_id}}/notes", add_note)
    r.add_post(f"{PREFIX}/cases/{{case_id}}/attachments", add_attachment)
    r.add_get(f"{PREFIX}/cases/{{case_id}}/attachments/{{attachment_id}}", get_attachment)
    r.add_post(f"{PREFIX}/cases/{{case_id}}/derivations", derive)
    r.add_post(f"{PREFIX}/cases/{{case_id}}/derivations/{{derivation_id}}/answer", answer)
    r.add_post(f"{PREFIX}/cases/{{case_id}}/status", set_status)
    r.add_post(f"{PREFIX}/cases/{{case_id}}/classification", classify)
    r.add_post(f"{PREFIX}/cases/{{case_id}}/interactions", link_interaction)
    r.add_post(f"{PREFIX}/cases/{{case_id}}/assignment", assign)
    r.add_post(f"{PREFIX}/cases/{{case_id}}/follow-up", follow_up)
    r.add_post(f"{PREFIX}/cases/{{case_id}}/customer", change_customer)
    r.add_get(f"{PREFIX}/catalogue", get_catalogue)
    r.add_get(f"{PREFIX}/units", get_units)
    r.add_get(f"{PREFIX}/customers", find_customers)
    r.add_post(f"{PREFIX}/customers", create_customer)
    r.add_get(f"{PREFIX}/customers/{{customer_id}}", get_customer)
    r.add_patch(f"{PREFIX}/customers/{{customer_id}}", update_customer)


# --- cases -------------------------------------------------------------------------


async def list_cases(request: web.Request) -> web.Response:
    service = _service(request)
    q = request.query
    status = q.get("status")
    if status not in (None, "open", "pending", "closed", "active"):
        raise BadRequest(f"status {status!r}: use open, pending, closed or active")
    found = await service.list(customer_id=q.get("customer"), status=status,
                               unit=q.get("unit"), owner=q.get("owner"),
                               limit=_int(q.get("limit", "50"), "limit", 1, 500))
    return web.json_response([views.case_json(c, service.config.catalogue) for c in found])


async def open_case(request: web.Request) -> web.Response:
    service = _service(request)
    body = await _body(request)
    receipt = await service.open_case(
        customer_id=_opt_str(body, "customer_id"), by=_by(body),
        classification=_classification(body), call_type=_opt_str(body, "call_type"),
        unit=_opt_str(body, "unit"), owner=_opt_str(body, "owner"),
        subject=_opt_str(body, "subject"), interaction_id=_opt_str(body, "interaction_id"))
    return await _case_reply(service, receipt, status=201)


async def get_case(request: web.Request) -> web.Response:
    service = _service(request)
    details = await service.details(request.match_info["case_id"])
    return web.json_response(views.details_json(details, service.config.catalogue))


async def add_note(request: web.Request) -> web.Response:
    service, case_id, body = await _command(request)
    receipt = await service.add_note(case_id, _str(body, "text"), author=_by(body, "author"),
                                     interaction_id=_opt_str(body, "interaction_id"))
    if not receipt.stored:
        return _accepted(receipt)
    note = next(n for n in await service.notes(case_id) if str(n.id) == receipt.id)
    return web.json_response(views.plain(note), status=201)


async def add_attachment(request: web.Request) -> web.Response:
    """``multipart/form-data`` with a ``file`` part (and optionally ``by``)."""
    service = _service(request)
    case_id = request.match_info["case_id"]
    store = service.attachments
    limit = store.settings.max_bytes
    if request.content_length is not None and request.content_length > limit + 65536:
        store.check_size("upload", request.content_length)
    if not request.content_type.startswith("multipart/"):
        raise BadRequest("send the file as multipart/form-data with a 'file' part")
    reader = await request.multipart()
    by, upload = "api", None
    while (part := await reader.next()) is not None:
        if part.name == "by":
            by = (await part.text()).strip() or by  # type: ignore[union-attr]
        elif part.name == "file":
            name = part.filename or "file"  # type: ignore[union-attr]
            content = bytearray()
            while chunk := await part.read_chunk(65536):  # type: ignore[union-attr]
                content += chunk
                store.check_size(name, len(content))
            kind = part.headers.get("Content-Type", "application/octet-stream")
            upload = (name, kind, bytes(content))
    if upload is None:
        raise BadRequest("no 'file' part in the upload")
    receipt = await service.add_attachment(case_id, name=upload[0], content_type=upload[1],
                                           content=upload[2], by=by)
    if not receipt.stored:
        return _accepted(receipt)
    found = await service.attachment(case_id, receipt.id or "")
    return web.json_response(views.plain(found[0]) if found else {"id": receipt.id},
                             status=201)


async def get_attachment(request: web.Request) -> web.Response:
    service = _service(request)
    found = await service.attachment(request.match_info["case_id"],
                                     request.match_info["attachment_id"])
    if found is None:
        raise web.HTTPNotFound(reason="no such attachment on this case")
    meta, content = found
    disposition = f"attachment; filename*=UTF-8''{_quote(meta.name)}"
    return web.Response(body=content, content_type=meta.content_type,
                        headers={"Content-Disposition": disposition,
                                 "X-Content-SHA256": meta.sha256})


async def derive(request: web.Request) -> web.Response:
    service, case_id, body = await _command(request)
    receipt = await service.derive(case_id, unit=_str(body, "unit"), reason=_str(body, "reason"),
                                   by=_by(body))
    return await _case_reply(service, receipt, case_id, status=201)


async def answer(request: web.Request) -> web.Response:
    service, case_id, body = await _command(request)
    receipt = await service.answer_derivation(case_id, request.match_info["derivation_id"],
                                              answer=_str(body, "answer"), by=_by(body))
    return await _case_reply(service, receipt, case_id)


async def set_status(request: web.Request) -> web.Response:
    service, case_id, body = await _command(request)
    receipt = await service.set_status(case_id, _str(body, "status"), by=_by(body),
                                       resolution=_opt_str(body, "resolution"))
    return await _case_reply(service, receipt, case_id)


async def classify(request: web.Request) -> web.Response:
    service, case_id, body = await _command(request)
    source = body.get("classification", body)
    given = isinstance(source, dict) and any(k in source for k in LEVELS)
    receipt = await service.classify(case_id, by=_by(body),
                                     classification=_classification(body) if given else None,
                                     call_type=_opt_str(body, "call_type"))
    return await _case_reply(service, receipt, case_id)


async def link_interaction(request: web.Request) -> web.Response:
    service, case_id, body = await _command(request)
    receipt = await service.link_interaction(case_id, _str(body, "interaction_id"),
                                             by=_by(body))
    return await _case_reply(service, receipt, case_id)


async def assign(request: web.Request) -> web.Response:
    service, case_id, body = await _command(request)
    receipt = await service.assign(case_id, unit=_opt_str(body, "unit"),
                                   owner=_opt_str(body, "owner"), by=_by(body))
    return await _case_reply(service, receipt, case_id)


async def follow_up(request: web.Request) -> web.Response:
    service, case_id, body = await _command(request)
    text = _opt_str(body, "at")
    try:
        at = None if text is None else datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"'at' {text!r} is not an ISO 8601 time like "
                         "2026-12-01T09:00:00+01:00") from None
    receipt = await service.set_follow_up(case_id, at, by=_by(body))
    return await _case_reply(service, receipt, case_id)


async def change_customer(request: web.Request) -> web.Response:
    service, case_id, body = await _command(request)
    receipt = await service.change_customer(case_id, _str(body, "customer_id"), by=_by(body))
    return await _case_reply(service, receipt, case_id)


async def get_catalogue(request: web.Request) -> web.Response:
    return web.json_response(tree(_service(request).config.catalogue))


async def get_units(request: web.Request) -> web.Response:
    config = _service(request).config
    return web.json_response({"default_unit": config.default_unit,
                              "units": [views.plain(u.model_dump())
                                        for u in config.units.values()]})


# --- customers --------------------------------------------------------------------------


async def find_customers(request: web.Request) -> web.Response:
    service = _service(request)
    q = request.query
    found = await service.customers.find(phone=q.get("phone"), account=q.get("account"),
                                         document=q.get("document"), name=q.get("name"),
                                         limit=_int(q.get("limit", "20"), "limit", 1, 200))
    return web.json_response([views.customer_json(c) for c in found])


async def create_customer(request: web.Request) -> web.Response:
    service = _service(request)
    body = await _body(request)
    phones = body.get("phones", [])
    attributes = body.get("attributes") or {}
    if not isinstance(phones, list) or not isinstance(attributes, dict):
        raise BadRequest("'phones' must be a list and 'attributes' an object")
    receipt = await service.customers.create(
        _str(body, "name"), by=_by(body), account_number=_opt_str(body, "account_number"),
        document=_opt_str(body, "document"), tier=_opt_str(body, "tier") or "standard",
        phones=phones, attributes=attributes, value=body.get("value"))
    return await _customer_reply(service, receipt, status=201)


async def get_customer(request: web.Request) -> web.Response:
    service = _service(request)
    customer = await service.customers.get(request.match_info["customer_id"])
    out = views.customer_json(customer)
    out["open_cases"] = [views.case_json(c, service.config.catalogue)
                         for c in await service.list(customer_id=str(customer.id),
                                                     status="active")]
    return web.json_response(out)


async def update_customer(request: web.Request) -> web.Response:
    service = _service(request)
    body = await _body(request)
    by = _by(body)
    changes = {k: v for k, v in body.items() if k != "by"}
    receipt = await service.customers.update(request.match_info["customer_id"], changes, by=by)
    return await _customer_reply(service, receipt)


# --- helpers ---------------------------------------------------------------------------


def _service(request: web.Request) -> CaseService:
    service = getattr(request.app[OWNER], "cases", None)
    if service is None:
        raise ServiceUnavailable("cases are not available: the case service is not running")
    return service


async def _command(request: web.Request) -> tuple[CaseService, str, dict[str, Any]]:
    return _service(request), request.match_info["case_id"], await _body(request)


async def _case_reply(service: CaseService, receipt: Receipt, case_id: str | None = None,
                      *, status: int = 200) -> web.Response:
    if not receipt.stored:
        return _accepted(receipt)
    case = await service.get(case_id or receipt.id or "")
    out = views.case_json(case, service.config.catalogue)
    if receipt.id and receipt.id != str(case.id):
        out["made"] = receipt.id  # the derivation's id
    return web.json_response(out, status=status)


async def _customer_reply(service: CaseService, receipt: Receipt, *,
                          status: int = 200) -> web.Response:
    if not receipt.stored:
        return _accepted(receipt)
    customer = await service.customers.get(receipt.id or "")
    return web.json_response(views.customer_json(customer), status=status)


def _accepted(receipt: Receipt) -> web.Response:
    return web.json_response({"id": receipt.id, "seq": receipt.seq, "stored": False,
                              "message": "accepted; the database has not stored it yet "
                                         "(it will when it is back)"}, status=202)


async def _body(request: web.Request) -> dict[str, Any]:
    from cti.api.http import _json_body  # http imports this module: import at call time

    return await _json_body(request)


def _classification(body: dict[str, Any]) -> dict[str, Any]:
    source = body.get("classification", body)
    if not isinstance(source, dict):
        raise BadRequest("'classification' must be an object with topic, reason, sub_reason, "
                         "question")
    return {k: _opt_str(source, k) for k in LEVELS}


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"'{key}' is required: a non-empty string")
    return value


def _opt_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{key}' must be a string")
    return value.strip() or None


def _by(body: dict[str, Any], key: str = "by") -> str:
    return _opt_str(body, key) or _opt_str(body, "by") or "api"


def _int(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, got {text!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
