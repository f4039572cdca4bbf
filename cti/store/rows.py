"""Row operations: what a batch of domain events changes in the tables, applied in bulk.

The projection (cti/records.py) turns each event into ``Upsert`` (create or
change), ``Update`` (change a row an earlier event created), ``Append`` and
``Delete`` operations. ``compact`` folds the operations of a batch into
at most one delete and one upsert per row (in event order: later values win,
``keep`` values are set only while the column is still NULL, ``add`` values
add up), which makes the batch independent of statement order within a
table. ``apply_rows`` then runs one ``executemany`` per table and column set,
tables in foreign-key order. Every operation is idempotent against the rows
it targets, and the caller (``Events.apply``) applies a batch only for the
events the events table did not hold yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg

#: Tables a projection may write, in the order they are written (foreign keys first),
#: with their key columns.
TABLES: dict[str, tuple[str, ...]] = {
    "customers": ("id",),
    "cases": ("id",),
    "interactions": ("id",),
    "case_notes": ("id",),
    "case_attachments": ("id",),
    "case_derivations": ("id",),
    "call_records": ("id",),
    "call_offers": ("id",),
    "queue_entries": ("interaction_id",),
    "agent_state_history": ("id",),
    "agent_current_state": ("agent_id",),
    "survey_answers": ("id",),
    "recordings": ("id",),
    "scheduled_callbacks": ("id",),
    "control_settings": ("key",),
}
_COLUMN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Upsert:
    """Create the row if missing (with ``create`` and everything else), then:
    ``set`` overwrites, ``keep`` fills only NULL columns, ``add`` adds to the column."""

    table: str
    key: Mapping[str, Any]
    create: Mapping[str, Any] = field(default_factory=dict)
    set: Mapping[str, Any] = field(default_factory=dict)
    keep: Mapping[str, Any] = field(default_factory=dict)
    add: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Update:
    """Like ``Upsert`` for a row that must already exist: nothing happens if it does not
    (the row was created by an earlier event, e.g. an offer before its answer)."""

    table: str
    key: Mapping[str, Any]
    set: Mapping[str, Any] = field(default_factory=dict)
    keep: Mapping[str, Any] = field(default_factory=dict)
    add: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Append:
    """Insert a row that never changes; a retried insert is a no-op."""

    table: str
    row: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Delete:
    table: str
    key: Mapping[str, Any]


RowOp = Upsert | Update | Append | Delete


@dataclass(slots=True)
class _Merged:
    """The net effect on one row of a batch's operations."""

    key: dict[str, Any]
    delete: bool = False
    upsert: bool = False
    insert: bool = False  #: an Upsert (not only Updates) touched it: create if missing
    create: dict[str, Any] = field(default_factory=dict)
    set: dict[str, Any] = field(default_factory=dict)
    keep: dict[str, Any] = field(default_factory=dict)
    add: dict[str, float] = field(default_factory=dict)

    def merge(self, op: Upsert | Update) -> None:
        self.upsert = True
        if isinstance(op, Upsert):
            self.insert = True
            for name, value in op.create.items():
                self.create.setdefault(name, value)
        for name, value in op.keep.items():
            if name not in self.set:
                self.keep.setdefault(name, value)
        for name, value in op.set.items():
            self.set[name] = value
            self.keep.pop(name, None)
        for name, value in op.add.items():
            self.add[name] = self.add.get(name, 0.0) + value

    def parts(self) -> tuple[dict[str, Any], ...]:
        """create, set, keep, add, with a column in one part only (set wins)."""
        keep = {k: v for k, v in self.keep.items() if k not in self.set}
        add = {k: v for k, v in self.add.items() if k not in self.set and k not in keep}
        create = {k: v for k, v in self.create.items()
                  if k not in self.set and k not in keep and k not in add}
        return create, self.set, keep, add

    def reset(self) -> None:
        self.delete, self.upsert, self.insert = True, False, False
        self.create, self.set, self.keep, self.add = {}, {}, {}, {}


@dataclass(slots=True)
class Compacted:
    """A batch's operations, at most a delete and an upsert per row, per table."""

    rows: dict[str, dict[tuple[Any, ...], _Merged]] = field(default_factory=dict)
    appends: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)


