from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

import trustops.models  # noqa: F401
from tests.factories import make_incident
from trustops.db import Base, normalise_url
from trustops.monitor.models import Incident


def test_the_migrations_build_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_times_come_back_aware_utc(session: Session) -> None:
    local = datetime(2026, 1, 2, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    incident = make_incident(session, now=local)
    session.commit()
    session.expire_all()
    stored = session.get(Incident, incident.id)
    assert stored is not None
    assert stored.detected_at == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    assert stored.detected_at.tzinfo is not None


def test_a_naive_time_is_refused(session: Session) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        make_incident(session, now=datetime(2026, 1, 2, 12, 0))


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert normalise_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
