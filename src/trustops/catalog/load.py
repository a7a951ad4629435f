"""Read and validate ``trustops.yaml``, reporting every problem as one line.

Each problem names the file, the line, the key path and the offending value, e.g.::

    trustops.yaml:14: components[1].value_weight: 'heavy' is not a valid number
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from trustops.catalog.schema import CatalogFile
from trustops.errors import ConfigError


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class CatalogError(ConfigError):
    """The catalog file is invalid; ``problems`` holds one entry per error found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML silently keeps the last of two equal keys; a catalog must not."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_catalog(path: Path) -> CatalogFile:
    """Parse and validate a catalog file; raise :class:`CatalogError` listing every problem."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError([Problem(name, None, "", f"cannot read file: {exc.strerror}")]) from exc
    return parse_catalog(text, name)


def parse_catalog(text: str, name: str = "trustops.yaml") -> CatalogFile:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogError([Problem(name, line, "", f"invalid YAML: {problem}")]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CatalogError([Problem(name, 1, "", f"expected a mapping at the top, got {_kind(data)}")])
    problems = _duplicate_ids(name, root, data)
    try:
        catalog = CatalogFile.model_validate(data)
    except ValidationError as exc:
        problems += [_problem(name, root, data, error) for error in exc.errors()]
    if problems:
        raise CatalogError(sorted(problems, key=lambda p: p.line or 0))
    return catalog


def _duplicate_ids(name: str, root: yaml.Node | None, data: dict[str, Any]) -> list[Problem]:
    """Repeated component ids, and repeated check names within a component, read off the raw data."""
    problems: list[Problem] = []
    first: dict[Any, int] = {}
    for i, component in _items(data.get("components")):
        cid = component.get("id")
        if cid in first:
            loc: tuple[Any, ...] = ("components", i, "id")
            message = f"duplicate component id {cid!r} (first at components[{first[cid]}])"
            problems.append(Problem(name, _line(root, loc), _format_path(loc), message))
        first.setdefault(cid, i)
        seen: set[Any] = set()
        for j, check in _items(component.get("checks")):
            check_name = check.get("name") or check.get("type")
            if check_name in seen:
                loc = ("components", i, "checks", j, "name" if check.get("name") else "type")
                message = f"duplicate check name {check_name!r} in component {cid!r}"
                problems.append(Problem(name, _line(root, loc), _format_path(loc), message))
            seen.add(check_name)
    return problems


def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)] if isinstance(value, list) else []


def _problem(name: str, root: yaml.Node | None, data: Any, error: Any) -> Problem:
    loc = _strip_union_tags(data, tuple(error["loc"]))
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "union_tag_invalid":
        message = f"{value.get('type')!r} is not a check type ({error['ctx']['expected_tags']})"
    elif kind == "value_error":
        message = error["msg"].removeprefix("Value error, ")
    elif kind == "union_tag_not_found":
        message = "a check needs a 'type' (http, tcp, dns, tls, heartbeat)"
    else:
        message = f"{value!r}: {_lower_first(error['msg'])}"
    return Problem(name, _line(root, loc), _format_path(loc), message)


def _strip_union_tags(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Pydantic puts a discriminated union's tag in the location; users never wrote it."""
    kept: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part not in node and node.get("type") == part:
            continue
        kept.append(part)
        node = node[part] if _has(node, part) else None
    return tuple(kept)


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    node = root
    line = node.start_mark.line + 1 if node else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _format_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(type(value), "a value")
