"""cti.ami.privileges (Asterisk 20's action classes) and manager.conf accounts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cti.ami import privileges
from cti.asterisk_check import NOT_SERVICE_ACTIONS, SERVICE_ACTIONS
from cti.sim import SimError
from cti.sim.accounts import load_accounts, parse_accounts
from cti.sim.actions import ACTIONS as SIM_ACTIONS

PROJECT_ACCOUNTS = Path(__file__).resolve().parents[3] / "dialplan" / "manager_cti.conf"


def test_every_action_the_simulator_answers_has_asterisks_registration() -> None:
    known = {name.lower() for name in privileges.ACTIONS}
    assert set(SIM_ACTIONS) <= known


@pytest.mark.parametrize(("action", "classes"), [
    ({"Action": "Hangup", "Channel": "x"}, {"call"}),
    ({"Action": "ping"}, set()),
    ({"Action": "Originate", "Channel": "PJSIP/1", "Exten": "s"}, {"originate"}),
    ({"Action": "Originate", "Application": "System", "Data": "id"}, {"originate", "system"}),
    ({"Action": "Originate", "Application": "ChanSpy", "Data": "PJSIP/1,qw"}, {"originate"}),
    ({"Action": "Originate", "Application": "Queue", "Data": "q,,,,,agi://x"},
     {"originate", "agi"}),
    ({"Action": "Originate", "Application": "Queue", "Data": "sales"}, {"originate"}),
    ({"Action": "Originate", "Application": "Set", "Data": "X=${EVAL(y)}"},
     {"originate", "system"}),
    ({"Action": "Getvar", "Variable": "SHELL(id)"}, {"call", "system"}),
    ({"Action": "MixMonitor", "Channel": "x"}, {"system"}),
    ({"Action": "Command", "Command": "core show version"}, {"command"})])
def test_required_classes_follow_asterisks_registrations(action: dict[str, str],
                                                         classes: set[str]) -> None:
    assert privileges.required_classes(action) == classes


def test_refusal_names_asterisks_messages() -> None:
    spy = {"Action": "Originate", "Application": "ChanSpy", "Data": "PJSIP/1,qw"}
    system = {"Action": "Originate", "Application": "system", "Data": "id"}
    assert privileges.refusal(spy, {"originate"}) is None
    assert privileges.refusal(spy, {"call"}) == "Permission denied"
    assert privileges.refusal(system, {"originate"}) == \
        "Originate Access Forbidden: app or data blacklisted"
    assert privileges.refusal({"Action": "GetConfig"}, {"system"}) is None  # config|system
    assert privileges.refusal({"Action": "Getvar", "Variable": "EVAL(x)"}, {"call"}) == \
        "GetVar Access Forbidden: Variable"


def test_classes_and_event_masks_parse_like_manager_conf() -> None:
    assert privileges.parse_classes("call, Dialplan") == {"call", "dialplan"}
    assert privileges.parse_classes("all") == privileges.ALL
    assert privileges.parse_classes("none") == frozenset()
    with pytest.raises(ValueError, match="unknown AMI class 'cal'"):
        privileges.parse_classes("cal,dialplan")
    assert privileges.event_mask("off") == frozenset()
    assert privileges.event_mask("on") == privileges.ALL
    assert privileges.event_mask(str(1 << 1 | 1 << 11)) == {"call", "dialplan"}
    assert privileges.event_mask("") is None
    assert privileges.may_read({"call"}, "Newchannel", "call,all")
    assert not privileges.may_read({"call"}, "VarSet")


def test_accounts_file_sections_and_rules() -> None:
    accounts = parse_accounts("""
[general]
enabled = yes
[cti]
secret = s
deny = 0.0.0.0/0.0.0.0
permit = 10.1.0.0/255.255.0.0
read = call,user
write = call
[reader]
secret = r
""")
    cti, reader = accounts["cti"], accounts["reader"]
    assert (cti.read, cti.write) == ({"call", "user"}, {"call"})
    assert cti.admits("10.1.2.3") and not cti.admits("127.0.0.1")
    assert reader.admits("127.0.0.1") and reader.read == reader.write == frozenset()


def test_a_user_without_a_secret_can_never_log_in() -> None:
    (cti,) = parse_accounts("[cti]\nread = call\n").values()
    assert cti.secret is None


@pytest.mark.parametrize(("text", "message"), [
    ("[cti]\nsecret = s\nwrite = cal\n", "<manager.conf>:3: unknown AMI class 'cal'"),
    ("[cti]\nsecret = s\npermit = localhost\n", "<manager.conf>:3: 'localhost' is not an")])
def test_accounts_file_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(SimError, match=message):
        parse_accounts(text)


#: Every AMI action literal in the service's code (the simulator's own excepted).
_ACTION_LITERAL = re.compile(r"""["']Action["']\s*:\s*["'](\w+)["']""")


def _actions_in_the_code() -> set[str]:
    root = PROJECT_ACCOUNTS.parents[1] / "cti"
    return {name for path in root.rglob("*.py") if "sim" not in path.relative_to(root).parts
            for name in _ACTION_LITERAL.findall(path.read_text())}


def test_service_actions_list_every_action_the_code_sends() -> None:
    """SERVICE_ACTIONS (what `cti config check --asterisk` and `cti doctor` demand,
    what docs/security.md lists) is the code's own list: an action added to the
    code without it (MixMonitorMute once) would be refused on a real Asterisk with
    nobody warned."""
    found = _actions_in_the_code()
    assert found - set(SERVICE_ACTIONS) - NOT_SERVICE_ACTIONS == set()
    assert set(SERVICE_ACTIONS) - found == set()
    assert {a for a in SERVICE_ACTIONS if a not in privileges.ACTIONS} == set()


def test_the_projects_account_permits_what_the_service_sends() -> None:
    """Every action of the code (Command excepted: nothing calls it, and it needs the
    command class) against Asterisk 20's registrations and the shipped account."""
    cti = load_accounts(PROJECT_ACCOUNTS)["cti"]
    sent = [{"Action": a} for a in sorted(_actions_in_the_code() - {"Command", "Originate"})]
    sent += [{"Action": "Originate", "Channel": "PJSIP/1001", "Exten": "5559876"},
             {"Action": "Originate", "Channel": "PJSIP/1002", "Application": "ChanSpy",
              "Data": "PJSIP/1001-00000001,qw"}]
    assert [a for a in sent if privileges.refusal(a, cti.write)] == []
    assert privileges.refusal({"Action": "Command"}, cti.write) == "Permission denied"
    for event in ("Newchannel", "VarSet", "UserEvent", "FullyBooted", "DeviceStateChange"):
        assert privileges.may_read(cti.read, event), event
