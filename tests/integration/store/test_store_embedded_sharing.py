"""One embedded server shared by several processes: only the process that started
it stops it, and never while another one uses it; one `cti run` per configuration.

Real processes (subprocess) on a real embedded server: a flock is per open file,
so the test would prove little inside one process.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
import yaml
from pg_process import spawn, stop

from cti.errors import CtiError
from cti.store import EmbeddedPostgres
from cti.store.locks import InstanceLock, InstanceLocked

ROOT = Path(__file__).resolve().parents[3]


async def _answers(dsn: str) -> bool:
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError):
        return False
    try:
        return await conn.fetchval("SELECT 1") == 1
    finally:
        await conn.close()


def _config_on(directory: Path, data_dir: Path) -> Path:
    config = directory / "config"
    shutil.copytree(ROOT / "config", config)
    cti = yaml.safe_load((config / "cti.yaml").read_text())
    cti["database"] = {"url": "embedded", "data_dir": str(data_dir)}
    cti["ivr"]["flows_dir"] = str(ROOT / "ivr_flows")
    (config / "cti.yaml").write_text(yaml.safe_dump(cti))
    return config


def _cti(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTI_")}
    env["CTI_AMI_SECRET"] = os.environ["CTI_AMI_SECRET"]
    return subprocess.run([sys.executable, "-m", "cti.cli", *args], capture_output=True,
                          text=True, timeout=60, env=env, cwd=ROOT)


async def test_a_process_that_adopted_the_server_leaves_it_running(pg_scratch: Path) -> None:
    data = pg_scratch / "data"
    first, adopted, dsn = await asyncio.to_thread(spawn, data)
    try:
        assert not adopted
        second, adopted, second_dsn = await asyncio.to_thread(spawn, data)
        assert adopted and second_dsn == dsn
        assert await asyncio.to_thread(stop, second) is False
        assert await _answers(dsn)
    finally:
        stopped = await asyncio.to_thread(stop, first)
    assert stopped and not await _answers(dsn)


async def test_the_starter_leaves_the_server_to_a_process_still_using_it(
        pg_scratch: Path) -> None:
    data = pg_scratch / "data"
    first, _, dsn = await asyncio.to_thread(spawn, data)
    second, adopted, _ = await asyncio.to_thread(spawn, data)
    try:
        assert adopted
        assert await asyncio.to_thread(stop, first) is False
        assert await _answers(dsn)
    finally:
        # The starter is gone: the last process using the server stops it.
        assert await asyncio.to_thread(stop, second) is True
    assert not await _answers(dsn)


async def test_a_server_left_by_a_killed_process_is_claimed_by_the_next(
        pg_scratch: Path) -> None:
    data = pg_scratch / "data"
    killed, _, dsn = await asyncio.to_thread(spawn, data)
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)
    assert await _answers(dsn)  # PostgreSQL outlives the process that started it
    server = EmbeddedPostgres(data, durable=False)
    assert await asyncio.to_thread(server.start) == dsn
    assert server.adopted and server.owner
    assert await asyncio.to_thread(server.stop) is True
    assert not await _answers(dsn)


async def test_db_migrate_and_ivr_simulate_keep_a_running_service_database(
        pg_scratch: Path) -> None:
    data = pg_scratch / "data"
    config = _config_on(pg_scratch, data)
    service, _, dsn = await asyncio.to_thread(spawn, data)
    try:
        migrated = await asyncio.to_thread(_cti, "db", "migrate", "--config", str(config))
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        assert await _answers(dsn)
        simulated = await asyncio.to_thread(
            _cti, "ivr", "simulate", "main", "--caller", "5551234", "--digits", "3",
            "--store", "--config", str(config), "--flows", str(ROOT / "ivr_flows"))
        assert "Traceback" not in simulated.stderr, simulated.stderr[-2000:]
        assert await _answers(dsn)
    finally:
        assert await asyncio.to_thread(stop, service) is True


async def test_db_migrate_stops_the_server_it_started_itself(pg_scratch: Path) -> None:
    data = pg_scratch / "data"
    config = _config_on(pg_scratch, data)
    migrated = await asyncio.to_thread(_cti, "db", "migrate", "--config", str(config))
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    assert not EmbeddedPostgres(data).is_running


_HOLD = """
import sys
from cti.store.locks import InstanceLock
lock = InstanceLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_a_second_instance_on_the_same_configuration_is_refused_naming_the_first(
        tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(tmp_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        second = InstanceLock(tmp_path)
        with pytest.raises(InstanceLocked) as refused:
            second.acquire()
        assert str(refused.value) == (
            f"another cti run (pid {holder.pid}) uses this configuration ({tmp_path}); "
            "stop it first, or give this one another --config directory")
        assert isinstance(refused.value, CtiError)
    finally:
        holder.kill()
        holder.wait(10)
    with InstanceLock(tmp_path):  # released when its process died
        pass


def test_the_instance_lock_is_released_and_can_be_taken_again(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path)
    lock.acquire()
    with pytest.raises(InstanceLocked, match=rf"another cti run \(pid {os.getpid()}\)"):
        InstanceLock(tmp_path).acquire()
    lock.release()
    lock.release()  # twice is harmless
    with InstanceLock(tmp_path):
        pass
