"""Fixtures of the AMI integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from ami_fake_server import FakeAmi


@pytest.fixture
async def ami() -> AsyncIterator[FakeAmi]:
    """A fake Asterisk AMI server on 127.0.0.1 (port 0), stopped after the test."""
    server = FakeAmi()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
