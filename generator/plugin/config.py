from mkdocs.config import config_options as c
from mkdocs.config.base import Config, ValidationError

from .pagefind_index import PART_PAGES, SearchEngine
from ..files.sitemap import URL_LIMIT


class AtLeastOne(c.Type):
    """A whole number of at least 1."""

    def __init__(self, default: int):
        super().__init__(int, default=default)

    def run_validation(self, value):
        value = super().run_validation(value)
        if value < 1:
            raise ValidationError(f"Expected a number of at least 1, but received: {value}")
        return value


class SecondProcessConfig(Config):
    """``second_process`` in ``mkdocs.yml``: a process beside MkDocs renders pages and reads their
    HTML for the provenance check while MkDocs renders the others on one core (plugin/fast_render.py)."""

    #: Off: every page is rendered and checked in MkDocs' own process.
    enabled = c.Type(bool, default=True)
    #: From this many generated pages (it takes a moment to start; it needs a second core too).
    from_pages = c.Type(int, default=200)


class PromptPagesConfig(Config):
    """Options of the ``prompt-pages`` plugin in ``mkdocs.yml``."""

    #: Folder of prompt files (``*.txt``, searched recursively), relative to mkdocs.yml.
    sources = c.Type(str, default="sources")
    #: Turn the plugin off (``enabled: !ENV [PROMPT_PAGES, true]``) to build docs/ alone.
    enabled = c.Type(bool, default=True)
    #: Fail ``mkdocs build --strict`` on what answers do too: links an answer cites that its
    #: prompt's sources lack, answers that seem to answer another prompt's question. Off: they
    #: are listed (logged at INFO, as MkDocs' own ``validation`` options do for what they do not
    #: fail on), marked on their pages and on the Unsupported citations page.
    answers_strict = c.Type(bool, default=False)
    #: ``{enabled: true, from_pages: 200}``: see SecondProcessConfig.
    second_process = c.SubConfig(SecondProcessConfig)
    #: What answers Material's search box: ``pagefind`` (an index in chunks, of which a query
    #: loads only what it needs) or ``material`` (Material's own index, downloaded whole by every
    #: visitor: enough for a small site).
    search = c.Choice(tuple(SearchEngine), default=SearchEngine.PAGEFIND)
    #: With ``search: pagefind``, a file (relative to mkdocs.yml) where the build keeps what
    #: Pagefind indexed too (Material's search entries, the hubs' other names), outside the site:
    #: a pull request's preview indexes its own pages from it (``python -m generator preview
    #: --search-entries``; preview.yml sets it). Empty: not kept.
    search_entries = c.Type(str, default="")
    #: With ``search: pagefind``, the most pages one Pagefind run indexes: a site of more is
    #: indexed in parts of equal size, one run after another (Pagefind's process needs about
    #: 100 KB a page), which the search box merges (plugin/pagefind_index.py). At or below it,
    #: one index.
    search_part_pages = AtLeastOne(default=PART_PAGES)
    #: The most URLs the sitemap lists: a site of more pages gets its sitemap in parts, and
    #: ``sitemap.xml`` their index (files/sitemap.py). The default is the sitemap protocol's
    #: limit, past which search engines refuse a sitemap.
    sitemap_part_urls = AtLeastOne(default=URL_LIMIT)
    #: A folder (relative to mkdocs.yml) where a build keeps what it worked out (the generated
    #: pages, each page as written with its search entries and HTML check, the Pagefind index),
    #: keyed by everything each depends on, so that the next ``mkdocs build`` or ``make serve``
    #: reuses what did not change (plugin/warm_cache.py). Code, packages, mkdocs.yml, the theme
    #: overrides and docs/ changing invalidates all of it; a corrupt cache is ignored. Empty: off.
    cache = c.Type(str, default=".cache/prompt-pages")
