"""A bulk evaluation spread over worker processes: each reads and judges its own byte range of the file.

The fact book is loaded once, then the workers are forked, so they share it (copy-on-write) instead of
loading it again. The file is cut at line breaks into one part per worker; each worker reads its part with
the same :class:`~trustops.guard.bulk.AudienceReader` as a single-process run (told the columns and the
number of lines before its part, so bad lines keep their line numbers), writes its rows to temporary files,
and sends back its counts and bad lines. The parent then writes the headers and the parts in file order: the
output is byte for byte what one process would have written.

A CSV file can be cut only where a line break ends a row: that holds when it has no quote character at all
(a quoted field may hide a line break) and no lone carriage return. Files that are not so, or too small to
be worth it, or platforms without ``fork``, are judged in one process (:func:`plan` answers ``None``).
"""

from __future__ import annotations

import io
import mmap
import multiprocessing
import os
import tempfile
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection, wait
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

from trustops.guard.bulk import AudienceReader, Columns, Judge, LineError, Summary
from trustops.guard.exports import Sink, write_headers, write_split

MIN_PART_BYTES = 8 * 1024 * 1024  # below this per worker, forking costs more than it saves
COPY_BUFFER = 1 << 20


@dataclass(frozen=True, slots=True)
class Part:
    start: int  # byte offset of its first line
    end: int  # byte offset just past its last line
    lines_before: int  # lines of the file before ``start``


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def plan(path: Path, audience_format: str, *, body_start: int, workers: int) -> list[Part] | None:
    """The parts to judge in parallel, or ``None`` when the file is to be judged in one process."""
    size = path.stat().st_size
    workers = min(workers, (size - body_start) // MIN_PART_BYTES)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    with path.open("rb") as raw, mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if audience_format == "csv" and (data.find(b'"', body_start) != -1 or data[:body_start].count(b'"') % 2):
            return None  # a quote may hide a line break (an odd count in the header line: it does)
        if data.find(b"\r", body_start) != -1 and _count(data, b"\r", 0, size) != _count(data, b"\r\n", 0, size):
            return None
        cuts = [body_start]
        for n in range(1, workers):
            target = max(body_start + (size - body_start) * n // workers, cuts[-1])
            found = data.find(b"\n", target)
            if found == -1:
                break
            if found + 1 > cuts[-1]:
                cuts.append(found + 1)
        cuts.append(size)
        parts, lines = [], _count(data, b"\n", 0, body_start)
        for start, end in zip(cuts, cuts[1:], strict=False):
            if end > start:
                parts.append(Part(start, end, lines))
                lines += _count(data, b"\n", start, end)
    return parts if len(parts) > 1 else None


def _count(data: mmap.mmap, needle: bytes, start: int, end: int) -> int:
    """Occurrences of ``needle`` in ``data[start:end]``, read a slice at a time (an mmap has no ``count``);
    slices overlap by ``len(needle) - 1`` bytes so none is missed or counted twice."""
    found, step = 0, 64 * 1024 * 1024
    for at in range(start, end, step):
        stop = min(at + step, end)
        found += data[at : min(stop + len(needle) - 1, end)].count(needle)
    return found


def body_start(path: Path, audience_format: str) -> int:
    """Where the rows begin: after the header line of a CSV, at the start of an NDJSON file."""
    if audience_format != "csv":
        return 0
    with path.open("rb") as raw:
        return len(raw.readline())


@dataclass(frozen=True)
class Job:
    """What every worker needs; inherited through ``fork``, never pickled."""

    path: Path
    audience_format: str
    columns: Columns
    judge: Judge
    export_format: str
    with_allowed: bool
    generated_at: datetime
    tmp: Path


def split_parallel(
    job: Job,
    parts: list[Part],
    *,
    out: Sink,
    allowed_out: Sink | None,
    on_error: Callable[[LineError], None],
    on_progress: Callable[[int], None] = lambda read: None,
) -> Summary:
    """Judge ``parts`` of the audience in one forked worker each; write their rows to ``out`` (and
    ``allowed_out``) in file order and report their bad lines, in order, to ``on_error``."""
    context = multiprocessing.get_context("fork")
    progress: list[Synchronized[int]] = [context.Value("q", 0, lock=False) for _ in parts]
    workers, pipes = [], []
    for number, (part, read) in enumerate(zip(parts, progress, strict=True)):
        receiver, sender = context.Pipe(duplex=False)
        worker = context.Process(target=_work, args=(job, number, part, read, sender), daemon=True)
        worker.start()
        sender.close()
        workers.append(worker)
        pipes.append(receiver)
    results: dict[int, tuple[Summary, list[LineError]]] = {}
    try:
        waiting = {pipe: number for number, pipe in enumerate(pipes)}
        while waiting:
            for ready in wait(list(waiting), timeout=0.2):
                number = waiting.pop(ready)  # type: ignore[call-overload]
                results[number] = _received(ready, number)  # type: ignore[arg-type]
            on_progress(sum(value.value for value in progress))
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
    write_headers(job.export_format, out=out, allowed_out=allowed_out, with_email=job.columns.with_email)
    summary = Summary()
    for number in range(len(parts)):
        part_summary, errors = results[number]
        _append(job.tmp / f"suppressed-{number}.csv", out)
        if allowed_out is not None:
            _append(job.tmp / f"allowed-{number}.csv", allowed_out)
        for error in errors:
            on_error(error)
        summary.audience += part_summary.audience
        summary.allowed += part_summary.allowed
        summary.suppressed.update(part_summary.suppressed)
    return summary


def _received(pipe: Connection, number: int) -> tuple[Summary, list[LineError]]:
    try:
        outcome, payload = pipe.recv()
    except EOFError:
        raise RuntimeError(f"bulk worker {number} died without an answer") from None
    finally:
        pipe.close()
    if outcome == "failed":
        raise RuntimeError(f"bulk worker {number} failed:\n{payload}")
    summary, errors = payload
    return summary, errors


def _work(job: Job, number: int, part: Part, read: Synchronized[int], pipe: Connection) -> None:
    try:
        errors: list[LineError] = []
        with (
            job.path.open("rb") as raw,
            (job.tmp / f"suppressed-{number}.csv").open("w", encoding="utf-8", newline="") as suppressed,
            _allowed_part(job, number) as allowed,
        ):
            raw.seek(part.start)
            ranged = _Range(raw, part.end - part.start, read)
            encoding = "utf-8-sig" if part.start == 0 else "utf-8"
            stream = io.TextIOWrapper(io.BufferedReader(ranged, COPY_BUFFER), encoding=encoding, newline="")
            reader = AudienceReader(
                stream,
                job.audience_format,
                on_error=errors.append,
                columns=job.columns,
                first_line=part.lines_before,
            )
            summary = write_split(
                reader,
                job.judge,
                job.export_format,
                out=suppressed,
                allowed_out=allowed,
                generated_at=job.generated_at,
                headers=False,
            )
        pipe.send(("done", (summary, errors)))
    except BaseException:  # noqa: BLE001 - every failure goes back to the parent, which raises it
        pipe.send(("failed", traceback.format_exc()))
    finally:
        pipe.close()


def _allowed_part(job: Job, number: int) -> Any:
    if not job.with_allowed:
        return nullcontext()
    return (job.tmp / f"allowed-{number}.csv").open("w", encoding="utf-8", newline="")


class _Range(io.RawIOBase):
    """At most ``size`` bytes of ``raw`` from where it stands, counting what was read into ``read``."""

    def __init__(self, raw: io.BufferedReader, size: int, read: Synchronized[int]) -> None:
        self._raw, self._left, self._read = raw, size, read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: min(len(buffer), self._left)]
        count = self._raw.readinto(view)
        self._left -= count
        self._read.value += count
        return count


def _append(path: Path, sink: Sink) -> None:
    with path.open(encoding="utf-8", newline="") as part:
        while chunk := part.read(COPY_BUFFER):
            sink.write(chunk)


def scratch_dir(near: Path) -> tempfile.TemporaryDirectory[str]:
    """A temporary directory for the workers' parts, beside the output file (same disk, same permissions)."""
    return tempfile.TemporaryDirectory(prefix=".trustops-parts-", dir=near.parent)
