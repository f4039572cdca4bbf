"""The shipped config/ directory, copied for a test to break, and its errors read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.config import load_config
from cti.errors import ConfigError

SHIPPED = Path(__file__).resolve().parents[2] / "config"


def edit(directory: Path, name: str, old: str, new: str) -> None:
    """Replace the first ``old`` in ``directory/name`` by ``new`` (``old`` must be there)."""
    path = directory / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


def load_errors(directory: Path) -> list[str]:
    """The error lines loading ``directory`` gives (it must fail)."""
    with pytest.raises(ConfigError) as info:
        load_config(directory)
    return info.value.errors
