"""The WebSocket hub: the bus's domain events to every desktop that may see them.

One task reads the bus (fed by the journal: only events on disk arrive). Each
event is serialised once, kept in the replay buffer and offered to every
desktop; ``Desktop.send`` only appends to that desktop's bounded queue, so the
hub, and the routing loop behind the bus, never wait for a desktop.

The hub also
- pushes ``stats`` to supervisors and admins: the queues and agents whose
  figures changed (``Engine.take_changes``), at most ``api.stats_per_second``;
- watches tokens (``expiring``, then close 4003) and revocations (close 4004);
- counts each agent's desktops: when the last one has been gone for
  ``auth.desktop_grace`` seconds while the agent is READY, the agent is paused
  with reason ``disconnected``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import structlog

from acd.states import AgentState
from cti.api.audience import may_see
from cti.api.board import Board
from cti.api.desktop import CLOSE_EXPIRED, CLOSE_FORBIDDEN, Desktop, frame, text_frame
from cti.api.index import EventIndex
from cti.api.policy import Policy, Principal, Role
from cti.api.replay import ReplayBuffer
from cti.bus import EventBus
from cti.config import Config
from cti.events import DomainEvent, iso

log = structlog.get_logger(__name__)

#: Seconds before a token's expiry when the desktop is told to renew it.
EXPIRING_NOTICE = 300.0
TICK = 1.0
#: Desktops written to between two yields to the event loop.
CHUNK = 200

Pause = Callable[[str], Awaitable[Any]]
Revalidate = Callable[[Principal], Awaitable[None]]


class Hub:
    def __init__(self, *, config: Callable[[], Config], policy: Callable[[], Policy],
                 board: Board, epoch: Callable[[], str], pause_disconnected: Pause,
                 revalidate: Revalidate, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._policy = policy
        self.board = board
        self._epoch = epoch
        self._pause = pause_disconnected
        self._revalidate = revalidate
        self._clock = clock
        api = config().service.api
        self.replay = ReplayBuffer(api.replay_events)
        self.index = EventIndex()
        self.desktops: set[Desktop] = set()
        self._by_agent: dict[str, set[Desktop]] = {}
        #: Who may see an event depends only on these; desktops with the same key see
        #: the same events, so the policy is asked once per key, not per desktop.
        self._agent_desks: dict[str, set[Desktop]] = {}        #: agents' own, by agent
        self._groups: dict[tuple[Any, ...], set[Desktop]] = {}  #: everyone else, by key
        self._gone_since: dict[str, float] = {}     #: agent -> when its last desktop left
        self._staff = 0                             #: desktops of supervisors and admins
        self._last_seq = 0
        self._tasks: list[asyncio.Task[Any]] = []
        self._stats_sent: dict[str, dict[str, Any]] = {}  #: last figures pushed, by key
        self._pending: set[asyncio.Task[Any]] = set()
        self._text, self._data = "", b""
        self.fanout_seconds: deque[float] = deque(maxlen=1000)  #: the last fan-outs' time
        self.delivered = 0

    @property
    def last_seq(self) -> int:
        return self._last_seq

    # --- lifecycle -----------------------------------------------------------------------

    def start(self, bus: EventBus, last_seq: int) -> None:
        """Read ``bus`` from now on; ``last_seq`` is the stream's newest event so far."""
        self._last_seq = last_seq
        subscription = bus.subscribe(maxsize=100_000)
        self._tasks = [asyncio.create_task(self._consume(bus, subscription), name="hub"),
                       asyncio.create_task(self._tick(), name="hub-tick"),
                       asyncio.create_task(self._push_stats(), name="hub-stats")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for desktop in list(self.desktops):
            await desktop.close(1001, "the service is stopping")
            await desktop.stop()

    # --- desktops ------------------------------------------------------------------------

    def attach(self, desktop: Desktop) -> None:
        """From now on ``desktop`` gets what it may see (call synchronously with
        building its first frames, so nothing falls between)."""
        self.desktops.add(desktop)
        p = desktop.principal
        if p.role is Role.AGENT and p.agent_id is not None:
            self._agent_desks.setdefault(p.agent_id, set()).add(desktop)
        else:
            self._groups.setdefault(_audience(p), set()).add(desktop)
        agent_id = p.agent_id
        if agent_id is not None:
            self._by_agent.setdefault(agent_id, set()).add(desktop)
            self._gone_since.pop(agent_id, None)
        if desktop.principal.role in (Role.SUPERVISOR, Role.ADMIN):
            self._staff += 1

    def detach(self, desktop: Desktop) -> None:
        if desktop not in self.desktops:
            return
        self.desktops.discard(desktop)
        p = desktop.principal
        group, key = ((self._agent_desks, p.agent_id)
                      if p.role is Role.AGENT and p.agent_id is not None
                      else (self._groups, _audience(p)))
        members = group.get(key)  # type: ignore[call-overload]
        if members is not None:
            members.discard(desktop)
            if not members:
                del group[key]  # type: ignore[arg-type]
        agent_id = p.agent_id
        if agent_id is not None:
            mine = self._by_agent.get(agent_id, set())
            mine.discard(desktop)
            if not mine:
                self._by_agent.pop(agent_id, None)
                self._gone_since[agent_id] = self._clock()
        if desktop.principal.role in (Role.SUPERVISOR, Role.ADMIN):
            self._staff -= 1

    def desktops_of(self, agent_id: str) -> int:
        return len(self._by_agent.get(agent_id, ()))

    def first_frames(self, desktop: Desktop, welcome: dict[str, Any],
                     resume: tuple[str, int] | None) -> list[str]:
        """What a new socket gets before live events: ``welcome``, then the events it
        missed and ``replayed`` (a resume the buffer can serve), else a snapshot."""
        frames = [frame(welcome)]
        if resume is not None:
            epoch, seq = resume
            entries = None if epoch != self._epoch() else self.replay.after(seq, self._last_seq)
            if entries is not None:
                policy, p = self._policy(), desktop.principal
                missed = [e.frame for e in entries
                          if may_see(policy, p, e.event, self.index)]
                return [*frames, *missed, frame({"type": "replayed", "count": len(missed),
                                                 "seq": self._last_seq})]
            reason = "unknown-epoch" if epoch != self._epoch() else "too-far-behind"
            return [*frames, self.snapshot(desktop.principal, reason)]
        return [*frames, self.snapshot(desktop.principal, "connect")]

    def snapshot(self, p: Principal, reason: str) -> str:
        policy, board = self._policy(), self.board
        agents = policy.agents_of(p)
        queues = policy.queues_of(p)
        return frame({
            "type": "snapshot", "reason": reason, "epoch": self._epoch(), "seq": self._last_seq,
            "at": iso(self._clock()), "user": p.public(),
            "agents": board.agents(board.agent_ids() if agents is None else agents),
            "calls": board.calls(p, policy),
            "queues": board.queues(self._config().queues if queues is None else queues),
            "centre": board.centre(),
            "options": board.options()})

    # --- events --------------------------------------------------------------------------

    async def _consume(self, bus: EventBus, subscription: Any) -> None:
        queue: asyncio.Queue[DomainEvent] = subscription.queue
        dropped = 0
        try:
            while True:
                batch = [await queue.get()]
                while not queue.empty():
                    batch.append(queue.get_nowait())
                if subscription.dropped != dropped:
                    dropped = subscription.dropped
                    self._lost_events()
                for event in batch:
                    try:
                        await self.send(self.deliver(event))
                    except Exception:
                        log.exception("hub failed on an event", type=event.TYPE, seq=event.seq)
        finally:
            bus.unsubscribe(subscription)

    def deliver(self, event: DomainEvent) -> list[tuple[Desktop, ...]]:
        """Serialise ``event`` once, keep it for replay, and name the desktops that may
        see it (one tuple per audience); ``send`` writes it to them."""
        self.index.learn(event)
        text = frame(event.to_json(self._epoch()))
        self.replay.add(event, text)
        self._last_seq = event.seq
        self._text, self._data = text, text_frame(text.encode())
        policy, index = self._policy(), self.index
        audiences = [desks for desks in (
            *(self._agent_desks.get(a) for a in self._concerned_agents(event, policy)),
            *self._groups.values()) if desks]
        chosen = [tuple(desks) for desks in audiences
                  if may_see(policy, next(iter(desks)).principal, event, index)]
        if event.TYPE == "agent.state_changed" and event.agent_id in self._gone_since:
            self._check_gone(event.agent_id, self._clock())
        return chosen

    async def send(self, audiences: list[tuple[Desktop, ...]]) -> None:
        """The last delivered event to ``audiences``, yielding to the loop every
        ``CHUNK`` desktops: a fan-out to thousands never holds the routing loop long.
        Events still go out in order: the next one starts when this one is done."""
        text, data = self._text, self._data
        started, count = time.monotonic(), 0
        for desks in audiences:
            for desktop in desks:
                desktop.send(text, data=data)
                count += 1
                if count % CHUNK == 0:
                    await asyncio.sleep(0)
        self.delivered += count
        if count:
            self.fanout_seconds.append(time.monotonic() - started)

    def _concerned_agents(self, event: DomainEvent, policy: Policy) -> Iterable[str]:
        """The agents whose own desktops may see ``event`` (a superset; the policy has
        the last word): O(the agents concerned), not O(the desktops)."""
        kind, index = event.TYPE, self.index
        if kind.startswith("centre."):
            return list(self._agent_desks)
        if kind.startswith("supervision."):
            return ()
        if kind.startswith("queue."):
            return [a for a in self._agent_desks if event.queue in policy.serving_queues(a)]
        found: set[str] = set()
        if event.agent_id is not None:
            found.add(event.agent_id)
        if kind.startswith("case.") and event.case_id is not None:
            case = index.case(event.case_id)
            found |= case.agents
            if case.owner is not None:
                found.add(case.owner)
        elif kind.startswith("customer.") and event.customer_id is not None:
            found |= index.customer_agents(event.customer_id)
        elif event.interaction_id is not None:
            found |= index.call(event.interaction_id).agents
        return found

    def _lost_events(self) -> None:
        """The bus dropped events (the hub fell far behind): the replay buffer has a
        hole, so start it again and make every desktop resync."""
        log.error("the hub lost events from the bus; every desktop resyncs")
        self.replay = ReplayBuffer(self._config().service.api.replay_events)
        for desktop in self.desktops:
            desktop.send(frame({"type": "resync", "reason": "server-behind"}), droppable=False)
            desktop.send(self.snapshot(desktop.principal, "too-far-behind"), droppable=False)

    def push(self, message: dict[str, Any], to: Callable[[Principal], bool], *,
             droppable: bool = True) -> int:
        """A message that is not a domain event (a notice, an agent's status) to the
        desktops whose principal ``to`` accepts; returns how many."""
        text = frame(message)
        count = 0
        for desktop in self.desktops:
            if to(desktop.principal):
                desktop.send(text, droppable=droppable)
                count += 1
        return count

    def agent_status(self, view: dict[str, Any]) -> None:
        """An agent's state with its pending change, to whoever may see the agent."""
        policy = self._policy()
        agent_id = view["agent_id"]
        self.push({"type": "agent.status", **view},
                  lambda p: policy.sees_agent(p, agent_id) and p.role is not Role.SYSTEM)

    def revoked(self, kind: str, ident: str) -> None:
        """A user, session or key changed in the database: re-check those desktops."""
        for desktop in list(self.desktops):
            p = desktop.principal
            if (kind == "user" and p.id == ident) or (kind == "key" and p.id == f"key:{ident}") \
                    or (kind == "session" and p.session_id is not None
                        and p.session_id.hex == ident.replace("-", "")):
                self._background(self._recheck(desktop))

    async def _recheck(self, desktop: Desktop) -> None:
        try:
            await self._revalidate(desktop.principal)
        except Exception as exc:
            log.info("closing a desktop that lost its right", user=desktop.principal.id,
                     why=str(exc))
            await desktop.close(CLOSE_FORBIDDEN, f"forbidden: {exc}")

    def _background(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    # --- time: tokens and desktops gone ---------------------------------------------------

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            now = self._clock()
            try:
                self._check_tokens(now)
                for agent_id in list(self._gone_since):
                    self._check_gone(agent_id, now)
            except Exception:
                log.exception("hub tick failed")

    def _check_tokens(self, now: float) -> None:
        for desktop in list(self.desktops):
            expires = desktop.expires_at
            if expires is None:
                continue
            if now >= expires:
                desktop.expires_at = None
                self._background(desktop.close(CLOSE_EXPIRED, "token expired"))
            elif now >= expires - EXPIRING_NOTICE and not desktop.expiring_told:
                desktop.expiring_told = True
                desktop.send(frame({"type": "expiring", "expires_at": iso(expires)}),
                             droppable=False)

    def _check_gone(self, agent_id: str, now: float) -> None:
        since = self._gone_since.get(agent_id)
        grace = self._config().service.auth.desktop_grace
        if since is None or now - since < grace:
            return
        try:
            state = self.board.router.engine.agent(agent_id).state
        except Exception:  # a removed agent, the loop not running
            self._gone_since.pop(agent_id, None)
            return
        if state is AgentState.READY:
            self._gone_since.pop(agent_id, None)
            log.info("agent's desktop gone while READY; pausing it", agent_id=agent_id)
            self._background(self._pause_quietly(agent_id))
        elif state is AgentState.LOGGED_OUT:
            self._gone_since.pop(agent_id, None)

    async def _pause_quietly(self, agent_id: str) -> None:
        try:
            await self._pause(agent_id)
        except Exception as exc:
            log.warning("could not pause an agent whose desktop is gone", agent_id=agent_id,
                        error=str(exc))

    # --- statistics ------------------------------------------------------------------------

    async def _push_stats(self) -> None:
        while True:
            await asyncio.sleep(1.0 / self._config().service.api.stats_per_second)
            try:
                self.push_stats()
            except Exception:
                log.exception("statistics push failed")

    def push_stats(self) -> None:
        """The queues and agents whose figures changed, to the staff who may see them."""
        try:
            engine = self.board.router.engine
        except RuntimeError:
            return
        changes = engine.take_changes()
        if not changes or self._staff == 0:
            return
        board = self.board
        queues = [v for v in (board.queue(q) for q in sorted(changes.queues))
                  if self._changed(f"q:{v['name']}", v)]
        agents = [v for v in board.agents(changes.agents)
                  if self._changed(f"a:{v['agent_id']}", v)]
        for name in changes.removed_queues:
            self._stats_sent.pop(f"q:{name}", None)
        for name in changes.removed_agents:
            self._stats_sent.pop(f"a:{name}", None)
        if not queues and not agents:
            return
        policy, at = self._policy(), iso(self._clock())
        for desktop in self.desktops:
            p = desktop.principal
            if p.role not in (Role.SUPERVISOR, Role.ADMIN):
                continue
            mine_q = [q for q in queues if policy.sees_queue(p, q["name"])]
            mine_a = [a for a in agents if policy.sees_agent(p, a["agent_id"])]
            if mine_q or mine_a:
                desktop.send(frame({"type": "stats", "at": at, "queues": mine_q,
                                    "agents": mine_a}))

    def _changed(self, key: str, view: dict[str, Any]) -> bool:
        if self._stats_sent.get(key) == view:
            return False
        self._stats_sent[key] = view
        return True

    def staff(self) -> Iterable[Desktop]:
        return (d for d in self.desktops if d.principal.role in (Role.SUPERVISOR, Role.ADMIN))


def _audience(p: Principal) -> tuple[Any, ...]:
    """What decides what a principal (not an agent) may see."""
    return (p.role, p.agent_id, p.queues, p.units, p.scopes)
