"""The hold step: a short AGI run between music-on-hold slices (context cti-hold).

It reads CTI_INTERACTION, asks the host where the call stands and, when the
service knows the call, sets ``CTI_HOLD_OK=1``: the dialplan counts the rounds
without it (the service down, the call unknown) and sends the caller to
cti-fallback after ``CTI_HOLD_FAILURES`` of them. Every ``announce_every``
seconds (not on every slice) it says the position and the estimated wait and,
when the caller's number may be called back (cti/numbers.py), offers a
callback: pressing 1 keeps the caller's place, sets ``CTI_ACTION=callback``
and the dialplan hangs up. The time of the last announcement is kept on the
channel (``CTI_HOLD_ANNOUNCED``), so it survives a restart of the service.
Every run returns within a few seconds.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from cti.agi.host import IvrHost
from cti.agi.session import AgiSession, Playback
from cti.numbers import Dialling, NumberRefused

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HoldPrompts:
    position: str = "cti-position"            # "you are caller number"
    wait: str = "cti-wait-about"               # "your estimated wait is about"
    minutes: str = "minutes"
    callback_offer: str = "cti-callback-offer"  # "press 1 to be called back"
    callback_confirmed: str = "cti-callback-confirmed"
    callback_invalid: str = "cti-callback-invalid"  # "we cannot call you back at this number"

    def names(self) -> list[str]:
        return [self.position, self.wait, self.minutes, self.callback_offer,
                self.callback_confirmed, self.callback_invalid]


class HoldStep:
    """Handler of the ``/hold`` FastAGI route.

    Args:
        host: the service side (``hold_status``, ``request_callback``).
        announce_every: seconds between two announcements to one caller.
        clock: wall-clock seconds (epoch); tests pass their own.
        dialling: which numbers may be called back, and how often
            (``ServiceConfig.dialling()``; default ``Dialling.default()``).
    """

    def __init__(self, host: IvrHost, *, announce_every: float = 30.0,
                 clock: Callable[[], float] = time.time,
                 prompts: HoldPrompts | None = None, offer_timeout_ms: int = 1500,
                 dialling: Dialling | None = None) -> None:
        self.host, self.announce_every, self.clock = host, announce_every, clock
        self.prompts = prompts or HoldPrompts()
        self.offer_timeout_ms = offer_timeout_ms
        self.dialling = dialling or Dialling.default()

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
        await session.set_variable("CTI_HOLD_OK", "1")
        now = self.clock()
        last = _float(await session.get_variable("CTI_HOLD_ANNOUNCED"))
        if last is not None and now - last < self.announce_every:
            return
        await session.set_variable("CTI_HOLD_ANNOUNCED", str(int(now)))
        number_text = await session.get_variable("CTI_CALLBACK_NUMBER") \
            or session.env.caller_number
        offer = status.callback_allowed and self._callable(number_text)
        p = self.prompts
        escape = "1" if offer else ""
        failed: list[str] = []
        digit = await self._play(session, p.position, escape, failed)
        if digit is None:
            digit = (await session.say_number(status.position, escape)).digit
        minutes = None if status.ewt is None else max(1, math.ceil(status.ewt / 60))
        if digit is None and minutes is not None:
            digit = await self._play(session, p.wait, escape, failed) \
                or (await session.say_number(minutes, escape)).digit \
                or await self._play(session, p.minutes, escape, failed)
        data: dict[str, object] = {"position": status.position, "ewt": status.ewt}
        if digit is None and offer:
            got = await session.get_data(p.callback_offer, self.offer_timeout_ms, 1)
            if got.failed:
                await self._failed(session, p.callback_offer, failed)
            digit = got.digits
        if digit == "1" and offer:
            await self._callback(session, interaction_id, number_text, data, failed)
        if failed:
            data["failed_prompts"] = failed
        self.host.record_step(interaction_id, "hold", "hold_announcement", data)

    def _callable(self, number: str) -> bool:
        try:
            self.dialling.policy.check(number)
        except NumberRefused:
            return False
        return True

    async def _callback(self, session: AgiSession, interaction_id: str, number_text: str,
                        data: dict[str, object], failed: list[str]) -> None:
        try:
            number = self.dialling.callback(number_text, self.clock())
        except NumberRefused as exc:
            log.info("no callback to %r: %s", number_text, exc.detail)
            data["callback_refused"] = exc.reason
            await self._play(session, self.prompts.callback_invalid, "", failed)
            return
        await self.host.request_callback(interaction_id, number.e164)
        await session.set_variable("CTI_ACTION", "callback")
        await self._play(session, self.prompts.callback_confirmed, "", failed)
        data["callback"] = number.e164

    async def _play(self, session: AgiSession, prompt: str, escape: str,
                    failed: list[str]) -> str | None:
        played: Playback = await session.stream_file(prompt, escape)
        if played.failed:
            await self._failed(session, prompt, failed)
        return played.digit

    async def _failed(self, session: AgiSession, prompt: str, failed: list[str]) -> None:
        await session.channel_status()  # raises AgiHangup if -1 meant the caller left
        failed.append(prompt)
        log.warning("hold step: prompt %r could not be played on %s; check that the sound "
                    "file exists: cti ivr check --sounds DIR", prompt, session.channel)


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None
