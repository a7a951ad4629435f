"""A bulk run split over forked workers writes what one process writes, and the plain CSV path reads what the
csv module reads."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.guard.audiences import NOW, SECRET, checkout, customer, days_ago, saw_error, site_wide_outage
from trustops.config import Policy
from trustops.enums import CampaignType, CustomerTier
from trustops.guard import bulk, parallel
from trustops.guard.bulk import MAX_ID_LENGTH, AudienceReader, Judge, LineError, Summary
from trustops.guard.exports import write_split
from trustops.guard.facts import FactBook

POLICY = Policy()


def audience_text(users: int, *, crlf: bool = False) -> str:
    """``users`` rows in which every 7th user saw an error, with a few bad lines on the way."""
    end = "\r\n" if crlf else "\n"
    lines = ["user_id,email,plan"]
    for n in range(users):
        if n % 997 == 500:
            lines.append(f",nobody-{n}@example.com,free")  # no id
        elif n % 1499 == 700:
            lines.append("")  # blank: skipped without a word
        elif n % 1999 == 900:
            lines.append("x" * (MAX_ID_LENGTH + 1) + ",long@example.com,free")
        else:
            lines.append(f"u-{n},u-{n}@example.com,{'gold' if n % 2 else 'free'}")
    return end.join(lines) + end


@pytest.fixture
def world(session: Session) -> FactBook:
    checkout(session)
    site_wide_outage(session, started=days_ago(12), resolved=days_ago(11))
    for n in range(0, 6000, 7):
        saw_error(session, f"u-{n}", at=days_ago(11.5 if n % 2 else 20))
    for n in range(0, 6000, 11):
        customer(session, f"u-{n}", tier=CustomerTier.LOYAL, since=days_ago(800))
    return FactBook.load(session, secret=SECRET, policy=POLICY, now=NOW)


def one_process(path: Path, judge: Judge, export_format: str) -> tuple[str, str, Summary, list[LineError]]:
    errors: list[LineError] = []
    out, allowed = io.StringIO(), io.StringIO()
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = AudienceReader(stream, "csv", on_error=errors.append)
        summary = write_split(reader, judge, export_format, out=out, allowed_out=allowed, generated_at=NOW)
    return out.getvalue(), allowed.getvalue(), summary, errors


def in_parts(path: Path, judge: Judge, export_format: str, tmp: Path) -> tuple[str, str, Summary, list[LineError]]:
    errors: list[LineError] = []
    out, allowed = io.StringIO(), io.StringIO()
    with path.open(encoding="utf-8-sig", newline="") as stream:
        columns = AudienceReader(stream, "csv").columns
    start = parallel.body_start(path, "csv")
    parts = parallel.plan(path, "csv", body_start=start, workers=3)
    assert parts is not None and len(parts) == 3
    job = parallel.Job(path, "csv", columns, judge, export_format, True, NOW, tmp)
    summary = parallel.split_parallel(job, parts, out=out, allowed_out=allowed, on_error=errors.append)
    return out.getvalue(), allowed.getvalue(), summary, errors


@pytest.mark.parametrize(("campaign_type", "export_format"), [("promotional", "neutral"), ("thank_you", "braze")])
@pytest.mark.parametrize("crlf", [False, True])
def test_three_workers_write_byte_for_byte_what_one_process_writes(
    world: FactBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, campaign_type: str, export_format: str, crlf: bool
) -> None:
    monkeypatch.setattr(parallel, "MIN_PART_BYTES", 1024)
    path = tmp_path / "audience.csv"
    path.write_bytes(("\ufeff" + audience_text(6000, crlf=crlf)).encode())
    judge = Judge(CampaignType(campaign_type), book=world, secret=SECRET, policy=POLICY, now=NOW)

    single = one_process(path, judge, export_format)
    split = in_parts(path, judge, export_format, tmp_path)

    assert split[0] == single[0] and split[1] == single[1]
    assert (split[2].audience, split[2].allowed, split[2].suppressed) == (
        single[2].audience,
        single[2].allowed,
        single[2].suppressed,
    )
    assert split[3] == single[3]  # the same bad lines, with the same numbers, in file order
    assert single[2].suppressed_total > 100 and len(single[3]) == 6 + 3  # no id, too long; blank lines pass silently


def test_a_worker_that_fails_fails_the_run_with_its_traceback(
    world: FactBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_PART_BYTES", 1024)
    path = tmp_path / "audience.csv"
    path.write_text(audience_text(3000))
    judge = Judge(CampaignType.PROMOTIONAL, book=world, secret=SECRET, policy=POLICY, now=NOW)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(parallel, "write_split", broken)

    with pytest.raises(RuntimeError, match="(?s)bulk worker 0 failed.*disk full"):
        in_parts(path, judge, "neutral", tmp_path)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ('u-1,"Ana, Jr.",free\n', "a quote may hide a line break"),
        ("u-1,a@example.com,free\ru-2,b@example.com,free\n", "a lone carriage return ends a line for csv"),
    ],
)
def test_a_file_that_cannot_be_cut_at_line_breaks_is_judged_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, why: str
) -> None:
    monkeypatch.setattr(parallel, "MIN_PART_BYTES", 16)
    path = tmp_path / "audience.csv"
    path.write_text("user_id,email,plan\n" + "u-0,a@example.com,free\n" * 50 + body + "u-9,z@example.com,free\n" * 50)

    assert parallel.plan(path, "csv", body_start=parallel.body_start(path, "csv"), workers=2) is None, why


def test_a_small_file_or_a_single_worker_gets_no_plan(tmp_path: Path) -> None:
    path = tmp_path / "audience.csv"
    path.write_text(audience_text(1000))

    assert parallel.plan(path, "csv", body_start=19, workers=8) is None  # far below MIN_PART_BYTES per worker
    assert parallel.plan(path, "csv", body_start=19, workers=1) is None


def test_parts_start_on_line_breaks_and_know_the_lines_before_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_PART_BYTES", 64)
    path = tmp_path / "audience.ndjson"
    path.write_text("".join(f'{{"user_id": "u-{n}"}}\n' for n in range(500)))

    parts = parallel.plan(path, "ndjson", body_start=0, workers=4)

    assert parts is not None and len(parts) == 4
    data = path.read_bytes()
    assert parts[0].start == 0 and parts[-1].end == len(data)
    for before, after in zip(parts, parts[1:], strict=False):
        assert before.end == after.start and data[after.start - 1 : after.start] == b"\n"
        assert after.lines_before == data[: after.start].count(b"\n")


# The plain path (str.split) against the csv module, on text without quotes.
cell = st.text(alphabet=st.sampled_from("ab1-@. \t"), max_size=6)
line = st.one_of(st.just(""), st.lists(cell, min_size=1, max_size=4).map(",".join))


def csv_reading(text: str) -> tuple[list[tuple[int, str, str | None]], list[LineError]]:
    """What the audience reader would give, worked out with the csv module alone."""
    rows, errors = [], []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    index, email = header.index("user_id"), header.index("email")
    for row in reader:
        number = reader.line_num
        if not row:
            continue
        if len(row) <= index:
            errors.append(LineError(number, f"{len(row)} columns; the id column is column {index + 1}"))
            continue
        user_id = row[index].strip()
        if not user_id:
            errors.append(LineError(number, "user_id: missing or empty"))
            continue
        rows.append((number, user_id, (row[email].strip() or None) if email < len(row) else None))
    return rows, errors


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(line, max_size=40), crlf=st.booleans(), final_break=st.booleans(), batch=st.integers(1, 9))
def test_the_plain_path_reads_what_the_csv_module_reads(
    lines: list[str], crlf: bool, final_break: bool, batch: int
) -> None:
    end = "\r\n" if crlf else "\n"
    text = "email,user_id" + end + end.join(lines) + (end if final_break and lines else "")
    errors: list[LineError] = []

    reader = AudienceReader(io.StringIO(text, newline=""), "csv", on_error=errors.append, batch_size=batch)
    rows = [(row.line, row.user_id, row.email) for row in reader]

    assert (rows, errors) == csv_reading(text)


def test_the_reader_switches_to_the_csv_module_at_the_first_quote(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "PLAIN_BLOCK", 16)
    text = (
        "user_id,email\n"
        + "".join(f"u-{n},u{n}@example.com\n" for n in range(20))
        + '"u-x\nwrapped",x@example.com\nu-y,\n'
    )
    errors: list[LineError] = []

    rows = list(AudienceReader(io.StringIO(text, newline=""), "csv", on_error=errors.append))

    assert [(r.line, r.user_id) for r in rows][-3:] == [(21, "u-19"), (22, "u-x\nwrapped"), (24, "u-y")]
    assert errors == []
