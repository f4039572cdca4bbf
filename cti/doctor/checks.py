"""The checks of ``cti doctor``: a live setup, end to end, each with what to fix.

Every check returns ``Finding``s (ok, warn, fail, skip) and never raises:
a failure is a finding that says what was wrong and what to do. The AMI
checks log in with the service's own account, so they see what the service
would: its rights, its events, the dialplan and hints Asterisk has loaded,
the address the dialplan gives FastAGI.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from cti.ami.client import AmiClient
    from cti.config import AmiNode, Config

Status = Literal["ok", "warn", "fail", "skip"]
TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Finding:
    status: Status
    check: str
    message: str


def _ok(check: str, message: str) -> Finding:
    return Finding("ok", check, message)


def _warn(check: str, message: str) -> Finding:
    return Finding("warn", check, message)


def _fail(check: str, message: str) -> Finding:
    return Finding("fail", check, message)


# --- database --------------------------------------------------------------------------------


async def database(config: Config) -> list[Finding]:
    """Reachable, migrated."""
    from cti.store.db import connect, describe_dsn
    from cti.store.embedded import EmbeddedPostgres
    from cti.store.migrate import applied_migrations, bundled_migrations

    db = config.service.database
    embedded = None
    if db.embedded:
        embedded = EmbeddedPostgres(config.path(db.data_dir))
        if not embedded.is_running:
            return [_warn("database", f"embedded PostgreSQL in {embedded.data_dir} is not "
                                      "running; `cti run` starts it (in production, give "
                                      "database.url a DSN of your PostgreSQL)")]
        dsn = await asyncio.to_thread(embedded.start)  # adopts the running server
    else:
        dsn = db.url.get_secret_value()
    where = describe_dsn(dsn)
    try:
        conn = await connect(dsn, timeout=TIMEOUT)
    except Exception as exc:
        return [_fail("database", f"cannot connect to {where}: {exc or type(exc).__name__}; "
                                  "check that PostgreSQL runs and database.url in cti.yaml")]
    try:
        version = await conn.fetchval("SHOW server_version")
        applied = await applied_migrations(conn)
    finally:
        await conn.close()
        if embedded is not None and not embedded.adopted:
            await asyncio.to_thread(embedded.stop)
    missing = [m.name for m in bundled_migrations() if m.name not in applied]
    if missing:
        return [_warn("database", f"{where}: PostgreSQL {version}, {len(missing)} migration(s) "
                                  f"not applied ({', '.join(missing)}); run `cti db migrate` "
                                  "or start the service")]
    return [_ok("database", f"{where}: PostgreSQL {version}, migrations up to date")]


# --- the running service ----------------------------------------------------------------------


def service(url: str) -> list[Finding]:
    from cti.errors import CtiError, ServiceUnreachable
    from cti.service_client import fetch

    try:
        ready = fetch(url, "GET", "/ready")
    except ServiceUnreachable as exc:
        return [_fail("service", str(exc))]
    except CtiError as exc:  # not the service, or not ready (503 with its checks)
        return [_warn("service", f"{url} answers but is not ready: {exc}")]
    down = [f"AMI {node} down" for node, link in ready["ami"].items() if link != "up"]
    if ready["database"] != "up":
        down.append("database down (calls are journaled; reports wait)")
    if down:
        return [_warn("service", f"{url}: ready, but " + "; ".join(down))]
    return [_ok("service", f"{url}: ready (AMI {', '.join(ready['ami'])} up, FastAGI "
                           "listening, database up)")]


# --- Asterisk, through the service's AMI account -----------------------------------------------


async def asterisk(config: Config) -> list[Finding]:
    findings: list[Finding] = []
    for node in config.service.ami:
        findings += await _node(config, node)
    return findings


async def _node(config: Config, node: AmiNode) -> list[Finding]:
    from cti.ami.client import AmiClient
    from cti.ami.errors import AmiConnectError, AmiError, AmiLoginFailed

    check = f"ami {node.name}"
    if node.tls:
        return [Finding("skip", check, "AMI over TLS: not checked by cti doctor yet; `cti "
                                       "status` shows whether the service's link is up")]
    events: list[Any] = []
    client = AmiClient(node.name, node.host, node.port, node.username,
                       node.secret.get_secret_value(), sink=events.append,
                       connect_timeout=TIMEOUT, login_timeout=TIMEOUT,
                       action_timeout=TIMEOUT, events="on")
    try:
        await client.start()
    except AmiLoginFailed:
        return [_fail(check, f"{node.host}:{node.port} refused the login of {node.username!r};"
                             " check ami.username and ami.secret against manager.conf")]
    except AmiConnectError as exc:
        return [_fail(check, f"cannot reach AMI at {node.host}:{node.port} ({exc}); check "
                             "that manager.conf has enabled = yes, its bindaddr and port, "
                             "and the firewall")]
    except AmiError as exc:
        return [_fail(check, str(exc))]
    try:
        findings = [_ok(check, f"logged in as {node.username!r} at {node.host}:{node.port}")]
        for probe in (_rights, _events, _dialplan, _hints, _fastagi):
            try:
                findings += await probe(client, config, node, events)
            except AmiError as exc:
                findings.append(_warn(check, f"{probe.__name__.strip('_')}: {exc}"))
        return findings
    finally:
        with contextlib.suppress(Exception):
            await client.stop()


async def _rights(client: AmiClient, config: Config, node: AmiNode,
                  events: list[Any]) -> list[Finding]:
    """ListCommands lists only the actions the account may send (manager.c)."""
    from cti.asterisk_check import SERVICE_ACTIONS

    listed = await client.send({"Action": "ListCommands"})
    allowed = {k.lower() for k in listed}
    missing = [a for a in SERVICE_ACTIONS if a.lower() not in allowed]
    check = f"ami {node.name} rights"
    if missing:
        return [_fail(check, f"the account {node.username!r} may not send "
                             f"{', '.join(missing)}; give it the write classes of "
                             "dialplan/manager_cti.conf (docs/security.md)")]
    return [_ok(check, f"every action the service sends is allowed ({len(SERVICE_ACTIONS)})")]


async def _events(client: AmiClient, config: Config, node: AmiNode,
                  events: list[Any]) -> list[Finding]:
    """A UserEvent sent must come back: events are on and the account reads them."""
    check = f"ami {node.name} events"
    await client.user_event("CtiDoctor", {"Probe": "1"})
    for _ in range(int(TIMEOUT / 0.05)):
        if any(_field(e, "Event") == "UserEvent" and _field(e, "UserEvent") == "CtiDoctor"
               for e in events):
            return [_ok(check, "events reach the account (a UserEvent came back)")]
        await asyncio.sleep(0.05)
    return [_fail(check, f"no event reached {node.username!r}: set read = call,dialplan,user "
                         "for the account in manager.conf (and no eventfilter that drops "
                         "them)")]


async def _dialplan(client: AmiClient, config: Config, node: AmiNode,
                    events: list[Any]) -> list[Finding]:
    from cti.ami.errors import AmiActionFailed

    names = config.service.dialplan
    contexts = ["cti-inbound", names.hold_context, names.connect_context,
                names.voicemail_context, names.transfer_context, names.outbound_context]
    check = f"ami {node.name} dialplan"
    missing = []
    for context in contexts:
        try:
            await client.send_list({"Action": "ShowDialPlan", "Context": context})
        except AmiActionFailed as exc:
            text = str(exc).lower()
            if "did not find context" in text or "no such context" in text:
                missing.append(context)
                continue
            return [_warn(check, f"cannot list the dialplan ({exc}); check the contexts with "
                                 "`cti config check --asterisk /etc/asterisk`")]
    if missing:
        return [_fail(check, f"contexts not loaded: {', '.join(missing)}; #include "
                             "dialplan/extensions_cti.conf in extensions.conf and run "
                             "`dialplan reload`")]
    return [_ok(check, f"contexts loaded: {', '.join(contexts)}")]


async def _hints(client: AmiClient, config: Config, node: AmiNode,
                 events: list[Any]) -> list[Finding]:
    # A hint may join devices ("PJSIP/1001&Custom:dnd1001") and name a presence
    # provider after a comma: each device counts.
    hints = {device.strip().lower()
             for m in await client.extension_state_list()
             for device in str(_field(m, "Hint")).split(",")[0].split("&")}
    check = f"ami {node.name} hints"
    without = [a.id for a in config.agents.values()
               if a.endpoint.lower() not in hints]
    if without:
        shown = ", ".join(without[:8]) + (" ..." if len(without) > 8 else "")
        return [_warn(check, f"{len(without)} agent(s) without a hint: {shown}; add "
                             "`exten => <ext>,hint,<endpoint>` so their phones' state is "
                             "known (busy with a call the ACD did not place)")]
    return [_ok(check, f"every agent's endpoint has a hint ({len(config.agents)})")]


async def _fastagi(client: AmiClient, config: Config, node: AmiNode,
                   events: list[Any]) -> list[Finding]:
    """The dialplan's CTI_AGI global names the service's FastAGI, which answers."""
    check = f"ami {node.name} fastagi"
    value = await client.getvar(None, "CTI_AGI")
    if not value:
        return [_fail(check, "the dialplan has no CTI_AGI global: set CTI_AGI=agi://<this "
                             f"host>:{config.service.agi.port} in [globals] of "
                             "extensions_cti.conf")]
    target = urlsplit(value)
    host, port = target.hostname or "", target.port or 4573
    findings = []
    if port != config.service.agi.port:
        findings.append(_fail(check, f"CTI_AGI is {value} but the service listens on port "
                                     f"{config.service.agi.port} (cti.yaml agi.port)"))
    allowed = config.service.agi_allowed_peers()
    if node.host not in allowed and not _any_network(node.host, allowed):
        findings.append(_warn(check, f"Asterisk at {node.host} is not in agi.allow "
                                     f"({', '.join(allowed)}): its FastAGI sessions would be "
                                     "refused"))
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT)
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    except (OSError, TimeoutError) as exc:
        findings.append(_fail(check, f"nothing answers at {host}:{port} (CTI_AGI {value}): "
                                     f"{exc or 'timeout'}; is `cti run` running there?"))
        return findings
    findings.append(_ok(check, f"CTI_AGI {value} answers"))
    return findings


def _any_network(host: str, allowed: Iterable[str]) -> bool:
    import ipaddress

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    for entry in allowed:
        with contextlib.suppress(ValueError):
            if address in ipaddress.ip_network(entry, strict=False):
                return True
    return False


def _field(message: Any, name: str) -> Any:
    getter = getattr(message, "get", None)
    return getter(name) if getter is not None else None


# --- prompts --------------------------------------------------------------------------------


def prompts(config: Config, sounds: Path | None) -> list[Finding]:
    if sounds is None:
        return [Finding("skip", "prompts", "give --sounds /var/lib/asterisk/sounds/en (on the "
                                           "Asterisk host) to check every prompt the flows "
                                           "play")]
    from cti.agi.sounds import find_missing, prompts_played
    from cti.agi.wiring import load_config_flows

    if not sounds.is_dir():
        return [_fail("prompts", f"--sounds {sounds}: not a directory")]
    flows = {name: f.flow for name, f in load_config_flows(config).items()}
    played = prompts_played(flows)
    missing = find_missing(played, sounds)
    if missing:
        names = ", ".join(p.name for p in missing[:10]) + (" ..." if len(missing) > 10 else "")
        return [_fail("prompts", f"{len(missing)} prompt(s) missing in {sounds}: {names}; "
                                 "record them or fix the flows (cti ivr check --sounds)")]
    return [_ok("prompts", f"every prompt found in {sounds} ({len(played)})")]
