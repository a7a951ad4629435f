"""Shared fixtures: one migrated database per run, a rolled-back transaction per test.

The suite runs on SQLite by default and on PostgreSQL when TRUSTOPS_TEST_DATABASE_URL names one
(`make test` does both). Without a reachable server the PostgreSQL run skips with the reason, except
in CI (CI=true), where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from trustops.catalog.schema import CatalogFile
from trustops.cli.state import CliState
from trustops.config import Settings
from trustops.db import Database, make_engine
from trustops.web.app import create_app

TEST_DATABASE_URL = os.environ.get("TRUSTOPS_TEST_DATABASE_URL", "sqlite://")
TEST_SCHEMA = f"trustops_test_{os.getpid()}"  # one per run: concurrent runs on one server never collide
ON_POSTGRES = not TEST_DATABASE_URL.startswith("sqlite")
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_report_header() -> str:
    return f"trustops test database: {TEST_DATABASE_URL}"


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    engine = _postgres_engine() if ON_POSTGRES else _sqlite_engine()
    Database(engine).upgrade()
    yield engine
    engine.dispose()
    if ON_POSTGRES:
        _drop_schema()


def _sqlite_engine() -> Engine:
    return make_engine("sqlite://")  # SAVEPOINT works: make_engine lets SQLAlchemy emit BEGIN itself


def _postgres_engine() -> Engine:
    admin = make_engine(TEST_DATABASE_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {TEST_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {TEST_SCHEMA}"))
    except Exception as exc:  # noqa: BLE001
        reason = f"PostgreSQL at {TEST_DATABASE_URL} is not reachable: {str(exc).splitlines()[0]}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        admin.dispose()
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    return make_engine(f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{TEST_SCHEMA}")


def _drop_schema() -> None:
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {TEST_SCHEMA} CASCADE"))
    admin.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """A Database whose every commit is a savepoint inside one transaction rolled back afterwards."""
    connection = engine.connect()
    outer = connection.begin()
    sessions = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield Database(engine, sessions)
    outer.rollback()
    connection.close()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.sessions() as session:
        yield session


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        secret_key="test-secret-key-that-is-long-enough-1234",
        database_url=TEST_DATABASE_URL,
        config_path=tmp_path / "trustops.yaml",
    )


@pytest.fixture
def catalog() -> CatalogFile:
    return CatalogFile()


@pytest.fixture
def app(settings: Settings, db: Database, catalog: CatalogFile):  # type: ignore[no-untyped-def]
    return create_app(settings, database=db, catalog=catalog)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def cli_state(settings: Settings, db: Database) -> CliState:
    return CliState(settings, db)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one per module (see tests/browser.py)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
    finally:
        playwright.stop()
