"""The overview of the demo: how long it takes to render, on the server and in a browser (issue #10: < 1 s).

A `trustops serve` process on a SQLite store seeded with the demo (the same scenario as `make run`) answers
`GET /` for each role's view; Debian's Chromium (Playwright) then opens each view and waits until every chart
is drawn. Beside them, the peers:

- server: trustops' own public status page (`/status`, the Statuspage-style page every visitor gets), the
  lightest page the same server renders;
- browser: the very same overview HTML served as a static file by Python's `http.server` (plotly.js too), so
  the difference is what the live server adds; the page's own work (parsing plotly.js, drawing) is in both.

Usage: `.venv/bin/python bench/overview.py [--requests 15] [--loads 5]`. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import functools
import logging
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from _harness import server, store
from rich.console import Console
from rich.table import Table

from trustops import clock
from trustops.accounts.models import Role
from trustops.accounts.users import create_user
from trustops.db import Database
from trustops.demo import CATALOG, seed
from trustops.web.routes.overview import PLOTLY_JS

SECRET = "bench-" * 8
PASSWORD = "bench-password-1"
VIEWS = ("it", "marketing", "comms", "legal", "executive")
GOAL_SECONDS = 1.0


def seeded(url: str) -> float:
    started = time.perf_counter()
    database = Database.from_url(url)
    with database.session() as session:
        seed(session, secret=SECRET.encode(), now=clock.now())
        for role in VIEWS:
            create_user(session, username=f"bench-{role}", password=PASSWORD, role=Role(role))
        session.commit()
    database.dispose()
    return time.perf_counter() - started


def logged_in(base: str, role: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token, "no CSRF token on /login"
    form = {"username": f"bench-{role}", "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    assert client.post("/login", data=form).status_code == 303
    return client


def timed_gets(client: httpx.Client, path: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return times


@contextmanager
def static_site(html: str) -> Iterator[str]:
    """The overview's HTML, its stylesheet, script and plotly.js as plain files behind `http.server`."""
    with tempfile.TemporaryDirectory() as root:
        folder = Path(root)
        (folder / "index.html").write_text(html)
        for name in ("app.css", "overview.js"):
            (folder / "static").mkdir(exist_ok=True)
            source = Path(__file__).parents[1] / "src/trustops/web/static" / name
            (folder / "static" / name).write_bytes(source.read_bytes())
        (folder / "vendor").mkdir()
        (folder / "vendor/plotly.min.js").write_bytes(PLOTLY_JS.read_bytes())
        quiet = type("Quiet", (SimpleHTTPRequestHandler,), {"log_message": lambda *args: None})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(quiet, directory=root))
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()


def browser_loads(base: str, role: str | None, path: str, loads: int) -> tuple[float, list[float]]:
    """Seconds from navigation to the last chart drawn: the first (cold) load, then warm ones (plotly.js cached)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900}).new_page()
        if role is not None:
            page.goto("/login")
            page.fill("input[name=username]", f"bench-{role}")
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
        times = []
        for _ in range(loads + 1):
            started = time.perf_counter()
            page.goto(path)
            page.wait_for_function(
                "[...document.querySelectorAll('.plot')].every(p => p.querySelector('.main-svg'))", timeout=30_000
            )
            times.append(time.perf_counter() - started)
        browser.close()
    return times[0], times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=15, help="GETs per view (server timing)")
    parser.add_argument("--loads", type=int, default=5, help="warm browser loads per view")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    console = Console()
    with store("sqlite") as url:
        console.print(f"seeded the demo in {seeded(url):.1f} s")
        with server(url, config=CATALOG) as base:
            rows = []
            for view in VIEWS:
                client = logged_in(base, view)
                server_times = timed_gets(client, "/", args.requests)
                html = client.get("/").text
                status_times = timed_gets(client, "/status", args.requests)
                cold, warm = browser_loads(base, view, "/", args.loads)
                with static_site(html) as site:
                    _cold_static, warm_static = browser_loads(site, None, "/index.html", args.loads)
                rows.append((view, server_times, status_times, cold, warm, warm_static))
    table = Table(title="Overview of the demo: seconds (medians)")
    for column in ("view", "GET / (p95)", "peer: GET /status", "ratio", "browser cold", "browser warm",
                   "peer: same page static", "ratio", "goal < 1 s"):  # fmt: skip
        table.add_column(column, justify="right")
    for view, server_times, status_times, cold, warm, static in rows:
        got, peer = statistics.median(server_times), statistics.median(status_times)
        browser, floor = statistics.median(warm), statistics.median(static)
        p95 = sorted(server_times)[int(0.95 * (len(server_times) - 1))]
        met = "met" if max(got, browser) < GOAL_SECONDS else "MISSED"
        table.add_row(
            view, f"{got:.3f} ({p95:.3f})", f"{peer:.3f}", f"{got / peer:.1f}×", f"{cold:.2f}", f"{browser:.2f}",
            f"{floor:.2f}", f"{browser / floor:.2f}×", met,
        )  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()
