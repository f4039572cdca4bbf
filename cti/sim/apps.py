"""The dialplan runner and the applications it can run.

``run_dialplan(core, channel)`` walks priorities the way Asterisk's PBX
thread does: a ``Newexten`` event for each step, then the application. An
application returns normally (next priority), returns ``GOTO`` after moving
the channel, or returns ``STOP`` (Hangup). A hang-up or an AMI Redirect
interrupts whatever is running.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

from cti.sim.channel import BUSY, UNKNOWN, UP, Channel, Interrupted, Why
from cti.sim.expr import substitute
from cti.sim.pbx import Core

GOTO, STOP = "goto", "stop"

App = Callable[[Core, Channel, str], Awaitable[str | None]]
APPS: dict[str, App] = {}


def app(name: str) -> Callable[[App], App]:
    def register(fn: App) -> App:
        APPS[name.lower()] = fn
        return fn
    return register


def lookup(core: Core, ch: Channel) -> Callable[[str], str]:
    """Resolve a ``${...}`` name or function for ``ch``."""
    def resolve(expr: str) -> str:
        name, paren, args = expr.partition("(")
        if paren:
            return function(core, ch, name.strip().upper(), args.rstrip(")"))
        special = {"EXTEN": ch.exten, "CONTEXT": ch.context, "PRIORITY": str(ch.priority),
                   "CHANNEL": ch.name, "UNIQUEID": ch.uniqueid,
                   "CALLERID(num)": ch.cid_num}
        if expr in special:
            return special[expr]
        return core.get_var(ch, expr)
    return resolve


def function(core: Core, ch: Channel, name: str, args: str) -> str:
    if name == "CALLERID":
        kind = args.strip().lower()
        num = "" if ch.cid_num == "<unknown>" else ch.cid_num
        cname = "" if ch.cid_name == "<unknown>" else ch.cid_name
        if kind == "num":
            return num
        if kind == "name":
            return cname
        if kind == "all":
            return f'"{cname}" <{num}>' if cname else f"<{num}>"
        return ""
    if name == "CUT":
        var, _, rest = args.partition(",")
        delim, _, field = rest.partition(",")
        value = lookup(core, ch)(var.strip())
        parts = value.split(delim or "-")
        try:
            return parts[int(field or 1) - 1]
        except (ValueError, IndexError):
            return ""
    if name == "CHANNEL":
        item = args.strip().lower()
        if item == "peername":
            base = ch.name.rsplit("-", 1)[0]
            return base.split("/", 1)[1] if "/" in base else base
        return {"name": ch.name, "uniqueid": ch.uniqueid, "linkedid": ch.linkedid,
                "channeltype": ch.tech, "state": str(ch.state)}.get(item, "")
    if name == "LEN":
        return str(len(args))
    if name == "IF":
        cond, _, rest = args.partition("?")
        yes, _, no = rest.partition(":")
        return yes if cond.strip() not in ("", "0") else no
    if name == "GLOBAL":
        return core.globals.get(args.strip(), "")
    return ""


async def run_dialplan(core: Core, ch: Channel) -> None:
    """Run ``ch`` through the dialplan from its current location until it hangs up."""
    try:
        while not ch.hung_up:
            step = core.dialplan.find(ch.context, ch.exten, ch.priority)
            fn = APPS.get(step.app.lower()) if step is not None else None
            if step is None:
                break  # fell off the end of the extension: Asterisk hangs up
            data = substitute(step.data, lookup(core, ch))
            ch.app, ch.appdata = step.app, data
            core.chan_event("Newexten", ch, "dialplan,all", Extension=ch.exten,
                            Application=step.app, AppData=data)
            if fn is None:
                break  # Asterisk hangs up on an unknown application
            try:
                result = await fn(core, ch, data)
            except Interrupted as exc:
                if await _carry_on(core, ch, exc.why):
                    continue
                return
            if result == STOP:
                if step.app.lower() == "hangup":
                    ch.queued_hangup = True  # Hangup() requests a soft hang-up first
                break
            if result != GOTO:
                ch.priority += 1
    finally:
        if ch.task is asyncio.current_task():
            ch.task = None
        if not ch.hung_up:
            if ch.queued_hangup:
                core.chan_event("SoftHangupRequest", ch, Cause=16)
            core.destroy(ch)


async def _carry_on(core: Core, ch: Channel, why: Why) -> bool:
    """After an interruption: True to go on in the dialplan, False when hanging up."""
    while True:
        if why is Why.REDIRECT:
            ch.arm()
            _take_redirect(ch)
            return True
        if why is not Why.BRIDGED:
            return False
        # taken into a bridge by the Bridge action: stay until it ends
        ch.arm()
        try:
            await _stay_bridged(ch)
        except Interrupted as inner:
            why = inner.why
            if why is Why.HANGUP:
                _bridge_hangup(core, ch)
                return False


def _bridge_hangup(core: Core, ch: Channel) -> None:
    """A channel the Bridge action took hangs up: after its own hang-up request
    (HangupRequest) it just leaves; when the bridge ends under it, the PBX
    requests the hang-up (22-hold-by-redirect-and-bridge)."""
    if ch.queued_hangup:
        ch.queued_hangup = False
    elif not ch.hung_up:
        core.chan_event("SoftHangupRequest", ch, Cause=16)


def _take_redirect(ch: Channel) -> None:
    if ch.redirect_to is not None:
        ch.context, ch.exten, ch.priority = ch.redirect_to
        ch.redirect_to = None


async def _stay_bridged(ch: Channel) -> None:
    while True:
        try:
            await ch.wait_for(None, None)
        except Interrupted as exc:
            if exc.why is Why.BRIDGED:
                ch.arm()
                continue
            raise


def start_dialplan(core: Core, ch: Channel) -> None:
    ch.runs_dialplan = True
    ch.task = core.spawn(run_dialplan(core, ch))


def goto(core: Core, ch: Channel, target: str) -> None:
    """Move ``ch`` to ``[[context,]exten,]priority|label``."""
    parts = [p.strip() for p in target.split(",")]
    context, exten = ch.context, ch.exten
    if len(parts) == 3:
        context, exten, prio = parts
    elif len(parts) == 2:
        exten, prio = parts
    else:
        prio = parts[0]
    if prio.isdigit():
        priority = int(prio)
    else:
        found = core.dialplan.label(context, exten, prio)
        priority = found if found is not None else 1
    ch.context, ch.exten, ch.priority = context, exten, priority


def split_args(data: str) -> list[str]:
    return [a.strip() for a in data.split(",")] if data else []


_OPTION = re.compile(r"([A-Za-z])(?:\(([^)]*)\))?")


def parse_options(text: str) -> dict[str, str]:
    """Application options: ``bi(CTI_MIXMON_ID)v(2)`` -> {"b": "", "i": "CTI_MIXMON_ID",
    "v": "2"}."""
    return {m.group(1): m.group(2) or "" for m in _OPTION.finditer(text or "")}


@app("NoOp")
async def _noop(core: Core, ch: Channel, data: str) -> str | None:
    return None


@app("Verbose")
async def _verbose(core: Core, ch: Channel, data: str) -> str | None:
    return None


@app("Log")
async def _log(core: Core, ch: Channel, data: str) -> str | None:
    return None


@app("Answer")
async def _answer(core: Core, ch: Channel, data: str) -> str | None:
    if ch.state != UP:
        core.answer(ch)
        await ch.wait_for(None, core.scaled(0.5))
    return None


@app("Ringing")
async def _ringing(core: Core, ch: Channel, data: str) -> str | None:
    core.indicate_ringing(ch)
    return None


@app("Progress")
async def _progress(core: Core, ch: Channel, data: str) -> str | None:
    return None


async def _refuse(core: Core, ch: Channel, data: str, what: str, cause: int) -> str | None:
    core.set_state(ch, BUSY)
    peer = ch.local_peer
    if peer is not None and not peer.hung_up:
        core.report(peer, what)
    args = split_args(data)
    timeout = float(args[0]) if args and args[0] else 0.0
    try:
        if timeout > 0:
            await ch.wait_for(None, core.scaled(timeout))
    finally:
        ch.hangup_cause = cause
    return STOP


@app("Busy")
async def _busy(core: Core, ch: Channel, data: str) -> str | None:
    return await _refuse(core, ch, data, "busy", 17)


@app("Congestion")
async def _congestion(core: Core, ch: Channel, data: str) -> str | None:
    return await _refuse(core, ch, data, "congestion", 34)


@app("Hangup")
async def _hangup(core: Core, ch: Channel, data: str) -> str | None:
    if data.strip().isdigit():
        ch.hangup_cause = int(data)
    return STOP


@app("Wait")
async def _wait(core: Core, ch: Channel, data: str) -> str | None:
    try:
        seconds = float(split_args(data)[0])
    except (IndexError, ValueError):
        seconds = 0.0
    await ch.wait_for(None, core.scaled(seconds))
    return None


@app("Playback")
async def _playback(core: Core, ch: Channel, data: str) -> str | None:
    args = split_args(data)
    files = args[0].split("&") if args else []
    if ch.state != UP and "noanswer" not in args[1:]:
        core.answer(ch)  # Playback answers the channel first
    for name in files:
        await ch.wait_for(None, core.scaled(prompt_seconds(name)))
    core.var_set(ch, "PLAYBACKSTATUS", "SUCCESS")
    return None


def prompt_seconds(name: str) -> float:
    """How long the simulator pretends a prompt lasts."""
    return 0.5 if name in ("beep", "goodbye") else 1.0


@app("MusicOnHold")
async def _moh(core: Core, ch: Channel, data: str) -> str | None:
    args = split_args(data)
    klass = args[0] if args and args[0] else "default"
    duration = float(args[1]) if len(args) > 1 and args[1] else None
    core.chan_event("MusicOnHoldStart", ch, Class=klass)
    try:
        await ch.wait_for(None, None if duration is None else core.scaled(duration))
    finally:
        core.chan_event("MusicOnHoldStop", ch)
    return None


@app("GotoIf")
async def _gotoif(core: Core, ch: Channel, data: str) -> str | None:
    cond, _, rest = data.partition("?")
    yes, _, no = rest.partition(":")
    target = yes if cond.strip() not in ("", "0") else no
    if not target.strip():
        return None
    goto(core, ch, target)
    return GOTO


@app("Goto")
async def _goto(core: Core, ch: Channel, data: str) -> str | None:
    goto(core, ch, data)
    return GOTO


@app("Set")
async def _set(core: Core, ch: Channel, data: str) -> str | None:
    name, _, value = data.partition("=")
    name = name.strip()
    if name.upper().startswith("GLOBAL(") and name.endswith(")"):
        core.global_set(name[7:-1], value)
    elif name.upper() == "CALLERID(NUM)":
        core.set_callerid(ch, value, "" if ch.cid_name == UNKNOWN else ch.cid_name)
    else:
        core.var_set(ch, name, value)
    return None


@app("UserEvent")
async def _userevent(core: Core, ch: Channel, data: str) -> str | None:
    name, _, rest = data.partition(",")
    fields = {"UserEvent": name.strip()}
    for item in rest.split(",") if rest else []:
        key, sep, value = item.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    core.chan_event("UserEvent", ch, "user,all", **fields)
    return None


@app("VoiceMail")
async def _voicemail(core: Core, ch: Channel, data: str) -> str | None:
    await ch.wait_for(None, core.scaled(2.0))
    core.var_set(ch, "VMSTATUS", "SUCCESS")
    return None


def _register_late() -> None:
    # AGI, Dial, AMD, ChanSpy and MixMonitor live in their own modules; import them here
    # to avoid cycles (amd, chanspy and recording register their applications)
    from cti.sim import agi, amd, chanspy, dial, recording  # noqa: F401

    APPS["agi"] = agi.agi_app
    APPS["dial"] = dial.dial_app


_register_late()
