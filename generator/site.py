"""Every page of the site from the prompt files: prompt pages, error pages and indexes.

Shared by the CLI (``build``) and the MkDocs plugin, so both produce the same pages.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable

from .steps.check import check_links, page_links
from .runtime.collector import no_collections
from .collection.indexes import build_indexes
from .collection.paths import prompt_page
from .steps.misplaced import QuestionIndex, find_misplaced
from .pipeline import (Generated, PromptPage, Run, collection_questions, generate_all, prompt_pages, rendered_links,
                       with_html_links)
from .records import Problem, SiteFile
from .files.sources import SourceFile, read_sources, read_text
from .runtime.workers import map_batches, usable_cpus

#: Told when a worker fails (stderr under the CLI).
log = logging.getLogger("generator")


@dataclass(frozen=True)
class CheckedPage:
    """A generated page and what its rendered HTML is checked against."""

    path: str
    #: Its Markdown in UTF-8: a page holds ✓ and ✗, which make a str two bytes a character, and
    #: a site holds every page at once (the plugin hands MkDocs these bytes).
    text: bytes
    source: str  # the file named in problems about this page
    allowed_links: frozenset[str]
    #: The other names search should weigh as the page's title (IndexPage.search_names).
    search_names: tuple[str, ...] = ()

    @property
    def markdown(self) -> str:
        return self.text.decode()


@dataclass(frozen=True)
class Site:
    results: list[Generated]
    pages: list[CheckedPage]
    problems: list[Problem]
    #: The run that made it: its vocabulary, and the memos a site made again from it reuses.
    run: Run
    #: The collection's questions, against which its answers were read (generator/steps/misplaced.py).
    questions: QuestionIndex | None = None
    #: The files beside the pages that they link to (their summaries), each once, by path.
    files: list[SiteFile] = field(default_factory=list)


#: ``progress(phase, done, total)``: told how far a site's generation has come (the CLI's bar).
Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


def generate_site(arguments: list[str], *, check_html: bool = True, run: Run | None = None,
                  previous: Site | None = None, read=read_text, progress: Progress = _no_progress) -> Site:
    """Every page of the prompts under ``arguments``.

    ``run``: the vocabulary to read them with and the memos to keep (a new :meth:`Run.start`,
    over the shipped vocabulary, by default; ``previous``'s run if there is one); its
    ``timings``, if any, get the CPU seconds of each step (vocabulary, read, parse, task, …
    index pages; see benchmarks/genbench.py --steps).

    ``previous``, a site made before from the same arguments, lends its results to the prompts
    whose files (prompt and answers) are the same as then: only the others go through the
    pipeline. ``read`` reads each file (sources.read_text, or a TextCache's read)."""
    with no_collections():
        return _generate_site(arguments, check_html, run, previous, read, progress)


def _generate_site(arguments: list[str], check_html: bool, run: Run | None, previous: Site | None, read,
                   progress: Progress) -> Site:
    started = time.process_time()
    # The shipped vocabularies are loaded and compiled once per process: the first site made pays for them, here.
    if run is None:
        run = previous.run if previous is not None else Run.start()
    clock = _Clock(run.timings, started)
    clock.lap("vocabulary")
    sources, problems = read_sources(arguments, read)
    clock.lap("read")
    progress("generating pages", 0, len(sources))
    results, questions = _generate(sources, previous, run)
    progress("generating pages", len(sources), len(sources))
    clock.restart()
    if check_html:
        results = _check_rendered(results, progress)
        clock.lap("HTML check")
    for result in results:
        problems.extend(result.problems)
    if not sources and not problems:
        problems.append(Problem(" ".join(arguments), None, "no prompt files (*.txt) found"))

    pages = [
        CheckedPage(prompt_page(r.page.slug), r.page.markdown.encode(), r.source.path,
                    r.prompt.source.links if isinstance(r, PromptPage) else frozenset())
        for r in results
    ]
    clock.lap("page text")
    for index in build_indexes(results, run.vocab, run.memo):
        problems.extend(_index_problems(index.path, index.markdown, index.allowed_links))
        pages.append(CheckedPage(index.path, index.markdown.encode(), index.path, index.allowed_links, index.search_names))
    clock.lap("index pages")
    files = {file.path: file for result in prompt_pages(results) for file in result.page.files}
    return Site(results, pages, problems, run, questions, [files[path] for path in sorted(files)])


def _generate(sources: list[SourceFile], previous: Site | None, run: Run) -> tuple[list[Generated], QuestionIndex]:
    """pipeline.generate_all of the sources, but the result ``previous`` has for the same file;
    and the collection's questions."""
    if previous is None:
        results = generate_all(sources, run=run)
        return results, collection_questions(results)
    known = {result.source: result for result in previous.results}
    kept = [known[source] for source in sources if source in known]
    made = generate_all([source for source in sources if source not in known], run=run,
                        others=[result.prompt for result in prompt_pages(kept)])
    questions = collection_questions([*made, *kept])
    if previous.questions is None or not questions.same_questions(previous.questions):
        # A question was added, edited or deleted: a kept page's answer may now seem misplaced,
        # or no longer, and then its page is made again.
        stale = [result.source for result in prompt_pages(kept) if any(
            reviewed.misplaced != find_misplaced(reviewed.answer.text, result.prompt, questions)
            for reviewed in result.answers)]
        if stale:
            remade = set(stale)
            others = [r.prompt for r in prompt_pages([*made, *kept]) if r.source not in remade]
            known.update(zip(stale, generate_all(stale, run=run, others=others)))
    fresh = iter(made)
    return [known[source] if source in known else next(fresh) for source in sources], questions


@lru_cache(maxsize=1024)  # mkdocs serve makes most index pages again as they were
def _index_problems(path: str, markdown: str, allowed: frozenset[str]) -> tuple[Problem, ...]:
    return tuple(check_links(path, page_links(markdown), allowed))


class _Clock:
    """CPU seconds between laps, added to ``timings`` by name (nothing when it is None)."""

    def __init__(self, timings: dict[str, float] | None, started: float):
        self.timings = timings
        self.started = started

    def restart(self) -> None:
        self.started = time.process_time()

    def lap(self, name: str) -> None:
        if self.timings is not None:
            now = time.process_time()
            self.timings[name] = self.timings.get(name, 0.0) + now - self.started
            self.started = now


#: Below this many pages, starting worker processes costs more than rendering them on one core.
PARALLEL_FROM = 200
#: Pages sent to a worker at a time.
RENDER_BATCH = 50


def _check_rendered(results: list[Generated], progress: Progress) -> list[Generated]:
    """Every prompt page rendered to HTML and its links checked (pipeline.with_html_links).

    Rendering costs about ten times what generating a page does, and pages are independent:
    with several cores, worker processes render them and send back only the links found.
    """
    readable = prompt_pages(results)
    markdowns = [result.page.markdown for result in readable]
    batches = [markdowns[i : i + RENDER_BATCH] for i in range(0, len(markdowns), RENDER_BATCH)]
    workers = usable_cpus() if len(markdowns) >= PARALLEL_FROM else 1
    found = _gathered(map_batches(_rendered_batch, batches, workers, log.warning), len(markdowns), progress)
    rendered = iter(found)  # in the order of the readable results
    return [_with_rendered(result, next(rendered)) if isinstance(result, PromptPage) else result for result in results]


def _gathered(batches, total: int, progress: Progress) -> list[list[str] | str]:
    found: list[list[str] | str] = []
    for batch in batches:
        found += batch
        progress("checking the pages' HTML", len(found), total)
    return found


def _with_rendered(result: PromptPage, links: list[str] | str) -> PromptPage:
    if isinstance(links, str):
        problem = Problem(result.source.path, None, f"internal error while checking its page's HTML: {links}")
        return replace(result, problems=(*result.problems, problem))
    return with_html_links(result, links)


def _rendered_batch(markdowns: list[str]) -> list[list[str] | str]:
    """The HTML links of each page, or what went wrong rendering it (a bug of ours)."""
    found: list[list[str] | str] = []
    for markdown in markdowns:
        try:
            found.append(rendered_links(markdown))
        except Exception as error:  # noqa: BLE001 - reported as a problem of its prompt
            found.append(repr(error))
    return found
