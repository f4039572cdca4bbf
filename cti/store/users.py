"""Users, their sessions, API keys, the token signing key and hot desks (migration 007).

Changing a password or disabling a user revokes the user's sessions in the
same transaction; a trigger NOTIFYs ``cti_users`` with ``user:<id>``,
``session:<id>`` or ``key:<id>`` so a running service drops what it cached.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from cti.errors import CtiError
from cti.store.base import Db, as_uuid, aware

#: The NOTIFY channel the triggers of migration 007 speak on.
CHANNEL = "cti_users"


class NoSuchUser(CtiError):
    status, code = 404, "no-such-user"

    def __init__(self, user_id: str) -> None:
        super().__init__(f"no user {user_id!r}; `cti user list` shows them")
        self.user_id = user_id


class UserExists(CtiError):
    status, code = 409, "user-exists"

    def __init__(self, what: str) -> None:
        super().__init__(what)


@dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str
    role: str
    agent_id: str | None
    queues: tuple[str, ...]
    units: tuple[str, ...]
    password_hash: str
    disabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Session:
    id: UUID
    user_id: str
    address: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_why: str | None


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    secret_sha256: bytes
    scopes: tuple[str, ...]
    created_by: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


_USER = ("id, name, role, agent_id, queues, units, password_hash, disabled, created_at, "
         "updated_at")
_SESSION = "id, user_id, address, created_at, expires_at, revoked_at, revoked_why"
_KEY = "id, name, secret_sha256, scopes, created_by, created_at, revoked_at, last_used_at"
_EDITABLE = frozenset({"name", "role", "agent_id", "queues", "units"})


def _user(row: asyncpg.Record) -> User:
    data = dict(row)
    data["queues"], data["units"] = tuple(data["queues"]), tuple(data["units"])
    return User(**data)


def _key(row: asyncpg.Record) -> ApiKey:
    data = dict(row)
    data["scopes"], data["secret_sha256"] = tuple(data["scopes"]), bytes(data["secret_sha256"])
    return ApiKey(**data)


class Users:
    """``store.users``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    # --- users -------------------------------------------------------------------------

    async def add(self, user_id: str, *, role: str, password_hash: str, name: str = "",
                  agent_id: str | None = None, queues: Sequence[str] = (),
                  units: Sequence[str] = ()) -> User:
        """Raises:
            UserExists: the id, or the agent, already has a user.
        """
        try:
            row = await self._db.fetchrow(
                f"INSERT INTO users (id, name, role, agent_id, queues, units, password_hash) "
                f"VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_USER}",
                user_id, name, role, agent_id, list(queues), list(units), password_hash)
        except CtiError as exc:
            if isinstance(exc.__cause__, asyncpg.UniqueViolationError):
                what = (f"agent {agent_id!r} already has a user"
                        if "agent" in str(exc.__cause__) else f"user {user_id!r} exists")
                raise UserExists(what) from None
            raise
        assert row is not None
        return _user(row)

    async def get(self, user_id: str) -> User | None:
        row = await self._db.fetchrow(f"SELECT {_USER} FROM users WHERE id = $1", user_id)
        return None if row is None else _user(row)

    async def require(self, user_id: str) -> User:
        user = await self.get(user_id)
        if user is None:
            raise NoSuchUser(user_id)
        return user

    async def list(self) -> list[User]:
        return [_user(r) for r in await self._db.fetch(f"SELECT {_USER} FROM users ORDER BY id")]

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM users"))

    async def update(self, user_id: str, **changes: Any) -> User:
        """Change name, role, agent_id, queues or units."""
        unknown = set(changes) - _EDITABLE
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} of a user")
        if not changes:
            return await self.require(user_id)
        names = list(changes)
        sets = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(names))
        values = [list(v) if name in ("queues", "units") else v for name, v in changes.items()]
        row = await self._db.fetchrow(
            f"UPDATE users SET {sets}, updated_at = now() WHERE id = $1 RETURNING {_USER}",
            user_id, *values)
        if row is None:
            raise NoSuchUser(user_id)
        return _user(row)

    async def set_password(self, user_id: str, password_hash: str) -> None:
        """New password; the user's open sessions end."""
        await self._change_and_revoke(
            user_id, "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1",
            password_hash, why="password changed")

    async def set_disabled(self, user_id: str, disabled: bool) -> None:
        """Disable (sessions end) or enable a user."""
        await self._change_and_revoke(
            user_id, "UPDATE users SET disabled = $2, updated_at = now() WHERE id = $1",
            disabled, why="user disabled" if disabled else None)

    async def _change_and_revoke(self, user_id: str, sql: str, value: Any,
                                 why: str | None) -> None:
        async def write(conn: asyncpg.Connection) -> None:
            if await conn.execute(sql, user_id, value) == "UPDATE 0":
                raise NoSuchUser(user_id)
            if why is not None:
                await conn.execute(
                    "UPDATE user_sessions SET revoked_at = now(), revoked_why = $2 "
                    "WHERE user_id = $1 AND revoked_at IS NULL", user_id, why)

        await self._db.transaction(write)

    # --- sessions ----------------------------------------------------------------------

    async def open_session(self, session_id: UUID, user_id: str, *, address: str | None,
                           expires_at: datetime) -> Session:
        row = await self._db.fetchrow(
            f"INSERT INTO user_sessions (id, user_id, address, expires_at) "
            f"VALUES ($1, $2, $3, $4) RETURNING {_SESSION}",
            session_id, user_id, address, aware(expires_at, "expires_at"))
        assert row is not None
        return Session(**dict(row))

    async def session(self, session_id: UUID | str) -> Session | None:
        row = await self._db.fetchrow(f"SELECT {_SESSION} FROM user_sessions WHERE id = $1",
                                      as_uuid(session_id, "session id"))
        return None if row is None else Session(**dict(row))

    async def extend_session(self, session_id: UUID, expires_at: datetime) -> None:
        await self._db.execute("UPDATE user_sessions SET expires_at = $2 WHERE id = $1",
                               session_id, aware(expires_at, "expires_at"))

    async def revoke_session(self, session_id: UUID, why: str) -> bool:
        """True if it was open."""
        done = await self._db.execute(
            "UPDATE user_sessions SET revoked_at = now(), revoked_why = $2 "
            "WHERE id = $1 AND revoked_at IS NULL", session_id, why)
        return done != "UPDATE 0"

    # --- API keys ----------------------------------------------------------------------

    async def add_key(self, key_id: str, *, name: str, secret_sha256: bytes,
                      scopes: Sequence[str], created_by: str | None) -> ApiKey:
        row = await self._db.fetchrow(
            f"INSERT INTO api_keys (id, name, secret_sha256, scopes, created_by) "
            f"VALUES ($1, $2, $3, $4, $5) RETURNING {_KEY}",
            key_id, name, secret_sha256, list(scopes), created_by)
        assert row is not None
        return _key(row)

    async def key(self, key_id: str) -> ApiKey | None:
        row = await self._db.fetchrow(f"SELECT {_KEY} FROM api_keys WHERE id = $1", key_id)
        return None if row is None else _key(row)

    async def keys(self) -> list[ApiKey]:
        return [_key(r) for r in
                await self._db.fetch(f"SELECT {_KEY} FROM api_keys ORDER BY created_at, id")]

    async def revoke_key(self, key_id: str) -> bool:
        done = await self._db.execute(
            "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", key_id)
        return done != "UPDATE 0"

    async def key_used(self, key_id: str) -> None:
        await self._db.execute("UPDATE api_keys SET last_used_at = now() WHERE id = $1", key_id)

    # --- hot desks ---------------------------------------------------------------------

    async def set_desk(self, agent_id: str, endpoint: str | None, *, by: str | None) -> None:
        """The phone ``agent_id`` chose (None: back to its own endpoint)."""
        if endpoint is None:
            await self._db.execute("DELETE FROM agent_desks WHERE agent_id = $1", agent_id)
            return
        await self._db.execute(
            "INSERT INTO agent_desks (agent_id, endpoint, chosen_by) VALUES ($1, $2, $3) "
            "ON CONFLICT (agent_id) DO UPDATE SET endpoint = EXCLUDED.endpoint, "
            "chosen_by = EXCLUDED.chosen_by, chosen_at = now()", agent_id, endpoint, by)

    async def desks(self) -> dict[str, str]:
        return {r["agent_id"]: r["endpoint"]
                for r in await self._db.fetch("SELECT agent_id, endpoint FROM agent_desks")}

    # --- the signing key ---------------------------------------------------------------

    async def signing_key(self) -> bytes:
        """The key tokens are signed with, made on first use (the same for every
        instance on this database)."""
        row = await self._db.fetchrow(
            "INSERT INTO signing_keys (id, secret) VALUES (1, $1) "
            "ON CONFLICT (id) DO UPDATE SET id = signing_keys.id RETURNING secret",
            secrets.token_bytes(48))
        assert row is not None
        return bytes(row["secret"])
