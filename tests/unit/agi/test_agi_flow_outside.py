"""What flows send out of Asterisk is checked when they load: one dial destination,
one mailbox, outside numbers the policy allows, a way out for a refused callback."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.agi.loader import LoadedFlow, parse_flow
from cti.agi.outside import TargetRefused, mailbox, transfer_target
from cti.agi.validate import check_entries, check_flows
from cti.numbers import NumberPolicy

POLICY = NumberPolicy("ES")


def check(text: str) -> list[str]:
    path = Path("main.yaml")
    flow, problems = parse_flow(path, text)
    if flow is None:
        return problems
    return check_flows({"main": LoadedFlow("main", path, flow)}, policy=POLICY)


def flow(step: str) -> str:
    return f"start: a\nsteps:\n  a: {step}\n  v: {{type: voicemail, mailbox: 1@default}}\n" \
           "  x: {type: hangup}\n"


@pytest.mark.parametrize(("step", "error"), [
    ("{type: transfer, target: 'PJSIP/2001&PJSIP/0900@trunk', on_invalid: v}",
     "main.yaml: a: target: 'PJSIP/2001&PJSIP/0900@trunk' is not one dial destination"),
    ("{type: transfer, target: 'PJSIP/${x},60', on_invalid: v}",
     "main.yaml: a: target: 'PJSIP/${x},60' is not one dial destination"),
    ("{type: transfer, number: '+34803123456'}",
     "main.yaml: a: number: number '+34803123456' refused: a premium_rate number"),
    ("{type: transfer, number: '+16502530000'}",
     "main.yaml: a: number: number '+16502530000' refused: a number of US"),
    ("{type: transfer, target: PJSIP/2001, number: '+34911234567'}",
     "main.yaml: a: type: give target (an inside dial string"),
    ("{type: voicemail, mailbox: '1@default&2@default'}",
     "main.yaml: a: mailbox: '1@default&2@default' is not a mailbox like 8000@default"),
    ("{type: callback, queue: q}",
     "main.yaml: a: on_invalid: a callback needs on_invalid: where a caller whose number"),
])
def test_flows_that_would_send_a_caller_anywhere_else_are_refused(step: str,
                                                                    error: str) -> None:
    errors = check(flow(step))
    assert any(e.startswith(error) for e in errors), errors


@pytest.mark.parametrize("step", [
    "{type: transfer, target: 'PJSIP/${extension}', on_invalid: v}",
    "{type: transfer, target: 'Local/2001@internal/n'}",
    "{type: transfer, number: '+34911234567'}",
    "{type: transfer, number: '${account}', on_invalid: v}",
    "{type: callback, queue: q, on_invalid: v}",
])
def test_usual_targets_load(step: str) -> None:
    errors = [e for e in check(flow(step))
              if "unknown variable" not in e and "unreachable" not in e]
    assert errors == []


@pytest.mark.parametrize(("value", "allowed"), [
    ("2001", True), ("ab_c.1+2-3", True),
    ("2001&Local/0900@x", False), ("2001,60", False), ("2001@evil", False),
    ("2001/n", False), ("${SHELL(id)}", False), ("a b", False),
])
def test_values_put_into_a_target_are_letters_digits_and_few_signs(value: str,
                                                                  allowed: bool) -> None:
    variables = {"ext": value}
    if allowed:
        assert transfer_target("PJSIP/${ext}", variables) == f"PJSIP/{value}"
    else:
        with pytest.raises(TargetRefused):
            transfer_target("PJSIP/${ext}", variables)
        with pytest.raises(TargetRefused):
            mailbox("${ext}@default", variables)


def test_a_mailbox_is_letters_digits_underscores_and_dashes_around_one_at() -> None:
    assert mailbox("${box}@default", {"box": "8000"}) == "8000@default"
    with pytest.raises(TargetRefused):
        mailbox("${box}@default", {"box": "80.00"})


def test_the_flows_config_starts_must_exist() -> None:
    flows = {"main": object(), "survey": object()}
    assert check_entries(flows, numbers={"900": "main", "901": "vip"}, default_flow="main",
                         survey_flow="csat") == [
        "cti.yaml: ivr.numbers.901: no flow named 'vip'; flows: main, survey",
        "cti.yaml: ivr.survey_flow: no flow named 'csat'; flows: main, survey"]
