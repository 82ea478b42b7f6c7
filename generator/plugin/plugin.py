"""Event handlers of the ``prompt-pages`` plugin. The work is done by :mod:`generator.site` (the
pages), :mod:`.fast_render` (their HTML), :mod:`.htmlcheck` (the provenance check of that HTML) and
:mod:`.live` (what ``mkdocs serve --dirty`` keeps between rebuilds); each handler hands MkDocs
what they made, or reports what they found.

Options (``mkdocs.yml``, typed in :mod:`.config`): ``sources``, the folder of prompt files;
``enabled``; ``answers_strict``; ``search``, what answers the search box (:mod:`.pagefind_index`);
``search_entries``, where a build keeps what Pagefind indexed, for a preview's own index;
``search_part_pages``, the most pages one Pagefind run indexes (more are indexed in parts);
``cache``, where a build keeps what it worked out for the next (:mod:`.warm_cache`).
Every problem is logged as ``path:line: message``. An error (a prompt that cannot be read, a
link on a generated page that its sources lack) is a WARNING, so ``mkdocs build --strict``
fails on it. What an answer does (a link it cites outside its
prompt's sources, an answer that seems to answer another prompt's question) is reported at INFO
and fails nothing, since no maintainer can fix a model's answer without falsifying it; with
``answers_strict: true`` it is a WARNING too, for collections that require clean answers."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

import jinja2
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files

from ..runtime import collector
from ..records import Problem
from ..cli.report import summary_line
from ..site import Site, generate_site
from ..files.sources import TextCache, read_sources, read_text
from ..markup import blockhtml
from ..runtime.workers import WorkerResults
from . import mkdocs_internals
from .config import PromptPagesConfig
from .htmlcheck import HTMLCheck
from .live import GeneratedFile, Live
from .fast_render import FastRender, SecondProcess, recurring_blocks, second_process
from .pagefind_index import (
    BUNDLE, MATERIAL_INDEX, PENDING, BackgroundIndex, SearchEngine, SearchEntries, take_material_index, write_entries,
    write_index,
)
from . import warm_cache
from ..files.sitemap import write_sitemap_parts
from .warm_cache import GeneratedPages, Store, WarmBuild


class PageToCheck(NamedTuple):
    """What the HTML check of a generated page needs (CheckedPage without its Markdown)."""

    source: str  # the file named in problems about this page
    allowed_links: frozenset[str]


@dataclass(frozen=True)
class SiteSummary:
    """What the end of a build needs of the generated site, kept once MkDocs has its pages."""

    prompts: int
    pages: int
    problems: list[Problem]
    #: Each page's other names for search (IndexPage.search_names), by URL.
    search_names: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, site: GeneratedPages, files: dict[str, GeneratedFile]) -> SiteSummary:
        return cls(site.prompts, len(site.pages), site.problems,
                   {files[page.path].url: page.search_names for page in site.pages
                    if page.search_names and page.path in files})


# Under "mkdocs." so that `mkdocs build --strict` counts these warnings.
log = logging.getLogger("mkdocs.plugins.prompt_pages")


class PromptPagesPlugin(BasePlugin[PromptPagesConfig]):
    supports_multiple_instances = False
    live: Live | None = None
    background_index: BackgroundIndex | None = None
    store: Store | None = None  # the cache (the option ``cache``), read in on_files
    warm: WarmBuild | None = None  # what this build takes from it and gives it

    def on_startup(self, *, command, dirty):
        """Under `mkdocs serve --dirty` (make serve), a rebuild redoes only what a change changed."""
        self.live = Live(type(self)) if command == "serve" and dirty else None
        if command == "serve" and not dirty:
            log.info("prompt-pages: every change rebuilds the whole site; "
                     "`mkdocs serve --dirty` (make serve) rebuilds only what it changes")

    @staticmethod
    def _project(config) -> Path:
        """The folder of mkdocs.yml."""
        return Path(config.config_file_path or ".").resolve().parent

    def on_config(self, config):
        """Resolve the sources folder next to mkdocs.yml."""
        self.sources = self._project(config) / self.config.sources
        self.site: Site | None = None  # kept through the build under `make serve` only (live.py)
        self.summary: SiteSummary | None = None
        #: Each generated page's source and allowed links (its HTML check), in the site's order.
        self.generated: dict[str, PageToCheck] = {}
        self.generated_files: dict[str, GeneratedFile] = {}
        self.to_join: dict[str, tuple[blockhtml.Block, ...]] = {}
        self.let_go = self.join_later = False  # what a build may let go of (on_files decides)
        self.search: mkdocs_internals.MaterialSearch | None = None
        self.second: SecondProcess | None = None
        self.store = self.warm = None
        if self.config.enabled and self.live is not None:
            mkdocs_internals.quiet_dirty_build_warning()  # it does not hold here (see there)

    def on_pre_build(self, *, config):
        """Under `make serve`: whether this build renders every page or only what changed (live.py)."""
        if self.config.enabled and self.live is not None:
            self.live.start(config)

    def on_files(self, files: Files, *, config) -> Files:
        """Generate every page from sources/ and add it to the build, beside docs/.

        Generated pages exist only in the build: nothing is written into docs/, and a
        hand-written page at the same path wins over the generated one.
        """
        if not self.config.enabled:
            return files
        self.started = time.monotonic()
        live = self.live
        if self.config.cache and (live is None or live.whole):
            self.store = Store.load(self._project(config) / self.config.cache, warm_cache.environment(
                _config_bytes(config), warm_cache.settings_text(config), (config.theme.custom_dir, config.docs_dir)))
        site, generated = self._generate()
        self._log(generated.problems)
        self._add(files, generated, config)
        plugins = mkdocs_internals.serve_plugins(config, type(self))
        cached = self._warm_start(files, generated.pages, plugins)
        self.second, ahead = None, None
        # The pages this build renders (the cache has the others): prompt pages first, which share
        # their blocks; index pages last, each made of blocks of its own (the prompts it lists).
        prompts = generated.prompts  # the first pages of the site are the prompts'
        prompt_pages, index_pages = ([(page.path, page.text) for page in part
                                      if page.path in self.generated and page.path not in cached]
                                     for part in (generated.pages[:prompts], generated.pages[prompts:]))
        # A build keeps the blocks that recur, each converted once; `make serve` keeps all, for the next.
        recurring = recurring_blocks(text for _, text in prompt_pages + index_pages) if live is None else None
        if live is None or live.whole:
            self.second, ahead = second_process(config, files, (prompt_pages, index_pages), self.config.second_process,
                                                WorkerResults(log.info), recurring)
        self.renderer = FastRender(config, files, ahead, recurring)
        #: The blocks of the pages whose HTML is joined when each is made, by path: MkDocs renders
        #: every page before it writes any, so each page's HTML would be held for all at once.
        #: Only while the only other plugin is Material's search, which reads a page's HTML when it
        #: is made (the tags plugin rewrites the HTML of pages with listings before: on_env).
        # A plugin this one does not know may read a page's Markdown or HTML after it is made: then
        # nothing is let go.
        self.let_go = live is None and not plugins.unknown
        self.join_later = self.let_go and plugins.tags is None
        self.search = plugins.search  # Material's, which keeps every page's search entries
        self.check = HTMLCheck(self.second)
        self.summary = SiteSummary.of(generated, self.generated_files)
        # A build lets the generated site go once MkDocs has its pages (memory grows with the
        # prompts); `make serve` keeps it for the next rebuild (live.py).
        self.site = site if live is not None else None
        if live is None or live.whole:
            collector.keep_through_build()
        return files

    def _add(self, files: Files, generated: GeneratedPages, config) -> None:
        """The generated pages, and the files beside them (their summaries, which MkDocs copies as
        they are), added to the build's files: not where docs/ has a file at the same path."""
        written = files.src_uris  # the pages of docs/ (and the theme's files), by path
        # In UTF-8 (CheckedPage.text): MkDocs decodes a page's Markdown when it reads it.
        added = [(page.path, page.text, page) for page in generated.pages]
        added += [(beside.path, beside.text.encode(), None) for beside in generated.files]
        for path, content, page in added:
            if path in written:
                log.warning(f"docs/{path} is hand-written; not replacing it with the generated "
                            f"{'page' if page else 'file'}")
                continue
            file = self.live.file(config, path, content) if self.live else GeneratedFile.generated(
                config, path, content=content)
            files.append(file)
            self.generated_files[path] = file
            if page is not None:
                self.generated[path] = PageToCheck(page.source, page.allowed_links)

    def _generate(self) -> tuple[Site | None, GeneratedPages]:
        """The generated site (None when the cache had its pages) and its pages."""
        live = self.live
        if live is not None or self.store is None:  # `make serve` keeps the site for the next rebuild
            site = generate_site([str(self.sources)], check_html=False, previous=live and live.site,
                                 read=live.texts.read if live else read_text)
            return site, GeneratedPages.of(site)
        texts = TextCache()  # each file read once, here and by generate_site
        arguments = [str(self.sources)]
        key = warm_cache.sources_key(self.store.environment, arguments, *read_sources(arguments, texts.read))
        texts.sweep()
        if (generated := warm_cache.cached_site(self.store, key)) is not None:
            return None, generated
        site = generate_site(arguments, check_html=False, read=texts.read)
        generated = GeneratedPages.of(site)
        warm_cache.keep_site(self.store, key, generated)
        return site, generated

    def _warm_start(self, files: Files, pages: list, plugins) -> set[str]:
        """The generated pages this build takes from the cache, by path. Only while Material's
        search is the only other plugin (another may read or change what a page found skips)."""
        self.warm = None
        if self.store is None or plugins.unknown or plugins.tags is not None:
            return set()
        self.warm = WarmBuild(self.store)
        self.warm.search = plugins.search.entries() if plugins.search is not None else None
        return self.warm.start(_files_digest(files), [page for page in pages if page.path in self.generated])

    def on_page_read_source(self, *, page, config):
        """A page the cache has is not read (nor rendered: see WarmBuild.render)."""
        if self.warm is not None and self.warm.read_source(page.file.src_uri):
            page.render = partial(self.warm.render, page)
            return ""
        return None

    def on_pre_page(self, page, *, config, files):
        """A generated page is rendered block by block (see fast_render.py)."""
        if page.file.src_uri in self.generated:
            page.render = partial(self.renderer.render, page)
        if self.live is not None:
            self.live.rendered.add(page.url)
        if self.warm is not None:
            self.warm.page_started(page.file.src_uri)
        return page

    @event_priority(-100)  # after every other plugin's: its Markdown is let go here
    def on_page_content(self, html: str, *, page, config, files) -> str:
        """Check the links of a generated page on its HTML, extensions and all. In a build, its
        Markdown is let go: MkDocs renders every page before it writes any, so what each keeps
        until then is held for all of them at once."""
        path = page.file.src_uri
        checked = self.generated.get(path)
        if checked is not None and self.warm is not None and path in self.warm.found:
            if self.let_go:
                page.file.content_string = ""  # its Markdown was not read: a key found it
            return html  # its problems are the cache's
        if checked is not None:
            rendered = self.renderer.rendered.pop(path, None)
            links = self.renderer.links.pop(path, None)
            unchanged = rendered is not None and html is page.content
            if unchanged:
                self.check.add(path, checked.source, checked.allowed_links, rendered.fragments, links)
            else:  # rendered by Page.render, or changed since
                self.check.add(path, checked.source, checked.allowed_links, (html,))
            if self.let_go:  # MkDocs and the other plugins are done with the Markdown
                page.markdown = ""  # not None: Page.title reads None as a page not read yet
                page.file.content_string = ""  # its copy (``make serve`` compares it with the next build's)
                if unchanged and rendered.blocks and self.join_later:
                    # Its HTML is its blocks' (shared with other pages), joined again when the page is made.
                    self.to_join[path] = rendered.blocks
                    return ""
        return html

    @event_priority(100)  # before the search plugin reads the page's HTML
    def on_page_context(self, context, *, page, config, nav):
        """A page whose HTML was let go after rendering gets it back, just before it is made."""
        blocks = self.to_join.pop(page.file.src_uri, None)
        if blocks is not None:
            page.content = blockhtml.page_html(blocks)
        if self.warm is not None:
            self.warm.before_search(page.file.src_uri)
        return context

    @event_priority(-100)  # after every other plugin's: the page is written next
    def on_post_page(self, output: str, *, page, config) -> str:
        """In a build, a generated page's HTML is let go once the page is made: MkDocs keeps every
        page until the build ends (it checks their anchors then, which do not need it)."""
        if self.warm is not None:
            output = self.warm.page_made(page, output)
        if self.let_go and page.file.src_uri in self.generated:
            page.content = None
        return output

    @event_priority(110)  # before the tags plugin writes tags.json
    def on_env(self, env, *, config, files):
        """Under `make serve`: the templates compiled once, the pages' order, tags.json kept whole.
        With the cache: the (empty) template of the pages it has."""
        if self.config.enabled and self.live is not None:
            self.live.prepare(config, env, files)
        if self.warm is not None:
            env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({warm_cache.CACHED_TEMPLATE: ""}), env.loader])
        return env

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config):
        """Report what the HTML check found (in page order), before --strict counts warnings,
        then one line for the whole build, as the command line ends with."""
        if self.live is None:
            collector.release()
        if not self.config.enabled:
            return
        problems: dict[str, list[Problem]] = self.check.problems()
        self._stop_pool()
        if self.warm is not None:
            problems = self.warm.finish(problems)
        if self.live is not None:
            with self._material_index_lock():  # live.finish writes Material's whole index
                problems = self.live.finish(config, self.site, self.generated_files, problems)
        found = [problem for path in self.generated for problem in problems.get(path, ())]
        self._log(found)
        summary = self.summary
        log.info(summary_line(summary.prompts, summary.pages, time.monotonic() - self.started,
                              summary.problems + found, " generated"))
        if (parts := write_sitemap_parts(config.site_dir, config.site_url or "", self.config.sitemap_part_urls)) > 1:
            log.info(f"prompt-pages: the sitemap in {parts} parts of at most {self.config.sitemap_part_urls:,} "
                     "URLs, listed by sitemap.xml")
        self._index_search(config)
        if self.store is not None:
            self.store.save()
            self.store = self.warm = None

    def _index_search(self, config) -> None:
        """With ``search: pagefind``, Pagefind indexes what Material's search plugin collected;
        under `mkdocs serve` in a thread of its own, so that the pages are served meanwhile."""
        if self.config.search != SearchEngine.PAGEFIND or not os.path.isfile(
                os.path.join(config.site_dir, MATERIAL_INDEX)):
            return  # Material's own search, or none
        # Under `make serve`, at its first build only: a later one could race the index thread.
        warm = self.warm if self.live is None or self.background_index is None else None
        entries, key = None, ""
        if warm is not None:
            entries = self._search_entries(config)
            key, bundle = warm.pagefind(entries.docs, entries.names)
            if bundle is not None:  # what it indexes is what it indexed last time
                warm_cache.write_files(Path(config.site_dir, BUNDLE), bundle)
                if self.live is not None:
                    Path(config.site_dir, PENDING).write_bytes(b"")  # not behind (BackgroundIndex)
                log.info(f"prompt-pages: search index of {len(entries.docs):,} entries from the cache")
                return
        if self.live is not None:
            entries = entries if entries is not None else self._search_entries(config)
            if self.background_index is None:
                self.background_index = BackgroundIndex(self.config.search_part_pages)
            self.background_index.request(config.site_dir, entries)
            return
        # write_index asks for the entries and lets them go before Pagefind's process starts: this
        # frame holds none of them meanwhile.
        handed = [entries] if entries is not None else []
        del entries
        try:
            log.info(str(write_index(config.site_dir, handed.pop if handed else partial(self._search_entries, config),
                                      self.config.search_part_pages)))
            if self.warm is not None:
                self.warm.keep_pagefind(key, Path(config.site_dir, BUNDLE))
        except (OSError, RuntimeError) as error:  # --strict fails on it; a bare build keeps its pages
            log.warning(f"prompt-pages: search index not written: {error}")

    def _material_index_lock(self):
        """Held while this build writes Material's search index: under `make serve` the search
        index's thread writes it too (BackgroundIndex.listing), and neither may lose the other's."""
        return self.background_index.listing if self.background_index else contextlib.nullcontext()

    def _search_entries(self, config) -> SearchEntries:
        """What Pagefind indexes: the entries Material's search plugin wrote (taken from its index,
        and, in a build, from the plugin too) and each page's other names; kept in a file with
        ``search_entries``."""
        if self.let_go and self.search is not None:
            self.search.let_go_of_entries()
        # Under `make serve`, the index is written after the pages are served (BackgroundIndex).
        with self._material_index_lock():
            docs = take_material_index(config.site_dir, self.config.search_part_pages, served=self.live is not None)
        entries = SearchEntries(docs, self.summary.search_names)
        if self.config.search_entries:
            try:
                write_entries(self._project(config) / self.config.search_entries, entries)
            except OSError as error:  # --strict fails on it: a preview could not index its pages
                log.warning(f"prompt-pages: search entries not kept: {error}")
        return entries

    def _log(self, problems: list[Problem]) -> None:
        """Each problem, at WARNING (which --strict counts) when it fails the build, else at INFO."""
        strict = self.config.answers_strict
        for problem in problems:
            (log.warning if problem.fails(strict) else log.info)(str(problem))
        if not strict and (warnings := sum(not problem.fails(strict) for problem in problems)):
            log.info(f"prompt-pages: {warnings:,} warning{'s' * (warnings != 1)} about answers, listed above; "
                     "`answers_strict: true` (mkdocs.yml) makes them fail `mkdocs build --strict`")

    def on_build_error(self, *, error):
        if self.warm is not None:
            self.warm.close()
        if self.store is not None:
            self.store.close()
        self.store = self.warm = None  # nothing of a failed build is kept
        collector.release()
        self._stop_pool()
        if self.live is not None:
            self.live.forget()

    def _stop_pool(self):
        if self.second is not None:
            self.second.pool.shutdown(wait=True, cancel_futures=True)
        self.second = None

    def on_shutdown(self):
        mkdocs_internals.quiet_dirty_build_warning(False)

    def on_serve(self, server, *, config, builder):
        """Rebuild when a prompt is added, edited or deleted."""
        if self.config.enabled and self.sources.is_dir():
            server.watch(str(self.sources))
        return server


def _config_bytes(config) -> bytes:
    try:
        return Path(config.config_file_path).read_bytes() if config.config_file_path else b""
    except OSError:
        return b""


def _files_digest(files: Files) -> str:
    """Every file of the build and where it goes (a page's links are rendered against them)."""
    return warm_cache.digest(*sorted(f"{file.src_uri}\t{file.dest_uri}\t{file.url}\t{file.inclusion.name}"
                                     for file in files))
