"""`cti db migrate` against a configured PostgreSQL DSN."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import yaml

from cti.cli import main
from cti.store.migrate import bundled_migrations

ROOT = Path(__file__).resolve().parents[3]


def _config_with_database(tmp_path: Path, dsn: str) -> Path:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    cti = yaml.safe_load((config / "cti.yaml").read_text())
    cti["database"] = {"url": dsn}
    (config / "cti.yaml").write_text(yaml.safe_dump(cti))
    return config


async def test_db_migrate_applies_then_reports_up_to_date(
        empty_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config_with_database(tmp_path, empty_dsn)
    assert await asyncio.to_thread(main, ["db", "migrate", "--config", str(config)]) == 0
    names = ", ".join(m.name for m in bundled_migrations())
    assert capsys.readouterr().out.strip() == f"applied: {names}"
    assert await asyncio.to_thread(main, ["db", "migrate", "--config", str(config)]) == 0
    assert capsys.readouterr().out.strip() == "database is up to date"


async def test_db_migrate_with_unreachable_database_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config_with_database(tmp_path, "postgresql://cti:hunter2@127.0.0.1:1/cti")
    assert await asyncio.to_thread(main, ["db", "migrate", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cti: ") and "127.0.0.1:1" in err
    assert f"database.url in {config}/cti.yaml" in err  # the config directory given
    assert "hunter2" not in err and "Traceback" not in err
