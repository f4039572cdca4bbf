"""``cti demo``: the whole product on one machine, with no Asterisk and no database install.

Starts an embedded PostgreSQL, the simulated PBX (agent phones PJSIP/1001...
that answer like people do, callers arriving at random through the example
IVR flows), a small bookings web service for the self-service flow, and the
service itself; makes the users of the agent desktop and the wallboard
(lucia and carmen, with a password printed at start), logs the other agents in
and prints a live status line until Ctrl-C (or ``--duration`` seconds). Business
hours are opened around the clock so that calls reach agents whatever time it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import signal
import sys
import time
from pathlib import Path

import structlog
from aiohttp import web

from cti.api import accounts
from cti.app import Service
from cti.config import Config, HoursConfig, load_config
from cti.log import configure_logging
from cti.sim.phones import Behaviour
from cti.sim.server import SimPbx
from cti.store.locks import InstanceLock

log = structlog.get_logger(__name__)

#: Menu paths callers take through ivr_flows/main.yaml, with their weights.
PATHS: list[tuple[list[str], int]] = [
    (["1", "1"], 30),         # bookings: new booking
    (["2", "1"], 15),         # changes
    (["2", "2"], 10),         # cancellations
    (["3"], 15),              # billing
    (["4"], 8),               # complaints
    (["1", "2", "123456"], 12),  # self-service booking status
    (["0"], 10),              # anything else
]
#: The people who sign in to the pages the demo serves: user, role, and the agent whose
#: desk it takes (the desk agent is left for the person to log in; the others work alone).
DEMO_USERS = (("lucia", "agent"), ("carmen", "supervisor"))
DEMO_CUSTOMERS = [
    ("Juan Perez", "5551234", "gold", 12000),
    ("Ana Ruiz", "5557777", "standard", 800),
    ("Maria Lopez", "5550001", "vip", 25000),
    ("Tom Becker", "5550002", "standard", 300),
    ("Emma Novak", "5550003", "platinum", 40000),
]


async def run_demo(config_dir: Path, *, agents: int = 10, calls_per_minute: float = 20.0,
                   duration: float | None = None) -> int:
    # The simulated PBX takes whatever secret it is given: a random one, unless the
    # caller set CTI_AMI_SECRET (config/cti.yaml has no default secret on purpose).
    os.environ.setdefault("CTI_AMI_SECRET", secrets.token_urlsafe(18))
    var = config_dir.resolve().parent / "var"
    var.mkdir(exist_ok=True)
    log_path = var / "demo.log"
    lock = InstanceLock(config_dir)
    lock.acquire()  # not beside a `cti run` or another demo on the same configuration
    with contextlib.ExitStack() as cleanup, log_path.open("a", encoding="utf-8") as log_file:
        cleanup.callback(lock.release)
        configure_logging("console", "info", stream=log_file)
        demo = Demo(load_config(config_dir), agents=agents, calls_per_minute=calls_per_minute)
        await demo.start()
        print(demo.banner(log_path), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await demo.show_status(stop, duration)
        finally:
            print("\nstopping...", flush=True)
            await demo.stop()
    return 0


class Demo:
    def __init__(self, config: Config, *, agents: int, calls_per_minute: float) -> None:
        self.config = _open_all_week(config)
        supervisors = {m for u in self.config.units.values() if u.kind == "supervisors"
                       for m in u.members}
        self.agent_ids = [a for a in self.config.agents if a not in supervisors][:agents]
        self.desk_agent = self.agent_ids[0] if self.agent_ids else None
        self.supervisor = min(supervisors & set(self.config.agents), default=None)
        #: The demo users' password: CTI_DEMO_PASSWORD, else a new one each start.
        self.password = os.environ.get("CTI_DEMO_PASSWORD") or secrets.token_urlsafe(9)
        self.calls_per_minute = calls_per_minute
        self.sim = SimPbx(host="127.0.0.1", ami_port=0,
                          secret=config.service.ami[0].secret.get_secret_value())
        self.service: Service | None = None
        self.bookings: web.AppRunner | None = None
        self.placed = 0
        self._traffic: asyncio.Task[None] | None = None
        self._rng = random.Random(7)

    async def start(self) -> None:
        await self.sim.start()
        for agent_id in self.agent_ids:
            endpoint = self.config.agents[agent_id].endpoint
            self.sim.add_phone(endpoint, Behaviour.answers(self._rng.uniform(1.5, 4.0)))
        if self.supervisor is not None:   # listen, whisper, barge ring the supervisor
            self.sim.add_phone(self.config.agents[self.supervisor].endpoint,
                               Behaviour.answers(1.0))
        # the trunk of callbacks: customers answer after 2 s
        self.sim.add_phone("PJSIP/trunk", Behaviour.answers(2.0), context="cti-inbound")
        node = self.config.service.ami[0].model_copy(update={"port": self.sim.ami_port})
        service_config = self.config.model_copy(update={"service": self.config.service.model_copy(
            update={"ami": [node]})})
        self.service = Service(service_config)
        try:
            await self.service.start()
        except OSError as exc:
            raise SystemExit(f"cti demo: cannot listen: {exc}; is another demo running?") from None
        assert self.service.agi is not None
        self.sim.core.agi_override = ("127.0.0.1", self.service.agi.port)
        await self._seed_customers()
        await self._add_users()
        self.bookings = await _bookings_service()
        for agent_id in self.agent_ids:
            if agent_id == self.desk_agent:
                continue   # the person at the desktop logs in
            with contextlib.suppress(Exception):
                await self.service.agent_command(agent_id, "ready", None)
        self._traffic = asyncio.create_task(self._run_traffic(), name="demo-traffic")

    async def stop(self) -> None:
        if self._traffic is not None:
            self._traffic.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._traffic
        if self.service is not None:
            await self.service.stop()
        await self.sim.stop()
        if self.bookings is not None:
            await self.bookings.cleanup()

    def banner(self, log_path: Path) -> str:
        assert self.service is not None
        s = self.service
        http = f"http://{self.config.service.http.host}:{s.http_port}"
        pg = s.embedded
        dsn = pg.display_dsn if pg else "(external)"
        return "\n".join([
            "cti demo: a simulated PBX, the CTI service and embedded PostgreSQL are running.",
            f"  HTTP API        {http}/api/v1/status   (try: .venv/bin/cti status --url {http})",
            f"  AMI (simulated) 127.0.0.1:{self.sim.ami_port}  user cti",
            f"  FastAGI         127.0.0.1:{s.agi.port if s.agi else '-'}",
            f"  PostgreSQL      {dsn}",
            *([f"                  psql: PGPASSFILE={pg.password_file} psql {pg.display_dsn}"]
              if pg else []),
            f"  log             {log_path}",
            *self._sign_in_lines(http),
            f"  {len(self.agent_ids) - 1} agents ready; about {self.calls_per_minute:g} calls a "
            "minute through ivr_flows/main.yaml (business hours opened 24/7 for the demo).",
            "Ctrl-C stops.",
        ])

    def _sign_in_lines(self, http: str) -> list[str]:
        lines = []
        if self.desk_agent is not None:
            agent = self.config.agents[self.desk_agent]
            lines.append(f"  Agent desktop   {http}/           sign in as lucia, password "
                         f"{self.password} ({agent.name}, {self.desk_agent}: log in, then "
                         "Ready)")
        if self.supervisor is not None:
            lines.append(f"  Wallboard       {http}/wallboard  sign in as carmen, password "
                         f"{self.password} (supervisor of every queue)")
        return lines

    async def show_status(self, stop: asyncio.Event, duration: float | None) -> None:
        started = time.monotonic()
        tty = sys.stdout.isatty()
        every = 1.0 if tty else 5.0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            line = self.status_line()
            print(("\r" + line.ljust(110)) if tty else line, end="" if tty else "\n",
                  flush=True)
            if duration is not None and time.monotonic() - started >= duration:
                break

    def status_line(self) -> str:
        assert self.service is not None
        status = self.service.status()
        calls, agents = status["calls"], status["agents_by_state"]
        answered = sum(q["answered"] for q in status["queues"])
        abandoned = sum(q["abandoned"] for q in status["queues"])
        levels = [q["service_level"] for q in status["queues"] if q["service_level"] is not None]
        sl = f"{sum(levels) / len(levels):.0f}%" if levels else "-"
        return (f"[{time.strftime('%H:%M:%S')}] placed {self.placed}  ivr {calls['ivr']}  "
                f"waiting {calls['waiting']}  ringing {calls['ringing']}  "
                f"talking {calls['talking']}  | answered {answered}  abandoned {abandoned}  "
                f"SL {sl}  | agents ready {agents.get('READY', 0)}  "
                f"on call {agents.get('ON_CALL', 0)}  wrap-up {agents.get('WRAP_UP', 0)}")

    async def _run_traffic(self) -> None:
        rate = self.calls_per_minute / 60.0
        paths, weights = zip(*PATHS, strict=True)
        known = [c[1] for c in DEMO_CUSTOMERS]
        while True:
            await asyncio.sleep(self._rng.expovariate(rate))
            self.placed += 1
            number = self._rng.choice(known) if self._rng.random() < 0.3 \
                else f"555{self._rng.randrange(10**4):04d}"
            self.sim.place_call(number, f"Caller {self.placed}", "900",
                                digits=list(self._rng.choices(paths, weights)[0]),
                                patience=self._rng.expovariate(1 / 90.0),
                                talk_seconds=self._rng.uniform(10.0, 40.0))

    async def _add_users(self) -> None:
        """The demo's users (again with this run's password when they exist)."""
        assert self.service is not None and self.service.store is not None
        store, config = self.service.store, self.config
        agents = {"agent": self.desk_agent, "supervisor": self.supervisor}
        pools = tuple(u.id for u in config.units.values() if u.kind == "pool")
        for user_id, role in DEMO_USERS:
            agent_id = agents[role]
            if agent_id is None:
                continue
            if await store.users.get(user_id) is not None:
                await accounts.set_password(store, user_id, self.password)
                continue
            extra = {"queues": tuple(config.queues), "units": pools} \
                if role == "supervisor" else {}
            await accounts.add_user(store, config, user_id, role=role, password=self.password,
                                    name=config.agents[agent_id].name, agent_id=agent_id,
                                    **extra)

    async def _seed_customers(self) -> None:
        assert self.service is not None and self.service.store is not None
        customers = self.service.store.customers
        for name, number, tier, value in DEMO_CUSTOMERS:
            if not await customers.find_by_phone(number):
                await customers.create(name, tier=tier, value=value, phones=[number])


def _open_all_week(config: Config) -> Config:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours = HoursConfig(timezone=config.hours.timezone,
                        weekly={d: ["00:00-24:00"] for d in days})
    queues = {name: q.model_copy(update={"wrapup": min(q.wrapup, 5)})
              for name, q in config.queues.items()}
    return config.model_copy(update={"hours": hours, "queues": queues})


async def _bookings_service() -> web.AppRunner | None:
    """The business web service the booking_status flow asks (127.0.0.1:8090)."""
    statuses = ["confirmed", "pending", "cancelled"]

    async def booking(request: web.Request) -> web.Response:
        ref = request.match_info["ref"]
        if not ref.isdigit() or ref.endswith("0"):
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response({"status": statuses[int(ref) % 3],
                                  "departure_date": "2027-03-14", "balance_due": 240.5})

    app = web.Application()
    app.router.add_get("/bookings/{ref}", booking)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 8090).start()
    except OSError:
        log.warning("port 8090 busy: the self-service flow will fall back to agents")
        await runner.cleanup()
        return None
    return runner
