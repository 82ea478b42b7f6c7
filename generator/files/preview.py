"""A pull request's preview of what it changed: the built site cut down to the pages its
prompts touch, every other page left to the production site.

A preview holds:

- the pages of the prompts the change adds or modifies (a deleted prompt's page is simply absent);
- the hub pages that list them: the page of each one's task, recommended models and related
  papers (the first page of a long list, and the later pages of it that list a changed prompt),
  the unsupported citations, the Report page, the home page, and the first page of each index in
  the nav;
- every file that is not a page: the shared assets, the theme's files, Material's search index
  (``search/``) and ``prompts.json``; not the sitemap (nor its parts), the source maps (read by
  a browser's developer tools only) or the 404 page (GitHub Pages serves the site's own); of the
  References' summaries (``assets/summaries/``), those that the kept pages link to;
- a Pagefind index of its own pages only, in place of the site's (``pagefind/``), made from the
  build's search entries (the plugin's ``search_entries``): the search box merges it with the
  production site's index (Pagefind's ``mergeIndex``), as ``search/preview.json`` describes
  (:func:`merged_search`) and a ``<meta>`` of each kept page points to. A result for a page the
  preview holds comes from the preview's index only.

Which pages those are comes from where the generator puts each page
(:mod:`generator.collection.paths`): only which page of a long list holds a prompt is read from
the list's pages. A link of a kept page to a page the preview does not hold goes to that page on
the production site, and so does a search result for one: only the ``href`` of ``<a>`` elements
and Material's search index's addresses change. :func:`plan_preview` decides (given a page's
HTML); :func:`apply_preview` is the edge that changes the site folder (``python -m generator preview``).
"""

from __future__ import annotations

import html
import json
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ..collection.paths import (
    HOME, MODEL_INDEX, PAPER_INDEX, REPORT_INDEX, SUMMARIES, TASK_INDEX, UNSUPPORTED_INDEX, index_page, model_page,
    paper_page, prompt_page, task_page,
)
from ..collection.paths import site_url as page_url
from .sitemap import is_sitemap_part
from .changes import FileChange, prompt_of

#: Pages a preview always holds: the home page, the first page of each index in the nav, the Report.
ALWAYS = (HOME, TASK_INDEX, MODEL_INDEX, PAPER_INDEX, REPORT_INDEX)
#: Files of a built site that are no page and that a preview leaves out.
DROPPED_NAMES = ("sitemap.xml", "sitemap.xml.gz", "404.html")
DROPPED_SUFFIXES = (".map",)
#: What the build lists of every prompt (preview.yml writes it; the deploy's comment reads it).
PROMPT_LIST = "prompts.json"
#: A file at the root of a preview of what changed, saying so (the deploy's comment tells the reader).
MARK = "preview-of-changes.txt"
#: Material's search index, whose entries say what a result links to.
MATERIAL_INDEX = "search/search_index.json"
#: What the search box of a preview merges with its own index (:func:`merged_search`), and the
#: ``<meta>`` of each kept page that says where that file is (read by search-pagefind.js).
MERGED_SEARCH = "search/preview.json"
MERGED_SEARCH_META = "prompt-pages-preview"
#: Where the plugin writes Pagefind's bundle (``pagefind_index.BUNDLE``), and a file it always holds.
PAGEFIND_BUNDLE = "pagefind"
_PAGEFIND_ENTRY = f"{PAGEFIND_BUNDLE}/pagefind-entry.json"
#: Any address stands for the site's root when resolving a page's relative links.
_ROOT = "https://site.invalid/"
_HTML = (".html", ".htm")


@dataclass(frozen=True)
class ChangedPrompt:
    """A prompt the change adds or modifies: where its page is, and the hubs that list it."""

    slug: str
    task_id: str | None = None
    models: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    listed: bool = True  # False for a prompt that has an error page only: no hub lists it


