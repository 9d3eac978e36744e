"""Settings from the environment variables api.md names."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """NEGOTIATION_* environment variables; defaults keep everything under ./var/."""

    model_config = SettingsConfigDict(env_prefix="NEGOTIATION_", extra="ignore")

    database_url: str = Field(default="sqlite:///var/negotiation.sqlite3")
    archive_dir: Path = Field(default=Path("var/archive"))
    admin_token: str | None = None
    test_clock: bool = False
    sweep_seconds: int = 60
