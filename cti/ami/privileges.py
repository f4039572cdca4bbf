"""Who may send which AMI action and receive which event: Asterisk 20's own rules.

A manager.conf account has ``read`` classes (the events it receives) and
``write`` classes (the actions it may send). Asterisk registers every action
with a set of classes and runs it when the account has *at least one* of them
(``process_message`` in main/manager.c: ``writeperm & authority``; actions
registered with no class are open to every logged-in account). Otherwise the
answer is ``Response: Error`` / ``Message: Permission denied``.

Originate has a second rule (``is_originate_app_permitted``, main/manager.c):
an Application whose name contains one of AGI, DBdeltree, Exec, ExternalIVR,
MixMonitor, Originate, Reload or System (case-insensitive), or Application Data
containing CURL, DB, EVAL, FILE, ODBC, REALTIME or SHELL (case-sensitive),
also needs ``system`` (Queue with an AGI argument: ``agi`` or ``system``); the
first entry that matches decides; the error is ``Originate Access Forbidden:
app or data blacklisted``. Getvar and Status refuse SHELL/EVAL in the variable
names without ``system`` (``function_capable_string_allowed_with_auths``).

An event reaches a session only when its class is among the account's read
classes (``(send_events & category) == category``).

Everything here is data and pure functions: the simulator enforces it, the
service can check its account against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: every class name manager.conf knows (main/manager.c, ``perms[]``), in Asterisk's order
CLASSES = ("system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf",
           "reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test",
           "security", "message")
ALL = frozenset(CLASSES)
#: the bit of each class (include/asterisk/manager.h, EVENT_FLAG_*)
BITS = {"system": 1 << 0, "call": 1 << 1, "log": 1 << 2, "verbose": 1 << 3, "command": 1 << 4,
        "agent": 1 << 5, "user": 1 << 6, "config": 1 << 7, "dtmf": 1 << 8,
        "reporting": 1 << 9, "cdr": 1 << 10, "dialplan": 1 << 11, "originate": 1 << 12,
        "agi": 1 << 13, "cc": 1 << 15, "aoc": 1 << 16, "test": 1 << 17, "security": 1 << 18,
        "message": 1 << 30}
_TRUE, _FALSE = ("yes", "true", "y", "t", "1", "on"), ("no", "false", "n", "f", "0", "off")

PERMISSION_DENIED = "Permission denied"
ORIGINATE_FORBIDDEN = "Originate Access Forbidden: app or data blacklisted"


@dataclass(frozen=True, slots=True)
class Registration:
    """An action as Asterisk registers it: any one of ``classes`` permits it."""

    classes: tuple[str, ...]
    #: the Asterisk source file that registers it
    source: str


def _r(source: str, *classes: str) -> Registration:
    return Registration(classes, source)


_MANAGER, _APP_MIX = "main/manager.c", "apps/app_mixmonitor.c"
#: action -> its registration (ast_manager_register_xml[_core] in Asterisk 20). The first
#: class of each is the narrowest one an account should be given.
ACTIONS: dict[str, Registration] = {
    # main/manager.c (__init_manager)
    "Ping": _r(_MANAGER), "Events": _r(_MANAGER), "Logoff": _r(_MANAGER),
    "Login": _r(_MANAGER), "Challenge": _r(_MANAGER), "ListCommands": _r(_MANAGER),
    "WaitEvent": _r(_MANAGER),
    "Hangup": _r(_MANAGER, "call", "system"),
    "Status": _r(_MANAGER, "call", "system", "reporting"),
    "Setvar": _r(_MANAGER, "call"),
    "Getvar": _r(_MANAGER, "call", "reporting"),
    "GetConfig": _r(_MANAGER, "config", "system"),
    "GetConfigJSON": _r(_MANAGER, "config", "system"),
    "UpdateConfig": _r(_MANAGER, "config"),
    "CreateConfig": _r(_MANAGER, "config"),
    "ListCategories": _r(_MANAGER, "config"),
    "Redirect": _r(_MANAGER, "call"),
    "Atxfer": _r(_MANAGER, "call"),
    "CancelAtxfer": _r(_MANAGER, "call"),
    "BlindTransfer": _r(_MANAGER, "call"),
    "Originate": _r(_MANAGER, "originate"),
    "Command": _r(_MANAGER, "command"),
    "ExtensionState": _r(_MANAGER, "call", "reporting"),
    "PresenceState": _r(_MANAGER, "call", "reporting"),
    "AbsoluteTimeout": _r(_MANAGER, "call", "system"),
    "MailboxStatus": _r(_MANAGER, "call", "reporting"),
    "MailboxCount": _r(_MANAGER, "call", "reporting"),
    "SendText": _r(_MANAGER, "call"),
    "UserEvent": _r(_MANAGER, "user"),
    "CoreSettings": _r(_MANAGER, "system", "reporting"),
    "CoreStatus": _r(_MANAGER, "system", "reporting"),
    "Reload": _r(_MANAGER, "config", "system"),
    "LoggerRotate": _r(_MANAGER, "system", "reporting"),
    "CoreShowChannels": _r(_MANAGER, "reporting", "system"),
    "CoreShowChannelMap": _r(_MANAGER, "reporting", "system"),
    "ModuleLoad": _r(_MANAGER, "system"),
    "ModuleCheck": _r(_MANAGER, "system"),
    "Filter": _r(_MANAGER, "system"),
    # other files of main/
    "Bridge": _r("main/features.c", "call"),
    "ExtensionStateList": _r("main/extension_state.c", "call", "reporting"),
    "LocalOptimizeAway": _r("main/core_local.c", "call", "system"),
    "DBGet": _r("main/db.c", "system", "reporting"),
    "DBPut": _r("main/db.c", "system"),
    "DBDel": _r("main/db.c", "system"),
    "DBDelTree": _r("main/db.c", "system"),
    "BridgeList": _r("main/manager_bridges.c"),
    "BridgeInfo": _r("main/manager_bridges.c"),
    "BridgeKick": _r("main/manager_bridges.c"),
    "ShowDialPlan": _r("main/pbx.c", "config", "reporting"),
    # apps/ and res/
    "MixMonitor": _r(_APP_MIX, "system"),
    "StopMixMonitor": _r(_APP_MIX, "call", "system"),
    "MixMonitorMute": _r(_APP_MIX, "call", "system"),
    "PlayDTMF": _r("apps/app_senddtmf.c", "call"),
    "QueueStatus": _r("apps/app_queue.c"),
    "QueueAdd": _r("apps/app_queue.c", "agent"),
    "QueueRemove": _r("apps/app_queue.c", "agent"),
    "QueuePause": _r("apps/app_queue.c", "agent"),
    "AGI": _r("res/res_agi.c", "agi"),
    "DeviceStateList": _r("res/res_manager_devicestate.c", "call", "reporting"),
    "PJSIPShowEndpoints": _r("res/res_pjsip/pjsip_configuration.c", "system"),
    "PJSIPHangup": _r("channels/chan_pjsip.c", "call", "system"),
    "SIPpeers": _r("channels/chan_sip.c", "reporting", "system"),
}
_BY_LOWER = {name.lower(): reg for name, reg in ACTIONS.items()}

#: event -> the class it is published with (Asterisk prints "<class>,all" as Privilege)
EVENTS: dict[str, str] = {
    **dict.fromkeys(("Newchannel", "Newstate", "Hangup", "HangupRequest", "SoftHangupRequest",
                     "NewCallerid", "NewConnectedLine", "NewAccountCode", "DialBegin",
                     "DialState", "DialEnd", "Hold", "Unhold", "ChanSpyStart", "ChanSpyStop",
                     "MusicOnHoldStart", "MusicOnHoldStop", "MixMonitorStart",
                     "MixMonitorStop", "MixMonitorMute"), "call"),  # main/manager_channels.c
    **dict.fromkeys(("Newexten", "VarSet"), "dialplan"),  # manager_channels.c, stasis_channels.c
    **dict.fromkeys(("DTMFBegin", "DTMFEnd"), "dtmf"),  # main/manager_channels.c
    **dict.fromkeys(("BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy"),
                    "call"),  # main/manager_bridges.c
    **dict.fromkeys(("BlindTransfer", "AttendedTransfer"), "call"),  # main/stasis_bridges.c
    **dict.fromkeys(("LocalBridge", "LocalOptimizationBegin", "LocalOptimizationEnd"),
                    "call"),  # main/core_local.c
    "OriginateResponse": "call", "ExtensionStatus": "call",  # main/manager.c
    "DeviceStateChange": "call",  # main/devicestate.c
    "UserEvent": "user",  # main/manager.c, main/stasis.c
    **dict.fromkeys(("AGIExecStart", "AGIExecEnd", "AsyncAGIStart", "AsyncAGIExec",
                     "AsyncAGIEnd"), "agi"),  # res/res_agi.c
    **dict.fromkeys(("FullyBooted", "Shutdown", "Reload"), "system"),  # main/manager.c
    **dict.fromkeys(("SuccessfulAuth", "FailedACL", "InvalidAccountID", "InvalidPassword",
                     "RequestBadFormat", "RequestNotAllowed"), "security"),  # security events
    **dict.fromkeys(("RTCPSent", "RTCPReceived"), "reporting"),  # main/rtp_engine.c
}

#: Originate applications (substring, case-insensitive) and data (substring,
#: case-sensitive) that need more classes; the first match decides (main/manager.c,
#: originate_app_permissions[])
_ORIGINATE_APPS = (("agi", ("system",)), ("dbdeltree", ("system",)), ("exec", ("system",)),
                   ("externalivr", ("system",)), ("mixmonitor", ("system",)),
                   ("originate", ("system",)), ("reload", ("system",)),
                   ("system", ("system",)))
_ORIGINATE_DATA = ("CURL", "DB", "EVAL", "FILE", "ODBC", "REALTIME", "SHELL")


def parse_classes(text: str) -> frozenset[str]:
    """manager.conf's ``read``/``write`` value: ``call,dialplan``, ``all`` or ``none``.

    Raises:
        ValueError: a word that is not a class (Asterisk would silently ignore it).
    """
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    unknown = [w for w in words if w not in ALL and w not in ("all", "none")]
    if unknown:
        raise ValueError(f"unknown AMI class {unknown[0]!r}; use 'all', 'none' or some of "
                         f"{', '.join(CLASSES)}")
    return ALL if "all" in words else frozenset(w for w in words if w != "none")


def event_mask(text: str) -> frozenset[str] | None:
    """The classes an ``Events: <EventMask>`` (or Login ``Events:``) selects: on/off,
    a class list, or a number (a bit mask); None for an empty mask (main/manager.c
    ``strings_to_mask``). The session then receives ``read & mask``."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return frozenset(c for c, bit in BITS.items() if int(text) & bit)
    if text.lower() in _FALSE:
        return frozenset()
    if text.lower() in _TRUE:
        return ALL
    words = {w.strip().lower() for w in text.split(",")}
    return ALL if "all" in words else frozenset(words & ALL)


