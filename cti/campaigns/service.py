"""The campaigns' facade: what the API and the CLI call, and the contact feeder.

Commands that change what is dialled run inside the routing loop (an
``InLoop`` item, like call control), so a campaign's state and its calls never
race: create, start, pause, stop, do-not-call additions, preview decisions.
Lists are imported here (all rows in one transaction, or none), and a task
keeps each running campaign's buffer of due contacts filled from PostgreSQL.

    campaigns = CampaignService(loop, store, config=lambda: service.config)
    await campaigns.start()                       # puts running campaigns back
    await campaigns.create({"name": "renewals", "mode": "predictive", ...}, by="admin")
    await campaigns.import_contacts("renewals", text, ["number=Phone"], by="admin")
    await campaigns.start_campaign("renewals", by="admin")
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import structlog

from acd.pacing import Pacer
from acd.pacing.rules import WindowKind
from cti.ami.events import ChannelSnapshot
from cti.campaigns import events as ce
from cti.campaigns.contacts import ColumnMapping, read_contacts
from cti.campaigns.dialer import CampaignRun, Contact, RunStatus
from cti.campaigns.errors import (
    CampaignExists,
    CampaignNotValid,
    CampaignStateRefused,
    ImportRejected,
    NoSuchCampaign,
)
from cti.campaigns.models import (
    CampaignDefinition,
    caller_id_e164,
    check_against,
    pacing_spec,
    parse_definition,
)
from cti.campaigns.windows import CallWindow
from cti.config import Config
from cti.errors import BadRequest, ServiceUnavailable
from cti.numbers import NumberRefused
from cti.routing import InLoop, Step
from cti.routing import campaign_admin as admin
from cti.routing import items as cc
from cti.routing.router import RoutingLoop
from cti.store import Store
from cti.store.campaigns import NewContact, StoredCampaign

log = structlog.get_logger("cti.campaigns")

#: Seconds between two looks at the contact buffers.
FEED_INTERVAL = 0.25
#: Seconds between two fetches for a campaign whose list had nothing due.
EXHAUSTED_RETRY = 2.0
REPLY_TIMEOUT = 10.0
#: Modes whose agents are kept connected between calls.
LINE_MODES = ("progressive", "predictive")


class CampaignService:
    """Args:
        loop: the routing loop (its router holds the running campaigns).
        store: PostgreSQL.
        config: the running configuration (it changes on reload).
        flows: the IVR flows' names (for agentless campaigns).
        channels: the channels Asterisk has now (agents' lines survive a restart).
        control: call control, for callbacks agreed in a campaign call.
    """

    def __init__(self, loop: RoutingLoop, store: Store, *, config: Callable[[], Config],
                 flows: Callable[[], set[str]] | None = None,
                 channels: Callable[[], list[ChannelSnapshot]] | None = None,
                 control: Any = None) -> None:
        self._loop = loop
        self._store = store
        self._config = config
        self._flows = flows
        self._channels = channels
        self._control = control
        self._task: asyncio.Task[None] | None = None
        self._fetched_at: dict[str, float] = {}
        self._statuses: dict[str, str] = {}
        self._lock = asyncio.Lock()

    @property
    def dialer(self) -> Any:
        return self._loop.router.dialer

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Put back the campaigns that were running or paused, and the agents' lines
        Asterisk still has; then keep the contact buffers filled."""
        if self._channels is not None:
            await self._in_loop(lambda step: admin.adopt_lines(step, self._channels()))
        restored = []
        for stored in await self._store.campaigns.all():
            if stored.status in ("running", "paused"):
                try:
                    await self._install(stored, restart=True)
                    restored.append(stored.name)
                except CampaignNotValid as exc:
                    log.error("campaign not resumed: its definition no longer fits the "
                              "configuration", campaign=stored.name, error=str(exc))
        self._task = asyncio.create_task(self._feed(), name="campaign-feeder")
        if restored:
            log.info("campaigns resumed", campaigns=restored)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # --- commands ------------------------------------------------------------------------

    async def create(self, raw: Any, *, by: str) -> dict[str, Any]:
        """Validate a definition and keep it (status created)."""
        definition = self._checked(raw)
        name = definition.name
        if not await self._store.campaigns.insert(name, definition.public(), by, _now()):
            raise CampaignExists(name)
        await self._in_loop(lambda step: step.emit(
            ce.CampaignCreated, campaign=name, definition=definition.public(), by=by,
            queue=definition.queue))
        return {"campaign": name, "status": "created", "definition": definition.public()}

    async def import_contacts(self, name: str, text: str, mapping: Iterable[str] = (), *,
                              by: str, source: str = "upload",
                              skip_duplicates: bool = False) -> dict[str, Any]:
        """Check every row of a CSV list, then write them all in one transaction."""
        async with self._lock:
            stored = await self._campaign(name)
            status = self._status(stored)
            if status in ("stopped", "finished"):
                raise CampaignStateRefused(f"campaign {name} is {status}; create a new "
                                           "campaign for a new list")
            columns = ColumnMapping.parse(mapping)
            policy = self._config().service.numbers.policy()
            in_campaign = await self._store.campaigns.numbers(name)
            first = read_contacts(text, columns, policy, source=source,
                                  in_campaign=in_campaign, elsewhere={},
                                  skip_duplicates=skip_duplicates)
            elsewhere = await self._store.campaigns.numbers_elsewhere(
                name, [r.number for r in first.rows])
            result = first if not elsewhere else read_contacts(
                text, columns, policy, source=source, in_campaign=in_campaign,
                elsewhere=elsewhere, skip_duplicates=skip_duplicates)
            import_id = uuid.uuid4()
            contacts = [NewContact(uuid.uuid4(), r.line, r.number, r.time_zones, r.name,
                                   r.attributes) for r in result.rows]
            try:
                count = await self._store.campaigns.import_contacts(name, contacts, import_id,
                                                                    _now())
            except Exception as exc:  # a concurrent import took a number meanwhile
                if "campaign_contacts_campaign_number_key" in str(exc):
                    raise ImportRejected(source, [(0, "a number of this list was imported "
                                                      "meanwhile; import it again")]) from None
                raise
        await self._in_loop(lambda step: admin.imported(step, name, import_id, count,
                                                   len(result.skipped), source, by))
        return {"campaign": name, "imported": count, "skipped": len(result.skipped),
                "skipped_rows": [{"line": line, "reason": why}
                                 for line, why in result.skipped[:100]],
                "import_id": str(import_id)}

    async def add_dnc(self, numbers: Iterable[str], *, campaign: str | None = None, by: str,
                      source: str = "api") -> dict[str, Any]:
        """Add numbers to the system's do-not-call list, or a campaign's. Every number
        is read as the centre reads numbers; one that cannot be is refused."""
        if campaign is not None:
            await self._campaign(campaign)
        region = self._config().service.numbers.default_region
        from cti.numbers import parse

        checked, bad = [], []
        for i, text in enumerate(numbers, start=1):
            if not text.strip():
                continue
            try:
                checked.append(parse(text, region).e164)
            except NumberRefused as exc:
                bad.append(f"number {i} ({text!r}): {exc.detail}")
        if bad:
            raise BadRequest("\n".join([*bad[:20], f"nothing added ({len(bad)} bad number(s))"]))
        scope = campaign or ""
        added = await self._store.campaigns.add_dnc(scope, checked, by, source, _now())
        numbers_set = set(checked)
        await self._in_loop(lambda step: admin.dnc_added(step, scope, numbers_set, added,
                                                         source, by))
        return {"scope": campaign or "system", "added": added,
                "already": len(numbers_set) - added}

    async def start_campaign(self, name: str, *, by: str) -> dict[str, Any]:
        """Start (or resume) dialing."""
        async with self._lock:
            stored = await self._campaign(name)
            status = self._status(stored)
            if status == "running":
                raise CampaignStateRefused(f"campaign {name} is running already")
            if status in ("stopped", "finished"):
                raise CampaignStateRefused(f"campaign {name} is {status}; create a new "
                                           "campaign to call again")
            if status == "paused" and name in self.dialer.runs:
                await self._in_loop(lambda step: admin.set_status(
                    step, name, RunStatus.RUNNING, by, None))
            else:
                await self._install(stored, by=by)
            self._statuses[name] = "running"
        return {"campaign": name, "status": "running"}

    async def pause(self, name: str, *, by: str, reason: str | None = None) -> dict[str, Any]:
        async with self._lock:
            stored = await self._campaign(name)
            status = self._status(stored)
            if status != "running" or name not in self.dialer.runs:
                raise CampaignStateRefused(f"campaign {name} is {status}, not running")
            await self._in_loop(lambda step: admin.set_status(step, name, RunStatus.PAUSED,
                                                              by, reason))
            self._statuses[name] = "paused"
        return {"campaign": name, "status": "paused"}

    async def stop_campaign(self, name: str, *, by: str,
                            reason: str | None = None) -> dict[str, Any]:
        """Stop for good: no new call; the calls under way end normally."""
        async with self._lock:
            stored = await self._campaign(name)
            status = self._status(stored)
            if status in ("stopped", "finished"):
                raise CampaignStateRefused(f"campaign {name} is {status} already")
            await self._in_loop(lambda step: admin.stop(step, name, status, by, reason,
                                                        "stopped"))
            self._statuses[name] = "stopped"
        return {"campaign": name, "status": "stopped"}

    def _status(self, stored: StoredCampaign) -> str:
        """The campaign's status: what this service last made it (its event may not be
        stored yet), else the stored one."""
        run = self.dialer.runs.get(stored.name)
        if run is not None and run.status is RunStatus.STOPPING:
            return "stopped"
        return self._statuses.get(stored.name, stored.status)

    async def preview_decision(self, agent_id: str, decision: str, *, by: str,
                               client_id: str | None = None) -> dict[str, Any]:
        """The agent dials (``dial``) or skips (``skip``) the contact it previews."""
        if self._loop.router.draining:
            raise ServiceUnavailable("the service is stopping; try again after it restarts")
        command = cc.PreviewDecision(agent_id=agent_id, decision=decision, by=by,
                                     client_id=client_id)
        self._loop.submit(command)
        return await asyncio.wait_for(command.reply, REPLY_TIMEOUT)

    async def schedule_callback(self, interaction_id: str, due_at: datetime | float, *,
                                agent_id: str | None = None, note: str | None = None,
                                by: str) -> dict[str, Any]:
        """A callback agreed in a campaign call: the contact's number, the campaign's
        queue, for ``agent_id`` only when given (kept across restarts by call control)."""
        if self._control is None:
            raise ServiceUnavailable("call control is not running")
        row = await self._store.interactions.get(uuid.UUID(interaction_id)) \
            if _is_uuid(interaction_id) else None
        attempt = self.dialer.attempt(interaction_id)
        number = attempt.contact.number if attempt else (row.caller_number if row else None)
        campaign = attempt.run if attempt else None
        if campaign is None and row is not None:
            campaign = await self._campaign_of(interaction_id)
        if number is None or campaign is None:
            raise BadRequest(f"interaction {interaction_id} is not a campaign call")
        stored = await self._campaign(campaign)
        queue = stored.definition.get("queue")
        if not queue:
            raise BadRequest(f"campaign {campaign} has no queue to call back through")
        return await self._control.schedule_callback(
            number, due_at, queue, agent_id=agent_id, note=note, interaction_id=interaction_id,
            by=by)

    # --- reading -------------------------------------------------------------------------

    async def status(self, name: str | None = None) -> list[dict[str, Any]]:
        """Each campaign (or one): status, contacts by status, live figures."""
        stored = [await self._campaign(name)] if name else await self._store.campaigns.all()
        counts = await self._store.campaigns.contact_counts(name)
        now = asyncio.get_running_loop().time()
        out = []
        for campaign in stored:
            run = self.dialer.runs.get(campaign.name)
            item: dict[str, Any] = {
                "campaign": campaign.name, "status": self._status(campaign),
                "mode": campaign.definition.get("mode"),
                "queue": campaign.definition.get("queue"),
                "contacts": counts.get(campaign.name, {}),
                "started_at": _iso(campaign.started_at),
                "status_at": _iso(campaign.status_at),
                "status_reason": campaign.status_reason}
            if run is not None:
                item["live"] = self.dialer.view(run, now)
            out.append(item)
        return out

    async def detail(self, name: str) -> dict[str, Any]:
        item = (await self.status(name))[0]
        stored = await self._campaign(name)
        item["definition"] = stored.definition
        item["outcomes"] = await self._store.campaigns.outcome_counts(name)
        return item

    def explain(self, name: str) -> dict[str, Any]:
        """Why the pacer places N lines now (the last pacing step)."""
        import dataclasses

        run = self.dialer.runs.get(name)
        if run is None or run.pacer is None:
            raise CampaignStateRefused(f"campaign {name} is not being paced now (not running, "
                                       "or agentless)")
        e = run.pacer.explain(asyncio.get_running_loop().time())
        return {"campaign": name, "explanation": e.describe(),
                "figures": dataclasses.asdict(e)}

    async def contacts(self, name: str, status: str | None = None, limit: int = 100,
                       offset: int = 0) -> list[dict[str, Any]]:
        await self._campaign(name)
        return [_jsonable(r) for r in
                await self._store.campaigns.contacts(name, status, limit, offset)]

    async def attempts(self, name: str, limit: int = 100,
                       offset: int = 0) -> list[dict[str, Any]]:
        await self._campaign(name)
        return [_jsonable(r) for r in
                await self._store.campaigns.attempts(name, limit, offset)]

    # --- inside -------------------------------------------------------------------------

    def _checked(self, raw: Any) -> CampaignDefinition:
        definition = parse_definition(raw)
        flows = self._flows() if self._flows is not None else None
        problems = check_against(definition, self._config(), flows)
        if problems:
            raise CampaignNotValid(problems)
        return definition

    async def _campaign(self, name: str) -> StoredCampaign:
        stored = await self._store.campaigns.get(name)
        if stored is None:
            raise NoSuchCampaign(name)
        return stored

    async def _campaign_of(self, interaction_id: str) -> str | None:
        rows = await self._store.campaigns._db.fetch(
            "SELECT campaign FROM campaign_attempts WHERE interaction_id = $1",
            uuid.UUID(interaction_id))
        return rows[0]["campaign"] if rows else None

    async def _install(self, stored: StoredCampaign, *, restart: bool = False,
                       by: str = "service") -> None:
        """Build the campaign's run (its pacer with the legal window restored) and hand it
        to the routing loop."""
        config = self._config()
        definition = self._checked(stored.definition)
        loop = asyncio.get_running_loop()
        now_mono, now_wall = loop.time(), time.time()
        started = stored.started_at.timestamp() if stored.started_at else now_wall
        pacer = None
        if definition.mode != "agentless":
            spec = pacing_spec(definition, config)
            pacer = Pacer(spec, now=now_mono - (now_wall - started),
                          id_prefix=f"{definition.name}-{self.dialer.run_id}")
            span = spec.rules.window if spec.rules.window_kind is WindowKind.ROLLING \
                else min(spec.rules.window, now_wall - started + 1)
            since = datetime.fromtimestamp(now_wall - max(span, spec.smoothing_window or 0,
                                                          3600.0), UTC)
            outcomes = await self._store.campaigns.window_outcomes(definition.name, since)
            pacer.restore_window((now_mono - (now_wall - at.timestamp()), outcome)
                                 for at, outcome in outcomes)
        open_attempts = await self._store.campaigns.open_attempts(definition.name)
        run = CampaignRun(
            definition=definition, pacer=pacer,
            window=CallWindow.of(definition.window, config.hours.timezone),
            caller_id=caller_id_e164(definition, config), agents=frozenset(),
            uses_lines=definition.mode in LINE_MODES and config.service.outbound.agent_lines,
            status=RunStatus.PAUSED if stored.status == "paused" else RunStatus.RUNNING)
        previous = stored.status
        await self._in_loop(lambda step: admin.install(step, run, previous, by, restart,
                                                    open_attempts))

    async def _in_loop(self, fn: Callable[[Step], Any]) -> Any:
        if self._loop.router.draining:
            raise ServiceUnavailable("the service is stopping; try again after it restarts")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._loop.submit(InLoop(fn, future))
        return await asyncio.wait_for(future, REPLY_TIMEOUT)

    async def _feed(self) -> None:
        """Keep every running campaign's buffer of due contacts filled; finish the
        campaigns whose list is done."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                for run in list(self.dialer.runs.values()):
                    await self._feed_run(run, loop.time())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is down: try again soon
                log.warning("campaign contacts not fetched", error=str(exc))
                await asyncio.sleep(1.0)
            await asyncio.sleep(FEED_INTERVAL)

    async def _feed_run(self, run: CampaignRun, now: float) -> None:
        if run.status is RunStatus.STOPPING:
            return
        if not run.wants_contacts():
            return
        if run.exhausted and now - self._fetched_at.get(run.name, 0.0) < EXHAUSTED_RETRY:
            return
        self._fetched_at[run.name] = now
        run.fetching = True
        try:
            want = max(10, 2 * run.max_lines()) - len(run.ready)
            skip = [uuid.UUID(c) for c in run.held]
            rows = await self._store.campaigns.due(run.name, _now(), want, skip)
        except BaseException:
            run.fetching = False
            raise
        contacts = [Contact(str(r.id), r.number, tuple(r.time_zones), r.name,
                            {k: str(v) for k, v in r.attributes.items()}, r.attempts,
                            dict(r.outcome_attempts), r.dnc) for r in rows]
        exhausted = len(rows) < want
        finished = False
        if exhausted and not rows and not run.ready and run.in_flight() == 0:
            open_, total = await self._store.campaigns.open_work(run.name)
            finished = open_ == 0 and total > 0   # an empty list waits for its import
        await self._in_loop(lambda step: admin.add_contacts(step, run.name, contacts,
                                                            exhausted, finished))
        if finished:
            self._statuses[run.name] = "finished"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else
                str(v) if isinstance(v, uuid.UUID) else v) for k, v in row.items()}

