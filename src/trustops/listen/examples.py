"""Labelled examples for training and evaluation: a CSV with a header, or NDJSON, two named columns."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from trustops.errors import InvalidInput


@dataclass(frozen=True)
class Examples:
    texts: list[str]
    labels: list[str]
    skipped: int  # rows with an empty text or label (e.g. `negativereason` on positive tweets)

    @property
    def classes(self) -> list[str]:
        return sorted(set(self.labels))


def read_examples(path: Path, text_col: str, label_col: str) -> Examples:
    """Read ``path``; a missing column is an error naming it and the columns the file has."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file", field="file")
    if path.suffix.lower() in (".ndjson", ".jsonl"):
        rows = _ndjson(path)
    else:
        rows = _csv(path)
    texts, labels, skipped = [], [], 0
    for n, row in rows:
        for column in (text_col, label_col):
            if column not in row:
                known = ", ".join(sorted(row)) or "none"
                raise InvalidInput(f"{path}:{n}: no column {column!r} (columns: {known})", field=column)
        text, label = str(row[text_col] or "").strip(), str(row[label_col] or "").strip()
        if not text or not label:
            skipped += 1
            continue
        texts.append(text)
        labels.append(label)
    if not texts:
        raise InvalidInput(f"{path}: no rows with both {text_col!r} and {label_col!r}", field="file")
    return Examples(texts, labels, skipped)


def _csv(path: Path) -> list[tuple[int, dict[str, object]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return [(reader.line_num, dict(row)) for row in reader]


def _ndjson(path: Path) -> list[tuple[int, dict[str, object]]]:
    rows = []
    with path.open(encoding="utf-8-sig") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise InvalidInput(f"{path}:{n}: not valid JSON ({exc})", field="file") from None
            if not isinstance(row, dict):
                raise InvalidInput(f"{path}:{n}: expected an object", field="file")
            rows.append((n, row))
    return rows
