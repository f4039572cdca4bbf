"""Dial: ring one destination, report DialBegin/DialState/DialEnd, bridge on answer.

Destinations, one or several joined by ``&`` (they ring in parallel), are
``Local/EXT@CTX[/n]`` (a Local pair whose ``;2`` half runs the dialplan) or a
simulated phone (``PJSIP/1001``, ``SIP/agent1101``). A
destination reports its progress on ``channel.progress``: ``ringing``,
``answer``, ``busy``, ``congestion`` or ``hangup``.
"""

from __future__ import annotations

import asyncio

from cti.sim.apps import split_args, start_dialplan
from cti.sim.channel import UP, Channel, Interrupted, Why
from cti.sim.pbx import Core

DIAL_VARS = ("DIALSTATUS", "DIALEDPEERNUMBER", "DIALEDPEERNAME", "ANSWEREDTIME",
             "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS", "RINGTIME", "RINGTIME_MS",
             "PROGRESSTIME", "PROGRESSTIME_MS")

#: the cause the losing legs of a Dial hang up with (AST_CAUSE_ANSWERED_ELSEWHERE)
ANSWERED_ELSEWHERE = 26
#: DIALSTATUS of a destination that hung up before answering, by its cause
_STATUS_BY_CAUSE = {17: "BUSY", 34: "CONGESTION", 20: "CHANUNAVAIL", 1: "CHANUNAVAIL"}


def dial_string(target: str) -> str:
    return target.partition("/")[2]


def create_destination(core: Core, target: str, linkedid: str | None,
                       caller: Channel | None) -> Channel | None:
    """Create the channel ``target`` names, or None when it cannot exist (CHANUNAVAIL)."""
    tech, _, rest = target.partition("/")
    if tech == "Local":
        where, _, opts = rest.partition("/")
        exten, _, context = where.partition("@")
        one, two = core.new_local_pair(exten, context or "default", linkedid)
        one.local_options = opts
        one.progress = asyncio.Queue()
        if caller is not None:
            core.var_set(one, "DIALEDPEERNUMBER", rest)
            _copy_ids(core, one, caller, announce_app=True)
        if caller is not None:
            core.var_set(two, "DIALEDPEERNUMBER", rest)
            core.set_ids(two, (_real(caller.cid_num), _real(caller.cid_name)),
                         (caller.exten, _real(caller.cid_name)))
        if caller is not None:
            core.local_bridge(one, two, context, exten)
        return one
    endpoint, number = parse_target(target)
    phone = core.phone_for(endpoint)
    if phone is None or not phone.available():
        return None
    ch = core.new_channel(endpoint, phone.context, "s", linkedid=linkedid)
    ch.number = number
    ch.progress = asyncio.Queue()
    ch.owner = phone
    ch.exten = ""
    if caller is not None:
        core.var_set(ch, "DIALEDPEERNUMBER", rest)
    if caller is not None:
        _copy_ids(core, ch, caller, announce_app=True)
    return ch


def endpoint_of(target: str) -> str:
    """The endpoint a dial string reaches (see ``parse_target``); "" for none."""
    return parse_target(target)[0]


def parse_target(target: str) -> tuple[str, str]:
    """(endpoint, dialled number) of a dial string, the way the channel drivers read it.

    chan_pjsip: ``PJSIP/1001``, ``PJSIP/5559876@trunk`` and
    ``PJSIP/trunk/sip:5559876@host`` reach ``PJSIP/1001``, ``PJSIP/trunk``,
    ``PJSIP/trunk``; what follows a second slash is a SIP URI or else the name of
    an AOR, and the simulator has no AORs, so ``PJSIP/trunk/5559876`` reaches
    nothing (CHANUNAVAIL): ("", ""). chan_sip: ``SIP/trunk/5559876`` (peer, then
    the number) and ``SIP/5559876@trunk`` reach ``SIP/trunk``. The number is kept
    as dialled, ``+`` included.
    """
    tech, _, rest = target.partition("/")
    number = ""
    if "/" in rest:
        rest, _, tail = rest.partition("/")
        if tail.startswith(("sip:", "sips:")):
            number = tail.partition(":")[2].partition("@")[0]
        elif tech.upper() == "SIP" and tail:
            number = tail
        else:
            return "", ""
    elif "@" in rest:
        number, _, rest = rest.rpartition("@")
    return f"{tech}/{rest}", number


