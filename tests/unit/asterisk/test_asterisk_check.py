"""``cti config check --asterisk DIR``: each risky line of an Asterisk configuration
is found and named by file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cti.asterisk_check import check_asterisk_dir, unsafe_values
from cti.cli import main

ROOT = Path(__file__).resolve().parents[3]
RECORDED = ROOT.parent / "shared" / "asterisk-traces" / "asterisk-config"
SECRET = "Zq7fS2kL9vR4wX1pYt6u"
GOOD_USER = f"""[cti]
secret = {SECRET}
deny = 0.0.0.0/0.0.0.0
permit = 10.0.0.5/255.255.255.255
read = call,dialplan,user,system
write = call,originate,user,reporting
"""
GOOD_PLAN = (ROOT / "dialplan" / "extensions_cti.conf").read_text()


def site(tmp_path: Path, manager: str = GOOD_USER, extensions: str = GOOD_PLAN) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "manager.conf").write_text(manager)
    (tmp_path / "extensions.conf").write_text(extensions)
    return tmp_path


def lines(directory: Path) -> list[str]:
    return [str(f) for f in check_asterisk_dir(directory, usernames={"cti"})]


def test_a_careful_site_has_nothing_to_report(tmp_path: Path) -> None:
    assert lines(site(tmp_path)) == []


@pytest.mark.parametrize(("write", "found"), [
    ("call,originate,user,reporting,system", "write has 'system': Originate of "
     "Application=System runs a shell command"),
    ("all", "write has 'all'"),
    ("call,originate,user,reporting,command", "write has 'command': the Command action"),
    ("call,originate,user,reporting,config", "write has 'config'"),
])
def test_dangerous_write_classes_are_errors(tmp_path: Path, write: str, found: str) -> None:
    manager = GOOD_USER.replace("write = call,originate,user,reporting", f"write = {write}")
    (line,) = lines(site(tmp_path, manager))
    assert line.startswith("manager.conf:6: error: [cti] ") and found in line


def test_a_missing_class_names_the_actions_that_would_fail(tmp_path: Path) -> None:
    manager = GOOD_USER.replace("write = call,originate,user,reporting", "write = call,user")
    assert lines(site(tmp_path, manager)) == [
        "manager.conf:6: error: [cti] cannot send Originate (needs write originate): "
        "callbacks, click-to-dial and supervisor spy",
        "manager.conf:6: error: [cti] cannot send CoreShowChannels (needs write reporting "
        "or system): the resync after a reconnect",
        "manager.conf:6: error: [cti] cannot send ShowDialPlan (needs write config or "
        "reporting): cti doctor: the dialplan contexts Asterisk has loaded"]


@pytest.mark.parametrize(("old", "new", "found"), [
    (f"secret = {SECRET}", "secret = change-me", "manager.conf:2: error: [cti] has a "
     "placeholder secret"),
    (f"secret = {SECRET}", "secret = short", "manager.conf:2: warning: [cti] has a short "
     "secret (5 characters)"),
    (f"secret = {SECRET}\n", "", "manager.conf:1: error: [cti] has no secret: nobody can "
     "log in"),
    ("deny = 0.0.0.0/0.0.0.0\npermit = 10.0.0.5/255.255.255.255\n", "",
     "manager.conf:1: error: [cti] has no permit/deny: any address may log in"),
    ("permit = 10.0.0.5/255.255.255.255", "permit = 0.0.0.0/0.0.0.0",
     "manager.conf:4: error: [cti] permits every address (0.0.0.0/0.0.0.0)"),
    ("read = call,dialplan,user,system", "read = call,user,system",
     "manager.conf:5: error: [cti] read lacks 'dialplan'"),
])
def test_account_problems(tmp_path: Path, old: str, new: str, found: str) -> None:
    lines_found = lines(site(tmp_path, GOOD_USER.replace(old, new)))
    assert any(line.startswith(found) for line in lines_found), lines_found


def test_no_account_for_the_service(tmp_path: Path) -> None:
    assert lines(site(tmp_path, GOOD_USER.replace("[cti]", "[admin]"))) == [
        "manager.conf: error: no [cti] user (the AMI username of cti.yaml); copy "
        "dialplan/manager_cti.conf"]


def test_includes_and_templates_are_followed(tmp_path: Path) -> None:
    (tmp_path / "manager.d").mkdir()
    (tmp_path / "manager.d" / "cti.conf").write_text(
        "[base](!)\nwrite = call,originate,user,reporting,system\n"
        "read = call,dialplan,user,system\n"
        f"[cti](base)\nsecret = {SECRET}\ndeny = 0.0.0.0/0.0.0.0\npermit = 127.0.0.1\n")
    manager = "[general]\nenabled = yes\nbindaddr = 127.0.0.1\n#include manager.d/*.conf\n"
    found = lines(site(tmp_path, manager))
    assert found == ["cti.conf:2: error: [cti] write has 'system': Originate of "
                     "Application=System runs a shell command as Asterisk's user, GetConfig "
                     "reads manager.conf with every account's secret; the service needs "
                     "only call,originate,user,reporting"]


def test_ami_listening_everywhere_in_clear_text_is_a_warning(tmp_path: Path) -> None:
    manager = "[general]\nenabled = yes\nbindaddr = 0.0.0.0\n" + GOOD_USER
    (line,) = lines(site(tmp_path, manager))
    assert line.startswith("manager.conf:3: warning: AMI listens on every address")
    tls = manager.replace("bindaddr = 0.0.0.0", "bindaddr = 0.0.0.0\ntlsenable = yes")
    assert lines(site(tmp_path, tls)) == []


@pytest.mark.parametrize(("plan_line", "value"), [
    ("exten => _X.,1,AGI(agi://x/ivr?dnid=${EXTEN})", "EXTEN"),
    ("exten => _X.,1,Dial(PJSIP/${EXTEN}@trunk)", "EXTEN"),
    ("exten => _X.,1,Dial(PJSIP/${EXTEN:1}@trunk,30)", "EXTEN:1"),
    ("exten => _X.,1,AGI(agi://x/ivr?n=${CALLERID(num)})", "CALLERID(num)"),
    ("exten => _X.,1,Dial(PJSIP/${URIENCODE(${EXTEN})}@trunk)", "EXTEN"),  # no filter
    ("exten => _X.,1,Set(N=${EXTEN})\n same => n,Dial(SIP/trunk/${N})", "N"),
])
def test_caller_values_reaching_dial_or_agi_unfiltered_are_errors(
        tmp_path: Path, plan_line: str, value: str) -> None:
    found = lines(site(tmp_path, extensions=GOOD_PLAN + f"\n[from-trunk]\n{plan_line}\n"))
    assert len(found) == 1 and f"${{{value}}} is what the caller sent, unfiltered" \
        in found[0], found
    assert found[0].startswith("extensions.conf:")


@pytest.mark.parametrize("text", [
    "PJSIP/${FILTER(0-9+,${EXTEN})}@trunk",
    "agi://x/ivr?dnid=${URIENCODE(${EXTEN})}",
    "${FILTER(-A-Za-z0-9/@._+:,${CTI_DIAL})}",
    "PJSIP/${FILTER(0-9,${CALLERID(num)})}",
])
def test_filtered_values_are_fine(text: str) -> None:
    assert list(unsafe_values(text, ("FILTER", "URIENCODE"), set())) == []


def test_the_old_inbound_and_outbound_contexts_are_flagged(tmp_path: Path) -> None:
    old = """[cti-inbound]
