"""The security settings of cti.yaml: secrets, the trunk, numbers, who may use FastAGI."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from shipped_config import SHIPPED, edit, load_errors

from cti.config import load_config
from cti.numbers import NumberRefused


@pytest.mark.parametrize("placeholder", ["change-me", "cti-secret", "amp111", "Secret", ""])
def test_a_placeholder_secret_is_refused_saying_how_to_set_a_real_one(
        config_dir: Path, monkeypatch: pytest.MonkeyPatch, placeholder: str) -> None:
    monkeypatch.setenv("CTI_AMI_SECRET", placeholder)
    (error,) = load_errors(config_dir)
    assert error.startswith("cti.yaml: ami[0].secret: a placeholder, not a secret")
    assert "export it as CTI_AMI_SECRET" in error


def test_no_secret_in_the_environment_says_how_to_set_it(
        config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CTI_AMI_SECRET")
    assert load_errors(config_dir) == [
        "cti.yaml: environment variable CTI_AMI_SECRET is not set (referenced as "
        "${CTI_AMI_SECRET}); export CTI_AMI_SECRET=<the secret of the cti account in "
        "manager.conf> before starting the service"]


def test_shipped_security_settings() -> None:
    service = load_config(SHIPPED).service
    assert service.ivr.numbers == {"900": "main", "+34910000000": "main"}
    assert service.agi_allowed_peers() == ["127.0.0.1", "::1"]
    dialling = service.dialling()
    number = dialling.policy.check("612345678")
    assert dialling.trunk.dial_string(number) == "PJSIP/+34612345678@trunk"
    with pytest.raises(NumberRefused):
        dialling.policy.check("+34803123456")      # premium rate
    assert service.ami[0].ssl_context() is None


def test_the_trunk_number_placeholder_is_not_an_environment_variable(
        config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMBER", "0900666")
    edit(config_dir, "cti.yaml", "  number_format: e164", "  number_format: international")
    trunk = load_config(config_dir).service.trunk_spec()
    assert trunk.dial == "PJSIP/${NUMBER}@trunk"
    assert trunk.dial_string(load_config(config_dir).service.numbers.policy().check(
        "612345678")) == "PJSIP/0034612345678@trunk"


@pytest.mark.parametrize(("old", "new", "error"), [
    ("  dial: PJSIP/${NUMBER}@trunk", "  dial: PJSIP/${NUMBER}@trunk&PJSIP/0900@x",
     "cti.yaml: trunk.dial: may hold only letters, digits"),
    ("  dial: PJSIP/${NUMBER}@trunk", "  dial: PJSIP/trunk",
     "cti.yaml: trunk.dial: must contain ${NUMBER} exactly once"),
    ("  default_region: ES", "  default_region: XX",
     "cti.yaml: numbers.default_region: 'XX' is not a country code"),
    ("  allowed_types: [fixed_line,", "  allowed_types: [premium,",
     "cti.yaml: numbers.allowed_types[0]: must be 'fixed_line'"),
    ('    "900": main', '    "900&flow=vip": main',
     "cti.yaml: ivr.numbers: '900&flow=vip': a dialled number is digits"),
    ("  port: 4573", "  port: 4573\n  allow: [10.0.0.0/24, 'pbx one']",
     "cti.yaml: agi.allow: 'pbx one' is not an address"),
])
def test_security_settings_are_checked(config_dir: Path, old: str, new: str, error: str) -> None:
    edit(config_dir, "cti.yaml", old, new)
    (line,) = load_errors(config_dir)
    assert line.startswith(error), line


def test_yaml_integer_keys_of_ivr_numbers_are_read_as_text(config_dir: Path) -> None:
    edit(config_dir, "cti.yaml", '    "900": main', "    900: main")
    assert load_config(config_dir).service.ivr.numbers["900"] == "main"


def test_fastagi_may_be_opened_to_listed_addresses_only(config_dir: Path) -> None:
    edit(config_dir, "cti.yaml", "  port: 4573",
         "  port: 4573\n  allow: [10.0.0.5, 10.1.0.0/16, pbx2]")
    assert load_config(config_dir).service.agi_allowed_peers() == [
        "10.0.0.5", "10.1.0.0/16", "pbx2"]


def test_an_agent_endpoint_is_one_dial_destination(config_dir: Path) -> None:
    path = config_dir / "agents.yaml"
    path.write_text(path.read_text().replace("endpoint: PJSIP/1002",
                                             "endpoint: PJSIP/1002&PJSIP/0900", 1))
    (line,) = load_errors(config_dir)
    assert line == ("agents.yaml: agents[1].endpoint: must be one Dial destination like "
                    "PJSIP/1001: technology/resource, with no &, comma or space")


def test_a_voicemail_exit_needs_a_mailbox(config_dir: Path) -> None:
    path = config_dir / "queues.yaml"
    path.write_text(path.read_text().replace("target: 8000@default", "target: \"8000@x&y\"", 1))
    (line,) = load_errors(config_dir)
    assert "target '8000@x&y' is not a mailbox like 8000@default" in line


def test_ami_over_tls_verifies_the_certificate(config_dir: Path) -> None:
    edit(config_dir, "cti.yaml", "    port: 5038", "    port: 5039\n    tls: true")
    context = load_config(config_dir).service.ami[0].ssl_context()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
