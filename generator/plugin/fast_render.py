"""MkDocs' ``Page.render`` for generated pages, each distinct block converted once.

:class:`PageRenderer` gives a page what ``Page.render`` would (content, table of contents,
title, anchors, links to anchors) from the blocks of its Markdown as :mod:`generator.markup.blockhtml`
converts them: with one Markdown instance configured as ``Page.render`` configures its own (the
site's ``markdown_extensions`` and MkDocs' own processors) for every page of a build. A page is
left to ``Page.render`` itself when its blocks cannot be joined, when converting a block logs
anything (a broken link: MkDocs names the page in the warning), or when the site uses an
extension not known to be block-local. MkDocs' private names it needs are in
:mod:`.mkdocs_internals`.

MkDocs renders pages one at a time, on one core. With many pages (the plugin's option
``second_process``), :class:`Ahead` has a second
process render some of them meanwhile (the plugin gives it the index pages, which MkDocs comes to
last), with a PageRenderer of its own set up from the same configuration and files (:class:`Setup`);
MkDocs takes each from there when it comes to it. ``tests/test_fast_render.py`` compares both
with ``Page.render`` on the pages of the synthetic and the hostile corpora.
"""

from __future__ import annotations

import pickle
import posixpath
import re
import zlib
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from types import SimpleNamespace

import markdown
from mkdocs.structure.files import File, Files, InclusionLevel, set_exclusions
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import meta

from ..markup import blockhtml
from ..steps.check import fragment_links, fragments_links
from ..runtime.workers import WorkerResults, spawn_pool, usable_cpus
from . import mkdocs_internals
from .config import SecondProcessConfig


@dataclass(frozen=True)
class _Found(mkdocs_internals.FoundInBlock):
    """What MkDocs' processors found in one block, and whether converting it logged."""

    logged: bool = False  # converting it logged a message naming the page


@dataclass(frozen=True)
class Rendered:
    """What ``Page.render`` gives a page, made from its blocks converted alone."""

    text: str  # the Markdown it was rendered from, as MkDocs reads it (without front matter)
    content: str
    toc_tokens: list[dict]
    title: str | None
    anchors: frozenset[str]  # ids and <a name> of its elements and raw HTML
    #: (the source path of the page linked to, None for the page itself; anchor; the link as written)
    links_to_anchors: tuple[tuple[str | None, str, str], ...]
    fragments: tuple[str, ...]  # its blocks' HTML: the content is their join
    blocks: tuple[blockhtml.Block, ...] = ()  # the blocks themselves (not sent between processes)

    @classmethod
    def of(cls, text: str, blocks: list[blockhtml.Block]) -> Rendered:
        return cls(
            text, blockhtml.page_html(blocks), blockhtml.page_toc_tokens(blocks),
            next((block.extra.title for block in blocks if block.first is not None), None),
            frozenset().union(*(block.extra.anchors for block in blocks)),
            tuple(link for block in blocks for link in block.extra.links_to_anchors),
            tuple(block.html for block in blocks), tuple(blocks),
        )

    def apply(self, page: Page, files: Files) -> None:
        """Give ``page`` what ``Page.render`` would."""
        page.content = self.content
        page.toc = get_toc(self.toc_tokens)
        mkdocs_internals.set_title_from_render(page, self.title)
        page.present_anchor_ids = set(self.anchors)
        if mkdocs_internals.records_links_to_anchors():  # as Page.render
            links: dict[File, dict[str, str]] = {}
            for target, anchor, original in self.links_to_anchors:
                file = page.file if target is None else files.get_file_from_path(target)
                links.setdefault(file, {}).setdefault(anchor, original)
            page.links_to_anchors = links


def block_key(text: str | bytes) -> int:
    """A block's key in :func:`recurring_blocks`: the same in every process (``hash`` is not)."""
    return zlib.crc32(text.encode() if isinstance(text, str) else text)


#: Where a page's Markdown is cut into blocks (blockhtml.split_blocks), on its UTF-8.
_BLOCK_START = re.compile(rb"\n\n(?=\S)")


def recurring_blocks(pages: Iterable[bytes]) -> frozenset[int]:
    """The keys of the blocks found more than once in ``pages`` (each a page's Markdown in UTF-8,
    front matter and all): a renderer keeps only these, since every other block serves one
    page. A block cut otherwise than MkDocs' page is (its front matter), or two blocks of one
    key, are only converted again or kept longer: the HTML is the same."""
    seen: set[int] = set()
    again: set[int] = set()
    for text in pages:
        for key in map(block_key, _BLOCK_START.split(text.strip(b"\n"))):
            (again if key in seen else seen).add(key)
    return frozenset(again)


