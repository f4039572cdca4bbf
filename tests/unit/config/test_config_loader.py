"""The loader's hardening: keys given twice, overflow circles, checks across files that
still run when a field is wrong, errors in our words, pause reasons, the endpoint index."""

from __future__ import annotations

import time
from pathlib import Path

from shipped_config import edit, load_errors

from cti.config import AgentConfig, config_warnings, load_config


def test_a_key_given_twice_is_refused_with_both_lines(config_dir: Path) -> None:
    text = (config_dir / "queues.yaml").read_text()
    first = text.splitlines().index("    wrapup: 10") + 1
    edit(config_dir, "queues.yaml", "    wrapup: 10\n", "    wrapup: 10\n    wrapup: 600\n")
    assert load_errors(config_dir) == [
        f"queues.yaml: line {first + 1}, column 5: duplicate key 'wrapup' (first given on "
        f"line {first}); a key may appear once in a mapping: remove one of them"]


def test_a_top_level_key_given_twice_is_refused(config_dir: Path) -> None:
    path = config_dir / "hours.yaml"
    path.write_text(path.read_text() + "timezone: UTC\n")
    (line,) = load_errors(config_dir)
    assert line.startswith("hours.yaml: line ") and "duplicate key 'timezone'" in line


def test_errors_are_in_our_words_not_pydantics(config_dir: Path) -> None:
    edit(config_dir, "queues.yaml", "ring_timeout: 15", "ring_timeout: soon")
    edit(config_dir, "cti.yaml", "max_mb: 1024", "max_mb: lots")
    edit(config_dir, "agents.yaml", "name: Lucia Fernandez", "name: 1001")
    edit(config_dir, "hours.yaml", "2026-12-25", "christmas")
    edit(config_dir, "queues.yaml", "{code: resolved,", "{code: Resolved OK,")
    assert load_errors(config_dir) == [
        "cti.yaml: journal.max_mb: must be a whole number",
        "queues.yaml: queues[0].ring_timeout: must be a number",
        "queues.yaml: dispositions[0].code: must be a lower-case name: a letter or digit, "
        "then letters, digits, _ . or -",
        "agents.yaml: agents[0].name: must be text (put it in quotes if it looks like a "
        "number)",
        "hours.yaml: holidays[0].date: must be a date like 2026-12-25",
    ]


def test_checks_across_files_are_reported_with_a_wrong_field(config_dir: Path) -> None:
    edit(config_dir, "queues.yaml", "wrapup: 20", "wrapup: -5")            # billing
    edit(config_dir, "queues.yaml", "target: general", "target: sales")    # changes
    edit(config_dir, "agents.yaml", "queues: [complaints, vip]", "queues: [complaints, vips]")
    edit(config_dir, "cti.yaml", "port: 5038", "port: 0")
    assert load_errors(config_dir) == [
        "cti.yaml: ami[0].port: must be 1 or more",
        "queues.yaml: queues[2].wrapup: must be 0 or more",
        "queues.yaml: queues[1].on_max_wait.target: no queue named 'sales'; known: billing, "
        "bookings, changes, complaints, general, vip",
        "agents.yaml: agents[10].queues: no queue named 'vips'; known: billing, bookings, "
        "changes, complaints, general, vip",
    ]


def test_a_queue_with_a_bad_field_is_not_also_reported_missing(config_dir: Path) -> None:
    edit(config_dir, "queues.yaml", "strategy: fewest_calls", "strategy: fastest")  # general
    (line,) = load_errors(config_dir)  # changes overflows to general: still a known queue
    assert line.startswith("queues.yaml: queues[5].strategy: must be 'longest_idle'")


def test_an_overflow_cycle_is_a_warning(config_dir: Path) -> None:
    assert config_warnings(load_config(config_dir)) == []
    # general overflows back to changes: changes -> general -> changes
    edit(config_dir, "queues.yaml", "    strategy: fewest_calls\n",
          "    strategy: fewest_calls\n    max_wait: 120\n"
          "    on_max_wait: {action: overflow, target: changes}\n")
    assert config_warnings(load_config(config_dir)) == [
        "queues.yaml: overflow cycle changes -> general -> changes: a call that waits "
        "max_wait in each moves between them for ever; end one of them with voicemail, "
        "callback or none"]


def test_pause_reasons_are_configured_and_checked(config_dir: Path) -> None:
    config = load_config(config_dir)
    assert {"break", "lunch", "training"} <= set(config.pause_reasons)
    assert config.pause_reasons["lunch"].paid is False
    assert config.default_pause_reason == "break"
    assert config.pause_reason_problem("lunch") is None
    problem = config.pause_reason_problem("siesta")
    assert problem is not None and problem.startswith(
        "unknown pause reason 'siesta'; known: break (Break), lunch (Lunch)")
    assert config.pause_reason_problem("  ").startswith("a pause reason cannot be empty")


def test_without_pause_reasons_any_word_is_a_reason(config_dir: Path) -> None:
    text = (config_dir / "agents.yaml").read_text()
    (config_dir / "agents.yaml").write_text(text[:text.index("pause_reasons:")])
    config = load_config(config_dir)
    assert config.pause_reasons == {} and config.default_pause_reason == "break"
    assert config.pause_reason_problem("siesta") is None


def test_the_login_state_is_configurable(config_dir: Path) -> None:
    assert load_config(config_dir).service.routing.login_state == "not_ready"
    edit(config_dir, "cti.yaml", "login_state: not_ready", "login_state: ready")
    assert load_config(config_dir).service.routing.login_state == "ready"
    edit(config_dir, "cti.yaml", "login_state: ready", "login_state: available")
    assert load_errors(config_dir) == [
        "cti.yaml: routing.login_state: must be 'not_ready' or 'ready'"]


def test_a_missing_directory_is_one_line_with_the_way_out(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert load_errors(missing) == [
        f"{missing}: no such config directory; give --config DIR (or set CTI_CONFIG), or "
        f"create it with `cti config init {missing}`"]


def test_agents_are_found_by_endpoint_through_an_index(config_dir: Path) -> None:
    config = load_config(config_dir)
    agents = {f"a{n}": AgentConfig(id=f"a{n}", name=f"Agent {n}", endpoint=f"PJSIP/{n}")
              for n in range(10_000)}
    big = config.model_copy(update={"agents": agents})
    assert big.agent_by_endpoint("PJSIP/9999").id == "a9999"
    started = time.perf_counter()
    for n in range(10_000):
        assert big.agent_by_endpoint(f"PJSIP/{n}") is agents[f"a{n}"]
    # a scan of 10,000 agents per lookup takes seconds; the index, milliseconds
    assert time.perf_counter() - started < 0.5
    assert big.agent_by_endpoint("PJSIP/1001") is None or big.agent_by_endpoint(
        "PJSIP/1001").id == "a1001"
    assert config.agent_by_endpoint("PJSIP/1003").id == "a1003"  # the copy has its own index
    assert config.model_copy(update={"agents": {}}).agent_by_endpoint("PJSIP/1003") is None
