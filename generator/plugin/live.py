"""What ``mkdocs serve --dirty`` keeps from one build to the next, so that saving one prompt
rebuilds its page, the index pages that list it, and the search index, in about a second.

MkDocs' dirty build renders only the pages whose file says it changed (``File.is_modified``),
and never cleans the site folder. The plugin lives across rebuilds (it has ``on_startup``), so
:class:`Live` keeps the last build's site and files: a generated page whose Markdown is the same
keeps its File (and MkDocs its Page, and the HTML already written), any other gets a new
File that says it changed. What a dirty build leaves out, it makes whole again:

- the pages of deleted prompts are removed from the site folder;
- Material's search plugin indexes only the pages it sees rendered: the index keeps every other
  page's entries from the build that rendered it, in the order a clean build writes them;
- the same for the tags plugin's ``tags.json``;
- anything else that changed (mkdocs.yml, a file in docs/) rebuilds the whole site, from a
  clean site folder, and so does the build after one that failed;
- so does every build while the site uses a plugin this module does not know how to keep
  whole (any but Material's search and tags, see mkdocs_internals.serve_plugins): a message
  at the first build says which.

It talks to Material's plugins only through :mod:`.mkdocs_internals`.

``tests/test_serve.py`` edits, adds and deletes prompts under a real ``mkdocs serve --dirty``
and compares every file it serves with a clean build.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import jinja2
from mkdocs import utils
from mkdocs.structure.files import File, Files, InclusionLevel

from ..runtime import collector
from ..site import Site
from ..files.sources import TextCache
from .mkdocs_internals import MaterialSearch, ServePlugins, serve_plugins

log = logging.getLogger("mkdocs.plugins.prompt_pages")


class GeneratedFile(File):
    """A generated page; ``changed`` is False when its Markdown is the last build's."""

    changed = True

    def is_modified(self) -> bool:
        return self.changed


