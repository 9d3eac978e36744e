"""Settings from the environment variables api.md names."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SECRET_MIN_LENGTH", "Settings"]

SECRET_MIN_LENGTH = 32


class Settings(BaseSettings):
    """NEGOTIATION_* environment variables; defaults keep everything under ./var/."""

    model_config = SettingsConfigDict(env_prefix="NEGOTIATION_", extra="ignore", env_ignore_empty=True)

    database_url: str = Field(default="sqlite:///var/negotiation.sqlite3")
    archive_dir: Path = Field(default=Path("var/archive"))
    # At least this long when set: a shorter admin token or session key could be guessed (negotiation serve refuses it).
    admin_token: str | None = Field(default=None, min_length=SECRET_MIN_LENGTH)
    session_secret: str | None = Field(default=None, min_length=SECRET_MIN_LENGTH)
    # Keys being rotated out, separated by spaces: cookies and forms they signed stay valid; new ones use session_secret.
    session_previous_secrets: str | None = Field(default=None, pattern=rf"^\s*(\S{{{SECRET_MIN_LENGTH},}}\s*)+$")
    test_clock: bool = False
    sweep_seconds: int = 60
    # How users reach the service; https here (never a request header) makes cookies Secure and sends HSTS.
    public_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^\s/]+(/\S*)?$")

    # Hosts a webhook may reach over plain http (and the only ones it may reach at a loopback or private address),
    # separated by commas: "127.0.0.1,hooks.internal".
    webhook_allow_hosts: str = ""
    webhook_seconds: float = Field(default=1.0, gt=0)  # how often each serving worker delivers webhooks

    @property
    def webhook_hosts(self) -> frozenset[str]:
        """The hosts of NEGOTIATION_WEBHOOK_ALLOW_HOSTS, lower case."""
        return frozenset(h.strip().lower().strip("[]") for h in self.webhook_allow_hosts.split(",") if h.strip())

    @property
    def previous_session_secrets(self) -> list[str]:
        """The keys being rotated out, oldest first."""
        return (self.session_previous_secrets or "").split()

    @property
    def https(self) -> bool:
        """Users reach the service over https."""
        return self.public_url.startswith("https://")
