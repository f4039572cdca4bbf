"""Agent state history and each agent's current state."""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from cti.store.base import Db, as_uuid, aware, columns, maybe_aware, to_model
from cti.store.models import AgentState, AgentStateChange

_COLUMNS = columns(AgentStateChange)
_CURRENT = columns(AgentState)
STATE = re.compile(r"[A-Z][A-Z_]*")


class AgentStates:
    """``store.agent_states``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def record(
        self,
        agent_id: str,
        state: str,
        *,
        reason: str | None = None,
        at: datetime | None = None,
        interaction_id: UUID | str | None = None,
        change_id: UUID | str | None = None,
    ) -> AgentStateChange:
        """Append to the history and make it the agent's current state, in one
        transaction. A change older than the current state (a late write) goes
        to the history only. Idempotent for a given ``change_id``.

        Raises:
            ValueError: ``state`` is not UPPER_CASE, or a naive ``at``.
        """
        state = str(getattr(state, "name", state))
        if not STATE.fullmatch(state):
            raise ValueError(f"agent {agent_id}: state {state!r} must be UPPER_CASE, e.g. READY")
        change = AgentStateChange(
            id=uuid4() if change_id is None else as_uuid(change_id, "change_id"),
            agent_id=agent_id, state=state, reason=reason, at=aware(at, "at"),
            interaction_id=None if interaction_id is None
            else as_uuid(interaction_id, "interaction_id"))

        async def write(conn: asyncpg.Connection) -> None:
            await conn.execute(
                f"INSERT INTO agent_state_history ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) "
                "ON CONFLICT DO NOTHING",
                change.id, agent_id, state, reason, change.at, change.interaction_id)
            await conn.execute(
                """INSERT INTO agent_current_state (agent_id, state, reason, since, interaction_id)
                   VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (agent_id) DO UPDATE
                   SET state = EXCLUDED.state, reason = EXCLUDED.reason,
                       since = EXCLUDED.since, interaction_id = EXCLUDED.interaction_id
                   WHERE agent_current_state.since <= EXCLUDED.since""",
                agent_id, state, reason, change.at, change.interaction_id)

        await self._db.transaction(write)
        return change

    async def history(self, agent_id: str, *, since: datetime | None = None,
                      until: datetime | None = None) -> list[AgentStateChange]:
        """The agent's changes in [since, until), oldest first."""
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM agent_state_history WHERE agent_id = $1 "
            "AND ($2::timestamptz IS NULL OR at >= $2) AND ($3::timestamptz IS NULL OR at < $3) "
            "ORDER BY at, seq", agent_id, maybe_aware(since, "since"), maybe_aware(until, "until"))
        return [to_model(AgentStateChange, r) for r in rows]

    async def current(self) -> list[AgentState]:
        """Every agent's latest state, by agent id."""
        rows = await self._db.fetch(
            f"SELECT {_CURRENT} FROM agent_current_state ORDER BY agent_id")
        return [to_model(AgentState, r) for r in rows]

    async def current_for(self, agent_id: str) -> AgentState | None:
        row = await self._db.fetchrow(
            f"SELECT {_CURRENT} FROM agent_current_state WHERE agent_id = $1", agent_id)
        return None if row is None else to_model(AgentState, row)
