"""Gatus-style probe conditions, parsed into a small tree and evaluated without ``eval()``.

A condition compares two sides with one of ``== != < <= > >=``::

    [STATUS] == 200
    [RESPONSE_TIME] < 300                  milliseconds
    [BODY].data[0].id == 42                a JSON path into the body; [BODY] alone is the whole text
    [CERTIFICATE_EXPIRATION] > 48h         durations: ms, s, m, h, d (compared in milliseconds)
    len([BODY].items) > 0 · has([BODY].error) == false
    [BODY].name == pat(shop-*) · [STATUS] == any(200, 204)     (== and != only)

Both sides compare as numbers when both read as numbers or durations, as text otherwise. A placeholder
the probe could not fill (no certificate, a path missing from the body) fails the condition, whatever
the operator; ``has()`` is the way to test for absence. Syntax follows Gatus (README §Conditions).
"""

from __future__ import annotations

import json
import operator as op
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatchcase
from functools import cached_property
from typing import Any

PLACEHOLDERS = (
    "BODY",
    "CERTIFICATE_EXPIRATION",
    "CONNECTED",
    "DNS_RCODE",
    "IP",
    "RESPONSE_TIME",
    "STATUS",
)
OPERATORS = ("==", "!=", "<", "<=", ">", ">=")

