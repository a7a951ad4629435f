"""Parsers that turn mention files into :class:`MentionIn` records, one record at a time.

Every format yields ``(line, MentionIn | LineError)`` pairs, lazily, so a large export streams and one bad
record never stops an import: it becomes a :class:`LineError` naming the line, the field and the value,
and the good records around it still come out.

    csv         any CSV with a header; MentionIn field names by default, others through a ColumnMap
    ndjson      one MentionIn object per line (also the body of the HTTP API)
    meltwater   Meltwater CSV export, comma or tab separated (formats.md §10)
    talkwalker  Talkwalker search results JSON, or NDJSON of its documents
    brandwatch  Brandwatch mention JSON (list, {"results": [...]} or NDJSON) or its UI CSV

Vendor exports carry more about the author than we need (bios, profile URLs, numeric user ids). Only the
fields listed per vendor below reach ``metadata``, so pseudonymising ``author`` later is not undone by a
copy of the handle somewhere else (DESIGN.md "Our own data minimisation").
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from itertools import chain
from typing import IO, Any, TypeAlias
from urllib.parse import urlsplit

from pydantic import ValidationError

from trustops.clock import as_utc
from trustops.listen.schema import Channel, MentionIn

FORMATS = ("csv", "ndjson", "meltwater", "talkwalker", "brandwatch")


@dataclass(frozen=True)
class LineError:
    """Why one record was not imported; the import goes on with the next one."""

    line: int
    message: str


Parsed: TypeAlias = tuple[int, MentionIn | LineError]
Fields: TypeAlias = dict[str, Any]

_MAPPABLE = tuple(name for name in MentionIn.model_fields if name != "metadata")


@dataclass(frozen=True)
class ColumnMap:
    """Which CSV column holds which :class:`MentionIn` field, for files whose headers are not ours."""

    mapping: Mapping[str, str]

    @classmethod
    def parse(cls, items: Sequence[str]) -> ColumnMap:
        """Read ``field=column`` items as the CLI gives them; one item may hold several, comma separated."""
        mapping: dict[str, str] = {}
        for item in items:
            for pair in filter(str.strip, item.split(",")):
                field, equals, column = (part.strip() for part in pair.partition("="))
                if not (equals and field and column):
                    raise ValueError(f"column map item {pair!r} is not FIELD=COLUMN")
                if field not in _MAPPABLE:
                    raise ValueError(
                        f"column map item {pair!r}: unknown field {field!r}; fields: {', '.join(_MAPPABLE)}"
                    )
                if field in mapping:
                    raise ValueError(f"column map item {pair!r}: field {field!r} is mapped twice")
                mapping[field] = column
        return cls(mapping)


def read_mentions(
    stream: IO[str], fmt: str, *, source: str | None = None, columns: ColumnMap | None = None
) -> Iterator[Parsed]:
    """Parse an opened mention file of format ``fmt``; ``source`` overrides the format's own name.

    Raises ValueError at once (not on first iteration) for an unknown format or a misplaced column map.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known formats: {', '.join(FORMATS)}")
    if columns is not None and fmt != "csv":
        raise ValueError(f"a column map applies to the csv format only, not {fmt!r}")
    if fmt == "csv":
        return _read_csv(stream, source or "csv", columns or ColumnMap({}))
    if fmt == "ndjson":
        return _read_ndjson(stream, source or "ndjson")
    if fmt == "meltwater":
        return _read_meltwater(stream, source or "meltwater")
    if fmt == "talkwalker":
        return _read_talkwalker(stream, source or "talkwalker")
    return _read_brandwatch(stream, source or "brandwatch")


def parse_mention_lines(lines: Iterable[str]) -> Iterator[Parsed]:
    """The NDJSON body of the HTTP API: every line must name its own source."""
    return _read_ndjson(lines, None)


def parse_mention_objects(items: Iterable[Any]) -> Iterator[Parsed]:
    """A JSON list body of the HTTP API; an item's 1-based position stands for its line number."""
    for line, value in enumerate(items, start=1):
        yield _object(line, value, None)


# Building one record ----------------------------------------------------------------------------------------


class _FieldError(ValueError):
    pass


