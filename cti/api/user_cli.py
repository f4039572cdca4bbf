"""``cti user add|passwd|disable|enable|set|list`` and ``cti user key add|list|revoke``.

They work on the database directly (like ``cti db migrate``), so they work with
the service stopped; a running service hears of each change at once (NOTIFY)
and closes the sockets of a disabled user or a revoked key. Passwords are
read from the terminal (twice) or, piped, from the first line of stdin.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from cti.api import accounts
from cti.api.passwords import check_password_rules
from cti.api.policy import SCOPES
from cti.cli_args import add_config
from cti.config import Config, load_config
from cti.errors import BadRequest
from cti.store import EmbeddedPostgres, Store
from cti.table import printable, render_table


def add_commands(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="users of the desktop API: add, passwd, disable, list")
    actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a user (asks the password)")
    add.add_argument("user_id", help="sign-in name: lower case, digits, . _ - @")
    add.add_argument("--role", required=True, choices=accounts.ROLES)
    _fields(add)
    _config(add)
    add.set_defaults(func=_run(_add))

    passwd = actions.add_parser("passwd", help="a new password; the user's sessions end")
    passwd.add_argument("user_id")
    _config(passwd)
    passwd.set_defaults(func=_run(_passwd))

    for name, text in (("disable", "the user can no longer sign in; its sockets close"),
                       ("enable", "let a disabled user sign in again")):
        p = actions.add_parser(name, help=text)
        p.add_argument("user_id")
        _config(p)
        p.set_defaults(func=_run(_disable if name == "disable" else _enable))

    change = actions.add_parser("set", help="change role, agent, queues, units or name")
    change.add_argument("user_id")
    change.add_argument("--role", choices=accounts.ROLES)
    _fields(change)
    _config(change)
    change.set_defaults(func=_run(_set))

    listing = actions.add_parser("list", help="the users")
    listing.add_argument("--json", action="store_true")
    _config(listing)
    listing.set_defaults(func=_run(_list))

    key = actions.add_parser("key", help="API keys of systems (a CRM): add, list, revoke")
    key_actions = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    key_add = key_actions.add_parser("add", help="a new key; printed once")
    key_add.add_argument("name")
    key_add.add_argument("--scopes", required=True,
                         help="comma-separated: " + ", ".join(sorted(SCOPES)))
    _config(key_add)
    key_add.set_defaults(func=_run(_key_add))
    key_list = key_actions.add_parser("list", help="the keys (never their secret)")
    _config(key_list)
    key_list.set_defaults(func=_run(_key_list))
    key_revoke = key_actions.add_parser("revoke", help="revoke a key at once")
    key_revoke.add_argument("key_id")
    _config(key_revoke)
    key_revoke.set_defaults(func=_run(_key_revoke))


def _fields(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agent", help="the agent of agents.yaml the user signs in as")
    parser.add_argument("--name", help="the name desktops show")
    parser.add_argument("--queues", help="supervisor: comma-separated queues it supervises")
    parser.add_argument("--units", help="supervisor: comma-separated units it supervises")


def _config(parser: argparse.ArgumentParser) -> None:
    add_config(parser)


def _list_arg(text: str | None) -> list[str] | None:
    return None if text is None else [v.strip() for v in text.split(",") if v.strip()]


Action = Callable[[argparse.Namespace, Store, Config], Awaitable[int]]


def _run(action: Action) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return asyncio.run(_with_store(args, action))

    return run


async def _with_store(args: argparse.Namespace, action: Action) -> int:
    config = load_config(args.config)
    async with open_store(config) as store:
        return await action(args, store, config)


@asynccontextmanager
async def open_store(config: Config) -> AsyncIterator[Store]:
    """The configured database (the embedded one is started, or shared, for the while)."""
    db = config.service.database
    embedded = EmbeddedPostgres(config.path(db.data_dir)) if db.embedded else None
    dsn = await asyncio.to_thread(embedded.start) if embedded else db.url.get_secret_value()
    try:
        async with await Store.open(dsn, 1, 2, apply_migrations=True) as store:
            yield store
    finally:
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)


def read_password(prompt: str = "password") -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        check_password_rules(first)
        if getpass.getpass("again: ") != first:
            raise BadRequest("the two passwords differ; nothing changed")
        return first
    password = sys.stdin.readline().rstrip("\n")
    check_password_rules(password)
    return password


# --- actions --------------------------------------------------------------------------


async def _add(args: argparse.Namespace, store: Store, config: Config) -> int:
    accounts.check_user_fields(config, role=args.role, agent_id=args.agent,
                               queues=_list_arg(args.queues) or [],
                               units=_list_arg(args.units) or [])
    password = read_password()
    user = await accounts.add_user(store, config, args.user_id, role=args.role,
                                   password=password, name=args.name or "",
                                   agent_id=args.agent, queues=_list_arg(args.queues) or [],
                                   units=_list_arg(args.units) or [])
    print(f"user {user.id} added ({user.role}" + (f", agent {user.agent_id}" if user.agent_id
                                                  else "") + ")")
    return 0


async def _passwd(args: argparse.Namespace, store: Store, config: Config) -> int:
    await store.users.require(args.user_id)
    await accounts.set_password(store, args.user_id, read_password("new password"))
    print(f"password of {args.user_id} changed; its open sessions ended")
    return 0


async def _disable(args: argparse.Namespace, store: Store, config: Config) -> int:
    await store.users.set_disabled(args.user_id, True)
    print(f"user {args.user_id} disabled; its sessions ended")
    return 0


async def _enable(args: argparse.Namespace, store: Store, config: Config) -> int:
    await store.users.set_disabled(args.user_id, False)
    print(f"user {args.user_id} enabled")
    return 0


async def _set(args: argparse.Namespace, store: Store, config: Config) -> int:
    changes: dict[str, Any] = {}
    if args.role is not None:
        changes["role"] = args.role
    if args.agent is not None:
        changes["agent_id"] = args.agent or None
    if args.name is not None:
        changes["name"] = args.name
    for field in ("queues", "units"):
        value = _list_arg(getattr(args, field))
        if value is not None:
            changes[field] = value
    if not changes:
        raise BadRequest("nothing to change: give --role, --agent, --name, --queues or --units")
    user = await accounts.update_user(store, config, args.user_id, **changes)
    print(f"user {user.id}: {user.role}, agent {user.agent_id or '-'}, queues "
          f"{','.join(user.queues) or '-'}, units {','.join(user.units) or '-'}")
    return 0


async def _list(args: argparse.Namespace, store: Store, config: Config) -> int:
    users = await store.users.list()
    if args.json:
        print(json.dumps([{"id": u.id, "name": u.name, "role": u.role, "agent_id": u.agent_id,
                           "queues": list(u.queues), "units": list(u.units),
                           "disabled": u.disabled} for u in users], indent=2))
        return 0
    if not users:
        print("no users; add one with `cti user add NAME --role admin`")
        return 0
    print(render_table(["user", "name", "role", "agent", "queues", "units", "disabled"],
                       [[printable(u.id), printable(u.name) or "-", u.role,
                         u.agent_id or "-", ",".join(u.queues) or "-",
                         ",".join(u.units) or "-", "yes" if u.disabled else ""]
                        for u in users]))
    return 0


async def _key_add(args: argparse.Namespace, store: Store, config: Config) -> int:
    key, full = await accounts.add_api_key(store, args.name, _list_arg(args.scopes) or [],
                                           "cti user key add")
    print(f"API key {key.id} ({key.name}): {', '.join(key.scopes)}")
    print(full)
    print("keep it now: it is not shown again", file=sys.stderr)
    return 0


async def _key_list(args: argparse.Namespace, store: Store, config: Config) -> int:
    keys = await store.users.keys()
    if not keys:
        print("no API keys")
        return 0
    print(render_table(["key", "name", "scopes", "created", "last used", "revoked"],
                       [[k.id, printable(k.name), ",".join(k.scopes),
                         k.created_at.isoformat(timespec="minutes"),
                         k.last_used_at.isoformat(timespec="minutes") if k.last_used_at
                         else "-",
                         k.revoked_at.isoformat(timespec="minutes") if k.revoked_at else ""]
                        for k in keys]))
    return 0


async def _key_revoke(args: argparse.Namespace, store: Store, config: Config) -> int:
    if not await store.users.revoke_key(args.key_id):
        raise BadRequest(f"no active API key {args.key_id!r}; `cti user key list` shows them")
    print(f"API key {args.key_id} revoked")
    return 0
