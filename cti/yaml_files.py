"""Reading a config file: YAML with ${ENV_VAR} references expanded.

Kept apart from cti/config.py (pydantic models) so the commands that only need
the service's address (``cti status``, ``cti watch``) read cti.yaml without
loading the models: the command line answers in a few tens of milliseconds.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from cti.errors import ConfigError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
#: ${NAME}s that are not environment variables: the trunk's number (trunk.dial).
_NOT_ENV = frozenset({"NUMBER"})
#: What to do about a missing variable, where more can be said than its name.
_ENV_HINTS = {
    "CTI_AMI_SECRET": "export CTI_AMI_SECRET=<the secret of the cti account in manager.conf> "
                      "before starting the service",
}


def read_yaml(path: Path, only: str | None = None) -> Any:
    """The mapping in ``path``, variables expanded; ConfigError (one line each) if not.

    ``only``: read just that top-level key (a variable elsewhere may be unset).
    """
    if not path.is_file():
        raise ConfigError([f"{path.name}: file not found in {path.parent}/ (copy it from config/)"])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{path.name}:{where}: not valid YAML: {problem}"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path.name}: not UTF-8 text"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path.name}: the top level must be a mapping of keys, not a list"])
    if only is not None:
        data = {only: data.get(only)} if only in data else {}
    missing: list[str] = []
    data = _expand_env(data, missing)
    if missing:
        raise ConfigError(
            [f"{path.name}: environment variable {name} is not set (referenced as ${{{name}}})"
             + (f"; {_ENV_HINTS[name]}" if name in _ENV_HINTS else "")
             for name in sorted(set(missing))]
        )
    return data


def _expand_env(value: Any, missing: list[str]) -> Any:
    if isinstance(value, dict):
        return {k: _expand_env(v, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, missing) for v in value]
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
