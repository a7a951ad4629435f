"""What an audit reads: files under the paths given, HTTP responses of the URLs given, and HAR recordings.

Everything is read defensively: a file that is not text, too large, unreadable or a malformed HAR becomes an
:class:`~trustops.audit.findings.AuditWarning` and the audit goes on; so does an unreachable URL.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from trustops.audit.findings import AuditWarning

MAX_FILE_BYTES = 2 * 1024 * 1024  # larger files are skipped with a warning (minified bundles, data dumps)
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", ".venv-compat", "node_modules", "__pycache__", ".mypy_cache",
     ".ruff_cache", ".pytest_cache", ".tox", "dist", "build", "site-packages", ".idea", ".vscode"}
)  # fmt: skip
BINARY_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".whl",
     ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".mov", ".so", ".dylib", ".dll", ".exe",
     ".pyc", ".db", ".sqlite", ".sqlite3", ".parquet", ".jar", ".class", ".bin", ".npy", ".pkl"}
)  # fmt: skip


@dataclass
class FileSource:
    """One text file. ``display`` is the path as reported (relative to the audited directory)."""

    path: Path
    display: str
    warn: Callable[[AuditWarning], None] = field(repr=False, default=lambda warning: None)

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def name(self) -> str:
        return self.path.name

    @cached_property
    def text(self) -> str | None:
        """The file's text; ``None`` (after a warning) when it cannot be read as text."""
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            self.warn(AuditWarning(self.display, f"cannot be read: {exc.strerror or exc}"))
            return None
        if b"\0" in data[:8192]:
            return None  # binary: skipped silently
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                return data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("latin-1")
            except UnicodeDecodeError:
                self.warn(AuditWarning(self.display, "not valid text in UTF-8, UTF-16 or Latin-1; skipped"))
                return None

    @cached_property
    def lines(self) -> list[str]:
        return (self.text or "").splitlines()


@dataclass(frozen=True)
class Response:
    """One HTTP response, fetched live or read from a HAR file (``har`` names it then)."""

    url: str
    status: int
    content_type: str
    body: str
    method: str = "GET"
    har: str | None = None


@dataclass(frozen=True)
class HarPage:
    """The requests of one page load in a HAR file, in the order they started."""

    har: str  # the HAR file as reported
    url: str  # the page (document) URL
    requests: tuple[HarRequest, ...]


@dataclass(frozen=True)
class HarRequest:
    url: str
    method: str
    status: int  # 0: blocked or failed
    resource_type: str  # "document", "script", "xhr", "fetch", … (Chrome's _resourceType; guessed if absent)
    started_ms: float  # from the page's start
    blocking: bool  # a parser-blocking script (Chrome's _initiator / priority hints when present)
    failed: bool


@dataclass
class Sources:
    """Everything an audit run read."""

    files: list[FileSource] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    pages: list[HarPage] = field(default_factory=list)
    root: Path | None = None  # the first directory audited, for relative paths


def collect(
    targets: Sequence[str],
    *,
    warn: Callable[[AuditWarning], None],
    fetch: Callable[[str], Response] | None = None,
    exclude: Sequence[str] = (),
) -> Sources:
    """The files under each path (HAR files parsed), and the response of each URL (through ``fetch``).

    ``exclude``: glob patterns (``tests/fixtures/**``, ``*.min.js``) matched against the reported paths."""
    found = Sources()
    for target in targets:
        if target.startswith(("http://", "https://")):
            if fetch is None:
                warn(AuditWarning(target, "URLs are not fetched in this mode"))
                continue
            try:
                found.responses.append(fetch(target))
            except Exception as exc:  # noqa: BLE001 - an unreachable URL is a warning, never a crash
                warn(AuditWarning(target, f"could not be fetched: {_reason(exc)}"))
            continue
        path = Path(target)
        if not path.exists():
            warn(AuditWarning(target, "no such file or directory"))
            continue
        if found.root is None and path.is_dir():
            found.root = path
        for file in _walk(path, warn):
            display = _display(file, path)
            if any(fnmatch.fnmatchcase(display, pattern) for pattern in exclude):
                continue
            if file.suffix.lower() == ".har":
                _read_har(file, display, found, warn)
            else:
                found.files.append(FileSource(file, display, warn))
    return found


