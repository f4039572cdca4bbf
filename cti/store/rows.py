"""Row operations: what a batch of domain events changes in the tables, applied in bulk.

The projection (cti/records.py) turns each event into ``Upsert`` (create or
change), ``Update`` (change a row an earlier event created), ``Append`` and
``Delete`` operations. ``compact`` folds the operations of a batch into
at most one delete and one upsert per row (in event order: later values win,
``keep`` values are set only while the column is still NULL, ``add`` values
add up), which makes the batch independent of statement order within a
table. ``apply_rows`` then runs one set-based statement (``INSERT ... SELECT FROM
unnest($1::uuid[], ...)``, ``UPDATE ... FROM unnest(...)``) per table and
shape of change, tables in foreign-key order: a batch of a few thousand rows
is a dozen statements. Every operation is idempotent against the rows
it targets, and the caller (``Events.apply``) applies a batch only for the
events the events table did not hold yet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
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
    "campaigns": ("name",),
    "campaign_contacts": ("id",),
    "campaign_attempts": ("interaction_id",),
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
        # (ids may come as UUIDs or as their text: one row either way)
        key = tuple(str(op.key[name]) for name in TABLES[op.table])
        merged = out.rows.setdefault(op.table, {}).get(key)
        if merged is None:
            merged = out.rows[op.table][key] = _Merged(dict(op.key))
        if isinstance(op, Delete):
            merged.reset()
        else:
            merged.merge(op)
    return out


ColumnTypes = Mapping[str, Mapping[str, str]]  # table -> column -> PostgreSQL type name


async def column_types(conn: asyncpg.Connection) -> dict[str, dict[str, str]]:
    """The type of every column of the projection's tables (for the array casts)."""
    rows = await conn.fetch(
        "SELECT table_name, column_name, udt_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ANY($1::text[])",
        list(TABLES))
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        out.setdefault(row["table_name"], {})[row["column_name"]] = row["udt_name"]
    return out


async def apply_rows(conn: asyncpg.Connection, batch: Compacted, types: ColumnTypes) -> None:
    """Write a compacted batch inside the caller's transaction: one set-based
    statement (over ``unnest`` of column arrays) per table and shape of change."""
    for table, keys in TABLES.items():
        merged = batch.rows.get(table, {})
        cast = types.get(table, {})
        deletes = [tuple(m.key[k] for k in keys) for m in merged.values() if m.delete]
        if deletes:
            await conn.execute(_delete_sql(table, keys, cast),
                               *_arrays(deletes, keys, cast))
        groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
        for m in merged.values():
            if not m.upsert:
                continue
            parts = m.parts() if m.insert else ({}, m.set, m.keep, m.add)
            shape = (m.insert, *(tuple(part) for part in parts))
            args = (*(m.key[k] for k in keys), *(v for part in parts for v in part.values()))
            groups.setdefault(shape, []).append(args)
        for (insert, *shape), rows in groups.items():
            sql = (_upsert_sql(table, keys, cast, *shape) if insert
                   else _update_sql(table, keys, cast, *shape))
            columns = (*keys, *(c for part in (shape if insert else shape[1:]) for c in part))
            await conn.execute(sql, *_arrays(rows, columns, cast))
        for columns, rows in _by_columns(batch.appends.get(table) or []).items():
            await conn.execute(_append_sql(table, columns, cast), *_arrays(rows, columns, cast))


_JSON = frozenset({"json", "jsonb"})


def _arrays(rows: list[tuple[Any, ...]], columns: tuple[str, ...],
            cast: Mapping[str, str]) -> list[list[Any]]:
    """Rows -> one list a column (the unnest arguments); JSON values as text, since a
    list value would read as a dimension of the array."""
    out = [list(column) for column in zip(*rows, strict=True)]
    for i, name in enumerate(columns):
        if cast.get(name) in _JSON:
            out[i] = [None if v is None else json.dumps(v) for v in out[i]]
    return out


def _by_columns(rows: list[Mapping[str, Any]]) -> dict[tuple[str, ...], list[tuple[Any, ...]]]:
    out: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for row in rows:
        out.setdefault(tuple(row), []).append(tuple(row.values()))
    return out


_SQL_CACHE: dict[tuple[Any, ...], str] = {}


