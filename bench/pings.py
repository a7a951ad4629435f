"""Durable heartbeat pings per second, on SQLite and on PostgreSQL, against Healthchecks.

Healthchecks' open-source ping handler is published at about 250 pings/s (i7, uWSGI, PostgreSQL;
reference/anchors.md §2). A ping counts only if it got a 2xx, and a 2xx is sent only after the ping is
committed; after each run the script checks that the store holds at least every acknowledged ping.

    .venv/bin/python bench/pings.py [--seconds 10] [--runs 3] [--connections 64]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from _harness import WrkResult, median, server, store, wrk
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from trustops import clock
from trustops.db import Database
from trustops.monitor.health_models import Ping
from trustops.monitor.heartbeats import create_heartbeat

HEALTHCHECKS_PINGS_PER_SECOND = 250
HEARTBEATS = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--processes", type=int, default=1, help="trustops serve --workers")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/pings.py needs wrk: apt-get install wrk")
    table = Table(
        f"store ({args.processes} process{'es' if args.processes > 1 else ''})",
        "pings/s (median)",
        "p50 ms",
        "p99 ms",
        "2xx stored",
        "vs Healthchecks 250/s",
    )
    for kind in args.stores.split(","):
        rates, p50s, p99s, durable = [], [], [], True
        for _ in range(args.runs):
            result, stored = run_once(kind, args.seconds, args.connections, args.processes)
            rates.append(result.per_second)
            p50s.append(result.p50_ms)
            p99s.append(result.p99_ms)
            durable &= stored >= result.requests - result.non_2xx
        rate = median(rates)
        table.add_row(
            kind,
            f"{rate:,.0f}",
            f"{median(p50s):.1f}",
            f"{median(p99s):.1f}",
            "all" if durable else "LOST SOME",
            f"{rate / HEALTHCHECKS_PINGS_PER_SECOND:.1f}×",
        )
    Console().print(table)


def run_once(kind: str, seconds: int, connections: int, processes: int) -> tuple[WrkResult, int]:
    with store(kind) as url, tempfile.TemporaryDirectory() as tmp:
        database = Database.from_url(url)
        with database.session() as session:
            uuids = [
                create_heartbeat(session, name=f"job {i}", period=3600, grace=600, now=clock.now()).uuid
                for i in range(HEARTBEATS)
            ]
        script = Path(tmp) / "pings.lua"
        listed = ",".join(f'"{u}"' for u in uuids)
        script.write_text(
            f"local uuids = {{{listed}}}\n"
            "request = function() return wrk.format('GET', '/ping/' .. uuids[math.random(#uuids)]) end\n"
        )
        with server(url, processes=processes) as base:
            result = wrk(base, script=script, seconds=seconds, connections=connections)
        with database.session() as session:
            stored = session.scalar(select(func.count()).select_from(Ping)) or 0
        database.dispose()
    return result, stored


if __name__ == "__main__":
    main()
