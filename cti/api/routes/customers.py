"""Customers: search by phone, account, document or name; create, read, update."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cti.api.policy import Role
from cti.api.routes import Call, Routes, run_command
from cti.api.routes.cases import accepted
from cti.api.schemas import CustomerIn, CustomerPatchIn
from cti.cases import views
from cti.errors import BadRequest

ROUTES = Routes("customers")
READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@ROUTES.get("/customers", "Search customers by one key",
            query=(("phone", "any formatting"), ("account", "account number"),
                   ("document", "document number"), ("name", "part of the name"),
                   ("limit", "1-200 (20)")))
async def find(call: Call) -> list[dict[str, Any]]:
    call.ctx.policy().check_role(call.principal, "search customers", READERS,
                                 "customers:read")
    q = call.query
    if not any(q.get(k) for k in ("phone", "account", "document", "name")):
        raise BadRequest("search by phone, account, document or name")
    found = await call.ctx.cases.customers.find(
        phone=q.get("phone"), account=q.get("account"), document=q.get("document"),
        name=q.get("name"), limit=call.int_query("limit", 20, 1, 200))
    return [views.customer_json(c) for c in found]


@ROUTES.post("/customers", "Create a customer", body=CustomerIn, status=201)
async def create(call: Call) -> Any:
    made = await run_command(call, "customer.create", call.body.model_dump(exclude_none=True))
    return await _reply(call, made, status=201)


@ROUTES.get("/customers/{customer_id}", "A customer with its active cases")
async def get(call: Call) -> dict[str, Any]:
    ctx = call.ctx
    ctx.policy().check_role(call.principal, "read customers", READERS, "customers:read")
    customer = await ctx.cases.customers.get(call.path("customer_id"))
    out = views.customer_json(customer)
    out["open_cases"] = [views.case_json(c, ctx.config.catalogue)
                         for c in await ctx.cases.list(customer_id=str(customer.id),
                                                       status="active")]
    return out


@ROUTES.patch("/customers/{customer_id}", "Change a customer's fields", body=CustomerPatchIn)
async def update(call: Call) -> Any:
    made = await run_command(call, "customer.update", {
        "customer_id": call.path("customer_id"), **call.body.model_dump(exclude_unset=True)})
    return await _reply(call, made)


async def _reply(call: Call, made: dict[str, Any], *, status: int = 200) -> Any:
    if not made["stored"]:
        return accepted(made)
    customer = await call.ctx.cases.customers.get(made["id"] or "")
    return web.json_response(views.customer_json(customer), status=status)
