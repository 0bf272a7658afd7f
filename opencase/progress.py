"""A tiny progress bar on standard error, shown only when it is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``Progress(total, "publishing")``; ``step("people.csv")`` after each unit of work;
    ``close()`` at the end. Silent unless ``enabled`` (default: stderr is a terminal)."""

    def __init__(self, total: int, label: str, *, enabled: bool | None = None,
                 stream: TextIO | None = None, width: int = 24) -> None:
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled, self.total, self.label, self.width = enabled, max(total, 1), label, width
        self.done = 0
        self.start = time.monotonic()

    def step(self, what: str = "") -> None:
        self.done = min(self.done + 1, self.total)
        if not self.enabled:
            return
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        secs = time.monotonic() - self.start
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {secs:5.1f}s "
                          f"{what[:40]:<40}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * (len(self.label) + self.width + 60) + "\r")
            self.stream.flush()
