"""Which prompts the IVR plays, and which of them a sounds directory lacks.

Asterisk plays ``tourism/welcome`` from ``<sounds dir>/tourism/welcome.<ext>``
for any format a format module reads (``formats/*.c``: wav, gsm, ulaw, alaw,
g722, sln16, ...), so a prompt is found when any such file exists. Used by
``cti ivr check --sounds DIR``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cti.agi.hold import HoldPrompts
from cti.agi.models import Flow

#: File name extensions of Asterisk 20's format modules (``exts`` in formats/*.c).
SOUND_EXTENSIONS = (
    "wav", "WAV", "wav49", "wav16", "gsm", "ulaw", "ul", "mu", "ulw", "pcm", "alaw", "al",
    "alw", "au", "g719", "g722", "g723", "g723sf", "g726-16", "g726-24", "g726-32",
    "g726-40", "g729", "h263", "h264", "ilbc", "ogg", "siren7", "siren14", "sln", "slin",
    "raw", "sln12", "sln16", "sln24", "sln32", "sln44", "sln48", "sln96", "sln192", "spx",
    "spx16", "spx32", "vox",
)
#: Fields of flow steps that name prompts (a string or a list of strings).
_PROMPT_FIELDS = ("prompt", "prompts", "invalid_prompt", "timeout_prompt", "thanks_prompt")


@dataclass
class Prompt:
    name: str
    #: Where it is played: ``main.welcome``, ``hold step``.
    where: list[str] = field(default_factory=list)

    @property
    def variable(self) -> bool:
        """Chosen by a ${variable} when the flow runs: cannot be checked here."""
        return "${" in self.name


def prompts_played(flows: Mapping[str, Flow], hold: HoldPrompts | None = None) -> list[Prompt]:
    """Every prompt the flows and the hold step may play, in name order."""
    found: dict[str, Prompt] = {}

    def add(name: str | None, where: str) -> None:
        if name:
            prompt = found.setdefault(name, Prompt(name))
            if where not in prompt.where:
                prompt.where.append(where)

    for flow_name, flow in sorted(flows.items()):
        for sid, step in flow.steps.items():
            where = f"{flow_name}.{sid}"
            for name in _step_prompts(step):
                add(name, where)
    for name in (hold or HoldPrompts()).names():
        add(name, "hold step")
    return [found[name] for name in sorted(found)]


def _step_prompts(step: Any) -> list[str]:
    names: list[str] = []
    for attr in _PROMPT_FIELDS:
        value = getattr(step, attr, None)
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, list):
            names.extend(v for v in value if isinstance(v, str))
    for item in getattr(step, "items", None) or []:
        if item.kind == "prompt":
            names.append(item.value)
        if item.kind == "amount":
            names += [item.currency, item.cents]
    return names


def find_missing(prompts: list[Prompt], directory: Path) -> list[Prompt]:
    """The prompts (not chosen by a variable) with no sound file in ``directory``."""
    return [p for p in prompts if not p.variable and not has_sound(directory, p.name)]


def has_sound(directory: Path, name: str) -> bool:
    """True when ``directory/name.<ext>`` exists for a format Asterisk plays."""
    base = Path(name) if name.startswith("/") else directory / name
    if re.search(r"\.\w+$", base.name) and base.is_file():
        return True          # Asterisk also accepts a name with its extension
    parent = base.parent
    if not parent.is_dir():
        return False
    return any((parent / f"{base.name}.{ext}").is_file() for ext in SOUND_EXTENSIONS)
