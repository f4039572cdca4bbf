"""A report as a terminal table, JSON or CSV.

JSON and CSV carry every figure as a plain number (seconds, percents) and
None/empty where a figure has nothing to count; the table shows the main
figures, formatted for people.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from cti.events import iso
from cti.reports.model import Column, Report
from cti.reports.text import duration
from cti.table import render_table

FORMATS = ("table", "json", "csv")


def to_json(report: Report) -> dict[str, Any]:
    return {
        "kind": report.kind, "title": report.title,
        "from": iso(report.since.timestamp()), "to": iso(report.until.timestamp()),
        "timezone": report.timezone, "by": report.by,
        "columns": [{"key": c.key, "label": c.label, "unit": c.unit}
                    for c in (*report.keys, *report.figures)],
        "rows": [_plain(r) for r in report.rows],
        "periods": [_plain(p) for p in report.periods],
        "total": None if report.total is None else _plain(report.total),
        "notes": list(report.notes),
    }


def to_csv(report: Report) -> str:
    """Every row, then the total (its key columns say ``total``)."""
    columns = [c.key for c in (*report.keys, *report.figures)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    rows = list(report.rows)
    if report.total is not None:
        rows.append({**{c.key: "total" for c in report.keys}, **report.total})
    for row in rows:
        writer.writerow([_csv_value(row.get(k)) for k in columns])
    return out.getvalue()


def to_table(report: Report) -> str:
    shown = [report.column(k) for k in report.table]
    headers = [c.label for c in report.keys] + [c.label for c in shown]
    rows = [[_text(c, r.get(c.key)) for c in report.keys] + [_text(c, r.get(c.key))
                                                              for c in shown]
            for r in report.rows]
    if report.total is not None and len(report.rows) != 1:
        rows.append(["total"] + [""] * (len(report.keys) - 1)
                    + [_text(c, report.total.get(c.key)) for c in shown])
    lines = [report.title]
    if rows:
        lines += ["", render_table(headers, rows)]
    else:
        lines += ["", "nothing recorded in this period"]
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)


def _text(column: Column, value: Any) -> str:
    if value is None:
        return "-"
    match column.unit:
        case None:
            return str(value)
        case "count":
            return str(int(value))
        case "percent":
            return f"{value:.1f}%"
        case "seconds":
            return duration(float(value))
        case _:
            return f"{value:.1f}"


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _round(v) for k, v in row.items()}


def _round(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    return _round(value)
