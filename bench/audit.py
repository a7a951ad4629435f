"""Precision and recall of each audit rule family on realistic material, and the audit's speed.

Each family has a corpus under ``bench/audit_corpus/<family>/``: small made-up projects (templates, locale
files, models, crontabs, HAR files, privacy policies…) with true positives and many realistic negatives, and a
``labels.yaml`` listing every finding a correct auditor should report there (file, line, rule). A reported
finding is a true positive when a label has the same file, rule and line (line 0: the file as a whole).

    .venv/bin/python bench/audit.py [--family errors] [--runs 3] [--show-misses]

The peer column is the naive baseline a team would otherwise grep with: one regular expression per family
for its best-known phrase (``something went wrong``, ``email``, a crontab line, a googletagmanager script, a
privacy file without "days|months|years"), each match counted as a finding of that family.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from trustops.audit.findings import Finding
from trustops.audit.inventory import load_inventory
from trustops.audit.scanner import FAMILY_MODULES, audit

CORPUS = Path(__file__).parent / "audit_corpus"
# The grep a team would start with, per family: (file glob suffixes, pattern); every match is a "finding".
NAIVE = {
    "errors": ((".html", ".json", ".yaml", ".yml", ".po", ".properties", ".js", ".ts", ".tsx", ".jsx", ".vue"),
               re.compile(r"something went wrong|an error occurred|oops|invalid|check your", re.I)),
    "collection": ((".sql", ".py", ".yaml", ".yml", ".json", ".html"),
                   re.compile(r"\b(e-?mail|phone|birth|dob|address|ssn|passport|iban|health|religion)\w*", re.I)),
    "silent": (("crontab", ".cron", ".timer", ".yaml", ".yml", ".py"),
               re.compile(r"^\s*(?:[\d*/,-]+\s+){4}[\d*/,-]+\s+\S|^\s*@(?:daily|hourly|weekly)|kind:\s*CronJob|cron:", re.I)),
    "tracking": ((".html", ".har", ".jinja", ".j2", ".hbs", ".erb"),
                 re.compile(r"googletagmanager|google-analytics|connect\.facebook|hotjar|segment\.com", re.I)),
    "retention": ((".md", ".html", ".txt", ".yaml", ".yml"),
                  re.compile(r"as long as (?:is )?necessary|as required by law", re.I)),
}  # fmt: skip


@dataclass(frozen=True)
class Score:
    reported: int
    true_positive: int
    labels: int

    @property
    def precision(self) -> float:
        return self.true_positive / self.reported if self.reported else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.labels if self.labels else 1.0


def labels_of(family: str) -> set[tuple[str, str, int]]:
    data = yaml.safe_load((CORPUS / family / "labels.yaml").read_text(encoding="utf-8")) or {}
    return {(str(item["file"]), str(item["rule"]), int(item.get("line", 0))) for item in data.get("findings") or []}


def score(found: Iterable[tuple[str, str, int]], labels: set[tuple[str, str, int]]) -> Score:
    found = set(found)
    return Score(len(found), len(found & labels), len(labels))


def trustops_findings(family: str) -> tuple[list[Finding], float]:
    """The family's findings on its corpus, with the corpus's data inventory when it has one."""
    inventory = next((p for p in (CORPUS / family).glob("*inventory.y*ml")), None)
    started = time.perf_counter()
    report = audit(
        [str(CORPUS / family)],
        selected=[family],
        inventory=load_inventory(inventory) if inventory is not None else None,
    )
    return report.findings, time.perf_counter() - started


def key(finding: Finding) -> tuple[str, str, int]:
    where = finding.location.path or finding.location.url or ""
    return where, finding.rule, finding.location.line


def naive_score(family: str, labels: set[tuple[str, str, int]]) -> Score:
    """The grep baseline: a match on a labelled line counts as right whatever the rule."""
    suffixes, pattern = NAIVE[family]
    root = CORPUS / family
    hits = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name == "labels.yaml" or not path.name.endswith(suffixes):
            continue
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, 1):
            if pattern.search(line):
                hits.add((path.relative_to(root).as_posix(), number))
    labelled = {(f, line) for f, _rule, line in labels}
    file_level = {f for f, _rule, line in labels if line == 0}
    right = {hit for hit in hits if hit in labelled or hit[0] in file_level}
    return Score(len(hits), len(right), len(labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", action="append", choices=FAMILY_MODULES, help="only these families")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per family (median reported)")
    parser.add_argument("--show-misses", action="store_true", help="list false positives and missed labels")
    args = parser.parse_args()
    console = Console()
    table = Table(
        "family", "files", "labels", "reported", "precision", "recall", "grep precision", "grep recall",
        "precision ratio", "median s",
        title="trustops audit vs a grep per family, on bench/audit_corpus",
    )  # fmt: skip
    for family in args.family or FAMILY_MODULES:
        if not (CORPUS / family / "labels.yaml").is_file():
            console.print(f"[yellow]{family}: no corpus at {CORPUS / family}[/]")
            continue
        labels = labels_of(family)
        seconds = []
        findings: list[Finding] = []
        for _ in range(max(1, args.runs)):
            findings, took = trustops_findings(family)
            seconds.append(took)
        ours = score(map(key, findings), labels)
        naive = naive_score(family, labels)
        files = sum(1 for p in (CORPUS / family).rglob("*") if p.is_file() and p.name != "labels.yaml")
        ratio = f"{ours.precision / naive.precision:.2f}×" if naive.precision else "—"
        table.add_row(
            family, str(files), str(ours.labels), str(ours.reported), f"{ours.precision:.2f}", f"{ours.recall:.2f}",
            f"{naive.precision:.2f}", f"{naive.recall:.2f}", ratio, f"{statistics.median(seconds):.2f}",
        )  # fmt: skip
        if args.show_misses:
            found = set(map(key, findings))
            for wrong in sorted(found - labels):
                console.print(f"  [red]false positive[/] {family}: {wrong}")
            for missed in sorted(labels - found):
                console.print(f"  [yellow]missed[/] {family}: {missed}")
    console.print(table)


if __name__ == "__main__":
    main()