def _build(line: int, fields: Fields, *, derive_id: bool = False) -> Parsed:
    """Validate one record's fields into a MentionIn, or say which field and value stopped it."""
    fields = {key: value.strip() if isinstance(value, str) else value for key, value in fields.items()}
    fields = {key: value for key, value in fields.items() if not _is_blank(value)}
    try:
        if "published_at" in fields:
            fields["published_at"] = _parse_datetime(fields["published_at"])
        if "author_reach" in fields:
            fields["author_reach"] = _to_int("author_reach", fields["author_reach"])
    except _FieldError as exc:
        return line, LineError(line, str(exc))
    if isinstance(fields.get("external_id"), int):
        fields["external_id"] = str(fields["external_id"])  # tweet ids arrive as JSON numbers
    if derive_id and "external_id" not in fields:
        fields["external_id"] = _derived_id(fields)
    try:
        return line, MentionIn.model_validate(fields)
    except ValidationError as exc:
        return line, LineError(line, _describe(exc))


def _is_blank(value: object) -> bool:
    return value is None or value == ""


def _describe(exc: ValidationError) -> str:
    """The first problem pydantic found, as ``field: what is wrong (value …)``."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "record"
    if first["type"] == "missing":
        return f"{field}: missing"
    if first["type"] == "extra_forbidden":
        return f"{field}: unknown field"
    message = first["msg"].removeprefix("Value error, ")
    return f"{field}: {message[:1].lower()}{message[1:]} (value {_show(first['input'])})"


def _show(value: object) -> str:
    """A value for an error message; long strings (mention texts) show only their length."""
    if isinstance(value, str) and len(value) > 40:
        return f"of {len(value)} characters"
    return repr(value)


def _derived_id(fields: Fields) -> str:
    """A stable id for records without one, so importing the same file twice stores each mention once."""
    published = fields.get("published_at")
    stamp = published.isoformat() if isinstance(published, datetime) else ""
    key = "\x1f".join((stamp, str(fields.get("author") or ""), str(fields.get("text") or "")))
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _to_int(field: str, value: object) -> int:
    """Whole numbers as exports write them: 1234, 1234.0, "1,234"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        cleaned = value.replace(",", "").replace("_", "").replace(" ", "")
        try:
            number = float(cleaned)
        except ValueError:
            pass
        else:
            if number.is_integer():
                return int(number)
    raise _FieldError(f"{field}: {_show(value)} is not a whole number")


# Dates --------------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
# 1e11 seconds is the year 5138 while 1e11 milliseconds is 1973: larger epochs are milliseconds.
_EPOCH_MS_FROM = 100_000_000_000
_OTHER_DATE_FORMATS = (
    "%d-%b-%Y %I:%M%p",  # Meltwater "Date": 24-Feb-2015 11:35AM
    "%d-%b-%Y %I:%M %p",
    "%b %d, %Y %I:%M %p",  # Meltwater "Alternate Date Format" + "Time": Feb 24, 2015 11:35 AM
    "%d-%b-%Y",
    "%b %d, %Y",
    "%a %b %d %H:%M:%S %z %Y",  # Twitter v1.1 created_at
)


def _parse_datetime(value: object) -> datetime:
    """ISO 8601 (also "2015-02-24 11:35:52 -0800"), epoch seconds or ms, or a vendor format, in UTC.

    A date without a zone is taken as UTC, as MentionIn documents.
    """
    parsed = _read_datetime(value)
    if parsed is None:
        raise _FieldError(f"published_at: {_show(value)} is not a date")
    return as_utc(parsed)


def _read_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, int | float) or _NUMBER.fullmatch(value):
        return _from_epoch(float(value))
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    for fmt in _OTHER_DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(value)  # RFC 2822, as in e-mail and RSS
    except (TypeError, ValueError):
        return None


def _from_epoch(seconds: float) -> datetime | None:
    if abs(seconds) >= _EPOCH_MS_FROM:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


# Channels -----------------------------------------------------------------------------------------------------

# Substrings of vendor media types: Meltwater Source ("Twitter", "Blogs"), Talkwalker source_type
# ("SOCIALMEDIA_TWITTER", "ONLINENEWS"), Brandwatch pageType ("twitter", "forum"). First match wins.
_CHANNEL_WORDS = (
    ("twitter", Channel.X),
    ("facebook", Channel.FACEBOOK),
    ("instagram", Channel.INSTAGRAM),
    ("reddit", Channel.REDDIT),
    ("review", Channel.REVIEW),
    ("forum", Channel.FORUM),
    ("messageboard", Channel.FORUM),
    ("blog", Channel.BLOG),
    ("news", Channel.NEWS),
    ("print", Channel.NEWS),
    ("broadcast", Channel.NEWS),
)
_CHANNEL_HOSTS = {
    "twitter.com": Channel.X,
    "x.com": Channel.X,
    "facebook.com": Channel.FACEBOOK,
    "instagram.com": Channel.INSTAGRAM,
    "reddit.com": Channel.REDDIT,
}
_CHANNELS = {channel.value: channel for channel in Channel}


