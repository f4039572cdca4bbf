"""`cti demo` (what `make demo` runs): calls flow within seconds, then it stops cleanly."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def test_demo_routes_calls_and_prints_addresses_and_status(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    cti = yaml.safe_load((config / "cti.yaml").read_text())
    cti["http"]["port"] = 0  # the shipped 8080 / 4573 may be in use on this machine
    cti["agi"]["port"] = 0
    cti["ivr"]["flows_dir"] = str(ROOT / "ivr_flows")
    (config / "cti.yaml").write_text(yaml.safe_dump(cti))
    result = subprocess.run(
        [sys.executable, "-m", "cti.cli", "demo", "--config", str(config), "--duration", "25",
         "--calls-per-minute", "40"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"HTTP API\s+http://127\.0\.0\.1:\d+/api/v1/status", out)
    assert "PostgreSQL      postgresql://" in out
    answered = [int(n) for n in re.findall(r"answered (\d+)", out)]
    assert answered and answered[-1] > 0, out
    # the stop says what it waits for, and that it is done
    assert "stopping: no new calls; the service drains what is under way" in out
    assert "stopping: stopping the simulated PBX" in out
    assert out.rstrip().endswith("stopped")
    assert (tmp_path / "var" / "pgdata").is_dir()
    assert "Traceback" not in (tmp_path / "var" / "demo.log").read_text()
