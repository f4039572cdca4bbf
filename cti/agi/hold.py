"""The hold step: a short AGI run between music-on-hold slices (context cti-hold).

It reads CTI_INTERACTION, asks the host where the call stands, and every
``announce_every`` seconds (not on every slice) says the position and the
estimated wait and offers a callback: pressing 1 keeps the caller's place,
sets ``CTI_ACTION=callback`` and the dialplan hangs up. The time of the last
announcement is kept on the channel (``CTI_HOLD_ANNOUNCED``), so it survives
a restart of the service. Every run returns within a few seconds.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from cti.agi.host import IvrHost
from cti.agi.session import AgiSession

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HoldPrompts:
    position: str = "cti-position"            # "you are caller number"
    wait: str = "cti-wait-about"               # "your estimated wait is about"
    minutes: str = "minutes"
    callback_offer: str = "cti-callback-offer"  # "press 1 to be called back"
    callback_confirmed: str = "cti-callback-confirmed"


class HoldStep:
    """Handler of the ``/hold`` FastAGI route.

    Args:
        host: the service side (``hold_status``, ``request_callback``).
        announce_every: seconds between two announcements to one caller.
        clock: wall-clock seconds (epoch); tests pass their own.
    """

    def __init__(self, host: IvrHost, *, announce_every: float = 30.0,
                 clock: Callable[[], float] = time.time,
                 prompts: HoldPrompts | None = None, offer_timeout_ms: int = 1500) -> None:
        self.host, self.announce_every, self.clock = host, announce_every, clock
        self.prompts = prompts or HoldPrompts()
        self.offer_timeout_ms = offer_timeout_ms

    async def __call__(self, session: AgiSession) -> None:
        interaction_id = await session.get_variable("CTI_INTERACTION")
        if not interaction_id:
            log.warning("hold step on %s without CTI_INTERACTION; check the dialplan "
                        "sets it before cti-hold", session.channel)
            return
        structlog.contextvars.bind_contextvars(interaction_id=interaction_id)
        status = await self.host.hold_status(interaction_id)
        if status is None:
            return
        now = self.clock()
        last = _float(await session.get_variable("CTI_HOLD_ANNOUNCED"))
        if last is not None and now - last < self.announce_every:
            return
        await session.set_variable("CTI_HOLD_ANNOUNCED", str(int(now)))
        p = self.prompts
        escape = "1" if status.callback_allowed else ""
        digit = (await session.stream_file(p.position, escape)).digit
        if digit is None:
            digit = (await session.say_number(status.position, escape)).digit
        minutes = None if status.ewt is None else max(1, math.ceil(status.ewt / 60))
        if digit is None and minutes is not None:
            digit = (await session.stream_file(p.wait, escape)).digit \
                or (await session.say_number(minutes, escape)).digit \
                or (await session.stream_file(p.minutes, escape)).digit
        data: dict[str, object] = {"position": status.position, "ewt": status.ewt}
        if digit is None and status.callback_allowed:
            digit = (await session.get_data(p.callback_offer, self.offer_timeout_ms, 1)).digits
        if digit == "1" and status.callback_allowed:
            number = await session.get_variable("CTI_CALLBACK_NUMBER") \
                or session.env.caller_number
            await self.host.request_callback(interaction_id, number)
            await session.set_variable("CTI_ACTION", "callback")
            await session.stream_file(p.callback_confirmed)
            data["callback"] = number
        self.host.record_step(interaction_id, "hold", "hold_announcement", data)


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None
