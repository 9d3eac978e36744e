"""Wiring: settings → engine → migrations → archive → units of work; the API and the CLI start here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from negotiation.adapters.blob_archive import DatabaseArchive
from negotiation.adapters.database import make_engine
from negotiation.adapters.orm import start_mappers
from negotiation.config import Settings
from negotiation.documents.archive import ArchiveStore
from negotiation.service_layer import handlers
from negotiation.service_layer.unit_of_work import ArchiveOpener, UnitOfWorkFactory

__all__ = ["Engine", "Services", "alembic_config", "archive_opener", "bootstrap", "upgrade_database"]

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class Services:
    """What a running process needs: its settings, engine and unit-of-work factory."""

    settings: Settings
    engine: Engine
    uow: UnitOfWorkFactory


def alembic_config() -> Config:
    """The migrations' configuration (negotiation/migrations), with no ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_database(engine: Engine) -> None:
    """Apply every migration (idempotent)."""
    config = alembic_config()
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


def archive_opener(settings: Settings) -> ArchiveOpener:
    """The one place the archive is chosen: rows of the database (NEGOTIATION_ARCHIVE_URL=database), written in the
    unit of work's transaction, or the file store under its folder (the default)."""
    if settings.archive_in_database:
        return DatabaseArchive
    store = ArchiveStore(settings.archive_root)
    return lambda _connection, _before_write: store


def bootstrap(settings: Settings | None = None, *, migrate: bool = True) -> Services:
    """Build the services for a process; with migrate, bring the schema up to date and create the admin user."""
    settings = settings or Settings()
    start_mappers()
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade_database(engine)
    services = Services(settings=settings, engine=engine, uow=UnitOfWorkFactory(engine, archive_opener(settings)))
    if migrate and settings.admin_token:
        handlers.ensure_admin(services.uow(), token=settings.admin_token)
    return services
