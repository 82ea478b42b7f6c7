"""What a build worked out, kept on disk for the next one (the plugin's ``cache`` option,
``.cache/prompt-pages`` beside mkdocs.yml by default): a warm start.

A build of 10,000 prompts spends most of its time on work whose result a second build with the
same inputs would make again byte for byte: generating the pages' Markdown, rendering it, the
HTML check, each page's template, Material's search entries and the Pagefind index. The plugin
keeps each of those results in a :class:`Store`, keyed by a digest of everything it depends on:

- the **environment** (:func:`environment`): this format's version, Python's, every installed
  package's, the generator package's own files (a developer's change to the code counts),
  ``mkdocs.yml``'s bytes and the configuration as read (``!ENV`` values included), the theme
  overrides and ``docs/``. A store made in another environment is ignored whole;
- the generated site: the environment, the working folder (problems name paths from it) and
  every source file read (paths and texts);
- a generated page: the environment, every file of the build and its address (a link to a page
  that went away renders otherwise), the page's path, Markdown, source file and allowed links.
  Its template's other inputs (the nav, the theme, the configuration) are in the environment;
  prompt pages are not in the nav, so they have no neighbours;
- the Pagefind bundle: the search entries and names it indexes.

A store is one file, written to a temporary file and renamed over the last one, so a reader
never sees half of it; it starts with :data:`MAGIC` and this format's version, then the SHA-256
of the rest. A file that is missing, truncated, altered, of another version or another
environment is ignored whole, with one INFO line, and the build runs cold: a stale or broken
entry is never used. Only what one build used or made is written again, so it never grows with
history. Nothing in it is executable: entries are JSON or raw bytes, zlib-compressed but for the
pages' HTML (decompressing it took longer than reading it; actions/cache compresses the folder).

:class:`Store` and the digests know nothing of MkDocs; :class:`WarmBuild` is what one build of
the plugin (plugin/plugin.py) does with a store: a generated page found in it is given to MkDocs
without its Markdown (``on_page_read_source``), takes what ``Page.render`` gave it last time
(title, anchors, links to anchors; its HTML is not needed), is made with an empty template
(:data:`CACHED_TEMPLATE`), and is written as the page it was, its search entries put back in
Material's index in its place; a page not found is built as always and kept.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import itertools
import json
import logging
import mmap
import os
import shutil
import struct
import sys
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..files.sources import SourceFile
from ..records import Level, Problem, SiteFile
from ..site import CheckedPage, Site
from . import mkdocs_internals

log = logging.getLogger("mkdocs.plugins.prompt_pages")

#: The first bytes of a store, with :data:`FORMAT`: a file that does not start so is not one.
MAGIC = b"prompt-pages warm cache\n"
#: This module's format; a store of another is ignored.
FORMAT = 1
#: The stores in the cache folder, one per environment ("store-" and the start of its digest):
#: `make serve` and `mkdocs build` differ in site_url, and one would otherwise undo the other's.
STORE = "store-{}.bin"
#: How many stores the folder keeps, the most recently written (older environments go).
KEEP = 2
_HEAD = struct.Struct(">I32sQ")  # format, SHA-256 of the rest, length of the index
_CODE = Path(__file__).resolve().parent.parent  # the generator package
#: The template a page found in the cache is made with (plugin.on_env adds it): nothing, since
#: the page as written is known.
CACHED_TEMPLATE = "prompt-pages-cached.html"


def digest(*parts: str | bytes) -> str:
    """SHA-256 of ``parts``, each length-prefixed (no two lists of parts give one digest)."""
    return digest_of(parts)


def digest_of(parts: Iterable[str | bytes]) -> str:
    """:func:`digest` of parts made one at a time (a site's sources, its search entries: at
    100,000 prompts, gigabytes if made all at once)."""
    hashed = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hashed.update(struct.pack(">Q", len(data)))
        hashed.update(data)
    return hashed.hexdigest()


def tree_digest(folder: Path | str | None) -> str:
    """Every file under ``folder`` (its path inside and its bytes), compiled Python left out;
    "" when there is no such folder."""
    if not folder or not os.path.isdir(folder):
        return ""
    parts: list[str | bytes] = []
    for top, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        for name in sorted(names):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(top, name)
            parts.append(os.path.relpath(path, folder))
            try:
                parts.append(Path(path).read_bytes())
            except OSError:
                parts.append(b"\0unreadable")
    return digest(*parts)


def installed_packages() -> str:
    """Every installed distribution and its version, one a line, sorted."""
    found = {f"{dist.metadata['Name'] or ''}=={dist.version}" for dist in importlib.metadata.distributions()}
    return "\n".join(sorted(found))


def environment(config_bytes: bytes, settings: str, folders: Iterable[Path | str | None]) -> str:
    """The digest of what every cached result depends on, beside its own inputs: this format,
    Python, the installed packages, the generator package's files, ``config_bytes`` (mkdocs.yml),
    ``settings`` (the configuration as read, as text) and the files of ``folders`` (the theme
    overrides, docs/)."""
    return digest(str(FORMAT), sys.version, installed_packages(), tree_digest(_CODE), config_bytes, settings,
                  *(tree_digest(folder) for folder in folders))


def settings_text(config) -> str:
    """MkDocs' configuration as read (``!ENV`` values resolved), as stable text: the plugins by
    their options, functions by name; where the site is written and ``--strict`` left out (no
    page depends on them)."""
    settings = {}
    for key, value in config.items():
        if key in ("site_dir", "strict"):
            continue
        if key == "plugins":
            value = {name: dict(plugin.config) for name, plugin in value.items()}
        elif key == "theme":
            value = {"name": value.name, "dirs": list(value.dirs), **dict(value.items())}
        settings[key] = value
    return json.dumps(settings, sort_keys=True, default=_stable, ensure_ascii=False)


def _stable(value) -> object:
    """A value JSON has no form for, as text the same in every process (no memory address)."""
    if hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    if hasattr(value, "items"):
        return dict(value.items())
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text


def pack_files(files: dict[str, bytes]) -> bytes:
    """Files (relative path → bytes) as one string of bytes (:func:`unpack_files` reads it)."""
    out = []
    for name, data in sorted(files.items()):
        encoded = name.encode("utf-8")
        out += [struct.pack(">IQ", len(encoded), len(data)), encoded, data]
    return b"".join(out)


def unpack_files(packed: bytes) -> dict[str, bytes]:
    """What :func:`pack_files` packed; ValueError when it is not that."""
    files, at, head = {}, 0, struct.Struct(">IQ")
    while at < len(packed):
        if at + head.size > len(packed):
            raise ValueError("truncated")
        name_length, data_length = head.unpack_from(packed, at)
        at += head.size
        end = at + name_length + data_length
        if end > len(packed):
            raise ValueError("truncated")
        name = bytes(packed[at : at + name_length]).decode("utf-8")
        if name.startswith(("/", "\\")) or ".." in Path(name).parts:
            raise ValueError(f"a path outside the folder: {name}")
        files[name] = bytes(packed[at + name_length : end])
        at = end
    return files


class Store:
    """The entries of one cache file (key → bytes), and those this build keeps or adds.

    ``Store.load`` never raises: a file that cannot be trusted gives an empty store, told in one
    INFO line. ``save`` writes what this build used (:meth:`get`) or made (:meth:`put`), only
    when that differs from what it loaded. Neither holds the entries in memory: the file read is
    mapped (the kernel pages it in and out), and what a build adds waits in a temporary file
    beside it (a build of 100,000 prompts adds about 2 GB of pages, while Pagefind's process
    needs most of the machine's memory)."""

    def __init__(self, path: Path, environment: str, entries: dict[str, memoryview] | None = None):
        self.path = path
        self.environment = environment
        self._loaded: dict[str, memoryview] = entries or {}
        #: What the next file holds: an entry loaded (its bytes) or added (where it waits).
        self._kept: dict[str, memoryview | _Added] = {}
        self._added: tempfile._TemporaryFileWrapper | None = None  # where the added entries wait
        self.hits = self.misses = 0

    @classmethod
    def load(cls, folder: Path, environment: str) -> Store:
        path = folder / STORE.format(environment[:16])
        try:
            data = _mapped(path)
        except FileNotFoundError:
            log.info(f"prompt-pages: no cache in {folder} for this code and configuration yet; "
                     "this build is cold and fills it")
            return cls(path, environment)
        except (OSError, ValueError) as error:  # ValueError: an empty file cannot be mapped
            log.info(f"prompt-pages: cache {path} not read ({getattr(error, 'strerror', None) or error}); "
                     "this build is cold")
            return cls(path, environment)
        try:
            entries = _read(data, environment)
        except (ValueError, KeyError, TypeError, struct.error, UnicodeDecodeError) as error:
            log.info(f"prompt-pages: cache {path} ignored ({error}); this build is cold")
            return cls(path, environment)
        return cls(path, environment, entries)

    def __len__(self) -> int:
        return len(self._loaded)

    def has(self, key: str) -> bool:
        return key in self._kept or key in self._loaded

    def get(self, key: str) -> bytes | None:
        """The entry's bytes (decompressed), kept for the next build; None when there is none or
        it cannot be read (then this build makes it again)."""
        kept = self._kept.get(key)
        stored = self._stored(kept) if kept is not None else self._loaded.get(key)
        if stored is None:
            self.misses += 1
            return None
        try:
            value = zlib.decompress(stored[1:]) if stored[:1] == b"z" else bytes(stored[1:])
        except zlib.error:
            self.misses += 1
            return None
        if kept is None:
            self._kept[key] = self._loaded[key]
        self.hits += 1
        return value

    def get_json(self, key: str):
        value = self.get(key)
        if value is None:
            return None
        try:
            return json.loads(value)
        except ValueError:
            self._kept.pop(key, None)
            return None

    def put(self, key: str, value: bytes, compress: bool = True) -> None:
        stored = b"z" + zlib.compress(value, 1) if compress else b"r" + value
        if self._added is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._added = tempfile.TemporaryFile(dir=self.path.parent, prefix=".added-")
        at = self._added.seek(0, os.SEEK_END)
        self._added.write(stored)
        self._kept[key] = _Added(at, len(stored))

    def put_json(self, key: str, value) -> None:
        self.put(key, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    def _stored(self, kept: memoryview | _Added) -> memoryview | bytes:
        if isinstance(kept, _Added):
            self._added.flush()
            return os.pread(self._added.fileno(), kept.length, kept.at)
        return kept

    @property
    def changed(self) -> bool:
        return self._kept.keys() != self._loaded.keys() or any(
            self._kept[key] is not self._loaded[key] for key in self._kept)

    def save(self) -> bool:
        """Write what this build used or made, if that changed; False (and a line at INFO) when it
        could not be written: the next build is cold then, never wrong."""
        try:
            if self.changed:
                self._write()
            return True
        except OSError as error:
            log.info(f"prompt-pages: cache {self.path} not written ({error}); the next build is cold")
            return False
        finally:
            self.close()

    def _write(self) -> None:
        """The entries kept into a temporary file, its checksum written last, then renamed over
        the store: a reader never sees half of it."""
        index: dict[str, list[int]] = {}
        at = 0
        for key, kept in self._kept.items():
            length = kept.length if isinstance(kept, _Added) else len(kept)
            index[key] = [at, length]
            at += length
        header = json.dumps({"environment": self.environment, "entries": index}, separators=(",", ":")).encode()
        checked = hashlib.sha256(header)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.path.parent, prefix=".store-", delete=False) as out:
            try:
                out.write(MAGIC + _HEAD.pack(FORMAT, bytes(32), len(header)) + header)
                for kept in self._kept.values():
                    value = self._stored(kept)
                    checked.update(value)
                    out.write(value)
                out.seek(len(MAGIC))
                out.write(_HEAD.pack(FORMAT, checked.digest(), len(header)))
            except BaseException:
                os.unlink(out.name)
                raise
        os.replace(out.name, self.path)
        _keep_newest(self.path.parent)

    def close(self) -> None:
        """Let go of the entries added (their temporary file); the store is empty afterwards."""
        if self._added is not None:
            self._added.close()
        self._added = None
        self._kept = {}
        self._loaded = {}


@dataclass(frozen=True)
class _Added:
    """Where an entry added by this build waits in the store's temporary file."""

    at: int
    length: int


def _mapped(path: Path) -> memoryview:
    """The file's bytes, mapped rather than read (they stay valid once the file is replaced)."""
    with open(path, "rb") as file:
        return memoryview(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ))


