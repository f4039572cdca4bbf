"""Managing users and API keys, for ``cti user`` and the admin routes alike: the
checks against the config (the agent exists, the queues and units too) and the
hashing happen here, the rows in cti/store/users.py."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from cti.api import passwords
from cti.api.policy import SCOPES
from cti.api.text import clean_line
from cti.api.tokens import new_api_key
from cti.config import Config
from cti.errors import BadRequest
from cti.store import Store
from cti.store.users import ApiKey, User

ROLES = ("agent", "supervisor", "admin")


def check_user_fields(config: Config, *, role: str, agent_id: str | None,
                      queues: Sequence[str], units: Sequence[str]) -> None:
    """Raises:
        BadRequest: a role, agent, queue or unit the config does not know.
    """
    if role not in ROLES:
        raise BadRequest(f"role {role!r}: use agent, supervisor or admin")
    if role == "agent" and agent_id is None:
        raise BadRequest("an agent user needs --agent: the agent of agents.yaml it signs in as")
    if agent_id is not None and agent_id not in config.agents:
        raise BadRequest(f"no agent {agent_id!r} in agents.yaml; agents: "
                         f"{', '.join(sorted(config.agents))}")
    unknown = [q for q in queues if q not in config.queues]
    if unknown:
        raise BadRequest(f"no queue {', '.join(unknown)} in queues.yaml; queues: "
                         f"{', '.join(sorted(config.queues))}")
    unknown = [u for u in units if u not in config.units]
    if unknown:
        raise BadRequest(f"no unit {', '.join(unknown)} in units.yaml; units: "
                         f"{', '.join(sorted(config.units)) or 'none'}")
    if role != "supervisor" and (queues or units):
        raise BadRequest("only supervisors have queues and units")


async def add_user(store: Store, config: Config, user_id: str, *, role: str, password: str,
                   name: str = "", agent_id: str | None = None, queues: Sequence[str] = (),
                   units: Sequence[str] = ()) -> User:
    check_user_fields(config, role=role, agent_id=agent_id, queues=queues, units=units)
    hashed = await asyncio.to_thread(passwords.hash_password, password)
    return await store.users.add(user_id.lower(), role=role, password_hash=hashed,
                                 name=clean_line(name), agent_id=agent_id, queues=queues,
                                 units=units)


async def update_user(store: Store, config: Config, user_id: str, **changes: Any) -> User:
    current = await store.users.require(user_id)
    merged = {"role": current.role, "agent_id": current.agent_id, "queues": current.queues,
              "units": current.units, **changes}
    check_user_fields(config, role=merged["role"], agent_id=merged["agent_id"],
                      queues=merged["queues"], units=merged["units"])
    if "name" in changes:
        changes["name"] = clean_line(changes["name"] or "")
    return await store.users.update(user_id, **changes)


async def set_password(store: Store, user_id: str, password: str) -> None:
    hashed = await asyncio.to_thread(passwords.hash_password, password)
    await store.users.set_password(user_id, hashed)


async def add_api_key(store: Store, name: str, scopes: Sequence[str],
                      created_by: str | None) -> tuple[ApiKey, str]:
    """(the stored key, the full key to show once)."""
    unknown = sorted(set(scopes) - SCOPES)
    if unknown or not scopes:
        raise BadRequest(f"scopes {', '.join(unknown) or '(none)'}: use some of "
                         f"{', '.join(sorted(SCOPES))}")
    key_id, full, digest = new_api_key()
    stored = await store.users.add_key(key_id, name=clean_line(name), secret_sha256=digest,
                                       scopes=sorted(set(scopes)), created_by=created_by)
    return stored, full


async def seed_demo_users(store: Store, config: Config, password: str) -> list[str]:
    """For ``cti demo``: when there is no user yet, one per agent (sign-in name = agent
    id; members of a supervisors unit become supervisors of every queue and unit) and
    ``admin``. Returns the names made."""
    if await store.users.count():
        return []
    supervisors = {m for u in config.units.values() if u.kind == "supervisors"
                   for m in u.members}
    made = []
    for agent in config.agents.values():
        boss = agent.id in supervisors
        await add_user(store, config, agent.id, role="supervisor" if boss else "agent",
                       password=password, name=agent.name, agent_id=agent.id,
                       queues=sorted(config.queues) if boss else (),
                       units=sorted(config.units) if boss else ())
        made.append(agent.id)
    await add_user(store, config, "admin", role="admin", password=password, name="Admin")
    return [*made, "admin"]
