"""The marketing guard under load: a bulk audience split, and HTTP decisions beside a bare FastAPI endpoint.

1. Bulk (issue #6): a synthetic audience CSV of ``--audience`` users (10 million by default), written to a
   temp dir line by line, split by ``trustops guard evaluate`` in a subprocess against a SQLite store holding
   ``--exposures`` exposure rows (1 million) spread over ``--hurt`` users (300,000), a handful of incidents
   (two of them site-wide) and ``--customers`` customers. Wall seconds and the child's peak RSS (from
   ``wait4``), median of ``--runs``. Goal: ≤ 30 s and ≤ 4 GB.
2. HTTP: ``POST /api/v1/guard/decide`` on one ``trustops serve`` process, loaded by ``wrk`` with varied
   user ids (hurt and unhurt alike) and a bearer token, beside a bare FastAPI app with the same route
   returning a constant, served by uvicorn with the same options. Goal: at least half the bare rate.

    .venv/bin/python bench/guard.py [--audience 10000000] [--exposures 1000000] [--runs 3] [--parts bulk,http]

A quick run: ``--audience 200000 --exposures 20000 --hurt 6000 --customers 2000 --runs 1 --seconds 3``.
Needs Debian's ``wrk`` for the HTTP part (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from _harness import WrkResult, free_port, median, server, store, wrk
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from trustops import clock
from trustops.accounts.models import Scope
from trustops.accounts.tokens import create_token
from trustops.catalog.schema import ComponentSpec
from trustops.catalog.service import put_component
from trustops.customers import Customer
from trustops.db import Database
from trustops.enums import Channel, ComponentStatus, CustomerTier, Impact
from trustops.guard.bulk import Pseudonymiser
from trustops.monitor.health_models import Exposure
from trustops.monitor.incidents import open_incident, resolve_incident

SECRET = "bench-" * 8  # the harness's server uses this key: pseudonyms must agree
COMPONENTS = ("login", "search", "cart", "checkout", "payment-gateway", "order-emails")
# (components, impact, started days ago, resolved days ago or None, site-wide)
INCIDENTS = (
    (("checkout", "payment-gateway"), Impact.MAJOR, 12, 11, True),
    (("login",), Impact.MINOR, 5, 4.9, True),
    (("search",), Impact.MINOR, 20, 19, False),
    (("cart",), Impact.MAJOR, 2, None, False),
    (("order-emails",), Impact.MINOR, 40, 38, False),
)
GOAL_SECONDS, GOAL_BYTES, GOAL_RATIO = 30.0, 4 * 1024**3, 0.5
CHUNK = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audience", type=int, default=10_000_000, help="users in the audience CSV")
    parser.add_argument("--exposures", type=int, default=1_000_000, help="exposure rows in the store")
    parser.add_argument("--hurt", type=int, default=300_000, help="distinct users the exposures are spread over")
    parser.add_argument("--customers", type=int, default=100_000, help="customers rows")
    parser.add_argument("--format", default="neutral", help="export format of the bulk run")
    parser.add_argument("--campaign-type", default="promotional")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per HTTP run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--parts", default="bulk,http")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    parts = set(args.parts.split(","))
    if "http" in parts and shutil.which("wrk") is None:
        sys.exit("bench/guard.py needs wrk for its HTTP part: apt-get install wrk (or --parts bulk)")
    with store("sqlite") as url, tempfile.TemporaryDirectory() as tmp:
        seconds = time.monotonic()
        world = populate(Database.from_url(url), args)
        audience = write_audience(Path(tmp) / "audience.csv", args.audience)
        Console(stderr=True).print(f"store and audience ready in {time.monotonic() - seconds:.0f} s")
        table = Table("measure", "trustops", "peer", "ratio / goal", title=_title(args))
        if "bulk" in parts:
            runs = [run_bulk(url, audience, Path(tmp), args) for _ in range(args.runs)]
            _bulk_rows(table, runs, args)
        if "http" in parts:
            _http_rows(table, load_http(url, world, Path(tmp), args))
    Console().print(table)


@dataclass(frozen=True)
class World:
    token: str
    hurt: list[int]  # audience indexes of users with exposures


def populate(database: Database, args: argparse.Namespace) -> World:
    """Components, incidents, exposures and customers, inserted in bulk."""
    now = clock.now()
    rng = random.Random(6)
    pseudonym = Pseudonymiser(SECRET.encode())
    hurt = rng.sample(range(args.audience), min(args.hurt, args.audience))
    with database.session() as session:
        for cid in COMPONENTS:
            spec = {"id": cid, "name": cid.replace("-", " ").title(), "criticality": "transaction"}
            put_component(session, ComponentSpec.model_validate(spec))
        session.flush()
        windows = [_incident(session, spec, now) for spec in INCIDENTS]
        token = create_token(session, name="bench", scopes=[Scope.MARKETING]).token
    keys = {index: pseudonym(f"user-{index}") for index in hurt}
    for start in range(0, args.exposures, CHUNK):
        rows = [
            _exposure(rng, keys[rng.choice(hurt)], windows, now, n)
            for n in range(start, min(start + CHUNK, args.exposures))
        ]
        with database.session() as session:
            session.execute(insert(Exposure), rows)
    customers = hurt[: args.customers // 3] + rng.sample(range(args.audience), args.customers - args.customers // 3)
    tiers = list(CustomerTier)
    rows_: list[dict[str, Any]] = []
    for index in dict.fromkeys(customers):
        first = now - timedelta(days=rng.uniform(1, 1500))
        key = keys.get(index) or pseudonym(f"user-{index}")
        tier = rng.choice(tiers)
        rows_.append({"key": key, "tier": tier, "annual_value": 100.0, "first_seen_at": first, "last_seen_at": now})
    for start in range(0, len(rows_), CHUNK):
        with database.session() as session:
            session.execute(insert(Customer), rows_[start : start + CHUNK])
    database.dispose()
    return World(token, hurt)


def _incident(session: Any, spec: tuple[Any, ...], now: datetime) -> tuple[tuple[str, ...], datetime, datetime]:
    components, impact, started, resolved, site_wide = spec
    start = now - timedelta(days=started)
    incident = open_incident(
        session,
        title=f"{components[0]} errors",
        components=dict.fromkeys(components, ComponentStatus.MAJOR_OUTAGE),
        impact=impact,
        actor="bench",
        started_at=start,
        now=start,
    )
    incident.channel = Channel.STATUS_PAGE if site_wide else Channel.TARGETED
    end = now if resolved is None else now - timedelta(days=resolved)
    if resolved is not None:
        resolve_incident(session, incident.id, actor="bench", now=end)
    return components, start, end


def _exposure(
    rng: random.Random, key: str, windows: list[tuple[tuple[str, ...], datetime, datetime]], now: datetime, n: int
) -> dict[str, Any]:
    """Half the errors fall inside an incident's window, on its components; the rest anywhere in 60 days."""
    if rng.random() < 0.5:
        components, start, end = rng.choice(windows)
        at = start + (end - start) * rng.random()
        component = rng.choice(components)
    else:
        at = now - timedelta(days=rng.uniform(0, 60))
        component = rng.choice(COMPONENTS)
    return {
        "user_key": key,
        "component_id": component,
        "at": at,
        "kind": "error",
        "source": "bench",
        "event_id": f"b{n}",
    }


