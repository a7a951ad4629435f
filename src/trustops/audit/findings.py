"""What an audit reports: findings (a rule broken, with its evidence and a fix) and warnings (something that
could not be read or reached, which never stops the audit)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum

from trustops.listen.redact import redact

EVIDENCE_LIMIT = 200
_LONG_NUMBER = re.compile(r"\b\d(?:[ -]?\d){7,}\b")  # account or order numbers the redactor has no check for
_TOKEN = re.compile(r"\b[A-Za-z0-9+/_-]{32,}\b")  # API keys, session ids
_URL_CREDENTIALS = re.compile(r"(://[^/\s:@]+:)[^@\s/]+@")


def quote(text: str, limit: int = EVIDENCE_LIMIT) -> str:
    """Evidence as a finding quotes it: one line, at most ``limit`` characters, with personal data (e-mail
    addresses, phone and card numbers, IBANs, national ids, IP addresses), long numbers, token-like strings
    and passwords in URLs masked. Every family quotes through here, so no report or stored run carries them."""
    text = redact(" ".join(text.split())).text
    text = _URL_CREDENTIALS.sub(r"\1***@", text)
    text = _LONG_NUMBER.sub("[number]", text)
    text = _TOKEN.sub("[redacted]", text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


@dataclass(frozen=True, slots=True)
class Location:
    """Where the evidence is: a file and line (1-based; ``line`` 0 = the file as a whole), or a URL and its
    response status."""

    path: str | None = None
    line: int = 0
    column: int = 0  # 1-based; 0 = unknown
    url: str | None = None
    status: int | None = None  # the HTTP status of the response the evidence came from

    def __str__(self) -> str:
        if self.url is not None:
            return self.url if self.status is None else f"{self.url} ({self.status})"
        where = self.path or "?"
        return f"{where}:{self.line}" if self.line else where


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule broken at one place.

    ``rule`` is a stable id (``family/rule``, e.g. ``errors/blame-on-server-error``); ``evidence`` quotes what
    was found (at most a line or two, never a whole file); ``fix`` says concretely what to do instead.
    """

    rule: str
    severity: Severity
    message: str
    location: Location
    evidence: str
    fix: str
    sources: tuple[str, ...] = ()  # where the rule comes from (guidelines, statutes)

    @property
    def family(self) -> str:
        return self.rule.split("/", 1)[0]

    @property
    def fingerprint(self) -> str:
        """Stable across runs and line shifts: the rule, the file or URL, and the evidence text (not the line)."""
        where = self.location.url or self.location.path or ""
        text = " ".join(self.evidence.split()).lower()
        return hashlib.sha256(f"{self.rule}\0{where}\0{text}".encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class AuditWarning:
    """A file that could not be read, a malformed HAR, an unreachable URL…: reported, never a crash."""

    target: str
    message: str


@dataclass
class Report:
    targets: list[str]
    findings: list[Finding] = field(default_factory=list)
    warnings: list[AuditWarning] = field(default_factory=list)
    suppressed: int = 0  # findings accepted in the baseline
    scanned: int = 0  # files and responses read

    def counts(self) -> dict[str, int]:
        found = {severity.value: 0 for severity in Severity}
        for finding in self.findings:
            found[finding.severity.value] += 1
        return found

    def fails(self, threshold: Severity | None) -> bool:
        """Whether a finding at or above ``threshold`` remains (``None``: never fail)."""
        return threshold is not None and any(f.severity.rank >= threshold.rank for f in self.findings)