def start_destination(core: Core, dest: Channel) -> None:
    """Let the destination run: the ;2 half enters the dialplan, a phone starts ringing."""
    two = dest.local_peer
    if two is not None:
        start_dialplan(core, two)
    elif dest.owner is not None:
        dest.owner.ring(core, dest)


def _real(value: str) -> str:
    return "" if value == "<unknown>" else value


def _copy_ids(core: Core, dest: Channel, caller: Channel, *, announce_app: bool) -> None:
    # Asterisk gives the outgoing leg the caller's exten as number, the caller's name,
    # and the caller as connected line
    dest.cid_num, dest.cid_name = caller.exten, caller.cid_name
    dest.conn_num, dest.conn_name = caller.cid_num, caller.cid_name
    dest.exten = caller.exten
    dest.app, dest.appdata = "AppDial", "(Outgoing Line)"
    if announce_app:
        core.chan_event("Newexten", dest, "dialplan,all", Extension=dest.exten,
                        Application="AppDial", AppData="(Outgoing Line)")
    core.chan_event("NewCallerid", dest, **{"CID-CallingPres":
                                            "0 (Presentation Allowed, Not Screened)"})
    core.chan_event("NewConnectedLine", dest)


def dial_event(core: Core, name: str, caller: Channel | None, dest: Channel,
               **extra: str) -> None:
    fields = caller.header() if caller is not None else {}
    fields.update(dest.header("Dest"))
    fields.update(extra)
    core.emit(name, "call,all", fields)


class _Legs(asyncio.Queue):  # type: ignore[type-arg]
    """The progress reports of every outgoing leg of one Dial, as (leg, report)."""

    def tag(self, leg: Channel) -> None:
        leg.progress = _Tagged(self, leg)


class _Tagged(asyncio.Queue):  # type: ignore[type-arg]
    def __init__(self, legs: _Legs, leg: Channel) -> None:
        super().__init__()
        self._legs, self._leg = legs, leg

    def put_nowait(self, item: str) -> None:
        self._legs.put_nowait((self._leg, item))


async def _next_report(ch: Channel, legs: _Legs,
                       timeout: float | None) -> tuple[Channel, str] | None:
    getter = asyncio.ensure_future(legs.get())
    try:
        return await ch.wait_for(getter, timeout)
    finally:
        if not getter.done():
            getter.cancel()


