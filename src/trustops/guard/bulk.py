"""Bulk evaluation: split a marketing audience into the users a campaign may reach and those it must not.

An audience is a CSV export (a header row; the id in ``user_id``, ``external_id``, ``userId`` or ``id``, or
the column named by ``id_column``; an optional ``email`` column) or NDJSON (one object per line with the
same keys). It is read as a stream and never held in memory: each id is pseudonymised with HMAC contexts
prepared once (:class:`Pseudonymiser`, equal to :func:`trustops.privacy.pseudonymise`), looked up in a
:class:`~trustops.guard.facts.FactBook`, and judged by :func:`trustops.guard.rules.decide`. Most of an
audience is usually unknown to the guard (never hurt, not a customer); those users share one verdict per
campaign type, computed once.

Bad lines are reported with their number and reason through ``on_error`` and skipped; the rest goes on.
E-mail addresses are carried through to the export files, which some platforms need to match people, and
are never stored: a run leaves only its counts behind (:class:`~trustops.guard.models.GuardRun`).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, TextIO, overload

from sqlalchemy.orm import Session

from trustops.config import Policy
from trustops.enums import CampaignType
from trustops.errors import InvalidInput
from trustops.guard.facts import FactBook, Holdout, UserFacts, no_facts
from trustops.guard.models import GuardRun
from trustops.guard.rules import Verdict, decide
from trustops.privacy import PSEUDONYM_LENGTH, PreparedHmac

ID_COLUMNS = ("user_id", "external_id", "userId", "id")
EMAIL_COLUMN = "email"
AUDIENCE_FORMATS = ("csv", "ndjson")
MAX_ID_LENGTH = 512
PLAIN_BLOCK = 1 << 20  # characters read at a time on the plain CSV path


@dataclass(frozen=True, slots=True)
class AudienceRow:
    line: int  # 1-based line of the file where the row starts
    user_id: str
    email: str | None


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class Evaluated:
    """One audience member judged. ``facts`` is ``None`` for a user the guard knows nothing about;
    ``holdout`` is ``None`` only where nobody needs it (an allowed user outside a thank-you campaign)."""

    row: AudienceRow
    user_key: str
    verdict: Verdict
    facts: UserFacts | None
    holdout: bool | None


@dataclass
class Summary:
    audience: int = 0
    allowed: int = 0
    suppressed: Counter[str] = field(default_factory=Counter)  # rule -> users
    errors: int = 0

    @property
    def suppressed_total(self) -> int:
        return sum(self.suppressed.values())

    def add(self, evaluated: Evaluated) -> None:
        self.audience += 1
        if evaluated.verdict.allowed:
            self.allowed += 1
        else:
            self.suppressed[evaluated.verdict.rule] += 1


class Pseudonymiser:
    """:func:`trustops.privacy.pseudonymise` for many ids under one secret."""

    def __init__(self, secret: bytes) -> None:
        self._hmac = PreparedHmac(secret, b"user:")

    def __call__(self, user_id: str) -> str:
        return self._hmac.digest(user_id.strip().encode()).hex()[:PSEUDONYM_LENGTH]

    def many(self, user_ids: list[str]) -> list[str]:
        """The pseudonyms of ``user_ids``, which are stripped already (as a reader's batches are): the same as
        calling this once per id, with less overhead per id."""
        return [digest.hex() for digest in self.digests(user_ids)]

    def digests(self, user_ids: list[str]) -> list[bytes]:
        """The pseudonyms of ``user_ids`` (stripped already) as bytes: ``bytes.fromhex`` of each, without spelling
        each one out."""
        inner, outer, size = self._hmac.inner.copy, self._hmac.outer.copy, PSEUDONYM_LENGTH // 2

        def one(user_id: str) -> bytes:
            first = inner()
            first.update(user_id.encode())
            second = outer()
            second.update(first.digest())
            return second.digest()[:size]

        return list(map(one, user_ids))


class Judge:
    """Judges audience members for one campaign type at one moment, with everything prepared once.

    Everyone the fact book does not know gets the verdict of "nothing known", decided once; the holdout
    only matters for them if it changes that verdict, or for a thank-you campaign, whose exports mark
    the control group, or where they are suppressed (the neutral export's ``control_group``).
    """

    def __init__(
        self, campaign_type: CampaignType, *, book: FactBook, secret: bytes, policy: Policy, now: datetime
    ) -> None:
        self.campaign_type, self._policy, self.now = campaign_type, policy, now
        self._pseudonymise, self._holdout = Pseudonymiser(secret), Holdout(secret, policy.holdout_share)
        self._book = book
        self._known_digests: frozenset[bytes] | None = None
        self._memo: dict[tuple[object, ...], Verdict | None] = {}
        shared = [decide(no_facts("", holdout=flag), campaign_type, policy=policy, now=now) for flag in (False, True)]
        self._always_holdout = campaign_type is CampaignType.THANK_YOU or shared[0] != shared[1]
        self._shared = (shared[0], shared[0] if shared[0] == shared[1] else shared[1])
        # Unknown users pass without a row of their own: allowed, and nobody needs their holdout.
        self.strangers_pass = shared[0].allowed and not self._always_holdout

    def one(self, row: AudienceRow, key: str | None = None) -> Evaluated:
        key = key if key is not None else self._pseudonymise(row.user_id)
        facts = self._book.known(key)
        if facts is not None:
            verdict = decide(facts, self.campaign_type, policy=self._policy, now=self.now, memo=self._memo)
            return Evaluated(row, key, verdict, facts, facts.holdout)
        if self.strangers_pass:
            return Evaluated(row, key, self._shared[0], None, None)
        holdout = self._holdout(key)
        return Evaluated(row, key, self._shared[holdout if self._always_holdout else 0], None, holdout)

    def batch(self, batch: Batch, *, everyone: bool) -> tuple[list[Evaluated], int]:
        """The batch judged: every member (``everyone``), or only those not simply allowed as strangers,
        with the number of the latter."""
        if everyone or not self.strangers_pass:
            keys = self._pseudonymise.many(batch.ids)
            return [self.one(row, key) for row, key in zip(batch.rows(), keys, strict=True)], 0
        # Most of an audience is strangers: compare raw digests, and spell out only the keys found.
        if self._known_digests is None:
            self._known_digests = frozenset(bytes.fromhex(key) for key in self._book.keys())
        known = self._known_digests
        digests = self._pseudonymise.digests(batch.ids)
        picked = [i for i, digest in enumerate(digests) if digest in known]
        return [self.one(batch.row(i), digests[i].hex()) for i in picked], len(digests) - len(picked)


def evaluate(
    rows: Iterable[AudienceRow],
    campaign_type: CampaignType,
    *,
    book: FactBook,
    secret: bytes,
    policy: Policy,
    now: datetime,
) -> Iterator[Evaluated]:
    """Judge each audience member for ``campaign_type`` at ``now``, in the order read."""
    judge = Judge(campaign_type, book=book, secret=secret, policy=policy, now=now)
    for row in rows:
        yield judge.one(row)


def campaign_type_of(value: str, *, field: str = "campaign_type") -> CampaignType:
    """``value`` as a campaign type, or an error listing the allowed ones."""
    try:
        return CampaignType(value)
    except ValueError:
        allowed = ", ".join(t.value for t in CampaignType)
        raise InvalidInput(f"{field}: {value!r} is not a campaign type; use one of {allowed}", field=field) from None


def audience_format_of(value: str, *, field: str = "audience_format") -> str:
    if value not in AUDIENCE_FORMATS:
        allowed = ", ".join(AUDIENCE_FORMATS)
        raise InvalidInput(f"{field}: {value!r} is not an audience format; use one of {allowed}", field=field)
    return value


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive good rows of an audience, column-wise (fast to judge); ``emails`` is ``None`` when the
    audience has no e-mail column."""

    ids: list[str]
    emails: Sequence[str | None] | None
    lines: Sequence[int]

    def row(self, i: int) -> AudienceRow:
        return AudienceRow(self.lines[i], self.ids[i], self.emails[i] if self.emails is not None else None)

    def rows(self) -> Iterator[AudienceRow]:
        return map(self.row, range(len(self.ids)))


@dataclass(frozen=True, slots=True)
class Columns:
    """Where a reader finds the id and the e-mail: known from the header (CSV) or the first object (NDJSON)."""

    id_column: str
    id_index: int  # CSV only (0 for NDJSON)
    email_index: int | None  # CSV only
    with_email: bool


class AudienceReader:
    """The rows of an audience stream, read in batches. Reading the header (CSV) or the first line (NDJSON)
    happens on construction, so a file without a usable id column fails before any output is written.

    Given ``columns`` (and ``first_line``, the number of lines before the stream's start), the reader reads a
    part of a file after its header instead: what each worker of a parallel run does (:mod:`.parallel`).

    CSV lines are split with ``str.split`` as long as the text holds no quote and no lone carriage return
    (what exports usually look like, and four times faster than the ``csv`` module); from the first block that
    does, the ``csv`` module reads the rest.
    """

    def __init__(
        self,
        stream: TextIO,
        audience_format: str,
        *,
        id_column: str | None = None,
        on_error: Callable[[LineError], None] = lambda error: None,
        batch_size: int = 8192,
        columns: Columns | None = None,
        first_line: int = 0,
    ) -> None:
        self._on_error, self._size = on_error, batch_size
        self._batches: Iterator[Batch]
        csv_format = audience_format_of(audience_format) == "csv"
        if columns is not None:
            self.columns = columns
            if csv_format:
                self._batches = self._csv_body(stream, first_line)
            else:
                self._batches = self._ndjson_batches(enumerate(stream, start=first_line + 1))
        elif csv_format:
            self._batches = self._csv(stream, id_column)
        else:
            self._batches = self._ndjson(stream, id_column)

    @property
    def id_column(self) -> str:
        return self.columns.id_column

    @property
    def with_email(self) -> bool:
        return self.columns.with_email

    def __iter__(self) -> Iterator[AudienceRow]:
        for batch in self._batches:
            yield from batch.rows()

    def batches(self) -> Iterator[Batch]:
        return self._batches

    def _csv(self, stream: TextIO, id_column: str | None) -> Iterator[Batch]:
        header_line = stream.readline()
        if not header_line:
            raise InvalidInput("audience: the file is empty; expected a header row", field="audience")
        header = _csv_row(header_line)
        if header_line.count('"') % 2:  # a quoted line break in the header: let the csv module read it whole
            reader = csv.reader(itertools.chain([header_line], stream))
            header = next(reader)
            return self._columns_from(header, id_column, lambda: self._csv_batches(reader, 0))
        return self._columns_from(header, id_column, lambda: self._csv_body(stream, 1))

    def _columns_from(
        self, header: list[str], id_column: str | None, body: Callable[[], Iterator[Batch]]
    ) -> Iterator[Batch]:
        header = [name.strip().lstrip("\ufeff") for name in header]
        chosen = _pick_id_column(header, id_column)
        lowered = [name.lower() for name in header]
        email = lowered.index(EMAIL_COLUMN) if EMAIL_COLUMN in lowered else None
        self.columns = Columns(chosen, header.index(chosen), email, email is not None)
        return body()

    def _csv_body(self, stream: TextIO, line: int) -> Iterator[Batch]:
        """The lines after ``line``: split by hand while the text is plain, by the csv module from there on."""
        index, email = self.columns.id_index, self.columns.email_index
        tail = ""
        while block := stream.read(PLAIN_BLOCK):
            text = tail + block
            cut = text.rfind("\n") + 1  # what is read now ends with a line break; the rest waits for more
            head, tail = text[:cut], text[cut:]
            if '"' in text or ("\r" in head and head.count("\r") != head.count("\r\n")):
                # The csv module takes each item as a line: end this text at a line break before chaining.
                rest = io.StringIO(text if text.endswith(("\n", "\r")) else text + stream.readline(), newline="")
                yield from self._csv_batches(csv.reader(itertools.chain(rest, stream)), line)
                return
            if not head:
                continue
            lines = head.replace("\r\n", "\n")[:-1].split("\n")
            for start in range(0, len(lines), self._size):
                chunk = lines[start : start + self._size]
                yield self._plain(chunk, index, email, line)
                line += len(chunk)
        if tail.rstrip("\r"):
            yield self._plain([tail.rstrip("\r")], index, email, line)

    def _plain(self, lines: list[str], index: int, email: int | None, line: int) -> Batch:
        numbers = range(line + 1, line + 1 + len(lines))
        try:
            ids = [text.split(",", index + 1)[index].strip() for text in lines]
        except IndexError:  # a short or blank line: the careful path reports it
            ids = []
        if ids and all(ids) and max(map(len, ids)) <= MAX_ID_LENGTH:
            return Batch(ids, _EmailColumn(lines, email) if email is not None else None, numbers)
        return self._checked(list(map(_csv_row, lines)), index, email, list(numbers))

    def _csv_batches(self, reader: Any, offset: int) -> Iterator[Batch]:
        """Batches from the csv module; ``offset``: the lines of the file before the reader's first one."""
        index, email = self.columns.id_index, self.columns.email_index
        broken = False
        while not broken:
            start, rows = reader.line_num, list[list[str]]()
            append = rows.append
            try:
                for row in islice(reader, self._size):
                    append(row)
            except csv.Error as exc:
                broken = True
                self._on_error(LineError(offset + reader.line_num, f"not valid CSV ({exc}); reading stopped here"))
            if not rows:
                return
            if reader.line_num - start == len(rows) and not broken:
                batch = _whole(rows, index, email, range(offset + start + 1, offset + reader.line_num + 1))
                if batch is not None:
                    yield batch
                    continue
            yield self._checked(rows, index, email, _physical_lines(rows, offset + start))

    def _checked(self, rows: list[list[str]], index: int, email: int | None, lines: list[int]) -> Batch:
        """The slow path, row by row, for a batch with a bad row or a quoted line break."""
        ids: list[str] = []
        emails: list[str | None] | None = [] if email is not None else None
        kept: list[int] = []
        for row, line in zip(rows, lines, strict=True):
            if len(row) <= index:
                if row:  # csv gives [] for a blank line: nothing to report
                    self._on_error(LineError(line, f"{len(row)} columns; the id column is column {index + 1}"))
                continue
            user_id = row[index].strip()
            if not user_id or len(user_id) > MAX_ID_LENGTH:
                self._on_error(LineError(line, f"{self.id_column}: {_describe_id(user_id)}"))
                continue
            ids.append(user_id)
            kept.append(line)
            if emails is not None:
                emails.append((row[email].strip() or None) if email is not None and email < len(row) else None)
        return Batch(ids, emails, kept)

    def _ndjson(self, stream: TextIO, id_column: str | None) -> Iterator[Batch]:
        lines = enumerate(stream, start=1)
        for number, text in lines:
            if not text.strip():
                continue
            parsed = _json_object(number, text)
            if isinstance(parsed, LineError):
                self._on_error(parsed)
                continue
            self.columns = Columns(_pick_id_column(list(parsed), id_column), 0, None, EMAIL_COLUMN in parsed)
            return self._ndjson_batches(itertools.chain([(number, text)], lines))
        raise InvalidInput("audience: no JSON object found; expected one user per line", field="audience")

    def _ndjson_batches(self, lines: Iterator[tuple[int, str]]) -> Iterator[Batch]:
        ids: list[str] = []
        emails: list[str | None] = []
        numbers: list[int] = []
        for number, text in lines:
            if not text.strip():
                continue
            parsed = _json_object(number, text)
            row = parsed if isinstance(parsed, LineError) else self._object_row(number, parsed)
            if isinstance(row, LineError):
                self._on_error(row)
                continue
            ids.append(row.user_id)
            emails.append(row.email)
            numbers.append(number)
            if len(ids) >= self._size:
                yield Batch(ids, emails, numbers)
                ids, emails, numbers = [], [], []
        if ids:
            yield Batch(ids, emails, numbers)

    def _object_row(self, number: int, item: dict[str, Any]) -> AudienceRow | LineError:
        value = item.get(self.id_column)
        if isinstance(value, bool) or not isinstance(value, str | int):
            return LineError(number, f"{self.id_column}: {_describe_id(value)}")
        user_id = str(value).strip()
        if not user_id or len(user_id) > MAX_ID_LENGTH:
            return LineError(number, f"{self.id_column}: {_describe_id(user_id)}")
        email = item.get(EMAIL_COLUMN)
        return AudienceRow(number, user_id, (email.strip() or None) if isinstance(email, str) else None)


def _whole(rows: list[list[str]], index: int, email: int | None, lines: range) -> Batch | None:
    """The fast path: a batch of one line per row, every row with an id; ``None`` if it is not one."""
    try:
        ids = [row[index].strip() for row in rows]
    except IndexError:
        return None
    if not all(ids) or max(map(len, ids)) > MAX_ID_LENGTH:
        return None
    return Batch(ids, _EmailColumn(rows, email) if email is not None else None, lines)


class _EmailColumn(Sequence[str | None]):
    """The e-mails of a batch, read from its rows (or plain lines, split here) only when a row is written
    (most never are)."""

    def __init__(self, rows: Sequence[Sequence[str] | str], index: int) -> None:
        self._rows, self._index = rows, index

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> str | None: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str | None]: ...
    def __getitem__(self, i: int | slice) -> str | None | Sequence[str | None]:
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        row = self._rows[i]
        if isinstance(row, str):
            row = row.split(",", self._index + 1)
        return (row[self._index].strip() or None) if self._index < len(row) else None


def _csv_row(line: str) -> list[str]:
    """One plain line as the csv module reads it (``[]`` for a blank line)."""
    return next(csv.reader([line]), [])


def _physical_lines(rows: list[list[str]], start: int) -> list[int]:
    """The line each row starts on, counting the line breaks inside quoted fields."""
    lines, line = [], start + 1
    for row in rows:
        lines.append(line)
        line += 1 + sum(field.count("\n") + field.count("\r") - field.count("\r\n") for field in row)
    return lines


def _pick_id_column(columns: list[str], chosen: str | None) -> str:
    if chosen is not None:
        if chosen not in columns:
            found = ", ".join(columns) or "none"
            raise InvalidInput(
                f"id_column: {chosen!r} is not a column of the audience (found: {found})", field="id_column"
            )
        return chosen
    for candidate in ID_COLUMNS:
        if candidate in columns:
            return candidate
    found = ", ".join(columns) or "none"
    raise InvalidInput(
        f"audience: no id column; expected one of {', '.join(ID_COLUMNS)} or --id-column (found: {found})",
        field="id_column",
    )


def _json_object(number: int, text: str) -> dict[str, Any] | LineError:
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return LineError(number, f"not valid JSON ({str(exc)[:80]})")
    if not isinstance(parsed, dict):
        return LineError(number, f"expected a JSON object, got {type(parsed).__name__}")
    return parsed


def _describe_id(value: object) -> str:
    if value is None or value == "":
        return "missing or empty"
    if isinstance(value, str):
        return f"longer than {MAX_ID_LENGTH} characters"
    return f"{value!r} is not a string or an integer"


def record_run(
    session: Session,
    summary: Summary,
    campaign_type: CampaignType,
    *,
    export_format: str,
    campaign_id: str | None,
    actor: str,
    now: datetime,
) -> GuardRun:
    """Keep a run's counts (never its users)."""
    run = GuardRun(
        at=now,
        campaign_type=campaign_type,
        campaign_id=campaign_id,
        audience=summary.audience,
        allowed=summary.allowed,
        suppressed=dict(sorted(summary.suppressed.items())),
        format=export_format,
        actor=actor,
    )
    session.add(run)
    session.flush()
    return run
