"""Alembic environment: the engine comes from the caller's config, the metadata from the ORM."""

from __future__ import annotations

from alembic import context

from negotiation.adapters.orm import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through negotiation.bootstrap.upgrade_database")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