def _unnest(table: str, columns: tuple[str, ...], cast: Mapping[str, str]) -> str:
    """``unnest($1::uuid[], $2::text[], ...) AS v(a, b, ...)`` for these columns (JSON
    columns come as text; ``_value`` casts them back)."""
    params = ", ".join(
        f"${i}::{'text' if _type(table, c, cast) in _JSON else cast[c]}[]"
        for i, c in enumerate(columns, start=1))
    return f"unnest({params}) AS v({', '.join(columns)})"


def _value(column: str, cast: Mapping[str, str]) -> str:
    """The column's value from the unnest row, in the column's type."""
    kind = cast.get(column)
    return f"v.{column}::{kind}" if kind in _JSON else f"v.{column}"


def _type(table: str, column: str, cast: Mapping[str, str]) -> str:
    try:
        return cast[column]
    except KeyError:
        raise ValueError(f"projection writes {table}.{column}, which the database does not "
                         "have: a migration is missing") from None


def _cached(key: tuple[Any, ...], build: Callable[[], str]) -> str:
    sql = _SQL_CACHE.get(key)
    if sql is None:
        sql = _SQL_CACHE[key] = build()
    return sql


def _delete_sql(table: str, keys: tuple[str, ...], cast: Mapping[str, str]) -> str:
    def build() -> str:
        match = " AND ".join(f"{table}.{k} = v.{k}" for k in _checked(keys))
        return f"DELETE FROM {table} USING {_unnest(table, keys, cast)} WHERE {match}"
    return _cached(("delete", table), build)


def _append_sql(table: str, columns: tuple[str, ...], cast: Mapping[str, str]) -> str:
    def build() -> str:
        names = ", ".join(_checked(columns))
        values = ", ".join(_value(c, cast) for c in columns)
        return (f"INSERT INTO {table} ({names}) SELECT {values} FROM "
                f"{_unnest(table, columns, cast)} ON CONFLICT DO NOTHING")
    return _cached(("append", table, columns), build)


def _upsert_sql(table: str, keys: tuple[str, ...], cast: Mapping[str, str],
                create: tuple[str, ...], set_: tuple[str, ...], keep: tuple[str, ...],
                add: tuple[str, ...]) -> str:
    def build() -> str:
        insert = _checked((*keys, *create, *set_, *keep, *add))
        if len(set(insert)) != len(insert):
            raise ValueError(f"{table}: a column appears twice in one upsert: {insert}")
        updates = [f"{c} = EXCLUDED.{c}" for c in set_]
        updates += [f"{c} = COALESCE({table}.{c}, EXCLUDED.{c})" for c in keep]
        updates += [f"{c} = COALESCE({table}.{c}, 0) + EXCLUDED.{c}" for c in add]
        conflict = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
        names = ", ".join(insert)
        values = ", ".join(_value(c, cast) for c in insert)
        return (f"INSERT INTO {table} ({names}) SELECT {values} FROM "
                f"{_unnest(table, insert, cast)} ON CONFLICT ({', '.join(keys)}) {conflict}")
    return _cached(("upsert", table, create, set_, keep, add), build)


def _update_sql(table: str, keys: tuple[str, ...], cast: Mapping[str, str],
                _create: tuple[str, ...], set_: tuple[str, ...], keep: tuple[str, ...],
                add: tuple[str, ...]) -> str:
    def build() -> str:
        columns = _checked((*keys, *set_, *keep, *add))
        updates = [f"{c} = {_value(c, cast)}" for c in set_]
        updates += [f"{c} = COALESCE({table}.{c}, {_value(c, cast)})" for c in keep]
        updates += [f"{c} = COALESCE({table}.{c}, 0) + v.{c}" for c in add]
        match = " AND ".join(f"{table}.{k} = v.{k}" for k in keys)
        return (f"UPDATE {table} SET {', '.join(updates)} FROM "
                f"{_unnest(table, columns, cast)} WHERE {match}")
    return _cached(("update", table, set_, keep, add), build)


def _checked(columns: Iterable[str]) -> tuple[str, ...]:
    names = tuple(columns)
    for name in names:
        if not _COLUMN.match(name):
            raise ValueError(f"bad column name {name!r}")
    return names
