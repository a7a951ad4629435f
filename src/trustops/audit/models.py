"""Audit runs kept for the dashboard's "findings over time": counts per run and each finding, its evidence
redacted (e-mail addresses, phone numbers, card numbers, ids… never reach a table)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trustops.db import Base, UTCDateTime


class AuditRun(Base):
    __tablename__ = "audit_runs"
    __table_args__ = (Index("ix_audit_runs_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))  # "cli", or the token that uploaded it
    project: Mapped[str] = mapped_column(String(200), default="")  # which codebase (several may report here)
    targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # severity -> findings
    suppressed: Mapped[int] = mapped_column(Integer, default=0)
    scanned: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    findings: Mapped[list[AuditFinding]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="AuditFinding.id"
    )


class AuditFinding(Base):
    __tablename__ = "audit_findings"
    __table_args__ = (
        Index("ix_audit_findings_run_id", "run_id"),
        Index("ix_audit_findings_fingerprint", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("audit_runs.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(120))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(String(1000))
    line: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[int | None] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text, default="")
    fix: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str] = mapped_column(String(32))

    run: Mapped[AuditRun] = relationship(back_populates="findings")
