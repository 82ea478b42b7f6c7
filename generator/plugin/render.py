"""MkDocs' ``Page.render`` for generated pages, each distinct block converted once.

:class:`PageRenderer` gives a page what ``Page.render`` would (content, table of contents,
title, anchors, links to anchors) from the blocks of its Markdown as :mod:`generator.blockhtml`
converts them: with one Markdown instance configured as ``Page.render`` configures its own (the
site's ``markdown_extensions`` and MkDocs' own processors) for every page of a build. A page is
left to ``Page.render`` itself when its blocks cannot be joined, when converting a block logs
anything (a broken link: MkDocs names the page in the warning), or when the site uses an
extension not known to be block-local.

MkDocs renders pages one at a time, on one core. With many pages, :class:`Ahead` has a second
process render them too, from the last page back, with a PageRenderer of its own set up from
the same configuration and files; MkDocs takes each page from there when it is ready, and
renders it here when not. ``tests/test_fast_render.py`` compares both with ``Page.render`` on
every page of the synthetic and the hostile corpora.
"""

from __future__ import annotations

import logging
import posixpath
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace

import markdown
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import (
    Page,
    _ExtractAnchorsTreeprocessor,
    _ExtractTitleTreeprocessor,
    _RawHTMLPreprocessor,
    _RelativePathTreeprocessor,
)
from mkdocs.structure.toc import get_toc
from mkdocs.utils import meta

from .. import blockhtml
from ..check import fragment_links

_pages_log = logging.getLogger("mkdocs.structure.pages")


@dataclass(frozen=True)
class _Found:
    """What MkDocs' processors found in one block."""

    title: str | None
    anchors: frozenset[str]  # ids and <a name> of its elements and of its raw HTML
    #: (the source path of the page linked to, None for the page itself; anchor; the link as written)
    links_to_anchors: tuple[tuple[str | None, str, str], ...]
    logged: bool  # converting it logged a message naming the page


@dataclass(frozen=True)
class Rendered:
    """A page rendered block by block: its HTML is its blocks' HTML, one after the other."""

    text: str  # the Markdown it was rendered from, as MkDocs reads it (without front matter)
    blocks: tuple[blockhtml.Block, ...]

    def apply(self, page: Page, files: Files) -> None:
        """Give ``page`` what ``Page.render`` would."""
        blocks = self.blocks
        page.content = blockhtml.page_html(blocks)
        page.toc = get_toc(blockhtml.page_toc_tokens(blocks))
        page._title_from_render = next((block.extra.title for block in blocks if block.first is not None), None)
        page.present_anchor_ids = set().union(*(block.extra.anchors for block in blocks))
        if _pages_log.getEffectiveLevel() > logging.DEBUG:  # as Page.render
            links: dict[File, dict[str, str]] = {}
            for block in blocks:
                for target, anchor, original in block.extra.links_to_anchors:
                    file = page.file if target is None else files.get_file_from_path(target)
                    links.setdefault(file, {}).setdefault(anchor, original)
            page.links_to_anchors = links


class _Logged(logging.Handler):
    def __init__(self):
        super().__init__()
        self.count = 0

    def emit(self, record):
        self.count += 1


class PageRenderer:
    """Renders the pages of one build (``files`` is that build's)."""

    def __init__(self, config, files: Files):
        self.enabled = blockhtml.block_local(config["markdown_extensions"])
        md = markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"] or {})
        self.raw_html = _RawHTMLPreprocessor()
        self.raw_html._register(md)
        self.anchors = _ExtractAnchorsTreeprocessor(None, files, config)
        self.anchors._register(md)
        self.relative = _RelativePathTreeprocessor(None, files, config)
        self.relative._register(md)
        self.title = _ExtractTitleTreeprocessor()
        self.title._register(md)
        self.md = md
        #: Blocks converted in this build, by the folder of their pages (sources, URLs) and text.
        self.known: dict[tuple[str, str, str], dict[str, blockhtml.Block]] = {}

    def render(self, file: File, text: str) -> Rendered | None:
        """The page of ``file`` from its Markdown ``text``; None when Page.render must render it."""
        if not self.enabled:
            return None
        blocks = self._blocks(file, text)
        if not blockhtml.joined(blocks) or any(block.extra.logged for block in blocks):
            return None
        return Rendered(text, tuple(blocks))

    def _blocks(self, file: File, text: str) -> list[blockhtml.Block]:
        # A block's HTML depends on the page only through its relative links, which MkDocs
        # rewrites from the page's URL: the same from every page of one folder, for a target
        # outside that folder (see _outside).
        up = "../" * (1 + file.url.endswith("/"))
        folder = (posixpath.dirname(file.src_uri), posixpath.dirname(file.url.rstrip("/")), up)
        known = self.known.setdefault(folder, {})
        converted = []
        for part in blockhtml.split_blocks(text):
            block = known.get(part)
            if block is None:
                block = self._convert(part, file)
                if _outside(block, up) and not block.extra.logged:
                    known[part] = block
            converted.append(block)
        return converted

    def _convert(self, text: str, file: File) -> blockhtml.Block:
        self.relative.file = file
        self.relative.links_to_anchors = {}
        self.anchors.present_anchor_ids = set()
        self.title.title = None
        logged = _Logged()

        def found() -> _Found:
            links = tuple((None if target is file else target.src_uri, anchor, original)
                          for target, anchors in self.relative.links_to_anchors.items()
                          for anchor, original in anchors.items())
            return _Found(self.title.title, frozenset(self.anchors.present_anchor_ids | self.raw_html.present_anchor_ids),
                          links, logged.count > 0)

        # What it would log (a broken link) is logged by Page.render, which renders such a page.
        _pages_log.addHandler(logged)
        _pages_log.propagate = False
        try:
            return blockhtml.convert_block(self.md, text, found)
        finally:
            _pages_log.propagate = True
            _pages_log.removeHandler(logged)