class _CompiledTemplates(jinja2.BytecodeCache):
    """The theme's templates, compiled once: MkDocs makes a new Jinja environment every build."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


class Live:
    def __init__(self, own: type):
        self.own = own  # the prompt-pages plugin's class
        self.plugins = ServePlugins(None, None, ())
        self.templates = _CompiledTemplates()
        self.texts = TextCache()
        self.site: Site | None = None  # the last build's; None: the next build is a whole one
        self.files: dict[str, GeneratedFile] = {}  # the last build's generated files, by path
        self.inputs: tuple = ()  # mkdocs.yml and docs/ as the last build saw them
        self.search: dict[str, str] = {}  # each page's search entries (JSON, without brackets), by URL
        self.tags: dict[str, object] = {}  # each page's tags mapping, by URL
        self.rendered: set[str] = set()  # the URLs of the pages rendered in this build (all others are kept)
        self.urls: list[str] = []  # every page's URL, in the order MkDocs builds them under `mkdocs serve`
        self.html_problems: dict[str, list] = {}  # what the HTML check found on each generated page

    @property
    def whole(self) -> bool:
        """Whether this build renders every page (the first, or after a change outside sources/)."""
        return self.site is None

    def start(self, config) -> None:
        """Before a build: a whole one (in a clean site folder) unless only sources/ changed."""
        inputs = _inputs(config)
        plugins = serve_plugins(config, self.own)
        if plugins.unknown and plugins.unknown != self.plugins.unknown:
            log.info(f"prompt-pages: every change rebuilds the whole site: `mkdocs serve --dirty` cannot keep "
                     f"what these plugins make whole: {', '.join(plugins.unknown)}")
        self.plugins = plugins
        if self.site is not None and (inputs != self.inputs or plugins.unknown):
            self.forget()
        if self.whole:
            # What the last whole build left frozen (see finish) goes now, before this build
            # freezes what lives (plugin.on_files).
            collector.release(collect=True)
        if self.whole and os.path.isdir(config.site_dir):
            utils.clean_directory(config.site_dir)
        self.inputs = inputs
        self.rendered = set()
        if plugins.search is not None:
            plugins.search.forget_previous_index()  # the whole index is written in finish

    def forget(self) -> None:
        self.site, self.files, self.search, self.tags, self.html_problems = None, {}, {}, {}, {}

    def file(self, config, path: str, content: bytes) -> GeneratedFile:
        """A generated page's or file's File: the last build's when its content is the same."""
        old = self.files.get(path)
        # In UTF-8 (CheckedPage.text), as a build hands it: compared without decoding every page.
        if old is not None and self.site is not None and old.content_bytes == content:
            old.changed = False
            return old
        return GeneratedFile.generated(config, path, content=content)

    def prepare(self, config, env, files: Files) -> None:
        """Before the templates are rendered (on_env): the order of the pages, the templates
        compiled in an earlier build (Jinja checks each one's source against the one it was
        compiled from), and the whole of tags.json (the tags plugin writes it next, knowing only
        the pages rendered in this build)."""
        self.urls = [file.page.url for file in files.documentation_pages(inclusion=InclusionLevel.is_in_serve)]
        env.bytecode_cache = self.templates
        tags = self.plugins.tags
        if tags is not None:
            fresh = tags.mappings()
            whole = {}
            for url in self.urls:
                mapping = fresh.get(url) if url in self.rendered else self.tags.get(url)
                if mapping is not None:
                    whole[url] = mapping
            tags.set_mappings(whole)
            self.tags = whole

    def finish(self, config, site: Site, generated: dict[str, GeneratedFile],
               html_problems: dict[str, list]) -> dict[str, list]:
        """After the build: the whole search index written, deleted pages removed, what this build
        made kept. Returns what the HTML check found on every generated page, rendered now or before."""
        if self.plugins.search is not None:
            self._write_search_index(config, self.plugins.search)
        for path, old in self.files.items():
            if path not in generated:
                _remove(old.abs_dest_path, config.site_dir)
            if generated.get(path) is not old:
                old.page = None  # a File and its Page refer to each other: left alone, only the collector frees them
        if self.whole:
            # The site lives until the next whole build, and the collector would walk all of it,
            # millions of objects, whenever the files the server watches have made enough others
            # (benchmarks/README.md): kept out of its way. What it leaves behind from now on is
            # freed as it goes (see above), or by the collector at the next whole build.
            collector.keep_through_build()
        self.site, self.files = site, generated
        self.texts.sweep()
        known = {**self.html_problems, **html_problems}
        self.html_problems = {path: known[path] for path in generated if path in known}
        return self.html_problems

    def _write_search_index(self, config, search: MaterialSearch) -> None:
        fresh: dict[str, list] = {}
        for entry in search.entries():
            fresh.setdefault(entry["location"].partition("#")[0], []).append(entry)
        whole = {}
        for url in self.urls:
            if url in self.rendered:
                whole[url] = json.dumps(fresh.get(url, []), separators=(",", ":"), default=str)[1:-1]
            elif url in self.search:
                whole[url] = self.search[url]
        self.search = whole
        # The index as the search plugin writes it, with every page's entries in page order.
        data = search.index_json(list(whole.values()))
        path = os.path.join(config.site_dir, "search", "search_index.json")
        # Written whole, then put in place: the search index's thread reads and writes it too.
        utils.write_file(data.encode("utf-8"), path + ".new")
        os.replace(path + ".new", path)


def _inputs(config) -> tuple:
    """mkdocs.yml's bytes and the files of docs/ (name, size, modification time): when either
    changes, any page may change (the nav, the theme, a hand-written page replacing a generated one)."""
    found = []
    for folder, _, names in os.walk(config.docs_dir):
        for name in names:
            path = os.path.join(folder, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            found.append((path, info.st_size, info.st_mtime_ns))
    try:
        config_bytes = Path(config.config_file_path).read_bytes() if config.config_file_path else b""
    except OSError:
        config_bytes = b""
    return hashlib.sha256(config_bytes).hexdigest(), tuple(sorted(found))


def _remove(path: str, site_dir: str) -> None:
    """A page of a deleted prompt, and the folders it leaves empty (up to the site folder)."""
    try:
        os.unlink(path)
    except OSError:
        return
    folder, top = os.path.dirname(path), os.path.abspath(site_dir)
    while os.path.abspath(folder).startswith(top + os.sep):
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = os.path.dirname(folder)
