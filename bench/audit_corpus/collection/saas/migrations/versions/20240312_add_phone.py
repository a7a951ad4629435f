"""add phone to users

Revision ID: 7a1c2e9d
"""

import sqlalchemy as sa
from alembic import op

revision = "7a1c2e9d"
down_revision = "5b0f3a11"


def upgrade() -> None:
    op.add_column("users", sa.Column("phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "phone")
