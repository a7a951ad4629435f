"""The status page gzipped once per render: bytes on the wire, and what compressing costs each render.

Seeds the demo into a temporary SQLite file, renders the whole site (every page, JSON document and feed)
``--runs`` times with gzip and as many times without (``GZIP_FROM`` set out of reach), and prints, per kind
of answer, the plain and gzipped sizes, and the median render time of both, side by side.

    .venv/bin/python bench/status_gzip.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trustops.config import Settings
from trustops.db import Database
from trustops.demo import demo_catalog, seed
from trustops.web import statuscache

SECRET = "s" * 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        database = Database.from_url(url)
        database.upgrade()
        now = datetime.now(UTC)
        with console.status("seeding the demo"), database.session() as session:
            seed(session, secret=SECRET.encode(), now=now)
        settings = Settings(_env_file=None, database_url=url, secret_key=SECRET)  # type: ignore[call-arg]

        def render() -> tuple[float, statuscache.Site]:
            with database.sessions() as session:
                started = time.perf_counter()
                site = statuscache.render_site(session, settings=settings, catalog=demo_catalog(), now=now)
                return time.perf_counter() - started, site

        with_gzip = [render() for _ in range(args.runs)]
        threshold, statuscache.GZIP_FROM = statuscache.GZIP_FROM, 10**12
        without = [render()[0] for _ in range(args.runs)]
        statuscache.GZIP_FROM = threshold
        database.dispose()
    site = with_gzip[-1][1]
    sizes = Table("answer", "plain bytes", "gzipped bytes", "gzipped / plain", title="bytes on the wire")
    for path in ("/status", "/api/v2/summary.json", "/status/history.atom"):
        rendered = site.pages[path]
        packed = rendered.gzipped
        ratio = f"{len(packed.body) / len(rendered.body):.3f}" if packed else "not gzipped"
        sizes.add_row(path, f"{len(rendered.body):,}", f"{len(packed.body):,}" if packed else "—", ratio)
    plain_total = sum(len(r.body) for r in site.pages.values())
    packed_total = sum(len((r.gzipped or r.plain).body) for r in site.pages.values())
    sizes.add_row(
        f"all {len(site.pages)} answers", f"{plain_total:,}", f"{packed_total:,}", f"{packed_total / plain_total:.3f}"
    )
    console.print(sizes)
    timing = Table("render of the whole site", "median s", "runs", title="render time")
    gzip_median, plain_median = statistics.median(t for t, _ in with_gzip), statistics.median(without)
    timing.add_row("with gzip (trustops)", f"{gzip_median:.3f}", str(args.runs))
    timing.add_row("without gzip (peer: the same render)", f"{plain_median:.3f}", str(args.runs))
    timing.add_row("with / without", f"{gzip_median / plain_median:.2f}×", "")
    console.print(timing)


if __name__ == "__main__":
    main()
