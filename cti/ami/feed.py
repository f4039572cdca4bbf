"""AmiFeed: connection + tracker + resync, delivering typed events to one consumer.

The client's read path only does ``put_nowait`` into an unbounded inbox; one
task takes messages out in order, runs them through the ``CallTracker`` and
hands the resulting events to ``out`` (an ``asyncio.Queue`` or a plain
callback). After every (re)connect that task runs the resync
(CoreShowChannels, DeviceStateList, ExtensionStateList) before applying the
messages that arrived meanwhile, so the consumer sees ``LinkUp``, the lost
and new calls, ``Resynced``, ``InteractionTagged`` for the channels that
appeared (their ``CTI_INTERACTION`` read with Getvar), then live events.
``AmiCluster`` runs one feed per configured node into the same consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cti.ami.client import AmiClient, Delivery
from cti.ami.errors import AmiActionFailed, AmiError
from cti.ami.events import CallEvent, LinkDown, LinkUp
from cti.ami.tracker import CallTracker

log = logging.getLogger(__name__)

Out = asyncio.Queue[CallEvent] | Callable[[CallEvent], None]
_STOP: Any = object()  # put in the inbox by stop(): the consumer ends after what came before


@dataclass(frozen=True)
class NodeConfig:
    """Where one Asterisk node's AMI listens, the account to use, and how long to
    wait for the answer to an action (seconds)."""

    node: str
    host: str
    port: int
    username: str
    secret: str
    action_timeout: float = 5.0
    ssl_context: ssl.SSLContext | None = None  #: TLS (manager.conf tlsenable), else TCP


def _per_node_only(client_options: dict[str, Any]) -> None:
    if "action_timeout" in client_options:
        raise TypeError("action_timeout is set per node: pass NodeConfig.action_timeout, "
                        "not a feed or cluster option")


class AmiFeed:
    """One node: ``await start()``, then typed events flow to ``out`` until ``stop()``."""

    def __init__(self, config: NodeConfig, out: Out | None = None, **client_options: Any
                 ) -> None:
        self.node = config.node
        self.events: asyncio.Queue[CallEvent] = (
            out if isinstance(out, asyncio.Queue) else asyncio.Queue())
        self._emit: Callable[[CallEvent], None] = (
            out if out is not None and not isinstance(out, asyncio.Queue)
            else self.events.put_nowait)
        self._inbox: asyncio.Queue[Delivery] = asyncio.Queue()
        self.tracker = CallTracker(config.node)
        _per_node_only(client_options)
        self.client = AmiClient(config.node, config.host, config.port, config.username,
                                config.secret, sink=self._inbox.put_nowait,
                                action_timeout=config.action_timeout,
                                ssl_context=config.ssl_context, **client_options)
        self._task: asyncio.Task[None] | None = None
        #: when the link went down, for the calls the next resync finds lost
        self._down_at: float | None = None

    async def start(self) -> None:
        """Log in (raising a clear error if the first connection fails), then consume."""
        self._task = asyncio.create_task(self._consume(), name=f"ami-feed-{self.node}")
        try:
            await self.client.start()
        except BaseException:
            await self._cancel()
            raise

    async def stop(self) -> None:
        await self.client.stop()
        self._inbox.put_nowait(_STOP)
        if self._task is not None:
            try:
                async with asyncio.timeout(2):
                    await asyncio.shield(self._task)
            except TimeoutError:
                pass
        await self._cancel()

    async def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _consume(self) -> None:
        while True:
            item = await self._inbox.get()
            if item is _STOP:
                return
            try:
                if isinstance(item, LinkUp):
                    self._out(item)
                    await self._resync()
                elif isinstance(item, LinkDown):
                    if self._down_at is None:  # the first drop since the last resync
                        self._down_at = item.down_at
                    self._out(item)
                else:
                    for event in self.tracker.feed(item):
                        self._out(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                what = item.get("Event") if isinstance(item, dict) else type(item).__name__
                log.exception("AMI node %s: applying %s failed; skipped", self.node, what)

    def _out(self, event: CallEvent) -> None:
        try:
            self._emit(event)
        except Exception:
            log.exception("AMI node %s: the consumer raised on %s; event dropped",
                          self.node, type(event).__name__)

    async def _resync(self) -> None:
        """Rebuild the tracker's picture; a failure is logged and retried on next connect."""
        try:
            channels = await self.client.core_show_channels()
            before = set(self.tracker.state.channels)
            for event in self.tracker.resync(channels, ended_at=self._down_at):
                self._out(event)
            self._down_at = None
            await self._learn_interactions(
                [m for m in channels if m.get("Uniqueid") not in before])
            for item in [*await self.client.device_state_list(),
                         *await self.client.extension_state_list()]:
                for event in self.tracker.feed(item):
                    self._out(event)
        except AmiError as exc:
            log.warning("AMI node %s: resync after connect failed: %s", self.node, exc)


    async def _learn_interactions(self, appeared: list[dict[str, str]]) -> None:
        """CoreShowChannels carries no variables: ask each channel that appeared while
        the link was down for its CTI_INTERACTION, so its hang-up can be matched."""
        for item in appeared:
            try:
                value = await self.client.getvar(item.get("Channel", ""), "CTI_INTERACTION")
            except AmiActionFailed:  # hung up meanwhile
                continue
            if value:
                for event in self.tracker.feed({**item, "Event": "VarSet",
                                                "Variable": "CTI_INTERACTION",
                                                "Value": value}):
                    self._out(event)


class AmiCluster:
    """Several nodes, one feed each, all into the same consumer."""

    def __init__(self, nodes: Iterable[NodeConfig], out: Out | None = None,
                 **client_options: Any) -> None:
        self.events: asyncio.Queue[CallEvent] = (
            out if isinstance(out, asyncio.Queue) else asyncio.Queue())
        target: Out = out if out is not None else self.events
        _per_node_only(client_options)
        self.feeds = {n.node: AmiFeed(n, target, **client_options) for n in nodes}
        if len(self.feeds) == 0:
            raise ValueError("AmiCluster needs at least one AMI node")

    def client(self, node: str) -> AmiClient:
        """The connection of one node, to send actions to it."""
        try:
            return self.feeds[node].client
        except KeyError:
            raise KeyError(f"no AMI node named {node!r}; configured: "
                           f"{', '.join(sorted(self.feeds))}") from None

    async def start(self) -> None:
        started: list[AmiFeed] = []
        try:
            for feed in self.feeds.values():
                await feed.start()
                started.append(feed)
        except BaseException:
            for feed in started:
                await feed.stop()
            raise

    async def stop(self) -> None:
        for feed in self.feeds.values():
            await feed.stop()
