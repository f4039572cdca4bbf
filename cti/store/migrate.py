"""Numbered SQL migrations: ``cti/store/migrations/NNN_name.sql``.

Each pending file runs in its own transaction, in number order, and is
recorded in ``schema_migrations`` with a checksum. A session advisory lock
serialises concurrent runs (two instances starting at once): the second
waits, then finds nothing left to do. A file edited after it was applied is
refused: write a new migration instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import asyncpg

from cti.store.db import connect, describe_dsn, translate_errors
from cti.store.errors import MigrationFailed

#: Key of the advisory lock held while migrating (distinct from leadership).
LOCK_KEY = 0x637469_6D6967  # "cti" "mig"
_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file: ``name`` is its file name, ``sql`` its text."""

    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def bundled_migrations() -> list[Migration]:
    """The migrations shipped in the package, in order."""
    folder = resources.files("cti.store").joinpath("migrations")
    return load_migrations(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )


def migrations_from_dir(directory: Path) -> list[Migration]:
    return load_migrations((p.name, p.read_text(encoding="utf-8"))
                           for p in directory.glob("*.sql"))


def load_migrations(files: Iterable[tuple[str, str]]) -> list[Migration]:
    """Check names (``NNN_name.sql``, numbers unique) and sort by number."""
    found: dict[str, Migration] = {}
    for name, sql in files:
        match = _NAME.match(name)
        if match is None:
            raise MigrationFailed(f"migration file {name!r} is misnamed; "
                                  "expected NNN_lowercase_name.sql, e.g. 002_report_views.sql")
        number = match.group(1)
        if number in found:
            raise MigrationFailed(f"migrations {found[number].name!r} and {name!r} "
                                  f"share number {number}; renumber one")
        found[number] = Migration(name, sql)
    return [found[n] for n in sorted(found)]


async def migrate(
    target: str | asyncpg.Pool | asyncpg.Connection,
    migrations: list[Migration] | None = None,
) -> list[str]:
    """Apply pending migrations; return the names applied (empty when up to date).

    Args:
        target: a DSN, a pool or a connection.
        migrations: defaults to the bundled ones.

    Raises:
        MigrationFailed: a migration failed (it was rolled back, and those after
            it were not tried) or an applied one was edited since.
        StoreUnavailable: the database cannot be reached.
    """
    todo = bundled_migrations() if migrations is None else migrations
    where = describe_dsn(target) if isinstance(target, str) else "the database"
    with translate_errors(where):
        if isinstance(target, str):
            conn = await connect(target)
            try:
                return await _migrate(conn, todo)
            finally:
                await conn.close()
        if isinstance(target, asyncpg.Pool):
            async with target.acquire() as conn:
                return await _migrate(conn, todo)
        return await _migrate(target, todo)


async def applied_migrations(target: str | asyncpg.Connection) -> dict[str, str]:
    """Name -> checksum of the migrations recorded in the database."""
    if isinstance(target, str):
        with translate_errors(describe_dsn(target)):
            conn = await connect(target)
            try:
                return await _applied(conn)
            finally:
                await conn.close()
    return await _applied(target)


async def _migrate(conn: asyncpg.Connection, todo: list[Migration]) -> list[str]:
    await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        await conn.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name       text PRIMARY KEY,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )""")
        done = await _applied(conn)
        applied: list[str] = []
        for migration in todo:
            if migration.name in done:
                if done[migration.name] != migration.checksum:
                    raise MigrationFailed(
                        f"migration {migration.name} was edited after it was applied; "
                        "put the change in a new migration (for a throwaway embedded "
                        "database, delete its data directory instead)")
                continue
            await _apply(conn, migration)
            applied.append(migration.name)
        return applied
    finally:
        if not conn.is_closed():
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)


async def _apply(conn: asyncpg.Connection, migration: Migration) -> None:
    try:
        async with conn.transaction():
            await conn.execute(migration.sql)
            await conn.execute("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
                               migration.name, migration.checksum)
    except asyncpg.PostgresError as exc:
        line = ""
        position = getattr(exc, "position", None)
        if position:
            line = f" at line {migration.sql[: int(position)].count(chr(10)) + 1}"
        raise MigrationFailed(f"migration {migration.name} failed{line}: {exc}; "
                              "nothing of it was applied") from exc


async def _applied(conn: asyncpg.Connection) -> dict[str, str]:
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return {}
    rows = await conn.fetch("SELECT name, checksum FROM schema_migrations ORDER BY name")
    return {r["name"]: r["checksum"] for r in rows}
