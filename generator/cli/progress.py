"""A progress bar for the command line's long runs, on a terminal only."""

from __future__ import annotations

import os
import time
from typing import TextIO

#: Runs shorter than this many seconds show no bar at all (PROMPT_PAGES_PROGRESS_DELAY sets it).
DELAY = 2.0
#: At most this many redraws per second.
RATE = 10


class ProgressBar:
    """Called as ``bar(phase, done, total)`` as work goes on; draws one line, redrawn in place.

    It draws nothing when ``quiet``, when ``stream`` is not a terminal or under CI (a log would
    fill with carriage returns), and nothing during the first :data:`DELAY` seconds, so that a short run
    stays quiet. :meth:`close` erases the line before anything else is printed.
    """

    def __init__(self, stream: TextIO, *, quiet: bool = False):
        self.stream = stream
        self.enabled = not quiet and stream.isatty() and os.environ.get("CI", "").lower() in ("", "0", "false")
        try:
            self.delay = float(os.environ.get("PROMPT_PAGES_PROGRESS_DELAY", DELAY))
        except ValueError:
            self.delay = DELAY
        self.started = time.monotonic()
        self.drawn = 0.0
        self.shown = False
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        self.full, self.empty = ("█", "░") if encoding == "utf8" else ("#", "-")

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.delay or (now - self.drawn < 1 / RATE and done < total):
            return
        width = 30
        filled = width * done // total if total else width
        self.stream.write(f"\r\x1b[2K{phase} {self.full * filled}{self.empty * (width - filled)} {done:,}/{total:,}")
        self.stream.flush()
        self.drawn, self.shown = now, True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False
