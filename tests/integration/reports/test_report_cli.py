"""``cti report`` on a real database: the known day as a table, JSON, CSV and a plot."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from dataset import store_known_day

from cti.cli import main
from cti.store import Store

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def config_dir(tmp_path: Path, dsn: str) -> Path:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    cti = yaml.safe_load((config / "cti.yaml").read_text())
    cti["database"]["url"] = dsn
    (config / "cti.yaml").write_text(yaml.safe_dump(cti))
    return config


async def cti(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


async def test_the_known_day_as_a_table_json_and_csv(store: Store, config_dir: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    await store_known_day(store)
    day = ("--from", "2026-03-02", "--config", str(config_dir))
    async with asyncio.timeout(60):
        assert await cti("report", *day) == 0
        table = capsys.readouterr().out
        assert await cti("report", *day, "--json") == 0
        doc = json.loads(capsys.readouterr().out)
        assert await cti("report", "agents", *day, "--csv") == 0
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        assert await cti("report", "surveys", *day, "--group", "agent") == 0
        surveys = capsys.readouterr().out
    assert table.startswith("Calls per queue, 2026-03-02 (Europe/Madrid)")
    assert "bookings" in table and "37.5%" in table
    assert doc["total"]["service_level"] == 37.5 and doc["total"]["offered"] == 9
    a1001 = next(r for r in rows if r["agent"] == "a1001")
    assert (a1001["answered"], a1001["missed"], a1001["aht"]) == ("2", "0", "120.0")
    assert "a1005" in surveys and "CSAT" in surveys


async def test_a_report_to_a_file_and_its_plot(store: Store, config_dir: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    await store_known_day(store)
    out, plot = tmp_path / "out" / "day.csv", tmp_path / "out" / "day.png"
    async with asyncio.timeout(60):
        assert await cti("report", "--from", "2026-03-02", "--by", "interval", "--queue",
                         "bookings", "--csv", "--output", str(out), "--plot", str(plot),
                         "--config", str(config_dir)) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and f"drew {plot}" in printed
    lines = out.read_text().splitlines()
    assert lines[0].startswith("period,queue") and lines[1].startswith("2026-03-02T09:00,")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