def _channel_from(*hints: object, url: object = None) -> Channel:
    """Our channel for a vendor's media type; the post URL's host decides when the type says nothing."""
    for hint in hints:
        if not isinstance(hint, str):
            continue
        word = hint.strip().lower()
        if word in _CHANNELS:
            return _CHANNELS[word]
        for needle, channel in _CHANNEL_WORDS:
            if needle in word:
                return channel
    if isinstance(url, str):
        host = (urlsplit(url).hostname or "").removeprefix("www.").removeprefix("mobile.")
        return _CHANNEL_HOSTS.get(host, Channel.OTHER)
    return Channel.OTHER


# Reading text ---------------------------------------------------------------------------------------------------


def _peek(stream: Iterable[str]) -> tuple[str, Iterator[str]]:
    """The first non-blank line and all the lines again, so a format can be sniffed without seeking.

    A byte-order mark is dropped: a UTF-8 file opened as plain ``utf-8`` still has one.
    """
    lines = iter(stream)
    seen: list[str] = []
    for line in lines:
        seen.append(line.removeprefix("\ufeff") if not seen else line)
        if seen[-1].strip():
            return seen[-1], chain(seen, lines)
    return "", iter(seen)


def _read_ndjson(lines: Iterable[str], source: str | None) -> Iterator[Parsed]:
    for line, value in _json_lines(lines):
        yield (line, value) if isinstance(value, LineError) else _object(line, value, source)


def _object(line: int, value: Any, source: str | None) -> Parsed:
    if not isinstance(value, dict):
        return line, LineError(line, f"expected a JSON object, found {_json_type(value)}")
    if source and _is_blank(value.get("source")):
        value = {**value, "source": source}
    return _build(line, value)


def _json_lines(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """One JSON value per non-blank line, or a LineError for a line that is not JSON."""
    for line, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            yield line, json.loads(text.removeprefix("\ufeff"))
        except json.JSONDecodeError as exc:
            yield line, LineError(line, f"invalid JSON: {exc.msg} (column {exc.colno})")


def _json_type(value: object) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


# CSV ----------------------------------------------------------------------------------------------------------

_HEADER_SEARCH_ROWS = 20  # Brandwatch puts a few report-title rows above the header


def _sniff_delimiter(header: str) -> str:
    """Comma, tab (Meltwater's UTF-16 exports) or semicolon (European spreadsheets), by count in the header."""
    counts = {delimiter: header.count(delimiter) for delimiter in (",", "\t", ";")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str] | LineError]]:
    """Rows with the physical line each starts on; a quoted field may span lines."""
    reader = csv.reader(lines, delimiter=delimiter)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, LineError(start, f"unreadable CSV: {exc}")
            if reader.line_num < start:  # nothing consumed: going on would loop
                return
        else:
            if row:  # a blank line reads as []
                yield start, row
        start = reader.line_num + 1


def _find_header(
    rows: Iterator[tuple[int, list[str] | LineError]], is_header: Callable[[list[str]], bool]
) -> list[str] | None:
    """Consume rows up to and including the header; None when none of the first rows is one."""
    for count, (_, row) in enumerate(rows):
        if count >= _HEADER_SEARCH_ROWS:
            break
        if not isinstance(row, LineError) and is_header(row):
            return [cell.strip() for cell in row]
    return None


def _records(
    rows: Iterator[tuple[int, list[str] | LineError]], header: list[str]
) -> Iterator[tuple[int, dict[str, str] | LineError]]:
    for line, row in rows:
        if isinstance(row, LineError):
            yield line, row
        elif len(row) < len(header) or any(cell.strip() for cell in row[len(header) :]):
            fields = f"{len(row)} field" + ("" if len(row) == 1 else "s")
            yield line, LineError(line, f"row has {fields}, the header has {len(header)}")
        else:
            yield line, dict(zip(header, row, strict=False))