def _keep_newest(folder: Path) -> None:
    """The :data:`KEEP` stores last written; the others (older environments) removed."""
    stores = sorted(folder.glob(STORE.format("*")), key=lambda path: path.stat().st_mtime_ns, reverse=True)
    for old in stores[KEEP:]:
        old.unlink(missing_ok=True)


def _read(data: bytes | memoryview, environment: str) -> dict[str, memoryview]:
    """The entries of a store's bytes; ValueError (and the like) when they cannot be trusted."""
    if bytes(data[: len(MAGIC)]) != MAGIC:
        raise ValueError("not a cache of this plugin")
    version, checksum, header_length = _HEAD.unpack_from(data, len(MAGIC))
    if version != FORMAT:
        raise ValueError(f"format {version}, not {FORMAT}")
    body = memoryview(data)[len(MAGIC) + _HEAD.size :]
    if hashlib.sha256(body).digest() != checksum:
        raise ValueError("its checksum does not match: cut short or altered")
    header = json.loads(bytes(body[:header_length]))
    if header["environment"] != environment:
        raise ValueError("made with other code, packages, configuration or theme")
    blob = body[header_length:]
    entries = {}
    for key, (at, length) in header["entries"].items():
        if at < 0 or length < 0 or at + length > len(blob):
            raise ValueError("an entry outside the file")
        entries[key] = blob[at : at + length]
    return entries


