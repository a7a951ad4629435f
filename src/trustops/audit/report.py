"""An audit report as text (terminal), JSON (machines, baselines), SARIF 2.1.0 (code-scanning tools) or HTML
(people: findings by family with evidence and fix, and a chart of findings per family and severity).

SARIF follows the OASIS SARIF 2.1.0 schema as GitHub code scanning reads it: one run, the tool's rules in
``tool.driver.rules`` (id, short description, help, ``defaultConfiguration.level``, ``properties.security-severity``
for GitHub's severity), each result with ``ruleId``, ``ruleIndex``, ``level``, ``message.text``, a physical location
(``artifactLocation.uri`` relative to the audited directory, ``region.startLine``) and
``partialFingerprints.primaryLocationLineHash``-style fingerprints so alerts survive line shifts.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from trustops import __version__
from trustops.audit.findings import Finding, Report, Severity
from trustops.audit.scanner import Family

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
# GitHub maps security-severity to critical/high/medium/low: > 9.0, 7.0–8.9, 4.0–6.9, 0.1–3.9.
SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.0", Severity.LOW: "2.0"}
INFO_URI = "https://github.com/trustops/trustops/blob/main/docs/audit.md"


def as_json(report: Report) -> str:
    """The report as JSON; its ``findings`` (with fingerprints) make a baseline for ``--baseline``."""
    document = {
        "tool": {"name": "trustops audit", "version": __version__},
        "targets": report.targets,
        "counts": report.counts(),
        "suppressed": report.suppressed,
        "scanned": report.scanned,
        "findings": [_finding_dict(f) for f in report.findings],
        "warnings": [{"target": w.target, "message": w.message} for w in report.warnings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _finding_dict(finding: Finding) -> dict[str, Any]:
    location = finding.location
    return {
        "rule": finding.rule,
        "family": finding.family,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": location.path,
        "line": location.line or None,
        "column": location.column or None,
        "url": location.url,
        "status": location.status,
        "evidence": finding.evidence,
        "fix": finding.fix,
        "sources": list(finding.sources),
        "fingerprint": finding.fingerprint,
    }


def as_sarif(report: Report, families: Sequence[Family]) -> str:
    rule_ids = sorted({rule for family in families for rule in family.rules} | {f.rule for f in report.findings})
    index = {rule: n for n, rule in enumerate(rule_ids)}
    docs = {family.id: family for family in families}
    severities = {f.rule: f.severity for f in report.findings}
    rules = []
    for rule in rule_ids:
        family = docs.get(rule.split("/", 1)[0])
        severity = severities.get(rule, Severity.MEDIUM)
        rules.append(
            {
                "id": rule,
                "name": _camel(rule),
                "shortDescription": {"text": rule.split("/", 1)[-1].replace("-", " ")},
                "fullDescription": {"text": family.title if family else rule},
                "help": {"text": family.doc if family else rule},
                "helpUri": INFO_URI,
                "defaultConfiguration": {"level": SARIF_LEVELS[severity]},
                "properties": {"tags": ["trustops", rule.split("/", 1)[0]]},
            }
        )
    results = [_sarif_result(f, index[f.rule]) for f in report.findings]
    run: dict[str, Any] = {
        "tool": {
            "driver": {"name": "trustops-audit", "version": __version__, "informationUri": INFO_URI, "rules": rules}
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if report.warnings:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": f"{w.target}: {w.message}"}} for w in report.warnings
                ],
            }
        ]
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"


def _sarif_result(finding: Finding, rule_index: int) -> dict[str, Any]:
    location = finding.location
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": SARIF_LEVELS[finding.severity],
        "message": {"text": f"{finding.message} Fix: {finding.fix}"},
        "partialFingerprints": {"trustopsFingerprint/v1": finding.fingerprint},
        "properties": {"security-severity": SECURITY_SEVERITY[finding.severity], "evidence": finding.evidence},
    }
    if location.path is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": location.path}}
        if location.line:
            region: dict[str, Any] = {"startLine": location.line, "snippet": {"text": finding.evidence}}
            if location.column:
                region["startColumn"] = location.column
            physical["region"] = region
        result["locations"] = [{"physicalLocation": physical}]
    else:
        # A URL is not a file in the repository: code-scanning tools take it as a logical location.
        result["locations"] = [{"logicalLocations": [{"fullyQualifiedName": location.url or "", "kind": "resource"}]}]
        if location.status is not None:
            result["properties"]["httpStatus"] = location.status
    return result


def _camel(rule: str) -> str:
    return "".join(part.capitalize() for part in rule.replace("/", "-").split("-"))


def as_text(report: Report) -> str:
    """Plain text, one block per finding, as a terminal shows it."""
    lines = []
    for finding in report.findings:
        lines.append(f"{finding.location}: {finding.severity.value}: {finding.rule}: {finding.message}")
        if finding.evidence:
            lines.append(f"    > {finding.evidence}")
        lines.append(f"    fix: {finding.fix}")
    for warning in report.warnings:
        lines.append(f"{warning.target}: warning: {warning.message}")
    counts = report.counts()
    summary = ", ".join(f"{counts[s.value]} {s.value}" for s in reversed(Severity))
    tail = f"; {report.suppressed} accepted in the baseline" if report.suppressed else ""
    lines.append(f"{len(report.findings)} findings ({summary}) in {report.scanned} files and responses{tail}.")
    return "\n".join(lines) + "\n"


def as_html(report: Report, families: Sequence[Family]) -> str:
    """A self-contained page: a bar chart of findings per family and severity, then the findings."""
    counts = report.counts()
    by_family = Counter((f.family, f.severity) for f in report.findings)
    top = max((sum(by_family[(fam.id, s)] for s in Severity) for fam in families), default=0) or 1
    bars = []
    for family in families:
        cells = []
        for severity in reversed(Severity):
            n = by_family[(family.id, severity)]
            if n:
                width = 100 * n / top
                style = f"width:{width:.1f}%"
                label = f"{n} {severity.value}"
                cells.append(f'<span class="bar {severity.value}" style="{style}" title="{label}">{n}</span>')
        bars.append(f"<tr><th>{html.escape(family.title)}</th><td>{''.join(cells) or '—'}</td></tr>")
    sections = []
    for family in families:
        found = [f for f in report.findings if f.family == family.id]
        items = "".join(_html_finding(f) for f in found) or "<p class=quiet>No finding.</p>"
        sections.append(
            f"<section><h2>{html.escape(family.title)} ({len(found)})</h2>"
            f"<p class=doc>{html.escape(family.doc)}</p>{items}</section>"
        )
    warnings = "".join(
        f"<li><code>{html.escape(w.target)}</code>: {html.escape(w.message)}</li>" for w in report.warnings
    )
    summary = " · ".join(f"{counts[s.value]} {s.value}" for s in reversed(Severity))
    targets = ", ".join(html.escape(t) for t in report.targets)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trustops audit</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}}
h1{{margin-bottom:.2rem}} .quiet,.doc{{color:#57606a}} table.chart{{width:100%;border-collapse:collapse;margin:1rem 0}}
table.chart th{{text-align:left;width:22rem;font-weight:500;padding:.2rem .5rem .2rem 0}}
.bar{{display:inline-block;color:#fff;font-size:12px;padding:2px 4px;min-width:1.2rem;box-sizing:border-box}}
.high{{background:#cf222e}} .medium{{background:#bc4c00}} .low{{background:#6e7781}}
article{{border-left:4px solid #d0d7de;padding:.3rem .8rem;margin:.8rem 0}}
article.high{{border-color:#cf222e}} article.medium{{border-color:#bc4c00}} article.low{{border-color:#6e7781}}
code,pre{{font:13px ui-monospace,monospace}} pre{{background:#f6f8fa;padding:.4rem;white-space:pre-wrap}}
</style></head><body>
<h1>trustops audit</h1><p class=quiet>{targets} — {summary}; {report.scanned} files and responses read;
{report.suppressed} accepted in the baseline.</p>
<table class=chart aria-label="Findings per family and severity">{"".join(bars)}</table>
{"".join(sections)}
{f"<h2>Warnings</h2><ul>{warnings}</ul>" if warnings else ""}
</body></html>
"""


def _html_finding(finding: Finding) -> str:
    sources = "".join(f"<li>{html.escape(s)}</li>" for s in finding.sources)
    return (
        f'<article class="{finding.severity.value}"><p><strong>{finding.severity.value}</strong> '
        f"<code>{html.escape(finding.rule)}</code> at <code>{html.escape(str(finding.location))}</code></p>"
        f"<p>{html.escape(finding.message)}</p>"
        + (f"<pre>{html.escape(finding.evidence)}</pre>" if finding.evidence else "")
        + f"<p><strong>Fix:</strong> {html.escape(finding.fix)}</p>"
        + (f"<ul class=quiet>{sources}</ul>" if sources else "")
        + "</article>"
    )


FORMATS = ("text", "json", "sarif", "html")


def render(report: Report, fmt: str, families: Sequence[Family]) -> str:
    if fmt == "json":
        return as_json(report)
    if fmt == "sarif":
        return as_sarif(report, families)
    if fmt == "html":
        return as_html(report, families)
    return as_text(report)
