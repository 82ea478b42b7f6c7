"""Every private name of MkDocs, Python-Markdown and Material that the plugin uses, in one place.

The plugin renders generated pages as MkDocs' ``Page.render`` would, one block at a time
(fast_render.py), and keeps the site whole between ``mkdocs serve --dirty`` rebuilds (live.py). Both
rely on what MkDocs and Material do not publish. It is all here, so that an upgrade that renames
or changes one of these fails here, and ``tests/test_mkdocs_internals.py`` says which; no other
module may import a private name of ``mkdocs``, ``markdown`` or ``material`` (that test greps).
pyproject.toml allows only the versions this was tested with (constraints.txt pins them).

What it uses (MkDocs 1.6, Python-Markdown 3.11, Material 9.8: pyproject.toml allows only these), why, and what breaks without it:

| Name | Why | Without it |
| --- | --- | --- |
| ``mkdocs.structure.pages._RawHTMLPreprocessor`` (preprocessor ``mkdocs_raw_html``, 21) | the ids and ``<a name>`` of a block's raw HTML | links to them reported missing |
| ``mkdocs.structure.pages._ExtractAnchorsTreeprocessor`` (treeprocessor ``mkdocs_extract_anchors``, 5) | the ids of a block's elements | links to headings reported missing |
| ``mkdocs.structure.pages._RelativePathTreeprocessor`` (treeprocessor ``relpath``, 0) | links made relative to the page; the links to other pages' anchors | every link between pages wrong |
| ``mkdocs.structure.pages._ExtractTitleTreeprocessor`` (treeprocessor ``mkdocs_extract_title``, 1) | the title from the page's first ``<h1>`` | pages titled from their file names |
| ``Page._title_from_render`` | where ``Page.render`` leaves that title (``Page.title`` reads it) | the same |
| logger ``mkdocs.structure.pages`` | a block whose conversion logs (a broken link) leaves its page to ``Page.render`` | a broken link reported without its page |
| logger ``mkdocs.commands.build``, one message | see :func:`quiet_dirty_build_warning` | a false warning on every rebuild of ``make serve`` |
| Material's search plugin: ``search_index_prev``, ``search_index.entries``, ``.config``, ``.generate_search_index``, ``"docs":[]`` in its JSON | the whole index written after a dirty build; in a build, its copy of the entries let go once written (:class:`MaterialSearch`) | an index of only the pages rendered, or duplicates |
| Material's tags plugin: ``mappings.data`` | the whole tags.json after a dirty build (:class:`MaterialTags`) | tags.json of only the pages rendered |

``Page.render`` registers the four processors with their private ``_register``; here each place
is registered once through Python-Markdown's public registry under the same name and priority,
and holds a processor made afresh for each block instead of one whose state is reset (a few
microseconds against a block's conversion; benchmarks/README.md). ``tests/test_mkdocs_internals.py`` renders a
page with ``Page.render`` and fails, naming them, if MkDocs registers processors other than
:data:`PAGE_PROCESSORS`, under other names or priorities.

The plugin gives a generated page its renderer by replacing the page's ``render`` (plugin.py,
``on_pre_page``) rather than by making it a subclass of ``Page``, as Material's blog makes its
posts: MkDocs uses a page a plugin made before the nav as it is, and the nav's titles of the
generated index pages (``Tasks: tasks/index.md``) would be lost.

For live.py, :func:`serve_plugins` finds Material's search and tags plugins by class. A plugin it
does not know, or a search or tags plugin not of the shape above, makes every rebuild under
``mkdocs serve --dirty`` a whole one (from a clean site folder): slower, never wrong.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import markdown
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import (
    Page,
    _ExtractAnchorsTreeprocessor,
    _ExtractTitleTreeprocessor,
    _RawHTMLPreprocessor,
    _RelativePathTreeprocessor,
)

#: What ``Page.render`` adds to its Markdown instance: (registry, name, priority, class).
PAGE_PROCESSORS = (
    ("preprocessors", "mkdocs_raw_html", 21, _RawHTMLPreprocessor),
    ("treeprocessors", "mkdocs_extract_anchors", 5, _ExtractAnchorsTreeprocessor),
    ("treeprocessors", "relpath", 0, _RelativePathTreeprocessor),
    ("treeprocessors", "mkdocs_extract_title", 1, _ExtractTitleTreeprocessor),
)
#: The options of ``validation.links`` that _RelativePathTreeprocessor reads (a second process
#: rebuilds the configuration from them).
LINK_VALIDATION_OPTIONS = ("absolute_links", "unrecognized_links", "not_found", "anchors")

_pages_log = logging.getLogger("mkdocs.structure.pages")
_build_log = logging.getLogger("mkdocs.commands.build")


@dataclass(frozen=True)
class FoundInBlock:
    """What MkDocs' processors found in one block."""

    title: str | None
    anchors: frozenset[str]  # ids and <a name> of its elements and of its raw HTML
    #: (the source path of the page linked to, None for the page itself; anchor; the link as written)
    links_to_anchors: tuple[tuple[str | None, str, str], ...]


