"""Event handlers of the ``prompt-pages`` plugin. The work is done by :mod:`generator.site`;
each handler only hands MkDocs what the generator made, or reports what it found."""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from ..check import check_links, page_links
from ..site import CheckedPage, generate_site
from .config import PromptPagesConfig

# Under "mkdocs." so that `mkdocs build --strict` counts these warnings.
log = logging.getLogger("mkdocs.plugins.prompt_pages")


class PromptPagesPlugin(BasePlugin[PromptPagesConfig]):
    supports_multiple_instances = False

    def on_config(self, config):
        """Resolve the sources folder next to mkdocs.yml."""
        self.sources = Path(config.config_file_path or ".").resolve().parent / self.config.sources
        self.checked: dict[str, CheckedPage] = {}

    def on_files(self, files: Files, *, config) -> Files:
        """Generate every page from sources/ and add it to the build, beside docs/.

        Generated pages exist only in the build: nothing is written into docs/, and a
        hand-written page at the same path wins over the generated one.
        """
        if not self.config.enabled:
            return files
        site = generate_site([str(self.sources)], check_html=False)
        for problem in site.problems:
            log.warning(str(problem))
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
            for problem in check_links(checked.source, page_links("", html), checked.allowed_links):
                log.warning(str(problem))
        return html

    def on_serve(self, server, *, config, builder):
        """Rebuild when a prompt is added, edited or deleted."""
        if self.config.enabled and self.sources.is_dir():
            server.watch(str(self.sources))
        return server
