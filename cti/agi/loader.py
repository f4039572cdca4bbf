"""Read ivr_flows/*.yaml into ``Flow`` models; every problem becomes one line.

Lines read ``FILE: STEP: FIELD: message`` so a sysadmin can go straight to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from cti.agi.errors import FlowValidationError
from cti.agi.models import Flow
from cti.agi.validate import check_entries, check_flows
from cti.config import Catalogue
from cti.yaml_files import message

if TYPE_CHECKING:
    from cti.numbers import NumberPolicy


@dataclass(frozen=True, slots=True)
class LoadedFlow:
    name: str
    path: Path
    flow: Flow


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice (two steps with one id)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode,
                       deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"{key!r} is given twice", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_flow(path: Path, text: str) -> tuple[Flow | None, list[str]]:
    """Parse one flow file's text; return the flow or the error lines."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [f"{path.name}:{line}: not valid YAML: {problem}"]
    if not isinstance(data, dict):
        return None, [f"{path.name}: expected a mapping with start: and steps:"]
    try:
        return Flow.model_validate(data), []
    except ValidationError as exc:
        return None, [f"{path.name}: {_where(err['loc'])}: {message(err)}"
                      for err in exc.errors()]


def _where(loc: tuple[Any, ...]) -> str:
    """('steps', 'menu', 'menu', 'options') -> 'menu: options' (drops the type tag)."""
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] == "steps":
        rest = parts[2:]
        if rest and rest[0] in _STEP_TYPES:
            rest = rest[1:]
        return f"{parts[1]}: {'.'.join(rest) or 'type'}"
    return ".".join(parts) or "flow"


_STEP_TYPES = {
    "play", "menu", "input", "lookup", "branch", "set", "say", "http", "queue", "transfer",
    "voicemail", "callback", "survey", "goto", "hangup", "case",
}


def read_flows(paths: Iterable[Path]) -> tuple[dict[str, LoadedFlow], list[str]]:
    flows: dict[str, LoadedFlow] = {}
    errors: list[str] = []
    for path in sorted(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            errors.append(f"{path.name}: cannot read: {exc.strerror}")
            continue
        flow, problems = parse_flow(path, text)
        errors.extend(problems)
        if flow is not None:
            flows[path.stem] = LoadedFlow(path.stem, path, flow)
    return flows, errors


def load_flows(directory: Path | str, *, queues: set[str] | None = None,
               skills: set[str] | None = None, policy: NumberPolicy | None = None,
               entries: Mapping[str, Any] | None = None,
               catalogue: Catalogue | None = None) -> dict[str, LoadedFlow]:
    """Load and validate every ``*.yaml`` flow in ``directory``.

    Args:
        queues, skills: the names config knows; None skips that check.
        policy: the outside numbers flows may transfer to; None skips that check.
        entries: ``check_entries`` keywords (numbers, default_flow, survey_flow): the
            flows cti.yaml starts must exist; None skips that check.
        catalogue: the script catalogue the classifications must name (None or an
            empty catalogue: any words).

    Raises:
        FlowValidationError: with every problem found, one line each.
    """
    directory = Path(directory)
    paths = list(directory.glob("*.yaml")) + list(directory.glob("*.yml"))
    if not paths:
        raise FlowValidationError([f"{directory}: no *.yaml flow files found"])
    flows, errors = read_flows(paths)
    errors += check_flows(flows, queues=queues, skills=skills, policy=policy,
                          catalogue=catalogue)
    if entries is not None:
        errors += check_entries(flows, **entries)
    if errors:
        raise FlowValidationError(errors)
    return flows