class PageProcessors:
    """MkDocs' processors of ``Page.render`` on ``md``, in the places they take there (see
    :class:`_Current`), for one block after another of a build's pages."""

    def __init__(self, md: markdown.Markdown, files: Files, config):
        self.md, self.files, self.config = md, files, config
        self.places = tuple(_Current.of(getattr(md, registry), name, priority)
                            for registry, name, priority, _ in PAGE_PROCESSORS)
        self.warnings = _Counted()

    def for_block(self, file: File) -> Callable[[], FoundInBlock]:
        """New processors for a block of the page of ``file``; returns what reads what they
        found, once ``md`` converted it."""
        raw_html = _RawHTMLPreprocessor()
        anchors = _ExtractAnchorsTreeprocessor(file, self.files, self.config)
        relative = _RelativePathTreeprocessor(file, self.files, self.config)
        title = _ExtractTitleTreeprocessor(self.md)
        for place, processor in zip(self.places, (raw_html, anchors, relative, title)):
            place.processor = processor

        def found() -> FoundInBlock:
            links = tuple((None if target is file else target.src_uri, anchor, original)
                          for target, found_anchors in relative.links_to_anchors.items()
                          for anchor, original in found_anchors.items())
            return FoundInBlock(title.title, frozenset(anchors.present_anchor_ids | raw_html.present_anchor_ids), links)

        return found

    @contextmanager
    def warnings_counted(self) -> Iterator[Callable[[], int]]:
        """While converting outside ``Page.render``: what MkDocs' processors log (a broken link)
        is counted, not shown (``Page.render`` renders such a page again, and logs it with its name)."""
        self.warnings.count = 0
        _pages_log.addHandler(self.warnings)
        _pages_log.propagate = False
        try:
            yield lambda: self.warnings.count
        finally:
            _pages_log.propagate = True
            _pages_log.removeHandler(self.warnings)


class _Current(markdown.util.Processor):
    """Holds a processor's place (its name and priority) in a Markdown instance's registry, and
    runs the one given for the block being converted. Registering each new one instead would
    re-sort the registry four times a block (about 20 µs; benchmarks/README.md)."""

    processor = None

    @classmethod
    def of(cls, registry: markdown.util.Registry, name: str, priority: float) -> _Current:
        if name not in registry or not isinstance(registry[name], cls):
            registry.register(cls(), name, priority)
        return registry[name]

    def run(self, data):
        return self.processor.run(data)


def registrations(md: markdown.Markdown) -> set[tuple[str, str, float, str]]:
    """Every processor and pattern registered on ``md``: (registry, name, priority, class name)."""
    registries = {"preprocessors": md.preprocessors, "blockprocessors": md.parser.blockprocessors,
                  "treeprocessors": md.treeprocessors, "inlinePatterns": md.inlinePatterns,
                  "postprocessors": md.postprocessors}
    return {(kind, item.name, item.priority, type(_held(registry[item.name])).__name__)
            for kind, registry in registries.items() for item in registry._priority}


def _held(processor):
    return processor.processor if isinstance(processor, _Current) else processor


def records_links_to_anchors() -> bool:
    """Whether ``Page.render`` would set ``links_to_anchors`` (it does unless its logger shows debug)."""
    return _pages_log.getEffectiveLevel() > logging.DEBUG


def set_title_from_render(page: Page, title: str | None) -> None:
    page._title_from_render = title


class _Counted(logging.Handler):
    def __init__(self):
        super().__init__()
        self.count = 0

    def emit(self, record):
        self.count += 1


