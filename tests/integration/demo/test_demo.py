"""`cti demo` (what `make demo` runs): calls flow within seconds, then it stops cleanly."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.request
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
    demo = subprocess.Popen(
        [sys.executable, "-m", "cti.cli", "demo", "--config", str(config), "--duration", "12",
         "--calls-per-minute", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        banner = _banner(demo)
        desk = re.search(r"Agent desktop\s+(http://127\.0\.0\.1:\d+)/\s+sign in as (\S+) "
                         r"\(any agent id\), password '([^']+)'", banner)
        board = re.search(r"Wallboard\s+http://127\.0\.0\.1:\d+/wallboard\s+sign in as (\S+) "
                          r"\(supervisor\)", banner)
        assert desk and board, banner
        url, agent, password = desk.groups()
        for user in (agent, board.group(1)):   # the printed password signs them in
            login = urllib.request.Request(
                f"{url}/api/v1/login", method="POST", headers={"Content-Type": "application/json"},
                data=json.dumps({"username": user, "password": password}).encode())
            with urllib.request.urlopen(login, timeout=10) as answer:
                assert json.load(answer)["user"]["id"] == user
        with urllib.request.urlopen(f"{url}/wallboard", timeout=10) as page:
            assert b"Wallboard" in page.read()
        rest, errors = demo.communicate(timeout=120)
    finally:
        demo.kill()
    assert demo.returncode == 0, errors[-3000:]
    out = banner + rest
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


def _banner(demo: subprocess.Popen[str]) -> str:
    """What the demo printed up to the end of its banner."""
    assert demo.stdout is not None
    lines = []
    for line in demo.stdout:
        lines.append(line)
        if line.startswith("Ctrl-C stops."):
            return "".join(lines)
    raise AssertionError("the demo ended before its banner: " + "".join(lines))
