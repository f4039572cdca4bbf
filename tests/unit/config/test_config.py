"""Config validation: the shipped files load; each kind of mistake gets its exact error."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from shipped_config import SHIPPED, edit, load_errors

from cti.cli import main
from cti.config import load_config


def test_shipped_config_loads_with_its_queues_agents_and_skills() -> None:
    config = load_config(SHIPPED)
    assert list(config.queues) == ["bookings", "changes", "billing", "complaints", "vip", "general"]
    assert config.queues["changes"].on_max_wait.target == "general"
    assert config.agents["a1001"].endpoint == "PJSIP/1001"
    assert config.agents["a1001"].skills["spanish"] == 10
    assert "vip" in config.skills()
    assert config.service.database.embedded
    assert config.agent_by_endpoint("PJSIP/1003").id == "a1003"


BAD_FILES = [
    (
        "queues.yaml", "wrapup: 20", "wrapup: -5",
        "queues.yaml: queues[2].wrapup: must be 0 or more",
    ),
    (
        "queues.yaml", "strategy: most_skilled", "strategy: smartest",
        "queues.yaml: queues[2].strategy: must be 'longest_idle', 'fewest_calls', "
        "'most_skilled', 'round_robin' or 'random'",
    ),
    (
        "queues.yaml", "wrapup: 10\n    max_wait: 300", "wrapup_time: 10\n    max_wait: 300",
        "queues.yaml: queues[0].wrapup_time: unknown field 'wrapup_time'; allowed: description, "
        "dispositions, escalation, max_length, max_wait, name, on_max_wait, priority, "
        "recording, ring_timeout, service_level, skills, strategy, wrapup, "
        "wrapup_requires_disposition",
    ),
    (
        "agents.yaml", "bookings: 8", "bookings: 11",
        "agents.yaml: agents[0].skills.bookings: must be 10 or less",
    ),
    (
        "cti.yaml", "port: 5038", "port: 70000",
        "cti.yaml: ami[0].port: must be 65535 or less",
    ),
    (
        "cti.yaml", "    username: cti\n", "",
        "cti.yaml: ami[0].username: required field is missing",
    ),
    (
        "cti.yaml", "url: ${CTI_DATABASE_URL:-embedded}", "url: mysql://x",
        "cti.yaml: database.url: must be 'embedded' or a DSN such as "
        "postgresql://user:pw@host/db",
    ),
    (
        "cti.yaml", "format: console", "format: xml",
        "cti.yaml: log.format: must be 'console' or 'json'",
    ),
    (
        "queues.yaml", "on_max_wait: {action: overflow, target: general}",
        "on_max_wait: {action: overflow, target: sales}",
        "queues.yaml: queues[1].on_max_wait.target: no queue named 'sales'; known: billing, "
        "bookings, changes, complaints, general, vip",
    ),
    (
        "queues.yaml", "on_max_wait: {action: voicemail, target: 8000@default}",
        "on_max_wait: {action: voicemail}",
        "queues.yaml: queues[2].on_max_wait: action 'voicemail' needs a target "
        "(a queue or a mailbox)",
    ),
    (
        "queues.yaml", "  - name: billing", "  - name: bookings",
        "queues.yaml: queues: duplicate queue name 'bookings'",
    ),
    (
        "agents.yaml", "endpoint: PJSIP/1002", "endpoint: PJSIP/1001",
        "agents.yaml: agents: duplicate agent endpoint 'PJSIP/1001'",
    ),
    (
        "agents.yaml", "queues: [complaints, vip]", "queues: [complaints, sales]",
        "agents.yaml: agents[10].queues: no queue named 'sales'; known: billing, bookings, "
        "changes, complaints, general, vip",
    ),
    (
        "hours.yaml", "timezone: Europe/Madrid", "timezone: Mars/Olympus",
        "hours.yaml: timezone: unknown time zone 'Mars/Olympus'; use an IANA "
        "name like Europe/Madrid",
    ),
    (
        "hours.yaml", 'sat: ["09:00-14:00"]', 'sat: ["14:00-09:00"]',
        "hours.yaml: weekly: sat: '14:00-09:00' is not a span like '09:00-18:00'",
    ),
    (
        "queues.yaml", "      - after: 45\n        lower: {changes: 1}",
        "      - after: 45\n        lower: {spanish: 1}",
        "queues.yaml: queues[1].escalation[0]: skill 'spanish' is not required by the queue "
        "(it requires: changes)",
    ),
    (
        "cti.yaml", "agi:\n  host", "agi:\n host",
        "cti.yaml: line 22, column 7: not valid YAML: mapping values are not allowed here",
    ),
    (
        "agents.yaml", "    endpoint: PJSIP/1001\n", "    endpoint: PJSIP/1001\n    role: agent\n",
        "agents.yaml: agents[0]: role moved out of agents.yaml: users (agents, "
        "supervisors, admins) live in the database now; delete these lines and run "
        "`cti user add USER --role agent --agent a1001` (see docs/api.md)",
    ),
    (
        "cti.yaml", "  cors_origins: []", "  cors_origins: [crm.example.com]",
        "cti.yaml: http.cors_origins: 'crm.example.com' is not an origin like "
        "https://crm.example.com (scheme, host and optional port, no path)",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), BAD_FILES,
    ids=[f"{e.split(': ')[0]}:{e.split(': ')[1]}" for *_, e in BAD_FILES],
)
def test_bad_file_gets_an_error_naming_file_field_and_what_is_allowed(
    config_dir: Path, name: str, old: str, new: str, expected: str
) -> None:
    edit(config_dir, name, old, new)
    assert load_errors(config_dir) == [expected]


def test_missing_file_says_where_to_get_one(config_dir: Path) -> None:
    (config_dir / "hours.yaml").unlink()
    assert load_errors(config_dir) == [
        f"hours.yaml: file not found in {config_dir}/; `cti config init {config_dir}` writes "
        f"commented examples of every file (they are in {SHIPPED})"
    ]


def test_every_problem_is_reported_at_once(config_dir: Path) -> None:
    edit(config_dir, "queues.yaml", "wrapup: 20", "wrapup: -5")
    edit(config_dir, "agents.yaml", "bookings: 8", "bookings: 0")
    assert len(load_errors(config_dir)) == 2


def test_secret_comes_from_the_environment_and_never_shows(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTI_AMI_SECRET", "s3cr3t-value")
    config = load_config(config_dir)
    node = config.service.ami[0]
    assert node.secret.get_secret_value() == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(config) and "s3cr3t-value" not in str(node)


def test_unset_environment_variable_is_named(config_dir: Path) -> None:
    edit(config_dir, "cti.yaml", "secret: ${CTI_AMI_SECRET}", "secret: ${CTI_TEST_UNSET_SECRET}")
    assert load_errors(config_dir) == [
        "cti.yaml: environment variable CTI_TEST_UNSET_SECRET is not set "
        "(referenced as ${CTI_TEST_UNSET_SECRET})"
    ]


def test_addresses_and_database_can_come_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTI_AMI_HOST", "asterisk.example.com")
    monkeypatch.setenv("CTI_LISTEN_HOST", "0.0.0.0")
    monkeypatch.setenv("CTI_DATABASE_URL", "postgresql://cti:pw@db:5432/cti")
    service = load_config(SHIPPED).service
    assert service.ami[0].host == "asterisk.example.com"
    assert service.agi.host == service.http.host == "0.0.0.0"
    assert not service.database.embedded


def test_database_dsn_shorthand_and_password_hidden(config_dir: Path) -> None:
    edit(
        config_dir, "cti.yaml",
        "database:\n  url: ${CTI_DATABASE_URL:-embedded}\n  data_dir: ../var/pgdata\n"
        "  min_connections: 1\n  max_connections: 10",
        "database: postgresql://cti:hunter2@db:5432/cti",
    )
    database = load_config(config_dir).service.database
    assert not database.embedded
    assert "hunter2" not in repr(database)


@pytest.mark.parametrize(
    ("local", "is_open"),
    [
        (datetime(2026, 11, 23, 8, 0), True),     # Monday, opening minute
        (datetime(2026, 11, 23, 19, 59), True),
        (datetime(2026, 11, 23, 20, 0), False),   # closing time is exclusive
        (datetime(2026, 11, 28, 13, 0), True),    # Saturday morning
        (datetime(2026, 11, 29, 11, 0), False),   # Sunday: no hours at all
        (datetime(2026, 12, 25, 11, 0), False),   # Christmas, a Friday
    ],
)
def test_business_hours_in_the_configured_time_zone(local: datetime, is_open: bool) -> None:
    hours = load_config(SHIPPED).hours
    at = local.replace(tzinfo=ZoneInfo("Europe/Madrid")).astimezone(ZoneInfo("UTC"))
    assert hours.is_open(at) is is_open


def test_holiday_lookup_names_the_day() -> None:
    hours = load_config(SHIPPED).hours
    assert hours.holiday(date(2026, 12, 25)).name == "Christmas Day"
    assert hours.holiday(date(2026, 12, 24)) is None


def test_config_check_prints_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert "6 queues, 11 agents, 7 skills" in out
    assert "changes     changes>=3" in out


def test_config_check_lists_errors_and_exits_non_zero(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(config_dir, "queues.yaml", "wrapup: 20", "wrapup: -5")
    assert main(["config", "check", str(config_dir)]) == 2
    err = capsys.readouterr().err
    assert "queues.yaml: queues[2].wrapup: must be 0 or more" in err
    assert "Traceback" not in err
