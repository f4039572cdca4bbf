"""Writing a ``Batch``: one transaction, one multi-row statement per kind of row.

Rows go as arrays, one per column, unnested by PostgreSQL (``INSERT ... SELECT
FROM unnest($1::uuid[], ...)``): one round trip a kind, binary encoding, no
temporary table. Inserts are ``ON CONFLICT DO NOTHING`` by the caller's ids,
upserts ``DO UPDATE``; so a batch applied twice stores each row once.

A row naming an interaction (or a customer) that is not stored is refused on
its own, not the whole batch: they are looked up first and such rows are
reported in ``BatchResult.refused``. Anything else PostgreSQL refuses rolls
the whole batch back (``StoreRejected``): nothing of it is stored.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Sequence
from dataclasses import fields
from typing import Any
from uuid import UUID

import asyncpg

from cti.store.base import Db
from cti.store.batch import Batch, BatchResult, Refused, Segment, StateChange
from cti.store.calls import WRITTEN as CALL_COLUMNS
from cti.store.interactions import UPDATABLE
from cti.store.models import QueueEntry

_TYPES = {  # columns that are not text
    "id": "uuid", "customer_id": "uuid", "interaction_id": "uuid", "priority": "integer",
    "hangup_cause": "integer", "is_callback": "boolean", "requirements": "jsonb",
    "attributes": "jsonb", **{n: "timestamptz" for n in (
        "created_at", "queued_at", "answered_at", "closed_at", "arrived_at", "offered_at",
        "ended_at")},
}
_UPDATABLE = sorted(UPDATABLE)
_CREATED = ["id", "channel", "direction", "created_at", *_UPDATABLE]
_DEFAULTS = {"status": "'open'", "priority": "0"}
_QUEUE_COLUMNS = [f.name for f in fields(QueueEntry)]
_QUEUE_ROW = operator.attrgetter(*_QUEUE_COLUMNS)
_QUEUE_JSON = [_QUEUE_COLUMNS.index(c) for c in ("requirements", "attributes")]
_CALL_ROW = operator.attrgetter(*CALL_COLUMNS)


def _unnest(columns: Sequence[str], *, ordered: bool = False) -> str:
    """``unnest($1::uuid[], $2::text[], ...) AS u(a, b, ...)``; jsonb goes as text."""
    arrays = ", ".join(f"${i}::{_pg_type(c, wire=True)}[]" for i, c in enumerate(columns, 1))
    names = ", ".join(columns)
    return (f"unnest({arrays}) WITH ORDINALITY AS u({names}, n)" if ordered
            else f"unnest({arrays}) AS u({names})")


def _pg_type(column: str, *, wire: bool = False) -> str:
    kind = _TYPES.get(column, "text")
    return "text" if wire and kind == "jsonb" else kind


def _value(column: str) -> str:
    value = f"u.{column}"
    if _TYPES.get(column) == "jsonb":
        value += "::jsonb"
    return f"coalesce({value}, {_DEFAULTS[column]})" if column in _DEFAULTS else value


def _insert(table: str, columns: Sequence[str], tail: str, *, ordered: bool = False) -> str:
    values = ", ".join(_value(c) for c in columns)
    order = " ORDER BY u.n" if ordered else ""
    return (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} "
            f"FROM {_unnest(columns, ordered=ordered)}{order} {tail}")


_CREATE = _insert("interactions", _CREATED, "ON CONFLICT (id) DO NOTHING")
#: Each batch joins its rows to tables by id: index lookups, never a scan of a
#: big table (which stale statistics on a fast-growing table could choose).
_BY_ID = "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"


@functools.cache
def _update(columns: tuple[str, ...]) -> str:
    """UPDATE of these columns for many interactions (one statement per set of
    columns: the recorder's updates use a few sets)."""
    sets = ", ".join(f"{c} = u.{c}" for c in columns)
    return (f"UPDATE interactions AS i SET {sets}, updated_at = now() "
            f"FROM {_unnest(('id', *columns))} WHERE i.id = u.id")
_EVENTS = (
    "INSERT INTO interaction_events (id, interaction_id, kind, actor, data, at) "
    "SELECT u.id, u.iid, u.kind, u.actor, u.data::jsonb, u.at FROM unnest($1::uuid[], "
    "$2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) WITH ORDINALITY "
    "AS u(id, iid, kind, actor, data, at, n) ORDER BY u.n ON CONFLICT (id) DO NOTHING")
_CLOSE = (
    "UPDATE interactions AS i SET status = 'closed', closed_at = coalesce(i.closed_at, u.at), "
    "outcome = coalesce(u.outcome, i.outcome), updated_at = now() "
    "FROM unnest($1::uuid[], $2::timestamptz[], $3::text[]) AS u(id, at, outcome) "
    "WHERE i.id = u.id")
_HISTORY = (
    "INSERT INTO agent_state_history (id, agent_id, state, reason, at, interaction_id) "
    "SELECT u.id, u.agent_id, u.state, u.reason, u.at, u.iid FROM unnest($1::uuid[], "
    "$2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::uuid[]) WITH ORDINALITY "
    "AS u(id, agent_id, state, reason, at, iid, n) ORDER BY u.n ON CONFLICT (id) DO NOTHING")
_CURRENT = (
    "INSERT INTO agent_current_state (agent_id, state, reason, since, interaction_id) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::uuid[]) "
    "ON CONFLICT (agent_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason, "
    "since = EXCLUDED.since, interaction_id = EXCLUDED.interaction_id "
    "WHERE agent_current_state.since <= EXCLUDED.since")
_CALLS = _insert("call_records", CALL_COLUMNS, "ON CONFLICT (id) DO UPDATE SET " + ", ".join(
    f"{c} = EXCLUDED.{c}" for c in CALL_COLUMNS if c != "id") + ", updated_at = now()")
_QUEUE_PUT = _insert("queue_entries", _QUEUE_COLUMNS, "ON CONFLICT (interaction_id) DO UPDATE SET "
                     + ", ".join(f"{c} = EXCLUDED.{c}" for c in _QUEUE_COLUMNS
                                 if c != "interaction_id"), ordered=True)
_QUEUE_REMOVE = "DELETE FROM queue_entries WHERE interaction_id = ANY($1::uuid[])"
_MISSING = ("SELECT u.id FROM unnest($1::uuid[]) AS u(id) "
            "WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.id = u.id)")


async def write_batch(db: Db, batch: Batch) -> BatchResult:
    """Apply ``batch`` in one transaction; see the module docstring.

    Raises:
        StoreUnavailable: PostgreSQL cannot be reached (nothing was stored; retry).
        StoreRejected: PostgreSQL refused a row for another reason than a
            missing interaction or customer; nothing of the batch was stored.
    """
    if not len(batch):
        return BatchResult(0)

    async def apply(conn: asyncpg.Connection) -> list[Refused]:
        refused: list[Refused] = []  # fresh on a retry after a lost connection
        await conn.execute(_BY_ID)
        for segment in batch.segments:
            await _write(conn, segment, refused)
        return refused

    refused = await db.transaction(apply)
    return BatchResult(len(batch) - len(refused), tuple(refused))


async def _write(conn: asyncpg.Connection, seg: Segment, refused: list[Refused]) -> None:
    customers = {v for row in (*[c.fields for c in seg.creates.values()], *seg.updates.values())
                 if (v := row.get("customer_id")) is not None}
    no_customer = await _missing(conn, "customers", customers)
    creates = [c for c in seg.creates.values()
               if _kept(refused, "create", c.id, c.fields.get("customer_id"), no_customer,
                        "customer")]
    if creates:
        await conn.execute(_CREATE, *_columns(
            [[c.id, c.channel, c.direction, c.created_at, *(c.fields.get(n) for n in _UPDATABLE)]
             for c in creates], len(_CREATED)))
    stored = await _missing(conn, "interactions", _interactions_named(seg))

    def kept(kind: str, row_id: UUID, iid: UUID | None) -> bool:
        return _kept(refused, kind, row_id, iid, stored, "interaction")

    by_columns: dict[tuple[str, ...], list[list[Any]]] = {}
    for iid, patch in seg.updates.items():
        if kept("update", iid, iid) and _kept(refused, "update", iid, patch.get("customer_id"),
                                              no_customer, "customer"):
            columns = tuple(sorted(patch))
            by_columns.setdefault(columns, []).append([iid, *(patch[c] for c in columns)])
    for columns, rows in by_columns.items():
        await conn.execute(_update(columns), *_columns(rows, len(columns) + 1))
    events = [e for e in seg.events if (kept("event", e.id, e.interaction_id)
                                        if e.of == "event" else e.interaction_id not in stored)]
    if events:
        await conn.execute(_EVENTS, *_columns(
            [[e.id, e.interaction_id, e.kind, e.actor, e.data_json, e.at]
             for e in events], 6))
    closes = [c for c in seg.closes.values() if kept("close", c.id, c.id)]
    if closes:
        await conn.execute(_CLOSE, *_columns([[c.id, c.at, c.outcome] for c in closes], 3))
    states = [s for s in seg.states if kept("agent-state", s.id, s.interaction_id)]
    if states:
        await conn.execute(_HISTORY, *_columns(
            [[s.id, s.agent_id, s.state, s.reason, s.at, s.interaction_id] for s in states], 6))
        latest = _latest_by_agent(states)
        await conn.execute(_CURRENT, *_columns(
            [[s.agent_id, s.state, s.reason, s.at, s.interaction_id] for s in latest], 5))
    calls = [r for r in seg.calls.values() if kept("call-record", r.id, r.interaction_id)]
    if calls:
        await conn.execute(_CALLS, *_columns([_CALL_ROW(r) for r in calls], len(CALL_COLUMNS)))
    puts = [e for iid, e in seg.queue.items() if e is not None and kept("queue-put", iid, iid)]
    if puts:
        await conn.execute(_QUEUE_PUT, *_columns([_queue_row(e) for e in puts],
                                                 len(_QUEUE_COLUMNS)))
    removes = [iid for iid, e in seg.queue.items() if e is None]
    if removes:
        await conn.execute(_QUEUE_REMOVE, removes)


def _interactions_named(seg: Segment) -> set[UUID]:
    named = {e.interaction_id for e in seg.events}
    named.update(seg.updates, seg.closes)
    named.update(iid for iid, e in seg.queue.items() if e is not None)
    named.update(r.interaction_id for r in seg.calls.values() if r.interaction_id is not None)
    named.update(s.interaction_id for s in seg.states if s.interaction_id is not None)
    return named


async def _missing(conn: asyncpg.Connection, table: str, ids: set[UUID]) -> set[UUID]:
    if not ids:
        return set()
    rows = await conn.fetch(_MISSING.format(table=table), list(ids))
    return {r["id"] for r in rows}


def _kept(refused: list[Refused], kind: str, row_id: UUID, named: UUID | None,
          missing: set[UUID], what: str) -> bool:
    if named is None or named not in missing:
        return True
    refused.append(Refused(kind, row_id, f"no {what} with id {named}"))
    return False


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[Sequence[Any]]:
    """Rows -> one sequence per column, as the unnest arrays want them."""
    columns = list(zip(*rows, strict=True))
    assert len(columns) == width
    return columns


def _latest_by_agent(states: Sequence[StateChange]) -> list[StateChange]:
    latest: dict[str, StateChange] = {}
    for change in states:
        known = latest.get(change.agent_id)
        if known is None or known.at <= change.at:
            latest[change.agent_id] = change
    return list(latest.values())


def _queue_row(entry: QueueEntry) -> tuple[Any, ...]:
    row = list(_QUEUE_ROW(entry))
    for index in _QUEUE_JSON:
        row[index] = json.dumps(row[index])
    return tuple(row)