def only_prompts(changes: Iterable[FileChange], roots: Iterable[str]) -> bool:
    """Whether every changed file is a prompt's (its text, an answer, a sidecar) under
    ``roots``: only then does the rest of the site stay as it is on the production site.
    A change to anything else (the generator, the theme, ``docs/``) previews the whole site."""
    folders = tuple(root.rstrip("/") + "/" for root in roots if root not in (".", ""))
    everywhere = any(root in (".", "") for root in roots)
    return all((everywhere or change.path.startswith(folders) or change.path in roots)
               and prompt_of(change.path) is not None for change in changes)


def page_file(page: str) -> str:
    """The HTML file of a generated page (``tasks/deblur.md`` -> ``tasks/deblur/index.html``)."""
    return page_url(page) + "index.html"


def _pages_of_list(first_page, files: frozenset[str]) -> tuple[str, ...]:
    """Every page of a paged list, from its first: page 2, 3… as long as the site has them."""
    pages, number = [], 1
    while (file := page_file(first_page(number))) in files:
        pages.append(file)
        number += 1
    return tuple(pages)


def _lists(prompts: Iterable[ChangedPrompt], files: frozenset[str]) -> list[tuple[str, ...]]:
    """The pages of every list that may hold a changed prompt: its task's, its models', its
    papers', the unsupported citations'; each list once."""
    lists = [_pages_of_list(lambda number: index_page(UNSUPPORTED_INDEX, number), files)]
    for prompt in prompts:
        if prompt.listed:
            lists.append(_pages_of_list(lambda number: task_page(prompt.task_id, number), files))
            lists += [_pages_of_list(lambda number: model_page(name, number), files) for name in prompt.models]
            lists += [_pages_of_list(lambda number: paper_page(name, number), files) for name in prompt.papers]
    return [pages for pages in dict.fromkeys(lists) if pages]


def preview_pages(prompts: Iterable[ChangedPrompt], files: frozenset[str], read_page: Callable[[str], str],
                  site_url: str = "") -> frozenset[str]:
    """The HTML files of the pages the preview holds, of those the site has (``files``): the
    changed prompts' pages, the first page of each list they are on and the later pages of it
    that link to them (``read_page`` gives a page's HTML), and the pages of :data:`ALWAYS`."""
    prompts = list(prompts)
    changed = frozenset(page_file(prompt_page(prompt.slug)) for prompt in prompts) & files
    pages = {*(page_file(page) for page in ALWAYS), *changed}
    for first, *others in _lists(prompts, files):
        pages.add(first)
        pages.update(page for page in others if changed & linked_files(page, read_page(page), site_url))
    return frozenset(pages) & files


def _is_page(name: str) -> bool:
    return name.lower().endswith(_HTML) and not _is_summary(name)


def _is_summary(name: str) -> bool:
    return name.startswith(SUMMARIES + "/")


def _dropped(name: str) -> bool:
    return (name in DROPPED_NAMES or is_sitemap_part(name) or name.endswith(DROPPED_SUFFIXES)
            or name.startswith(PAGEFIND_BUNDLE + "/"))


def search_location(file: str) -> str:
    """The address of a page from the site's root, as search knows it: ``prompts/a/index.html``
    -> ``prompts/a/``, ``index.html`` -> ``""``."""
    return file[:-len("index.html")] if file == "index.html" or file.endswith("/index.html") else file


class _Anchors(HTMLParser):
    """Where each ``<a href>`` start tag of a page is (line, column), as written, and its
    attributes; and where the ``<head>`` start tag is (line, column, as written)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, int, str, list[tuple[str, str | None]]]] = []
        self.head: tuple[int, int, str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a" and any(name == "href" for name, _ in attrs):
            self.found.append((*self.getpos(), self.get_starttag_text(), attrs))
        elif tag == "head" and self.head is None:
            self.head = (*self.getpos(), self.get_starttag_text())


def _link_path(page: str, href: str, site_url: str) -> tuple[str, str, str] | None:
    """Where a link on ``page`` leads in the site: the path from its root (as in a URL), the
    query and the fragment; None when it leads out of the site or stays on the page."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        if not site_url or not href.startswith(site_url):
            return None  # another site, mailto:, javascript:…
        parts, base = urlsplit(href[len(site_url):]), _ROOT
    elif not parts.path:
        return None  # "#section", "?q": this very page
    else:
        base = _ROOT + page
    return urlsplit(urljoin(base, parts.path)).path.lstrip("/"), parts.query, parts.fragment


