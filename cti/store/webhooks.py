"""Webhook subscriptions and how their deliveries fare."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from cti.store.base import Db


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    url: str
    events: tuple[str, ...]
    secret: str
    created_by: str | None
    created_at: datetime
    failures: int
    delivered: int
    dropped: int
    last_error: str | None
    last_failure_at: datetime | None
    last_success_at: datetime | None


_COLUMNS = ("id, url, events, secret, created_by, created_at, failures, delivered, dropped, "
            "last_error, last_failure_at, last_success_at")


def _webhook(row: asyncpg.Record) -> Webhook:
    data = dict(row)
    data["events"] = tuple(data["events"])
    return Webhook(**data)


class Webhooks:
    """``store.webhooks``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, webhook_id: str, *, url: str, events: Sequence[str], secret: str,
                  created_by: str | None) -> Webhook:
        row = await self._db.fetchrow(
            f"INSERT INTO webhooks (id, url, events, secret, created_by) "
            f"VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}",
            webhook_id, url, list(events), secret, created_by)
        assert row is not None
        return _webhook(row)

    async def active(self) -> list[Webhook]:
        return [_webhook(r) for r in await self._db.fetch(
            f"SELECT {_COLUMNS} FROM webhooks WHERE deleted_at IS NULL ORDER BY created_at, id")]

    async def get(self, webhook_id: str) -> Webhook | None:
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM webhooks WHERE id = $1 AND deleted_at IS NULL", webhook_id)
        return None if row is None else _webhook(row)

    async def delete(self, webhook_id: str) -> bool:
        done = await self._db.execute(
            "UPDATE webhooks SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL",
            webhook_id)
        return done != "UPDATE 0"

    async def delivered(self, webhook_id: str, count: int = 1) -> None:
        await self._db.execute(
            "UPDATE webhooks SET failures = 0, delivered = delivered + $2, "
            "last_success_at = now() WHERE id = $1", webhook_id, count)

    async def failed(self, webhook_id: str, error: str, *, dropped: int = 0) -> None:
        await self._db.execute(
            "UPDATE webhooks SET failures = failures + 1, dropped = dropped + $3, "
            "last_error = $2, last_failure_at = now() WHERE id = $1",
            webhook_id, error[:500], dropped)
