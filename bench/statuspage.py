"""Status page under load: trustops serving from memory against nginx serving the same exported bytes.

The demo's database (its incidents with their channel decisions, 90 days of history) is the page. One
`trustops serve` process and one nginx worker process, each on 127.0.0.1, are loaded in turn by `wrk` on
the same two cores, for the HTML page and for `summary.json`; nginx serves the files `trustops status
export` wrote, and the script first checks both send identical bytes. Figures are medians of `--runs`.

    .venv/bin/python bench/statuspage.py [--seconds 10] [--runs 3] [--connections 32]

Needs Debian's `wrk` and `nginx` (apt-get install wrk nginx-light).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from _harness import WrkResult, free_port, median, server, store, wrk
from rich.console import Console
from rich.table import Table

from trustops import clock
from trustops.db import Database
from trustops.demo import CATALOG, seed

SECRET = "bench-" * 8  # the harness's server uses this key: ids and pseudonyms must agree
PATHS = {"HTML page": "/status", "summary.json": "/api/v2/summary.json"}
PASS_RATIO = 0.25  # issue #5: at least a quarter of nginx's requests per second

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ text/html html; application/json json; text/css css; application/atom+xml atom; }}
    etag on;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"bench/statuspage.py needs {tool}: apt-get install wrk nginx-light")
    with store("sqlite") as url, tempfile.TemporaryDirectory() as tmp:
        Path(tmp).chmod(0o755)  # nginx's worker process, run as root, drops to an unprivileged user
        database = Database.from_url(url)
        with database.session() as session:
            seed(session, secret=SECRET.encode(), now=clock.now())
        database.dispose()
        root = Path(tmp) / "export"
        script = Path(tmp) / "get.lua"
        script.write_text('wrk.method = "GET"\n')
        with server(url, config=CATALOG) as trustops:
            _export(url, root)  # after the server synced the catalog: both read the same database
            with nginx(root, Path(tmp)) as web:
                results = _load(trustops, web, script, args)
    _report(results, args)


def _load(trustops: str, web: str, script: Path, args: argparse.Namespace) -> dict[tuple[str, str], list[WrkResult]]:
    """Check both serve the same bytes, then load each path on each server in turn, ``args.runs`` times."""
    for path in PATHS.values():
        _same_bytes(trustops + path, web + path)
    results: dict[tuple[str, str], list[WrkResult]] = {}
    for _ in range(args.runs):
        for label, path in PATHS.items():
            for name, base in (("trustops", trustops), ("nginx", web)):
                result = wrk(base + path, script=script, seconds=args.seconds, connections=args.connections)
                assert result.non_2xx == 0, f"{name} {path}: {result.non_2xx} non-2xx answers"
                results.setdefault((label, name), []).append(result)
    return results


def _export(database_url: str, root: Path) -> None:
    env = {**os.environ, "TRUSTOPS_DATABASE_URL": database_url, "TRUSTOPS_SECRET_KEY": SECRET}
    with tempfile.TemporaryDirectory() as cwd:
        subprocess.run(
            [sys.executable, "-m", "trustops", "status", "export", str(root)],
            cwd=cwd,
            env={**env, "TRUSTOPS_CONFIG_PATH": str(CATALOG)},
            check=True,
            stdout=subprocess.DEVNULL,
        )


@contextmanager
def nginx(root: Path, tmp: Path) -> Iterator[str]:
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, root=root))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(tmp)], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/status", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise RuntimeError("nginx did not start") from None
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _same_bytes(served: str, static: str) -> None:
    ours, theirs = httpx.get(served), httpx.get(static)
    assert ours.status_code == theirs.status_code == 200, (served, ours.status_code, theirs.status_code)
    assert ours.content == theirs.content, f"{served} and {static} differ: the export is not the served page"


def _report(results: dict[tuple[str, str], list[WrkResult]], args: argparse.Namespace) -> None:
    table = Table(
        f"path ({args.connections} connections, {args.seconds} s × {args.runs})",
        "trustops req/s",
        "p99 ms",
        "nginx req/s",
        "p99 ms",
        "ratio",
        f"≥ {PASS_RATIO}×",
    )
    for label in PATHS:
        ours, theirs = results[(label, "trustops")], results[(label, "nginx")]
        rate, peer = median([r.per_second for r in ours]), median([r.per_second for r in theirs])
        table.add_row(
            label,
            f"{rate:,.0f}",
            f"{median([r.p99_ms for r in ours]):.1f}",
            f"{peer:,.0f}",
            f"{median([r.p99_ms for r in theirs]):.1f}",
            f"{rate / peer:.2f}×",
            "yes" if rate / peer >= PASS_RATIO else "NO",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