def write_audience(path: Path, users: int) -> Path:
    """``user_id,email,plan`` for ``users`` users, written a chunk at a time."""
    with path.open("w") as out:
        out.write("user_id,email,plan\n")
        for start in range(0, users, CHUNK):
            out.write("".join(f"user-{n},user-{n}@example.com,free\n" for n in range(start, min(start + CHUNK, users))))
    return path


@dataclass(frozen=True)
class BulkRun:
    seconds: float
    peak_bytes: int
    suppressed_lines: int


def run_bulk(url: str, audience: Path, tmp: Path, args: argparse.Namespace) -> BulkRun:
    out = tmp / "suppressed.csv"
    env = {
        **os.environ,
        "TRUSTOPS_DATABASE_URL": url,
        "TRUSTOPS_SECRET_KEY": SECRET,
        "TRUSTOPS_CONFIG_PATH": str(tmp / "absent.yaml"),
    }
    command = [sys.executable, "-m", "trustops", "guard", "evaluate", "--audience", str(audience)]
    command += ["--campaign-type", args.campaign_type, "--out", str(out), "--format", args.format]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    assert process.stderr is not None
    errors = process.stderr.read().decode()
    process.wait()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"trustops guard evaluate failed: {errors.strip()[-400:]}")
    with out.open() as written:
        suppressed = sum(1 for _ in written) - 1
    return BulkRun(seconds, usage.ru_maxrss * 1024, suppressed)  # ru_maxrss is in KiB on Linux


