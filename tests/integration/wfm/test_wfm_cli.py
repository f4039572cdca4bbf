"""`cti forecast` and `cti staffing` on call records in the embedded PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import shutil
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import yaml

from cti.cli import main
from cti.wfm.generate import synthetic_calls, synthetic_series
from cti.wfm.history import interval_buckets

ROOT = Path(__file__).resolve().parents[3]
ZONE = "Europe/Madrid"
START = date(2026, 3, 2)                       # a Monday: the first forecast day
HISTORY_DAYS = 42


def _config(tmp_path: Path, dsn: str, holidays: list[date] = ()) -> Path:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    cti = yaml.safe_load((config / "cti.yaml").read_text())
    cti["database"] = {"url": dsn}
    (config / "cti.yaml").write_text(yaml.safe_dump(cti))
    hours = yaml.safe_load((config / "hours.yaml").read_text())
    hours["timezone"] = ZONE
    hours["holidays"] = [{"date": d.isoformat(), "name": "holiday"} for d in holidays]
    (config / "hours.yaml").write_text(yaml.safe_dump(hours))
    return config


async def _insert_history(dsn: str, queue: str = "billing", days: int = HISTORY_DAYS,
                          daily_calls: float = 150.0) -> int:
    series = synthetic_series(queue, first_day=START - timedelta(days=days), days=days,
                              daily_calls=daily_calls, seed=3)
    rows = [(c.id, c.queue, c.agent_id, c.arrived_at, c.queued_at, c.answered_at,
             c.ended_at, c.outcome) for c in synthetic_calls(series, ZONE, seed=3)]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "call_records", records=rows,
            columns=["id", "queue", "agent_id", "arrived_at", "queued_at", "answered_at",
                     "ended_at", "outcome"])
    finally:
        await conn.close()
    return len(rows)


async def _cti(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


async def test_forecast_prints_tables_and_writes_csv_and_plot(
        dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = await _insert_history(dsn)
    config = _config(tmp_path, dsn)
    out_csv, out_png = tmp_path / "f.csv", tmp_path / "f.png"
    async with asyncio.timeout(120):
        code = await _cti("forecast", "--config", str(config), "--queue", "billing",
                          "--days", "7", "--start", START.isoformat(), "--csv", str(out_csv),
                          "--plot", str(out_png))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"history 2026-01-19 to 2026-03-01 (42 days, {calls} contacts)" in out
    assert "lowest WAPE in a backtest" in out and "seasonal_naive" in out
    assert "Mon 02" in out and "Sun 08" in out
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 7 * 48
    by_day: dict[str, float] = {}
    for row in rows:
        by_day[row["weekday"]] = by_day.get(row["weekday"], 0.0) + float(row["calls"])
    assert by_day["sun"] == 0                                   # closed in the history
    assert 100 < by_day["mon"] < 300 and by_day["sat"] < by_day["fri"]
    night = [r for r in rows if r["interval"] == "03:00"]
    assert all(float(r["calls"]) == 0 for r in night)
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_staffing_prints_agents_per_interval_with_erlang_a(
        dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await _insert_history(dsn)
    config = _config(tmp_path, dsn)
    out_csv, out_svg = tmp_path / "s.csv", tmp_path / "s.svg"
    async with asyncio.timeout(120):
        code = await _cti("staffing", "--config", str(config), "--queue", "billing",
                          "--start", START.isoformat(), "--method", "historical_average",
                          "--shrinkage", "30", "--csv", str(out_csv), "--plot", str(out_svg))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "staffing: Erlang A, 80% answered within 30s" in out    # billing in queues.yaml
    assert "shrinkage 30%" in out and "patience" in out
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 48 and {r["date"] for r in rows} == {"2026-03-02"}
    busy = [r for r in rows if float(r["calls"]) > 0]
    assert busy and all(int(r["agents"]) >= 1 for r in busy)
    for r in busy:
        assert int(r["scheduled"]) == -(-int(r["agents"]) * 10 // 7)   # ceil(agents / 0.7)
        assert float(r["service_level"]) >= 80.0
    assert all(int(r["agents"]) == 0 for r in rows if float(r["calls"]) == 0)
    assert "<svg" in out_svg.read_text()[:2000]


async def test_staffing_over_several_days_shows_a_matrix(
        dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await _insert_history(dsn)
    config = _config(tmp_path, dsn, holidays=[START + timedelta(days=2)])
    async with asyncio.timeout(120):
        code = await _cti("staffing", "--config", str(config), "--queue", "billing",
                          "--start", START.isoformat(), "--days", "3", "--model", "erlang-c",
                          "--method", "seasonal_naive")
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "staffing: Erlang C" in out and "scheduled agents" in out
    wednesday = next(line for line in out.splitlines() if line.startswith("2026-03-04"))
    assert wednesday.split()[2:4] == ["0", "0"]                 # holiday: closed


@pytest.mark.parametrize(("argv", "message"), [
    (["forecast", "--queue", "nosuch"], "no queue named 'nosuch' in "),
    (["forecast", "--queue", "vip"], "no voice calls recorded in queue 'vip' between"),
    (["forecast", "--queue", "billing", "--channel", "chat"], "no chat calls recorded"),
    (["forecast", "--queue", "billing", "--days", "0"], "--days 0 must be from 1 to 366"),
    (["forecast", "--queue", "billing", "--plot", "x.pdf"], "use a .png or .svg file name"),
    (["forecast", "--queue", "billing", "--method", "prophet"], "unknown method 'prophet'"),
    (["staffing", "--queue", "billing", "--level", "100"], "--level 100 must be a percent"),
])
async def test_bad_requests_are_one_clear_line(
        dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
        message: str) -> None:
    await _insert_history(dsn, days=21)
    config = _config(tmp_path, dsn)
    async with asyncio.timeout(60):
        code = await _cti(*argv, "--config", str(config), "--start", START.isoformat())
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("cti: ") and message in err and len(err.strip().splitlines()) == 1
    if "nosuch" in message:  # the config file named with the directory given
        assert f"in {config}/queues.yaml; known: billing" in err


async def test_unreachable_database_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, "postgresql://cti:hunter2@127.0.0.1:1/cti")
    async with asyncio.timeout(60):
        code = await _cti("staffing", "--config", str(config), "--queue", "billing")
    err = capsys.readouterr().err
    assert code == 1 and "127.0.0.1:1" in err and "unreachable" in err
    assert "hunter2" not in err and "Traceback" not in err


async def test_history_counts_wrap_up_and_keeps_channels_apart(dsn: str) -> None:
    """Handle time is talk + the agent's WRAP_UP for that interaction; a chat is not
    a voice call; buckets are local time (09:10 in Madrid in winter is 08:10 UTC)."""
    voice, chat = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 2, 2, 8, 10, tzinfo=UTC)
    conn = await asyncpg.connect(dsn)
    try:
        for iid, channel in ((voice, "voice"), (chat, "chat")):
            await conn.execute("INSERT INTO interactions (id, channel, queue) "
                               "VALUES ($1, $2, 'billing')", iid, channel)
            await conn.execute(
                "INSERT INTO call_records (id, interaction_id, queue, agent_id, arrived_at, "
                "queued_at, answered_at, ended_at, outcome) VALUES ($1, $2, 'billing', 'a1', "
                "$3, $3, $4, $5, 'answered')", uuid.uuid4(), iid, at,
                at + timedelta(seconds=20), at + timedelta(seconds=200))
        for state, seconds, iid in (("ON_CALL", 20, voice), ("WRAP_UP", 200, voice),
                                    ("READY", 245, None)):
            await conn.execute("INSERT INTO agent_state_history (id, agent_id, state, at, "
                               "interaction_id) VALUES ($1, 'a1', $2, $3, $4)", uuid.uuid4(),
                               state, at + timedelta(seconds=seconds), iid)
        await conn.execute(
            "INSERT INTO call_records (id, queue, arrived_at, queued_at, ended_at, outcome) "
            "VALUES ($1, 'billing', $2, $2, $3, 'abandoned')", uuid.uuid4(),
            at + timedelta(minutes=25), at + timedelta(minutes=26))
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
        try:
            buckets = await interval_buckets(
                pool, "test", queue="billing", channel="voice", first_day=date(2026, 2, 2),
                end_day=date(2026, 2, 3), timezone=ZONE, interval_minutes=30)
        finally:
            await pool.close()
    finally:
        await conn.close()
    assert [(b.start.strftime("%H:%M"), b.offered, b.answered, b.abandoned) for b in buckets] \
        == [("09:00", 1, 1, 0), ("09:30", 1, 0, 1)]
    assert buckets[0].handle_seconds == pytest.approx(180 + 45)
    assert buckets[0].wait_seconds == pytest.approx(20)
    assert buckets[1].wait_seconds == pytest.approx(60)