class PageRenderer:
    """Renders the pages of one build (``files`` is that build's).

    ``recurring`` (:func:`recurring_blocks`), when given, are the only blocks it keeps once
    converted: a block of one page only is kept (when learnt from another renderer) until that
    page is rendered. Else it keeps every block, for the build (or ``mkdocs serve``'s next)."""

    def __init__(self, config, files: Files, recurring: frozenset[int] | None = None):
        self.enabled = blockhtml.block_local(config["markdown_extensions"])
        # As Page.render makes its own, with MkDocs' processors (made afresh for each block, _convert).
        self.md = markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"] or {})
        self.processors = mkdocs_internals.PageProcessors(self.md, files, config)
        #: Blocks converted in this build, by the folder of their pages (sources, URLs) and text.
        self.known: dict[tuple[str, str, str], dict[str, blockhtml.Block]] = {}
        self.recurring = recurring

    def _keeps(self, part: str) -> bool:
        return self.recurring is None or block_key(part) in self.recurring

    def render(self, file: File, text: str) -> Rendered | None:
        """The page of ``file`` from its Markdown ``text``; None when Page.render must render it."""
        if not self.enabled:
            return None
        blocks = self._blocks(file, text)
        if not blockhtml.joined(blocks) or any(block.extra.logged for block in blocks):
            return None
        return Rendered.of(text, blocks)

    def _blocks(self, file: File, text: str) -> list[blockhtml.Block]:
        folder, known = self._known(file)
        converted = []
        for part in blockhtml.split_blocks(text):
            block = known.get(part)
            if block is None:
                block = self._convert(part, file)
                if _shared(block, folder) and self._keeps(part):
                    known[part] = block
            elif not self._keeps(part):  # learnt for this page alone
                del known[part]
            converted.append(block)
        return converted

    def _known(self, file: File) -> tuple[tuple[str, str, str], dict[str, blockhtml.Block]]:
        # A block's HTML depends on the page only through its relative links, which MkDocs
        # rewrites from the page's URL: the same from every page of one folder, for a target
        # outside that folder (see _shared).
        folder = (posixpath.dirname(file.src_uri), posixpath.dirname(file.url.rstrip("/")),
                  "../" * (1 + file.url.endswith("/")))
        return folder, self.known.setdefault(folder, {})

    def convert_new(self, file: File, text: str) -> dict[str, blockhtml.Block]:
        """The blocks of a page not converted before, converted (those pages of its folder share)."""
        folder, known = self._known(file)
        new = {}
        for part in blockhtml.split_blocks(text):
            if part not in known:
                block = self._convert(part, file)
                if _shared(block, folder):
                    new[part] = block
                    if self._keeps(part):
                        known[part] = block
        return new

    def learn(self, converted: dict[tuple[str, str, str], dict[str, blockhtml.Block]]) -> None:
        """Blocks converted by another renderer of this build (convert_in_process)."""
        for folder, blocks in converted.items():
            known = self.known.setdefault(folder, {})
            for text, block in blocks.items():
                known.setdefault(text, block)

    def _convert(self, text: str, file: File) -> blockhtml.Block:
        found_in_block = self.processors.for_block(file)
        # What it would log (a broken link) is logged by Page.render, which renders such a page.
        with self.processors.warnings_counted() as logged:
            return blockhtml.convert_block(self.md, text, lambda: _Found(**vars(found_in_block()), logged=logged() > 0))


def _shared(block: blockhtml.Block, folder: tuple[str, str, str]) -> bool:
    """Whether the block's HTML is the same on every page of the folder: it logged nothing, and
    every relative link of it leaves the folder (starts with ``../`` as many times as that takes)."""
    up = folder[2]
    return not block.extra.logged and all(href.startswith(up) or _not_relative(href) for href in block.hrefs)


def _not_relative(href: str) -> bool:
    return href.startswith(("#", "/")) or ":" in href.split("/", 1)[0]