async def dial_app(core: Core, ch: Channel, data: str) -> str | None:
    """Dial(dest[&dest...][,timeout[,options]]): every destination rings at once; the
    first to answer is bridged, the others get DialEnd CANCEL and hang up with cause
    26 (answered elsewhere), as app_dial does."""
    args = split_args(data)
    targets = [t for t in (args[0] if args else "").split("&") if t]
    timeout = float(args[1]) if len(args) > 1 and args[1] else None
    for name in DIAL_VARS:
        core.var_set(ch, name, "")
    began = core.now()
    created = [(t, create_destination(core, t, ch.linkedid, ch)) for t in targets]
    legs: dict[Channel, str] = {dest: t for t, dest in created if dest is not None}
    if not legs:
        core.var_set(ch, "DIALSTATUS", "CHANUNAVAIL")
        return None
    reports = _Legs()
    for dest, target in legs.items():
        reports.tag(dest)
        dial_event(core, "DialBegin", ch, dest, DialString=dial_string(target))
    for dest in legs:
        start_destination(core, dest)
    deadline = None if timeout is None else core.now() + core.scaled(timeout)
    failed: list[str] = ["CHANUNAVAIL"] * (len(targets) - len(legs))
    rang = False
    try:
        while True:
            remaining = None if deadline is None else max(0.0, deadline - core.now())
            report = await _next_report(ch, reports, remaining)
            if report is None:
                _end_all(core, ch, legs, "NOANSWER", cause=0)
                return None
            dest, what = report
            if dest not in legs:
                continue
            if what == "ringing":
                if not rang:
                    rang = True
                    ms = int((core.now() - began) * 1000 * core.speed)
                    core.var_set(ch, "RINGTIME", str(ms // 1000))
                    core.var_set(ch, "RINGTIME_MS", str(ms))
                dial_event(core, "DialState", ch, dest, DialStatus="RINGING")
                core.indicate_ringing(ch)
            elif what == "answer":
                winner = dest, legs.pop(dest)
                break
            else:
                status = what.upper() if what in ("busy", "congestion") else \
                    _STATUS_BY_CAUSE.get(dest.hangup_cause, "NOANSWER")
                del legs[dest]
                failed.append(status)
                dial_event(core, "DialEnd", ch, dest, DialStatus=status)
                if not legs:
                    core.var_set(ch, "DIALSTATUS", _overall(failed))
                core.hangup(dest, 0, soft=False)
                if not legs:
                    return None
    except Interrupted:
        _end_all(core, ch, legs, "CANCEL", cause=16)
        raise
    for loser in legs:
        dial_event(core, "DialEnd", ch, loser, DialStatus="CANCEL")
    for loser in legs:
        core.hangup(loser, ANSWERED_ELSEWHERE, soft=False)
    await _bridged(core, ch, *winner, began)
    return None


def _end_all(core: Core, ch: Channel, legs: dict[Channel, str], status: str,
             cause: int) -> None:
    """The Dial ends without an answer: DialEnd for every leg still ringing, then
    DIALSTATUS, then their hang-up."""
    for dest in legs:
        dial_event(core, "DialEnd", ch, dest, DialStatus=status)
    core.var_set(ch, "DIALSTATUS", status)
    for dest in legs:
        core.hangup(dest, cause, soft=False)


def _overall(statuses: list[str]) -> str:
    """DIALSTATUS when every leg failed (app_dial: busy, then congestion, then none)."""
    for status in ("BUSY", "CONGESTION", "CHANUNAVAIL"):
        if status in statuses:
            return status
    return statuses[-1] if statuses else "CHANUNAVAIL"


async def _bridged(core: Core, ch: Channel, dest: Channel, target: str, began: float) -> None:
    core.var_set(ch, "DIALSTATUS", "ANSWER")
    core.var_set(ch, "DIALEDPEERNAME", dest.name)
    core.var_set(ch, "DIALEDPEERNUMBER", dial_string(target))
    dest.exten = ""
    dial_event(core, "DialEnd", ch, dest, DialStatus="ANSWER")
    if dest.hung_up:
        return
    if ch.state != UP:
        core.answer(ch)
    bridge = core.new_bridge()
    core.chan_event("Newexten", dest, "dialplan,all", Extension="", Application="AppDial",
                    AppData="(Outgoing Line)")
    core.bridge_enter(bridge, dest)
    core.bridge_enter(bridge, ch)
    if dest.owner is not None:
        dest.owner.answered(core, dest)
    try:
        await ch.wait_for(None, None)
    except Interrupted as exc:
        if ch.bridge is not None:
            core.bridge_leave(ch)
        if exc.why is Why.REDIRECT:
            core.var_set(ch, "DIALSTATUS", "ANSWER")
            raise
        # Asterisk 20 measures both from the calling channel's creation and answer
        total = int((core.now() - ch.created_at) * 1000 * core.speed)
        talk = int((core.now() - (ch.answered_at or ch.created_at)) * 1000 * core.speed)
        for name, value in (("ANSWEREDTIME", talk // 1000), ("ANSWEREDTIME_MS", talk),
                            ("DIALEDTIME", total // 1000), ("DIALEDTIME_MS", total)):
            core.var_set(ch, name, str(value))
        core.var_set(ch, "DIALSTATUS", "ANSWER")
        if exc.why is Why.HANGUP and not ch.hung_up:
            core.chan_event("SoftHangupRequest", ch, Cause=16)
            ch.queued_hangup = False
        raise


async def wait_answer(core: Core, dest: Channel, timeout: float | None) -> str:
    """For Originate: wait until ``dest`` answers or fails; returns a DIALSTATUS."""
    assert dest.progress is not None
    deadline = None if timeout is None else core.now() + core.scaled(timeout)
    while True:
        if dest.state == UP:
            return "ANSWER"
        remaining = None if deadline is None else max(0.0, deadline - core.now())
        try:
            async with asyncio.timeout(remaining):
                what = await dest.progress.get()
        except TimeoutError:
            return "NOANSWER"
        if what == "answer":
            return "ANSWER"
        if what in ("busy", "congestion"):
            return what.upper()
        if what == "hangup":
            return _STATUS_BY_CAUSE.get(dest.hangup_cause, "NOANSWER")