# --------------------------------------------------------------------------- one build

@dataclass(frozen=True)
class GeneratedPages:
    """What the plugin needs of a generated site (site.Site without its pipeline's results)."""

    prompts: int
    pages: list[CheckedPage]
    problems: list[Problem]
    files: list[SiteFile]  # beside the pages (Site.files)

    @classmethod
    def of(cls, site: Site) -> GeneratedPages:
        return cls(len(site.results), site.pages, site.problems, site.files)

    def to_json(self) -> dict:
        """All but the pages' Markdown (kept apart, a page's at a time: see keep_site)."""
        return {"prompts": self.prompts, "problems": [_problem_json(problem) for problem in self.problems],
                "pages": [[page.path, page.source, sorted(page.allowed_links), list(page.search_names)]
                          for page in self.pages],
                "files": [[file.path, file.text] for file in self.files]}

    @classmethod
    def from_json(cls, data: dict, texts: list[bytes]) -> GeneratedPages:
        """The pages of :meth:`to_json`, with their Markdown (UTF-8) in ``texts``."""
        if len(texts) != len(data["pages"]):
            raise ValueError("not one text a page")
        pages = [CheckedPage(path, text, source, frozenset(allowed), tuple(names))
                 for (path, source, allowed, names), text in zip(data["pages"], texts)]
        files = [SiteFile(str(path), str(text)) for path, text in data["files"]]
        return cls(int(data["prompts"]), pages, [_problem(item) for item in data["problems"]], files)


