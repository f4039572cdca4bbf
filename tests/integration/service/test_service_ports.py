"""A port in use stops `cti run` before it does anything (issue 12: a second
`cti run` logged in to AMI, resynced and acted on calls, then failed on the busy
port). The service binds FastAGI and HTTP first (cti/ports.py)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from service_env import make_config, start_sim

from cti.app import ListenFailed, Service, _serve
from cti.config import load_config


@pytest.mark.parametrize("taken", ["http", "agi"])
async def test_a_port_in_use_stops_the_start_before_the_database_and_ami(
        dsn: str, tmp_path: Path, taken: str) -> None:
    holder = socket.create_server(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    sim = await start_sim()
    try:
        config_dir = make_config(tmp_path / "config", sim.ami_port,
                                 **{f"{taken}_port": port})
        service = Service(load_config(config_dir), dsn=dsn)
        async with asyncio.timeout(20):
            with pytest.raises(ListenFailed, match=f"cannot listen: .*{port}.* in use"):
                await _serve(service)
        # Nothing was started: no database opened, no AMI link, no call touched.
        assert service.store is None and service.cluster is None and service.router is None
    finally:
        holder.close()
        await sim.stop()


async def test_the_bound_ports_are_the_ones_the_service_serves(
        dsn: str, tmp_path: Path) -> None:
    sim = await start_sim()
    try:
        service = Service(load_config(make_config(tmp_path / "config", sim.ami_port)), dsn=dsn)
        async with asyncio.timeout(30):
            await service.start()
            try:
                assert service.agi is not None and service.agi.port and service.http_port
                for port in (service.agi.port, service.http_port):
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
            finally:
                await service.stop()
    finally:
        await sim.stop()