def _read_csv(stream: Iterable[str], source: str, columns: ColumnMap) -> Iterator[Parsed]:
    first, lines = _peek(stream)
    rows = _csv_rows(lines, _sniff_delimiter(first))
    header = _find_header(rows, lambda row: True)
    if header is None:
        yield 1, LineError(1, "header: the file is empty")
        return
    plan = _column_plan(header, columns)
    if isinstance(plan, LineError):
        yield 1, plan
        return
    used = set(plan.values())
    for line, record in _records(rows, header):
        if isinstance(record, LineError):
            yield line, record
            continue
        fields: Fields = {field: record[column] for field, column in plan.items()}
        fields["source"] = fields.get("source") or source
        if "channel" in fields:
            fields["channel"] = _channel_from(fields["channel"])
        fields["metadata"] = {name: value for name, value in record.items() if name not in used and value.strip()}
        yield _build(line, fields, derive_id="external_id" not in plan)


def _column_plan(header: list[str], columns: ColumnMap) -> dict[str, str] | LineError:
    """MentionIn field -> column of this header; text and published_at must have one."""
    plan: dict[str, str] = {}
    missing: list[str] = []
    for field in _MAPPABLE:
        column = columns.mapping.get(field, field)
        if column in header:
            plan[field] = column
        elif field in columns.mapping or field in ("text", "published_at"):
            missing.append(f"{column!r} (for {field})")
    if missing:
        shown = ", ".join(header[:12]) + (", …" if len(header) > 12 else "")
        return LineError(1, f"header: no column {' or '.join(missing)}; the columns are {shown}")
    return plan


def _key(name: str) -> str:
    """Vendor header names compared loosely: "Hit Sentence", "hit sentence " and "Hit  Sentence" agree."""
    return " ".join(name.lower().split())


def _read_vendor_csv(
    lines: Iterable[str],
    first: str,
    to_fields: Callable[[Mapping[str, str]], Fields],
    wanted: tuple[str, ...],
    source: str,
) -> Iterator[Parsed]:
    """A vendor CSV whose header holds "date" and one of ``wanted``, found within the first rows."""
    rows = _csv_rows(lines, _sniff_delimiter(first))
    header = _find_header(rows, lambda row: _is_vendor_header(row, wanted))
    if header is None:
        expected = " / ".join(name.title() for name in wanted)
        yield 1, LineError(1, f"header: no row with Date and {expected} in the first {_HEADER_SEARCH_ROWS} rows")
        return
    for line, record in _records(rows, [_key(name) for name in header]):
        yield (line, record) if isinstance(record, LineError) else _vendor_record(line, record, to_fields, source)


def _is_vendor_header(row: list[str], wanted: tuple[str, ...]) -> bool:
    names = {_key(cell) for cell in row}
    return any("date" in name for name in names) and not names.isdisjoint(wanted)


def _vendor_record(line: int, item: object, to_fields: Callable[[Any], Fields], source: str) -> Parsed:
    if not isinstance(item, dict):
        return line, LineError(line, f"expected a JSON object, found {_json_type(item)}")
    return _build(line, {**to_fields(item), "source": source}, derive_id=True)


