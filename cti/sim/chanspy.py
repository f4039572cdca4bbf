"""ChanSpy(): a supervisor listens to, whispers to, or barges into a call.

As app_chanspy does it, and as 12-supervisor-spy and 25-supervisor-whisper-barge
show:

- ``ChanSpy(<channel prefix>,<options>)``: ``q`` quiet, ``w`` whisper (to the
  spied channel), ``B`` barge (to both parties), ``d`` DTMF switches the mode
  (4 listen, 5 whisper, 6 barge; no AMI event on a change).
- ChanSpyStart (Spyer*/Spyee* fields) about 0.1 s after the spy answers.
  Every audiohook attached to or detached from the spied channel makes its
  bridge set BRIDGEPEER again: one for the spy and whisper hooks together at the
  start; one more when barging starts on the spyer's first voice frame (a spyer
  sending audio); at the end one per hook (spy, whisper, barge).
- ChanSpy notices the spyer's hang-up only when a frame arrives from the spied
  channel: when it carries audio, ChanSpyStop follows the spyer's hang-up about
  30 ms later; on a silent spied channel ChanSpy runs on until the spied call
  ends.
- When the spied channel ends, ChanSpyStop; ChanSpy then waits for another
  channel to spy on until the spyer hangs up.
"""

from __future__ import annotations

import asyncio

from cti.sim.apps import STOP, app, parse_options, split_args
from cti.sim.channel import Channel, Interrupted, Why
from cti.sim.pbx import Core

#: seconds from the spy's answer to ChanSpyStart, and from a voice frame to barging
START_DELAY, BARGE_DELAY = 0.1, 0.02
#: seconds from the spyer's hang-up to ChanSpyStop when the spied channel has audio
STOP_DELAY = 0.03
#: DTMF digits of the ``d`` option and the mode each selects
MODES = {"4": "listen", "5": "whisper", "6": "barge"}


def find_spyee(core: Core, prefix: str, spyer: Channel) -> Channel | None:
    """The channel ChanSpy picks: the one named ``prefix``, else the first that starts
    with it (never the spyer itself)."""
    exact = core.find(prefix)
    if exact is not None and exact is not spyer:
        return exact
    return next((c for c in core.channels.values()
                 if prefix and c.name.startswith(prefix) and c is not spyer), None)


class Spy:
    """One spying session of ``spyer`` on ``spyee``."""

    def __init__(self, core: Core, spyer: Channel, spyee: Channel, options: dict[str, str]):
        self.core, self.spyer, self.spyee = core, spyer, spyee
        self.dtmf_modes = "d" in options
        self.mode = "barge" if "B" in options else "whisper" if "w" in options else "listen"
        #: the whisper audiohook is attached for w, B and d
        self.whisper_hook = "w" in options or "B" in options or self.dtmf_modes
        #: the barge audiohook on the spied channel's bridge peer, attached lazily
        self.barge_hook = False

    def _refresh(self) -> None:
        if self.spyee.bridge is not None and not self.spyee.hung_up:
            self.core.refresh_bridge_peers(self.spyee.bridge)

    def _event(self, name: str) -> None:
        fields = self.spyer.header("Spyer")
        fields.update(self.spyee.header("Spyee"))
        self.core.emit(name, "call,all", fields)

    def start(self) -> None:
        self._event("ChanSpyStart")
        self._refresh()  # the spy and whisper hooks attach together
        self._maybe_barge()

    def _maybe_barge(self) -> None:
        """Barging attaches its hook on the first voice frame the spyer sends."""
        if self.mode == "barge" and not self.barge_hook and self.spyer.audio != "silence":
            self.barge_hook = True
            self.core.spawn(self._attach_barge())

    async def _attach_barge(self) -> None:
        await self.core.sleep(BARGE_DELAY)
        if not self.spyee.hung_up:
            self._refresh()

    def on_digit(self, digit: str) -> None:
        if self.dtmf_modes and digit in MODES:
            self.mode = MODES[digit]
            self._maybe_barge()

    def stop(self) -> None:
        """Detach the hooks: the spy's (and barge's) before ChanSpyStop, the whisper's
        after it (25-supervisor-whisper-barge)."""
        self._refresh()
        if self.barge_hook:
            self._refresh()
        self._event("ChanSpyStop")
        if self.whisper_hook:
            self._refresh()


@app("ChanSpy")
async def chanspy_app(core: Core, ch: Channel, data: str) -> str | None:
    args = split_args(data)
    spyee = find_spyee(core, args[0], ch) if args else None
    if spyee is None:
        await ch.wait_for(None, None)  # nothing to spy on: scan until hung up
        return None
    await ch.wait_for(None, core.scaled(START_DELAY))
    spy = Spy(core, ch, spyee, parse_options(args[1] if len(args) > 1 else ""))
    ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    spyee.on_hangup.append(lambda _c: ended.done() or ended.set_result(None))
    spy.start()
    hung_up = False
    while not ended.done():
        digit = asyncio.ensure_future(ch.dtmf.get())
        try:
            await ch.wait_for(asyncio.ensure_future(_first(ended, digit)), None)
        except Interrupted as exc:
            if exc.why is not Why.HANGUP or ch.hung_up:
                raise
            ch.arm()
            hung_up = True
            if spyee.audio != "silence":
                # the next frame of the spied channel shows ChanSpy the hang-up
                await core.sleep(STOP_DELAY)
                break
        finally:
            if not digit.done():
                digit.cancel()
        if digit.done() and not digit.cancelled():
            spy.on_digit(digit.result())
    spy.stop()
    if hung_up:
        return STOP
    await ch.wait_for(None, None)  # the spied call ended: ChanSpy scans on
    return None


async def _first(*futures: asyncio.Future[object]) -> None:
    await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)