def _problem_json(problem: Problem) -> list:
    return [problem.path, problem.line, problem.message, problem.level.value]


def _problem(item: list) -> Problem:
    path, line, message, level = item
    return Problem(str(path), None if line is None else int(line), str(message), Level(level))


def sources_key(environment_digest: str, arguments: list[str], sources: list[SourceFile],
                problems: list[Problem]) -> str:
    """The key of the site generated from these sources (read by files.sources.read_sources)."""
    return digest_of(itertools.chain(("site", environment_digest, os.getcwd(), *arguments),
                                     map(repr, problems), map(repr, sources)))


def cached_site(store: Store, key: str) -> GeneratedPages | None:
    """The generated site kept under ``key`` (:func:`sources_key`), None when there is none whole."""
    data = store.get_json(key)
    if not isinstance(data, dict) or not isinstance(data.get("pages"), list):
        return None
    texts = [store.get(f"{key}:{index}") for index in range(len(data["pages"]))]
    if None in texts:
        return None
    try:
        return GeneratedPages.from_json(data, texts)
    except (KeyError, TypeError, ValueError):
        return None


def keep_site(store: Store, key: str, generated: GeneratedPages) -> None:
    """The site's pages, each page's Markdown an entry of its own: one JSON of them all would be
    gigabytes at 100,000 prompts, made at once."""
    store.put_json(key, generated.to_json())
    for index, page in enumerate(generated.pages):
        store.put(f"{key}:{index}", page.text)