def _first(record: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``keys`` with a non-blank value: exports leave unused columns empty."""
    for key in keys:
        value = record.get(key)
        if not (_is_blank(value) or (isinstance(value, str) and not value.strip())):
            return value
    return None


def _pick(record: Mapping[str, Any], wanted: Mapping[str, str]) -> Fields:
    """The listed vendor fields that have a value, under our snake_case names."""
    return {ours: record[theirs] for theirs, ours in wanted.items() if _first(record, theirs) is not None}


def _indexed_at(value: object) -> object:
    """When the vendor saw the post, ISO 8601 UTC if readable: detection latency is indexed − published."""
    parsed = _read_datetime(value) if value is not None else None
    return _parse_datetime(parsed).isoformat() if parsed else value


# JSON documents ---------------------------------------------------------------------------------------------------

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


class _JsonText:
    """A JSON document walked one value at a time, so each array element keeps the line it starts on.

    Only the document's text is held, never its whole decoded tree.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self._line = 1
        self._counted = 0

    def peek(self) -> str:
        match = _SPACE.match(self.text, self.pos)
        self.pos = match.end() if match else self.pos
        return self.text[self.pos : self.pos + 1]

    def line(self) -> int:
        self._line += self.text.count("\n", self._counted, self.pos)
        self._counted = self.pos
        return self._line

    def value(self) -> Any:
        self.peek()
        value, self.pos = _DECODER.raw_decode(self.text, self.pos)
        return value

    def enter(self, key: str) -> bool:
        """Move to the value of ``key`` in the object here; False when the object has no such key."""
        if self.peek() != "{":
            return False
        self.pos += 1
        while self.peek() not in ("}", ""):
            name = self.value()
            if self.peek() != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", self.text, self.pos)
            self.pos += 1
            if name == key:
                return True
            self.value()
            if self.peek() == ",":
                self.pos += 1
        return False

    def elements(self) -> Iterator[tuple[int, Any]]:
        if self.peek() != "[":
            raise json.JSONDecodeError("Expecting an array", self.text, self.pos)
        self.pos += 1
        while self.peek() not in ("]", ""):
            line = self.line()
            yield line, self.value()
            if self.peek() == ",":
                self.pos += 1


def _vendor_json(
    lines: Iterable[str], first: str, path: tuple[str, ...], inner: Callable[[Any], Any]
) -> Iterator[tuple[int, Any]]:
    """Items of a vendor JSON export: a document (read whole) or NDJSON (streamed), told apart by the first line.

    A document's items sit in the array at ``path`` (or it is itself an array); an NDJSON line may be a
    document of its own (one compact API response per line) or a single item. ``inner`` unwraps an item.
    """
    if first.lstrip().startswith("{") and _is_json(first):
        for line, value in _json_lines(lines):
            for item in [value] if isinstance(value, LineError) else _expand(value, path):
                yield line, item if isinstance(item, LineError) else inner(item)
        return
    # Vendor pages are bounded (Talkwalker ≤ 500 results, Brandwatch ≤ 5,000 a page), so one fits in memory.
    document = _JsonText("".join(lines))
    try:
        if document.peek() == "{" and not all(document.enter(key) for key in path):
            yield 1, LineError(1, f"{'.'.join(path)}: not found in the JSON document")
            return
        for line, element in document.elements():
            yield line, inner(element)
    except json.JSONDecodeError as exc:
        yield exc.lineno, LineError(exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def _expand(value: Any, path: tuple[str, ...]) -> list[Any]:
    """The items of one NDJSON line: the array at ``path`` if the line is a whole response, else the line."""
    if isinstance(value, list):
        return value
    found = value
    for key in path:
        found = found.get(key) if isinstance(found, dict) else None
    return found if isinstance(found, list) else [value]


# Meltwater --------------------------------------------------------------------------------------------------------

_MELTWATER_METADATA = {
    "source": "media_type",
    "country": "country",
    "subregion": "subregion",
    "state": "state",
    "city": "city",
    "reach": "reach",
    "engagement": "engagement",
    "ave": "ave",
    "key phrases": "key_phrases",
    "keywords": "keywords",
    "input name": "input_name",
    "document tags": "tags",
    "hashtags": "hashtags",
    "views": "views",
    "estimated views": "estimated_views",
    "custom categories": "custom_categories",
}


def _read_meltwater(stream: Iterable[str], source: str) -> Iterator[Parsed]:
    first, lines = _peek(stream)
    yield from _read_vendor_csv(lines, first, _meltwater_fields, ("hit sentence", "opening text", "headline"), source)


def _meltwater_fields(row: Mapping[str, str]) -> Fields:
    return {
        "external_id": _first(row, "tweet id", "url"),
        "published_at": _meltwater_date(row),
        "text": _first(row, "hit sentence", "opening text", "headline"),
        "title": row.get("headline"),
        "author": _first(row, "twitter screen name", "influencer"),
        "author_reach": _first(row, "twitter followers", "reach"),
        "language": row.get("language"),
        "url": row.get("url"),
        "vendor_sentiment": row.get("sentiment"),
        "channel": _channel_from(row.get("source"), url=row.get("url")),
        "metadata": _pick(row, _MELTWATER_METADATA),
    }


def _meltwater_date(row: Mapping[str, str]) -> str | None:
    """ "Date" usually has the time in it; older exports split it into "Alternate Date Format" and "Time"."""
    date: str | None = _first(row, "date", "alternate date format")
    time: str | None = _first(row, "time")
    return f"{date} {time}" if date and time and ":" not in date else date


# Talkwalker -------------------------------------------------------------------------------------------------------

_TALKWALKER_METADATA = {
    "reach": "reach",
    "engagement": "engagement",
    "root_url": "root_url",
    "domain_url": "domain_url",
    "post_type": "post_type",
    "source_type": "source_type",
}


def _read_talkwalker(stream: Iterable[str], source: str) -> Iterator[Parsed]:
    first, lines = _peek(stream)
    for line, item in _vendor_json(lines, first, ("result_content", "data"), _talkwalker_document):
        yield (line, item) if isinstance(item, LineError) else _vendor_record(line, item, _talkwalker_fields, source)


def _talkwalker_document(element: Any) -> Any:
    """``result_content.data[]`` holds ``{"data": {document}}``; NDJSON may hold either form."""
    inner = element.get("data") if isinstance(element, dict) else None
    return inner if isinstance(inner, dict) else element


def _talkwalker_fields(item: Mapping[str, Any]) -> Fields:
    author = _mapping(item.get("extra_author_attributes"))
    source_type = item.get("source_type")
    world = _mapping(_mapping(item.get("extra_source_attributes")).get("world_data"))
    sentiment = item.get("sentiment")
    indexed = _first(item, "search_indexed", "indexed")
    return {
        "external_id": _first(item, "id", "url"),
        "published_at": item.get("published"),
        "text": _first(item, "content", "content_snippet", "title_snippet", "title"),
        "title": item.get("title"),
        "author": _first(author, "short_name", "name", "id") or item.get("author"),
        "author_reach": item.get("reach"),  # followers on X, fans on Facebook, page views on the web
        "language": _first(item, "lang", "language"),
        "url": item.get("url"),
        "vendor_sentiment": None if sentiment is None else str(sentiment),
        "channel": _channel_from(
            *(source_type if isinstance(source_type, list) else [source_type]), url=item.get("url")
        ),
        "metadata": _pick(item, _TALKWALKER_METADATA)
        | ({"indexed_at": _indexed_at(indexed)} if indexed is not None else {})
        | ({"country": world["country_code"]} if world.get("country_code") else {}),
    }


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


# Brandwatch -------------------------------------------------------------------------------------------------------

_BRANDWATCH_METADATA = {
    "domain": "domain",
    "country": "country",
    "countryCode": "country_code",
    "impact": "impact",
    "tags": "tags",
    "queryId": "query_id",
    "queryName": "query_name",
    "threadId": "thread_id",
}
_BRANDWATCH_CSV_METADATA = {
    "domain": "domain",
    "country": "country",
    "impact": "impact",
    "tags": "tags",
    "query id": "query_id",
    "query name": "query_name",
    "thread id": "thread_id",
}


def _read_brandwatch(stream: Iterable[str], source: str) -> Iterator[Parsed]:
    """JSON when the file starts with ``{`` or ``[``, the UI's CSV export otherwise."""
    first, lines = _peek(stream)
    if not first.lstrip().startswith(("{", "[")):
        yield from _read_vendor_csv(lines, first, _brandwatch_csv_fields, ("full text", "snippet", "url"), source)
        return
    for line, item in _vendor_json(lines, first, ("results",), lambda element: element):
        yield (line, item) if isinstance(item, LineError) else _vendor_record(line, item, _brandwatch_fields, source)


def _brandwatch_fields(item: Mapping[str, Any]) -> Fields:
    added = item.get("added")
    return {
        "external_id": _first(item, "guid", "resourceId", "url"),
        "published_at": item.get("date"),
        "text": _first(item, "fullText", "snippet", "title"),
        "title": item.get("title"),
        "author": item.get("author"),
        "author_reach": item.get("reachEstimate"),
        "language": item.get("language"),
        "url": item.get("url"),
        "vendor_sentiment": item.get("sentiment"),
        "channel": _channel_from(item.get("pageType"), url=item.get("url")),
        "metadata": _pick(item, _BRANDWATCH_METADATA) | ({"indexed_at": _indexed_at(added)} if added else {}),
    }


def _brandwatch_csv_fields(row: Mapping[str, str]) -> Fields:
    return {
        "external_id": _first(row, "resource id", "guid", "url"),
        "published_at": row.get("date"),
        "text": _first(row, "full text", "snippet", "title"),
        "title": row.get("title"),
        "author": row.get("author"),
        "author_reach": _first(row, "reach", "reach (new)"),
        "language": row.get("language"),
        "url": row.get("url"),
        "vendor_sentiment": row.get("sentiment"),
        "channel": _channel_from(row.get("page type"), url=row.get("url")),
        "metadata": _pick(row, _BRANDWATCH_CSV_METADATA),
    }
