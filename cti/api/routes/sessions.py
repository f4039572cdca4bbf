"""Signing in and out, renewing the token, who am I."""

from __future__ import annotations

from typing import Any

from cti.api.policy import Principal
from cti.api.routes import Call, Routes
from cti.api.schemas import LoginIn, MeOut, TokenOut, UserOut
from cti.events import iso

ROUTES = Routes("sessions")


def user_out(p: Principal) -> UserOut:
    return UserOut.model_validate(p.public())


@ROUTES.post("/login", "Sign in: an expiring signed token", body=LoginIn, response=TokenOut,
             public=True)
async def login(call: Call) -> TokenOut:
    body: LoginIn = call.body
    issued = await call.ctx.auth.login(body.username, body.password, call.address)
    return TokenOut(token=issued.token, expires_at=iso(issued.expires_at),
                    user=user_out(issued.principal))


@ROUTES.post("/token", "A new token for the same session (renew before expiry)",
             response=TokenOut)
async def renew(call: Call) -> TokenOut:
    issued = await call.ctx.auth.renew(call.principal)
    return TokenOut(token=issued.token, expires_at=iso(issued.expires_at),
                    user=user_out(issued.principal))


@ROUTES.post("/logout", "End the session: its tokens stop working, its sockets close",
             status=204)
async def logout(call: Call) -> None:
    await call.ctx.auth.logout(call.principal)


@ROUTES.get("/me", "The signed-in user and its agent", response=MeOut)
async def me(call: Call) -> MeOut:
    p = call.principal
    agent: dict[str, Any] | None = None
    if p.agent_id is not None and p.agent_id in call.ctx.config.agents:
        agent = call.ctx.hub.board.agent(p.agent_id)
    return MeOut(user=user_out(p), agent=agent)
