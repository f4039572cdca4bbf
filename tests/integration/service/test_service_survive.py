"""Surviving what production throws: a database outage, an Asterisk restart, SIGTERM and
SIGKILL of the service itself."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from service_env import Env, call_events, make_config, start_sim, wait_for

from cti.api.cli_key import cli_key
from cti.sim.phones import Behaviour
from cti.store import Store

BOOKINGS = ["1", "1"]
GENERAL = ["0"]  # main menu 0: anything else -> queue general, which every agent serves


async def test_database_outage_routing_goes_on_and_records_are_flushed_after(
        env: Env, pg_server: Any) -> None:
    async with asyncio.timeout(60):
        await env.ready("a1001")
        await env.flushed()
        await asyncio.to_thread(pg_server.stop)
        try:
            call = env.sim.place_call("5551234", "Juan Perez", "900", digits=BOOKINGS,
                                      talk_seconds=3)
            await wait_for(lambda: env.agent_state("a1001") == "ON_CALL",
                           what="routed without a database")
            assert env.service.status()["database"] == "down"
            await call.wait_ended()
            await wait_for(lambda: len(env.service.calls) == 0, what="call closed")
            assert env.service.recorder.pending > 0
        finally:
            await asyncio.to_thread(pg_server.start)
        await env.flushed()
    assert env.service.status()["database"] == "up"
    assert env.service.recorder.rejected == []
    (case,) = await env.store.interactions.between(*_window())
    assert (case.status, case.outcome, case.agent_id) == ("closed", "answered", "a1001")
    assert await call_events(env.store, case.id) == [
        "queued", "offered", "answered", "agent_left", "ended"]
    states = [h.state for h in await env.store.agent_states.history("a1001")]
    assert states == ["READY", "RESERVED", "ON_CALL", "WRAP_UP", "READY"]


async def test_asterisk_restart_closes_lost_calls_and_frees_agents(env: Env) -> None:
    async with asyncio.timeout(60):
        await env.ready("a1001")
        talking = env.sim.place_call("5551234", "", "900", digits=BOOKINGS)
        await wait_for(lambda: env.agent_state("a1001") == "ON_CALL", what="talking")
        waiting = env.sim.place_call("5557777", "", "900", digits=["3"])  # billing: nobody
        await wait_for(lambda: env.service.status()["calls"]["waiting"] == 1, what="waiting")
        went_down = time.time()
        await env.sim.restart(down_seconds=0.5)  # no Hangup events at all, like Asterisk
        await wait_for(lambda: len(env.service.calls) == 0, timeout=20,
                       what="lost calls closed after the resync")
        await wait_for(lambda: env.agent_state("a1001") in ("WRAP_UP", "READY"),
                       what="agent freed")
        await env.flushed()
        assert talking.uniqueid != waiting.uniqueid
    cases = await env.store.interactions.between(*_window())
    assert [c.outcome for c in cases] == ["lost", "lost"]  # closed as such
    # ... at the time the link went down, not when the resync found them gone
    assert all(went_down - 1 < c.closed_at.timestamp() < went_down + 0.5 for c in cases)
    records = await env.store.calls.between(*_window())
    assert [r.outcome for r in records] == ["lost", "lost"]
    assert sum(r.answered_at is not None for r in records) == 1  # the talking one
    assert await env.store.queue_entries.entries() == []
    # routing goes on after the restart
    env.sim.add_phone("PJSIP/1001", Behaviour.answers(0.5))
    await env.ready("a1001")
    again = env.sim.place_call("5551234", "", "900", digits=BOOKINGS, talk_seconds=1)
    async with asyncio.timeout(30):
        await wait_for(lambda: env.sim.phone("PJSIP/1001").answered_calls == 1,
                       what="a call routed after the restart")
        await again.wait_ended()


# --- the service as a process ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    """``cti run`` in a child process, as a sysadmin would start it."""

    def __init__(self, config_dir: Path, http_port: int, sim: Any = None) -> None:
        self.config_dir, self.http_port, self.sim = config_dir, http_port, sim
        self.proc: asyncio.subprocess.Process | None = None
        self.url = f"http://127.0.0.1:{http_port}"

    async def start(self) -> None:
        """Start and wait for the health check. A port picked free may be taken by
        another test's server before the service binds it (tests run in parallel):
        then the service says so in one line, and it is started again on new ports
        (``sim`` given: its FastAGI target follows)."""
        for attempt in range(3):
            try:
                return await self._start_once()
            except AssertionError as exc:
                if "address already in use" not in str(exc) or attempt == 2 or self.sim is None:
                    raise
                self._move_ports()

    def _move_ports(self) -> None:
        path = self.config_dir / "cti.yaml"
        cti = yaml.safe_load(path.read_text())
        cti["agi"]["port"], cti["http"]["port"] = _free_port(), _free_port()
        path.write_text(yaml.safe_dump(cti))
        self.sim.core.agi_override = ("127.0.0.1", cti["agi"]["port"])
        self.http_port = cti["http"]["port"]
        self.url = f"http://127.0.0.1:{self.http_port}"

    async def _start_once(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cti.cli", "run", "--config", str(self.config_dir),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                if self.proc.returncode is not None:
                    err = await self.proc.stderr.read()
                    raise AssertionError(f"cti run exited: {err.decode()[-2000:]}")
                try:
                    async with http.get(self.url + "/api/v1/health") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("cti run did not answer on its HTTP port within 30 s")

    def _auth(self) -> dict[str, str]:
        """The operator key this run wrote for the cti command (the API needs a key)."""
        return {"Authorization": f"Bearer {cli_key(self.config_dir)}"}

    async def status(self) -> dict[str, Any]:
        async with (aiohttp.ClientSession() as http,
                    http.get(self.url + "/api/v1/status", headers=self._auth()) as response):
            return await response.json()

    async def post(self, path: str) -> dict[str, Any]:
        async with (aiohttp.ClientSession() as http,
                    http.post(self.url + path, headers=self._auth()) as response):
            return await response.json()

    async def kill(self, sig: int) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), 20)

    async def close(self) -> None:
        """Kill it if it runs, and wait until its stderr closes: once every process
        holding that pipe (a catch-up worker) is gone too. A process left to the
        garbage collector closes its pipes on a loop already closed."""
        if self.proc is None:
            return
        if self.proc.returncode is None:
            self.proc.kill()
        assert self.proc.stderr is not None
        async with asyncio.timeout(20):
            await self.proc.stderr.read()
            await self.proc.wait()


def _process_config(tmp_path: Path, sim_port: int, dsn: str,
                    worker_backlog: int | None = None) -> tuple[Path, int, int]:
    agi_port, http_port = _free_port(), _free_port()
    config_dir = make_config(tmp_path / "config", sim_port, agi_port=agi_port,
                             http_port=http_port, queues={"general": {"wrapup": 1}})
    cti = yaml.safe_load((config_dir / "cti.yaml").read_text())
    cti["database"] = {"url": dsn}
    cti["log"]["level"] = "warning"
    if worker_backlog is not None:
        cti.setdefault("journal", {})["worker_backlog"] = worker_backlog
    (config_dir / "cti.yaml").write_text(yaml.safe_dump(cti))
    return config_dir, agi_port, http_port


async def test_sighup_reloads_and_sigterm_drains_and_exits_cleanly(dsn: str,
                                                                  tmp_path: Path) -> None:
    async with asyncio.timeout(60):
        sim = await start_sim()
        config_dir, agi_port, http_port = _process_config(tmp_path, sim.ami_port, dsn)
        sim.core.agi_override = ("127.0.0.1", agi_port)
        service = ServiceProcess(config_dir, http_port, sim)
        try:
            await service.start()
            agents = yaml.safe_load((config_dir / "agents.yaml").read_text())
            agents["agents"].append({"id": "a1077", "name": "Late Joiner",
                                     "endpoint": "PJSIP/1077", "skills": {"billing": 4}})
            (config_dir / "agents.yaml").write_text(yaml.safe_dump(agents))
            service.proc.send_signal(signal.SIGHUP)

            async def reloaded() -> bool:
                st = await service.status()
                return any(a["agent_id"] == "a1077" for a in st["agents"])
            await _until(reloaded, 10, "agent a1077 after SIGHUP")
            await service.post("/api/v1/agents/a1001/ready")
            call = sim.place_call("5551234", "", "900", digits=GENERAL)
            await wait_for(lambda: call.connected_at is not None, what="answered")

            async def talking() -> bool:
                return (await service.status())["calls"]["talking"] == 1
            await _until(talking, 10, "the service saw the answer")
            assert await service.kill(signal.SIGTERM) == 0
        finally:
            await service.close()
            await sim.stop()
        store = await Store.open(dsn)
        try:
            (case,) = await store.interactions.between(*_window())
            assert await call_events(store, case.id) == ["queued", "offered", "answered"]
        finally:
            await store.close()


async def test_sigkill_with_30_waiting_and_10_talking_loses_nothing(
        dsn: str, tmp_path: Path) -> None:
    async with asyncio.timeout(150):
        sim = await start_sim()
        for n in range(1001, 1011):
            sim.set_behaviour(f"PJSIP/{n}", Behaviour.answers(0.5))
        config_dir, agi_port, http_port = _process_config(tmp_path, sim.ami_port, dsn)
        sim.core.agi_override = ("127.0.0.1", agi_port)
        service = ServiceProcess(config_dir, http_port, sim)
        store = await Store.open(dsn)
        try:
            await service.start()
            for n in range(1001, 1011):
                await service.post(f"/api/v1/agents/a{n}/ready")
            calls = []
            for i in range(40):
                calls.append(sim.place_call(f"555{i:04d}", f"Caller {i}", "900",
                                            digits=GENERAL))
                await asyncio.sleep(0.05)

            async def settled() -> bool:
                st = await service.status()
                return st["calls"]["talking"] == 10 and st["calls"]["waiting"] == 30 \
                    and st["pending_writes"] == 0
            await _until(settled, 60, "10 talking and 30 waiting")
            order = [str(e.interaction_id) for e in await _entries(store)]
            assert len(order) == 30

            assert await service.kill(signal.SIGKILL) == -signal.SIGKILL
            await asyncio.sleep(1.0)  # callers keep waiting in Asterisk meanwhile
            await service.start()
            status = await service.status()
            assert status["calls"]["talking"] == 10 and status["calls"]["waiting"] == 30
            assert status["agents_by_state"]["ON_CALL"] == 10

            for _ in range(4):  # free the agents, batch by batch, until all are served
                for call in calls:
                    if call.connected_at is not None and not call.ended.is_set():
                        sim.hangup(call.name)
                await asyncio.sleep(0.5)
                await _until(_answered_or_done(calls), 30, "next batch answered")
            for call in calls:
                if not call.ended.is_set():
                    sim.hangup(call.name)

            async def all_closed() -> bool:
                st = await service.status()
                return sum(st["calls"].values()) == 0 and st["pending_writes"] == 0
            await _until(all_closed, 30, "every call closed and written")

            offered_at = {}
            for iid in order:
                events = await store.events.for_interaction(iid)
                offered_at[iid] = min(e["seq"] for e in events if e["type"] == "call.offered")
            assert sorted(order, key=offered_at.__getitem__) == order, \
                "waiting callers were not served in their original order"

            cases = await store.interactions.between(*_window())
            assert len(cases) == 40 and {c.status for c in cases} == {"closed"}
            for case in cases:
                kinds = Counter(await call_events(store, case.id))
                assert kinds["queued"] == 1 and kinds["answered"] == 1 \
                    and kinds["ended"] == 1, (case.id, kinds)
            records = await store.calls.between(*_window())
            assert len(records) == 40 and {r.outcome for r in records} == {"answered"}
            assert await _entries(store) == []
        finally:
            await service.close()
            await store.close()
            await sim.stop()


def _answered_or_done(calls: list[Any]):
    async def check() -> bool:
        return all(c.connected_at is not None or c.ended.is_set() for c in calls) or \
            sum(1 for c in calls if c.connected_at is not None and not c.ended.is_set()) == 10
    return check


async def _entries(store: Store) -> list[Any]:
    return await store.queue_entries.entries()


async def _until(check: Any, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.1)


def _window():
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return now - timedelta(hours=1), now + timedelta(hours=1)


async def test_restart_restores_agent_states_and_closes_calls_left_open(
        dsn: str, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from cti.app import Service
    from cti.config import load_config

    async with asyncio.timeout(40):
        store = await Store.open(dsn)
        try:
            iid = await store.interactions.create(queue="billing", caller_number="5550001")
            await store.agent_states.record("a1003", "WRAP_UP", interaction_id=iid,
                                            at=datetime.now(UTC))
            await store.agent_states.record("a1004", "NOT_READY", reason="lunch")
            await store.agent_states.record("a1005", "READY")
            orphan = await store.interactions.create(caller_number="5550002")  # in the IVR
        finally:
            await store.close()
        sim = await start_sim()
        service = Service(load_config(make_config(tmp_path / "config", sim.ami_port)), dsn=dsn)
        await service.start()
        try:
            engine = service.router.engine
            assert engine.agent("a1003").state.value == "WRAP_UP"
            assert (engine.agent("a1004").state.value, engine.agent("a1004").reason) == (
                "NOT_READY", "lunch")
            assert engine.agent("a1005").state.value == "READY"
            assert engine.agent("a1006").state.value == "LOGGED_OUT"
            await wait_for(lambda: engine.agent("a1003").state.value == "READY", timeout=5,
                           what="wrap-up (1 s in billing) over after the restart")
            assert await service.flush(10)
            closed = await service.store.interactions.get(orphan)
            assert (closed.status, closed.outcome) == ("closed", "lost")
        finally:
            await service.stop()
            await sim.stop()


async def test_callers_still_in_the_ivr_at_shutdown_go_to_the_fallback_context(
        env: Env, monkeypatch: Any) -> None:
    import cti.app

    monkeypatch.setattr(cti.app, "DRAIN_IVR_SECONDS", 0.2)
    async with asyncio.timeout(30):
        call = env.sim.place_call("5551234", "", "900", digits=[])  # waits at the menu
        await wait_for(lambda: env.service.status()["agi"]["active_sessions"] == 1,
                       what="caller in the IVR")
        await env.service.stop()
        await call.wait_ended()
    assert call.channel.context == "cti-fallback"


@pytest.mark.parametrize("worker_backlog", [0, 10], ids=["in-service", "worker"])
async def test_sigkill_during_a_database_outage_loses_no_record(
        pg_server: Any, dsn: str, tmp_path: Path, worker_backlog: int) -> None:
    """The database goes down, calls go on, the service is killed; with the database
    back, the restarted service stores what its journal kept (itself, or through the
    catch-up worker): every event once and in order, every interaction, call record
    and agent state row, the waiting callers restored."""
    async with asyncio.timeout(150):
        sim = await start_sim()
        for n in range(1001, 1006):
            sim.set_behaviour(f"PJSIP/{n}", Behaviour.answers(0.3))
        config_dir, agi_port, http_port = _process_config(tmp_path, sim.ami_port, dsn,
                                                          worker_backlog)
        sim.core.agi_override = ("127.0.0.1", agi_port)
        service = ServiceProcess(config_dir, http_port, sim)
        store: Store | None = None
        try:
            await service.start()
            for n in range(1001, 1006):
                await service.post(f"/api/v1/agents/a{n}/ready")
            await asyncio.to_thread(pg_server.stop)
            try:
                calls = [sim.place_call(f"555{i:04d}", "", "900", digits=GENERAL)
                         for i in range(12)]

                async def settled() -> bool:
                    st = await service.status()
                    return st["calls"]["talking"] == 5 and st["calls"]["waiting"] == 7 \
                        and st["database"] == "down"
                await _until(settled, 60, "5 talking and 7 waiting with the database down")
                for call in calls[:2]:  # two conversations end during the outage
                    sim.hangup(call.name)
                await _until(lambda: _no_pending_talk(service, 3), 20, "two calls ended")
                before = await service.status()
                assert before["pending_writes"] > 0
                assert await service.kill(signal.SIGKILL) == -signal.SIGKILL
            finally:
                await asyncio.to_thread(pg_server.start)
            await service.start()
            restarted = await service.status()
            assert (restarted["catch_up_worker"]["stored"] > 0) == bool(worker_backlog)
            after = restarted["calls"]
            live = ("waiting", "ringing", "talking")  # routing resumes at once after restore
            assert sum(after[k] for k in live) == sum(before["calls"][k] for k in live) == 10
            for call in calls:
                if not call.ended.is_set():
                    sim.hangup(call.name)

            async def all_closed() -> bool:
                st = await service.status()
                return sum(st["calls"].values()) == 0 and st["pending_writes"] == 0
            await _until(all_closed, 30, "every call closed and stored")
            store = await Store.open(dsn)
            seqs = [r["seq"] for r in await store.pool.fetch("SELECT seq FROM events "
                                                             "ORDER BY seq")]
            assert seqs == list(range(1, len(seqs) + 1)), "a hole or a duplicate in the stream"
            cases = await store.interactions.between(*_window())
            assert len(cases) == 12 and {c.status for c in cases} == {"closed"}
            for case in cases:
                kinds = Counter(await call_events(store, case.id))
                assert kinds["queued"] == 1 and kinds["ended"] == 1, (case.id, kinds)
            records = await store.calls.between(*_window())
            assert len(records) == 12
            state: dict[str, str] = {}
            changes = await store.pool.fetch(
                "SELECT agent_id, data FROM events WHERE type = 'agent.state_changed' "
                "ORDER BY seq")
            for change in changes:  # each row continues from the one before
                agent, data = change["agent_id"], change["data"]
                assert data["previous"] == state.get(agent, "LOGGED_OUT"), (agent, data)
                state[agent] = data["state"]
            rows = await store.pool.fetchval("SELECT count(*) FROM agent_state_history")
            assert rows == len(changes)
            assert await _entries(store) == []
        finally:
            await service.close()
            if store is not None:
                await store.close()
            await sim.stop()


async def _no_pending_talk(service: ServiceProcess, talking: int) -> bool:
    return (await service.status())["calls"]["talking"] <= talking
