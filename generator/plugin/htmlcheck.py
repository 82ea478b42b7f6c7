"""The HTML side of the provenance check, on the HTML MkDocs renders for the generated pages.

A page rendered block by block (fast_render.py) is its blocks' HTML one after the other, so each
distinct block's HTML is read once, and a page's links are its blocks' links; a page rendered
whole is read whole, and so is a page with a block that leaves a tag or a script open (its
links could reach into the next block). With many pages, the reading runs in the plugin's second
process, beside MkDocs' single-core rendering; a page rendered there is read there too (and
here, the same, if that process fails). The problems are known after the last page.
"""

from __future__ import annotations

from concurrent.futures import Future

from ..steps.check import check_links, fragment_links, fragments_links
from ..records import Problem
from .fast_render import SecondProcess

#: Fragments of HTML sent to the second process at a time.
BATCH = 200


class HTMLCheck:
    def __init__(self, second: SecondProcess | None):
        self.second = second  # the second process, if any
        self.found: dict[str, tuple[tuple[str, ...], bool] | None] = {}  # None: not read yet
        self.batches: list[tuple[list[str], Future | None]] = []
        self.batch: list[str] = []
        #: (path, source, allowed links, the fragments of its HTML, or its HTML's links when read already)
        self.pages: list[tuple[str, str, frozenset[str], tuple[str, ...], list[str] | None]] = []

    def add(self, path: str, source: str, allowed: frozenset[str], fragments: tuple[str, ...],
            links: list[str] | None = None) -> None:
        """A rendered page: its HTML is ``"\\n".join(fragments)``; ``source`` is named in problems.
        ``links``: the links of its HTML, when they were read already (in the second process)."""
        if links is None:
            for html in fragments:
                if html not in self.found:
                    self.found[html] = None
                    self.batch.append(html)
        self.pages.append((path, source, allowed, fragments, links))
        if len(self.batch) >= BATCH or self.second is None:
            self._send()

    def _send(self) -> None:
        if not self.batch:
            return
        if self.second is None:
            self.found.update(zip(self.batch, fragment_links(self.batch)))
        else:
            self.batches.append((self.batch, self.second.results.submit(self.second.pool, fragment_links, self.batch)))
        self.batch = []

    def problems(self) -> dict[str, list[Problem]]:
        """What the check found on each page added, by path, once every page is read."""
        self._send()
        for batch, future in self.batches:
            # Read here when the second process failed: the same links.
            self.found.update(zip(batch, self.second.results.result(future, lambda: fragment_links(batch))))
        problems = {}
        for path, source, allowed, fragments, links in self.pages:
            if links is None:
                links = fragments_links(fragments, [self.found[html] for html in fragments])
            problems[path] = check_links(source, links, allowed)
        return problems
