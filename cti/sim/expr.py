"""Variable substitution, dialplan functions and ``$[...]`` expressions, as Asterisk
evaluates them.

``${VAR}``, ``${VAR:offset:length}`` (also after a function), nested
substitutions (inner first, as pbx_substitute_variables does), the built-in
``${EPOCH}``, and ``$[...]`` with Asterisk's precedence: ``|`` below ``&``
below the comparisons below ``+ -`` below ``* / %`` below unary minus;
numbers are decimal (``7 / 2`` is ``3.5``); a syntax error gives ``0``.

Functions that need only their arguments are evaluated here, each as its
Asterisk module does: ``FILTER``, ``URIENCODE``, ``URIDECODE``, ``LEN``,
``REGEX``, ``IF``, ``ISNULL``, ``EXISTS``. The others (``CALLERID``, ``CUT``,
``CHANNEL``, ``GLOBAL``...) go to ``lookup``, which knows the channel.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote

Lookup = Callable[[str], str]

#: Wall-clock seconds for ${EPOCH} when the lookup does not give one.
clock: Callable[[], float] = time.time


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
    """``NAME``, ``FUNC(args)``, either with ``:offset:length`` (parse_variable_name)."""
    name, spec = _split_substring(inner)
    value = _value(name, lookup)
    if spec is None:
        return value
    parts = spec.split(":")
    try:
        offset = int(parts[0] or 0)
        length = int(parts[1]) if len(parts) > 1 and parts[1] else None
    except ValueError:
        return value
    value = value[offset:]
    return value if length is None else value[:length]


def _split_substring(inner: str) -> tuple[str, str | None]:
    depth = 0
    for k, ch in enumerate(inner):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == ":" and depth == 0:
            return inner[:k], inner[k + 1 :]
    return inner, None


def _value(name: str, lookup: Lookup) -> str:
    open_at = name.find("(")
    close_at = name.rfind(")")
    if open_at > 0 and close_at > open_at:
        function = FUNCTIONS.get(name[:open_at].strip().upper())
        if function is not None:
            return function(name[open_at + 1 : close_at])
        return lookup(name)
    value = lookup(name)
    if value == "" and name == "EPOCH":
        return str(int(clock()))
    return value


# -- functions ------------------------------------------------------------------


def separate_args(data: str, delim: str = ",", count: int = 2, *,
                  remove_quotes: bool = True) -> list[str]:
    """``__ast_app_separate_args``: split on ``delim`` outside (), [] and quotes;
    the last of ``count`` arguments takes the rest."""
    args: list[str] = []
    current: list[str] = []
    paren = bracket = 0
    quoted = False
    k = 0
    while k < len(data):
        ch = data[k]
        if len(args) < count - 1 and ch == delim and not (paren or bracket or quoted):
            args.append("".join(current))
            current = []
            k += 1
            continue
        if ch == "(":
            paren += 1
        elif ch == ")" and paren:
            paren -= 1
        elif ch == "[":
            bracket += 1
        elif ch == "]" and bracket:
            bracket -= 1
        elif ch == '"' and delim != '"':
            quoted = not quoted
            if remove_quotes:
                k += 1
                continue
        elif ch == "\\" and k + 1 < len(data):
            if remove_quotes:
                current.append(data[k + 1])
                k += 2
                continue
            current.append(ch)
            k += 1
            ch = data[k]
        current.append(ch)
        k += 1
    if current or (args and data.endswith(delim)) or not args:
        args.append("".join(current))
    return args


def _encoded_char(text: str, k: int) -> tuple[str, int] | None:
    """``ast_get_encoded_char``: one character of ``text`` at ``k`` (``\\n``, ``\\x41``,
    ``\\0101``, ``\\c``) and how many characters it took; None at the end."""
    if k >= len(text):
        return None
    if text[k] != "\\" or k + 1 >= len(text):
        return text[k], 1
    nxt = text[k + 1]
    if nxt in "nrt":
        return {"n": "\n", "r": "\r", "t": "\t"}[nxt], 2
    if nxt == "x":
        digits = re.match(r"[0-9A-Fa-f]{1,2}", text[k + 2 :])
        if digits is None:
            return None
        return chr(int(digits.group(), 16)), 2 + len(digits.group())
    if nxt == "0":
        digits = re.match(r"[0-7]*", text[k + 2 :])
        octal = digits.group() if digits else ""
        return chr(int(octal or "0", 8) & 0xFF), 2 + len(octal)
    return nxt, 2


def filter_chars(data: str) -> str:
    """FILTER(allowed,string): the characters of string that are in allowed; ranges
    ``0-9``; a ``-`` at the end of allowed is dropped, as func_strings.c does."""
    args = separate_args(data, ",", 2, remove_quotes=False)
    if len(args) < 2:
        return ""
    spec, string = args
    allowed: set[str] = set()
    k = 0
    while k < len(spec):
        got = _encoded_char(spec, k)
        if got is None:
            return ""
        first, used = got
        k += used
        if k < len(spec) and spec[k] == "-":
            got = _encoded_char(spec, k + 1)
            last, used = got if got is not None else (first, 0)
            k += used + 1
            code = ord(first)
            while True:                 # an unsigned char loop: may wrap, as in C
                allowed.add(chr(code))
                if code == ord(last) & 0xFF:
                    break
                code = (code + 1) & 0xFF
        else:
            allowed.add(first)
    return "".join(ch for ch in string if ch in allowed)


_URI_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.!~*'()]")


def uri_encode(data: str) -> str:
    """URIENCODE: every byte but letters, digits and ``-_.!~*'()`` as ``%XX``."""
    out = []
    for ch in data:
        if _URI_UNRESERVED.match(ch):
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def _regex(data: str) -> str:
    """REGEX("expression" string): 1 if the extended regular expression matches."""
    args = separate_args(data, '"', 3)
    if len(args) != 3:
        return ""
    _, expression, string = args
    if string[:1] in (" ", "\t"):
        string = string[1:]
    try:
        return "1" if re.search(expression, string) else "0"
    except re.error:
        return ""