class FastRender:
    """``Page.render`` for the generated pages of one build (bound to each by the plugin)."""

    def __init__(self, config, files: Files, ahead: Ahead | None = None, recurring: frozenset[int] | None = None):
        self.renderer = PageRenderer(config, files, recurring)
        self.ahead = ahead
        #: How each page was rendered, when not by Page.render.
        self.rendered: dict[str, Rendered] = {}
        #: The links of the HTML of the pages rendered in the second process (it reads them there).
        self.links: dict[str, list[str]] = {}

    def render(self, page: Page, config, files: Files) -> None:
        uri = page.file.src_uri
        self.rendered.pop(uri, None)
        self.links.pop(uri, None)
        taken = None
        if self.ahead is not None:
            self.ahead.teach(uri, self.renderer)
            taken = self.ahead.take(uri, page.markdown)
        if taken is not None:
            rendered, self.links[uri] = taken
        else:
            rendered = self.renderer.render(page.file, page.markdown)
        if rendered is None:
            Page.render(page, config, files)
            return
        rendered.apply(page, files)
        self.rendered[uri] = rendered


# --------------------------------------------------------------------------- a second process

#: A page's Markdown with front matter, as a str or in UTF-8 (as the plugin sends it: half the
#: bytes of a str while thousands of pages wait, see CheckedPage.text).
PageText = str | bytes


#: Pages a second process renders, or converts the blocks of, at a time.
AHEAD_BATCH = 20


@dataclass(frozen=True)
class SecondProcess:
    """The plugin's second process, and its results (or the same work done here, once it failed)."""

    pool: ProcessPoolExecutor
    results: WorkerResults


def second_process(config, files: Files, pages: tuple[list[tuple[str, PageText]], list[tuple[str, PageText]]],
                   option: SecondProcessConfig, results: WorkerResults, recurring: frozenset[int] | None = None,
                   ) -> tuple[SecondProcess | None, Ahead | None]:
    """A second process beside MkDocs, which renders on one core, working on these pages (each
    ``(source path, its Markdown)``: those to convert, those to render, see Ahead), when the
    plugin's ``second_process`` option allows it for so many pages and there is a second core.
    It also reads HTML for the provenance check (htmlcheck.HTMLCheck). ``recurring``: the blocks
    its renderer keeps (PageRenderer)."""
    convert, render = pages
    if not option.enabled or len(convert) + len(render) < option.from_pages or usable_cpus() < 2:
        return None, None
    setup = None
    if blockhtml.block_local(config["markdown_extensions"]):
        set_exclusions(files, config)  # what MkDocs does next: the second process needs it now
        setup = Setup.of(config, files, recurring)
        try:
            pickle.dumps(setup)
        except Exception:  # noqa: BLE001 - an extension's configuration that cannot be sent
            setup = None
    if setup is None:  # the second process only reads HTML
        return SecondProcess(spawn_pool(1), results), None
    second = SecondProcess(spawn_pool(1, start_process, (setup,)), results)
    return second, Ahead(second, convert, render)


@dataclass(frozen=True)
class Setup:
    """What a second process needs to render pages as this build would (picklable)."""

    markdown_extensions: list
    mdx_configs: dict
    use_directory_urls: bool
    links: dict[str, object]  # config.validation.links
    #: (src_uri, dest_uri, url, inclusion) of every file a page may link to: the pages, and the
    #: files beside them (the References' summaries).
    files: tuple[tuple[str, str, str, InclusionLevel], ...]
    recurring: frozenset[int] | None = None  # the blocks its renderer keeps (PageRenderer)

    @classmethod
    def of(cls, config, files: Files, recurring: frozenset[int] | None = None) -> Setup:
        links = config.validation.links
        return cls(list(config["markdown_extensions"]), dict(config["mdx_configs"] or {}), config.use_directory_urls,
                   {name: getattr(links, name) for name in mkdocs_internals.LINK_VALIDATION_OPTIONS},
                   tuple((f.src_uri, f.dest_uri, f.url, f.inclusion) for f in files
                         if f.is_documentation_page() or f.generated_by), recurring)


_process_renderer: tuple[PageRenderer, Files] | None = None


def start_process(setup: Setup) -> None:
    """The second process's initializer: a PageRenderer for the build's files and configuration."""
    global _process_renderer
    files = []
    for src_uri, dest_uri, url, inclusion in setup.files:
        file = File(src_uri, None, "", setup.use_directory_urls, dest_uri=dest_uri, inclusion=inclusion)
        file.url = url
        files.append(file)
    config = _Config(markdown_extensions=setup.markdown_extensions, mdx_configs=setup.mdx_configs,
                     use_directory_urls=setup.use_directory_urls,
                     validation=SimpleNamespace(links=SimpleNamespace(**setup.links)))
    files = Files(files)
    _process_renderer = (PageRenderer(config, files, setup.recurring), files)


