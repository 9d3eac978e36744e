"""Progress of long CLI work (`audit verify`, `archive verify`, `tick` over many cases) on a terminal: one line on
stderr, rewritten at most ten times a second, then left as the final count. Nothing when stderr is not a terminal,
so that logs, pipes and cron mails carry only the result."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Call with (done, total) as work advances; ``finish()`` ends the line."""

    def __init__(self, label: str, stream: TextIO | None = None, *, interval: float = 0.1) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty()
        self.interval = interval
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.shown:
            return
        now = time.monotonic()
        if done < total and now - self._last < self.interval:
            return
        self._last = now
        share = f" {done * 100 // total:3d}%" if total else ""
        self.stream.write(f"\r{self.label}：{done}/{total}{share}")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
