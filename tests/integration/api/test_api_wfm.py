"""Forecasts and staffing over REST, through the running service and PostgreSQL:
the same figures as ``cti forecast`` / ``cti staffing``, today's forecast against
the calls recorded so far, one fit shared by every route of a queue and day, and
the access policy."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from api_support import ApiEnv

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "wfm"))

from wfm_support import insert_history, insert_today

ZONE = "UTC"          # make_config's hours.yaml
TODAY_CALLS = 9


async def _timed(api: ApiEnv, path: str, token: str) -> tuple[int, dict, float]:
    began = time.perf_counter()
    status, body = await api.rest("GET", path, token)
    return status, body, time.perf_counter() - began


async def _health_while(api: ApiEnv, running: asyncio.Task) -> float:
    """The slowest health check answered while ``running`` runs (the loop stays free)."""
    worst = 0.0
    while not running.done():
        began = time.perf_counter()
        status, _ = await api.rest("GET", "/api/v1/health")
        assert status in (200, 503)
        worst = max(worst, time.perf_counter() - began)
        await asyncio.sleep(0.05)
    return worst


async def test_forecast_staffing_and_today_share_one_fit_off_the_loop(api: ApiEnv) -> None:
    today = datetime.now(ZoneInfo(ZONE)).date()
    await insert_history(api.env.dsn, "billing", end=today, days=42, zone=ZONE)
    await insert_today(api.env.dsn, "billing", zone=ZONE, count=TODAY_CALLS)
    token = await api.user("wendy", "supervisor", queues=("billing",))
    forecasts = api.service.api.forecasts

    async with asyncio.timeout(180):
        first = asyncio.create_task(_timed(api, "/api/v1/forecast?queue=billing&days=7", token))
        worst_health = await _health_while(api, first)
        status, body, uncached = await first
        assert status == 200, body
        status2, again, cached = await _timed(api, "/api/v1/forecast?queue=billing&days=7",
                                              token)
    assert (body["cached"], again["cached"], status2) == (False, True, 200)
    assert body["queue"] == "billing" and body["start"] == today.isoformat()
    assert body["timezone"] == ZONE and body["interval_minutes"] == 30
    assert body["backtest"]["chosen"] == body["method"]          # auto: by a backtest
    assert body["history"]["days"] == 42 and body["history"]["contacts"] > 4000
    rows = body["intervals"]
    assert len(rows) == 7 * 48 and rows[0]["date"] == today.isoformat()
    assert all(r["calls"] == 0 for r in rows if r["interval"] == "03:00")   # night stays shut
    assert sum(r["calls"] for r in rows) > 500

    async with asyncio.timeout(60):
        status, staff = await api.rest(
            "GET", "/api/v1/staffing?queue=billing&shrinkage=30&model=erlang-c", token)
        assert status == 200, staff
        status, now = await api.rest("GET", "/api/v1/forecast/today?queue=billing", token)
        assert status == 200, now
    assert staff["cached"] and staff["model"] == "erlang-c" and staff["shrinkage"] == 30
    assert len(staff["intervals"]) == 48
    busy = [r for r in staff["intervals"] if r["calls"] > 0]
    assert busy and all(r["agents"] >= 1 and r["scheduled"] >= r["agents"] for r in busy)

    assert now["cached"] and now["date"] == today.isoformat()
    assert len(now["forecast"]) == len(now["reforecast"]) == len(now["labels"]) == 48
    assert now["labels"][19] == "09:30"
    assert len(now["actual"]) == now["elapsed"]
    assert sum(now["actual"]) + (now["current"] or 0) == TODAY_CALLS
    assert now["reforecast"][: now["elapsed"]] == now["actual"]
    assert now["forecast"] == [r["calls"] for r in rows[:48]]
    assert forecasts.fitted == 1                                 # one fit for all four
    async with asyncio.timeout(60):                              # the worker is warm now
        status, mstl, warm = await _timed(api, "/api/v1/forecast?queue=billing&method=mstl",
                                          token)
    assert status == 200 and mstl["method"] == "mstl" and not mstl["cached"]
    print(f"\nforecast (auto, 42 days): uncached {uncached:.2f} s "
          f"(fit {body['fit_seconds']:.2f} s), cached {cached * 1000:.1f} ms; "
          f"slowest health check meanwhile {worst_health * 1000:.0f} ms; "
          f"mstl in the warm worker {warm:.2f} s")
    assert worst_health < 1.0


async def test_forecast_routes_refuse_and_explain(api: ApiEnv) -> None:
    today = datetime.now(ZoneInfo(ZONE)).date()
    await insert_history(api.env.dsn, "billing", end=today, days=21, zone=ZONE)
    other = await api.user("otto", "supervisor", queues=("vip",))
    agent = await api.user("lucia", "agent", agent="a1001")
    admin = await api.user("root", "admin")
    async with asyncio.timeout(120):
        cases = [
            (other, "/forecast?queue=billing", 403, "forbidden", "not one of its queues"),
            (agent, "/forecast/today?queue=billing", 403, "forbidden", "see forecasts"),
            (admin, "/forecast", 400, "bad-request", "queue is required"),
            (admin, "/forecast?queue=nosuch", 404, "no-such-queue", "known: "),
            (admin, "/forecast?queue=vip", 404, "no-history", "no voice calls recorded"),
            (admin, "/forecast?queue=billing&interval=20", 400, "bad-request",
             "interval '20': use one of 15, 30, 60"),
            (admin, "/staffing?queue=billing&shrinkage=120", 400, "bad-request",
             "shrinkage must be between 0 and 99"),
            (admin, "/forecast?queue=billing&method=prophet", 400, "bad-request",
             "method 'prophet'"),
        ]
        for token, path, status, code, message in cases:
            got, body = await api.rest("GET", "/api/v1" + path, token)
            assert (got, body["error"]) == (status, code), (path, body)
            assert message in body["message"], (path, body)
        status, body = await api.rest(
            "GET", "/api/v1/forecast/today?queue=billing&method=seasonal_naive", admin)
        assert status == 200 and body["method"] == "seasonal_naive", body

        api.service.api.forecasts.needs = ("numpy", "no_such_wfm_package")
        status, body = await api.rest("GET", "/api/v1/forecast/today?queue=billing", admin)
    assert (status, body["error"]) == (501, "wfm-not-installed")
    assert body["message"] == (
        "GET /api/v1/forecast/today needs the optional forecasting packages "
        "(no_such_wfm_package is missing); install them with: pip install 'asterisk-cti[wfm]'")


@pytest.mark.parametrize("path", ["/api/v1/forecast", "/api/v1/staffing",
                                  "/api/v1/forecast/today"])
async def test_forecast_routes_are_in_the_openapi_document(api: ApiEnv, path: str) -> None:
    status, doc = await api.rest("GET", "/api/v1/openapi.json")
    assert status == 200
    op = doc["paths"][path]["get"]
    assert op["tags"] == ["wfm"] and {"queue", "interval"} <= {p["name"] for p in
                                                                  op["parameters"]}
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