exten => _X.,1,Answer()
 same => n,AGI(${CTI_AGI}/ivr?flow=main&dnid=${EXTEN})
 same => n,GotoIf($["${AGISTATUS}" = "FAILURE"]?cti-fallback,s,1)
 same => n,GotoIf($["${CTI_ACTION}" = "queue"]?cti-hold,s,1)
[cti-hold]
exten => s,1,MusicOnHold(default,4)
 same => n,AGI(${CTI_AGI}/hold)
[cti-outbound]
exten => _X.,1,Dial(PJSIP/${EXTEN}@trunk,60)
"""
    assert lines(site(tmp_path, extensions=old)) == [
        "extensions.conf:3: error: [cti-inbound] AGI(${CTI_AGI}/ivr?flow=main&dnid=${EXTEN}): "
        "${EXTEN} is what the caller sent, unfiltered: a number like 900&flow=vip or "
        "555&PJSIP/0900 goes through; wrap it in ${URIENCODE(...)}",
        "extensions.conf:10: error: [cti-outbound] Dial(PJSIP/${EXTEN}@trunk,60): ${EXTEN} "
        "is what the caller sent, unfiltered: a number like 900&flow=vip or 555&PJSIP/0900 "
        "goes through; wrap it in ${FILTER(0-9+,...)}",
        "extensions.conf:1: warning: [cti-inbound] matches national numbers (_X.) but no "
        "E.164 number: _X. never matches a leading +; add _+X.",
        "extensions.conf:3: error: [cti-inbound] AGI URL passes flow: the service chooses "
        "the flow from ivr.numbers and refuses other arguments; use "
        "/ivr?dnid=${URIENCODE(${EXTEN})}",
        "extensions.conf:4: warning: [cti-inbound] tests AGISTATUS before CTI_ACTION: one "
        "failed AGI command (a missing prompt) makes it FAILURE and the IVR's decision is "
        "thrown away; act on CTI_ACTION first",
        "extensions.conf:10: error: [cti-outbound] Dial(PJSIP/${EXTEN}@trunk,60) without "
        "FILTER: a number with & dials a second destination; dial "
        "${FILTER(-A-Za-z0-9/@._+:,${CTI_DIAL})}",
        "extensions.conf:7: warning: [cti-hold] has no limit (CTI_HOLD_LIMIT): a caller can "
        "wait for ever when the service is down",
        "extensions.conf:7: warning: [cti-hold] does not count failed hold steps "
        "(CTI_HOLD_OK): with the service down callers loop until they hang up",
    ]


def test_the_configuration_the_traces_were_recorded_with(tmp_path: Path) -> None:
    """shared/asterisk-traces/asterisk-config: a lab, as open as a lab is."""
    found = lines(RECORDED)
    assert "manager.conf:7: error: [cti] has a placeholder secret; set a long random one " \
           "(openssl rand -base64 24)" in found
    assert any("[cti] write has 'all'" in line for line in found)
    assert any("[from-pstn] AGI(" in line and "${EXTEN}" in line for line in found)


def test_cti_config_check_with_asterisk_exits_2_on_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    asterisk = site(tmp_path / "asterisk", GOOD_USER.replace("reporting\n", "reporting,system\n"))
    assert main(["config", "check", str(config), "--asterisk", str(asterisk)]) == 2
    captured = capsys.readouterr()
    assert "[cti] write has 'system'" in captured.err
    assert captured.out.splitlines()[-1] == f"{asterisk}: 1 error(s), 0 warning(s)"
    good = site(tmp_path / "good")
    assert main(["config", "check", str(config), "--asterisk", str(good)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{good}: OK"