def _walk(path: Path, warn: Callable[[AuditWarning], None]) -> Iterator[Path]:
    if path.is_file():
        yield path
        return

    def error(exc: OSError) -> None:
        warn(AuditWarning(str(exc.filename or path), f"cannot be listed: {exc.strerror or exc}"))

    for directory, dirs, files in os.walk(path, onerror=error):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            file = Path(directory) / name
            if file.suffix.lower() in BINARY_SUFFIXES or file.is_symlink():
                continue
            try:
                size = file.stat().st_size
            except OSError as exc:
                warn(AuditWarning(str(file), f"cannot be read: {exc.strerror or exc}"))
                continue
            if size > MAX_FILE_BYTES:
                warn(AuditWarning(str(file), f"skipped: {size:,} bytes, above the {MAX_FILE_BYTES:,}-byte limit"))
                continue
            yield file


def _display(file: Path, target: Path) -> str:
    if target.is_dir():
        return file.relative_to(target).as_posix()
    return file.as_posix()


def _read_har(file: Path, display: str, found: Sources, warn: Callable[[AuditWarning], None]) -> None:
    """A HAR 1.2 file: every entry as a :class:`Response`, every page as a :class:`HarPage`."""
    try:
        document = json.loads(file.read_text(encoding="utf-8-sig"))
        entries = document["log"]["entries"]
        if not isinstance(entries, list):
            raise TypeError("log.entries is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        warn(AuditWarning(display, f"not a readable HAR file ({_reason(exc)}); skipped"))
        return
    pages: dict[str, list[tuple[float, HarRequest]]] = {}
    page_urls: dict[str, str] = {}
    for index, entry in enumerate(entries):
        try:
            response = _har_response(entry, display)
            request = _har_request(entry)
        except (KeyError, TypeError, ValueError) as exc:
            warn(AuditWarning(f"{display}#entries[{index}]", f"malformed entry ({_reason(exc)}); skipped"))
            continue
        found.responses.append(response)
        page = str(entry.get("pageref") or "")
        pages.setdefault(page, []).append((_started(entry), request))
        if request.resource_type == "document" and page not in page_urls:
            page_urls[page] = request.url
    for page, requests in pages.items():
        requests.sort(key=lambda pair: pair[0])
        start = requests[0][0]
        ordered = tuple(
            HarRequest(r.url, r.method, r.status, r.resource_type, at - start, r.blocking, r.failed)
            for at, r in requests
        )
        found.pages.append(HarPage(display, page_urls.get(page, ordered[0].url), ordered))


def _har_response(entry: dict[str, Any], display: str) -> Response:
    request, response = entry["request"], entry["response"]
    content = response.get("content") or {}
    text = content.get("text") or ""
    if content.get("encoding") == "base64":
        try:
            text = base64.b64decode(text).decode("utf-8", errors="replace")
        except ValueError:
            text = ""
    return Response(
        url=str(request["url"]),
        status=int(response["status"]),
        content_type=str(content.get("mimeType") or _header(response, "content-type")),
        body=text,
        method=str(request.get("method") or "GET"),
        har=display,
    )


def _har_request(entry: dict[str, Any]) -> HarRequest:
    request, response = entry["request"], entry["response"]
    url = str(request["url"])
    status = int(response.get("status") or 0)
    kind = str(entry.get("_resourceType") or _guess_type(url, response))
    priority = str(entry.get("_priority") or "")
    initiator = entry.get("_initiator") or {}
    parser = isinstance(initiator, dict) and initiator.get("type") == "parser"
    # Chrome gives async scripts a "parser" initiator too, but a low fetch priority: only high ones block.
    blocking = (
        kind == "script"
        and (parser or priority in ("VeryHigh", "High"))
        and priority not in ("Low", "VeryLow")
        and not entry.get("_async")
    )
    failed = status == 0 or bool(response.get("_error"))
    return HarRequest(url, str(request.get("method") or "GET"), status, kind, 0.0, blocking, failed)


def _started(entry: dict[str, Any]) -> float:
    from datetime import datetime

    started = entry.get("startedDateTime")
    try:
        return datetime.fromisoformat(str(started).replace("Z", "+00:00")).timestamp() * 1000
    except ValueError:
        return 0.0


def _guess_type(url: str, response: dict[str, Any]) -> str:
    content = response.get("content") or {}
    mime = str(content.get("mimeType") or "").lower()
    path = url.split("?", 1)[0].lower()
    if "html" in mime:
        return "document"
    if "javascript" in mime or path.endswith((".js", ".mjs")):
        return "script"
    if "json" in mime:
        return "xhr"
    return "other"


def _header(response: dict[str, Any], name: str) -> str:
    for header in response.get("headers") or []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == name:
            return str(header.get("value", ""))
    return ""


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
