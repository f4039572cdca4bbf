"""The composition root of ``cti run``: builds every part, starts and stops them in order.

Start: database (embedded or DSN, migrations) -> event stream (continuing the
stored sequence) and its consumers (recorder, bus, log) -> ACD engine restored
from the store -> routing loop -> AMI links (login, resync) -> reconcile the
restored calls with Asterisk and resume routing -> FastAGI -> HTTP.
Stop (SIGTERM) drains: no new offers, the actions under way finish, every
record is flushed, then everything closes in reverse order.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from acd.engine import Engine
from cti import ports
from cti.acd_specs import specs
from cti.actions import LATENCY_KEPT, Actions
from cti.agi.errors import FlowValidationError
from cti.agi.interpreter import FlowRunner
from cti.agi.server import AgiServer
from cti.agi.wiring import Ivr, build_ivr, load_config_flows
from cti.ami import events as ami
from cti.ami.feed import AmiCluster, NodeConfig
from cti.api import views
from cti.api.context import ApiContext
from cti.api.server import ApiServer
from cti.bus import EventBus
from cti.calls import CallRegistry, Phase
from cti.campaigns.service import CampaignService
from cti.cases.service import CaseService
from cti.config import Config, config_warnings, load_config
from cti.control import CallControl
from cti.errors import (
    CallNotQueued,
    ConfigError,
    CtiError,
    NoSuchAgent,
    NoSuchCall,
    ServiceUnavailable,
    locate,
)
from cti.health import ready_file, sd_notify
from cti.ivr_host import ServiceIvrHost
from cti.journal import Journal
from cti.log import configure_logging
from cti.recorder import CatchUpWorker, Recorder
from cti.recordings import NoSuchRecording, RecordingFiles, forget_customer, purge_expired
from cti.reports import live
from cti.reports.metrics import ObservedSamples, ServiceMetrics
from cti.reports.monitor import Monitor
from cti.restore import load_snapshot, reconcile, restore, settle
from cti.routing import AgentCommand, InLoop, Now, Router, RoutingLoop, Step, cancel_and_wait
from cti.routing.desk import EndpointChosen
from cti.store import Store
from cti.store.embedded import EmbeddedPostgres
from cti.store.locks import InstanceLock
from cti.store.migrate import migrate
from cti.store.retention import ensure_partitions
from cti.stream import EventStream, log_events

log = structlog.get_logger(__name__)

RESYNC_TIMEOUT = 15.0
#: At start, how long to wait for the journal's events to be stored before restoring.
RESTORE_CATCH_UP_SECONDS = 300.0
#: At SIGTERM, callers in the IVR get this long to finish their flow; the rest go
#: to [cti-fallback] (their AGI session closes without a decision).
DRAIN_IVR_SECONDS = 10.0

#: Where a live call that the ACD does not hold is, for ``cti explain``.
_WHERE = {Phase.IVR: "in the IVR", Phase.AFTER_AGENT: "still on the line after its agent left",
          Phase.ENDED: "ending"}


class ListenFailed(CtiError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot listen: {reason}; change agi or http (host, port) in "
                         "cti.yaml, or stop what uses that port")


class Service:
    """The running service. ``await start()``, then ``await stop()``."""

    def __init__(self, config: Config, *, dsn: str | None = None,
                 overrides: Callable[[Config], Config] | None = None) -> None:
        #: What the running mode changes in every config it reads (the demo's simulated
        #: PBX address, its hours; `cti run --flows`): applied at start and on reload.
        self.overrides = overrides
        self.config = overrides(config) if overrides is not None else config
        self._dsn_override = dsn
        self.embedded: EmbeddedPostgres | None = None
        self.store: Store | None = None
        self.recorder: Recorder | None = None
        self.stream: EventStream | None = None
        self.journal: Journal | None = None
        self.cases: CaseService | None = None
        self.recording_files: RecordingFiles | None = None
        self.router: Router | None = None
        self.loop: RoutingLoop | None = None
        self.control: CallControl | None = None
        self.campaigns: CampaignService | None = None
        self.cluster: AmiCluster | None = None
        self.agi: AgiServer | None = None
        self.http_port: int | None = None
        self.api: ApiContext | None = None
        self.api_server: ApiServer | None = None
        self._dsn: str | None = None
        self.bus = EventBus()
        self.calls = CallRegistry()
        self.started_at = time.time()
        #: The live day's own counts (short abandons, events) and the service's watch.
        self.tally = live.DayTally(config.service.reports.short_abandon_seconds)
        self.metrics = ServiceMetrics(self)
        self.monitor: Monitor | None = None
        self.started = False
        self._tasks: list[asyncio.Task[Any]] = []
        self._links: dict[str, Any] = {}
        self._resynced: dict[str, asyncio.Event] = {}
        self._flows: dict[str, Any] = {}
        self._host: ServiceIvrHost | None = None
        self._runner: FlowRunner | None = None
        self._ivr: Ivr | None = None
        self._stopped = False
        #: The listening ports, bound first thing in start() (cti/ports.py).
        self._agi_sock: socket.socket | None = None
        self._http_sock: socket.socket | None = None

    # --- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        # The ports first: one in use stops the start before the database, AMI or any
        # call is touched (cti/ports.py).
        service = self.config.service
        self._agi_sock = await ports.bind(service.agi.host, service.agi.port)
        self._http_sock = await ports.bind(service.http.host, service.http.port)
        restored = await self._start_routing()
        await self._seed_day()
        assert self.control is not None
        await self.control.start()
        await self._start_ami()
        await self._call_in_loop(lambda step: self._reconcile_and_resume(step, restored))
        await self._start_campaigns()
        await self._start_ivr()
        await self._start_http()
        self.monitor = Monitor(self, self._call_in_loop)
        await self.monitor.start()
        self.started = True
        # What start-up built lives as long as the service: keep it out of the garbage
        # collector's scans, whose full passes over it showed as 10-20 ms stalls of the
        # routing loop (p99 routing latency) at 100 calls a second.
        gc.freeze()
        log.info("service started", agi=f"{service.agi.host}:{self.agi.port if self.agi else 0}",
                 http=f"{service.http.host}:{self.http_port}", restored_calls=len(restored))
        sd_notify("READY=1")
        if (path := ready_file()) is not None:
            path.write_text(f"{os.getpid()}\n")

    async def _start_routing(self) -> list[Any]:
        """Database, event stream and recorder, engine restored from the store, the
        routing loop."""
        config = self.config
        loop = asyncio.get_running_loop()
        self._flows = _load_flows(config)  # a bad flow stops the start before anything runs
        dsn = self._dsn = self._dsn_override or await self._start_database()
        db = config.service.database
        self.store = await Store.open(dsn, db.min_connections, db.max_connections,
                                      apply_migrations=True)
        await ensure_partitions(self.store.pool, datetime.now(UTC))
        epoch, stored_seq = await self.store.events.position()
        journal = config.service.journal
        self.journal = Journal(config.path(journal.dir), max_bytes=journal.max_mb << 20,
                               interval=journal.flush_ms / 1000)
        journal_seq = await asyncio.to_thread(self.journal.open)
        worker = None if not journal.worker_backlog else CatchUpWorker(
            dsn, journal.worker_backlog, config.service.log.format)
        self.recorder = Recorder(self.store, stored_seq=stored_seq, journal=self.journal,
                                 worker=worker)
        await self.recorder.start()
        self.recorder.catch_up()
        if not await self.recorder.flush(RESTORE_CATCH_UP_SECONDS):
            log.warning("the journal is not fully stored yet; restoring from what is")
        self.stream = EventStream(epoch, max(stored_seq, journal_seq) + 1)
        self.stream.subscribe(self.journal.append)
        for consumer in (self.recorder.accept, self.bus.publish, log_events, self.tally.accept,
                         self.metrics.write_lag.accept):
            self.journal.subscribe(consumer)
        await self.journal.start()
        self.cases = CaseService(self.store, self.stream, self.recorder, config)
        rec = config.service.recordings
        self.recording_files = RecordingFiles(config.path(rec.dir)) if rec.dir else None
        if rec.retention_days and self.recording_files is not None:
            self._tasks.append(asyncio.create_task(self._purge_recordings(rec.retention_days),
                                                   name="recording-retention"))
        engine = Engine(*specs(config), now=loop.time())
        self.router = Router(config, engine, self.calls, self.stream,
                             find_channel=self._find_channel)
        self.loop = RoutingLoop(self.router, Actions(self._links, report=self._submit))
        self.loop.actions.routing_latency = ObservedSamples(self.metrics.latency.observe,
                                                            maxlen=LATENCY_KEPT)
        self.control = CallControl(self.loop, store=self.store)
        snapshot = await load_snapshot(self.store)
        restored = restore(self.router, snapshot, loop.time())
        self._tasks.append(asyncio.create_task(self.loop.run(), name="routing"))
        await self._call_in_loop(lambda step: settle(step, snapshot, restored))
        return restored.calls

    async def _seed_day(self) -> None:
        """Today's counters from the records (a restart neither zeroes the day nor
        counts the previous run twice), before routing resumes."""
        assert self.store is not None
        config = self.config
        try:
            seed = await live.read_seed(self.store.pool, config, time.time())
        except Exception as exc:  # a database that fails now: count from zero
            log.warning("today's figures not read back; counting from now", error=str(exc))
            seed = live.Seed(datetime.now(config.hours.zone).date())

        def apply(step: Step) -> None:
            live.apply_seed(step.router.engine, self.tally, seed, mono=step.now.mono,
                            wall=step.now.wall, timezone=config.hours.timezone)

        await self._call_in_loop(apply)

    async def _start_ami(self) -> None:
        """One link per node; returns once each has logged in and resynced."""
        nodes = [NodeConfig(n.name, n.host, n.port, n.username, n.secret.get_secret_value(),
                            n.action_timeout, n.ssl_context(self.config.directory))
                 for n in self.config.service.ami]
        self._resynced = {n.node: asyncio.Event() for n in nodes}
        self.cluster = AmiCluster(nodes, out=self._on_ami_event)
        await self.cluster.start()
        for node in self.cluster.feeds:
            self._links[node] = self.cluster.client(node)
        await self._wait_resynced()

    async def _start_campaigns(self) -> None:
        """Outbound campaigns: those that were running dial again (docs/outbound.md)."""
        assert self.loop is not None and self.store is not None
        self.campaigns = CampaignService(
            self.loop, self.store, config=lambda: self.config,
            flows=lambda: set(self._flows), channels=self._all_channels, control=self.control)
        await self.campaigns.start()

    def _all_channels(self) -> list[ami.ChannelSnapshot]:
        if self.cluster is None:
            return []
        return [snap for feed in self.cluster.feeds.values() for snap in feed.tracker.channels()]

    async def _start_ivr(self) -> None:
        config = self.config
        assert self.store is not None and self.loop is not None
        self._host = ServiceIvrHost(config, self.store, self.loop, self.calls,
                                    locate_node=self._locate_node,
                                    channel_known=self._channel_known, cases=self.cases)
        flows = {name: f.flow for name, f in self._flows.items()}
        self._ivr = build_ivr(config, self._host, flows)
        self._runner, self.agi = self._ivr.runner, self._ivr.server
        sock, self._agi_sock = self._agi_sock, None
        await self.agi.start(sock)

    async def _start_http(self) -> None:
        """The API (cti/api/server.py): sign-in, the hub on the bus, audit, webhooks."""
        http = self.config.service.http
        self.api_server = ApiServer(self, self.bus, self._dsn)
        self.api = self.api_server.ctx
        await self._restore_desks()
        sock, self._http_sock = self._http_sock, None
        self.http_port = await self.api_server.start(
            http.host, http.port,
            None if http.tls is None else http.tls.context(self.config.directory), sock=sock)

    async def _restore_desks(self) -> None:
        """The phones agents chose before the restart (hot-desking)."""
        assert self.store is not None
        try:
            desks = await self.store.users.desks()
        except CtiError as exc:
            log.warning("hot desks not restored: the database is not answering", error=str(exc))
            return
        for agent_id, endpoint in desks.items():
            if agent_id not in self.config.agents:
                continue
            item = EndpointChosen(agent_id, endpoint)
            self._submit(item)
            try:
                await item.reply
            except CtiError as exc:
                log.warning("hot desk not restored", agent_id=agent_id, endpoint=endpoint,
                            error=str(exc))

    async def stop(self, progress: Callable[[str], None] | None = None) -> None:
        """Drain: hold offers (agents keep their state, callers their place), finish AMI
        actions, flush records, close. Idempotent.

        ``progress`` hears what the stop is waiting for, as it goes (default: the log).
        """
        if self._stopped:
            return
        self._stopped = True
        ports.close(self._agi_sock)
        ports.close(self._http_sock)
        self._agi_sock = self._http_sock = None
        say = progress or (lambda text: log.info("stopping: " + text))
        sd_notify("STOPPING=1")
        if (path := ready_file()) is not None:
            path.unlink(missing_ok=True)
        if self.monitor is not None:
            await self.monitor.stop()
        if self.router is not None:
            self.router.draining = True
            if self._tasks:  # the routing loop runs: the engine holds its offers
                await self._call_in_loop(
                    lambda step: step.router.engine.hold_offers(step.now.mono))
        if self.campaigns is not None:
            await self.campaigns.stop()
        if self.agi is not None:
            sessions = self.agi.active_sessions
            if sessions:
                say(f"waiting for {sessions} caller(s) in the IVR to finish their flow "
                    f"(at most {DRAIN_IVR_SECONDS:g} s; the rest go to cti-fallback)")
            await self.agi.stop(grace=DRAIN_IVR_SECONDS)
        if self._runner is not None:
            await self._runner.close()
        if self.loop is not None:
            say("finishing the AMI actions under way")
            await self.loop.actions.wait_idle()
        if self.api_server is not None:
            await self.api_server.stop()
        if self.cluster is not None:
            await self.cluster.stop()
        if self.loop is not None:
            await self._drain_inbox()
            self.loop.stop_timer()
        for task in self._tasks:
            await cancel_and_wait(task)
        if self.journal is not None:
            await self.journal.stop()
        if self.recorder is not None:
            pending = self.recorder.pending
            say(f"storing {pending} record(s) in PostgreSQL" if pending
                else "closing the database")
            await self.recorder.stop()
        if self.store is not None:
            await self.store.close()
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)
        log.info("service stopped")

    async def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every event published so far is on disk and stored in PostgreSQL."""
        try:
            async with asyncio.timeout(timeout):
                if self.journal is not None:
                    await self.journal.flush()
        except TimeoutError:
            return False
        return self.recorder is None or await self.recorder.flush(timeout)

    async def _start_database(self) -> str:
        db = self.config.service.database
        if not db.embedded:
            return db.url.get_secret_value()
        self.embedded = EmbeddedPostgres(self.config.path(db.data_dir))
        return await asyncio.to_thread(self.embedded.start)

    async def _drain_inbox(self) -> None:
        assert self.loop is not None
        for _ in range(100):
            if self.loop.inbox.empty():
                return
            await asyncio.sleep(0.01)

    # --- AMI --------------------------------------------------------------------------

    def _on_ami_event(self, event: ami.CallEvent) -> None:
        if isinstance(event, ami.Resynced) and event.node in self._resynced:
            self._resynced[event.node].set()
        self._submit(event)

    def _submit(self, item: Any) -> None:
        assert self.loop is not None
        self.loop.submit(item)

    async def _wait_resynced(self) -> None:
        try:
            async with asyncio.timeout(RESYNC_TIMEOUT):
                for event in self._resynced.values():
                    await event.wait()
        except TimeoutError:
            log.warning("AMI resync not finished; routing resumes anyway",
                        waiting=[n for n, ev in self._resynced.items() if not ev.is_set()])

    def _find_channel(self, node: str, uniqueid: str) -> ami.ChannelSnapshot | None:
        if self.cluster is None or not self.cluster.feeds:
            return None
        feed = self.cluster.feeds.get(node) or next(iter(self.cluster.feeds.values()))
        return feed.tracker.channel(uniqueid)

    def _channel_known(self, uniqueid: str, channel: str) -> bool:
        """Whether a tracked Asterisk has this channel (the IVR queues no phantom call)."""
        if self.cluster is None:
            return True
        return any((snap := feed.tracker.channel(uniqueid)) is not None and snap.name == channel
                   for feed in self.cluster.feeds.values())

    def _locate_node(self, uniqueid: str, channel: str) -> str:
        """The node whose Asterisk has this channel (the AGI environment does not say;
        the channel existed, and was tracked, before its AGI session began)."""
        assert self.cluster is not None
        for node, feed in self.cluster.feeds.items():
            snapshot = feed.tracker.channel(uniqueid)
            if snapshot is not None and snapshot.name == channel:
                return node
        return next(iter(self.cluster.feeds))

    def _reconcile_and_resume(self, step: Step, restored: list[Any]) -> None:
        reconcile(step, restored, self._find_channel)
        step.carry_out(step.router.engine.resume(step.now.mono))

    async def _call_in_loop(self, fn: Any) -> Any:
        """Run ``fn(step)`` inside the routing loop, in order with everything else."""
        assert self.loop is not None
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.loop.submit(InLoop(fn, future))
        return await future

    async def _purge_recordings(self, retention_days: int) -> None:
        """Delete recordings past their retention, at start and every six hours."""
        assert self.store is not None and self.stream is not None
        while True:
            try:
                assert self.recording_files is not None
                deleted = await purge_expired(self.store, self.stream, self.recording_files,
                                              retention_days)
                if deleted:
                    log.info("recordings past their retention deleted", count=deleted)
            except CtiError as exc:
                log.warning("recording retention skipped this time", error=str(exc))
            await asyncio.sleep(6 * 3600)

    # --- what the API and the CLI ask -------------------------------------------------

    def recording(self, file: str | None) -> Path:
        """The file of a recording, for the API to serve (after its access check)."""
        if self.recording_files is None:
            raise NoSuchRecording(f"{file!r}: recordings.dir is not set in cti.yaml")
        return self.recording_files.path(file)

    async def forget_customer(self, customer_id: str, by: str) -> dict[str, Any]:
        """Erase a customer's recordings and personal data (their request)."""
        assert self.store is not None and self.stream is not None
        assert self.recorder is not None
        return await forget_customer(self.store, self.stream, self.recorder,
                                     self.recording_files, customer_id, by)

    @property
    def uptime(self) -> float:
        return time.time() - self.started_at

    def link_up(self, node: str) -> bool:
        client = self._links.get(node)
        return client is not None and client.connected

    # readiness (cti/health.py)

    @property
    def stopping(self) -> bool:
        return self._stopped or (self.router is not None and self.router.draining)

    def links(self) -> dict[str, bool]:
        return {node.name: self.link_up(node.name) for node in self.config.service.ami}

    def agi_listening(self) -> bool:
        return self.agi is not None and self.started and not self._stopped

    def database_up(self) -> bool:
        return self.recorder is None or self.recorder.database_up

    def status(self) -> dict[str, Any]:
        assert self.router is not None and self.loop is not None
        return views.status(self, self.router, self.loop.actions,
                            asyncio.get_running_loop().time())

    def live_calls(self) -> list[dict[str, Any]]:
        return views.live_calls(self.calls, time.time())

    def explain(self, interaction_id: str) -> dict[str, Any]:
        assert self.router is not None
        engine = self.router.engine
        live = self.calls.get(interaction_id)
        if interaction_id not in engine.call_ids():
            if live is None:
                raise NoSuchCall(interaction_id)
            raise CallNotQueued(interaction_id, _WHERE.get(live.phase, live.phase.value))
        now = Now(asyncio.get_running_loop().time(), time.time())
        return views.explain(engine, interaction_id, now, self.config.hours.zone, live)

    async def agent_command(self, agent_id: str, action: str, reason: str | None, *,
                            system: bool = False) -> dict[str, Any]:
        """``system``: the service's own (any reason), not a person's (configured ones)."""
        if self.router is None or self.router.draining:
            raise ServiceUnavailable("the service is stopping; try again after it restarts")
        command = AgentCommand(agent_id, action, reason, system=system)
        self._submit(command)
        return await command.reply

    async def set_endpoint(self, agent_id: str, endpoint: str | None, *,
                           by: str) -> dict[str, Any]:
        """Hot-desking: ring ``endpoint`` for the agent (None: its own); kept across
        restarts."""
        if self.router is None or self.router.draining:
            raise ServiceUnavailable("the service is stopping; try again after it restarts")
        item = EndpointChosen(agent_id, endpoint)
        self._submit(item)
        result = await item.reply
        if self.store is not None:
            own = self.config.agents[agent_id].endpoint
            try:
                await self.store.users.set_desk(
                    agent_id, None if result["endpoint"] == own else result["endpoint"], by=by)
            except CtiError as exc:
                log.warning("hot desk not stored; it holds until a restart", agent_id=agent_id,
                            error=str(exc))
        return result

    async def set_skills(self, agent_id: str, skills: dict[str, int]) -> dict[str, Any]:
        """Replace an agent's skills in the running configuration (until a reload)."""
        if agent_id not in self.config.agents:
            raise NoSuchAgent(agent_id)
        agents = dict(self.config.agents)
        agents[agent_id] = agents[agent_id].model_copy(update={"skills": dict(skills)})
        await self._swap(self.config.model_copy(update={"agents": agents}))
        return {"agent_id": agent_id, "skills": dict(skills)}

    async def _swap(self, new: Config) -> None:
        queues, agents = specs(new)

        def swap(step: Step) -> None:
            decisions = step.router.engine.reconfigure(queues, agents, step.now.mono)
            step.router.config = new
            step.carry_out(decisions)

        await self._call_in_loop(swap)
        self.config = new

    async def reload(self) -> dict[str, Any]:
        """Re-read config and flows; a bad new config is refused and the old one stays."""
        directory = self.config.directory
        try:
            new = load_config(directory)
            if self.overrides is not None:
                new = self.overrides(new)
            flows = _load_flows(new)
        except ConfigError as exc:  # say which directory: the operator may have several
            raise ConfigError([locate(line, directory) for line in exc.errors]) from None
        await self._swap(new)
        self._flows = flows
        if self._host is not None:
            self._host.reconfigure(new)
        if self.cases is not None:
            self.cases.reconfigure(new)
        if self._ivr is not None:
            self._ivr.reconfigure(new, {name: f.flow for name, f in flows.items()})
        if self.api is not None:
            self.api.auth.reconfigure(new)
        if self.monitor is not None:
            self.monitor.reconfigure()
        log.info("configuration reloaded", queues=len(new.queues), agents=len(new.agents))
        return {"queues": len(new.queues), "agents": len(new.agents), "flows": len(flows)}


