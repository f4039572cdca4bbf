"""``Store``: the pool and the repositories, the one object the service holds."""

from __future__ import annotations

import asyncio

import asyncpg

from cti.store.agent_states import AgentStates
from cti.store.audit import Audit
from cti.store.base import Db
from cti.store.calls import CallRecords
from cti.store.campaigns import CampaignRecords
from cti.store.cases import Cases
from cti.store.control import ControlRecords
from cti.store.customers import Customers
from cti.store.db import (
    CONNECT_TIMEOUT,
    describe_dsn,
    init_connection,
    quiet_pool_refill_logs,
    translate_errors,
)
from cti.store.events import Events
from cti.store.interactions import Interactions
from cti.store.migrate import migrate
from cti.store.parties import PartiesOf
from cti.store.queue_entries import QueueEntries
from cti.store.reviews import Reviews
from cti.store.users import Users
from cti.store.webhooks import Webhooks


class Store:
    """An asyncpg pool and the repositories on it.

    ``store.customers``, ``store.interactions``, ``store.calls``,
    ``store.agent_states``, ``store.queue_entries``, ``store.events``,
    ``store.control``, ``store.campaigns``. Build it with
    ``await Store.open(dsn)``; ``await store.close()`` when done.
    """

    def __init__(self, pool: asyncpg.Pool, where: str, *, retry_for: float = 0.0) -> None:
        self._pool = pool
        self.where = where
        db = Db(pool, where, retry_for=retry_for)
        self.customers = Customers(db)
        self.cases = Cases(db)
        self.interactions = Interactions(db)
        self.events = Events(db)
        self.calls = CallRecords(db)
        self.agent_states = AgentStates(db)
        self.queue_entries = QueueEntries(db)
        self.users = Users(db)              # users, sessions, API keys, hot desks
        self.audit = Audit(db)
        self.webhooks = Webhooks(db)
        self.reviews = Reviews(db)          # quality reviews
        self.parties = PartiesOf(db)        # who a case or call concerns (access policy)
        self.control = ControlRecords(db)
        self.campaigns = CampaignRecords(db)
        self._db = db

    @classmethod
    async def open(
        cls,
        dsn: str,
        min_size: int = 1,
        max_size: int = 10,
        *,
        retry_for: float = 0.0,
        apply_migrations: bool = False,
        connect_timeout: float = CONNECT_TIMEOUT,
        command_timeout: float = 30.0,
    ) -> Store:
        """Connect (``min_size`` connections at once) and optionally migrate.

        Args:
            retry_for: seconds a statement keeps retrying while PostgreSQL is
                unreachable (0: only one immediate retry after a lost connection).
            apply_migrations: run ``migrate()`` on the pool first.

        Raises:
            StoreUnavailable: PostgreSQL cannot be reached or refused the login.
            MigrationFailed: see ``migrate()``.
        """
        where = describe_dsn(dsn)
        quiet_pool_refill_logs()
        with translate_errors(where):
            pool = await asyncpg.create_pool(
                dsn, min_size=min_size, max_size=max_size, init=init_connection,
                timeout=connect_timeout, command_timeout=command_timeout)
        store = cls(pool, where, retry_for=retry_for)
        if apply_migrations:
            try:
                await migrate(pool)
            except BaseException:
                await store.close()
                raise
        return store

    @property
    def pool(self) -> asyncpg.Pool:
        """The pool, for cti.store modules and tests; SQL stays in cti/store."""
        return self._pool

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless PostgreSQL answers (for health checks)."""
        await self._db.fetchval("SELECT 1")

    async def close(self, timeout: float = 5.0) -> None:
        """Close the pool, waiting up to ``timeout`` seconds for borrowed connections."""
        try:
            await asyncio.wait_for(self._pool.close(), timeout)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            self._pool.terminate()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<Store {self.where}>"
