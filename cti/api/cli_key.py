"""The key the ``cti`` commands send to the running service: ``CTI_API_KEY`` if set,
else the operator key the service wrote at start (auth.operator_key_file)."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

DEFAULT_KEY_FILE = Path("../var/operator.key")


def cli_key(config_dir: Path) -> str | None:
    key = os.environ.get("CTI_API_KEY", "").strip()
    if key:
        return key
    try:
        return (config_dir / key_file(config_dir)).resolve().read_text().strip() or None
    except OSError:
        return None


def key_file(config_dir: Path) -> Path:
    """``auth.operator_key_file`` of cti.yaml, read without loading the whole config
    (which may need variables this shell does not have)."""
    try:
        doc = yaml.safe_load((config_dir / "cti.yaml").read_text(encoding="utf-8")) or {}
        value = (doc.get("auth") or {}).get("operator_key_file")
    except (OSError, yaml.YAMLError, AttributeError):
        value = None
    if not isinstance(value, str) or "${" in value:
        return DEFAULT_KEY_FILE
    return Path(value)
