"""The forecast, the staffing and today's forecast vs actual over REST (cti/api/wfm.py),
on the call records of test_wfm_cli.py, read through the service's own store."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from test_wfm_cli import START, ZONE, _config, _insert_history

from cti.api import wfm
from cti.api.http import STAFF_PREFIXES, errors
from cti.config import load_config
from cti.store import Store


@pytest.fixture
async def client(dsn: str, tmp_path: Path) -> AsyncIterator[TestClient]:
    await _insert_history(dsn)
    config = load_config(_config(tmp_path, dsn))
    async with await Store.open(dsn, min_size=1, max_size=2) as store:
        app = web.Application(middlewares=[errors])
        wfm.add_routes(app, SimpleNamespace(config=config, store=store))
        async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as c:
            yield c


async def _get(client: TestClient, path: str) -> tuple[int, Any]:
    async with asyncio.timeout(120):
        r = await client.get(path)
        if r.content_type == "application/json":
            return r.status, await r.json()
        return r.status, await r.read()


def test_the_routes_are_for_supervisors_and_queue_readers() -> None:
    for path in ("/api/v1/wfm/forecast", "/api/v1/wfm/staffing", "/api/v1/wfm/intraday"):
        assert path.startswith(STAFF_PREFIXES)


async def test_forecast_as_json_csv_and_png(client: TestClient) -> None:
    status, body = await _get(client, f"/api/v1/wfm/forecast?queue=billing&start={START}")
    assert status == 200, body
    assert body["queue"] == "billing" and body["days"] == 7 and body["timezone"] == ZONE
    assert body["history"]["days"] == 42 and body["backtest"]["chosen"] == body["method"]
    assert len(body["intervals"]) == 7 * 48
    sundays = [r["calls"] for r in body["intervals"] if r["weekday"] == "sun"]
    assert sum(sundays) == 0
    # the chosen method is kept: the next auto request runs no backtest
    status, again = await _get(client, f"/api/v1/wfm/forecast?queue=billing&start={START}"
                                       "&days=2&format=json")
    assert status == 200 and again["method"] == body["method"] and again["backtest"] is None
    status, text = await _get(client, f"/api/v1/wfm/forecast?queue=billing&start={START}"
                                      "&method=seasonal_naive&interval=60&format=csv")
    rows = list(csv.DictReader(io.StringIO(text.decode())))
    assert status == 200 and len(rows) == 7 * 24 and rows[9]["interval"] == "09:00"
    status, png = await _get(client, f"/api/v1/wfm/forecast?queue=billing&start={START}"
                                     "&method=historical_average&format=png")
    assert status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n"


async def test_staffing_as_json_and_svg(client: TestClient) -> None:
    status, body = await _get(client, f"/api/v1/wfm/staffing?queue=billing&start={START}"
                                      "&method=historical_average&shrinkage=30")
    assert status == 200, body
    s = body["staffing"]
    assert s["model"] == "erlang-a" and s["target_seconds"] == 30 and s["level"] == 80
    assert s["shrinkage"] == 30 and s["patience"] > 0
    busy = [r for r in body["intervals"] if r["calls"] > 0]
    assert len(body["intervals"]) == 48 and busy
    assert all(r["service_level"] >= 80 and r["scheduled"] >= r["agents"] >= 1 for r in busy)
    status, svg = await _get(client, f"/api/v1/wfm/staffing?queue=billing&start={START}"
                                     "&method=seasonal_naive&model=erlang-c&format=svg")
    assert status == 200 and b"<svg" in svg[:2000]


@pytest.mark.parametrize(("query", "status", "message"), [
    ("", 400, "queue is required"),
    ("queue=nosuch", 404, "no queue named 'nosuch'"),
    ("queue=billing&days=0", 400, "days 0 must be from 1 to 366"),
    ("queue=billing&days=x", 400, "days='x' is not a whole number"),
    ("queue=billing&interval=20", 400, "interval 20: use 15, 30 or 60"),
    ("queue=billing&method=prophet", 400, "unknown method 'prophet'"),
    ("queue=billing&holiday_as=xmas", 400, "holiday_as 'xmas'"),
    ("queue=billing&start=2026-99-01", 400, "start='2026-99-01' is not a day"),
    ("queue=billing&format=pdf", 400, "format 'pdf'"),
    ("queue=billing&channel=chat", 404, "no chat calls recorded"),
    ("queue=billing&level=100", 400, "level 100 must be a percent"),
    ("queue=billing&shrinkage=nan", 400, "shrinkage='nan' is not a number"),
    ("queue=billing&model=erlang-b", 400, "model 'erlang-b'"),
])
async def test_bad_requests_say_what_is_wrong(client: TestClient, query: str, status: int,
                                              message: str) -> None:
    got, body = await _get(client, f"/api/v1/wfm/staffing?{query}&start={START}")
    assert got == status and message in body["message"], body


async def _record_morning(dsn: str, calls: int) -> None:
    """``calls`` answered billing calls spread over 09:00 to 11:30 of START."""
    zone = ZoneInfo(ZONE)
    nine = datetime(START.year, START.month, START.day, 9, tzinfo=zone)
    rows = []
    for i in range(calls):
        at = nine + timedelta(seconds=i * 9000 / calls)
        rows.append((uuid.uuid4(), "billing", "a1001", at, at, at + timedelta(seconds=10),
                     at + timedelta(seconds=200), "answered"))
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "call_records", records=rows,
            columns=["id", "queue", "agent_id", "arrived_at", "queued_at", "answered_at",
                     "ended_at", "outcome"])
    finally:
        await conn.close()


async def test_intraday_compares_today_with_its_forecast(client: TestClient, dsn: str) -> None:
    """At 12:00 on the first forecast day: nothing recorded yet runs below the forecast;
    a morning far busier than usual re-forecasts the afternoon upwards."""
    noon = datetime(START.year, START.month, START.day, 12, tzinfo=ZoneInfo(ZONE))
    client.app[wfm.STATE].clock = noon.timestamp
    status, body = await _get(client, "/api/v1/wfm/intraday?method=historical_average")
    assert status == 200, body
    assert body["day"] == START.isoformat() and [q["queue"] for q in body["queues"]] == ["billing"]
    assert "general" in body["skipped"]                    # no history there
    quiet = body["queues"][0]
    assert quiet["elapsed"] == 24 and len(quiet["actual"]) == 24
    assert quiet["intervals"][18] == "09:00" and quiet["actual_so_far"] == 0
    assert quiet["ratio"] < 1 and quiet["expected_total"] < quiet["forecast_total"]

    await _record_morning(dsn, calls=400)
    status, body = await _get(client, "/api/v1/wfm/intraday?queue=billing"
                                      "&method=historical_average")
    busy = body["queues"][0]
    assert status == 200 and busy["forecast"] == quiet["forecast"]    # made once a day
    assert busy["actual_so_far"] == 400 and sum(busy["actual"][18:23]) == 400
    assert busy["ratio"] > 1 and busy["expected_total"] > busy["forecast_total"]
    assert busy["reforecast"][30] > busy["forecast"][30] > 0

    status, body = await _get(client, "/api/v1/wfm/intraday?queue=general")
    assert status == 404 and "no voice calls recorded" in body["message"]
