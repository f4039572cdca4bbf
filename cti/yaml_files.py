"""Reading the YAML files of a config directory, and saying what is wrong with them.

``read_yaml(path)`` refuses a key given twice in one mapping (YAML would keep
the last one silently) with its line, expands ``${NAME}`` and
``${NAME:-default}`` from the environment, and raises ``ConfigError``.
``describe(exc, model)`` turns a pydantic ``ValidationError`` into one line
per problem, in this project's words (``must be a whole number``), not
pydantic's (``Input should be a valid integer, unable to parse string as an
integer``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from cti.errors import ConfigError

if TYPE_CHECKING:  # pydantic loads only where a config is validated: the commands that
    # only read the service's address (cti status, cti watch) stay fast
    from pydantic import BaseModel, ValidationError
    from pydantic_core import ErrorDetails

# --- reading ------------------------------------------------------------------------


class DuplicateKey(yaml.YAMLError):
    """A mapping names the same key twice."""

    def __init__(self, key: Any, first: yaml.Mark, again: yaml.Mark) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.first, self.again = key, first, again


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *defaults` may repeat
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: PyYAML's own error says so below
                continue
            if first is not None:
                raise DuplicateKey(key, first, key_node.start_mark)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _UniqueKeyLoader.construct_mapping)

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
#: ${NAME}s that are not environment variables: the trunk's number (trunk.dial).
_NOT_ENV = frozenset({"NUMBER"})
#: What to do about a missing variable, where more can be said than its name.
_ENV_HINTS = {
    "CTI_AMI_SECRET": "export CTI_AMI_SECRET=<the secret of the cti account in manager.conf> "
                      "before starting the service",
}


def parse_yaml(text: str, name: str) -> Any:
    """The document in ``text``; ``name`` (the file's) starts every error line."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except DuplicateKey as exc:
        raise ConfigError([
            f"{name}: line {exc.again.line + 1}, column {exc.again.column + 1}: "
            f"duplicate key {exc.key!r} (first given on line {exc.first.line + 1}); a key "
            "may appear once in a mapping: remove one of them"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{name}:{where} not valid YAML: {problem}"]) from None


def read_yaml(path: Path, missing_hint: str = "", *, only: str | None = None
              ) -> dict[str, Any]:
    """A config file's top-level mapping, with ``${ENV}`` references expanded.

    ``only``: just that top-level key (a variable used elsewhere may be unset).
    """
    if not path.is_file():
        raise ConfigError([f"{path.name}: file not found in {path.parent}/" + missing_hint])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError([f"{path.name}: not UTF-8 text"]) from None
    except OSError as exc:
        raise ConfigError([f"{path.name}: cannot read it: {exc.strerror}"]) from None
    data = parse_yaml(text, path.name)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path.name}: the top level must be a mapping of keys, not a "
                           f"{type(data).__name__}"])
    if only is not None:
        data = {only: data[only]} if only in data else {}
    missing: list[str] = []
    data = expand_env(data, missing)
    if missing:
        raise ConfigError(
            [f"{path.name}: environment variable {name} is not set (referenced as ${{{name}}})"
             + (f"; {_ENV_HINTS[name]}" if name in _ENV_HINTS else "")
             for name in sorted(set(missing))])
    return data


def expand_env(value: Any, missing: list[str]) -> Any:
    """``value`` with ``${NAME}`` references replaced; names not set go to ``missing``."""
    if isinstance(value, dict):
        return {k: expand_env(v, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_env(v, missing) for v in value]
    if isinstance(value, str):
        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in _NOT_ENV:
                return match.group(0)
            if name in os.environ:
                return os.environ[name]
            if default is not None:
                return default
            missing.append(name)
            return ""

        return _ENV.sub(replace, value)
    return value


# --- saying what is wrong ------------------------------------------------------------

#: pydantic error types -> our words; {names} come from the error's context.
_WORDS = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text (put it in quotes if it looks like a number)",
    "string_too_short": "must be at least {min_length} character(s) long",
    "string_too_long": "must be at most {max_length} characters long",
    "greater_than_equal": "must be {ge} or more",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be {le} or less",
    "less_than": "must be less than {lt}",
    "literal_error": "must be {expected}",
    "enum": "must be {expected}",
    "too_short": "needs at least {min_length} item(s)",
    "too_long": "takes at most {max_length} item(s)",
    "list_type": "must be a list: [a, b], or one '- item' a line",
    "dict_type": "must be a mapping of key: value",
    "model_type": "must be a mapping of field: value",
    "model_attributes_type": "must be a mapping of field: value",
    "date_parsing": "must be a date like 2026-12-25",
    "date_from_datetime_parsing": "must be a date like 2026-12-25",
    "date_type": "must be a date like 2026-12-25",
    "time_parsing": "must be a time like 09:30",
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "none_required": "must be empty (null)",
}


def message(error: ErrorDetails | Mapping[str, Any],
            patterns: Mapping[str, str] | None = None) -> str:
    """One validation error in our words (the location is not included).

    ``patterns`` says in words what a regular expression of a field accepts
    (``{r"^[a-z0-9]...$": "must be lower-case letters, digits, ..."}``).
    """
    kind, context = error["type"], error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        text = str(context.get("error", "")) or error["msg"]
        return text
    if kind == "string_pattern_mismatch":
        pattern = str(context.get("pattern", ""))
        words = (patterns or {}).get(pattern)
        return words or f"does not have the expected form (the pattern {pattern})"
    words = _WORDS.get(kind)
    if words is None:
        return error["msg"]
    try:
        return words.format(**{k: _plain(v) for k, v in context.items()})
    except (KeyError, IndexError):
        return error["msg"]


def _plain(value: Any) -> Any:
    """2.0 -> 2 in messages ("must be 2 or more")."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def describe(exc: ValidationError, model: type[BaseModel],
             patterns: Mapping[str, str] | None = None) -> Iterable[str]:
    """One line per error: ``queues[2].wrapup: must be 0 or more``."""
    for error in exc.errors(include_url=False, include_input=False):
        path = location(error["loc"])
        if error["type"] == "extra_forbidden":
            allowed = _allowed_fields(model, error["loc"][:-1])
            text = f"unknown field {error['loc'][-1]!r}"
            if allowed:
                text += f"; allowed: {', '.join(allowed)}"
        else:
            text = message(error, patterns)
        yield f"{path}: {text}" if path else text


def location(loc: tuple[int | str, ...]) -> str:
    """('queues', 2, 'wrapup') -> 'queues[2].wrapup' (validator tags left out)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or "[" in str(part):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _allowed_fields(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Walk the model along ``loc`` to list the field names allowed there."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:  # a key of a mapping (a catalogue entry): stay on its model
            continue
        current = _inner_model(field.annotation)
    return sorted(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
