"""What redacting a heartbeat ping's body costs the ping writer's thread, beside only decoding it.

A cron job's output of ``--size`` bytes (timestamped log lines full of digits: sizes, durations, ids, the
case that makes the redactor look hardest), redacted ``--runs`` × 50 times; peer: decoding the same bytes,
which is all the writer did before. Medians of the runs, in milliseconds per body.

    .venv/bin/python bench/ping_body.py [--size 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from trustops.listen.redact import redact

REPEAT = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    body = job_output(args.size).encode()
    redacting = [per_body(lambda: redact(body.decode("utf-8", errors="replace"))) for _ in range(args.runs)]
    decoding = [per_body(lambda: body.decode("utf-8", errors="replace")) for _ in range(args.runs)]
    ours, peer = statistics.median(redacting), statistics.median(decoding)
    table = Table("per body", "ms (median)", title=f"a {len(body):,}-byte job log")
    table.add_row("decode + redact (trustops)", f"{ours:.3f}")
    table.add_row("decode only (before)", f"{peer:.4f}")
    table.add_row("redaction's share of a 2-core second at 100 such pings/s", f"{ours * 100 / 2000:.1%}")
    Console().print(table)


def job_output(size: int) -> str:
    rng = random.Random(1)
    lines = []
    while sum(map(len, lines)) < size:
        n = len(lines)
        lines.append(
            f"2026-11-24 09:{n % 60:02d}:{n % 60:02d},{rng.randint(100, 999)} INFO backup: copied "
            f"{rng.randint(1000, 999_999)} bytes to /mnt/backup/db-{n}.tar.gz in {rng.random():.3f}s "
            f"(id {rng.randint(10**8, 10**9)})"
        )
    return "\n".join(lines)[:size]


def per_body(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    for _ in range(REPEAT):
        work()
    return (time.perf_counter() - started) / REPEAT * 1000


if __name__ == "__main__":
    main()
