"""Signing in, tokens (expired, renewed, revoked), disabled users, API keys, the
operator key of the cti command, and the socket's close codes."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from api_support import PASSWORD, ApiEnv

from cti.api import ws as ws_module
from cti.api.tokens import Claims, TokenSigner
from cti.cli import main as cli


async def test_bad_passwords_are_refused_then_throttled_per_user(api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        await api.user("lucia", "agent", agent="a1001")
        for password in ("wrong one", "wrong two"):
            status, body = await api.rest("POST", "/api/v1/login",
                                          body={"username": "lucia", "password": password})
            assert (status, body) == (401, {"error": "bad-credentials",
                                            "message": "wrong user name or password"})
        status, body = await api.rest("POST", "/api/v1/login",
                                      body={"username": "nobody", "password": "whatever1"})
        assert (status, body["error"]) == (401, "bad-credentials")  # same answer
        for _ in range(3):
            await api.rest("POST", "/api/v1/login",
                           body={"username": "lucia", "password": "wrong again"})
        async with api.http.post(api.url + "/api/v1/login",
                                 json={"username": "lucia", "password": PASSWORD}) as response:
            assert response.status == 429
            assert int(response.headers["Retry-After"]) > 200
            assert (await response.json())["error"] == "too-many-attempts"


async def test_requests_without_a_good_token_get_401_with_the_reason(api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        status, body = await api.rest("GET", "/api/v1/agents")
        assert (status, body["error"]) == (401, "no-token")
        status, body = await api.rest("GET", "/api/v1/agents", "cti1.bm9wZQ.bm9wZQ")
        assert (status, body["error"]) == (401, "bad-token")
        status, body = await api.rest("GET", "/api/v1/health")
        assert (status, body["status"]) == (200, "ok")          # needs no token
        status, body = await api.rest("GET", "/api/v1/openapi.json")
        assert status == 200 and body["openapi"] == "3.1.0"


async def _token(api: ApiEnv, user_id: str, expires_in: float) -> str:
    """A token of a new session, signed with the service's key, expiring as asked."""
    store = api.service.store
    session = uuid.uuid4()
    await store.users.open_session(session, user_id, address="test",
                                   expires_at=datetime.now(UTC) + timedelta(hours=1))
    signer = TokenSigner(await store.users.signing_key())
    now = time.time()
    return signer.sign(Claims(user_id, session, now - 120, now + expires_in))


async def test_an_open_socket_is_told_to_renew_then_closed_when_its_token_expires(
        api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        await api.user("lucia", "agent", agent="a1001")
        desk = await api.desk(await _token(api, "lucia", expires_in=2.5))
        expiring = await desk.next("expiring", timeout=5)
        assert expiring["expires_at"].endswith("Z")
        assert await desk.closed() == 4003


async def test_expired_revoked_and_renewed_tokens(api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        token = await api.user("lucia", "agent", agent="a1001")
        expired = await _token(api, "lucia", expires_in=-60)
        status, body = await api.rest("GET", "/api/v1/me", expired)
        assert (status, body["error"]) == (401, "token-expired")
        desk = await api.connect(expired)
        assert await desk.closed() == 4003

        desk = await api.desk(token)
        await desk.send({"type": "renew"})
        renewed = await desk.next("token")
        assert renewed["token"] != token
        status, me = await api.rest("GET", "/api/v1/me", renewed["token"])
        assert status == 200 and me["user"]["agent_id"] == "a1001"
        assert me["agent"]["state"] == "LOGGED_OUT"

        status, _ = await api.rest("POST", "/api/v1/logout", renewed["token"])
        assert status == 204
        assert await desk.closed() == 4004              # the session's sockets close
        for used in (token, renewed["token"]):
            status, body = await api.rest("GET", "/api/v1/me", used)
            assert (status, body["error"]) == (401, "token-revoked")


async def test_disabling_a_user_closes_its_sockets_and_stops_its_sign_ins(
        api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        token = await api.user("lucia", "agent", agent="a1001")
        desk = await api.desk(token)
        await api.service.store.users.set_disabled("lucia", True)   # as `cti user disable`
        assert await desk.closed() == 4004
        status, body = await api.rest("POST", "/api/v1/login",
                                      body={"username": "lucia", "password": PASSWORD})
        assert (status, body["error"]) == (403, "forbidden")
        assert "disabled" in body["message"]
        await api.service.store.users.set_disabled("lucia", False)
        await api.login("lucia")


async def test_the_socket_tells_apart_no_token_bad_token_and_a_wrong_first_message(
        api: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ws_module, "AUTH_TIMEOUT", 0.3)
    async with asyncio.timeout(30):
        silent = await api.connect()
        assert await silent.closed() == 4001
        wrong = await api.connect(first={"type": "command", "id": "1", "name": "x"})
        assert await wrong.closed() == 4001
        junk = await api.connect(first="{not json")
        assert await junk.closed() == 4001
        bad = await api.connect("cti1.e30.AAAA")
        assert await bad.closed() == 4002
        for desk in (silent, wrong, junk, bad):
            assert desk.types() == []                  # not a word before signing in


async def test_api_keys_do_what_their_scopes_allow(api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        admin = await api.user("root", "admin")
        status, made = await api.rest("POST", "/api/v1/api-keys", admin,
                                      body={"name": "crm", "scopes": ["customers:read"]})
        assert status == 201 and made["key"].startswith("ctik_")
        key = made["key"]
        status, found = await api.rest("GET", "/api/v1/customers?name=Ana", key)
        assert status == 200 and isinstance(found, list)
        status, body = await api.rest("POST", "/api/v1/customers", key, body={"name": "X"})
        assert (status, body["error"]) == (403, "forbidden")
        assert "needs the scope customers:write" in body["message"]
        status, body = await api.rest("POST", "/api/v1/agents/a1001/ready", key)
        assert (status, body["error"]) == (403, "forbidden")
        status, keys = await api.rest("GET", "/api/v1/api-keys", admin)
        assert [k["name"] for k in keys] == ["crm"] and keys[0]["key"] is None
        status, _ = await api.rest("DELETE", f"/api/v1/api-keys/{made['id']}", admin)
        assert status == 204
        await asyncio.sleep(0.2)                        # the NOTIFY drops the cached key
        status, body = await api.rest("GET", "/api/v1/customers?name=Ana", key)
        assert (status, body["error"]) == (401, "token-revoked")


async def test_the_cti_command_uses_the_operator_key_of_its_config(
        api: ApiEnv, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CTI_API_KEY", raising=False)
    config = str(api.env.config_dir)
    async with asyncio.timeout(30):
        assert await asyncio.to_thread(cli, ["agent", "ready", "a1002", "--url", api.url,
                                             "--config", config]) == 0
        assert "a1002: READY" in capsys.readouterr().out
        monkeypatch.setenv("CTI_API_KEY", "ctik_0000000000_" + "x" * 40)
        assert await asyncio.to_thread(cli, ["status", "--url", api.url,
                                             "--config", config]) == 2
        err = capsys.readouterr().err
        assert "bad token" in err and "operator key" in err
    audit = await api.service.store.audit.find(actor="operator") \
        if await api.service.api.audit.flush() else []
    assert [(e.command, e.via) for e in audit] == [("agent.ready", "rest")]
