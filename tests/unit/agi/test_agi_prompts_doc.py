"""docs/ivr.md's table of prompts names every prompt the shipped flows and the hold
step play (issue 12: the prompts, with their words, for whoever records them)."""

from __future__ import annotations

import re
from pathlib import Path

from cti.agi.loader import load_flows
from cti.agi.sounds import prompts_played

ROOT = Path(__file__).resolve().parents[3]


def _documented() -> set[str]:
    """The names in the first column of docs/ivr.md's tables (``-pending`` after
    ``tourism/status-confirmed`` stands for ``tourism/status-pending``)."""
    names: set[str] = set()
    for line in (ROOT / "docs" / "ivr.md").read_text().splitlines():
        if not line.startswith("| `"):
            continue
        first = ""
        for cell in re.findall(r"`([^`]+)`", line.split("|")[1]):
            if cell.startswith("-") and first:
                cell = first.rsplit("-", 1)[0] + cell
            first = first or cell
            names.add(cell)
    return names


def test_every_prompt_played_is_listed_with_its_words() -> None:
    flows = {name: lf.flow for name, lf in load_flows(ROOT / "ivr_flows").items()}
    played = [p for p in prompts_played(flows) if not p.variable]
    assert len(played) > 30
    assert [p.name for p in played if p.name not in _documented()] == []
