"""Event handlers of the ``prompt-pages`` plugin. The work is done by :mod:`generator.site`;
each handler only hands MkDocs what the generator made, or reports what it found."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from ..check import check_html_pages
from ..report import summary_line
from ..site import CheckedPage, generate_site
from .config import PromptPagesConfig

# Under "mkdocs." so that `mkdocs build --strict` counts these warnings.
log = logging.getLogger("mkdocs.plugins.prompt_pages")

#: Rendered pages sent to the checking process at a time.
CHECK_BATCH = 50


class PromptPagesPlugin(BasePlugin[PromptPagesConfig]):
    supports_multiple_instances = False

    def on_config(self, config):
        """Resolve the sources folder next to mkdocs.yml."""
        self.sources = Path(config.config_file_path or ".").resolve().parent / self.config.sources
        self.checked: dict[str, CheckedPage] = {}
        self.checker: ProcessPoolExecutor | None = None
        self.batch: list[tuple[str, str, frozenset[str]]] = []
        self.results: list[Future] = []
        self.started, self.counts, self.problems = 0.0, (0, 0), []

    def on_files(self, files: Files, *, config) -> Files:
        """Generate every page from sources/ and add it to the build, beside docs/.

        Generated pages exist only in the build: nothing is written into docs/, and a
        hand-written page at the same path wins over the generated one.
        """
        if not self.config.enabled:
            return files
        self.started = time.monotonic()
        if len(os.sched_getaffinity(0)) > 1:
            # MkDocs renders on one core: the HTML check runs beside it on another (it starts
            # now, while the pages are generated), and its findings are reported after the build.
            self.checker = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            self.checker.submit(check_html_pages, [])
        site = generate_site([str(self.sources)], check_html=False)
        self.counts, self.problems = (len(site.results), len(site.pages)), []
        self._report(site.problems)
        self.checked = {}
        for page in site.pages:
            if files.get_file_from_path(page.path) is not None:
                log.warning(f"docs/{page.path} is hand-written; not replacing it with the generated page")
                continue
            files.append(File.generated(config, page.path, content=page.markdown))
            self.checked[page.path] = page
        return files

    def on_page_content(self, html: str, *, page, config, files) -> str:
        """Check the links of a generated page on the HTML MkDocs rendered, extensions and all."""
        checked = self.checked.get(page.file.src_uri)
        if checked is not None:
            self.batch.append((checked.source, html, checked.allowed_links))
            if self.checker is None or len(self.batch) >= CHECK_BATCH:
                self._send_batch()
        return html

    def _send_batch(self):
        if self.checker is None:
            self._report(check_html_pages(self.batch))
        elif self.batch:
            self.results.append(self.checker.submit(check_html_pages, self.batch))
        self.batch = []

    def _report(self, problems):
        self.problems += problems
        for problem in problems:
            log.warning(str(problem))

    def on_post_build(self, *, config):
        """Report what the HTML check found (in page order), before --strict counts warnings,
        then one line for the whole build, as the command line ends with."""
        if not self.config.enabled:
            return
        self._send_batch()
        try:
            for result in self.results:
                self._report(result.result())
        finally:
            self._stop_checker()
        log.info(summary_line(*self.counts, time.monotonic() - self.started, self.problems, " generated"))

    def on_build_error(self, *, error):
        self._stop_checker()

    def _stop_checker(self):
        if self.checker is not None:
            self.checker.shutdown(wait=True, cancel_futures=True)
        self.checker, self.batch, self.results = None, [], []

    def on_serve(self, server, *, config, builder):
        """Rebuild when a prompt is added, edited or deleted."""
        if self.config.enabled and self.sources.is_dir():
            server.watch(str(self.sources))
        return server