def check_condition(text: str) -> bool:
    """pbx_checkcondition: empty is false, a number is its value, other text is true."""
    stripped = text.strip()
    if not stripped:
        return False
    number = re.match(r"[+-]?\d+", stripped)
    return int(number.group()) != 0 if number else True


def _if(data: str) -> str:
    """IF(expression?true:false)."""
    condition, *rest = separate_args(data, "?", 2)
    branches = separate_args(rest[0], ":", 2) if rest else []
    if not condition.strip() or not branches:
        return ""
    yes = branches[0].strip()
    no = branches[1].strip() if len(branches) > 1 else ""
    return yes if check_condition(condition) else no


FUNCTIONS: dict[str, Callable[[str], str]] = {
    "FILTER": filter_chars,
    "URIENCODE": uri_encode,
    "URIDECODE": lambda data: unquote(data),
    "LEN": lambda data: str(len(data)),
    "REGEX": _regex,
    "IF": _if,
    "ISNULL": lambda data: "0" if data else "1",
    "EXISTS": lambda data: "1" if data else "0",
}


# -- $[ ... ] -------------------------------------------------------------------

_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|<=|>=|!=|=~|[=<>&|()+\-*/%]|[^\s=<>&|()!"+*/%-]+)')


class _Syntax(Exception):
    pass


def evaluate(expr: str) -> str:
    """Evaluate a ``$[...]`` body as ast_expr does; ``0`` on a syntax error."""
    tokens = [t for t in _TOKEN.findall(expr) if t]
    if not tokens:
        return ""
    try:
        value, rest = _or(tokens)
    except (_Syntax, IndexError, ValueError, ZeroDivisionError, InvalidOperation):
        return "0"
    return value if not rest else "0"


def _unquote(tok: str) -> str:
    return tok[1:-1] if len(tok) >= 2 and tok[0] == tok[-1] == '"' else tok


def _num(value: str) -> Decimal | None:
    if not re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
        return None
    return Decimal(value.strip())


def _text(number: Decimal) -> str:
    """A result as Asterisk prints it (%.16Lg): 4, 3.5, no exponent for our sizes."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


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
    left, toks = _product(toks)
    while toks and toks[0] in ("+", "-"):
        op = toks[0]
        right, toks = _product(toks[1:])
        a, b = _number(left), _number(right)
        left = _text(a + b if op == "+" else a - b)
    return left, toks


def _product(toks: list[str]) -> tuple[str, list[str]]:
    left, toks = _unary(toks)
    while toks and toks[0] in ("*", "/", "%"):
        op = toks[0]
        right, toks = _unary(toks[1:])
        a, b = _number(left), _number(right)
        if op == "*":
            left = _text(a * b)
        elif op == "/":
            left = _text(a / b)
        else:
            left = _text(a % b)         # Decimal %: the sign of the dividend, as C's fmodl
    return left, toks


def _unary(toks: list[str]) -> tuple[str, list[str]]:
    if toks and toks[0] == "-":
        value, rest = _unary(toks[1:])
        return _text(-_number(value)), rest
    return _atom(toks)


def _atom(toks: list[str]) -> tuple[str, list[str]]:
    tok = toks[0]
    if tok == "(":
        value, rest = _or(toks[1:])
        if not rest or rest[0] != ")":
            raise _Syntax("unbalanced parenthesis")
        return value, rest[1:]
    if tok in ("|", "&", "=", "!=", "<", ">", "<=", ">=", "+", "*", "/", "%", ")", "=~"):
        raise _Syntax(f"unexpected {tok!r}")
    return _unquote(tok), toks[1:]


def _number(value: str) -> Decimal:
    number = _num(value)
    if number is None:
        raise _Syntax(f"{value!r} is not a number")
    return number


def _true(value: str) -> bool:
    return value not in ("", "0")