# Why a value is missing, shown after the condition text when it fails.
_UNAVAILABLE = {
    "BODY": "no response body",
    "CERTIFICATE_EXPIRATION": "no certificate: not a TLS connection, or its certificate could not be read",
    "CONNECTED": "connection state unknown",
    "DNS_RCODE": "no DNS response code",
    "IP": "no IP address",
    "RESPONSE_TIME": "no response time",
    "STATUS": "no HTTP status",
}
_PLACEHOLDER = re.compile(r"\[([A-Za-z_]+)\](.*)", re.DOTALL)
_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_FUNCTION = re.compile(r"([A-Za-z_]+)\((.*)", re.DOTALL)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_MS_PER_UNIT = {"ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3, "d": 86_400e3}
_OPERATIONS = {"==": op.eq, "!=": op.ne, "<=": op.le, ">=": op.ge, "<": op.lt, ">": op.gt}


@dataclass(frozen=True)
class ProbeContext:
    """What one probe run observed; ``None`` means the probe could not tell."""

    status: int | None = None
    response_ms: float | None = None
    ip: str | None = None
    body: str | None = None
    connected: bool | None = None
    cert_expires_in: timedelta | None = None
    dns_rcode: str | None = None

    @cached_property
    def body_json(self) -> Any:
        """The body parsed as JSON, or why it cannot be."""
        if self.body is None:
            return _Missing(_UNAVAILABLE["BODY"])
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            return _Missing("the body is not JSON")


@dataclass(frozen=True)
class _Missing:
    reason: str


# --- the tree -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Constant:
    text: str


@dataclass(frozen=True)
class Placeholder:
    name: str
    path: tuple[str | int, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Length:
    of: Placeholder


@dataclass(frozen=True)
class Has:
    of: Placeholder


@dataclass(frozen=True)
class Pattern:
    glob: str


@dataclass(frozen=True)
class AnyOf:
    options: tuple[str, ...]


Value = Constant | Placeholder | Length | Has
Matcher = Pattern | AnyOf


@dataclass(frozen=True)
class Condition:
    """One parsed condition; ``text`` is what the user wrote."""

    text: str
    left: Value
    operator: str
    right: Value | Matcher

    def evaluate(self, ctx: ProbeContext) -> bool:
        left = _resolve(self.left, ctx)
        if isinstance(left, _Missing):
            return False
        if isinstance(self.right, Pattern | AnyOf):
            return _matches(left, self.right) == (self.operator == "==")
        right = _resolve(self.right, ctx)
        return not isinstance(right, _Missing) and _compare(left, self.operator, right)

    def explain(self, ctx: ProbeContext) -> str:
        """The condition with what the probe actually saw, e.g. ``[STATUS] == 200 (was 503)``."""
        shown: list[str] = []
        for side in _observed(self.left, self.right):
            value = _resolve(side, ctx)
            if isinstance(value, _Missing):
                return f"{self.text} ({value.reason})"
            shown.append(_show(side, value))
        return f"{self.text} (was {' and '.join(shown)})"


def first_failure(conditions: Iterable[Condition], ctx: ProbeContext) -> str | None:
    """The first condition that fails, with the actual value, or ``None`` when all hold."""
    for condition in conditions:
        if not condition.evaluate(ctx):
            return condition.explain(ctx)
    return None


# --- parsing ------------------------------------------------------------------------------------


def parse_condition(text: str) -> Condition:
    """Parse one condition; raise ``ValueError`` naming the problem and quoting ``text``."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("empty condition")
    position, operator = _find_operator(stripped, text)
    left = _side(stripped[:position].strip(), "left", text)
    right = _side(stripped[position + len(operator) :].strip(), "right", text)
    if isinstance(left, Pattern | AnyOf):
        left, right = right, left
    if isinstance(left, Pattern | AnyOf):
        raise ValueError(f"pat() and any() cannot be compared with each other in {_q(text)}")
    if isinstance(right, Pattern | AnyOf) and operator not in ("==", "!="):
        raise ValueError(f"pat() and any() only work with == or != in {_q(text)}")
    if not _observed(left, right):
        raise ValueError(f"no placeholder such as [STATUS] in {_q(text)}")
    return Condition(stripped, left, operator, right)


def _observed(left: Value, right: Value | Matcher) -> list[Placeholder | Length | Has]:
    """The sides whose actual value is worth reporting when the condition fails."""
    return [side for side in (left, right) if isinstance(side, Placeholder | Length | Has)]


def _find_operator(stripped: str, text: str) -> tuple[int, str]:
    """The leftmost operator; placeholders and functions sit on the left and never contain one."""
    hits = [(stripped.find(candidate), -len(candidate), candidate) for candidate in OPERATORS if candidate in stripped]
    if not hits:
        raise ValueError(f"no operator ({' '.join(OPERATORS)}) in {_q(text)}")
    position, _, operator = min(hits)
    return position, operator


def _side(part: str, which: str, text: str) -> Value | Matcher:
    if not part:
        raise ValueError(f"nothing on the {which} of the operator in {_q(text)}")
    if part.startswith("["):
        placeholder = _placeholder(part, text)
        if placeholder is not None:
            return placeholder
    function = _FUNCTION.fullmatch(part)
    if function:
        return _function(function.group(1), function.group(2), text)
    return Constant(part)


def _placeholder(part: str, text: str) -> Placeholder | None:
    match = _PLACEHOLDER.fullmatch(part)
    if match is None:
        return None
    name, rest = match.groups()
    if name not in PLACEHOLDERS:
        known = ", ".join(f"[{p}]" for p in PLACEHOLDERS)
        raise ValueError(f"unknown placeholder [{name}] in {_q(text)} (known: {known})")
    if rest and name != "BODY":
        raise ValueError(f"only [BODY] takes a path, not [{name}]{rest} in {_q(text)}")
    return Placeholder(name, _path(rest, text), part)


def _path(rest: str, text: str) -> tuple[str | int, ...]:
    steps: list[str | int] = []
    position = 0
    while position < len(rest):
        match = _PATH_STEP.match(rest, position)
        if match is None:
            raise ValueError(f"bad JSON path {_q(rest)} after [BODY] in {_q(text)} (use .key or [0])")
        key, index = match.groups()
        steps.append(key if key is not None else int(index))
        position = match.end()
    return tuple(steps)


def _function(name: str, rest: str, text: str) -> Value | Matcher:
    if not rest.endswith(")"):
        raise ValueError(f"{name}( is never closed in {_q(text)}")
    argument = rest[:-1].strip()
    if name == "pat":
        return Pattern(argument)
    if name == "any":
        return AnyOf(tuple(option.strip() for option in argument.split(",")))
    if name in ("len", "has"):
        inner = _placeholder(argument, text) if argument.startswith("[") else None
        if inner is None:
            raise ValueError(f"{name}() takes a placeholder such as [BODY].items, not {_q(argument)}, in {_q(text)}")
        return Length(inner) if name == "len" else Has(inner)
    raise ValueError(f"unknown function {name}() in {_q(text)} (known: len, has, pat, any)")


# --- evaluation ---------------------------------------------------------------------------------

Scalar = str | float | int


def _resolve(side: Value, ctx: ProbeContext) -> Scalar | _Missing:
    if isinstance(side, Constant):
        return side.text
    if isinstance(side, Has):
        return "false" if isinstance(_raw(side.of, ctx), _Missing) else "true"
    raw = _raw(side.of if isinstance(side, Length) else side, ctx)
    if isinstance(raw, _Missing):
        return raw
    if isinstance(side, Length):
        return len(raw) if isinstance(raw, str | list | dict) else len(_text(_scalar(raw)))
    return _scalar(raw)


def _raw(placeholder: Placeholder, ctx: ProbeContext) -> Any:
    name = placeholder.name
    if name == "BODY" and placeholder.path:
        return _walk(ctx.body_json, placeholder)
    value = {
        "BODY": ctx.body,
        "CERTIFICATE_EXPIRATION": _ms(ctx.cert_expires_in),
        "CONNECTED": ctx.connected,
        "DNS_RCODE": ctx.dns_rcode,
        "IP": ctx.ip,
        "RESPONSE_TIME": ctx.response_ms,
        "STATUS": ctx.status,
    }[name]
    return _Missing(_UNAVAILABLE[name]) if value is None else value


def _walk(node: Any, placeholder: Placeholder) -> Any:
    for step in placeholder.path:
        if isinstance(node, _Missing):
            return node
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
        elif isinstance(step, str) and isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return _Missing(f"no {placeholder.text} in the body")
    return node


def _ms(delta: timedelta | None) -> float | None:
    return None if delta is None else delta.total_seconds() * 1000


def _scalar(raw: Any) -> Scalar:
    """JSON values as Gatus sees them: true/false/null as words, objects and arrays as compact JSON."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return "null"
    if isinstance(raw, str | int | float):
        return raw
    return json.dumps(raw, separators=(",", ":"))


def _number(value: Scalar) -> float | None:
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            return None
    if _NUMBER.fullmatch(value):
        return float(value)
    duration = _DURATION.fullmatch(value)
    return float(duration.group(1)) * _MS_PER_UNIT[duration.group(2)] if duration else None


def _text(value: Scalar) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _compare(left: Scalar, operator: str, right: Scalar) -> bool:
    a: float | str | None = _number(left)
    b: float | str | None = _number(right)
    if a is None or b is None:
        a, b = _text(left), _text(right)
    return bool(_OPERATIONS[operator](a, b))


def _matches(value: Scalar, matcher: Matcher) -> bool:
    if isinstance(matcher, Pattern):
        return fnmatchcase(_text(value), matcher.glob)
    return any(_compare(value, "==", option) for option in matcher.options)


def _show(side: Value, value: Scalar) -> str:
    if isinstance(side, Placeholder) and side.name == "CERTIFICATE_EXPIRATION" and isinstance(value, float):
        return _duration(value)
    if isinstance(value, float):
        return _text(round(value, 1))
    return _text(value)


def _duration(ms: float) -> str:
    """Two units, truncated so a value never rounds up past a threshold: ``1d 23h``, ``59m 30s``."""
    seconds = int(ms / 1000)
    days, rest = divmod(abs(seconds), 86_400)
    units = [(days, "d"), (rest // 3600, "h"), (rest % 3600 // 60, "m"), (rest % 60, "s")]
    first = next((i for i, (amount, _) in enumerate(units) if amount), len(units) - 1)
    sign = "-" if seconds < 0 else ""
    return sign + " ".join(f"{amount}{unit}" for amount, unit in units[first : first + 2])


def _q(text: str) -> str:
    """Quote user text on one line, as the docs show conditions: ``"[STATU] == 200"``."""
    return json.dumps(text, ensure_ascii=False)
