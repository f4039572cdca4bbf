"""Report figures against values worked out by hand on the known day (dataset.py).

Thresholds are those of the shipped config/queues.yaml (bookings 20 s, changes,
general and billing 30 s, vip 10 s); short abandons are under 5 s.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from dataset import ZONE, store_known_day

from cti.config import Config, load_config
from cti.reports.formats import to_csv, to_json, to_table
from cti.reports.run import ReportSpec, run_report
from cti.store import Store

ROOT = Path(__file__).resolve().parents[3]
DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=ZONE)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "config")


async def report(store: Store, config: Config, kind: str, **kwargs: Any) -> Any:
    async with asyncio.timeout(30):
        return await run_report(store.pool, ReportSpec(kind, DAY, DAY, **kwargs), config,
                                now=NOW)


def by_key(report: Any, key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in report.rows}


async def test_calls_per_queue_match_the_hand_count(store: Store, config: Config) -> None:
    await store_known_day(store)
    r = await report(store, config, "queues")
    rows = by_key(r, "queue")
    assert set(rows) == {"bookings", "changes", "general", "billing", "vip"}

    b = rows["bookings"]
    assert (b["offered"], b["answered"], b["abandoned"], b["short_abandoned"]) == (3, 1, 1, 1)
    assert b["service_level"] == pytest.approx(50.0)         # 1 / (1 answered + 1 abandoned)
    assert b["abandon_rate"] == pytest.approx(100 / 3)
    assert b["asa"] == pytest.approx(12.0)
    assert b["longest_wait"] == pytest.approx(332.0)          # the callback nobody answered
    assert b["aht"] == pytest.approx(120.0)                   # (180 + 30) / 2 + (20 + 10) / 2
    assert b["avg_hold"] == pytest.approx(15.0)
    assert (b["callbacks"], b["callbacks_reached"], b["callbacks_not_reached"]) == (1, 0, 1)
    assert b["sl_target"] == "80% in 20s"

    c = rows["changes"]
    assert (c["offered"], c["answered"], c["exited"], c["overflow_out"]) == (1, 0, 1, 1)
    assert c["service_level"] == pytest.approx(0.0)
    assert c["asa"] is None and c["aht"] is None and c["longest_wait"] == pytest.approx(240)

    g = rows["general"]
    assert (g["offered"], g["answered"], g["overflow_in"], g["transferred"]) == (2, 2, 1, 1)
    assert g["service_level"] == pytest.approx(50.0)          # 30 s in, 40 s out
    assert g["asa"] == pytest.approx(35.0)
    assert g["aht"] == pytest.approx(102.5)                   # (120 + 60) / 2 + (10 + 15) / 2

    bi = rows["billing"]
    assert (bi["offered"], bi["answered"], bi["exited"], bi["transfer_in"]) == (2, 1, 1, 1)
    assert bi["service_level"] == pytest.approx(50.0)
    assert bi["aht"] == pytest.approx(105.0)
    assert bi["longest_wait"] == pytest.approx(300.0)

    v = rows["vip"]
    assert (v["offered"], v["answered"], v["callbacks"], v["callbacks_reached"]) == (1, 1, 1, 1)
    assert v["service_level"] == pytest.approx(0.0)           # reached after 315 s
    assert v["asa"] == pytest.approx(315.0)
    assert v["aht"] == pytest.approx(140.0)

    total = r.total
    assert (total["offered"], total["answered"], total["abandoned"],
            total["short_abandoned"]) == (9, 5, 1, 1)
    # Weighted by calls: 3 in SL / (5 answered + 1 abandoned + 2 exited), not the mean
    # of the queues' levels (30 %).
    assert total["service_level"] == pytest.approx(37.5)
    assert total["asa"] == pytest.approx((12 + 30 + 40 + 10 + 315) / 5)
    assert total["longest_wait"] == pytest.approx(332.0)


async def test_one_queue_by_hour_fills_every_hour_for_the_series(store: Store,
                                                                 config: Config) -> None:
    await store_known_day(store)
    r = await report(store, config, "queues", queue="bookings", by="hour")
    assert [(row["period"], row["offered"]) for row in r.rows] == [
        ("2026-03-02T09:00", 2), ("2026-03-02T10:00", 1)]
    assert len(r.periods) == 24 and r.periods[9]["answered"] == 1
    assert r.periods[10]["service_level"] is None  # nothing concluded in SL terms at 10:00
    assert r.total["offered"] == 3


async def test_agents_handle_time_occupancy_and_missed_offers(store: Store,
                                                             config: Config) -> None:
    await store_known_day(store)
    rows = by_key(await report(store, config, "agents"), "agent")
    a = rows["a1001"]
    assert (a["offered"], a["answered"], a["missed"]) == (2, 2, 0)
    assert a["aht"] == pytest.approx(120.0) and a["handle_time"] == pytest.approx(240.0)
    assert a["hold_time"] == pytest.approx(30.0)
    assert a["staffed_time"] == pytest.approx(5700.0)         # 08:55 to 10:30
    assert a["occupancy"] == pytest.approx(100 * 240 / 5700)
    assert a["paused_time"] == pytest.approx(1800.0)
    assert a["logged_in_time"] == pytest.approx(7500.0)
    assert (rows["a1002"]["offered"], rows["a1002"]["missed"]) == (1, 0)   # caller left
    assert (rows["a1003"]["offered"], rows["a1003"]["missed"]) == (1, 1)   # let it ring
    assert rows["a1004"]["aht"] == pytest.approx(102.5)
    assert rows["a1001"]["name"] == "Ana Garcia" or rows["a1001"]["name"]


async def test_time_per_state_and_pause_reason(store: Store, config: Config) -> None:
    await store_known_day(store)
    r = await report(store, config, "states", agent="a1001")
    states = {(row["state"], row["reason"]): row["seconds"] for row in r.rows}
    assert states[("NOT_READY", "lunch")] == pytest.approx(1800)
    assert states[("ON_CALL", None)] == pytest.approx(210)
    assert states[("WRAP_UP", None)] == pytest.approx(30)
    assert states[("LOGGED_OUT", None)] == pytest.approx(3600)  # 11:00 to now (12:00)
    lunch = next(row for row in r.rows if row["reason"] == "lunch")
    assert lunch["share"] == pytest.approx(100 * 1800 / 7500)


async def test_states_cut_by_hour_split_a_state_across_hours(store: Store,
                                                             config: Config) -> None:
    await store_known_day(store)
    r = await report(store, config, "states", agent="a1001", by="hour")
    ready = {row["period"]: row["seconds"] for row in r.rows if row["state"] == "READY"}
    # READY 09:03:32 -> 10:05:00 and 10:05:42 -> 10:30: split at 10:00
    assert ready["2026-03-02T09:00"] == pytest.approx(3600 - 4 - 180 - 20)
    assert ready["2026-03-02T10:00"] == pytest.approx(300 + 1458)
    assert ready["2026-03-02T08:00"] == pytest.approx(300)


async def test_cases_per_unit_backlog_time_to_close_and_fcr(store: Store,
                                                           config: Config) -> None:
    await store_known_day(store)
    r = await report(store, config, "cases")
    rows = by_key(r, "unit")
    agents, complaints = rows["agents"], rows["complaints"]
    assert (agents["opened"], agents["closed"], agents["backlog"]) == (3, 2, 1)
    assert agents["time_to_close"] == pytest.approx((198 + 60) / 2)
    assert (agents["fcr_cases"], agents["fcr"]) == (2, pytest.approx(50.0))  # K1 had a repeat
    assert (complaints["opened"], complaints["closed"], complaints["backlog"]) == (0, 1, 0)
    assert complaints["time_to_close"] == pytest.approx(20 * 3600)
    assert complaints["fcr"] == pytest.approx(0.0)  # two contacts
    assert r.total["backlog"] == 1 and r.total["fcr"] == pytest.approx(100 / 3)

    topics = by_key(await report(store, config, "cases", group="topic"), "topic")
    assert topics["bookings"]["opened"] == 2 and topics["billing"]["backlog"] == 1
    # every case of the day is reason "new", sub-reason "hotel", call type "perfect":
    # K1, K2, K4 opened today, K1, K3, K4 closed, K2 still pending
    for group, key in (("reason", "new"), ("sub_reason", "hotel"), ("call_type", "perfect")):
        rows = by_key(await report(store, config, "cases", group=group), group)
        assert list(rows) == [key], group
        assert (rows[key]["opened"], rows[key]["closed"], rows[key]["backlog"]) == (3, 3, 1)


async def test_surveys_per_queue_csat_nps_ces(store: Store, config: Config) -> None:
    await store_known_day(store)
    r = await report(store, config, "surveys")
    rows = by_key(r, "queue")
    assert rows["bookings"]["csat"] == pytest.approx(100.0)
    assert rows["bookings"]["nps"] == pytest.approx(100.0)
    assert rows["bookings"]["ces"] == pytest.approx(5.0)
    assert rows["billing"]["csat"] == pytest.approx(0.0)
    assert rows["billing"]["nps"] == pytest.approx(-100.0)
    assert r.total["csat"] == pytest.approx(200 / 3)
    assert r.total["nps"] == pytest.approx(100 / 3)
    agents = by_key(await report(store, config, "surveys", group="agent"), "agent")
    assert agents["a1005"]["csat_answers"] == 1


async def test_the_formats_carry_the_same_figures(store: Store, config: Config) -> None:
    await store_known_day(store)
    r = await report(store, config, "queues")
    doc = to_json(r)
    assert doc["total"]["service_level"] == 37.5 and doc["timezone"] == "Europe/Madrid"
    assert {c["key"] for c in doc["columns"]} >= {"queue", "offered", "service_level", "aht"}
    lines = to_csv(r).splitlines()
    assert lines[0].startswith("queue,sl_target,offered,answered")
    assert lines[-1].startswith("total,total,9,5,")
    table = to_table(r)
    assert "37.5%" in table and "5:32" in table and "short abandons" in table


async def test_a_day_with_nothing_recorded(store: Store, config: Config) -> None:
    r = await report(store, config, "queues")
    assert r.rows == [] and r.total is None
    assert "nothing recorded" in to_table(r)


async def test_a_long_report_says_how_far_it_has_read(store: Store, config: Config) -> None:
    """`cti report` prints ``reading month 2 of 3`` from these calls (cti/reports/cli.py)."""
    await store_known_day(store)
    seen: list[tuple[int, int]] = []
    spec = ReportSpec("queues", date(2026, 2, 1), date(2026, 4, 30))
    async with asyncio.timeout(30):
        r = await run_report(store.pool, spec, config, now=NOW,
                             progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert r.total["offered"] == 9                       # the known day, counted once
