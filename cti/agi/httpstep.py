"""The http step's client: one aiohttp session, a hard timeout a request."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

import aiohttp

from cti.agi.errors import FlowError


class HttpStepError(FlowError):
    def __init__(self, method: str, url: str, detail: str) -> None:
        super().__init__(f"{method} {url} failed: {detail}")
        self.method, self.url, self.detail = method, url, detail


class HttpFetcher(Protocol):
    async def fetch(self, method: str, url: str, *, body: Any | None,
                    headers: Mapping[str, str], timeout: float) -> Any:
        """Return the parsed JSON answer; raise HttpStepError on any failure."""
        ...


class AiohttpFetcher:
    """Shares one ``aiohttp.ClientSession``; ``close()`` it when the service stops."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, method: str, url: str, *, body: Any | None,
                    headers: Mapping[str, str], timeout: float) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with asyncio.timeout(timeout), self._session.request(
                method, url, json=body, headers=dict(headers)
            ) as response:
                if response.status >= 300:
                    raise HttpStepError(method, url, f"HTTP status {response.status}")
                return await response.json(content_type=None)
        except TimeoutError:
            raise HttpStepError(method, url, f"no answer within {timeout:g} s") from None
        except aiohttp.ClientError as exc:
            raise HttpStepError(method, url, f"{type(exc).__name__}: {exc}") from exc
        except ValueError as exc:
            raise HttpStepError(method, url, f"answer is not JSON: {exc}") from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def json_path(data: Any, path: str) -> Any:
    """``booking.status`` or ``items.0.id`` in a JSON document; None when absent."""
    node = data
    for part in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.lstrip("-").isdigit():
            index = int(part)
            node = node[index] if -len(node) <= index < len(node) else None
        else:
            return None
        if node is None:
            return None
    return node
