"""AMI actions as Asterisk 20 answers them: responses, errors, list events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cti.ami import privileges
from cti.ami.codec import encode
from cti.sim import operations as ops
from cti.sim.channel import STATE_DESC, Channel
from cti.sim.pbx import event_tv

if TYPE_CHECKING:
    from cti.sim.ami import AmiSession

Msg = dict[str, str]
Handler = Callable[["AmiSession", Msg], Awaitable[None]]
ACTIONS: dict[str, Handler] = {}
EXTENSION_STATUS = {"NOT_INUSE": (0, "Idle"), "INUSE": (1, "InUse"), "BUSY": (2, "Busy"),
                    "UNAVAILABLE": (4, "Unavailable"), "RINGING": (8, "Ringing"),
                    "ONHOLD": (16, "Hold")}


def action(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ACTIONS[name.lower()] = fn
        return fn
    return register


# -- session actions -------------------------------------------------------

@action("Login")
async def _login(s: AmiSession, msg: Msg) -> None:
    if s.authenticated:
        s.respond(msg, "Success", Message="Already authenticated")
        return
    account = s.pbx.accounts.get(msg.get("Username", ""))
    if account is None or not account.admits(s.remote_ip) or \
            account.secret is None or msg.get("Secret") != account.secret:
        # a wrong user, secret or address: one second, then the same error (authenticate)
        await asyncio.sleep(s.core.scaled(1.0))
        s.error(msg, "Authentication failed")
        s.closing = True
        return
    s.authenticated, s.account = True, account
    mask = privileges.event_mask(msg.get("Events", ""))
    s.events = account.read & (privileges.ALL if mask is None else mask)
    s.respond(msg, "Success", Message="Authentication accepted")
    uptime = int(s.core.now() - s.core.started_at)
    s.on_event(encode({"Event": "FullyBooted", "Privilege": "system,all", "Uptime": uptime,
                       "LastReload": uptime, "Status": "Fully Booted"}), "system")
    s.on_event(encode({"Event": "SuccessfulAuth", "Privilege": "security,all",
                       "EventTV": event_tv(), "Severity": "Informational", "Service": "AMI",
                       "EventVersion": 1, "AccountID": account.username,
                       "SessionID": s.session_id, "LocalAddress": s.local,
                       "RemoteAddress": s.remote, "UsingPassword": 0,
                       "SessionTV": s.session_tv}), "security")


@action("Logoff")
async def _logoff(s: AmiSession, msg: Msg) -> None:
    s.respond(msg, "Goodbye", Message="Thanks for all the fish.")
    s.closing = True


@action("Ping")
async def _ping(s: AmiSession, msg: Msg) -> None:
    s.respond(msg, "Success", Ping="Pong", Timestamp=f"{time.time():.6f}")


@action("Events")
async def _events(s: AmiSession, msg: Msg) -> None:
    mask = privileges.event_mask(msg.get("EventMask", ""))
    if mask is None:
        s.error(msg, "Invalid event mask")
        return
    s.events = s.account.read & mask if s.account is not None else frozenset()
    s.respond(msg, "Success", Events="On" if mask else "Off")


@action("ListCommands")
async def _list_commands(s: AmiSession, msg: Msg) -> None:
    """Like main/manager.c action_listcommands: every action Asterisk registers that
    the account may send (one of its classes, or none needed), with its classes."""
    write = s.write_classes
    fields = {name: f"{name} (Priv: {','.join(reg.classes) or '<none>'})"
              for name, reg in sorted(privileges.ACTIONS.items())
              if privileges.may_send(name, write)}
    s.respond(msg, "Success", **fields)


# -- variables -------------------------------------------------------------

@action("Setvar")
async def _setvar(s: AmiSession, msg: Msg) -> None:
    name = msg.get("Variable", "")
    if not name:
        s.error(msg, "No variable specified")
        return
    value = msg.get("Value", "")
    if msg.get("Channel"):
        ch = s.channel(msg)
        if ch is None:
            s.error(msg, "No such channel")
            return
        s.respond(msg, "Success", Message="Variable Set")
        s.core.var_set(ch, name, value)
        return
    s.respond(msg, "Success", Message="Variable Set")
    s.core.global_set(name, value)


@action("Getvar")
async def _getvar(s: AmiSession, msg: Msg) -> None:
    name = msg.get("Variable", "")
    if not name:
        s.error(msg, "No variable specified")
        return
    refused = privileges.refusal(msg, s.write_classes)
    if refused:  # SHELL()/EVAL() need the system class
        s.error(msg, refused)
        return
    ch = None
    if msg.get("Channel"):
        ch = s.channel(msg)
        if ch is None:
            s.error(msg, "No such channel")
            return
    if "(" in name or name.startswith("${"):
        from cti.sim.apps import lookup
        from cti.sim.expr import substitute

        value = substitute(name if name.startswith("${") else "${" + name + "}",
                           lookup(s.core, ch)) if ch is not None else ""
    else:
        value = s.core.get_var(ch, name)
    s.respond(msg, "Success", Variable=name, Value=value)


# -- calls -----------------------------------------------------------------

@action("Hangup")
async def _hangup(s: AmiSession, msg: Msg) -> None:
    if not msg.get("Channel"):
        s.error(msg, "No channel specified")
        return
    ch = s.channel(msg)
    if ch is None:
        s.error(msg, "No such channel")
        return
    cause = int(msg["Cause"]) if msg.get("Cause", "").isdigit() else 16
    s.respond(msg, "Success", Message="Channel Hungup")
    # Asterisk reports SoftHangupRequest for a channel running the dialplan, not for
    # one running an originated application (13-ami-protocol, 12-supervisor-spy)
    s.core.hangup(ch, cause, soft=ch.runs_dialplan)


@action("Redirect")
async def _redirect(s: AmiSession, msg: Msg) -> None:
    if not msg.get("Channel"):
        s.error(msg, "Channel not specified")
        return
    if not msg.get("Exten"):
        s.error(msg, "Exten not specified")
        return
    ch = s.channel(msg)
    if ch is None:
        s.error(msg, f"Channel does not exist: {msg['Channel']}")
        return
    extra = None
    if msg.get("ExtraChannel"):
        extra = s.channel(msg, "ExtraChannel")
        if extra is None:
            s.error(msg, f"ExtraChannel does not exist: {msg['ExtraChannel']}")
            return
    priority = int(msg["Priority"]) if msg.get("Priority", "1").isdigit() else 1
    context = msg.get("Context") or ch.context
    if s.core.dialplan.find(context, msg["Exten"], priority) is None:
        s.error(msg, "Invalid priority")
        return
    s.respond(msg, "Success", Message="Dual Redirect successful" if extra else
              "Redirect successful")
    ops.redirect(s.core, ch, context, msg["Exten"], priority, keep_bridge_peer=extra is not None)
    if extra is not None:
        ops.redirect(s.core, extra, msg.get("ExtraContext") or context,
                     msg.get("ExtraExten") or msg["Exten"],
                     int(msg.get("ExtraPriority") or priority), keep_bridge_peer=True)


@action("Originate")
async def _originate(s: AmiSession, msg: Msg) -> None:
    problem = _originate_problem(s, msg)
    if problem:
        s.error(msg, problem)
        return
    variables: dict[str, str] = {}
    for item in msg.get("Variable", "").replace("\n", ",").split(","):
        key, sep, value = item.partition("=")
        if sep:
            variables[key.strip()] = value
    timeout = float(msg["Timeout"]) / 1000 if msg.get("Timeout", "").isdigit() else 30.0
    req = ops.OriginateRequest(
        channel=msg["Channel"], context=msg.get("Context", "default"),
        exten=msg.get("Exten", ""),
        priority=int(msg["Priority"]) if msg.get("Priority", "").isdigit() else 1,
        application=msg.get("Application", ""), data=msg.get("Data", ""),
        callerid=msg.get("CallerID", ""), timeout=timeout, variables=variables)
    is_async = msg.get("Async", "").lower() in ("true", "yes", "1", "on")

    def respond(fields: dict[str, object]) -> None:
        out: dict[str, object] = {"Event": "OriginateResponse", "Privilege": "call,all"}
        if "ActionID" in msg:
            out["ActionID"] = msg["ActionID"]
        out.update(fields)
        s.core.emit_raw(out)
        if not is_async:
            if fields["Response"] == "Success":
                s.respond(msg, "Success", Message="Originate successfully queued")
            else:
                s.error(msg, "Originate failed")

    if is_async:
        s.respond(msg, "Success", Message="Originate successfully queued")
        s.core.spawn(ops.originate(s.core, req, respond))
    else:
        await ops.originate(s.core, req, respond)


def _originate_problem(s: AmiSession, msg: Msg) -> str:
    """What action_originate (main/manager.c) refuses, in the order it checks."""
    if not msg.get("Channel"):
        return "Channel not specified"
    context, exten, priority = msg.get("Context", ""), msg.get("Exten", ""), \
        msg.get("Priority", "")
    if priority and not priority.lstrip("-").isdigit() and \
            s.core.dialplan.label(context, exten, priority) is None:
        return "Invalid priority"
    if msg.get("Timeout") and not msg["Timeout"].lstrip("-").isdigit():
        return "Invalid timeout"
    if "/" not in msg["Channel"]:
        return "Invalid channel"
    if msg.get("Application"):
        refused = privileges.refusal(msg, s.write_classes)
        if refused:
            return refused
    elif not exten:
        # Asterisk says so without Async; with Async it queues a call that goes nowhere
        return "Originate with 'Exten' requires 'Context' and 'Priority'"
    if exten and priority:
        number = int(priority) if priority.lstrip("-").isdigit() else \
            s.core.dialplan.label(context, exten, priority)
        if number and s.core.dialplan.find(context, exten, number) is None:
            return "Extension does not exist."
    return ""


@action("PlayDTMF")
async def _play_dtmf(s: AmiSession, msg: Msg) -> None:
    ch = s.channel(msg)
    if ch is None:
        s.error(msg, "No such channel" if msg.get("Channel") else "Channel not specified")
        return
    digit = msg.get("Digit", "")
    if not digit:
        s.error(msg, "No digit specified")
        return
    duration = int(msg["Duration"]) if msg.get("Duration", "").isdigit() else 250
    await asyncio.sleep(s.core.scaled(duration / 1000))
    s.respond(msg, "Success", Message="DTMF successfully queued")
    # a digit played on one half of a Local pair is received by the other half (on ;1:
    # 01-answer-agent-hangs-up; on ;2: 25-supervisor-whisper-barge)
    ops.receive_dtmf(s.core, ch.local_peer or ch, digit[0], duration)


@action("Bridge")
async def _bridge(s: AmiSession, msg: Msg) -> None:
    a, b = s.channel(msg, "Channel1"), s.channel(msg, "Channel2")
    if a is None:
        s.error(msg, f"Channel1 does not exist: {msg.get('Channel1', '')}")
        return
    if b is None:
        s.error(msg, f"Channel2 does not exist: {msg.get('Channel2', '')}")
        return
    s.respond(msg, "Success", Message="Channels have been bridged")
    await ops.bridge(s.core, a, b)


def _transfer_source(s: AmiSession, msg: Msg, failed: str) -> Channel | None:
    """The bridged channel a transfer action names, or None after the error Asterisk gives."""
    ch = s.channel(msg)
    problem = ("No such channel" if ch is None
               else "No extension specified" if not msg.get("Exten")
               else failed if ch.bridge is None else None)
    if problem is not None:
        s.error(msg, problem)
        return None
    return ch


@action("BlindTransfer")
async def _blind_transfer(s: AmiSession, msg: Msg) -> None:
    ch = _transfer_source(s, msg, "Transfer failed")
    if ch is not None:
        s.respond(msg, "Success", Message="Transfer succeeded")
        ops.blind_transfer(s.core, ch, msg.get("Context") or ch.context, msg["Exten"])


@action("Atxfer")
async def _atxfer(s: AmiSession, msg: Msg) -> None:
    ch = _transfer_source(s, msg, "Atxfer failed")
    if ch is not None:
        s.respond(msg, "Success", Message="Atxfer successfully queued")
        await ops.attended_transfer(s.core, ch, msg.get("Context") or ch.context, msg["Exten"])


@action("UserEvent")
async def _user_event(s: AmiSession, msg: Msg) -> None:
    name = msg.get("UserEvent", "")
    if not name:
        s.error(msg, "Missing UserEvent")
        return
    s.respond(msg, "Success", Message="Event Sent")
    out: dict[str, Any] = {"Event": "UserEvent", "Privilege": "user,all", "UserEvent": name}
    for key, value in msg.items():
        if key in ("Action", "UserEvent"):
            continue
        out[key] = value.split("\n") if "\n" in value else value
    s.core.emit_raw(out)


# -- lists -----------------------------------------------------------------

def _duration(seconds: float) -> str:
    total = int(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


@action("CoreShowChannels")
async def _core_show_channels(s: AmiSession, msg: Msg) -> None:
    s.respond(msg, "Success", EventList="start", Message="Channels will follow")
    items = list(reversed(s.core.channels.values()))
    for ch in items:
        fields = ch.header()
        fields.update(Application=ch.app, ApplicationData=ch.appdata,
                      Duration=_duration((s.core.now() - ch.created_at) * s.core.speed),
                      BridgeId=ch.bridge.uniqueid if ch.bridge else "")
        s.list_event(msg, "CoreShowChannel", fields)
    s.list_event(msg, "CoreShowChannelsComplete", {"EventList": "Complete",
                                                   "ListItems": len(items)})


@action("Status")
async def _status(s: AmiSession, msg: Msg) -> None:
    if msg.get("Channel") and s.channel(msg) is None:
        s.error(msg, "No such channel")
        return
    s.respond(msg, "Success", EventList="start", Message="Channel status will follow")
    items = [s.channel(msg)] if msg.get("Channel") else list(reversed(s.core.channels.values()))
    for ch in items:
        assert ch is not None
        fields: dict[str, Any] = {"Event": "Status", "Privilege": "Call"}
        fields.update(ch.header())
        fields.update(Type=ch.tech, DNID=ch.dnid, EffectiveConnectedLineNum=ch.conn_num,
                      EffectiveConnectedLineName=ch.conn_name, TimeToHangup=0,
                      BridgeID=ch.bridge.uniqueid if ch.bridge else "", Application=ch.app,
                      Data=ch.appdata, Nativeformats="(slin)", Readformat="slin",
                      Readtrans="", Writeformat="slin", Writetrans="", Callgroup=0,
                      Pickupgroup=0,
                      Seconds=int((s.core.now() - ch.created_at) * s.core.speed))
        if "ActionID" in msg:
            fields["ActionID"] = msg["ActionID"]
        s.send(fields)
    s.list_event(msg, "StatusComplete", {"EventList": "Complete", "ListItems": len(items),
                                         "Items": len(items)})


@action("DeviceStateList")
async def _device_state_list(s: AmiSession, msg: Msg) -> None:
    s.respond(msg, "Success", EventList="start", Message="Device State Changes will follow")
    states = s.pbx.device_states()
    for device, state in states.items():
        s.list_event(msg, "DeviceStateChange", {"Device": device, "State": state})
    s.list_event(msg, "DeviceStateListComplete", {"EventList": "Complete",
                                                  "ListItems": len(states)})


@action("ExtensionStateList")
async def _extension_state_list(s: AmiSession, msg: Msg) -> None:
    s.respond(msg, "Success", EventList="start", Message="Extension Statuses will follow")
    hints = list(s.core.dialplan.hints())
    states = s.pbx.device_states()
    for context, exten, hint in hints:
        status, text = EXTENSION_STATUS.get(states.get(hint, "NOT_INUSE"), (0, "Idle"))
        s.list_event(msg, "ExtensionStatus", {"Exten": exten, "Context": context,
                                              "Hint": hint, "Status": status,
                                              "StatusText": text})
    s.list_event(msg, "ExtensionStateListComplete", {"EventList": "Complete",
                                                     "ListItems": len(hints)})


@action("Command")
async def _command(s: AmiSession, msg: Msg) -> None:
    command = " ".join(msg.get("Command", "").split())
    if command in ("core restart now", "core restart gracefully", "core restart when convenient"):
        s.pbx.schedule_restart()
        return
    if command == "core show version":
        output = ["Asterisk 20.20.1 built by cti-sim @ localhost on a x86_64 running Linux"]
    elif command == "core show channels concise":
        output = [_concise(s, ch) for ch in reversed(s.core.channels.values())]
    elif command == "core show channels":
        output = ["Channel              Location             State   Application(Data)"]
        output += [f"{ch.name:<20} {ch.exten}@{ch.context}:{ch.priority} "
                   f"{STATE_DESC[ch.state]:<7} {ch.app}({ch.appdata})"
                   for ch in reversed(s.core.channels.values())]
        n = len(s.core.channels)
        output += [f"{n} active channel{'s' if n != 1 else ''}", "0 active calls",
                   f"{s.core.counters.get('channels', 0)} calls processed"]
    elif command == "core show uptime seconds":
        up = int((s.core.now() - s.core.started_at) * s.core.speed)
        output = [f"System uptime: {up}", f"Last reload: {up}"]
    else:
        s.respond(msg, "Error", Message="Command output follows",
                  Output=f"No such command '{command}' (type 'core show help "
                         f"{command.split(' ')[0]}' for other possible commands)")
        return
    s.respond(msg, "Success", Message="Command output follows", Output=output)


def _concise(s: AmiSession, ch: Channel) -> str:
    seconds = int((s.core.now() - ch.created_at) * s.core.speed)
    bridged = next((c.name for c in ch.bridge.channels if c is not ch), "") if ch.bridge else ""
    num = "" if ch.cid_num == "<unknown>" else ch.cid_num
    return "!".join([ch.name, ch.context, ch.exten, str(ch.priority), STATE_DESC[ch.state],
                     ch.app, ch.appdata, num, "", "", "3", str(seconds), bridged, ch.uniqueid])