def _load_flows(config: Config) -> dict[str, Any]:
    try:
        return load_config_flows(config)
    except FlowValidationError as exc:
        raise ConfigError([f"ivr flows: {line}" for line in exc.errors]) from None


async def migrate_database(config_dir: Path) -> list[str]:
    config = load_config(config_dir)
    db = config.service.database
    embedded = EmbeddedPostgres(config.path(db.data_dir)) if db.embedded else None
    dsn = await asyncio.to_thread(embedded.start) if embedded else db.url.get_secret_value()
    try:
        return await migrate(dsn)
    finally:
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)


async def run_service(config_dir: Path, *, flows: Path | None = None) -> int:
    """``cti run``: start, serve until SIGTERM/SIGINT, reload on SIGHUP. ``flows``
    (``--flows``) replaces ``ivr.flows_dir`` of cti.yaml, on reload too."""
    overrides = None if flows is None else flows_override(flows)
    config = load_config(config_dir)
    configure_logging(config.service.log.format, config.service.log.level)
    for warning in config_warnings(config):
        log.warning("configuration", problem=warning)
    lock = InstanceLock(config.directory)
    lock.acquire()  # a second `cti run` on this configuration stops here, touching nothing
    try:
        return await _serve(Service(config, overrides=overrides))
    finally:
        lock.release()


def flows_override(flows: Path) -> Callable[[Config], Config]:
    """A ``Service.overrides`` that reads the IVR flows from ``flows``."""
    flows = flows.resolve()

    def override(config: Config) -> Config:
        service = config.service
        ivr = service.ivr.model_copy(update={"flows_dir": flows})
        return config.model_copy(update={"service": service.model_copy(update={"ivr": ivr})})

    return override


async def _serve(service: Service) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(_reload(service)))
    try:
        await service.start()
    except CtiError:
        await service.stop()
        raise
    except OSError as exc:  # a port in use, an address not on this host
        await service.stop()
        raise ListenFailed(str(exc)) from None
    await stop.wait()
    log.info("stopping: no new offers; draining the IVR, AMI actions and records")
    await service.stop()  # logs what it waits for, step by step
    return 0


async def _reload(service: Service) -> None:
    try:
        await service.reload()
    except CtiError as exc:
        log.error("reload refused; the running configuration stays", errors=str(exc))
