"""holiday schedules loaded from the State Council's notices, and the purpose of a meeting (R24 algorithm talks)

Revision ID: 0008
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("workdays", sa.JSON(), nullable=False),
        sa.Column("notice", sa.String(length=500), nullable=False),
        sa.Column("loaded_at", sa.String(length=40), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("purpose", sa.String(length=30), nullable=False, server_default="consultation"))


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("purpose")
    op.drop_table("calendar_years")
