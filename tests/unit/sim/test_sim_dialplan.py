"""Dialplan parsing, pattern matching and expressions, without sockets."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.sim.dialplan import Dialplan, pattern_matches
from cti.sim.errors import DialplanError
from cti.sim.expr import evaluate, substitute

PROJECT = Path(__file__).resolve().parents[3] / "dialplan" / "extensions_cti.conf"


def test_sim_project_dialplan_has_contexts_labels_and_globals() -> None:
    plan = Dialplan.load(PROJECT)
    assert plan.globals["CTI_AGI"].startswith("agi://")
    assert plan.label("cti-hold", "s", "loop") == 4
    assert plan.find("cti-inbound", "ivr", 3).app == "AGI"  # type: ignore[union-attr]
    assert plan.find("cti-features", "*45", 2).app == "UserEvent"  # type: ignore[union-attr]


@pytest.mark.parametrize(("pattern", "exten", "hit"), [
    ("_X.", "900", True), ("_X.", "9", False), ("_NXX", "200", True), ("_NXX", "100", False),
    ("_1[2-4]X", "135", True), ("_1[2-4]X", "155", False), ("_9!", "9", True)])
def test_sim_patterns_match_like_asterisk(pattern: str, exten: str, hit: bool) -> None:
    assert pattern_matches(pattern, exten) is hit


def test_sim_exact_extension_wins_over_pattern() -> None:
    plan = Dialplan.parse("[c]\nexten => _X.,1,NoOp(p)\nexten => 900,1,NoOp(x)\n")
    assert plan.find("c", "900", 1).data == "x"  # type: ignore[union-attr]
    assert plan.find("c", "901", 1).data == "p"  # type: ignore[union-attr]


def test_sim_bad_priority_names_file_and_line() -> None:
    with pytest.raises(DialplanError, match=r"x.conf:2: bad priority 'zz'"):
        Dialplan.parse("[c]\nexten => 1,zz,NoOp()\n", "x.conf")


def test_sim_same_without_exten_is_an_error() -> None:
    with pytest.raises(DialplanError, match="without an 'exten =>'"):
        Dialplan.parse("[c]\nsame => n,NoOp()\n")


@pytest.mark.parametrize(("expr", "value"), [
    ('"queue" = "queue"', "1"), ('"a" = "b"', "0"), ("2 > 10", "0"), ("3 + 4", "7"),
    ('"" = ""', "1"), ("1 & 0", "0"), ("0 | 5", "5")])
def test_sim_expressions(expr: str, value: str) -> None:
    assert evaluate(expr) == value


def test_sim_substitution_nests_variables_functions_and_expressions() -> None:
    values = {"CTI_ACTION": "queue", "CHAN": "PJSIP/1001-00000001"}

    def lookup(name: str) -> str:
        if name.startswith("CUT("):
            var, delim, field = name[4:-1].split(",")
            return values[var].split(delim)[int(field) - 1]
        return values.get(name, "")

    assert substitute('$["${CTI_ACTION}" = "queue"]?a,s,1', lookup) == "1?a,s,1"
    assert substitute("${CUT(CHAN,-,1)}", lookup) == "PJSIP/1001"
    assert substitute("${CHAN:0:5}", lookup) == "PJSIP"
    assert substitute("${MISSING}x", lookup) == "x"
