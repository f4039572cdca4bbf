"""The commented example configuration shipped with cti, and ``cti config init DIR``.

The examples are the repository's ``config/`` and ``ivr_flows/``: found beside
the package in a source checkout, or under ``share/asterisk-cti/`` of the
Python installation (the wheel installs them there).
"""

from __future__ import annotations

import shutil
import site
import sys
from pathlib import Path

from cti.errors import BadRequest

_SHARE = Path("share") / "asterisk-cti"


def examples_dir() -> Path | None:
    """The directory holding ``config/`` and ``ivr_flows/`` examples, if installed."""
    checkout = Path(__file__).resolve().parents[1]
    for root in (checkout, Path(sys.prefix) / _SHARE, Path(site.USER_BASE or "") / _SHARE):
        if (root / "config" / "cti.yaml").is_file() and (root / "ivr_flows").is_dir():
            return root
    return None


def init_config(directory: Path, *, force: bool = False) -> list[Path]:
    """Write the example config files into ``directory`` and the example flows into
    ``directory/ivr_flows``; return the files written.

    Paths of the examples that point beside the config directory (``../ivr_flows``,
    ``../var/...``) are rewritten to stay inside it. Existing files are kept unless
    ``force``: then nothing is written and ``BadRequest`` names them.
    """
    source = examples_dir()
    if source is None:
        raise BadRequest("the example configuration is not installed with this copy of cti; "
                         "take config/ and ivr_flows/ from the project's repository")
    plan = [(path, directory / path.name) for path in sorted((source / "config").glob("*.yaml"))]
    plan += [(path, directory / "ivr_flows" / path.name)
             for path in sorted((source / "ivr_flows").glob("*.yaml"))]
    existing = [target for _, target in plan if target.exists()]
    if existing and not force:
        raise BadRequest(f"{existing[0]} exists" + (f" (and {len(existing) - 1} more)"
                                                    if len(existing) > 1 else "")
                         + "; nothing written: choose an empty directory, or --force to "
                           "overwrite the example files")
    written = []
    try:
        (directory / "ivr_flows").mkdir(parents=True, exist_ok=True)
        for path, target in plan:
            if path.name == "cti.yaml" and path.parent.name == "config":
                target.write_text(_inside(path.read_text(encoding="utf-8")), encoding="utf-8")
            else:
                shutil.copyfile(path, target)
            written.append(target)
    except OSError as exc:
        raise BadRequest(f"cannot write {exc.filename or directory}: {exc.strerror}") from None
    return written


def _inside(text: str) -> str:
    """cti.yaml with the paths beside the config directory moved into it."""
    return (text.replace("flows_dir: ../ivr_flows", "flows_dir: ivr_flows")
            .replace("../var/", "var/"))
