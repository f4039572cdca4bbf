"""``cti doctor`` against the simulator and a running service: what it finds, and what it
says to fix when the AMI account or the address is wrong."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from service_env import make_config, start_sim

from cti.app import Service
from cti.cli import main
from cti.config import load_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _set(config_dir: Path, **changes: Any) -> None:
    cti = yaml.safe_load((config_dir / "cti.yaml").read_text())
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = cti
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[leaf] = value
    (config_dir / "cti.yaml").write_text(yaml.safe_dump(cti))


async def doctor(config_dir: Path, capsys: pytest.CaptureFixture[str],
                 *extra: str) -> tuple[int, dict[str, tuple[str, str]]]:
    """The exit status, and each check's finding (its first failure if it has one)."""
    code = await asyncio.to_thread(main, ["doctor", "--config", str(config_dir), "--json",
                                          *extra])
    out = capsys.readouterr().out   # the service's own log lines may come first
    found = json.loads(out[out.index("[\n"):out.rindex("]") + 1])
    out_: dict[str, tuple[str, str]] = {}
    for f in found:
        if f["check"] not in out_ or (f["status"] == "fail" and out_[f["check"]][0] != "fail"):
            out_[f["check"]] = (f["status"], f["message"])
    return code, out_


async def test_doctor_on_a_working_setup_and_on_a_broken_one(
        dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async with asyncio.timeout(90):
        sim = await start_sim()
        agi_port = _free_port()
        config_dir = make_config(tmp_path / "config", sim.ami_port, agi_port=agi_port)
        _set(config_dir, database__url=dsn)
        service = Service(load_config(config_dir), dsn=dsn)
        try:
            await service.start()
            sim.core.agi_override = ("127.0.0.1", agi_port)
            sim.core.global_set("CTI_AGI", f"agi://127.0.0.1:{agi_port}")
            url = f"http://127.0.0.1:{service.http_port}"
            code, found = await doctor(config_dir, capsys, "--url", url)
            assert found["configuration"][0] == "ok"
            assert found["database"][0] == "ok" and "migrations up to date" in \
                found["database"][1]
            assert found["ami pbx1"][0] == "ok"
            assert found["ami pbx1 rights"][0] == "ok"
            assert found["ami pbx1 events"][0] == "ok"
            assert found["ami pbx1 fastagi"] == ("ok", f"CTI_AGI agi://127.0.0.1:{agi_port} "
                                                       "answers")
            assert found["service"][0] == "ok" and "ready" in found["service"][1]
            assert found["prompts"][0] == "skip"
            assert "ami pbx1 hints" in found and "ami pbx1 dialplan" in found
            assert code == (1 if any(s == "fail" for s, _ in found.values()) else 0)

            # the dialplan names another FastAGI port than the service's
            sim.core.global_set("CTI_AGI", "agi://127.0.0.1:1")
            code, found = await doctor(config_dir, capsys, "--url", url)
            status, message = found["ami pbx1 fastagi"]
            assert code == 1 and status == "fail"
            assert f"listens on port {agi_port}" in message
        finally:
            await service.stop()
        # the service stopped; then a wrong secret, and a PBX that is not there
        code, found = await doctor(config_dir, capsys, "--url", url)
        assert found["service"][0] == "fail" and "cannot reach the service" in \
            found["service"][1]
        _set(config_dir, ami__0__secret="not-the-secret-at-all")
        code, found = await doctor(config_dir, capsys)
        assert code == 1 and found["ami pbx1"][0] == "fail"
        assert "refused the login" in found["ami pbx1"][1]
        await sim.stop()
        code, found = await doctor(config_dir, capsys)
        assert found["ami pbx1"][0] == "fail" and "cannot reach AMI" in found["ami pbx1"][1]


async def test_doctor_with_a_sounds_directory(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from cti.doctor.checks import prompts

    config = load_config(Path(__file__).resolve().parents[3] / "config")
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    (finding,) = prompts(config, sounds)
    assert finding.status == "fail" and "missing" in finding.message
    (finding,) = prompts(config, tmp_path / "nowhere")
    assert finding.status == "fail" and "not a directory" in finding.message
