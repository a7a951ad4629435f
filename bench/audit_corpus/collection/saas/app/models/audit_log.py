from sqlalchemy import Column, DateTime, Integer, String, Table, Text

from app.db import metadata

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("actor_user_id", Integer, nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200)),
    Column("ip_address", String(45)),
    Column("user_agent", Text),
    Column("at", DateTime(timezone=True)),
)

feature_flags = Table(
    "feature_flags",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("description", Text),
    Column("enabled", Integer, default=0),
)
