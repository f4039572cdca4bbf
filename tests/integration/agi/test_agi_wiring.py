"""The IVR built from config/cti.yaml: every security setting reaches it."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from pathlib import Path

import pytest
from agi_ivr_support import customers

from cti.agi.fake_pbx import FakePbx
from cti.agi.wiring import build_ivr, load_config_flows
from cti.config import load_config
from cti.numbers import NumberRefused

ROOT = Path(__file__).resolve().parents[3]


def _config(tmp_path: Path, extra: str = "") -> Path:
    directory = tmp_path / "config"
    shutil.copytree(ROOT / "config", directory)
    text = (directory / "cti.yaml").read_text().replace(
        "flows_dir: ../ivr_flows", f"flows_dir: {ROOT / 'ivr_flows'}")
    (directory / "cti.yaml").write_text(text.replace("  port: 4573\n", f"  port: 0\n{extra}"))
    return directory


async def test_the_ivr_takes_every_setting_of_cti_yaml(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    flows = {n: lf.flow for n, lf in load_config_flows(config).items()}
    host = customers()
    host.hours = None
    ivr = build_ivr(config, host, flows)
    assert ivr.runner.hold_vars == {"CTI_HOLD_LIMIT": "3600", "CTI_HOLD_FAILURES": "15"}
    assert ivr.app.numbers == {"900": "main", "+34910000000": "main"}
    assert ivr.server.allowed_peers == ["127.0.0.1", "::1"]
    with pytest.raises(NumberRefused):
        ivr.app.hold.dialling.policy.check("+34803123456")
    async with asyncio.timeout(10), ivr.server:
        t = await FakePbx(ivr.server.port).call("ivr?dnid=%2B34910000000", caller="5550000",
                                                 digits=["3"])
    assert t.variables == {"CTI_INTERACTION": "int-0001", "CTI_ACTION": "queue",
                           "CTI_HOLD_LIMIT": "3600", "CTI_HOLD_FAILURES": "15"}


async def test_fastagi_from_an_address_not_allowed_is_refused(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, "  allow: [192.0.2.10]\n"))
    flows = {n: lf.flow for n, lf in load_config_flows(config).items()}
    ivr = build_ivr(config, customers(), flows)
    async with asyncio.timeout(10), ivr.server:
        with contextlib.suppress(ConnectionResetError):  # closed with the headers unread
            await FakePbx(ivr.server.port).call("ivr?dnid=900")
    assert ivr.server.stats["refused"] == 1 and ivr.server.stats["sessions"] == 0


async def test_a_reload_changes_the_flow_of_a_number(tmp_path: Path) -> None:
    directory = _config(tmp_path)
    config = load_config(directory)
    flows = {n: lf.flow for n, lf in load_config_flows(config).items()}
    ivr = build_ivr(config, customers(), flows)
    text = (directory / "cti.yaml").read_text().replace('"900": main', '"900": vip')
    (directory / "cti.yaml").write_text(text)
    ivr.runner.dialling.limiter.allow("+34612345678", now=0)
    ivr.reconfigure(load_config(directory), flows)
    assert ivr.app.flow_for("900") == "vip"
    assert ivr.app.hold.dialling.limiter.count("+34612345678", now=1) == 1  # counts kept
