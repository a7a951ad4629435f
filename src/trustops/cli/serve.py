from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from trustops.cli.state import CliState

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import FastAPI

    from trustops.catalog.schema import CatalogFile
    from trustops.config import Settings
    from trustops.db import Database

DEMO_DATABASE = "sqlite:///trustops-demo.db"


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8000, help="Port to bind."),
    config: Path | None = typer.Option(None, "--config", help="Catalog file (default: TRUSTOPS_CONFIG_PATH)."),
    workers: int = typer.Option(1, min=1, help="Web processes; background work stays in this one."),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1",
        "--forwarded-allow-ips",
        help="Reverse proxies whose X-Forwarded-For names the client (comma-separated addresses, or '*').",
    ),
) -> None:
    """Run the control center. Refuses to start on an invalid catalog."""
    state: CliState = ctx.obj
    settings = state.settings
    if config is not None:
        settings = settings.model_copy(update={"config_path": config})
    catalog = load_config(settings, required=config is not None)
    prepare(state.database, catalog)
    _run(settings, state.database, catalog, host, port, workers, proxies=forwarded_allow_ips)


def worker(
    ctx: typer.Context,
    config: Path | None = typer.Option(None, "--config", help="Catalog file (default: TRUSTOPS_CONFIG_PATH)."),
) -> None:
    """Run probes, heartbeat checks, notifications and SLO checks; start as many as you like."""
    import signal
    import threading

    from trustops.monitor.worker import Worker

    state: CliState = ctx.obj
    settings = state.settings if config is None else state.settings.model_copy(update={"config_path": config})
    catalog = load_config(settings, required=config is not None)
    prepare(state.database, catalog)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo("Worker running; Ctrl-C stops it.", err=True)
    Worker(state.database, settings, lambda: catalog).run(stop)


def demo(
    ctx: typer.Context,
    port: int = typer.Option(8000, help="Port to bind (on 127.0.0.1)."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Only seed the demo database."),
    database: str = typer.Option(DEMO_DATABASE, "--database", help="Where the demo lives; recreated each time."),
) -> None:
    """Seed the Northwind Goods demo shop into a fresh database and serve it."""
    from rich.progress import Progress

    from trustops import clock
    from trustops.db import Database
    from trustops.demo import demo_catalog, seed, total_steps
    from trustops.errors import InvalidInput

    state: CliState = ctx.obj
    if not database.startswith("sqlite"):
        raise InvalidInput(f"--database: the demo recreates its store, so it takes a SQLite URL, not {database!r}")
    url = f"http://127.0.0.1:{port}"
    settings = state.settings.model_copy(update={"database_url": database, "base_url": url})
    _remove_sqlite_file(database)
    db = Database.from_url(database)
    db.upgrade()
    with Progress(transient=True) as progress, db.session() as session:
        task = progress.add_task("Seeding the demo shop", total=total_steps())
        login = seed(
            session,
            secret=settings.secret(),
            now=clock.now(),
            port=port,
            step=lambda label, units: progress.update(task, advance=units, description=f"Seeding {label}"),
            events_path=Path(db.engine.url.database or "trustops-demo.db").with_name("trustops-demo-events.csv.gz"),
        )
    typer.echo(f"Demo ready: {url}  (log in as {login.username} / {login.password})")
    typer.echo(f"API token (admin scope): {login.token}")
    typer.echo(f"Try: curl -H 'Authorization: Bearer {login.token}' {url}/api/v1/incidents?state=open")
    if no_serve:
        return
    from trustops.demo.shop import mount_on

    # The demo shop, whose checkout the catalog probes and the Health page breaks and heals.
    _run(settings, db, demo_catalog(port), "127.0.0.1", port, customize=mount_on)


def load_config(settings: Settings, *, required: bool) -> CatalogFile:
    from trustops.catalog.load import load_catalog
    from trustops.catalog.schema import CatalogFile

    if settings.config_path.exists() or required:
        return load_catalog(settings.config_path)
    typer.echo(f"No {settings.config_path} found; starting with an empty catalog.", err=True)
    return CatalogFile()


def prepare(database: Database, catalog: CatalogFile) -> None:
    """Migrate an embedded database; refuse a server database that is behind; sync the catalog."""
    from trustops import clock
    from trustops.catalog.service import sync_catalog
    from trustops.comms.notices import sync_accounts
    from trustops.monitor.notify import sync_routes
    from trustops.monitor.probing import sync_checks

    if database.is_sqlite:
        database.upgrade()
    else:
        _require_current_schema(database)
    with database.session() as session:
        sync_catalog(session, catalog)
        sync_checks(session, now=clock.now())
        sync_routes(session, list(catalog.notifications))
        sync_accounts(session, list(catalog.accounts))


def _require_current_schema(database: Database) -> None:
    from alembic.script import ScriptDirectory

    from trustops.db import alembic_config
    from trustops.errors import ConfigError

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    current = database.current_revision()
    if current != head:
        raise ConfigError(
            f"database schema is at {current or 'nothing'}, this trustops needs {head}: run `trustops db upgrade`"
        )


def _run(
    settings: Settings,
    database: Database,
    catalog: CatalogFile,
    host: str,
    port: int,
    workers: int = 1,
    customize: Callable[[FastAPI], object] | None = None,
    proxies: str = "127.0.0.1",
) -> None:
    import threading

    import uvicorn

    from trustops.monitor.worker import Worker
    from trustops.web.app import create_app
    from trustops.web.routes.guard import warm_up

    stop = threading.Event()
    if settings.worker:
        worker = Worker(database, settings, lambda: catalog)
        threading.Thread(target=worker.run, args=(stop,), name="trustops-worker", daemon=True).start()
    # No access log: it would record every client address (our own data minimisation). The client's address
    # (the sign-up limit counts per address) comes from X-Forwarded-For only when a trusted proxy sent it.
    options = {
        "host": host,
        "port": port,
        "log_level": "info",
        "proxy_headers": True,
        "forwarded_allow_ips": proxies,
        "access_log": False,
    }
    try:
        if workers == 1:
            app = create_app(settings, database=database, catalog=catalog)
            warm_up(app)
            if customize is not None:
                customize(app)
            uvicorn.run(app, **options)  # type: ignore[arg-type]
        else:
            os.environ["TRUSTOPS_CONFIG_PATH"] = str(settings.config_path.resolve())
            os.environ["TRUSTOPS_DATABASE_URL"] = settings.database_url
            uvicorn.run("trustops.web.asgi:app_from_environment", factory=True, workers=workers, **options)  # type: ignore[arg-type]
    finally:
        stop.set()


def _remove_sqlite_file(url: str) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
