"""IVR classifications are checked against the script catalogue when flows load."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.agi.errors import FlowValidationError
from cti.agi.loader import LoadedFlow, load_flows, parse_flow
from cti.agi.validate import check_flows
from cti.config import load_config

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = load_config(ROOT / "config").catalogue


def check(steps: str) -> list[str]:
    text = "start: a\nsteps:\n" + steps + "  q: {type: queue, queue: bookings}\n"
    flow, problems = parse_flow(Path("main.yaml"), text)
    assert flow is not None, problems
    return check_flows({"main": LoadedFlow("main", Path("main.yaml"), flow)},
                       catalogue=CATALOGUE)


@pytest.mark.parametrize(("steps", "error"), [
    ("  a: {type: set, topic: bookins, next: q}\n",
     "main.yaml: a: topic: 'bookins' is not in the catalogue; topics: billing, bookings, "
     "changes, complaints, general"),
    ("  a: {type: set, topic: billing, reason: refunds, next: q}\n",
     "main.yaml: a: reason: 'refunds' is not in the catalogue of 'billing'; reasons: invoice "
     "or payment, refund"),
    ("  a: {type: set, topic: billing, sub_reason: invoice, next: q}\n",
     "main.yaml: a: sub_reason: 'invoice' is given without a reason"),
    ("  a: {type: set, topic: billing, reason: '${why}', vars: {why: x}, next: q}\n",
     "main.yaml: a: reason: a classification names catalogue entries; a ${variable} cannot "
     "be checked: keep the value in vars"),
    ("  a: {type: set, topic: billing, call_type: sales, next: q}\n",
     "main.yaml: a: call_type: 'sales' is not a call type; use perfect, imperfect, improper, "
     "extraordinary (or leave it to the agent)"),
    ("  a: {type: set, topic: billing, next: b}\n  b: {type: set, reason: compliant, next: q}\n",
     "main.yaml: b: reason: 'compliant' is no reason of any topic in the catalogue"),
    ("  a: {type: case, topic: vip, next: q}\n",
     "main.yaml: a: topic: 'vip' is not in the catalogue; topics: billing, bookings, changes, "
     "complaints, general"),
])
def test_a_classification_outside_the_catalogue_is_named(steps: str, error: str) -> None:
    assert check(steps) == [error]


def test_classifications_on_the_catalogue_pass() -> None:
    assert check("  a: {type: set, topic: billing, reason: refund, sub_reason: refund status,"
                 " next: b}\n  b: {type: case, call_type: improper, next: q}\n") == []


def test_cti_ivr_check_reports_catalogue_errors(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from cti.cli import main

    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "main.yaml").write_text(
        "start: a\nsteps:\n  a: {type: set, topic: holidays, next: q}\n"
        "  q: {type: queue, queue: bookings}\n")
    assert main(["ivr", "check", "--config", str(ROOT / "config"), "--flows",
                 str(flows)]) == 2
    err = capsys.readouterr().err
    assert f"cti ivr: {flows}/main.yaml: a: topic: 'holidays' is not in the catalogue" in err


def test_load_flows_refuses_a_flow_off_the_catalogue(tmp_path: Path) -> None:
    (tmp_path / "main.yaml").write_text(
        "start: a\nsteps:\n  a: {type: set, topic: holidays, next: q}\n"
        "  q: {type: queue, queue: bookings}\n")
    with pytest.raises(FlowValidationError, match="'holidays' is not in the catalogue"):
        load_flows(tmp_path, catalogue=CATALOGUE)
    assert "main" in load_flows(tmp_path)  # without a catalogue: any words
