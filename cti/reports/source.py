"""The database a command reads reports from: the configuration's (embedded or DSN)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import asyncpg

from cti.store.db import describe_dsn, init_connection, translate_errors

if TYPE_CHECKING:
    from cti.config import Config


@asynccontextmanager
async def open_pool(config: Config, size: int = 3) -> AsyncIterator[tuple[asyncpg.Pool, str]]:
    """A pool on the configured database, and its name for messages (no password).

    Raises:
        StoreUnavailable: the database cannot be reached.
    """
    from cti.store.embedded import EmbeddedPostgres

    db = config.service.database
    embedded = EmbeddedPostgres(config.path(db.data_dir)) if db.embedded else None
    dsn = await asyncio.to_thread(embedded.start) if embedded else db.url.get_secret_value()
    where = describe_dsn(dsn)
    try:
        with translate_errors(where):
            pool = await asyncpg.create_pool(dsn, min_size=1, max_size=size,
                                             init=init_connection, timeout=5)
        try:
            yield pool, where
        finally:
            await pool.close()
    finally:
        if embedded is not None and not embedded.adopted:
            await asyncio.to_thread(embedded.stop)