class _Config(SimpleNamespace):
    """The configuration, read as MkDocs' processors and PageRenderer read it (both ways)."""

    def __getitem__(self, key):
        return getattr(self, key)


def _body(text: PageText) -> str:
    """The page's Markdown without front matter, as Page.read_source reads it."""
    return meta.get_data(text.decode() if isinstance(text, bytes) else text)[0]


def convert_in_process(pages: list[tuple[str, PageText]]) -> dict[tuple[str, str, str], dict[str, blockhtml.Block]]:
    """The blocks of each page ``(source path, its Markdown with front matter)`` that the second
    process had not converted yet, converted there, by folder and text (PageRenderer.learn)."""
    renderer, files = _process_renderer
    converted: dict[tuple[str, str, str], dict[str, blockhtml.Block]] = {}
    for uri, text in pages:
        file = files.get_file_from_path(uri)
        new = renderer.convert_new(file, _body(text))
        if new:
            converted.setdefault(renderer._known(file)[0], {}).update(new)
    return converted


def render_in_process(pages: list[tuple[str, PageText]]) -> list[tuple[str, Rendered | None, list[str] | None]]:
    """Each page ``(source path, its Markdown with front matter)`` rendered in the second process,
    and the links of its HTML (check.page_links), read there too."""
    renderer, files = _process_renderer
    out = []
    for uri, text in pages:
        rendered = renderer.render(files.get_file_from_path(uri), _body(text))
        links = None
        if rendered is not None:
            links = fragments_links(rendered.fragments, fragment_links(list(rendered.fragments)))
            rendered = replace(rendered, fragments=(), blocks=())  # not needed here: the links are known
        out.append((uri, rendered, links))
    return out


class Ahead:
    """A second process working beside MkDocs, which renders pages in turn: it converts the
    blocks of ``convert`` (pages whose blocks recur) from the last page back, which MkDocs'
    renderer here learns as they come (converting here only blocks not there yet), and it renders
    ``render`` whole (pages MkDocs comes to after those; each is taken from there). A page MkDocs
    comes to before the second process has started it is done here."""

    def __init__(self, second: SecondProcess, convert: list[tuple[str, PageText]], render: list[tuple[str, PageText]]):
        self.results = second.results
        # Numbered from the first page; submitted from the last.
        self.position = {uri: number for number, (uri, _) in enumerate(convert)}
        self.converting: deque[tuple[int, Future]] = deque()
        for start in reversed(range(0, len(convert), AHEAD_BATCH)):
            batch = convert[start : start + AHEAD_BATCH]
            if (future := self.results.submit(second.pool, convert_in_process, batch)) is not None:
                self.converting.append((start, future))
        self.ready: dict[str, tuple[Rendered | None, list[str] | None]] = {}
        self.batch_of: dict[str, Future] = {}
        for start in range(0, len(render), AHEAD_BATCH):
            batch = render[start : start + AHEAD_BATCH]
            if (future := self.results.submit(second.pool, render_in_process, batch)) is not None:
                self.batch_of.update((uri, future) for uri, _ in batch)

    def teach(self, uri: str, renderer: PageRenderer) -> None:
        """Before MkDocs renders ``uri`` here: the blocks converted there so far, learnt; the
        batches of pages it has come to, not started there, dropped (they would come too late).
        Blocks the second process failed to convert are converted here, as they come."""
        reached = self.position.get(uri, len(self.position))
        while self.converting and self.converting[-1][0] <= reached and self.converting[-1][1].cancel():
            self.converting.pop()
        while self.converting and self.converting[0][1].done():
            _, future = self.converting.popleft()
            renderer.learn(self.results.result(future, dict))

    def take(self, uri: str, text: str) -> tuple[Rendered, list[str]] | None:
        """The page rendered there from ``text`` and its HTML's links; None: render it here (also
        when the second process failed)."""
        future = self.batch_of.pop(uri, None)
        if future is None or future.cancel():
            return None
        if uri not in self.ready:
            self.ready.update((page, (rendered, links)) for page, rendered, links in self.results.result(future, list))
        rendered, links = self.ready.pop(uri, (None, None))
        if rendered is None or rendered.text != text:
            return None
        return rendered, links
