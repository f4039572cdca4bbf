"""``cti config check --asterisk DIR``: what in an Asterisk configuration exposes the
service, or breaks it.

manager.conf (and its includes): the service's account must have the write
classes of every action the service sends (``SERVICE_ACTIONS``, checked with
Asterisk's own registrations in ``cti.ami.privileges``) and none of the
dangerous ones (system, command, config, all); a real secret; permit/deny
rules. extensions.conf (and its includes): nothing a caller controls
(``${EXTEN}``, ``${CALLERID(...)}``) reaches a Dial or an AGI URL without
FILTER (or URIENCODE in a URL); [cti-inbound] takes +E.164 numbers and acts
on CTI_ACTION before AGISTATUS; [cti-outbound] filters what it dials;
[cti-hold] cannot keep a caller for ever. Every finding names the file and
the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cti.ami.privileges import ACTIONS, may_send, parse_classes
from cti.asterisk_conf import ConfReadError, Line, Section, read_conf
from cti.sim.dialplan import extension_matches

#: Every AMI action the service sends, and why (docs/security.md lists them).
SERVICE_ACTIONS: dict[str, str] = {
    "Setvar": "give the dialplan the agent to ring and the ring timeout",
    "Getvar": "read a channel's CTI variables after a reconnect",
    "Redirect": "send a caller to an agent, back to hold, to voicemail or a transfer",
    "Originate": "callbacks, click-to-dial and supervisor spy",
    "Hangup": "end a call the service closes",
    "Bridge": "join a caller and an agent again after a hold from the desktop",
    "BlindTransfer": "blind transfers from the desktop",
    "Atxfer": "attended transfers from the desktop",
    "PlayDTMF": "switch a supervisor between listen, whisper and barge",
    "MixMonitorMute": "pause a queue's recording while the caller is held",
    "UserEvent": "events for other AMI clients",
    "CoreShowChannels": "the resync after a reconnect",
    "DeviceStateList": "the phones' state at start",
    "ExtensionStateList": "the hints' state at start",
    "ShowDialPlan": "cti doctor: the dialplan contexts Asterisk has loaded",
    "ListCommands": "cti doctor: the actions the account may send (no class needed)",
    "Ping": "keep-alive (no class needed)",
}
#: Actions in the code the service never sends with its account: Login and Logoff
#: open and close the session (no class); Command is a helper of the AMI library
#: nothing calls (it needs the command class, which the account must not have).
NOT_SERVICE_ACTIONS = frozenset({"Login", "Logoff", "Command"})
#: Write classes the service's account must not have, and what each would allow.
DANGEROUS_CLASSES: dict[str, str] = {
    "system": "Originate of Application=System runs a shell command as Asterisk's user, "
              "GetConfig reads manager.conf with every account's secret",
    "command": "the Command action runs any CLI command",
    "config": "GetConfig/UpdateConfig read and rewrite Asterisk's files",
    "all": "every class, system and command included",
}
#: Events the service follows, by read class.
NEEDED_READ = {"call": "channels, dials, bridges and hang-ups",
               "dialplan": "Newexten and VarSet (where callers are, CTI_* variables)",
               "user": "UserEvent (dial results, agents' feature codes)"}
_PLACEHOLDERS = frozenset({"change-me", "changeme", "cti-secret", "secret", "password",
                           "amp111", "admin", "manager", "1234", "12345", "123456"})
#: The channel's caller-controlled values (variables and functions).
_TAINTED_FUNCTIONS = ("CALLERID", "CONNECTEDLINE", "REDIRECTING", "PJSIP_HEADER",
                      "SIP_HEADER")
_SANITIZERS = {"Dial": ("FILTER",), "AGI": ("FILTER", "URIENCODE")}
_APP = re.compile(r"^\s*([A-Za-z0-9_]+)\s*(?:\((.*)\))?\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Literal["error", "warning"]
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message}"


def check_asterisk_dir(directory: Path, *, usernames: Iterable[str] = ("cti",),
                       inbound: str = "cti-inbound", outbound: str = "cti-outbound",
                       hold: str = "cti-hold") -> list[Finding]:
    """Check the Asterisk configuration in ``directory`` (``/etc/asterisk``, or the
    project's ``dialplan/``): manager.conf, else manager*.conf; extensions.conf,
    else extensions*.conf."""
    findings: list[Finding] = []
    managers = _files(directory, "manager")
    extensions = _files(directory, "extensions")
    if not managers:
        findings.append(Finding("error", str(directory), "no manager.conf: the service "
                                "needs an AMI account (see dialplan/manager_cti.conf)"))
    if not extensions:
        findings.append(Finding("error", str(directory), "no extensions.conf: include "
                                "dialplan/extensions_cti.conf from it"))
    sections: list[Section] = []
    for path in managers:
        sections += _read(path, findings)
    if managers:
        findings += check_manager(sections, usernames)
    contexts: list[Section] = []
    for path in extensions:
        contexts += _read(path, findings)
    if extensions:
        findings += check_dialplan(contexts, inbound=inbound, outbound=outbound, hold=hold)
    return findings


def _files(directory: Path, stem: str) -> list[Path]:
    main = directory / f"{stem}.conf"
    return [main] if main.is_file() else sorted(directory.glob(f"{stem}*.conf"))


def _read(path: Path, findings: list[Finding]) -> list[Section]:
    try:
        return read_conf(path)
    except ConfReadError as exc:
        findings.append(Finding("error", str(path), str(exc)))
        return []


# -- manager.conf ----------------------------------------------------------------

def check_manager(sections: list[Section], usernames: Iterable[str]) -> list[Finding]:
    out: list[Finding] = []
    general = next((s for s in sections if s.name == "general"), None)
    if general is not None:
        out += _check_general(general)
    users = {s.name: s for s in sections if not s.template and s.name != "general"}
    for name in usernames:
        user = users.get(name)
        if user is None:
            out.append(Finding("error", "manager.conf", f"no [{name}] user (the AMI username "
                               "of cti.yaml); copy dialplan/manager_cti.conf"))
            continue
        out += _check_user(user)
    return out


def _check_general(general: Section) -> Iterator[Finding]:
    enabled = general.get("enabled")
    if enabled is not None and enabled[0].lower() not in ("yes", "true", "1", "on"):
        yield Finding("error", enabled[1].where, "AMI is disabled (enabled = no)")
    bind = general.get("bindaddr")
    tls = general.get("tlsenable")
    tls_on = tls is not None and tls[0].lower() in ("yes", "true", "1", "on")
    if (bind is None or bind[0] in ("0.0.0.0", "::")) and not tls_on:
        where = bind[1].where if bind else general.line.where
        yield Finding("warning", where, "AMI listens on every address in clear text: bind "
                      "it to 127.0.0.1 (service on this machine) or use TLS for a remote "
                      "service (tlsenable, tlsbindaddr, tlscertfile), and firewall port 5038")
    web = general.get("webenabled")
    if web is not None and web[0].lower() in ("yes", "true", "1", "on"):
        yield Finding("warning", web[1].where, "AMI over HTTP is enabled (webenabled); the "
                      "service does not need it")


def _check_user(user: Section) -> Iterator[Finding]:
    here = user.line.where
    secret = user.get("secret")
    if secret is None:
        yield Finding("error", here, f"[{user.name}] has no secret: nobody can log in; set a "
                      "long random one and export it as CTI_AMI_SECRET for the service")
    elif secret[0].strip().lower() in _PLACEHOLDERS or secret[0].startswith("<"):
        yield Finding("error", secret[1].where, f"[{user.name}] has a placeholder secret; set "
                      "a long random one (openssl rand -base64 24)")
    elif len(secret[0]) < 16:
        yield Finding("warning", secret[1].where, f"[{user.name}] has a short secret "
                      f"({len(secret[0])} characters); use 16 or more")
    write = _classes(user, "write")
    read = _classes(user, "read")
    write_line = (user.get("write") or ("", user.line))[1]
    for klass in sorted(DANGEROUS_CLASSES):
        if klass in write[0]:
            yield Finding("error", write_line.where, f"[{user.name}] write has {klass!r}: "
                          f"{DANGEROUS_CLASSES[klass]}; the service needs only "
                          "call,originate,user,reporting")
    if not {"system", "all"} & write[0]:
        held = write[1]
        for action, why in SERVICE_ACTIONS.items():
            if not may_send(action, held):
                needed = " or ".join(ACTIONS[action].classes)
                yield Finding("error", write_line.where, f"[{user.name}] cannot send "
                              f"{action} (needs write {needed}): {why}")
    read_line = (user.get("read") or ("", user.line))[1]
    for klass, what in NEEDED_READ.items():
        if klass not in read[1]:
            yield Finding("error", read_line.where, f"[{user.name}] read lacks {klass!r}: "
                          f"the service would not see {what}")
    yield from _check_acl(user)


def _classes(user: Section, option: str) -> tuple[set[str], frozenset[str]]:
    """(the words written, the classes Asterisk grants) of read or write."""
    value = user.get(option)
    words = {w.strip().lower() for w in value[0].split(",")} if value else set()
    try:
        granted = parse_classes(value[0]) if value else frozenset()
    except ValueError:
        granted = frozenset()
    return words, granted


def _check_acl(user: Section) -> Iterator[Finding]:
    rules = [(k, v, line) for k in ("deny", "permit", "acl")
             for v, line in user.options.get(k, [])]
    if not rules:
        yield Finding("error", user.line.where, f"[{user.name}] has no permit/deny: any "
                      "address may log in; add deny = 0.0.0.0/0.0.0.0 and permit = "
                      "<the service's address>/255.255.255.255")
        return
    for kind, value, line in rules:
        if kind == "permit" and value.split("/")[0] in ("0.0.0.0", "::") and \
                value.split("/")[-1] in ("0", "0.0.0.0", value.split("/")[0]):
            yield Finding("error", line.where, f"[{user.name}] permits every address "
                          f"({value}); permit only the service's address")
    if not any(kind == "deny" for kind, _, _ in rules) and \
            not any(kind == "acl" for kind, _, _ in rules):
        yield Finding("warning", user.line.where, f"[{user.name}] has permit but no deny: "
                      "start with deny = 0.0.0.0/0.0.0.0")


# -- extensions.conf -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Step:
    context: str
    exten: str
    app: str
    data: str
    line: Line


def check_dialplan(contexts: list[Section], *, inbound: str, outbound: str,
                   hold: str) -> list[Finding]:
    steps = list(_steps(contexts))
    out = list(_check_caller_values(steps))
    names = {c.name for c in contexts}
    for name in (inbound, hold, outbound):
        if name not in names:
            out.append(Finding("error", "extensions.conf", f"no [{name}] context: include "
                               "dialplan/extensions_cti.conf"))
    out += _check_inbound([s for s in steps if s.context == inbound], contexts, inbound)
    for step in steps:
        if step.context == outbound and step.app.lower() == "dial" \
                and "FILTER(" not in step.data.upper():
            out.append(Finding("error", step.line.where, f"[{outbound}] Dial({step.data}) "
                               "without FILTER: a number with & dials a second "
                               "destination; dial ${FILTER(-A-Za-z0-9/@._+:,${CTI_DIAL})}"))
    hold_steps = [s for s in steps if s.context == hold]
    if hold_steps and not any("CTI_HOLD_LIMIT" in s.data for s in hold_steps):
        out.append(Finding("warning", hold_steps[0].line.where, f"[{hold}] has no limit "
                           "(CTI_HOLD_LIMIT): a caller can wait for ever when the service "
                           "is down"))
    if hold_steps and not any("CTI_HOLD_OK" in s.data for s in hold_steps):
        out.append(Finding("warning", hold_steps[0].line.where, f"[{hold}] does not count "
                           "failed hold steps (CTI_HOLD_OK): with the service down callers "
                           "loop until they hang up"))
    return out


def _steps(contexts: list[Section]) -> Iterator[_Step]:
    for context in contexts:
        exten = ""
        for line in context.lines:
            key, sep, value = line.text.partition("=>")
            if not sep:
                key, sep, value = line.text.partition("=")
            key = key.strip().lower()
            if key == "exten":
                exten, _, rest = value.strip().partition(",")
                exten = exten.strip()
            elif key == "same":
                rest = value.strip()
            else:
                continue
            _, _, app_text = rest.partition(",")
            match = _APP.match(app_text)
            if match:
                yield _Step(context.name, exten, match.group(1), match.group(2) or "", line)


def _check_caller_values(steps: list[_Step]) -> Iterator[Finding]:
    """${EXTEN} and ${CALLERID(...)} (or a variable Set from them) in a Dial or an AGI
    URL, outside FILTER (AGI: also URIENCODE)."""
    tainted = _tainted_variables(steps)
    for step in steps:
        app = next((a for a in _SANITIZERS if a.lower() == step.app.lower()), None)
        if app is None:
            continue
        data = step.data.split(",", 1)[0] if app == "AGI" else step.data
        for value in unsafe_values(data, _SANITIZERS[app], tainted):
            fix = "${URIENCODE(...)}" if app == "AGI" else "${FILTER(0-9+,...)}"
            yield Finding("error", step.line.where, f"[{step.context}] {app}({step.data}): "
                          f"${{{value}}} is what the caller sent, unfiltered: a number like "
                          f"900&flow=vip or 555&PJSIP/0900 goes through; wrap it in {fix}")


def _tainted_variables(steps: list[_Step]) -> set[str]:
    """Variables Set from a caller's value without a sanitizer, to a fixed point."""
    tainted: set[str] = set()
    while True:
        before = len(tainted)
        for step in steps:
            if step.app.lower() != "set":
                continue
            name, sep, value = step.data.partition("=")
            if sep and list(unsafe_values(value, ("FILTER", "URIENCODE"), tainted)):
                tainted.add(name.strip())
        if len(tainted) == before:
            return tainted


def unsafe_values(text: str, sanitizers: Iterable[str], tainted: set[str]) -> Iterator[str]:
    """The caller-controlled ``${...}`` in ``text`` that no sanitizer function wraps."""
    yield from _scan(text, tuple(s.upper() for s in sanitizers), tainted, safe=False)


def _scan(text: str, sanitizers: tuple[str, ...], tainted: set[str], *,
          safe: bool) -> Iterator[str]:
    i = 0
    while i < len(text):
        if not text.startswith("${", i):
            i += 1
            continue
        end = _closing(text, i + 1)
        if end < 0:
            return
        inner = text[i + 2 : end]
        name, paren, args = inner.partition("(")
        if paren:
            function = name.strip().upper()
            if function in _TAINTED_FUNCTIONS and not safe:
                yield inner
            else:
                yield from _scan(args, sanitizers, tainted,
                                 safe=safe or function in sanitizers)
        else:
            variable = inner.split(":", 1)[0].strip()
            if not safe and (variable == "EXTEN" or variable in tainted):
                yield inner
            yield from _scan(inner, sanitizers, tainted, safe=safe)
        i = end + 1


def _closing(text: str, start: int) -> int:
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return -1


def _check_inbound(steps: list[_Step], contexts: list[Section],
                   inbound: str) -> Iterator[Finding]:
    if not steps:
        return
    extens = {s.exten for s in steps}
    if any(extension_matches(e, "912345678") for e in extens) and \
            not any(extension_matches(e, "+34910000000") for e in extens):
        context = next(c for c in contexts if c.name == inbound)
        yield Finding("warning", context.line.where, f"[{inbound}] matches national numbers "
                      "(_X.) but no E.164 number: _X. never matches a leading +; add _+X.")
    for step in steps:
        if step.app.lower() == "agi":
            query = step.data.split(",", 1)[0].partition("?")[2]
            keys = [p.partition("=")[0] for p in query.split("&") if p]
            extra = [k for k in keys if k != "dnid"]
            if extra:
                yield Finding("error", step.line.where, f"[{inbound}] AGI URL passes "
                              f"{', '.join(extra)}: the service chooses the flow from "
                              "ivr.numbers and refuses other arguments; use "
                              "/ivr?dnid=${URIENCODE(${EXTEN})}")
    ifs = [s for s in steps if s.app.lower() == "gotoif"]
    first_action = next((n for n, s in enumerate(ifs) if "CTI_ACTION" in s.data), None)
    first_status = next((n for n, s in enumerate(ifs) if "AGISTATUS" in s.data), None)
    if first_status is not None and (first_action is None or first_status < first_action):
        step = ifs[first_status]
        yield Finding("warning", step.line.where, f"[{inbound}] tests AGISTATUS before "
                      "CTI_ACTION: one failed AGI command (a missing prompt) makes it "
                      "FAILURE and the IVR's decision is thrown away; act on CTI_ACTION "
                      "first")
