"""Settings from the environment variables api.md names."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DATABASE_ARCHIVE", "SECRET_MIN_LENGTH", "Settings"]

SECRET_MIN_LENGTH = 32
DATABASE_ARCHIVE = "database"


def _file_url_path(url: str) -> Path | None:
    """The absolute folder a `file:///…` URL names, or None when it is not one (another scheme, a host, a relative
    path)."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc or parts.query or parts.fragment:
        return None
    path = Path(unquote(parts.path))
    return path if path.is_absolute() and str(path) != "/" else None


class Settings(BaseSettings):
    """NEGOTIATION_* environment variables; defaults keep everything under ./var/."""

    model_config = SettingsConfigDict(env_prefix="NEGOTIATION_", extra="ignore", env_ignore_empty=True)

    database_url: str = Field(default="sqlite:///var/negotiation.sqlite3")
    archive_dir: Path = Field(default=Path("var/archive"))
    # Where documents are kept: `file:///absolute/dir` (files; unset, NEGOTIATION_ARCHIVE_DIR) or `database` (rows
    # of the database, shared by every host of it). Chosen once, in negotiation/bootstrap.py.
    archive_url: str | None = None
    # At least this long when set: a shorter admin token or session key could be guessed (negotiation serve refuses it).
    admin_token: str | None = Field(default=None, min_length=SECRET_MIN_LENGTH)
    session_secret: str | None = Field(default=None, min_length=SECRET_MIN_LENGTH)
    # Keys being rotated out, separated by spaces: cookies and forms they signed stay valid; new ones use session_secret.
    session_previous_secrets: str | None = Field(default=None, pattern=rf"^\s*(\S{{{SECRET_MIN_LENGTH},}}\s*)+$")
    test_clock: bool = False
    sweep_seconds: int = 60
    # How users reach the service; https here (never a request header) makes cookies Secure and sends HSTS.
    public_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^\s/]+(/\S*)?$")

    @field_validator("archive_url")
    @classmethod
    def _archive_url(cls, value: str | None) -> str | None:
        if value is None or value == DATABASE_ARCHIVE or _file_url_path(value) is not None:
            return value
        raise ValueError(f"须为 file:///绝对路径 或 database，而不是 {value}")

    @property
    def archive_in_database(self) -> bool:
        """Documents are kept in the database (NEGOTIATION_ARCHIVE_URL=database)."""
        return self.archive_url == DATABASE_ARCHIVE

    @property
    def archive_root(self) -> Path:
        """The folder of the file archive: NEGOTIATION_ARCHIVE_URL's path when it is a file URL, else ARCHIVE_DIR."""
        path = _file_url_path(self.archive_url) if self.archive_url else None
        return path if path is not None else self.archive_dir

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
