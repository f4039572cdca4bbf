"""docs/events.md lists every domain event type the code registers, with its fields."""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path

import pytest

from cti.events import ENVELOPE, EVENT_TYPES

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "events.md"


def _import_every_event_module() -> None:
    """Import each module of cti/ that registers event types (``@event_type(``)."""
    for path in sorted((ROOT / "cti").rglob("*.py")):
        if "@event_type(" in path.read_text(encoding="utf-8"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            importlib.import_module(module)


_import_every_event_module()
ROWS = {m.group(1): line for line in DOC.read_text(encoding="utf-8").splitlines()
        if (m := re.match(r"\| `([a-z_]+\.[a-z_]+)` \| `\w+` \|", line))}


def test_the_event_modules_are_found() -> None:
    assert {"call.offered", "case.opened", "campaign.call_placed", "alert.raised",
            "centre.mode_changed"} <= set(EVENT_TYPES)


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_event_type_has_a_row_with_its_class_and_fields(name: str) -> None:
    cls = EVENT_TYPES[name]
    row = ROWS.get(name)
    assert row is not None, f"docs/events.md: no row for {name} ({cls.__module__})"
    assert f"| `{cls.__name__}` |" in row, f"{name}: the row names another class"
    fields_cell = row.split(" | ")[2]
    for f in dataclasses.fields(cls):
        if f.name not in ENVELOPE:
            assert f"`{f.name}`" in fields_cell, f"docs/events.md: {name} lacks `{f.name}`"


def test_the_doc_lists_no_type_the_code_does_not_know() -> None:
    assert set(ROWS) <= set(EVENT_TYPES), set(ROWS) - set(EVENT_TYPES)
