"""``cti demo``: the whole product on one machine, with no Asterisk and no database install.

Starts an embedded PostgreSQL, the simulated PBX (agent phones PJSIP/1001...
that answer like people do, callers arriving at random through the example
IVR flows), a small bookings web service for the self-service flow, and the
service itself; logs the agents in and prints a live status line until
Ctrl-C (or ``--duration`` seconds). Business hours are opened around the
clock so that calls reach agents whatever time it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog
from aiohttp import web

from cti.app import ListenFailed, Service, flows_override
from cti.config import Config, HoursConfig, load_config
from cti.log import configure_logging
from cti.sim.callers import CallHandle
from cti.sim.customers import OutboundProfile
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
#: Known callers (name, number, tier, value): Spanish mobiles, as numbers.default_region
#: ES reads them, so that their callbacks pass the number checks.
DEMO_CUSTOMERS = [
    ("Juan Perez", "+34612345678", "gold", 12000),
    ("Ana Ruiz", "+34622777777", "standard", 800),
    ("Maria Lopez", "+34633000001", "vip", 25000),
    ("Tom Becker", "+34644000002", "standard", 300),
    ("Emma Novak", "+34655000003", "platinum", 40000),
]
#: Seconds callers talk once an agent answers (uniform).
TALK_SECONDS = (10.0, 40.0)
#: Customers a callback reaches: all answer after a few seconds, talk, and hang up.
CALLBACK_CUSTOMERS = OutboundProfile(answer_rate=1.0, busy_rate=0.0, answer_delay=(2.0, 6.0),
                                     machine_rate=0.0, talk_median=20.0, talk_sigma=0.4)


def caller_number(rng: random.Random) -> str:
    """A random Spanish mobile number, +34 6xx xxx xxx."""
    return f"+346{rng.randrange(10**8):08d}"


async def run_demo(config_dir: Path, *, agents: int = 10, calls_per_minute: float = 20.0,
                   duration: float | None = None, flows: Path | None = None) -> int:
    # The simulated PBX takes whatever secret it is given: a random one, unless the
    # caller set CTI_AMI_SECRET (cti.yaml has no default secret on purpose).
    os.environ.setdefault("CTI_AMI_SECRET", secrets.token_urlsafe(18))
    var = config_dir.resolve().parent / "var"
    var.mkdir(exist_ok=True)
    log_path = var / "demo.log"
    lock = InstanceLock(config_dir)
    lock.acquire()  # not beside a `cti run` or another demo on the same configuration
    with contextlib.ExitStack() as cleanup, log_path.open("a", encoding="utf-8") as log_file:
        cleanup.callback(lock.release)
        configure_logging("console", "info", stream=log_file)
        demo = Demo(load_config(config_dir), agents=agents, calls_per_minute=calls_per_minute,
                    flows=flows)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await demo.start()
        except BaseException:
            await demo.stop()
            raise
        print(demo.banner(log_path), flush=True)
        try:
            await demo.show_status(stop, duration)
        finally:
            print("\nstopping: no new calls; the service drains what is under way", flush=True)
            await demo.stop(progress=lambda text: print(f"stopping: {text}", flush=True))
            print("stopped", flush=True)
    return 0


class Demo:
    """The simulated PBX, the service and a bookings web service, with traffic.

    What the demo changes in the configuration (the simulated PBX's AMI address,
    business hours open all week, short wrap-ups, ``--flows``) is ``override``: the
    service applies it to every configuration it reads, so ``cti reload`` keeps it.
    """

    def __init__(self, config: Config, *, agents: int, calls_per_minute: float,
                 flows: Path | None = None, dsn: str | None = None,
                 speed: float = 1.0) -> None:
        self.agent_ids = [a.id for a in config.agents.values() if a.role == "agent"][:agents]
        self.calls_per_minute = calls_per_minute
        self.sim = SimPbx(host="127.0.0.1", ami_port=0, speed=speed,
                          secret=config.service.ami[0].secret.get_secret_value())
        self._read = config
        self._flows = flows
        self._dsn = dsn
        self.config = config
        self.service: Service | None = None
        self.bookings: web.AppRunner | None = None
        self.placed = 0
        self._traffic: asyncio.Task[None] | None = None
        self._rng = random.Random(7)

    def override(self, config: Config) -> Config:
        """What the demo changes in a configuration read from its directory."""
        config = _open_all_week(config)
        node = config.service.ami[0].model_copy(update={"host": "127.0.0.1",
                                                        "port": self.sim.ami_port})
        service = config.service.model_copy(update={"ami": [node]})
        config = config.model_copy(update={"service": service})
        return flows_override(self._flows)(config) if self._flows is not None else config

    async def start(self) -> None:
        await self.sim.start()
        for agent_id in self.agent_ids:
            endpoint = self._read.agents[agent_id].endpoint
            self.sim.add_phone(endpoint, Behaviour.answers(self._rng.uniform(1.5, 4.0)))
        # the trunk of callbacks: the customers it reaches answer, talk and hang up
        self.sim.add_phone("PJSIP/trunk", Behaviour.answers(2.0), context="cti-inbound")
        self.sim.set_outbound_profile(CALLBACK_CUSTOMERS, seed=7)
        self.service = Service(self._read, dsn=self._dsn, overrides=self.override)
        self.config = self.service.config
        try:
            await self.service.start()
        except OSError as exc:
            raise ListenFailed(f"{exc.strerror or exc}; is another demo running?") from None
        assert self.service.agi is not None
        self.sim.core.agi_override = ("127.0.0.1", self.service.agi.port)
        await self._seed_customers()
        self.bookings = await _bookings_service()
        for agent_id in self.agent_ids:
            with contextlib.suppress(Exception):
                await self.service.agent_command(agent_id, "ready", None)
        if self.calls_per_minute > 0:
            self._traffic = asyncio.create_task(self._run_traffic(), name="demo-traffic")

    async def stop(self, progress: Callable[[str], None] | None = None) -> None:
        say = progress or (lambda text: None)
        if self._traffic is not None:
            self._traffic.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._traffic
        if self.service is not None:
            await self.service.stop(progress=say)
        say("stopping the simulated PBX")
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
            f"  {len(self.agent_ids)} agents logged in; about {self.calls_per_minute:g} calls a "
            "minute through ivr_flows/main.yaml (business hours opened 24/7 for the demo).",
            "Ctrl-C stops.",
        ])

    async def show_status(self, stop: asyncio.Event, duration: float | None) -> None:
        started = time.monotonic()
        tty = sys.stdout.isatty()
        every = 1.0 if tty else 5.0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            if tty:
                width = shutil.get_terminal_size((80, 24)).columns
                print(status_update(self.status_line(width)), end="", flush=True)
            else:
                print(self.status_line(None), flush=True)
            if duration is not None and time.monotonic() - started >= duration:
                break

    def status_line(self, width: int | None) -> str:
        assert self.service is not None
        return format_status_line(self.service.status(), self.placed, width,
                                  time.strftime("%H:%M:%S"))

    def place_call(self, digits: list[str] | None = None, *, patience: float | None = None,
                   talk_seconds: float | None = None, number: str | None = None) -> CallHandle:
        """One caller, as the demo's traffic places them: a known customer 30 % of the
        time, else a random Spanish mobile."""
        self.placed += 1
        if number is None:
            number = self._rng.choice(DEMO_CUSTOMERS)[1] if self._rng.random() < 0.3 \
                else caller_number(self._rng)
        paths, weights = zip(*PATHS, strict=True)
        return self.sim.place_call(
            number, f"Caller {self.placed}", "900",
            digits=digits if digits is not None else list(self._rng.choices(paths, weights)[0]),
            patience=patience if patience is not None else self._rng.expovariate(1 / 90.0),
            talk_seconds=talk_seconds if talk_seconds is not None
            else self._rng.uniform(*TALK_SECONDS))

    async def _run_traffic(self) -> None:
        rate = self.calls_per_minute / 60.0
        while True:
            await asyncio.sleep(self._rng.expovariate(rate))
            self.place_call()

    async def _seed_customers(self) -> None:
        assert self.service is not None and self.service.store is not None
        customers = self.service.store.customers
        for name, number, tier, value in DEMO_CUSTOMERS:
            if not await customers.find_by_phone(number):
                await customers.create(name, tier=tier, value=value, phones=[number])


# --- the status line ---------------------------------------------------------------------

#: Shorter labels for a narrow terminal.
_SHORT = {"waiting": "wait", "ringing": "ring", "talking": "talk", "answered": "ans",
          "abandoned": "aband", "agents ready": "ready", "on call": "oncall",
          "wrap-up": "wrap"}
#: The counts left out, in this order, while the line is still too wide.
_DROP_ORDER = ("placed", "ringing", "ivr", "abandoned", "wrap-up", "on call", "talking")


def format_status_line(status: dict[str, Any], placed: int, width: int | None,
                       clock: str) -> str:
    """``[14:40:57] placed 8  ivr 0  waiting 0 ... | agents ready 2  on call 8  wrap-up 0``,
    made to fit ``width`` columns: shorter labels first, then fewer counts, then cut."""
    calls, agents = status["calls"], status["agents_by_state"]
    # The centre's day: counts added over the queues, then one service level weighted
    # by calls (cti/reports/definitions.py), never a mean of the queues' levels.
    today = status["centre"]["today"]
    level = today["service_level"]
    groups: list[list[tuple[str, str]]] = [
        [("placed", str(placed)), ("ivr", str(calls["ivr"])),
         ("waiting", str(calls["waiting"])), ("ringing", str(calls["ringing"])),
         ("talking", str(calls["talking"]))],
        [("answered", str(today["answered"])), ("abandoned", str(today["abandoned"])),
         ("SL", "-" if level is None else f"{level:.0f}%")],
        [("agents ready", str(agents.get("READY", 0))),
         ("on call", str(agents.get("ON_CALL", 0))),
         ("wrap-up", str(agents.get("WRAP_UP", 0)))],
    ]

    def render(short: bool) -> str:
        gap, bar = (" ", " | ") if short else ("  ", "  |  ")
        return f"[{clock}] " + bar.join(
            gap.join(f"{_SHORT.get(label, label) if short else label} {value}"
                     for label, value in group)
            for group in groups if group)

    room = None if width is None else max(width - 1, 10)  # the last column would wrap
    line = render(short=False)
    if room is None or len(line) <= room:
        return line
    line = render(short=True)
    for label in _DROP_ORDER:
        if len(line) <= room:
            break
        groups = [[item for item in group if item[0] != label] for group in groups]
        line = render(short=True)
    return line[:room].rstrip(" |")


def status_update(line: str) -> str:
    """What rewrites the status line in place: back to column 0, the line, then erase
    what a longer line before left on the right."""
    return "\r" + line + "\x1b[K"


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
