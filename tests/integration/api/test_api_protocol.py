"""What the service does with bad input: malformed and deeply nested JSON, unknown
types, missing fields, huge frames, floods, binary frames, invalid UTF-8, slow
requests, foreign origins. Each gets a clear error; the socket and the service
go on. And reconnecting: replay from the buffer, or a snapshot."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
from api_support import ApiEnv, api_env, wait_for


async def test_bad_frames_get_errors_and_the_socket_goes_on(api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        token = await api.user("lucia", "agent", agent="a1001")
        desk = await api.desk(token)
        await desk.next("snapshot")
        cases = [
            ("{not json", "bad-json"),
            ("[1, 2]", "bad-message"),
            (json.dumps({"type": "dance"}), "unknown-type"),
            (json.dumps({"type": "command", "name": "agent.ready"}), "invalid-field"),
            ("[" * 100 + "]" * 100, "bad-json"),
            ("x" * 70_000, "too-big"),
            (json.dumps({"type": "auth", "token": token}), "already-authenticated"),
        ]
        for text, code in cases:
            await desk.ws.send_str(text)
            error = await desk.next("error")
            assert error["code"] == code, (text[:30], error)
            assert error["message"]
        await desk.ws.send_bytes(b"\x00\x01")
        assert (await desk.next("error"))["code"] == "binary"
        reply = await desk.command("agent.dance")
        assert reply["error"]["code"] == "unknown-command"
        assert "agent.ready" in reply["error"]["message"]
        reply = await desk.command("agent.pause", {"reason": 5})
        assert reply["error"] == {"code": "invalid-field",
                                  "message": "args.reason: Input should be a valid string"}
        reply = await desk.command("agent.ready")
        assert reply["ok"] and reply["result"]["state"] == "READY"   # still working


async def test_a_flood_is_rate_limited_and_twenty_bad_frames_close_the_socket(
        api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        token = await api.user("lucia", "agent", agent="a1001")
        desk = await api.desk(token)
        for i in range(100):
            await desk.send({"type": "command", "id": f"f{i}", "name": "agent.login",
                             "args": {}})
        replies = [await desk.next("reply") for _ in range(100)]
        codes = [r["error"]["code"] if not r["ok"] else "ok" for r in replies]
        assert codes.count("rate-limited") >= 50
        assert "ok" in codes
        limited = next(r for r in replies if not r["ok"]
                       and r["error"]["code"] == "rate-limited")
        assert "at most 20 a second" in limited["error"]["message"]
        for _ in range(25):
            await desk.ws.send_str("nope")
        assert await desk.closed() == 4000
        other = await api.desk(await api.login("lucia"))   # the service is unharmed
        assert (await other.command("agent.ready"))["ok"]


async def test_repeating_a_command_id_answers_again_without_running_it_twice(
        api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        token = await api.user("lucia", "agent", agent="a1001")
        desk = await api.desk(token)
        first = await desk.command("agent.ready", ref="same")
        await desk.command("agent.pause", {"reason": "lunch"})
        again = await desk.command("agent.ready", ref="same")
        assert again == first
        assert api.env.agent_state("a1001") == "NOT_READY"   # not made READY again
        await api.service.api.audit.flush()
        audit = await api.service.store.audit.find(actor="lucia")
        assert [e.command for e in reversed(audit)] == ["agent.ready", "agent.pause"]


async def test_a_desktop_resumes_from_the_replay_buffer_or_reloads(api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        token = await api.user("lucia", "agent", agent="a1001")
        desk = await api.desk(token)
        snapshot = await desk.next("snapshot")
        await desk.command("agent.login")
        seen = await desk.next("agent.state_changed")
        await desk.close()
        await api.env.service.agent_command("a1001", "ready", None)     # while away
        await api.env.service.agent_command("a1001", "pause", "lunch")
        await api.env.service.agent_command("a1002", "ready", None)     # not hers
        stream, hub = api.service.stream, api.service.api.hub
        await wait_for(lambda: hub.last_seq == stream.last_seq, what="events delivered")
        back = await api.desk(token, resume={"epoch": seen["epoch"], "seq": seen["seq"]})
        missed = [await back.next("agent.state_changed") for _ in range(2)]
        assert [m["data"]["state"] for m in missed] == ["READY", "NOT_READY"]
        replayed = await back.next("replayed")
        got = back.frames[1:back.frames.index(replayed)]
        assert replayed["count"] == len(got) and "snapshot" not in back.types()
        assert all(f["seq"] > seen["seq"] and f["agent_id"] == "a1001" for f in got)

        unknown = await api.desk(token, resume={"epoch": "another-db", "seq": 5})
        assert (await unknown.next("snapshot"))["reason"] == "unknown-epoch"
        ahead = await api.desk(token, resume={"epoch": snapshot["epoch"], "seq": 10**9})
        assert (await ahead.next("snapshot"))["reason"] == "too-far-behind"


async def test_rest_refuses_bad_bodies_with_400_not_500(api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        admin = await api.user("root", "admin")
        json_headers = {"Content-Type": "application/json"}
        for data, code in ((b'{"name": "\xff\xfe"}', "bad-json"),
                           (b"[" * 5000 + b"]" * 5000, "bad-json"),
                           (b'{"a":' * 40 + b"1" + b"}" * 40, "bad-json"),
                           (b"{broken", "bad-json"),
                           (b'["list"]', "bad-json"),
                           (b'{"name": "Ana\\u0000"}', "invalid-field"),
                           (b'{"name": "Ana", "colour": "red"}', "invalid-field")):
            status, body = await api.rest("POST", "/api/v1/customers", admin, data=data,
                                          headers=json_headers)
            assert (status, body["error"]) == (400, code), (data[:20], body)
        status, body = await api.rest("POST", "/api/v1/customers", admin,
                                      body={"name": "Ana\x1b[2J Ruiz"})
        assert status == 201 and body["name"] == "Ana[2J Ruiz"
        status, body = await api.rest("GET", "/api/v1/nowhere", admin)
        assert (status, body["error"]) == (404, "not-found")


async def test_slow_requests_time_out_and_cors_and_hosts_follow_the_config(
        dsn: str, tmp_path: Path) -> None:
    http = {"head_timeout": 0.5, "cors_origins": ["https://crm.example.com"],
            "allowed_hosts": ["cti.example.com"]}
    async with api_env(dsn, tmp_path / "config", cti={"http": http}) as api:
        port = api.service.http_port
        async with asyncio.timeout(20):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /api/v1/health HTTP/1.1\r\nHost: 127")   # never finished
            await writer.drain()
            assert await reader.read() == b""                 # the service hangs up
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert (await reader.readline()).startswith(b"HTTP/1.1 200")
            writer.close()

            crm = {"Origin": "https://crm.example.com"}
            async with api.http.options(api.url + "/api/v1/customers", headers={
                    **crm, "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization"}) as response:
                assert response.status == 204
                assert response.headers["Access-Control-Allow-Origin"] == crm["Origin"]
                assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
            status, body = await api.rest("GET", "/api/v1/agents", headers=crm)
            assert (status, body["error"]) == (401, "no-token")
            token = await api.user("root", "admin")
            async with api.http.get(api.url + "/api/v1/agents", headers={
                    **crm, "Authorization": f"Bearer {token}"}) as response:
                assert response.status == 200
                assert response.headers["Access-Control-Allow-Origin"] == crm["Origin"]
            status, body = await api.rest("GET", "/api/v1/agents", token,
                                          headers={"Host": "evil.example"})
            assert status == 403 and "Host 'evil.example'" in body["message"]
            status, _ = await api.rest("GET", "/api/v1/agents", token,
                                       headers={"Host": "cti.example.com"})
            assert status == 200
            status, _ = await api.rest("GET", "/api/v1/health",
                                       headers={"Host": "evil.example"})
            assert status == 200                               # health: no checks


async def test_foreign_origins_and_hosts_are_refused_and_listed_origins_get_cors(
        api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        admin = await api.user("root", "admin")
        status, body = await api.rest("GET", "/api/v1/agents", admin,
                                      headers={"Origin": "https://evil.example"})
        assert (status, body["error"]) == (403, "origin-refused")
        same = f"http://127.0.0.1:{api.service.http_port}"
        status, _ = await api.rest("GET", "/api/v1/agents", admin, headers={"Origin": same})
        assert status == 200
        try:
            await api.http.ws_connect(api.url + "/api/v1/ws",
                                      headers={"Origin": "https://evil.example"})
            raise AssertionError("a foreign origin opened a socket")
        except aiohttp.WSServerHandshakeError as exc:
            assert exc.status == 403
