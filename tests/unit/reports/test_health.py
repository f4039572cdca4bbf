"""Readiness, systemd notification and the container's health check command."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from cti.health import check_url, readiness, ready_file, sd_notify, watchdog_interval

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Probe:
    started: bool = True
    stopping: bool = False
    nodes: dict[str, bool] = field(default_factory=lambda: {"pbx1": True, "pbx2": False})
    agi: bool = True
    db: bool = True

    def links(self) -> dict[str, bool]:
        return self.nodes

    def agi_listening(self) -> bool:
        return self.agi

    def database_up(self) -> bool:
        return self.db


def test_ready_with_one_link_up_and_fastagi_even_without_the_database() -> None:
    ready, checks = readiness(Probe(db=False))
    assert ready and checks["ami"] == {"pbx1": "up", "pbx2": "down"}
    assert checks["database"] == "down"


@pytest.mark.parametrize("probe", [Probe(started=False), Probe(stopping=True),
                                   Probe(nodes={"pbx1": False}), Probe(agi=False)])
def test_not_ready(probe: Probe) -> None:
    assert readiness(probe)[0] is False


def test_sd_notify_reaches_systemds_socket(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        assert sd_notify("READY=1", {"NOTIFY_SOCKET": str(path)})
        assert server.recv(64) == b"READY=1"
    assert not sd_notify("READY=1", {})                                  # not under systemd
    assert not sd_notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone")})


def test_watchdog_and_ready_file_settings() -> None:
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval({}) is None and watchdog_interval({"WATCHDOG_USEC": "x"}) is None
    assert ready_file({"CTI_READY_FILE": "/run/cti/ready"}) == Path("/run/cti/ready")
    assert ready_file({}) is None


@pytest.fixture
async def health_server() -> AsyncIterator[str]:
    async def ok(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def unready(_: web.Request) -> web.Response:
        return web.json_response({"ready": False}, status=503)

    app = web.Application()
    app.router.add_get("/health", ok)
    app.router.add_get("/ready", unready)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_check_url_exit_codes(health_server: str) -> None:
    async with asyncio.timeout(20):
        assert await asyncio.to_thread(check_url, health_server + "/health") == 0
        assert await asyncio.to_thread(check_url, health_server + "/ready") == 1
        assert await asyncio.to_thread(check_url, "http://127.0.0.1:1/health", 1.0) == 1


async def test_the_dockerfile_health_check_command_runs(health_server: str) -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    command = json.loads(re.search(r"HEALTHCHECK .*?CMD (\[.*?\])", dockerfile,
                                   re.DOTALL).group(1))  # type: ignore[union-attr]
    assert command[:3] == ["python", "-m", "cti.health"]
    assert command[3].endswith("/health")
    url = health_server + "/health"
    async with asyncio.timeout(30):
        ok = await asyncio.to_thread(subprocess.run, [sys.executable, *command[1:3], url],
                                     capture_output=True, timeout=20)
        down = await asyncio.to_thread(subprocess.run, [sys.executable, *command[1:3],
                                                        "http://127.0.0.1:1/health"],
                                       capture_output=True, text=True, timeout=20)
    assert ok.returncode == 0
    assert down.returncode == 1 and len(down.stderr.strip().splitlines()) == 1
