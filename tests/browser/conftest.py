"""Fixtures of the browser tests: the reference desktop and wallboard driven in
headless Chromium (Debian's ``chromium`` package, through Playwright's Python API
pointed at it: Playwright's own browser downloads do not work here) against the
running service, the simulated PBX and the embedded PostgreSQL.

Without Chromium or Playwright the tests skip with one line saying how to install
them (``make test`` installs both when run as root); with ``CI=true`` they fail
instead. Screenshots go to ``var/test-output/browser/`` (or ``$CTI_TEST_OUTPUT``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "service"))

from service_env import Env, make_config, start_sim, wait_for  # noqa: E402

from cti.api import accounts  # noqa: E402
from cti.app import Service  # noqa: E402
from cti.config import load_config  # noqa: E402
from cti.sim.phones import Behaviour  # noqa: E402

PASSWORD = "correct horse battery"
OUTPUT = Path(os.environ.get("CTI_TEST_OUTPUT", ROOT / "var" / "test-output")) / "browser"
INSTALL = ("install headless Chromium: `sudo apt-get install chromium chromium-driver` and "
           "`.venv/bin/pip install -e '.[test]'` (`make test` does both when run as root)")
#: Expectations in the page wait this long (seconds) unless a test says otherwise.
EXPECT_TIMEOUT = 15_000

__all__ = ["OUTPUT", "PASSWORD", "Centre", "wait_for"]


def chromium_path() -> str | None:
    found = os.environ.get("CTI_CHROMIUM") or shutil.which("chromium")
    return found if found and Path(found).exists() else None


def _unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    if chromium_path() is None:
        return "Debian's chromium is not installed"
    return None


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    missing = _unavailable()
    if missing is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{missing}; CI must run the browser tests: {INSTALL}")
        pytest.skip(f"{missing}: {INSTALL}")
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=EXPECT_TIMEOUT)
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=chromium_path())
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Centre:
    """The running centre a browser test works on."""

    env: Env

    @property
    def service(self) -> Service:
        return self.env.service

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env.service.http_port}"

    async def user(self, user_id: str, role: str, *, name: str, agent: str | None = None,
                   queues: tuple[str, ...] = (), units: tuple[str, ...] = ()) -> None:
        await accounts.add_user(self.service.store, self.service.config, user_id, role=role,
                                password=PASSWORD, name=name, agent_id=agent, queues=queues,
                                units=units)

    async def api(self, user_id: str, method: str, path: str, body: Any = None) -> Any:
        """Sign in as ``user_id`` and call the REST API under /api/v1: the answer's JSON
        (the test fails on anything but 2xx)."""
        async with aiohttp.ClientSession(base_url=self.url) as http:
            async with http.post("/api/v1/login", json={"username": user_id,
                                                        "password": PASSWORD}) as r:
                token = (await r.json())["token"]
            async with http.request(method, "/api/v1" + path, json=body,
                                    headers={"Authorization": f"Bearer {token}"}) as r:
                answer = await r.json()
                assert r.status < 300, answer
                return answer

    async def sign_in(self, page: Any, path: str, user_id: str) -> None:
        """Open ``path`` and sign in with the keyboard only."""
        from playwright.async_api import expect

        await page.goto(self.url + path)
        await expect(page.get_by_label("User name")).to_be_focused()
        await page.keyboard.type(user_id)
        await page.keyboard.press("Tab")
        await page.keyboard.type(PASSWORD)
        await page.keyboard.press("Enter")
        await expect(page.locator("#link")).to_have_text("Connected")

    async def screenshot(self, page: Any, name: str) -> Path:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / name
        await page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
async def centre(dsn: str, tmp_path: Path) -> AsyncIterator[Centre]:
    """Simulator, service and users: lucia (agent a1001), carmen (supervisor s2001 of
    bookings and complaints, in charge of the agents' unit). Bookings keeps its agents
    in wrap-up until a disposition is given, and aims at answering within 2 s."""
    async with asyncio.timeout(30):
        sim = await start_sim()
        sim.add_phone("PJSIP/2001", Behaviour.answers(0.5))   # the supervisor's phone
        sim.add_phone("PJSIP/trunk", Behaviour.answers(1.0), context="cti-inbound")  # customers
        config_dir = make_config(tmp_path / "config", sim.ami_port, queues={
            "bookings": {"wrapup_requires_disposition": True,
                         "service_level": {"target_seconds": 2, "percent": 80}}})
        hours = config_dir / "hours.yaml"
        doc = yaml.safe_load(hours.read_text())
        doc["timezone"] = "Europe/Madrid"   # times on the pages are the centre's
        hours.write_text(yaml.safe_dump(doc))
        service = Service(load_config(config_dir), dsn=dsn)
        await service.start()
        assert service.agi is not None
        sim.core.agi_override = ("127.0.0.1", service.agi.port)
    started = Centre(Env(sim, service, config_dir, dsn))
    try:
        await started.user("lucia", "agent", name="Lucia Fernandez", agent="a1001")
        await started.user("carmen", "supervisor", name="Carmen Vidal", agent="s2001",
                           queues=("bookings", "complaints"), units=("agents",))
        yield started
    finally:
        async with asyncio.timeout(30):
            await service.stop()
            await sim.stop()