class _DirtyBuildWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


def quiet_dirty_build_warning(quiet: bool = True) -> None:
    """Drop MkDocs' warning that a dirty build "will likely lead to inaccurate navigation" (once
    per rebuild under ``make serve``): with the plugin under ``mkdocs serve --dirty`` it does not
    hold. A rebuild redoes every page a change changes (live.py), and the whole site when
    mkdocs.yml or docs/ change; ``tests/test_serve.py`` compares the served site with a clean
    build, file by file. Only that message is dropped (a filter on its logger), until
    ``quiet_dirty_build_warning(False)`` (when the server stops)."""
    for existing in [f for f in _build_log.filters if isinstance(f, _DirtyBuildWarning)]:
        _build_log.removeFilter(existing)
    if quiet:
        _build_log.addFilter(_DirtyBuildWarning())


# --------------------------------------------------------------------------- Material's plugins

class MaterialSearch:
    """Material's search plugin, as live.py keeps its index whole between dirty builds."""

    def __init__(self, plugin):
        self.plugin = plugin

    @staticmethod
    def recognised(plugin) -> bool:
        index = getattr(plugin, "search_index", None)
        return (hasattr(plugin, "search_index_prev") and hasattr(index, "entries")
                and hasattr(index, "config") and hasattr(index, "generate_search_index"))

    def forget_previous_index(self) -> None:
        """Its dirty mode merges the last index as if one page had changed: live.py writes the
        whole index itself (write_index)."""
        self.plugin.search_index_prev = None

    def entries(self) -> list[dict]:
        """The entries of the pages rendered in this build."""
        return self.plugin.search_index.entries

    def let_go_of_entries(self) -> None:
        """Once it has written its index: its copy of every page's entries, which it keeps until
        the next build (Pagefind's pages are made from the file)."""
        self.plugin.search_index.entries = []

    def index_json(self, entries: list[str]) -> str:
        """The index as the plugin writes it, of these entries (each page's, JSON without brackets)."""
        index = self.plugin.search_index
        empty = type(index)(**index.config).generate_search_index(None)
        head, marker, tail = empty.rpartition('"docs":[]')
        docs = ",".join(entry for entry in entries if entry)
        if marker:
            return f'{head}"docs":[{docs}]{tail}'
        # Not the format this was written for: the plugin writes every entry itself.
        index.entries = json.loads(f"[{docs}]")
        return index.generate_search_index(None)


class MaterialTags:
    """Material's tags plugin, as live.py keeps tags.json whole between dirty builds."""

    def __init__(self, plugin):
        self.plugin = plugin

    @staticmethod
    def recognised(plugin) -> bool:
        return hasattr(getattr(plugin, "mappings", None), "data")

    def mappings(self) -> dict:
        """Each rendered page's tags mapping, by URL."""
        return self.plugin.mappings.data

    def set_mappings(self, mappings: dict) -> None:
        """What the plugin writes into tags.json next (on_env)."""
        self.plugin.mappings.data = mappings


@dataclass(frozen=True)
class ServePlugins:
    """The plugins of a build, as ``mkdocs serve --dirty`` (live.py) deals with them."""

    search: MaterialSearch | None  # None: not in use
    tags: MaterialTags | None
    #: Plugins live.py cannot keep whole, by name: while any is in use, every build is whole.
    unknown: tuple[str, ...]


def serve_plugins(config, own: type) -> ServePlugins:
    """Material's search and tags plugins of this build (when enabled), and what else it uses
    (``own``: the prompt-pages plugin's class)."""
    from material.plugins.search.plugin import SearchPlugin
    from material.plugins.tags.plugin import TagsPlugin

    search = tags = None
    unknown = []
    for name, plugin in config.plugins.items():
        if isinstance(plugin, own):
            continue
        enabled = getattr(getattr(plugin, "config", None), "enabled", True)
        if isinstance(plugin, SearchPlugin) and MaterialSearch.recognised(plugin):
            search = MaterialSearch(plugin) if enabled else None
        elif isinstance(plugin, TagsPlugin) and MaterialTags.recognised(plugin):
            tags = MaterialTags(plugin) if enabled else None
        else:
            unknown.append(name)
    return ServePlugins(search, tags, tuple(unknown))
