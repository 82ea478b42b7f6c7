"""The HTML side of the provenance check, on the HTML MkDocs renders for the generated pages.

A page rendered block by block (render.py) is its blocks' HTML one after the other, so each
distinct block's HTML is read once, and a page's links are its blocks' links; a page rendered
whole is read whole, and so is a page with a block that leaves a tag or a script open (its
links could reach into the next block). With many pages, the reading runs in the plugin's second
process, beside MkDocs' single-core rendering (which renders the HTML of many there too, and
reads it at once); the problems are known after the last page.
"""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor

from ..check import check_links, fragment_links, page_links
from ..records import Problem

#: Fragments of HTML sent to the second process at a time.
BATCH = 200


class HTMLCheck:
    def __init__(self, pool: ProcessPoolExecutor | None):
        self.pool = pool  # the second process, if any (the plugin's: it renders pages too)
        self.found: dict[str, tuple[tuple[str, ...], bool] | None] = {}  # None: not read yet
        self.batches: list[tuple[list[str], Future]] = []
        self.batch: list[str] = []
        self.pages: list[tuple[str, str, frozenset[str], list[str]]] = []

    def add(self, path: str, source: str, allowed: frozenset[str], fragments: list[str], known: dict) -> None:
        """A rendered page: its HTML is ``"\\n".join(fragments)``; ``source`` is named in problems.
        ``known`` has what check.fragment_links found in fragments read elsewhere."""
        for html in fragments:
            if html not in self.found:
                found = known.get(html)
                self.found[html] = found
                if found is None:
                    self.batch.append(html)
        self.pages.append((path, source, allowed, fragments))
        if len(self.batch) >= BATCH or self.pool is None:
            self._send()

    def _send(self) -> None:
        if not self.batch:
            return
        if self.pool is None:
            self.found.update(zip(self.batch, fragment_links(self.batch)))
        else:
            self.batches.append((self.batch, self.pool.submit(fragment_links, self.batch)))
        self.batch = []

    def problems(self) -> dict[str, list[Problem]]:
        """What the check found on each page added, by path, once every page is read."""
        self._send()
        for batch, result in self.batches:
            self.found.update(zip(batch, result.result()))
        problems = {}
        for path, source, allowed, fragments in self.pages:
            read = [self.found[html] for html in fragments]
            if all(closed for _, closed in read):
                links = list(dict.fromkeys(url for found, _ in read for url in found))
            else:
                links = page_links("", "\n".join(fragments))
            problems[path] = check_links(source, links, allowed)
        return problems
