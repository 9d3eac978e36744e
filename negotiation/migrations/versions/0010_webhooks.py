"""webhooks: subscriptions (secret sealed), the outbox written with each change, deliveries and their attempts,
and the deadline.due_soon reminders sent (one per deadline)

Revision ID: 0010
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_webhook_subscriptions_user_id_users"), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret_sealed", sa.String(400), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index("ix_webhook_subscriptions_user_id", "webhook_subscriptions", ["user_id"])
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column(
            "case_id", sa.Integer(),
            sa.ForeignKey("cases.id", ondelete="CASCADE", name="fk_webhook_outbox_case_id_cases"), nullable=False,
        ),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_outbox")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "subscription_id", sa.Integer(),
            sa.ForeignKey(
                "webhook_subscriptions.id", ondelete="CASCADE",
                name="fk_webhook_deliveries_subscription_id_webhook_subscriptions",
            ),
            nullable=False,
        ),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.Float(), nullable=True),
        sa.Column("give_up_at", sa.Float(), nullable=False),
        sa.Column("claimed_by", sa.String(32), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("delivered_at", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index("ix_webhook_deliveries_subscription_id", "webhook_deliveries", ["subscription_id"])
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])


    op.create_table(
        "deadline_reminders",
        sa.Column(
            "deadline_id", sa.Integer(),
            sa.ForeignKey("deadlines.id", ondelete="CASCADE", name="fk_deadline_reminders_deadline_id_deadlines"),
            nullable=False,
        ),
        sa.Column(
            "case_id", sa.Integer(),
            sa.ForeignKey("cases.id", ondelete="CASCADE", name="fk_deadline_reminders_case_id_cases"), nullable=False,
        ),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("deadline_id", name=op.f("pk_deadline_reminders")),
    )


def downgrade() -> None:
    op.drop_table("deadline_reminders")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_outbox")
    op.drop_table("webhook_subscriptions")