class WarmBuild:
    """What one build takes from the store and gives it (see the module's docstring).

    ``search``: Material's search entries of this build (a list MkDocs' search plugin appends to,
    mkdocs_internals.MaterialSearch.entries), None without that plugin."""

    def __init__(self, store: Store):
        self.store = store
        self.keys: dict[str, str] = {}  # each generated page's key, by path
        self.warnings = _Warnings()
        self._warnings_from: dict[str, int] = {}
        self.found: dict[str, dict] = {}  # the pages found in the store, read when MkDocs reads them
        self.search: list[dict] | None = None
        self._search_from: dict[str, int] = {}
        self.problems: dict[str, list[Problem]] = {}  # the HTML check's, of the pages found

    def start(self, files_digest: str, pages: Iterable[CheckedPage]) -> set[str]:
        """Each page's key (``files_digest``: every file of the build and its address); returns
        the paths of those in the store."""
        environment_digest = self.store.environment
        logging.getLogger("mkdocs").addHandler(self.warnings)
        for page in pages:
            self.keys[page.path] = digest("page", environment_digest, files_digest, page.path, page.text,
                                          page.source, *sorted(page.allowed_links))
        return {path for path, key in self.keys.items() if self.store.has(key)}

    def read_source(self, path: str) -> bool:
        """Whether the page at ``path`` is built from the store (then it is read from there)."""
        key = self.keys.get(path)
        if key is None or not self.store.has(key):
            return False
        record = self.store.get_json(key)
        # Kept only when there are: the store is saved once every page's are known (finish).
        problems = self.store.get_json(key + ":problems") if self.store.has(key + ":problems") else []
        # Its HTML is read here to know it can be, and taken again when the page is written
        # (page_made): MkDocs reads every page before it writes any, and 100,000 pages' HTML
        # would be held at once.
        if not _page_record(record) or self.store.get(key + ":html") is None or not isinstance(problems, list):
            return False
        try:
            self.problems[path] = [_problem(item) for item in problems]
        except (TypeError, ValueError):
            return False
        self.found[path] = record
        return True

    def render(self, page, config, files) -> None:
        """``Page.render`` of a page found: what it gave last time, but its HTML (not needed)."""
        record = self.found[page.file.src_uri]
        page.content = ""
        page.meta["template"] = CACHED_TEMPLATE
        mkdocs_internals.set_title_from_render(page, record["title"])
        page.present_anchor_ids = set(record["anchors"])
        links: dict = {}
        for target, anchor, original in record["links"]:
            file = page.file if target is None else files.get_file_from_path(target)
            if file is not None:
                links.setdefault(file, {}).setdefault(anchor, original)
        page.links_to_anchors = links

    def page_started(self, path: str) -> None:
        """Before MkDocs reads the page (on_pre_page)."""
        self._warnings_from[path] = self.warnings.count

    def before_search(self, path: str) -> None:
        """Before Material's search plugin reads the page (on_page_context)."""
        if self.search is not None and path in self.keys:
            self._search_from[path] = len(self.search)

    def page_made(self, page, output: str) -> str:
        """The page as it is written (on_post_page): a page found is written as it was, its search
        entries in the index as they were; a page made now is kept."""
        path = page.file.src_uri
        start = self._search_from.pop(path, None)
        record = self.found.pop(path, None)
        if record is not None:
            if start is not None:
                del self.search[start:]
                self.search.extend(record["search"])
            return self.store.get(self.keys[path] + ":html").decode("utf-8")
        key = self.keys.get(path)
        if key is not None and self._warnings_from.pop(path, None) == self.warnings.count:
            # Not a page that warned while it was made (a broken link): a build that takes it
            # from the cache would not warn, and --strict would pass.
            links = [[None if file is page.file else file.src_uri, anchor, original]
                     for file, anchors in (page.links_to_anchors or {}).items() for anchor, original in anchors.items()]
            self.store.put(key + ":html", output.encode("utf-8"), compress=False)
            self.store.put_json(key, {
                "title": page.title, "anchors": sorted(page.present_anchor_ids or ()),
                "links": links, "search": self.search[start:] if start is not None else []})
        return output

    def finish(self, problems: dict[str, list[Problem]]) -> dict[str, list[Problem]]:
        """The HTML check's problems of every generated page: ``problems`` (the pages made now,
        whose problems are kept) and those the store gave for the others."""
        for path, found in problems.items():
            if found and path in self.keys and path not in self.problems and self.store.has(self.keys[path]):
                self.store.put_json(self.keys[path] + ":problems", [_problem_json(problem) for problem in found])
        self.close()
        log.info(f"prompt-pages: {len(self.problems):,} of {len(self.keys):,} generated pages from the cache")
        return {**problems, **self.problems}

    def close(self) -> None:
        logging.getLogger("mkdocs").removeHandler(self.warnings)

    def pagefind(self, docs: list[dict], names) -> tuple[str, dict[str, bytes] | None]:
        """The Pagefind bundle of these entries, if kept (relative path → bytes), and its key."""
        key = digest_of(itertools.chain(
            ("pagefind", json.dumps(names, sort_keys=True, ensure_ascii=False)),
            (json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str) for doc in docs)))
        packed = self.store.get(key)
        if packed is None:
            return key, None
        try:
            return key, unpack_files(packed)
        except (ValueError, UnicodeDecodeError):
            return key, None

    def keep_pagefind(self, key: str, bundle: Path) -> None:
        files = {str(path.relative_to(bundle)): path.read_bytes() for path in bundle.rglob("*") if path.is_file()}
        self.store.put(key, pack_files(files))


class _Warnings(logging.Handler):
    """Counts what MkDocs and its plugins log at WARNING or above."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record):
        self.count += 1


def _page_record(record) -> bool:
    """Whether a page's record has the shape :meth:`WarmBuild.page_made` gives it."""
    return (isinstance(record, dict) and isinstance(record.get("title", 0), (str, type(None)))
            and isinstance(record.get("anchors"), list) and isinstance(record.get("search"), list)
            and all(isinstance(entry, dict) for entry in record["search"])
            and isinstance(record.get("links"), list)
            and all(isinstance(link, list) and len(link) == 3 for link in record["links"]))


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """``files`` (relative path → bytes) written into ``folder``, which is emptied first."""
    if folder.exists():
        shutil.rmtree(folder)
    made: set[Path] = set()  # each folder made once (Pagefind's 10,000 fragments share a few)
    for name, data in files.items():
        path = folder / name
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(data)