def _originate_rule(action: Mapping[str, str]) -> tuple[str, ...] | None:
    app = _get(action, "Application")
    if not app:
        return None
    data = _get(action, "Data")
    lowered = app.lower()
    for search, classes in _ORIGINATE_APPS:
        if search in lowered:
            return classes
    if "queue" in lowered and data:
        agi_argument = (data.split(",") + [""] * 6)[5]
        if agi_argument:
            return ("agi", "system")
    for search in _ORIGINATE_DATA:
        if search in data:
            return ("system",)
    return None


def _rules(action: Mapping[str, str]) -> list[tuple[tuple[str, ...], str]]:
    """(classes of which one is needed, Asterisk's error without them), in the order
    Asterisk checks them."""
    name = _get(action, "Action").lower()
    reg = _BY_LOWER.get(name)
    rules = [(reg.classes, PERMISSION_DENIED)] if reg is not None and reg.classes else []
    if name == "originate":
        extra = _originate_rule(action)
        if extra is not None:
            rules.append((extra, ORIGINATE_FORBIDDEN))
    if name in ("getvar", "status") and not _function_safe(action):
        rules.append((("system",), "GetVar Access Forbidden: Variable" if name == "getvar"
                      else "Status Access Forbidden: Variables"))
    return rules


def requirements(action: Mapping[str, str]) -> list[frozenset[str]]:
    """What an account must hold for ``action``: at least one class of each set.

    An unknown action has no requirement here (Asterisk answers it with its
    "Invalid/unknown command" error, not a permission error).
    """
    return [frozenset(classes) for classes, _ in _rules(action)]


