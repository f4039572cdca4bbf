"""A report as a table, JSON and CSV; the plot of its time series."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cti.errors import BadRequest
from cti.reports.formats import to_csv, to_json, to_table
from cti.reports.model import Column, Report
from cti.reports.plot import check_plot, plot_report
from cti.reports.text import duration


def report(**kwargs) -> Report:
    base = dict(
        kind="queues", title="Calls per queue, 2026-03-02 (UTC), by hour",
        since=datetime(2026, 3, 2, tzinfo=UTC), until=datetime(2026, 3, 3, tzinfo=UTC),
        timezone="UTC", by="hour",
        keys=(Column("period", "period"), Column("queue", "queue")),
        figures=(Column("offered", "offered", "count"), Column("answered", "answered", "count"),
                 Column("service_level", "SL", "percent"), Column("asa", "ASA", "seconds")),
        table=("offered", "service_level", "asa"),
        rows=[{"period": "2026-03-02T09:00", "queue": "sales", "offered": 12, "answered": 10,
               "service_level": 83.33333, "asa": 75.0},
              {"period": "2026-03-02T10:00", "queue": "sales", "offered": 3, "answered": 0,
               "service_level": None, "asa": None}],
        periods=[{"period": f"2026-03-02T{h:02d}:00", "offered": 12 if h == 9 else 0,
                  "answered": 10 if h == 9 else 0,
                  "service_level": 83.3 if h == 9 else None} for h in range(24)],
        total={"offered": 15, "answered": 10, "service_level": 83.33333, "asa": 75.0},
        notes=("short abandons: under 5s",))
    base.update(kwargs)
    return Report(**base)


def test_the_table_formats_each_unit_and_adds_the_total() -> None:
    text = to_table(report())
    lines = text.splitlines()
    assert lines[0].startswith("Calls per queue")
    assert "83.3%" in text and "1:15" in text and lines[-1] == "note: short abandons: under 5s"
    total = next(line for line in lines if line.startswith("total"))
    assert "15" in total
    assert "-" in lines[4]  # no service level at 10:00


def test_json_keeps_numbers_and_nulls() -> None:
    doc = json.loads(json.dumps(to_json(report())))
    assert doc["rows"][0]["service_level"] == 83.333 and doc["rows"][1]["asa"] is None
    assert doc["from"] == "2026-03-02T00:00:00.000Z" and len(doc["periods"]) == 24
    assert [c["unit"] for c in doc["columns"]] == [None, None, "count", "count", "percent",
                                                   "seconds"]


def test_csv_has_a_header_every_row_and_the_total() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(report()))))
    assert rows[0] == ["period", "queue", "offered", "answered", "service_level", "asa"]
    assert rows[2] == ["2026-03-02T10:00", "sales", "3", "0", "", ""]
    assert rows[-1][:3] == ["total", "total", "15"]


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (42.4, "42s"), (65, "1:05"),
                                               (3600, "1:00:00"), (10921, "3:02:01")])
def test_durations(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_a_plot_needs_a_series_of_the_queues_report_and_an_image_name(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match=r"png or \.svg"):
        check_plot(tmp_path / "x.pdf", "queues", "hour")
    with pytest.raises(BadRequest, match="--by"):
        check_plot(tmp_path / "x.png", "queues", None)
    with pytest.raises(BadRequest, match="queues report"):
        check_plot(tmp_path / "x.png", "agents", "day")


def test_the_plot_draws_offered_answered_and_service_level(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "plots" / "sales.svg"
    plot_report(path, report(), target=80.0)
    svg = path.read_text()
    assert svg.startswith("<?xml") and "offered" in svg and "target 80%" in svg