def _file_names(path: str) -> tuple[str, str]:
    """The files a path from the site's root may name: ``tasks/`` and ``tasks`` both name
    ``tasks/index.html`` (a server redirects the second), ``a.png`` names itself."""
    name = unquote(path)
    if name in ("", ".") or name.endswith("/"):
        name += "index.html"
    name = posixpath.normpath(name)
    return name, f"{name}/index.html"


def linked_files(page: str, page_html: str, site_url: str = "") -> frozenset[str]:
    """The files of the site the ``<a href>`` links of a page may lead to."""
    anchors = _Anchors()
    anchors.feed(page_html)
    anchors.close()
    return frozenset(name for *_, attrs in anchors.found for attribute, href in attrs
                     if attribute == "href" and href is not None and (target := _link_path(page, href, site_url))
                     for name in _file_names(target[0]))


@dataclass(frozen=True)
class PreviewPlan:
    """What a preview keeps of a built site (file names relative to it), and where links go."""

    keep: frozenset[str]
    #: The production site's address, ending with "/": where a page the preview lacks is.
    production_url: str
    #: The preview's own address: an absolute link starting with it points inside the site.
    site_url: str = ""
    #: Whether the site is searched with Pagefind: the preview then has an index of its own
    #: pages, merged in the browser with the production site's.
    pagefind: bool = False

    @property
    def pages(self) -> list[str]:
        return sorted(name for name in self.keep if _is_page(name))

    def href(self, page: str, href: str) -> str:
        """The ``href`` of a link on the kept page ``page``, as the preview needs it: the same when
        it leads out of the site, to this page or to a file the preview holds; else the same
        address on the production site."""
        target = _link_path(page, href, self.site_url)
        if target is None or self._holds(target[0]):
            return href
        path, query, fragment = target
        return self.production_url + path + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")

    def location(self, location: str) -> str:
        """A search result's address (from the site's root, with or without the first "/"), as
        the preview needs it: kept, or the same page on the production site."""
        path = urlsplit(location).path.lstrip("/")
        return location if self._holds(path) else self.production_url + location.lstrip("/")

    def _holds(self, path: str) -> bool:
        """Whether a path from the site's root (as in a URL) names a file the preview keeps."""
        return any(name in self.keep for name in _file_names(path))


def plan_preview(files: Iterable[str], prompts: Iterable[ChangedPrompt], read_page: Callable[[str], str],
                 production_url: str, site_url: str = "") -> PreviewPlan:
    """What to keep of a built site whose files are ``files`` (names relative to it, with "/";
    ``read_page`` gives a page's HTML) for a change to ``prompts``, and where the links of what
    is kept go."""
    files = frozenset(files)
    pages = preview_pages(prompts, files, read_page, site_url)
    summaries = frozenset().union(*(linked_files(page, read_page(page), site_url) for page in pages))
    keep = frozenset(name for name in files if (
        name in pages if _is_page(name) else name in summaries if _is_summary(name) else not _dropped(name)))
    return PreviewPlan(keep, production_url.rstrip("/") + "/", site_url, _PAGEFIND_ENTRY in files)


def merged_search(plan: PreviewPlan) -> dict:
    """What the search box of a preview needs to merge the production site's Pagefind index with
    its own (:data:`MERGED_SEARCH`): where that index is, from this file (relative when both sites
    are on one host, as GitHub Pages serves a preview beside its site, so that no request
    crosses origins); where its results lead (the production site, as the links of the kept
    pages); and the pages the preview holds, whose production results are left out."""
    production, preview = urlsplit(plan.production_url), urlsplit(plan.site_url)
    index = plan.production_url + PAGEFIND_BUNDLE + "/"
    if plan.site_url and (production.scheme, production.netloc) == (preview.scheme, preview.netloc):
        index = posixpath.relpath(production.path + PAGEFIND_BUNDLE, posixpath.dirname(preview.path + MERGED_SEARCH)) + "/"
    return {"index": index, "production": plan.production_url,
            "pages": [search_location(page) for page in plan.pages]}


