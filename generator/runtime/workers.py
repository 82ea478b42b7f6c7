"""Worker processes, for the CLI's HTML check (site.py) and the plugin's second process
(plugin/fast_render.py, plugin/htmlcheck.py): how many, how they start, and what happens when one fails.

- How many: the CPUs this process may run on. ``os.process_cpu_count()`` (Python 3.13) says
  so on every system; before it, ``os.sched_getaffinity`` does where it exists (Linux, not
  macOS), and ``os.cpu_count()`` elsewhere.
- How they start: ``spawn``, on every system, so that a worker does not inherit MkDocs' or a
  test's state (``fork`` would copy threads' locks too).
- When one dies or raises: its work is done in this process instead, with the same result, and
  one log line says so. Only work that gives the same result wherever it runs goes to a worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
#: Told, in a line, that a worker failed (a logger's info or warning).
Report = Callable[[str], None]


def usable_cpus() -> int:
    """How many CPUs this process may use (at least 1)."""
    if hasattr(os, "process_cpu_count"):
        count = os.process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count()
    return count or 1


def spawn_pool(workers: int, initializer: Callable | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=initializer, initargs=initargs)


def map_batches(function: Callable[[T], R], batches: Sequence[T], workers: int, report: Report) -> Iterator[R]:
    """``function`` of each batch, in order, in ``workers`` processes (here when fewer than 2).
    When a worker cannot start, dies or raises, the batches not done yet are done here, and
    ``report`` is told so."""
    done = 0
    if workers > 1 and batches:
        try:
            with spawn_pool(min(workers, len(batches))) as pool:
                for result in pool.map(function, batches):
                    done += 1
                    yield result
        except Exception as error:  # noqa: BLE001 - OSError, BrokenProcessPool, or what the function raised there
            report(fallback_message(error))
    for batch in batches[done:]:
        yield function(batch)


class WorkerResults:
    """Results of work sent to a worker process, or ``here()``: the same work done in this
    process, once the worker failed (logged once; nothing more is asked of it)."""

    def __init__(self, report: Report):
        self.report = report
        self.failed = False

    def submit(self, pool: ProcessPoolExecutor, function: Callable[..., R], *args) -> Future | None:
        """The work submitted, or None when the worker failed (do it here)."""
        if self.failed:
            return None
        try:
            return pool.submit(function, *args)
        except Exception as error:  # noqa: BLE001 - a broken or shut down pool
            self._fail(error)
            return None

    def result(self, future: Future | None, here: Callable[[], R]) -> R:
        if future is not None and not self.failed:
            try:
                return future.result()
            except Exception as error:  # noqa: BLE001 - the worker died or raised: done here, the same
                self._fail(error)
        return here()

    def _fail(self, error: BaseException) -> None:
        if not self.failed:
            self.failed = True
            self.report(fallback_message(error))


def fallback_message(error: BaseException) -> str:
    return f"a worker process failed ({error!r}): its work is done in this process instead"
