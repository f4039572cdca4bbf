"""Customer commands: agents and supervisors identify and correct callers; systems
need customers:write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cti.api.commands import command
from cti.api.commands.case import CASE_WRITERS, by, receipt
from cti.api.policy import Principal
from cti.api.schemas import CustomerCreateArgs, CustomerUpdateArgs

if TYPE_CHECKING:
    from cti.api.context import ApiContext


@command("customer.create", CustomerCreateArgs, roles=CASE_WRITERS, scope="customers:write",
         summary="A new customer")
async def create(ctx: ApiContext, p: Principal, args: CustomerCreateArgs) -> dict[str, Any]:
    return receipt(await ctx.cases.customers.create(
        args.name, by=by(p, args.by), account_number=args.account_number,
        document=args.document,
        tier=args.tier, phones=args.phones, attributes=args.attributes, value=args.value))


@command("customer.update", CustomerUpdateArgs, roles=CASE_WRITERS, scope="customers:write",
         summary="Change a customer's fields (phones and attributes are replaced)")
async def update(ctx: ApiContext, p: Principal, args: CustomerUpdateArgs) -> dict[str, Any]:
    changes = args.model_dump(exclude_unset=True, exclude={"customer_id", "by"})
    return receipt(await ctx.cases.customers.update(args.customer_id, changes, by=by(p, args.by)))
