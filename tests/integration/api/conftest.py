"""Fixtures of the API tests (helpers live in api_support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from api_support import ApiEnv, api_env


@pytest.fixture
async def api(dsn: str, tmp_path: Path) -> AsyncIterator[ApiEnv]:
    async with api_env(dsn, tmp_path / "config") as started:
        yield started
