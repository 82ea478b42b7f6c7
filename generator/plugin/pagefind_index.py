"""Search with Pagefind (``search: pagefind``, the default): an index split into chunks, of which
a query loads only those it needs, so that search stays small however many prompts the site has.

What is indexed is what Material's search plugin collects, page by page and section by section:
its parser already leaves out what the site leaves out of search (``data-search-exclude`` on a
heading drops the heading's whole section, a page with ``search: exclude`` has no entry), and
the pages' front matter gives each page its tags and its boost. :func:`indexed_pages` writes
each page's entries as a small HTML page in Pagefind's own terms: the title as the page's
``<h1>`` with a ``data-pagefind-weight`` from the page's boost (a task's, a model's or a paper's
page above the prompts naming it), a hub's name again in the pieces a reader sees in it
("Txt2Img-StableDiffusionV1" as "Txt 2 Img Stable Diffusion V 1", which "stable diffusion"
finds), the tags as ``data-pagefind-meta`` (what a result is: Task, Model, Paper, Prompt and a
prompt's task), a hub's other names as the metadata ``names`` (a task's aliases and cues, a
model's repositories: ``IndexPage.search_names``, which search-pagefind.js weighs above the title
and ranks by) and a hub's kind as a ``data-pagefind-filter``, each section under its heading so
that a result leads to the section. Pagefind's binary (from the ``pagefind-bin`` wheel, so
offline) indexes those pages into ``site/pagefind/``; Material's ``search/search_index.json``
is then written without its documents, so that Material's search box starts and no visitor
downloads the whole index. ``docs/assets/javascripts/search-pagefind.js`` answers that box.

Pagefind's process needs about 100 KB a page, whatever the page holds (benchmarks/README.md): a
site of more pages than the plugin's ``search_part_pages`` is indexed in parts of equal size
(:func:`part_count`, :func:`part_of`), one Pagefind run after another, so that one part's
process is alive at a time. The first part is the bundle at ``pagefind/``, each other one a
folder inside it (``pagefind/part-2/``…, :func:`part_folders`), so that the whole is still
swapped in at once; Material's index names those folders in its ``config``
(:data:`PARTS_KEY`), which Material hands search-pagefind.js with its first message, and the
browser merges them with Pagefind's ``mergeIndex`` before the first query.

Under ``mkdocs serve`` the index is written in a thread of its own after each build
(:class:`BackgroundIndex`): the served site follows an edit as soon as the build is done, and
search a few seconds later (``benchmarks/README.md`` has the figures); meanwhile
``search/pagefind-pending`` says "behind", and the search box says that results may be behind.

With the plugin's ``search_entries`` option the entries are kept in a file too
(:func:`write_entries`), outside the site: a pull request's preview indexes its own pages from
them (:func:`read_entries`, :func:`entries_of`, ``python -m generator preview``).
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ..runtime import memory

log = logging.getLogger("mkdocs.plugins.prompt_pages")

#: Where Pagefind's bundle goes, under the site folder (its own default).
BUNDLE = "pagefind"
#: Files of Pagefind's bundle this site does not load: Pagefind's own search boxes (Material's is used).
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")
#: Under ``mkdocs serve``, says whether the index is behind the pages (search-pagefind.js tells
#: the visitor); always there, so that asking is never a failed request.
PENDING = os.path.join("search", "pagefind-pending")
BEHIND = b"behind"
#: Material's index, which its search box fetches before it starts.
MATERIAL_INDEX = os.path.join("search", "search_index.json")
#: The weight of a page's title, as Pagefind weighs an ``<h1>`` (its default) ...
TITLE_WEIGHT = 7.0
#: ... and of the title of the page with the highest boost (a task's page).
HUB_WEIGHT = 10.0
#: Where a reader sees words in a name: case changes, letters against digits, punctuation.
_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_SEPARATOR = re.compile(r"[^0-9A-Za-z]+")
#: Pages a Pagefind run indexes at most by default (the plugin's ``search_part_pages``).
PART_PAGES = 40_000
#: The folder of each part after the first, inside the bundle (``part-2``, ``part-3``…).
PART = "part-{}"
#: The key of Material's index's ``config`` that lists those folders (relative to the bundle);
#: absent when the index is one part.
PARTS_KEY = "pagefind_parts"
#: Files of a part after the first that Pagefind's ``mergeIndex`` never loads (names or
#: patterns): a merged index runs on the first part's script and WebAssembly.
MERGED_UNUSED = ("pagefind.js", "pagefind-worker.js", "wasm.*.pagefind")
#: The first tag of a prompt's page (steps/compose.py). What a prompt's page holds above its
#: first section is its card, all of it left out of search but its title ("At a glance"), which
#: would be every prompt's excerpt: it is left out too.
PROMPT = "Prompt"
#: Names a reader reads as one word, though their case changes inside: "face" is not a word of
#: "ObjDet-HuggingFace-facebook-detr-resnet-50", nor "hub" of GitHub.
ONE_WORD = ("HuggingFace", "GitHub", "GitLab", "YouTube", "OpenAI", "DeepMind", "PyTorch", "TensorFlow",
            "ModelScope", "PaddlePaddle", "ONNXRuntime")
_ONE_WORD = re.compile("(" + "|".join(ONE_WORD) + ")")


class SearchEngine(StrEnum):
    """The plugin's ``search`` option: what answers Material's search box."""

    PAGEFIND = "pagefind"  # an index in chunks, loaded as a query needs them (any size of site)
    MATERIAL = "material"  # Material's own: one index every visitor downloads whole (small sites)


@dataclass(frozen=True)
class IndexRun:
    """What one indexing did: pages indexed, the bundle's bytes, the seconds it took, and in how
    many parts (Pagefind runs)."""

    pages: int
    bundle_bytes: int
    seconds: float
    parts: int = 1

    def __str__(self) -> str:
        parts = f" in {self.parts} parts" if self.parts > 1 else ""
        return (f"prompt-pages: Pagefind indexed {self.pages:,} pages{parts} in {self.seconds:.1f} s "
                f"({self.bundle_bytes / 1e6:.1f} MB in {BUNDLE}/)")


def part_count(pages: int, part_pages: int) -> int:
    """How many parts an index of ``pages`` pages is made in, none of more than ``part_pages``
    pages (at least one page a part)."""
    return max(1, -(-pages // max(1, part_pages)))


def part_of(page: int, parts: int) -> int:
    """The part (0, 1…) of the page at ``page`` in Material's order: one page to each part in
    turn, so that the parts are of equal size (±1) and alike. Pagefind ranks a merged index's
    results by each part's own scores, whose word statistics are its part's: alike parts (not
    the hubs in one and the prompts in another) keep those scores comparable."""
    return page % parts


def part_folders(parts: int) -> list[str]:
    """The folders of the parts after the first, relative to the bundle, as :data:`PARTS_KEY` lists them."""
    return [PART.format(number) + "/" for number in range(2, parts + 1)]


def page_count(docs: list[dict]) -> int:
    """How many pages Material's search entries are of (a page's sections share its address)."""
    return len({doc["location"].partition("#")[0] for doc in docs})


def _pieces(word: str) -> list[str]:
    """A word of a name in the words a reader sees in it: "StableDiffusionV1" -> Stable, Diffusion, V, 1."""
    return [piece for part in _ONE_WORD.split(word)
            for piece in ([part] if part in ONE_WORD else _BOUNDARY.split(part)) if piece]


def name_pieces(title: str) -> str:
    """A name in the words a reader sees in it: "Txt2Img-StableDiffusionV1" -> "Txt 2 Img Stable Diffusion V 1"."""
    return " ".join(piece for word in _SEPARATOR.split(title) for piece in _pieces(word))


#: A word a name is made of: letters and digits joined by hyphens, dots or underscores, or with
#: the case changing inside ("Deblur-MSSNet-GoPro", "StableDiffusionV1").
_NAME = re.compile(r"\b[0-9A-Za-z]+(?:[-_.][0-9A-Za-z]+)+\b|\b[0-9A-Za-z]*(?:[a-z][A-Z]|[A-Za-z][0-9]|[0-9][A-Za-z])[0-9A-Za-z]*\b")


def name_words(text: str) -> str:
    """The words inside the names of ``text`` (HTML), each once: Pagefind indexes
    "Deblur-MSSNet-GoPro" whole and by its ends, so that "mssnet" would not find it."""
    words: dict[str, None] = {}
    for name in _NAME.findall(re.sub(r"<[^>]*>", " ", text)):
        for segment in _SEPARATOR.split(name):
            words.update(dict.fromkeys(filter(None, [segment, *_pieces(segment)])))
    return " ".join(words)


def _weight(boost: float, highest: float) -> float:
    return TITLE_WEIGHT + (HUB_WEIGHT - TITLE_WEIGHT) * min(boost / highest, 1.0) if highest > 0 else TITLE_WEIGHT


def indexed_pages(docs: list[dict], names: Mapping[str, tuple[str, ...]]) -> Iterator[tuple[str, str]]:
    """Material's search entries (``search_index.json``'s ``docs``) as one HTML page per address,
    for Pagefind, with the other names of each page (by address) as its metadata ``names``, one
    ``(address, page)`` at a time. Titles and texts are HTML as Material's parser keeps them
    (escaped text and a few tags); tags and names are escaped here."""
    sections: dict[str, list[dict]] = {}
    for doc in docs:
        sections.setdefault(doc["location"].partition("#")[0], []).append(doc)
    highest = max((float(doc.get("boost", 0)) for doc in docs), default=0.0)
    for url, entries in sections.items():
        page = next((entry for entry in entries if "#" not in entry["location"]), entries[0])
        boost = float(page.get("boost", 0))
        tags = [html.escape(str(tag)) for tag in page.get("tags") or ()]
        plain_title = html.unescape(re.sub(r"<[^>]*>", "", page["title"]))
        other_names = html.escape(", ".join(names.get(url, ())))
        out = [f'<h1 data-pagefind-weight="{_weight(boost, highest):.1f}">{page["title"]}</h1>',
               "<div data-pagefind-ignore>",
               *(f'<span data-pagefind-meta="tag{i}">{tag}</span>' for i, tag in enumerate(tags)),
               # The hubs only: the filter lists its pages, and prompts are most of them.
               *(f'<span data-pagefind-filter="kind">{tags[0]}</span>' for _ in tags[:1] if boost > 0),
               # Searched, and weighed and ranked by in search-pagefind.js.
               *([f'<span data-pagefind-meta="names">{other_names}</span>'] if other_names else []),
               "</div>"]
        if boost > 0 and (pieces := name_pieces(plain_title)) != plain_title:
            out.append(f'<p data-pagefind-weight="{_weight(boost, highest):.1f}">{html.escape(pieces)}</p>')
        for entry in entries:
            anchor = entry["location"].partition("#")[2]
            if anchor:
                out.append(f'<h2 id="{html.escape(anchor)}">{entry["title"]}</h2>')
            if anchor or tags[:1] != [PROMPT]:
                out.append(f"<div>{entry['text']}</div>")
            if words := name_words(f"{entry['title']} {entry['text']}"):
                out.append(f'<p data-pagefind-weight="0.5">{html.escape(words)}</p>')
        yield url, f'<!DOCTYPE html><html lang="en"><body>{"".join(out)}</body></html>\n'


def take_material_index(site_dir: str, part_pages: int = PART_PAGES, *, served: bool = False) -> list[dict]:
    """The entries of the index Material's search plugin has just written, which is written
    again without them: Material's search box starts on it, and no visitor downloads them. When
    the entries are of more than ``part_pages`` pages, its ``config`` lists the folders of the
    index's other parts (:data:`PARTS_KEY`), as :func:`write_index` will write them; ``served``
    (under ``mkdocs serve``, whose index is written after the pages are served): the parts of
    the index in ``site_dir`` until then (:class:`BackgroundIndex` lists the new ones)."""
    path = Path(site_dir, MATERIAL_INDEX)
    index = json.loads(path.read_text(encoding="utf-8"))
    docs = index.get("docs", [])
    index["docs"] = []
    parts = served_parts(site_dir) if served else None
    _list_parts(index, part_count(page_count(docs), part_pages) if parts is None else parts)
    _write_json(path, index)
    return docs


def served_parts(site_dir: str) -> int | None:
    """How many parts the index in ``site_dir`` has (None when there is none yet)."""
    bundle = Path(site_dir, BUNDLE)
    if not (bundle / "pagefind-entry.json").is_file():
        return None
    parts = 1
    while (bundle / PART.format(parts + 1) / "pagefind-entry.json").is_file():
        parts += 1
    return parts


def _write_json(path: Path, data: dict) -> None:
    """``data`` into ``path`` whole: a server never hands out half of it (``mkdocs serve``'s,
    while the index thread and a build both write Material's index)."""
    staged = path.with_name(path.name + ".new")
    staged.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    staged.replace(path)


def _list_parts(index: dict, parts: int) -> None:
    """Material's index made to list the folders of ``parts`` parts (none for one)."""
    config = index.get("config") if isinstance(index.get("config"), dict) else {}
    config.pop(PARTS_KEY, None)
    if parts > 1:
        config[PARTS_KEY] = part_folders(parts)
    index["config"] = config


def list_parts(site_dir: str, parts: int) -> None:
    """Material's index in ``site_dir`` written again to list the parts of an index written
    otherwise than by a build (a preview's, of its own pages)."""
    path = Path(site_dir, MATERIAL_INDEX)
    if not path.is_file():
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    _list_parts(index, parts)
    _write_json(path, index)


def _list_served_parts(site_dir: str, parts: int) -> None:
    """:func:`list_parts` under ``mkdocs serve``, where a build may be writing Material's index
    (its search plugin does, without the lock): a half-written one is left to that build, which
    then lists the parts served (:func:`take_material_index`)."""
    try:
        list_parts(site_dir, parts)
    except ValueError:  # json's error for half a file
        log.info("prompt-pages: Material's search index is being written; its build lists the parts")


@dataclass(frozen=True)
class SearchEntries:
    """What Pagefind indexes: Material's search entries, and each page's other names by address."""

    docs: list[dict]
    names: Mapping[str, tuple[str, ...]]


def entries_of(entries: SearchEntries, urls: frozenset[str]) -> SearchEntries:
    """The entries of the pages at ``urls`` (addresses from the site's root, as Material's
    locations are: ``""``, ``"prompts/a/"``), sections included."""
    return SearchEntries([doc for doc in entries.docs if doc["location"].partition("#")[0] in urls],
                         {url: names for url, names in entries.names.items() if url in urls})


def write_entries(path: Path, entries: SearchEntries) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"docs": entries.docs, "names": entries.names}, ensure_ascii=False,
                               separators=(",", ":")), encoding="utf-8")


