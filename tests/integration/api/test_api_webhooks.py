"""Webhooks: events POSTed signed to a real HTTP server, retried with backoff, and
visible while failing."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import pytest
from aiohttp import web
from api_support import ApiEnv, wait_for

from cti.api import webhooks


async def test_deliveries_are_signed_retried_and_failures_shown(
        api: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "FIRST_RETRY", 0.1)
    received: list[tuple[dict[str, str], bytes]] = []
    answers = [500, 503]

    async def receive(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=answers.pop(0) if answers else 204)

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with asyncio.timeout(30):
            admin = await api.user("root", "admin")
            status, hook = await api.rest("POST", "/api/v1/webhooks", admin, body={
                "url": f"http://127.0.0.1:{port}/hook", "events": ["agent.state_changed"]})
            assert status == 201 and hook["secret"].startswith("whsec_")
            await api.env.ready("a1001")
            await wait_for(lambda: len(received) >= 1, what="first attempt")
            while not (failing := await _hook(api, admin, hook["id"]))["failing"]:
                await asyncio.sleep(0.02)  # the 500 reached the sender after the handler ran
            assert failing["last_error"] in ("HTTP 500", "HTTP 503")
            status, board = await api.rest("GET", "/api/v1/status", admin)
            assert [w["id"] for w in board["webhooks_failing"]] == [hook["id"]]
            await wait_for(lambda: len(received) >= 3, what="delivered after two failures")
            while (ok := await _hook(api, admin, hook["id"]))["delivered"] == 0:
                await asyncio.sleep(0.05)              # the success is recorded
            assert (ok["failing"], ok["failures"], ok["delivered"]) == (False, 0, 1)
            assert ok["secret"] is None                  # shown once only
    finally:
        await runner.cleanup()
    headers, body = received[-1]
    event = json.loads(body)
    assert event["type"] == "agent.state_changed" and event["agent_id"] == "a1001"
    assert headers["X-CTI-Event"] == "agent.state_changed"
    stamp, mac = (part.split("=", 1)[1] for part in headers["X-CTI-Signature"].split(","))
    expected = hmac.new(hook["secret"].encode(), f"{stamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)
    assert len({h["X-CTI-Delivery"] for h, _ in received}) == 3   # one id per attempt


async def _hook(api: ApiEnv, token: str, hook_id: str) -> dict[str, Any]:
    status, hook = await api.rest("GET", f"/api/v1/webhooks/{hook_id}", token)
    assert status == 200
    return hook
