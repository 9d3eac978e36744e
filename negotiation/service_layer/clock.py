"""Time for the engine: Asia/Shanghai today and timestamps, and the sweeper of time-driven transitions."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "iso_at", "now_iso", "today"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now_iso() -> str:
    """The current time in Asia/Shanghai, ISO 8601 with offset, to the millisecond."""
    return datetime.now(SHANGHAI).isoformat(timespec="milliseconds")


def today() -> date:
    """Today's date in Asia/Shanghai."""
    return datetime.now(SHANGHAI).date()


def iso_at(epoch: float) -> str:
    """A moment given in epoch seconds, as now_iso writes it."""
    return datetime.fromtimestamp(epoch, SHANGHAI).isoformat(timespec="milliseconds")
