"""Reading untrusted JSON: every failure names the field path and the value it found."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from trustops.clock import as_utc
from trustops.errors import InvalidInput


def fail(path: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{path}: {problem}", field=path)


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def format_path(loc: Sequence[str | int]) -> str:
    path = ""
    for part in loc:
        path = join(path, part)
    return path


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def as_object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise fail(path, f"expected an object, got {kind_of(value)}")
    return value


def required(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if obj.get(key) is None:
        raise fail(join(path, key), "required")
    return obj[key]


def required_text(obj: Mapping[str, Any], key: str, path: str, *, max_length: int | None = None) -> str:
    value = optional_text(obj, key, path, max_length=max_length)
    if value is None:
        raise fail(join(path, key), "required")
    return value


def optional_text(obj: Mapping[str, Any], key: str, path: str, *, max_length: int | None = None) -> str | None:
    """The string at ``key``; an absent, null or empty value is None."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise fail(join(path, key), f"{show(value)} is not a string")
    if max_length is not None and len(value) > max_length:
        raise fail(join(path, key), f"{show(value)} is longer than {max_length} characters")
    return value


def identifier(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    """An id that senders write as a string or a number (Sentry does both)."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise fail(join(path, key), f"{show(value)} is not an id")
    return str(value)


def choice(obj: Mapping[str, Any], key: str, path: str, allowed: Sequence[str]) -> str:
    value = required(obj, key, path)
    if not isinstance(value, str) or value not in allowed:
        words = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
        raise fail(join(path, key), f"{show(value)} is not {words}")
    return value


def string_map(value: Any, path: str) -> dict[str, str]:
    """The string-to-string entries of an object; other entries are not labels and are left out."""
    if value is None:
        return {}
    return {k: v for k, v in as_object(value, path).items() if isinstance(k, str) and isinstance(v, str)}


def rfc3339(value: Any, path: str) -> datetime:
    """An RFC 3339 time as aware UTC; a time without offset is read as UTC, as Sentry and Go do."""
    if not isinstance(value, str):
        raise fail(path, f"{show(value)} is not an RFC 3339 time")
    try:
        # Python 3.11 reads 'Z' and truncates Go's nanoseconds (Alertmanager sends RFC3339Nano).
        return as_utc(datetime.fromisoformat(value))
    except (ValueError, OverflowError):
        raise fail(path, f"{show(value)} is not an RFC 3339 time") from None


def event_time(value: Any, path: str) -> datetime:
    """An RFC 3339 string or a Unix epoch number, the two forms Sentry accepts (formats.md §5)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return rfc3339(value, path)
    try:
        if not math.isfinite(value):
            raise ValueError(value)
        return datetime.fromtimestamp(value, UTC)
    except (ValueError, OverflowError, OSError):
        raise fail(path, f"{show(value)} is not a Unix timestamp") from None