def listed_prompts(entries: list[dict], sources: Iterable[str]) -> list[dict]:
    """The entries of ``prompts.json`` for the given prompt files: all the deploy reads of it."""
    wanted = set(sources)
    return [entry for entry in entries if entry.get("source") in wanted]


def rewritten_page(page_html: str, page: str, plan: PreviewPlan) -> str:
    """A kept page with its links as :meth:`PreviewPlan.href` says and, when its search merges
    the production site's (:attr:`PreviewPlan.pagefind`), a ``<meta>`` after ``<head>`` that
    says where :data:`MERGED_SEARCH` is. Only the start tags of the ``<a>`` elements whose
    ``href`` changes are written again (by an HTML parser's reading of them); every other byte
    stays as the build wrote it."""
    anchors = _Anchors()
    anchors.feed(page_html)
    anchors.close()
    starts = [0]  # where each line begins, as the parser counts lines: at "\n" only
    while (newline := page_html.find("\n", starts[-1])) >= 0:
        starts.append(newline + 1)
    out, done = [], 0
    if plan.pagefind and anchors.head is not None:
        line, column, written = anchors.head
        done = starts[line - 1] + column + len(written)
        where = posixpath.relpath(MERGED_SEARCH, posixpath.dirname(page) or ".")
        out += [page_html[:done], f'<meta name="{MERGED_SEARCH_META}" content="{html.escape(where)}">']
    for line, column, written, attrs in anchors.found:
        rewritten = [(name, plan.href(page, value) if name == "href" and value is not None else value)
                     for name, value in attrs]
        if rewritten == attrs:
            continue
        at = starts[line - 1] + column
        ending = "/>" if written.endswith("/>") else ">"
        out += [page_html[done:at], "<a", *(f" {name}" if value is None else f' {name}="{html.escape(value)}"'
                                         for name, value in rewritten), ending]
        done = at + len(written)
    return "".join(out) + page_html[done:] if out else page_html


def rewritten_material_index(text: str, plan: PreviewPlan) -> str:
    """Material's search index with each entry leading to where the preview has its page."""
    index = json.loads(text)
    for doc in index.get("docs", []):
        doc["location"] = plan.location(doc["location"])
    return json.dumps(index, ensure_ascii=False, separators=(",", ":"))


# ---- the edge: the site folder -----------------------------------------------------------

def site_files(site: Path) -> list[str]:
    return sorted(path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file())


def apply_preview(site: Path, plan: PreviewPlan, index_pages: Callable[[frozenset[str]], None]) -> None:
    """Cut the site folder down to the plan: what it does not keep is deleted, and the links of
    what it keeps (pages and Material's search results) lead to the production site where the
    preview lacks a page. With Pagefind, ``index_pages`` writes the index of the kept pages
    (their addresses, as :func:`search_location` gives them) into :data:`PAGEFIND_BUNDLE`."""
    for name in site_files(site):
        if name not in plan.keep:
            (site / name).unlink()
    for folder in sorted((path for path in site.rglob("*") if path.is_dir()), key=lambda path: -len(path.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()
    for name in plan.pages:
        path = site / name
        text = path.read_text(encoding="utf-8")
        if (rewritten := rewritten_page(text, name, plan)) != text:
            path.write_text(rewritten, encoding="utf-8")
    if plan.pagefind:
        index_pages(frozenset(search_location(page) for page in plan.pages))
        (site / MERGED_SEARCH).write_text(json.dumps(merged_search(plan), ensure_ascii=False), encoding="utf-8")
    material = site / MATERIAL_INDEX
    if material.is_file():
        text = material.read_text(encoding="utf-8")
        if (rewritten := rewritten_material_index(text, plan)) != text:
            material.write_text(rewritten, encoding="utf-8")
    (site / MARK).write_text(f"This preview holds only the pages its change touches; the others are at "
                             f"{plan.production_url}\n", encoding="utf-8")
