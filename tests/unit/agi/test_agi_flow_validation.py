"""Flow validation: every error names the file, the step and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.agi.errors import FlowValidationError
from cti.agi.loader import LoadedFlow, load_flows, parse_flow
from cti.agi.validate import check_flows
from cti.config import load_config

ROOT = Path(__file__).resolve().parents[3]
QUEUES = {"bookings", "general"}
SKILLS = {"bookings", "spanish"}


def check(**files: str) -> list[str]:
    flows, errors = {}, []
    for name, text in files.items():
        path = Path(f"{name}.yaml")
        flow, problems = parse_flow(path, text)
        errors += problems
        if flow is not None:
            flows[name] = LoadedFlow(name, path, flow)
    return errors + check_flows(flows, queues=QUEUES, skills=SKILLS)


GOOD = """
start: menu
steps:
  menu: {type: menu, prompt: m, options: {"1": q}, on_fail: q}
  q: {type: queue, queue: bookings, skills: {bookings: 2}}
"""


def test_flow_good_flow_has_no_errors() -> None:
    assert check(main=GOOD) == []


def test_flow_example_set_is_valid_against_the_shipped_config() -> None:
    config = load_config(ROOT / "config")
    flows = load_flows(ROOT / "ivr_flows", queues=set(config.queues), skills=config.skills(),
                       catalogue=config.catalogue)
    assert {"main", "after_hours", "vip", "booking_status", "survey"} <= set(flows)
    used = {step.type for lf in flows.values() for step in lf.flow.steps.values()}
    assert used == {"play", "menu", "input", "lookup", "branch", "set", "say", "http",
                    "queue", "transfer", "voicemail", "callback", "survey", "goto"} | {
                    "hangup", "case"}


def test_flow_unknown_step_reference() -> None:
    assert check(main=GOOD.replace('"1": q', '"1": nowhere')) == [
        "main.yaml: menu: options.1: no step named 'nowhere'; steps: menu, q"]


def test_flow_unknown_start() -> None:
    errors = check(main=GOOD.replace("start: menu", "start: begin"))
    assert errors[0] == "main.yaml: start: no step named 'begin'; steps: menu, q"


def test_flow_unreachable_step() -> None:
    errors = check(main=GOOD + "  orphan: {type: hangup}\n")
    assert errors == ["main.yaml: orphan: type: unreachable: no step leads to it from start "
                      "'menu'"]


def test_flow_menu_without_a_way_out() -> None:
    errors = check(main=GOOD.replace(", on_fail: q", ""))
    assert errors == ["main.yaml: menu: on_fail: menu has no way out after the last retry; "
                      "set on_fail to a step (a queue, a hangup)"]


def test_flow_input_without_a_way_out_and_digit_bounds() -> None:
    errors = check(main="""
start: i
steps:
  i: {type: input, prompt: p, var: acct, digits: 4, min_digits: 6, next: q}
  q: {type: queue, queue: general}
""")
    assert "main.yaml: i: on_fail: input has no way out after the last retry; " \
           "set on_fail to a step" in errors
    assert "main.yaml: i: min_digits: is more than digits (4)" in errors


def test_flow_menu_whose_every_way_loops_back() -> None:
    errors = check(main="""
start: m
steps:
  m: {type: menu, prompt: p, options: {"1": again}, on_fail: again}
  again: {type: play, prompts: [sorry], next: m}
""")
    assert errors == ["main.yaml: m: type: no way out: every path from this step loops back; "
                      "lead one option or on_fail to a queue, transfer, voicemail, callback, "
                      "goto or hangup"]


def test_flow_loop_with_no_input() -> None:
    errors = check(main="""
start: a
steps:
  a: {type: play, prompts: [x], next: b}
  b: {type: set, vars: {n: "1"}, next: a}
""")
    assert errors == ["main.yaml: a: next: loop with no input (main.a -> main.b -> main.a); "
                      "a caller would go round forever: put a menu or input in it"]


def test_flow_loop_across_flows_with_no_input() -> None:
    errors = check(main="start: g\nsteps:\n  g: {type: goto, flow: other}\n",
                   other="start: g\nsteps:\n  g: {type: goto, flow: main}\n")
    assert len(errors) == 1
    assert "loop with no input (main.g -> other.g -> main.g)" in errors[0]


def test_flow_loop_through_a_menu_is_fine() -> None:
    assert check(main="""
start: a
steps:
  a: {type: play, prompts: [x], next: m}
  m: {type: menu, prompt: p, options: {"1": a, "2": h}, on_fail: h}
  h: {type: hangup}
