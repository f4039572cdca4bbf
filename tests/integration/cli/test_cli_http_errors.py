"""`cti status --url` at whatever answers there: one clear line and a non-zero exit each,
never a traceback (1: nothing answers, 2: something that is not the cti API)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from cti.cli import main


@pytest.fixture
async def other_server() -> AsyncIterator[str]:
    """A web server that is not the cti service, on a free port."""
    async def html(request: web.Request) -> web.Response:
        return web.Response(text="<html>hello</html>", content_type="text/html")

    async def binary(request: web.Request) -> web.Response:
        return web.Response(body=bytes(range(256)) * 8,
                            content_type="application/octet-stream")

    async def other_json(request: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    async def other_list(request: web.Request) -> web.Response:
        return web.json_response([1, 2, 3])

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/login")

    async def gateway(request: web.Request) -> web.Response:
        return web.Response(status=502, text="Bad Gateway")

    app = web.Application()
    for prefix, handler in (("html", html), ("binary", binary), ("json", other_json),
                            ("list", other_list), ("redirect", redirect),
                            ("gateway", gateway)):
        app.router.add_get(f"/{prefix}/api/v1/status", handler)
        app.router.add_get(f"/{prefix}/api/v1/calls", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def _cti(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


@pytest.mark.parametrize(("path", "code", "words"), [
    ("/html", 2, "is not the cti service: it answered GET /api/v1/status with HTTP 200 and "
                 "text/html, not JSON"),
    ("/binary", 2, "with HTTP 200 and application/octet-stream, not JSON"),
    ("/json", 2, "is not the cti service: its answer to GET /api/v1/status has no "
                 "'uptime_seconds'"),
    ("/list", 2, "its answer to GET /api/v1/status has no 'uptime_seconds'"),
    ("/redirect", 2, "it answered GET /api/v1/status with HTTP 302"),
    ("/nothing", 2, "it answered GET /api/v1/status with HTTP 404"),
    ("/gateway", 1, "cannot reach the service at"),
])
async def test_status_at_something_else_is_one_clear_line(
        other_server: str, capsys: pytest.CaptureFixture[str], path: str, code: int,
        words: str) -> None:
    async with asyncio.timeout(20):
        assert await _cti("status", "--url", other_server + path) == code
    err = capsys.readouterr().err
    assert err.startswith("cti: ") and words in err, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


async def test_other_commands_say_the_same(other_server: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    async with asyncio.timeout(20):
        assert await _cti("calls", "--url", other_server + "/json") == 2
        assert "its answer to GET /api/v1/calls is not a list" in capsys.readouterr().err
        assert await _cti("explain", "abc", "--url", other_server + "/html") == 2
        assert "not JSON" in capsys.readouterr().err


async def test_the_service_down_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()  # nothing listens there any more
    async with asyncio.timeout(20):
        for argv in (["status"], ["calls"], ["agent", "ready", "a1001"], ["reload"]):
            assert await _cti(*argv, "--url", f"127.0.0.1:{port}") == 1
            err = capsys.readouterr().err
            assert err.startswith(f"cti: cannot reach the service at http://127.0.0.1:{port} ")
            assert len(err.splitlines()) == 1