def _outside(block: blockhtml.Block, up: str) -> bool:
    """Whether every relative link of the block leaves its page's folder (starts with ``up``):
    such a link is written the same from every page of the folder."""
    return all(href.startswith(up) or _not_relative(href) for href in block.hrefs)


def _not_relative(href: str) -> bool:
    return href.startswith(("#", "/")) or ":" in href.split("/", 1)[0]


class FastRender:
    """``Page.render`` for the generated pages of one build (bound to each by the plugin)."""

    def __init__(self, config, files: Files, ahead: Ahead | None = None):
        self.files = files
        self.renderer = PageRenderer(config, files)
        self.ahead = ahead
        #: The blocks each page was rendered from, and what the HTML check already knows of them.
        self.rendered: dict[str, tuple[blockhtml.Block, ...]] = {}
        self.fragment_links: dict[str, tuple] = {}

    def render(self, page: Page, config, files: Files) -> None:
        uri = page.file.src_uri
        rendered = self.ahead.take(uri, page.markdown) if self.ahead is not None else None
        if rendered is not None:
            self.fragment_links.update(rendered[1])
            rendered = rendered[0]
        else:
            rendered = self.renderer.render(page.file, page.markdown)
        if rendered is None:
            self.rendered.pop(uri, None)
            Page.render(page, config, files)
            return
        rendered.apply(page, files)
        self.rendered[uri] = rendered.blocks


# --------------------------------------------------------------------------- a second process

#: Pages rendered by the second process at a time.
AHEAD_BATCH = 20


@dataclass(frozen=True)
class Setup:
    """What a second process needs to render pages as this build would (picklable)."""

    markdown_extensions: list
    mdx_configs: dict
    use_directory_urls: bool
    links: dict[str, object]  # config.validation.links
    files: tuple[tuple[str, str, str, InclusionLevel], ...]  # (src_uri, dest_uri, url, inclusion)

    @classmethod
    def of(cls, config, files: Files) -> Setup:
        links = config.validation.links
        return cls(list(config["markdown_extensions"]), dict(config["mdx_configs"] or {}), config.use_directory_urls,
                   {name: getattr(links, name) for name in ("absolute_links", "unrecognized_links", "not_found", "anchors")},
                   tuple((f.src_uri, f.dest_uri, f.url, f.inclusion) for f in files.documentation_pages()))


_process_renderer: tuple[PageRenderer, Files] | None = None
_process_checked: set[str] = set()  # the fragments whose links the second process has given


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
    _process_renderer = (PageRenderer(config, files), files)


class _Config(SimpleNamespace):
    """The configuration, read as MkDocs' processors and PageRenderer read it (both ways)."""

    def __getitem__(self, key):
        return getattr(self, key)


def render_in_process(pages: list[tuple[str, str]]) -> list[tuple[str, Rendered | None, dict[str, tuple]]]:
    """Each page ``(source path, its Markdown with front matter)`` rendered in the second process,
    with what the HTML check finds in its blocks' HTML (check.fragment_links, by fragment)."""
    renderer, files = _process_renderer
    out = []
    for uri, text in pages:
        body = meta.get_data(text)[0]  # as Page.read_source
        rendered = renderer.render(files.get_file_from_path(uri), body)
        checked = {}
        if rendered is not None:
            fragments = [html for html in dict.fromkeys(block.html for block in rendered.blocks)
                         if html not in _process_checked]
            _process_checked.update(fragments)
            checked = dict(zip(fragments, fragment_links(fragments)))
        out.append((uri, rendered, checked))
    return out


class Ahead:
    """A second process rendering the generated pages from the last back, while MkDocs renders
    them from the first: each page is taken from there when it is ready, rendered here when not."""

    def __init__(self, pool: ProcessPoolExecutor, pages: list[tuple[str, str]]):
        self.ready: dict[str, tuple[Rendered | None, dict]] = {}
        self.batch_of: dict[str, Future] = {}
        backwards = pages[::-1]
        for start in range(0, len(backwards), AHEAD_BATCH):
            batch = backwards[start : start + AHEAD_BATCH]
            future = pool.submit(render_in_process, batch)
            self.batch_of.update((uri, future) for uri, _ in batch)

    def take(self, uri: str, text: str) -> tuple[Rendered, dict] | None:
        """The page rendered there from ``text`` (and what the HTML check found in it), when it
        was or is being rendered there; None: render it here."""
        future = self.batch_of.pop(uri, None)
        # A batch not started yet is rendered here, as MkDocs reaches it: it would come too late.
        if future is None or future.cancel():
            return None
        if uri not in self.ready:
            self.ready.update((page, (rendered, checked)) for page, rendered, checked in future.result())
        rendered, checked = self.ready.pop(uri)
        if rendered is None or rendered.text != text:
            return None
        return rendered, checked