""") == []


def test_flow_unknown_variable_in_condition_and_template() -> None:
    errors = check(main="""
start: look
steps:
  look: {type: lookup, found: b, not_found: b}
  b:
    type: branch
    cases:
      - when: {var: customer_tierr, eq: vip}
        goto: h
      - when: {any: [{var: customer_tier, eq: vip}, {var: mood, eq: sad}]}
        goto: h
    default: h
  h: {type: hangup, prompt: "bye-${customer_attr_lang}"}
""")
    assert errors == [
        "main.yaml: b: cases.0.when: unknown variable 'customer_tierr': no step sets it "
        "(set, input, http map, lookup) and it is not built in",
        "main.yaml: b: cases.1.when: unknown variable 'mood': no step sets it "
        "(set, input, http map, lookup) and it is not built in",
    ]


def test_flow_variable_set_by_a_calling_flow_is_known() -> None:
    assert check(
        main="start: s\nsteps:\n  s: {type: set, vars: {lang: es}, next: g}\n"
             "  g: {type: goto, flow: sub}\n",
        sub="start: b\nsteps:\n  b: {type: branch, cases: [{when: {var: lang, eq: es}, "
            "goto: h}], default: h}\n  h: {type: hangup}\n",
    ) == []


def test_flow_unknown_queue_skill_and_flow() -> None:
    errors = check(main="""
start: s
steps:
  s: {type: set, skills: {fr3nch: 2}, next: m}
  m: {type: menu, prompt: p, options: {"1": q, "2": g}, on_fail: q}
  q: {type: queue, queue: sales, skills: {bookings: 11}}
  g: {type: goto, flow: elsewhere}
""")
    assert errors == [
        "main.yaml: s: skills.fr3nch: unknown skill 'fr3nch'; skills: bookings, spanish",
        "main.yaml: q: queue: no queue named 'sales'; queues: bookings, general",
        "main.yaml: q: skills.bookings: level 11 is not between 1 and 10",
        "main.yaml: g: flow: no flow named 'elsewhere'; flows: main",
    ]


@pytest.mark.parametrize(("text", "error"), [
    ("start: a\nsteps:\n  a: {type: play, prompts: [x]}\n",
     "main.yaml: a: next: required field is missing"),
    ("start: a\nsteps:\n  a: {type: hangup, colour: red}\n",
     "main.yaml: a: colour: unknown field"),
    ("start: a\nsteps:\n  a: {type: dance}\n",
     "main.yaml: a: type: Input tag 'dance' found using 'type' does not match any of the "
     "expected tags"),
    ("start: a\nsteps:\n  a: {type: menu, prompt: p, options: {x: a}, on_fail: a}\n",
     "main.yaml: a: options: option keys must be one of 0-9 * #, not ['x']"),
    ("start: a\nsteps:\n  a: {type: hangup}\n  a: {type: hangup}\n",
     "main.yaml: line 4: not valid YAML: 'a' is given twice"),
    ("start: a\nsteps: [\n", "main.yaml: line 3: not valid YAML:"),
    ("start: a\nsteps:\n  a: {type: input, prompt: p, var: x, digits: 3, pattern: '[', "
     "next: a, on_fail: a}\n", "main.yaml: a: pattern: not a regular expression"),
    ("start: a\nsteps:\n  a: {type: branch, cases: [{when: {eq: 1}, goto: a}], default: a}\n",
     "main.yaml: a: cases.0.when: a comparison (eq, in, gt, ...) needs var"),
])
def test_flow_schema_errors_name_file_step_and_field(text: str, error: str) -> None:
    errors = check(main=text)
    assert errors and errors[0].startswith(error), errors


def test_flow_load_flows_raises_with_every_error(tmp_path: Path) -> None:
    (tmp_path / "main.yaml").write_text(GOOD.replace("queue: bookings", "queue: sales"))
    (tmp_path / "bad.yaml").write_text("start: a\nsteps:\n  a: {type: hangup, x: 1}\n")
    with pytest.raises(FlowValidationError) as caught:
        load_flows(tmp_path, queues=QUEUES, skills=SKILLS)
    assert caught.value.errors == [
        "bad.yaml: a: x: unknown field",
        "main.yaml: q: queue: no queue named 'sales'; queues: bookings, general",
    ]


def test_flow_load_flows_of_an_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(FlowValidationError, match=r"no \*\.yaml flow files found"):
        load_flows(tmp_path)
