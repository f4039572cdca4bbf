"""A campaign's definition: checked alone, then against the running configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cti.campaigns.errors import CampaignNotValid
from cti.campaigns.models import check_against, pacing_spec, parse_definition
from cti.config import Config, load_config

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "config")


def good(**fields: Any) -> dict[str, Any]:
    return {"name": "renewals", "mode": "predictive", "queue": "bookings",
            "caller_id": "+34910000000", **fields}


def errors(raw: Any) -> list[str]:
    with pytest.raises(CampaignNotValid) as info:
        parse_definition(raw)
    return info.value.errors


def test_a_definition_takes_durations_in_words() -> None:
    d = parse_definition(good(retries={"no_answer": {"delay": "2h", "max_attempts": 4},
                                       "abandoned": {"delay": "3d"}},
                              preview={"timeout": "45s"}))
    assert d.retries.no_answer.delay == 7200
    assert d.retries.abandoned.delay == 3 * 86400
    assert d.preview.timeout == 45


def test_every_problem_is_one_line_in_our_words() -> None:
    found = errors({"name": "Renewals 2026", "mode": "robocall", "caller_id": "+34910000000",
                    "window": {"hours": ["21:00-09:00"], "days": ["monday"]},
                    "retries": {"busy": {"delay": "soon"}}, "colour": "red"})
    assert any(e.startswith("name: must be a lower-case name") for e in found)
    assert any(e.startswith("mode: must be 'preview', 'progressive', 'predictive' or "
                            "'agentless'") for e in found)
    assert any(e.startswith("window.hours: '21:00-09:00': the start must be a time before "
                            "the end") for e in found)
    assert any(e.startswith("window.days[0]: must be") for e in found)
    assert any("retries.busy.delay: 'soon' is not a duration" in e for e in found)
    assert any(e.startswith("colour: unknown field 'colour'; allowed: ") for e in found)


def test_each_mode_needs_its_target() -> None:
    assert errors(good(queue=None)) == [
        "a predictive campaign needs queue: the ACD queue whose agents take its calls"]
    assert errors(good(mode="agentless", queue=None)) == [
        "an agentless campaign needs flow: the IVR flow played to whoever answers"]


def test_a_machine_message_needs_its_sound() -> None:
    assert errors(good(amd={"on_machine": "message"}))[0].startswith(
        "amd: on_machine: message needs message:")


def test_the_configuration_knows_the_queue_and_the_flows(config: Config) -> None:
    d = parse_definition(good(queue="nowhere"))
    assert check_against(d, config)[0].startswith("queue: no queue named 'nowhere'")
    d = parse_definition(good(mode="agentless", queue=None, flow="reminders"))
    assert check_against(d, config, {"main", "survey"})[0] == \
        "flow: no IVR flow named 'reminders' (flows: main, survey)"


def test_the_caller_id_must_ring_this_centre(config: Config) -> None:
    assert check_against(parse_definition(good()), config) == []
    # written nationally, it is the same number
    assert check_against(parse_definition(good(caller_id="910 00 00 00")), config) == []
    problem = check_against(parse_definition(good(caller_id="+34911111111")), config)
    assert problem[0].startswith("caller_id: +34911111111 does not ring this centre")
    assert check_against(parse_definition(good(caller_id="hidden")), config)[0].startswith(
        "caller_id: only digits")
    assert "premium_rate number" in check_against(
        parse_definition(good(caller_id="+34806123456")), config)[0]


def test_uk_rules_need_an_amd_false_positive_estimate(config: Config) -> None:
    problem = check_against(parse_definition(good(rules="UK")), config)
    assert problem[0].startswith("amd_false_positive_rate: the UK rules count AMD false "
                                 "positives")
    d = parse_definition(good(rules="UK", amd_false_positive_rate=0.02))
    assert check_against(d, config) == []
    assert pacing_spec(d, config).rules.amd_false_positive_rate == 0.02


def test_the_pacers_spec_follows_the_definition(config: Config) -> None:
    d = parse_definition(good(max_lines=20, pacing={"max_lines": 30, "line_risk": 0.02,
                                                    "no_answer_timeout": 20,
                                                    "blending": None}))
    spec = pacing_spec(d, config)
    assert (spec.mode.value, spec.rules.name, spec.max_lines, spec.line_risk,
            spec.no_answer_timeout, spec.blending) == ("predictive", "US", 20, 0.02, 20, None)
