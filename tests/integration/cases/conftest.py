"""Fixtures of the case tests (helpers live in case_support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from case_support import Cases, case_service

from cti.store import Store


@pytest.fixture
async def cases(store: Store) -> AsyncIterator[Cases]:
    async with case_service(store) as running:
        yield running
