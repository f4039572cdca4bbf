"""A lint of docker/Dockerfile (no Docker engine or hadolint runs here): the rules
that matter for an image that runs in production."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from cti.config import load_config

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE", re.IGNORECASE)
DSN_WITH_PASSWORD = re.compile(r"://[^/\s:@]+:[^@\s]+@")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: comments dropped, continuations joined."""
    result: list[tuple[str, str]] = []
    logical = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not logical and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):  # a comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            logical += stripped[:-1] + " "
            continue
        logical += stripped
        keyword, _, args = logical.partition(" ")
        result.append((keyword.upper(), args.strip()))
        logical = ""
    assert not logical, "the Dockerfile ends inside a continued line"
    return result


def env_pairs(args: str) -> dict[str, str]:
    words = shlex.split(args)
    if len(words) >= 2 and "=" not in words[0]:  # legacy form: ENV KEY value
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


@pytest.fixture(scope="module")
def steps() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text())


def _all(steps: list[tuple[str, str]], keyword: str) -> list[str]:
    return [args for kw, args in steps if kw == keyword]


def test_the_parser_joins_continuations_and_skips_comments() -> None:
    parsed = instructions("# c\nFROM a:1\nRUN x \\\n  # inner\n  && y\nUSER u\n")
    assert parsed == [("FROM", "a:1"), ("RUN", "x  && y"), ("USER", "u")]


def test_the_base_image_has_a_pinned_tag_not_latest(steps: list[tuple[str, str]]) -> None:
    for base in _all(steps, "FROM"):
        image = base.split()[0]
        last = image.split("/")[-1]
        tag = last.partition(":")[2].partition("@")[0]
        pinned = "@sha256:" in image or (tag != "" and tag != "latest")
        assert pinned, f"FROM {base}: pin a tag (not latest) or a digest"


def test_the_service_runs_as_a_user_that_is_not_root(steps: list[tuple[str, str]]) -> None:
    users = _all(steps, "USER")
    assert users, "no USER: the service would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    keywords = [kw for kw, _ in steps]
    assert keywords.index("CMD") > len(keywords) - 1 - keywords[::-1].index("USER")


def test_a_healthcheck_asks_the_service_on_its_http_port(steps: list[tuple[str, str]]) -> None:
    (check,) = _all(steps, "HEALTHCHECK")
    assert not check.upper().startswith("NONE")
    port = load_config(ROOT / "config").service.http.port
    assert f"http://127.0.0.1:{port}" in check


def test_the_exposed_ports_are_those_of_the_config(steps: list[tuple[str, str]]) -> None:
    exposed = {int(p.split("/")[0]) for args in _all(steps, "EXPOSE") for p in args.split()}
    service = load_config(ROOT / "config").service
    assert exposed == {service.agi.port, service.http.port}
    env: dict[str, str] = {}
    for args in _all(steps, "ENV"):
        env.update(env_pairs(args))
    assert env.get("CTI_LISTEN_HOST") == "0.0.0.0"  # reachable from outside the container


def test_no_secret_is_baked_into_the_image(steps: list[tuple[str, str]]) -> None:
    for keyword in ("ENV", "ARG"):
        for args in _all(steps, keyword):
            pairs = env_pairs(args) if keyword == "ENV" else {args.split("=")[0]: args}
            for name, value in pairs.items():
                assert not SECRET_NAME.search(name), f"{keyword} {name}: pass secrets at run time"
                assert not DSN_WITH_PASSWORD.search(value), f"{keyword} {name}: DSN with password"


def test_pip_keeps_no_cache_and_installs_only_production_dependencies(
        steps: list[tuple[str, str]]) -> None:
    installs = [cmd for args in _all(steps, "RUN") for cmd in re.split(r"&&|;", args)
                if re.search(r"\bpip3? install\b", cmd)]
    assert installs, "no pip install"
    for cmd in installs:
        words = shlex.split(cmd)
        assert "--no-cache-dir" in words, f"{cmd.strip()}: add --no-cache-dir"
        targets = [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
        assert targets == ["."], f"{cmd.strip()}: install the project without extras"


def test_every_copied_path_exists(steps: list[tuple[str, str]]) -> None:
    for args in _all(steps, "COPY"):
        *sources, _ = args.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such path"


def test_the_command_is_the_exec_form_of_cti_run(steps: list[tuple[str, str]]) -> None:
    (cmd,) = _all(steps, "CMD")
    assert json.loads(cmd)[:2] == ["cti", "run"]


def test_compose_publishes_the_config_ports_on_loopback_only() -> None:
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    service = load_config(ROOT / "config").service
    published = compose["services"]["cti"]["ports"]
    assert sorted(published) == sorted(f"127.0.0.1:{p}:{p}"
                                       for p in (service.agi.port, service.http.port))


def test_compose_has_no_default_secret_and_puts_none_on_a_command_line() -> None:
    """The AMI secret is required from the environment (``${VAR:?...}``): a default
    such as ``change-me`` is a placeholder the service refuses, and ``cti sim``
    refuses ``--secret`` (``ps`` would show it), so either made the stack fail."""
    text = (ROOT / "docker" / "compose.yaml").read_text()
    compose = yaml.safe_load(text)
    for name, service in compose["services"].items():
        command = service.get("command", "")
        assert "--secret " not in f"{command} ", f"{name}: a secret on the command line"
        for key, value in (service.get("environment") or {}).items():
            if "AMI_SECRET" in key or "SIM_SECRET" in key:
                assert str(value).startswith("${CTI_AMI_SECRET:?"), f"{name}: {key}={value}"
    assert "change-me" not in text


def test_what_the_service_writes_is_in_a_directory_its_user_owns(
        steps: list[tuple[str, str]]) -> None:
    """The journal, the operator key and attachments (config/cti.yaml, relative to
    /app/config in the image) land under /app/var, which the image gives to ``cti``:
    a root-owned /app would stop the service at start."""
    config = load_config(ROOT / "config")
    s = config.service
    written = [s.journal.dir, s.auth.operator_key_file.parent, s.cases.attachments.directory]
    app = Path("/app/config")
    for path in written:
        inside = path if path.is_absolute() else (app / path).resolve()
        assert inside.is_relative_to("/app/var"), f"{path}: not under /app/var"
    owned = [cmd for args in _all(steps, "RUN") for cmd in re.split(r"&&|;", args)
             if re.search(r"\binstall\s+-d\b", cmd)]
    assert any("-o cti" in cmd and "/app/var" in cmd for cmd in owned), \
        "RUN install -d -o cti -g cti /app/var"
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    assert any(v.endswith(":/app/var") for v in compose["services"]["cti"]["volumes"])