def load_http(url: str, world: World, tmp: Path, args: argparse.Namespace) -> dict[str, list[WrkResult]]:
    script = tmp / "decide.lua"
    hurt = ",".join(str(index) for index in world.hurt[:5_000])
    script.write_text(
        f"local hurt = {{{hurt}}}\n"
        f'wrk.method = "POST"\n'
        f'wrk.headers["Authorization"] = "Bearer {world.token}"\n'
        f'wrk.headers["Content-Type"] = "application/json"\n'
        "request = function()\n"
        f"  local n = math.random(2) == 1 and hurt[math.random(#hurt)] or math.random(0, {args.audience - 1})\n"
        '  local body = \'{"user_id": "user-\' .. n .. \'", "campaign_type": "promotional"}\'\n'
        '  return wrk.format(nil, "/api/v1/guard/decide", nil, body)\n'
        "end\n"
    )
    results: dict[str, list[WrkResult]] = {"trustops": [], "bare": []}
    with server(url) as trustops, bare_server() as bare:
        # The first decision after a start waits for the fact book to load; measure it, then the steady state.
        started = time.monotonic()
        first = httpx.post(
            trustops + "/api/v1/guard/decide",
            json={"user_id": "user-0", "campaign_type": "promotional"},
            headers={"Authorization": f"Bearer {world.token}"},
            timeout=600,
        )
        first.raise_for_status()
        print(f"first decision after start (loads the fact book): {time.monotonic() - started:.1f} s")
        for _ in range(args.runs):
            for name, base in (("trustops", trustops), ("bare", bare)):
                result = wrk(base, script=script, seconds=args.seconds, connections=args.connections)
                assert result.non_2xx == 0, f"{name}: {result.non_2xx} non-2xx answers"
                results[name].append(result)
    return results


def bare_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()
    answer = {"allowed": True, "rule": "no_rule", "reason": "constant", "until": None, "alternative": None}

    @app.post("/api/v1/guard/decide")
    def decide() -> dict[str, Any]:
        return answer

    return app


def serve_bare(port: int) -> None:
    import uvicorn

    # The options `trustops serve` passes to uvicorn.run (cli/serve.py).
    options = {"host": "127.0.0.1", "port": port, "log_level": "warning", "proxy_headers": False, "access_log": False}
    uvicorn.run(bare_app(), **options)


@contextmanager
def bare_server() -> Iterator[str]:
    import httpx

    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--serve-bare", str(port)], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.post(base + "/api/v1/guard/decide", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise RuntimeError("the bare app did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _title(args: argparse.Namespace) -> str:
    return (
        f"marketing guard: {args.audience:,} audience, {args.exposures:,} exposures over {args.hurt:,} users, "
        f"{args.customers:,} customers; median of {args.runs}"
    )


def _bulk_rows(table: Table, runs: list[BulkRun], args: argparse.Namespace) -> None:
    seconds = median([run.seconds for run in runs])
    peak = max(run.peak_bytes for run in runs)
    table.add_row(
        f"bulk {args.campaign_type} → {args.format}: seconds",
        f"{seconds:.1f}",
        "",
        f"≤ {GOAL_SECONDS:.0f} s: {'yes' if seconds <= GOAL_SECONDS else 'NO'}",
    )
    table.add_row("bulk: users per second", f"{args.audience / seconds:,.0f}", "", "")
    table.add_row(
        "bulk: peak RSS", f"{peak / 1024**2:,.0f} MiB", "", f"≤ 4 GB: {'yes' if peak <= GOAL_BYTES else 'NO'}"
    )
    table.add_row("bulk: users suppressed", f"{runs[0].suppressed_lines:,}", "", "")


def _http_rows(table: Table, results: dict[str, list[WrkResult]]) -> None:
    ours, bare = results["trustops"], results["bare"]
    rate, peer = median([r.per_second for r in ours]), median([r.per_second for r in bare])
    ratio = rate / peer
    table.add_row(
        "decide: requests/s (1 worker)",
        f"{rate:,.0f}",
        f"{peer:,.0f} bare FastAPI",
        f"{ratio:.2f}× (≥ {GOAL_RATIO}: {'yes' if ratio >= GOAL_RATIO else 'NO'})",
    )
    table.add_row(
        "decide: p99 ms", f"{median([r.p99_ms for r in ours]):.1f}", f"{median([r.p99_ms for r in bare]):.1f}", ""
    )


if __name__ == "__main__":
    main()
