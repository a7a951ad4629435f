"""Running an audit: read the targets, let each rule family look at them, drop what the baseline accepts.

A rule family is a module of :mod:`trustops.audit.families` exposing ``FAMILY``, a :class:`Family`: its id,
title, one-paragraph documentation and a ``scan(context)`` that yields findings. A family never raises on bad
input: what it cannot read becomes a warning (``context.warn``).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trustops.audit.findings import AuditWarning, Finding, Report
from trustops.audit.inventory import Inventory
from trustops.audit.sources import Response, Sources, collect
from trustops.errors import InvalidInput

FAMILY_MODULES = ("errors", "collection", "silent", "tracking", "retention")


@dataclass
class Context:
    """What a family sees: everything read, the data inventory if one was given, and where warnings go."""

    sources: Sources
    inventory: Inventory | None
    warn: Callable[[AuditWarning], None]
    options: dict[str, object] = field(default_factory=dict)  # family options, e.g. {"tracking.live": True}


@dataclass(frozen=True)
class Family:
    id: str
    title: str
    doc: str  # one paragraph: what it finds, why it matters, its sources
    rules: tuple[str, ...]  # the rule ids it may report, each "family/rule"
    scan: Callable[[Context], Iterable[Finding]]


def families(selected: Sequence[str] = ()) -> list[Family]:
    """The rule families, all or the ``selected`` ones (an unknown id is an error naming the known ones)."""
    for name in selected:
        if name not in FAMILY_MODULES:
            known = ", ".join(FAMILY_MODULES)
            raise InvalidInput(f"--family: {name!r} is not a rule family; use one of {known}", field="family")
    chosen = selected or FAMILY_MODULES
    found = []
    for name in chosen:
        module = importlib.import_module(f"trustops.audit.families.{name}")
        found.append(module.FAMILY)
    return found


def audit(
    targets: Sequence[str],
    *,
    inventory: Inventory | None = None,
    baseline: set[str] | None = None,
    selected: Sequence[str] = (),
    fetch: Callable[[str], Response] | None = None,
    options: dict[str, object] | None = None,
    exclude: Sequence[str] = (),
) -> Report:
    """Audit ``targets`` (paths, HAR files and URLs) with the selected families."""
    chosen = families(selected)
    report = Report(list(targets))
    sources = collect(targets, warn=report.warnings.append, fetch=fetch, exclude=exclude)
    context = Context(sources, inventory, report.warnings.append, dict(options or {}))
    for family in chosen:
        for finding in family.scan(context):
            if baseline is not None and finding.fingerprint in baseline:
                report.suppressed += 1
            else:
                report.findings.append(finding)
    report.scanned = sum(1 for f in sources.files if f.text is not None) + len(sources.responses)
    report.findings.sort(
        key=lambda f: (-f.severity.rank, f.rule, str(f.location.url or f.location.path), f.location.line)
    )
    return report


def load_baseline(path: Path) -> set[str]:
    """The fingerprints accepted in a baseline: a JSON report of an earlier run (``--format json``), or a
    list of fingerprints."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"--baseline: {path} is not a readable JSON report: {exc}", field="baseline") from None
    items = data.get("findings", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InvalidInput(f"--baseline: {path}: expected a report with a findings list", field="baseline")
    prints = set()
    for item in items:
        if isinstance(item, str):
            prints.add(item)
        elif isinstance(item, dict) and isinstance(item.get("fingerprint"), str):
            prints.add(item["fingerprint"])
        else:
            raise InvalidInput(f"--baseline: {path}: a finding without a fingerprint", field="baseline")
    return prints


CONFIG_NAME = ".trustops-audit.yaml"


@dataclass(frozen=True)
class AuditConfig:
    """A project's audit settings, from ``.trustops-audit.yaml`` in the audited directory (all optional)::

    exclude: [tests/audit/fixtures/**, "*.min.js"]   # paths not to audit (test fixtures, vendored code)
    inventory: privacy/inventory.yaml                # the data inventory, relative to this file
    fail_on: high                                    # the CI gate when --fail-on is not given
    """

    exclude: tuple[str, ...] = ()
    inventory: Path | None = None
    fail_on: str | None = None


def load_config(directory: Path) -> AuditConfig:
    import yaml

    path = directory / CONFIG_NAME
    if not path.is_file():
        return AuditConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: not readable YAML: {exc}", field="config") from None
    if not isinstance(data, dict) or set(data) - {"exclude", "inventory", "fail_on"}:
        unknown = ", ".join(sorted(set(data) - {"exclude", "inventory", "fail_on"})) if isinstance(data, dict) else ""
        raise InvalidInput(f"{path}: expected keys exclude, inventory, fail_on (found: {unknown})", field="config")
    exclude = data.get("exclude") or []
    if not isinstance(exclude, list) or not all(isinstance(p, str) for p in exclude):
        raise InvalidInput(f"{path}: exclude: expected a list of glob patterns", field="config")
    inventory = data.get("inventory")
    fail_on = data.get("fail_on")
    return AuditConfig(
        exclude=tuple(exclude),
        inventory=(directory / str(inventory)) if inventory else None,
        fail_on=str(fail_on) if fail_on else None,
    )