def compact(ops: Iterable[RowOp]) -> Compacted:
    out = Compacted()
    for op in ops:
        if op.table not in TABLES:
            raise ValueError(f"projection writes unknown table {op.table!r}")
        if isinstance(op, Append):
            out.appends.setdefault(op.table, []).append(op.row)
            continue
        key = tuple(op.key[name] for name in TABLES[op.table])
        merged = out.rows.setdefault(op.table, {}).get(key)
        if merged is None:
            merged = out.rows[op.table][key] = _Merged(dict(op.key))
        if isinstance(op, Delete):
            merged.reset()
        else:
            merged.merge(op)
    return out


async def apply_rows(conn: asyncpg.Connection, batch: Compacted) -> None:
    """Write a compacted batch inside the caller's transaction."""
    for table, keys in TABLES.items():
        merged = batch.rows.get(table, {})
        deletes = [tuple(m.key[k] for k in keys) for m in merged.values() if m.delete]
        if deletes:
            where = " AND ".join(f"{k} = ${i}" for i, k in enumerate(keys, start=1))
            await conn.executemany(f"DELETE FROM {table} WHERE {where}", deletes)
        groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
        for m in merged.values():
            if not m.upsert:
                continue
            parts = m.parts() if m.insert else ({}, m.set, m.keep, m.add)
            shape = (m.insert, *(tuple(part) for part in parts))
            args = (*(m.key[k] for k in keys), *(v for part in parts for v in part.values()))
            groups.setdefault(shape, []).append(args)
        for (insert, *shape), rows in groups.items():
            sql = _upsert_sql(table, keys, *shape) if insert else _update_sql(table, keys, *shape)
            await conn.executemany(sql, rows)
        appends = batch.appends.get(table)
        for columns, rows in _by_columns(appends or []).items():
            names = ", ".join(_checked(columns))
            values = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
            await conn.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT DO NOTHING", rows)


def _by_columns(rows: list[Mapping[str, Any]]) -> dict[tuple[str, ...], list[tuple[Any, ...]]]:
    out: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for row in rows:
        out.setdefault(tuple(row), []).append(tuple(row.values()))
    return out


_SQL_CACHE: dict[tuple[Any, ...], str] = {}


def _upsert_sql(table: str, keys: tuple[str, ...], create: tuple[str, ...],
                set_: tuple[str, ...], keep: tuple[str, ...], add: tuple[str, ...]) -> str:
    cache_key = (table, create, set_, keep, add)
    sql = _SQL_CACHE.get(cache_key)
    if sql is not None:
        return sql
    insert = _checked((*keys, *create, *set_, *keep, *add))
    if len(set(insert)) != len(insert):
        raise ValueError(f"{table}: a column appears twice in one upsert: {insert}")
    values = ", ".join(f"${i}" for i in range(1, len(insert) + 1))
    updates = [f"{c} = EXCLUDED.{c}" for c in set_]
    updates += [f"{c} = COALESCE({table}.{c}, EXCLUDED.{c})" for c in keep]
    updates += [f"{c} = COALESCE({table}.{c}, 0) + EXCLUDED.{c}" for c in add]
    conflict = (f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING")
    sql = (f"INSERT INTO {table} ({', '.join(insert)}) VALUES ({values}) "
           f"ON CONFLICT ({', '.join(keys)}) {conflict}")
    _SQL_CACHE[cache_key] = sql
    return sql


def _update_sql(table: str, keys: tuple[str, ...], _create: tuple[str, ...],
                set_: tuple[str, ...], keep: tuple[str, ...], add: tuple[str, ...]) -> str:
    cache_key = ("update", table, set_, keep, add)
    sql = _SQL_CACHE.get(cache_key)
    if sql is not None:
        return sql
    n = len(keys)
    where = " AND ".join(f"{k} = ${i}" for i, k in enumerate(_checked(keys), start=1))
    updates = [f"{c} = ${i}" for i, c in enumerate(_checked(set_), start=n + 1)]
    n += len(set_)
    updates += [f"{c} = COALESCE({c}, ${i})" for i, c in enumerate(_checked(keep), start=n + 1)]
    n += len(keep)
    updates += [f"{c} = COALESCE({c}, 0) + ${i}"
                for i, c in enumerate(_checked(add), start=n + 1)]
    sql = f"UPDATE {table} SET {', '.join(updates)} WHERE {where}"
    _SQL_CACHE[cache_key] = sql
    return sql


def _checked(columns: Iterable[str]) -> tuple[str, ...]:
    names = tuple(columns)
    for name in names:
        if not _COLUMN.match(name):
            raise ValueError(f"bad column name {name!r}")
    return names
