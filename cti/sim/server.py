"""SimPbx: the simulator as one object to start, script and stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from cti.sim.accounts import Account, load_accounts
from cti.sim.ami import AmiSession
from cti.sim.callers import CallHandle, place_call
from cti.sim.customers import OutboundProfile
from cti.sim.dialplan import Dialplan
from cti.sim.errors import SimError, UnknownEndpoint
from cti.sim.pbx import Core
from cti.sim.phones import Behaviour, Phone
from cti.sim.recording import Recording

DEFAULT_DIALPLAN = Path(__file__).resolve().parents[2] / "dialplan" / "extensions_cti.conf"


class SimPbx:
    """A stand-in Asterisk: an AMI server, FastAGI client, dialplan, phones and callers.

    Args:
        host: address the AMI server binds.
        ami_port: its port; 0 picks a free one (read ``ami_port`` after ``start()``).
        dialplan: the extensions.conf to run (default: the project's dialplan).
        agi_address: send every AGI() to this (host, port) instead of the URL's.
        username, secret: the AMI account (read=all, write=all, any address); see
            ``set_account`` and ``load_accounts`` for accounts as manager.conf has them.
        speed: simulated seconds per real second (ring delays, prompts, waits).
        inbound_context: where ``place_call`` enters the dialplan.
        restart_seconds: how long a restart keeps the AMI port closed.
        recordings_dir: the monitor spool directory: MixMonitor files named without
            a directory are written there (default: a new temporary directory).
    """

    def __init__(self, host: str = "127.0.0.1", ami_port: int = 0, *,
                 dialplan: Path | str | Dialplan | None = None,
                 agi_address: tuple[str, int] | None = None, username: str = "cti",
                 secret: str = "change-me", speed: float = 1.0,
                 inbound_context: str = "cti-inbound", restart_seconds: float = 10.0,
                 channel_seq: dict[str, int] | None = None,
                 recordings_dir: Path | str | None = None) -> None:
        plan = dialplan if isinstance(dialplan, Dialplan) else \
            Dialplan.load(dialplan or DEFAULT_DIALPLAN)
        self.core = Core(plan, speed=speed, channel_seq=channel_seq)
        self.core.agi_override = agi_address
        self.core.phone_for = self._phone_for
        self.core.recordings_dir = Path(recordings_dir) if recordings_dir is not None else None
        self.host, self.ami_port = host, ami_port
        self.username, self.secret = username, secret
        #: the manager users by name (main/manager.c checks Login against these)
        self.accounts: dict[str, Account] = {username: Account(username, secret)}
        self.inbound_context = inbound_context
        self.restart_seconds = restart_seconds
        self.phones: dict[str, Phone] = {}
        self.sessions: set[AmiSession] = set()
        self._server: asyncio.Server | None = None
        self._session_tasks: set[asyncio.Task[None]] = set()
        self.restarts = 0
        #: set while the AMI port accepts connections (cleared during a restart)
        self.up = asyncio.Event()
        self._restart_task: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------

    async def start(self) -> None:
        """Listen on the AMI port; returns once connections are accepted."""
        self.core.started_at = self.core.now()
        self._server = await asyncio.start_server(self._accept, self.host, self.ami_port)
        self.ami_port = self._server.sockets[0].getsockname()[1]
        self.up.set()

    async def stop(self) -> None:
        """Close the AMI port and every session, drop all calls, cancel every task."""
        if self._restart_task is not None:
            self._restart_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._restart_task
        await self._close_ami()
        self.core.clear()
        await self._drain_tasks()

    async def _close_ami(self) -> None:
        self.up.clear()
        if self._server is not None:
            self._server.close()
            self._server = None
        for session in list(self.sessions):
            await session.close()
        for task in list(self._session_tasks):
            task.cancel()
        for task in list(self._session_tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _drain_tasks(self) -> None:
        tasks = list(self.core.tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def restart(self, down_seconds: float | None = None) -> None:
        """Restart like Asterisk's ``core restart now``: sockets close, calls vanish
        without Hangup events, the port is closed for a while, Uptime starts again."""
        await asyncio.sleep(self.core.scaled(1.0) if down_seconds is None else 0)
        self.restarts += 1
        await self._close_ami()
        self.core.clear()
        await self._drain_tasks()
        wait = self.restart_seconds if down_seconds is None else down_seconds
        await asyncio.sleep(self.core.scaled(wait))
        for phone in self.phones.values():
            phone.calls.clear()
        self.core.started_at = self.core.now()
        self._server = await asyncio.start_server(self._accept, self.host, self.ami_port)
        self.up.set()

    def schedule_restart(self) -> None:
        """AMI ``Command: core restart now``: no response, the restart begins."""
        self._restart_task = asyncio.get_running_loop().create_task(self.restart())

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = AmiSession(self, reader, writer)
        self.sessions.add(session)
        task = asyncio.current_task()
        assert task is not None
        self._session_tasks.add(task)
        try:
            await session.run()
        except asyncio.CancelledError:
            pass
        finally:
            self.sessions.discard(session)
            self._session_tasks.discard(task)

    # -- AMI accounts -------------------------------------------------------

    def set_account(self, username: str, secret: str, *, read: str = "all",
                    write: str = "all", permit: tuple[str, ...] = (),
                    deny: tuple[str, ...] = ()) -> Account:
        """Add or replace a manager user, with manager.conf's values, e.g.
        ``set_account("cti", "s3cret", read="call,dialplan", write="call,originate",
        deny=("0.0.0.0/0.0.0.0",), permit=("127.0.0.1/255.255.255.255",))``.
        Sessions already logged in keep the classes they had."""
        account = Account.of(username, secret, read=read, write=write, permit=permit,
                             deny=deny)
        self.accounts[username] = account
        return account

    def load_accounts(self, path: Path | str) -> dict[str, Account]:
        """Replace the users with those of a manager.conf-style file (one section each:
        secret, read, write, permit, deny), e.g. ``dialplan/manager_cti.conf``."""
        self.accounts = load_accounts(path)
        return self.accounts

    # -- phones -------------------------------------------------------------

    def add_phone(self, endpoint: str, behaviour: Behaviour | None = None, *,
                  registered: bool = True, context: str = "cti-features",
                  cid_num: str = "", cid_name: str = "") -> Phone:
        """Add a simulated phone, e.g. ``add_phone("PJSIP/1001", Behaviour.answers(2))``."""
        phone = Phone(endpoint, behaviour or Behaviour(), registered, context, cid_num,
                      cid_name)
        self.phones[endpoint] = phone
        if self.core.listeners:
            phone.publish(self.core)
        else:
            self.core.device_states[endpoint] = phone.state()
        return phone

    def phone(self, endpoint: str) -> Phone:
        try:
            return self.phones[endpoint]
        except KeyError:
            raise UnknownEndpoint(endpoint) from None

    def set_behaviour(self, endpoint: str, behaviour: Behaviour) -> None:
        self.phone(endpoint).behaviour = behaviour

    def set_registered(self, endpoint: str, registered: bool) -> None:
        phone = self.phone(endpoint)
        phone.registered = registered
        phone.publish(self.core)

    def set_customer(self, number: str, behaviour: Behaviour) -> None:
        """What the customer at ``number`` does when a trunk dials it, e.g.
        ``set_customer("5559877", Behaviour.human(after=3.0))``."""
        self.core.customers.scripts[number] = behaviour

    def set_outbound_profile(self, profile: OutboundProfile | None,
                             seed: int | None = None) -> None:
        """Numbers without their own script draw one from ``profile`` (answer rate,
        answer delay, machines, talk time); None: they get the trunk phone's."""
        self.core.customers.set_profile(profile, seed)

    def dial_feature(self, endpoint: str, code: str) -> str:
        """The phone dials a feature code (``*45``); returns its channel name."""
        return self.phone(endpoint).place_call(self.core, code).name

    def _phone_for(self, endpoint: str) -> Phone | None:
        return self.phones.get(endpoint)

    def device_states(self) -> dict[str, str]:
        states = {ep: p.state() for ep, p in self.phones.items()}
        for device, state in self.core.device_states.items():
            states.setdefault(device, state)
        return states

    # -- calls --------------------------------------------------------------

    def place_call(self, caller_num: str, caller_name: str = "", dnid: str = "900", *,
                   digits: Sequence[str] | Mapping[str, str] = (), patience: float | None = None,
                   talk_seconds: float | None = None, trunk: str = "PJSIP/trunk",
                   context: str | None = None) -> CallHandle:
        """An inbound call from ``caller_num`` to ``dnid`` enters the inbound context.

        ``digits`` answers GET DATA prompts: one string per prompt in order ("" to
        press nothing), or a mapping from prompt name to digits; ``patience`` is
        how long the caller waits for an agent;
        ``talk_seconds`` how long it talks before hanging up; ``trunk`` names the
        inbound channel (``PJSIP/trunk-0000002a``); ``context`` overrides the
        inbound context.
        """
        return place_call(self.core, caller_num=caller_num, caller_name=caller_name,
                          dnid=dnid, context=context or self.inbound_context, trunk=trunk,
                          digits=digits, patience=patience, talk_seconds=talk_seconds)

    def hangup(self, channel: str, cause: int = 16) -> bool:
        """The far end of ``channel`` (a caller's trunk, a phone) hangs up."""
        ch = self.core.find(channel)
        if ch is None:
            return False
        self.core.far_end_hangup(ch, cause)
        return True

    # -- recordings ---------------------------------------------------------

    @property
    def recordings(self) -> list[Recording]:
        """Every MixMonitor started, in order; ``.path`` is the file, ``.done`` once
        written, ``.seconds`` its length."""
        return list(self.core.recordings)

    def recording(self, mixmonitor_id: str) -> Recording:
        """The recording with that MixMonitorID (the AMI response's, or ``i(VAR)``'s)."""
        for rec in self.core.recordings:
            if rec.id == mixmonitor_id:
                return rec
        raise SimError(f"no recording {mixmonitor_id!r}; MixMonitor returns the ID "
                       "only with the i(VAR) option")

    @property
    def counters(self) -> dict[str, int]:
        out = dict(self.core.counters)
        out["active_channels"] = len(self.core.channels)
        return out