def required_classes(action: Mapping[str, str]) -> frozenset[str]:
    """A smallest set of write classes that permits ``action``, e.g. {"originate",
    "system"} for an Originate of Application System, {"call"} for a Hangup."""
    return frozenset(classes[0] for classes, _ in _rules(action))


def may_send(name: str, write: Iterable[str]) -> bool:
    """The first check, before the action runs: the account holds one of the classes
    the action is registered with (else ``Permission denied``)."""
    reg = _BY_LOWER.get(name.lower())
    return reg is None or not reg.classes or bool(frozenset(write) & set(reg.classes))


def refusal(action: Mapping[str, str], write: Iterable[str]) -> str | None:
    """Asterisk's error message when an account with ``write`` classes sends ``action``,
    or None when it may."""
    held = frozenset(write)
    for classes, message in _rules(action):
        if not held & set(classes):
            return message
    return None


def event_class(event: str, privilege: str = "") -> str:
    """The class of an event: from its Privilege field, else from ``EVENTS``."""
    if privilege:
        return privilege.split(",", 1)[0].strip().lower()
    return EVENTS.get(event, "")


def may_read(read: Iterable[str], event: str, privilege: str = "") -> bool:
    """An account with ``read`` classes receives this event."""
    klass = event_class(event, privilege)
    return not klass or klass in frozenset(read)


def _function_safe(action: Mapping[str, str]) -> bool:
    text = _get(action, "Variable") + _get(action, "Variables")
    return "SHELL" not in text and "EVAL" not in text


def _get(action: Mapping[str, str], key: str) -> str:
    """A header, matched without regard to case as Asterisk does."""
    lowered = key.lower()
    return next((v for k, v in action.items() if k.lower() == lowered), "")
