"""Call control: the one facade the desktop API (REST, WebSocket) and the CLI call.

Every method takes plain arguments, ``by`` (the acting user's or agent's id, kept
in the facts the command leads to) and ``client_id`` (the client's id for this
command: sent again, it gets the first answer back and changes nothing), and
returns a small dict. Each one becomes an inbox item of the routing loop, where
the pure routing step checks it against the call's phase, decides the AMI
actions and the domain events, and answers. A refusal raises a CtiError subclass
whose ``status`` and ``code`` the API maps (docs/control.md lists them):

    control = CallControl(service.loop, store=service.store)
    await control.hold("4f0c...", by="a1001")
    await control.transfer_to_queue("4f0c...", "billing", by="a1001", client_id="c-17")
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

import structlog

from cti.errors import ServiceUnavailable
from cti.routing import items as cc
from cti.routing.control import ScheduledCallback
from cti.routing.errors import BadCommand
from cti.routing.outbound import view
from cti.routing.router import RoutingLoop
from cti.routing.upkeep import install
from cti.store import Store

log = structlog.get_logger(__name__)

#: Seconds a command may wait for the routing loop's answer.
REPLY_TIMEOUT = 10.0


class CallControl:
    """Commands on calls, agents, queues and the centre, run inside the routing loop.

    Args:
        loop: the routing loop (its router holds the state commands act on).
        store: where scheduled callbacks and switches were kept (``start`` reads them).
    """

    def __init__(self, loop: RoutingLoop, *, store: Store | None = None) -> None:
        self._loop = loop
        self._store = store

    async def start(self) -> None:
        """Put back what PostgreSQL kept: pending callbacks, closed queues, the mode."""
        if self._store is None:
            return
        pending = await self._store.control.pending_callbacks()
        settings = await self._store.control.settings()
        callbacks = [ScheduledCallback(str(p.id), p.number, p.due_at.timestamp(), p.queue,
                                       p.agent_id, p.note,
                                       str(p.origin_interaction_id)
                                       if p.origin_interaction_id else None,
                                       p.created_by or "")
                     for p in pending]
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._loop.submit(cc.InLoop(lambda step: install(step.router, callbacks, settings),
                                    future))
        await future
        log.info("call control restored", callbacks=len(callbacks),
                 closed_queues=sorted(self._loop.router.control.closed),
                 mode=self._loop.router.control.mode)

    async def _run(self, command: cc.CallCommand) -> dict[str, Any]:
        if self._loop.router.draining:
            raise ServiceUnavailable("the service is stopping; try again after it restarts")
        self._loop.submit(command)
        return await asyncio.wait_for(command.reply, REPLY_TIMEOUT)

    # --- a call ----------------------------------------------------------------------

    async def hangup(self, interaction_id: str, *, by: str,
                     client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.HangUp(interaction_id=interaction_id, by=by,
                                         client_id=client_id))

    async def hold(self, interaction_id: str, *, by: str,
                   client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.Hold(interaction_id=interaction_id, by=by,
                                       client_id=client_id))

    async def resume(self, interaction_id: str, *, by: str,
                     client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.Resume(interaction_id=interaction_id, by=by,
                                         client_id=client_id))

    async def transfer_to_agent(self, interaction_id: str, agent_id: str, *, by: str,
                                client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.TransferToAgent(interaction_id=interaction_id,
                                                  agent_id=agent_id, by=by,
                                                  client_id=client_id))

    async def transfer_to_queue(self, interaction_id: str, queue: str, *, by: str,
                                client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.TransferToQueue(interaction_id=interaction_id, queue=queue,
                                                  by=by, client_id=client_id))

    async def transfer_to_number(self, interaction_id: str, number: str, *, by: str,
                                 client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.TransferToNumber(interaction_id=interaction_id,
                                                   number=number, by=by, client_id=client_id))

    async def consult(self, interaction_id: str, *, agent_id: str | None = None,
                      number: str | None = None, by: str,
                      client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.Consult(interaction_id=interaction_id, agent_id=agent_id,
                                          number=number, by=by, client_id=client_id))

    async def complete_transfer(self, interaction_id: str, *, by: str,
                                client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.CompleteTransfer(interaction_id=interaction_id, by=by,
                                                   client_id=client_id))

    async def cancel_consult(self, interaction_id: str, *, by: str,
                             client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.CancelConsult(interaction_id=interaction_id, by=by,
                                                client_id=client_id))

    async def escalate(self, interaction_id: str, reason: str, *, queue: str | None = None,
                       by: str, client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.Escalate(interaction_id=interaction_id, reason=reason,
                                           queue=queue, by=by, client_id=client_id))

    async def take_over(self, interaction_id: str, supervisor_id: str, *, by: str,
                        client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.TakeOver(interaction_id=interaction_id,
                                           supervisor_id=supervisor_id, by=by,
                                           client_id=client_id))

    async def pause_recording(self, interaction_id: str, *, by: str,
                              client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.PauseRecording(interaction_id=interaction_id, by=by,
                                                 client_id=client_id))

    async def resume_recording(self, interaction_id: str, *, by: str,
                               client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.ResumeRecording(interaction_id=interaction_id, by=by,
                                                  client_id=client_id))

    # --- calls the service makes --------------------------------------------------------

    async def dial(self, agent_id: str, number: str, *, queue: str | None = None, by: str,
                   client_id: str | None = None) -> dict[str, Any]:
        """Click-to-dial; the answer names the new outbound interaction."""
        return await self._run(cc.Dial(interaction_id=str(uuid.uuid4()), agent_id=agent_id,
                                       number=number, queue=queue, by=by,
                                       client_id=client_id))

    async def schedule_callback(self, number: str, due_at: datetime | float, queue: str, *,
                                agent_id: str | None = None, note: str | None = None,
                                interaction_id: str | None = None, by: str,
                                client_id: str | None = None) -> dict[str, Any]:
        """Call ``number`` back at ``due_at`` (aware datetime or epoch seconds) through
        ``queue``, by ``agent_id`` only when given."""
        if isinstance(due_at, datetime):
            if due_at.tzinfo is None:
                raise BadCommand("due_at needs a time zone (e.g. 2026-05-04T10:00:00+02:00)")
            due_at = due_at.timestamp()
        return await self._run(cc.ScheduleCallback(
            callback_id=str(uuid.uuid4()), number=number, due_at=float(due_at), queue=queue,
            agent_id=agent_id, note=note, interaction_id=interaction_id, by=by,
            client_id=client_id))

    async def cancel_callback(self, callback_id: str, *, by: str,
                              client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.CancelCallback(callback_id=callback_id, by=by,
                                                 client_id=client_id))

    # --- supervisors -----------------------------------------------------------------

    async def spy(self, interaction_id: str, supervisor_id: str, mode: str = "listen", *,
                  by: str, client_id: str | None = None) -> dict[str, Any]:
        """``mode``: listen, whisper or barge; a new mode replaces the running one."""
        return await self._run(cc.Spy(interaction_id=interaction_id,
                                      supervisor_id=supervisor_id, mode=mode, by=by,
                                      client_id=client_id))

    async def stop_spying(self, supervisor_id: str, *, by: str,
                          client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.StopSpying(supervisor_id=supervisor_id, by=by,
                                             client_id=client_id))

    async def set_agent_state(self, agent_id: str, action: str, *, reason: str | None = None,
                              by: str, client_id: str | None = None) -> dict[str, Any]:
        """``action``: login, ready, pause (``reason``) or logout."""
        return await self._run(cc.SetAgentState(agent_id=agent_id, action=action,
                                                reason=reason, by=by, client_id=client_id))

    async def wrap_up(self, agent_id: str, *, disposition: str | None = None,
                      notes: str | None = None, interaction_id: str | None = None, by: str,
                      client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.WrapUp(agent_id=agent_id, disposition=disposition,
                                         notes=notes, interaction_id=interaction_id, by=by,
                                         client_id=client_id))

    async def close_queue(self, queue: str, *, by: str,
                          client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.CloseQueue(queue=queue, by=by, client_id=client_id))

    async def open_queue(self, queue: str, *, by: str,
                         client_id: str | None = None) -> dict[str, Any]:
        return await self._run(cc.OpenQueue(queue=queue, by=by, client_id=client_id))

    async def set_centre_mode(self, mode: str, *, message: str | None = None, by: str,
                              client_id: str | None = None) -> dict[str, Any]:
        """``mode``: normal, night or emergency."""
        return await self._run(cc.SetCentreMode(mode=mode, message=message, by=by,
                                                client_id=client_id))

    # --- reading ----------------------------------------------------------------------

    def centre(self) -> dict[str, Any]:
        """The centre's mode and the closed queues (what a wallboard shows)."""
        return self._loop.router.control.view()

    def callbacks(self) -> list[dict[str, Any]]:
        """Scheduled callbacks not made yet, the earliest first."""
        pending = sorted(self._loop.router.control.callbacks.values(),
                         key=lambda cb: (cb.due_at, cb.callback_id))
        return [view(cb) for cb in pending]
