"""Keeping audit runs: a report stored (evidence redacted), read back as a JSON report (from CI uploads),
listed over time, compared with the run before, and purged by retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from trustops.audit.findings import AuditWarning, Finding, Location, Report, Severity
from trustops.audit.models import AuditFinding, AuditRun
from trustops.config import Policy
from trustops.errors import InvalidInput
from trustops.listen.redact import redact

MAX_EVIDENCE = 500
MAX_FINDINGS = 20_000  # per stored run; an upload with more is refused, naming the limit


def record(session: Session, report: Report, *, actor: str, project: str, now: datetime) -> AuditRun:
    """Store a run and its findings; evidence and messages pass through the redactor first."""
    if len(report.findings) > MAX_FINDINGS:
        raise InvalidInput(
            f"findings: {len(report.findings):,} findings; at most {MAX_FINDINGS:,} are kept per run", field="findings"
        )
    run = AuditRun(
        at=now,
        actor=actor,
        project=project[:200],
        targets=[t[:500] for t in report.targets][:50],
        counts=report.counts(),
        suppressed=report.suppressed,
        scanned=report.scanned,
        warnings=[{"target": w.target[:500], "message": redact(w.message).text[:500]} for w in report.warnings][:200],
    )
    for finding in report.findings:
        run.findings.append(
            AuditFinding(
                rule=finding.rule[:120],
                severity=finding.severity.value,
                message=redact(finding.message).text[:2000],
                path=(finding.location.path or None) and str(finding.location.path)[:1000],
                line=finding.location.line,
                url=(finding.location.url or None) and str(finding.location.url)[:2000],
                status=finding.location.status,
                evidence=redact(finding.evidence).text[:MAX_EVIDENCE],
                fix=finding.fix[:2000],
                fingerprint=finding.fingerprint,
            )
        )
    session.add(run)
    session.flush()
    return run


def report_from_json(data: Any) -> Report:
    """A report uploaded as the JSON ``trustops audit --format json`` writes; errors name the field."""
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise InvalidInput("findings: expected the JSON report of `trustops audit --format json`", field="findings")
    report = Report([str(t) for t in data.get("targets") or []][:50])
    for n, item in enumerate(data["findings"]):
        report.findings.append(_finding(item, f"findings[{n}]"))
    for n, item in enumerate(data.get("warnings") or []):
        if not isinstance(item, dict):
            raise InvalidInput(f"warnings[{n}]: expected an object", field=f"warnings[{n}]")
        report.warnings.append(AuditWarning(str(item.get("target", "")), str(item.get("message", ""))))
    report.suppressed = _int(data.get("suppressed", 0), "suppressed")
    report.scanned = _int(data.get("scanned", 0), "scanned")
    return report


def _finding(item: Any, where: str) -> Finding:
    if not isinstance(item, dict):
        raise InvalidInput(f"{where}: expected an object", field=where)
    try:
        severity = Severity(str(item.get("severity")))
    except ValueError:
        raise InvalidInput(
            f"{where}.severity: {item.get('severity')!r} is not low, medium or high", field=f"{where}.severity"
        ) from None
    rule = item.get("rule")
    if not isinstance(rule, str) or "/" not in rule:
        raise InvalidInput(f"{where}.rule: {rule!r} is not a rule id like errors/vague-message", field=f"{where}.rule")
    location = Location(
        path=_text(item.get("path")),
        line=_int(item.get("line") or 0, f"{where}.line"),
        url=_text(item.get("url")),
        status=_int(item["status"], f"{where}.status") if item.get("status") is not None else None,
    )
    return Finding(
        rule=rule,
        severity=severity,
        message=str(item.get("message", "")),
        location=location,
        evidence=str(item.get("evidence", "")),
        fix=str(item.get("fix", "")),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{field}: {value!r} is not a whole number ≥ 0", field=field)
    return value


@dataclass(frozen=True)
class RunView:
    run: AuditRun
    new: int  # findings not in the previous run of the same project
    fixed: int  # findings of the previous run gone from this one


def changes(session: Session, run: AuditRun) -> tuple[int, int]:
    """How many findings of ``run`` are new, and how many were fixed, since the previous run of its project
    (every finding is new in a project's first run). Reads fingerprints only."""
    before = session.scalar(
        select(AuditRun.id)
        .where(AuditRun.project == run.project, AuditRun.id < run.id)
        .order_by(AuditRun.id.desc())
        .limit(1)
    )
    now_prints = _fingerprints(session, run.id)
    old_prints = _fingerprints(session, before) if before is not None else set()
    return len(now_prints - old_prints), len(old_prints - now_prints)


def _fingerprints(session: Session, run_id: int) -> set[str]:
    return set(session.scalars(select(AuditFinding.fingerprint).where(AuditFinding.run_id == run_id)))


def history(session: Session, *, limit: int = 30) -> list[RunView]:
    """The latest runs, newest first, each compared with the run before it of the same project."""
    runs = session.scalars(select(AuditRun).order_by(AuditRun.id.desc()).limit(limit))
    return [RunView(run, *changes(session, run)) for run in runs]


def purge_runs(session: Session, *, policy: Policy, now: datetime) -> int:
    cutoff = now - timedelta(days=policy.audit_retention_days)
    return int(session.execute(delete(AuditRun).where(AuditRun.at < cutoff)).rowcount)  # type: ignore[attr-defined]