def read_entries(path: Path) -> SearchEntries:
    """What :func:`write_entries` wrote; ValueError when it is not that."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("docs"), list) or not isinstance(data.get("names"), dict):
        raise ValueError("not the search entries of a build (no docs and names)")
    return SearchEntries(data["docs"], {url: tuple(names) for url, names in data["names"].items()})


def write_index(site_dir: str, entries: Callable[[], SearchEntries], part_pages: int = PART_PAGES, *,
                listing: threading.Lock | None = None) -> IndexRun:
    """Pagefind's bundle of ``entries()`` (Material's search entries, and each page's other names
    by address) into ``site_dir/pagefind/``, written whole in a folder of its own, then swapped in;
    of more than ``part_pages`` pages, in parts (:func:`part_count`), each indexed by a Pagefind
    run of its own, one after another, the others' folders inside the first's.

    ``listing`` (under ``mkdocs serve``, whose pages are served meanwhile): held while Material's
    index, which lists the parts for the search box, is made to list only parts that are there
    (those both bundles have), the bundle swapped in, and every part of it listed.

    The entries are asked for here and let go once the pages Pagefind reads are written, with
    the memory they held (runtime/memory.py), before its first process starts: it needs about
    100 KB a page (benchmarks/README.md)."""
    started = time.monotonic()
    bundle = Path(site_dir, BUNDLE)
    with tempfile.TemporaryDirectory(prefix="prompt-pages-pagefind-") as work:
        output = Path(work, BUNDLE)
        pages, parts = _write_pages(Path(work), entries(), part_pages)
        memory.give_back()
        for part in range(parts):  # the first part first: the others go inside its folder
            folder = output / PART.format(part + 1) if part else output
            _run_pagefind(Path(work, f"pages-{part + 1}"), folder, UNUSED + (MERGED_UNUSED if part else ()))
        with listing or contextlib.nullcontext():
            if listing is not None:
                _list_served_parts(site_dir, min(parts, served_parts(site_dir) or parts))
            if bundle.exists():
                bundle.rename(Path(work, "old"))
            shutil.move(str(output), str(bundle))
            if listing is not None:
                _list_served_parts(site_dir, parts)
    size = sum(path.stat().st_size for path in bundle.rglob("*") if path.is_file())
    return IndexRun(pages, size, time.monotonic() - started, parts)


def _run_pagefind(source: Path, output: Path, unused: tuple[str, ...]) -> None:
    """Pagefind's bundle of the pages in ``source`` into ``output`` (which must not exist yet,
    and is made), without the files ``unused`` (names or patterns); the pages are deleted after."""
    from pagefind_bin import get_executable  # the binary of the pagefind-bin wheel

    staged = output.parent / f"{output.name}.new"  # Pagefind's output is never a folder holding parts
    result = subprocess.run([str(get_executable()), "--site", str(source), "--output-path", str(staged),
                             "--force-language", "en", "--silent"], capture_output=True, text=True)
    if result.returncode != 0 or not (staged / "pagefind-entry.json").is_file():
        raise RuntimeError(f"Pagefind could not index the site: {(result.stderr or result.stdout).strip()[-2000:]}")
    shutil.rmtree(source, ignore_errors=True)  # none when there are no pages
    for pattern in unused:
        for path in staged.glob(pattern):
            path.unlink()
    staged.rename(output)


def _write_pages(work: Path, entries: SearchEntries, part_pages: int) -> tuple[int, int]:
    """The pages Pagefind reads (indexed_pages), written one at a time into ``work/pages-1/``,
    ``work/pages-2/``… (:func:`part_of`); how many, and in how many parts."""
    parts = part_count(page_count(entries.docs), part_pages)
    count = 0
    for url, text in indexed_pages(entries.docs, entries.names):
        path = work / f"pages-{part_of(count, parts) + 1}" / url / "index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        count += 1
    return count, parts


class BackgroundIndex:
    """Under ``mkdocs serve``: each build's index is written in this thread, the newest request
    first (a request made while one runs replaces any still waiting), so that serving the
    rebuilt pages does not wait for search."""

    def __init__(self, part_pages: int = PART_PAGES):
        self._part_pages = part_pages
        self._wanted: tuple[str, SearchEntries] | None = None
        self._done = threading.Condition()
        self._busy = False
        #: Held while Material's index (which lists the parts) or the bundle changes: a build
        #: takes its entries under it, which lists the parts of the bundle served then.
        self.listing = threading.Lock()
        self.last: IndexRun | None = None
        self._thread = threading.Thread(target=self._run, name="pagefind", daemon=True)
        self._thread.start()

    def request(self, site_dir: str, entries: SearchEntries) -> None:
        """Index ``entries`` into ``site_dir`` once the run in progress (if any) is done."""
        Path(site_dir, PENDING).write_bytes(BEHIND)
        with self._done:
            self._wanted = (site_dir, entries)
            self._done.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Until nothing is waiting or running (tests, the end of a serve)."""
        with self._done:
            return self._done.wait_for(lambda: self._wanted is None and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._done:
                self._done.wait_for(lambda: self._wanted is not None)
                (site_dir, entries), self._wanted, self._busy = self._wanted, None, True
            try:
                self.last = write_index(site_dir, lambda: entries, self._part_pages, listing=self.listing)
                log.info(str(self.last))
            except Exception as error:  # a failed index leaves the last one served; the next edit tries again
                log.warning(f"prompt-pages: search index not updated: {error}")
            finally:
                with self._done:
                    self._busy = False
                    if self._wanted is None:
                        Path(site_dir, PENDING).write_bytes(b"")
                    self._done.notify_all()
