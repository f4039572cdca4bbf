"""Users (admins manage them; a user reads itself and changes its own password)."""

from __future__ import annotations

import asyncio

from cti.api import accounts, passwords
from cti.api.auth import BadCredentials
from cti.api.policy import Forbidden, Principal, Role
from cti.api.routes import Call, Routes, audited
from cti.api.schemas import PasswordIn, UserIn, UserOut, UserPatch
from cti.store.users import User

ROUTES = Routes("users")
ADMINS = (Role.ADMIN,)


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, role=user.role, agent_id=user.agent_id, name=user.name,
                   queues=list(user.queues), units=list(user.units), disabled=user.disabled,
                   created_at=user.created_at)


@ROUTES.get("/users", "Every user", response=UserOut, many=True)
async def list_users(call: Call) -> list[UserOut]:
    call.ctx.policy().check_role(call.principal, "list users", ADMINS, "admin")
    return [user_out(u) for u in await call.ctx.store.users.list()]


@ROUTES.post("/users", "Add a user", body=UserIn, response=UserOut, status=201)
async def add_user(call: Call) -> UserOut:
    ctx, p, body = call.ctx, call.principal, call.body
    async with audited(call, "user.add", body.id, body.model_dump(exclude={"password"})):
        ctx.policy().check_role(p, "add users", ADMINS, "admin")
        user = await accounts.add_user(ctx.store, ctx.config, body.id, role=body.role,
                                       password=body.password, name=body.name,
                                       agent_id=body.agent_id, queues=body.queues,
                                       units=body.units)
    return user_out(user)


@ROUTES.get("/users/{user_id}", "A user (admins, or the user itself)", response=UserOut)
async def get_user(call: Call) -> UserOut:
    user_id = call.path("user_id")
    _self_or_admin(call, call.principal, user_id, "read")
    return user_out(await call.ctx.store.users.require(user_id))


@ROUTES.patch("/users/{user_id}", "Change a user's role, agent, queues, units; disable",
              body=UserPatch, response=UserOut)
async def patch_user(call: Call) -> UserOut:
    ctx, user_id = call.ctx, call.path("user_id")
    changes = call.body.model_dump(exclude_unset=True)
    async with audited(call, "user.update", user_id, dict(changes)):
        ctx.policy().check_role(call.principal, "change users", ADMINS, "admin")
        disabled = changes.pop("disabled", None)
        user = await accounts.update_user(ctx.store, ctx.config, user_id, **changes)
        if disabled is not None:
            await ctx.store.users.set_disabled(user_id, disabled)
            user = await ctx.store.users.require(user_id)
    return user_out(user)


@ROUTES.post("/users/{user_id}/password", "A new password (the user's sessions end); a "
             "user changing its own gives current_password", body=PasswordIn, status=204)
async def change_password(call: Call) -> None:
    ctx, p, user_id, body = call.ctx, call.principal, call.path("user_id"), call.body
    async with audited(call, "user.password", user_id, {}):
        _self_or_admin(call, p, user_id, "change the password of")
        if p.id == user_id and p.role is not Role.ADMIN:
            user = await ctx.store.users.require(user_id)
            if not await asyncio.to_thread(passwords.verify_password, user.password_hash,
                                           body.current_password or ""):
                raise BadCredentials()
        await accounts.set_password(ctx.store, user_id, body.password)


def _self_or_admin(call: Call, p: Principal, user_id: str, what: str) -> None:
    if p.id == user_id or p.role is Role.ADMIN or "admin" in p.scopes:
        return
    raise Forbidden(f"{p.describe()} may not {what} user {user_id}: only admins and the "
                    "user itself may")
