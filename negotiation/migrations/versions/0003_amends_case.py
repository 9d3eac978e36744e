"""a case may renew or vary a contract in force

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("amends_case_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_cases_amends_case_id_cases"), "cases", ["amends_case_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint(op.f("fk_cases_amends_case_id_cases"), type_="foreignkey")
        batch.drop_column("amends_case_id")
