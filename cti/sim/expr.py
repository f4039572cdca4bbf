"""Variable substitution and ``$[...]`` expressions, as the dialplan needs them.

``${VAR}``, ``${VAR:offset:length}``, functions (``CALLERID(all|num|name)``,
``CUT(var,delim,field)``, ``CHANNEL(name|peername|uniqueid|linkedid)``,
``LEN``, ``IF``), nested substitutions, and ``$[ a = b ]`` comparisons with
``= != < > <= >= & |``, quoted strings and integers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Lookup = Callable[[str], str]


def substitute(text: str, lookup: Lookup) -> str:
    """Expand ``${...}`` and ``$[...]`` in ``text``; ``lookup`` resolves names and functions."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        if text.startswith("${", i) or text.startswith("$[", i):
            opener = text[i + 1]
            closer = "}" if opener == "{" else "]"
            end = _matching(text, i + 1, opener, closer)
            if end < 0:
                out.append(text[i:])
                break
            inner = substitute(text[i + 2 : end], lookup)
            out.append(_variable(inner, lookup) if opener == "{" else evaluate(inner))
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _matching(text: str, start: int, opener: str, closer: str) -> int:
    depth = 0
    for j in range(start, len(text)):
        if text[j] == opener:
            depth += 1
        elif text[j] == closer:
            depth -= 1
            if depth == 0:
                return j
    return -1


def _variable(inner: str, lookup: Lookup) -> str:
    # ${VAR:offset:length} (not for functions, whose args may contain ':')
    if "(" not in inner and ":" in inner:
        name, _, spec = inner.partition(":")
        value = lookup(name)
        parts = spec.split(":")
        try:
            offset = int(parts[0] or 0)
            length = int(parts[1]) if len(parts) > 1 and parts[1] else None
        except ValueError:
            return value
        value = value[offset:]
        return value if length is None else value[:length]
    return lookup(inner)


_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|<=|>=|!=|=~|[=<>&|()+\-*/%]|[^\s=<>&|()!"+*/%-]+)')


def evaluate(expr: str) -> str:
    """Evaluate a ``$[...]`` body the way Asterisk's expression parser does for simple cases."""
    tokens = [t for t in _TOKEN.findall(expr) if t]
    if not tokens:
        return ""
    try:
        value, rest = _or(tokens)
    except (IndexError, ValueError, ZeroDivisionError):
        return "0"
    return value if not rest else "0"


def _unquote(tok: str) -> str:
    return tok[1:-1] if len(tok) >= 2 and tok[0] == tok[-1] == '"' else tok


def _num(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _or(toks: list[str]) -> tuple[str, list[str]]:
    left, toks = _and(toks)
    while toks and toks[0] == "|":
        right, toks = _and(toks[1:])
        left = left if _true(left) else right
    return left, toks


def _and(toks: list[str]) -> tuple[str, list[str]]:
    left, toks = _cmp(toks)
    while toks and toks[0] == "&":
        right, toks = _cmp(toks[1:])
        left = left if _true(left) and _true(right) else "0"
    return left, toks


def _cmp(toks: list[str]) -> tuple[str, list[str]]:
    left, toks = _sum(toks)
    while toks and toks[0] in ("=", "!=", "<", ">", "<=", ">="):
        op = toks[0]
        right, toks = _sum(toks[1:])
        a, b = _num(left), _num(right)
        lhs, rhs = (a, b) if a is not None and b is not None else (left, right)
        result = {"=": lhs == rhs, "!=": lhs != rhs, "<": lhs < rhs, ">": lhs > rhs,  # type: ignore[operator]
                  "<=": lhs <= rhs, ">=": lhs >= rhs}[op]  # type: ignore[operator]
        left = "1" if result else "0"
    return left, toks


def _sum(toks: list[str]) -> tuple[str, list[str]]:
    left, toks = _atom(toks)
    while toks and toks[0] in ("+", "-", "*", "/", "%"):
        op = toks[0]
        right, toks = _atom(toks[1:])
        a, b = int(left), int(right)
        left = str({"+": a + b, "-": a - b, "*": a * b, "/": a // b, "%": a % b}[op])
    return left, toks


def _atom(toks: list[str]) -> tuple[str, list[str]]:
    tok = toks[0]
    if tok == "(":
        value, rest = _or(toks[1:])
        return value, rest[1:]
    return _unquote(tok), toks[1:]


def _true(value: str) -> bool:
    return value not in ("", "0")
