"""The script catalogue in use: is a classification made of its entries, what is
the answer to a question, what are the entries' labels.

The catalogue itself is config (``cti.config.Catalogue``, from catalogue.yaml).
An empty catalogue (no file) accepts any words: the four levels are then free text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cti.config import LEVELS, Catalogue

_PLURAL = {"topic": "topics", "reason": "reasons", "sub_reason": "sub-reasons",
           "question": "questions"}
_SHOWN = 12


def check_classification(catalogue: Catalogue, levels: Mapping[str, Any]) -> list[str]:
    """Problems with a classification (empty when it is fine).

    Levels are given top down: no reason without a topic, and so on. With a
    catalogue, each level must be an entry under the level above.
    """
    return [message for _, message in classification_problems(catalogue, levels)]


def classification_problems(catalogue: Catalogue,
                            levels: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Like ``check_classification``, each problem with the level it concerns."""
    problems: list[tuple[str, str]] = []
    path: list[str] = []
    for depth, level in enumerate(LEVELS):
        value = levels.get(level)
        if not value:
            below = [lv for lv in LEVELS[depth + 1:] if levels.get(lv)]
            if below:
                problems.append((below[0], f"{below[0]} {levels[below[0]]!r} is given "
                                           f"without a {level}"))
            break
        if catalogue.topics:
            entries = catalogue.children(tuple(path))
            if entries is None or value not in entries:
                where = f" of {_describe(path)}" if path else ""
                problems.append((level, f"{level} {value!r} is not in the catalogue{where}; "
                                        f"{_PLURAL[level]}: {_list(entries or {})}"))
                break
        path.append(str(value))
    return problems


def entries_at(catalogue: Catalogue, level: str) -> set[str]:
    """Every key at one level, under any path (e.g. every reason of every topic)."""
    keys: set[str] = set()
    todo: list[tuple[tuple[str, ...], int]] = [((), 0)]
    depth = LEVELS.index(level)
    while todo:
        path, at = todo.pop()
        entries = catalogue.children(path) or {}
        if at == depth:
            keys |= set(entries)
        else:
            todo += [((*path, key), at + 1) for key in entries]
    return keys


def answer(catalogue: Catalogue, levels: Mapping[str, Any]) -> str | None:
    """The text the agent reads for the chosen question (None if none is chosen)."""
    if not all(levels.get(level) for level in LEVELS):
        return None
    return catalogue.answer(*(str(levels[level]) for level in LEVELS))


def labels(catalogue: Catalogue, levels: Mapping[str, Any]) -> dict[str, str]:
    """``{level: label}`` of the levels given (the entry's name, else its key)."""
    out: dict[str, str] = {}
    path: list[str] = []
    for level in LEVELS:
        value = levels.get(level)
        if not value:
            break
        entry = (catalogue.children(tuple(path)) or {}).get(value)
        out[level] = (getattr(entry, "name", "") or str(value))
        path.append(str(value))
    return out


def tree(catalogue: Catalogue) -> dict[str, Any]:
    """The catalogue as JSON for desktops: nested ``{key: {name, children|answer}}``."""

    def node(entry: Any, key: str) -> dict[str, Any]:
        out: dict[str, Any] = {"name": getattr(entry, "name", "") or key}
        below = getattr(entry, "reasons", None) or getattr(entry, "sub_reasons", None) \
            or getattr(entry, "questions", None)
        if below is not None:
            out["children"] = {k: node(v, k) for k, v in below.items()}
        else:
            out["answer"] = entry.answer
        return out

    return {k: node(v, k) for k, v in catalogue.topics.items()}


def _describe(path: list[str]) -> str:
    return " > ".join(repr(p) for p in path)


def _list(entries: Mapping[str, Any]) -> str:
    names = sorted(entries)
    shown = ", ".join(names[:_SHOWN])
    return shown + (f", ... ({len(names)} in all)" if len(names) > _SHOWN else "") \
        if names else "none"
