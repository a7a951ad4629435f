from __future__ import annotations

from alembic import context

import trustops.models  # noqa: F401  (registers every table on Base.metadata)
from trustops.db import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - always given by Database.upgrade
    raise RuntimeError("run migrations through `trustops db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
