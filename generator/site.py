"""Every page of the site from the prompt files: prompt pages, error pages and indexes.

Shared by the CLI (``build``) and the MkDocs plugin, so both produce the same pages.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass

from .check import check_links, page_links
from .compose import compose_error_page
from .indexes import build_indexes
from .paths import prompt_page
from .pipeline import Generated, generate
from .records import Problem
from .sources import SourceFile, read_sources
from .vocabulary import load_vocabulary


@dataclass(frozen=True)
class CheckedPage:
    """A generated page and what its rendered HTML is checked against."""

    path: str
    markdown: str
    source: str  # the file named in problems about this page
    allowed_links: frozenset[str]


@dataclass(frozen=True)
class Site:
    results: list[Generated]
    pages: list[CheckedPage]
    problems: list[Problem]


def generate_site(arguments: list[str], *, check_html: bool = True) -> Site:
    with _fewer_collections():
        return _generate_site(arguments, check_html)


@contextmanager
def _fewer_collections():
    """Generating a site allocates millions of small objects that all live until the end, and
    none forms a cycle: the cyclic collector, run every 700 allocations by default, would only
    walk them again and again (about a tenth of the time at 10,000 prompts). mypy does the same."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 200_000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _generate_site(arguments: list[str], check_html: bool) -> Site:
    sources, problems = read_sources(arguments)
    results = [_generate_safely(source, check_html) for source in sources]
    for result in results:
        problems.extend(result.problems)
    if not sources and not problems:
        problems.append(Problem(" ".join(arguments), None, "no prompt files (*.txt) found"))

    pages = [
        CheckedPage(prompt_page(r.page.slug), r.page.markdown, r.source.path,
                    r.prompt.source.links if r.prompt else frozenset())
        for r in results
    ]
    for index in build_indexes(results, load_vocabulary()):
        problems.extend(check_links(index.path, page_links(index.markdown), index.allowed_links))
        pages.append(CheckedPage(index.path, index.markdown, index.path, index.allowed_links))
    return Site(results, pages, problems)


def _generate_safely(source: SourceFile, check_html: bool) -> Generated:
    """One prompt's failure, even a bug of ours, must not take the other prompts down."""
    try:
        return generate(source, check_html=check_html)
    except Exception as error:  # noqa: BLE001 - reported as a problem of this file
        problem = Problem(source.path, None, f"internal error while generating its page: {error!r}")
        return Generated(source, compose_error_page(source.slug, source.path, [problem]), (problem,))
