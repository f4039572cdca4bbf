"""Helpers of the store tests (imported by name: test dirs have no __init__.py)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def bounded(seconds: float = 20.0) -> Callable[[F], F]:
    """Fail the async test if it runs longer than ``seconds`` (an autouse
    fixture cannot do this: it runs in another task than the test)."""

    def decorate(test: F) -> F:
        @functools.wraps(test)
        async def run(*args: Any, **kwargs: Any) -> Any:
            async with asyncio.timeout(seconds):
                return await test(*args, **kwargs)

        return run  # type: ignore[return-value]

    return decorate
