"""The cyclic garbage collector during a build, in one place.

Generating a site allocates millions of small objects that all live until the build ends, and
none forms a cycle: the cyclic collector would only walk them again and again
(benchmarks/README.md says what keeping it away saves). So:

- :func:`no_collections`: it is off while a site is generated, and as it was afterwards. The
  objects that survive are handed to the oldest generation (``freeze`` then ``unfreeze`` move
  lists, whatever their length), as if they had survived the young collections: left in the
  youngest, the first allocation after would make the collector walk them all at once, and
  again in the middle one. They stay collectable. In a process that keeps objects frozen
  (below) they stay frozen with them instead.
- :func:`keep_through_build` (``gc.freeze``): what lives once the plugin has made the site's
  pages lives through the build, or, under ``mkdocs serve --dirty`` (plugin/live.py), until
  the next whole build: the collector leaves it alone (a full collection would otherwise walk
  it whenever the files the server watches made enough other objects).
  :func:`release` gives it back at the end of the build (or before the next whole one, with a
  collection of what the last one left).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_collections() -> Iterator[None]:
    enabled = gc.isenabled()
    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if not frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()


def keep_through_build() -> None:
    gc.freeze()


def release(collect: bool = False) -> None:
    gc.unfreeze()
    if collect:
        gc.collect()
