"""Helpers of the API tests: the running service (simulator, PostgreSQL), users made in
the store, real HTTP and WebSocket clients (a unique module name: no conftest imports)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))

from service_env import Env, make_config, start_sim, wait_for

from cti.api import accounts
from cti.app import Service
from cti.config import load_config

PASSWORD = "correct horse battery"
_ids = itertools.count(1)

__all__ = ["PASSWORD", "ApiEnv", "Desk", "Env", "api_env", "wait_for"]


@dataclass
class Desk:
    """A desktop's socket: every frame it received, in order."""

    ws: aiohttp.ClientWebSocketResponse
    frames: list[dict[str, Any]] = field(default_factory=list)
    _seen: int = 0
    _reader: asyncio.Task[None] | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int | None = None

    def start(self) -> None:
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                self.frames.append(json.loads(msg.data))
                self._arrived.set()
        self.close_code = self.ws.close_code
        self._arrived.set()

    async def next(self, kind: str | Callable[[dict[str, Any]], bool],
                   timeout: float = 10.0) -> dict[str, Any]:
        """The next frame (after the last one returned) of type ``kind`` (or matching)."""
        match = kind if callable(kind) else (lambda f: f.get("type") == kind)
        async with asyncio.timeout(timeout):
            while True:
                while self._seen < len(self.frames):
                    found = self.frames[self._seen]
                    self._seen += 1
                    if match(found):
                        return found
                if self.close_code is not None:
                    raise AssertionError(f"socket closed ({self.close_code}) before {kind}")
                self._arrived.clear()
                await self._arrived.wait()

    async def find(self, kind: str | Callable[[dict[str, Any]], bool],
                   timeout: float = 10.0) -> dict[str, Any]:
        """The first frame ever received of type ``kind`` (or matching), waiting for it."""
        match = kind if callable(kind) else (lambda f: f.get("type") == kind)
        async with asyncio.timeout(timeout):
            while True:
                found = next((f for f in self.frames if match(f)), None)
                if found is not None:
                    return found
                if self.close_code is not None:
                    raise AssertionError(f"socket closed ({self.close_code}) before {kind}")
                self._arrived.clear()
                await self._arrived.wait()

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(message))

    async def command(self, name: str, args: dict[str, Any] | None = None,
                      ref: str | None = None) -> dict[str, Any]:
        ref = ref or f"c-{next(_ids)}"
        await self.send({"type": "command", "id": ref, "name": name, "args": args or {}})
        return await self.next(lambda f: f.get("type") == "reply" and f.get("id") == ref)

    async def closed(self, timeout: float = 10.0) -> int | None:
        async with asyncio.timeout(timeout):
            if self._reader is not None:
                await self._reader
        return self.close_code

    def types(self) -> list[str]:
        return [f["type"] for f in self.frames]

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader


@dataclass
class ApiEnv:
    env: Env
    http: aiohttp.ClientSession
    desks: list[Desk] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env.service.http_port}"

    @property
    def service(self) -> Any:
        return self.env.service

    async def user(self, user_id: str, role: str, *, agent: str | None = None,
                   queues: tuple[str, ...] = (), units: tuple[str, ...] = (),
                   password: str = PASSWORD) -> str:
        """Add a user and sign it in: its token."""
        service = self.env.service
        await accounts.add_user(service.store, service.config, user_id, role=role,
                                agent_id=agent, queues=queues, units=units, password=password)
        return await self.login(user_id, password)

    async def login(self, user_id: str, password: str = PASSWORD) -> str:
        status, body = await self.rest("POST", "/api/v1/login",
                                       body={"username": user_id, "password": password})
        assert status == 200, body
        return body["token"]

    async def rest(self, method: str, path: str, token: str | None = None, *,
                   body: Any = None, data: Any = None,
                   headers: dict[str, str] | None = None) -> tuple[int, Any]:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        async with self.http.request(method, self.url + path, json=body, data=data,
                                     headers=sent) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:
                return response.status, text

    async def connect(self, token: str | None = None, *, first: Any = None,
                      resume: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None) -> Desk:
        """A socket; sends ``auth`` with ``token`` (or ``first`` as the first message)."""
        ws = await self.http.ws_connect(self.url + "/api/v1/ws", headers=headers or {},
                                        max_msg_size=0)
        desk = Desk(ws)
        desk.start()
        self.desks.append(desk)
        if first is not None:
            await ws.send_str(first if isinstance(first, str) else json.dumps(first))
        elif token is not None:
            message: dict[str, Any] = {"type": "auth", "token": token}
            if resume is not None:
                message["resume"] = resume
            await desk.send(message)
        return desk

    async def desk(self, token: str, **kwargs: Any) -> Desk:
        """A signed-in socket, past its welcome and snapshot (or replay)."""
        desk = await self.connect(token, **kwargs)
        await desk.next("welcome")
        return desk


@contextlib.asynccontextmanager
async def api_env(dsn: str, directory: Path, *, cti: dict[str, Any] | None = None,
                  agents: dict[str, Any] | None = None,
                  queues: dict[str, dict[str, Any]] | None = None,
                  sim_options: dict[str, Any] | None = None) -> AsyncIterator[ApiEnv]:
    """Simulator (``sim_options``: its options) + service (as
    service_env.running_service), with ``cti`` merged into the sections of cti.yaml,
    ``agents`` into agents.yaml's top level and ``queues`` patching queues by name."""
    async with asyncio.timeout(30):
        sim = await start_sim(**(sim_options or {}))
        config_dir = make_config(directory, sim.ami_port, queues=queues)
        _patch(config_dir / "cti.yaml", cti or {})
        _patch(config_dir / "agents.yaml", agents or {})
        service = Service(load_config(config_dir), dsn=dsn)
        await service.start()
        assert service.agi is not None
        sim.core.agi_override = ("127.0.0.1", service.agi.port)
    env = Env(sim, service, config_dir, dsn)
    try:
        async with aiohttp.ClientSession() as http:
            api = ApiEnv(env, http)
            try:
                yield api
            finally:
                for desk in api.desks:
                    with contextlib.suppress(Exception):
                        await desk.close()
    finally:
        async with asyncio.timeout(30):
            await service.stop()
            await sim.stop()


def _patch(path: Path, changes: dict[str, Any]) -> None:
    doc = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key].update(value)
        else:
            doc[key] = value
    path.write_text(yaml.safe_dump(doc))
