"""Generated prompts -> the site's index pages: by task, by recommended model, by related paper.

Every list is cut into pages of a fixed length, so that no page grows with the corpus: at
10,000 prompts the largest page is as large as at 1,000. Each entry links both ways: an
index entry lists its prompts, a prompt page links to its entries (see compose.py).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from .compose import SEARCH_EXCLUDE, linked_text
from .escape import front_matter, inert_url, markdown_link, markdown_text, yaml_title
from .links import label_url
from .paths import (
    MODEL_INDEX, PAPER_INDEX, PROMPTS, TASK_INDEX, UNSUPPORTED_INDEX, folder_link, index_page, link, model_page,
    paper_page, prompt_page, slugify, task_page,
)
from .pipeline import Generated
from .records import Entry
from .vocabulary import Vocabulary

#: Prompts listed on one page of a task, model or paper.
PROMPTS_PER_PAGE = 100
#: Rows of one page of a top-level index (tasks, models, papers).
ROWS_PER_PAGE = 200
_NOTES = {"models": "{} recommended model{}, {} doing the task", "asked": "asked: {} · {}", "task": "task: {}"}
_FIT_WORD = {"same": "does the task", "related": "related task", "different": "does not fit", "unknown": "fit unknown"}


@dataclass(frozen=True)
class IndexPage:
    path: str
    title: str
    markdown: str
    #: The links this page may carry: those of the source blocks of the prompts it lists.
    allowed_links: frozenset[str]


@dataclass
class _Group:
    """One task, model or paper and the prompts that point to it."""

    key: str
    name: str
    entries: list[Entry] = field(default_factory=list)
    #: (prompt, its title and a note about it, both as Markdown text)
    prompts: list[tuple[Generated, str, str]] = field(default_factory=list)
    task_id: str | None = None

    @cached_property
    def links(self) -> tuple[str, ...]:
        """The links of its entries (a model's or paper's; a task has none), each once, in order.
        Read once all prompts are grouped."""
        return tuple(dict.fromkeys(url for links in dict.fromkeys(entry.links for entry in self.entries) for url in links))


def build_indexes(results: list[Generated], vocab: Vocabulary) -> list[IndexPage]:
    readable = sorted((r for r in results if r.prompt is not None), key=lambda r: r.prompt.slug)
    # Every task of the vocabulary has a page, with or without prompts: model pages link to
    # their task, and the tasks index doubles as the vocabulary's reference.
    tasks = {task_id: _Group(task_id, task.label, task_id=task_id) for task_id, task in vocab.tasks.items()}
    models: dict[str, _Group] = {}
    papers: dict[str, _Group] = {}
    # The notes take a few values only: each is written and escaped once.
    notes: dict[tuple, str] = {}

    def note(*key) -> str:
        if key not in notes:
            notes[key] = markdown_text(_NOTES[key[0]].format(*key[1:]))
        return notes[key]

    for result in readable:
        inference = result.inference
        title = markdown_text(result.page.title)
        task_key = inference.task_id or ""
        asked = vocab.label(inference.task_id)
        group = _group(tasks, task_key, asked, inference.task_id)
        fits = inference.model_fits
        doing = sum(1 for fit in fits if fit.relation == "same")
        group.prompts.append((result, title, note("models", len(fits), "s" if len(fits) != 1 else "", doing)))
        for model, fit in zip(result.prompt.source.models, fits):
            group = _group(models, slugify(model.name), model.name)
            group.entries.append(model)
            group.task_id = group.task_id or fit.task_id
            if not group.prompts or group.prompts[-1][0] is not result:  # a model listed twice: one row
                group.prompts.append((result, title, note("asked", asked, _FIT_WORD[fit.relation])))
        for paper in result.prompt.source.papers:
            group = _group(papers, slugify(paper.name), paper.name)
            group.entries.append(paper)
            if not group.prompts or group.prompts[-1][0] is not result:
                group.prompts.append((result, title, note("task", asked)))

    task_groups = sorted(tasks.values(), key=lambda g: (-len(g.prompts), g.task_id is None, g.name.casefold()))
    model_groups = sorted(models.values(), key=lambda g: (g.name.casefold(), g.key))
    paper_groups = sorted(papers.values(), key=lambda g: (g.name.casefold(), g.key))

    pages: list[IndexPage] = []
    pages += _top_index(
        TASK_INDEX, "Tasks",
        "What the users behind the prompts are trying to do, inferred from each question and its "
        "recommended models; most asked first. Every task of the vocabulary is listed, and its page "
        "lists its prompts.",
        ("Task", "Prompts", "What it is"),
        [(g.name, task_page(g.task_id), [str(len(g.prompts)), _task_description(g, vocab)]) for g in task_groups],
        _problems_note(results),
    )
    pages += _top_index(
        MODEL_INDEX, "Recommended models",
        "Every model a retriever recommended in some prompt. A model's page has its links and "
        "every prompt that recommends it, with whether it fits that prompt's task.",
        ("Model", "Its task", "Prompts"),
        [(g.name, model_page(g.name), [vocab.label(g.task_id) if g.task_id else "unknown", str(len(g.prompts))])
         for g in model_groups],
    )
    pages += _top_index(
        PAPER_INDEX, "Related papers",
        "Every paper cited as related in some prompt. A paper's page has its links, its summary "
        "and every prompt citing it.",
        ("Paper", "Prompts"),
        [(g.name, paper_page(g.name), [str(len(g.prompts))]) for g in paper_groups],
    )
    for group in task_groups:
        pages += _entity_pages(group, lambda page, g=group: task_page(g.task_id, page), _task_header(group, vocab), "Prompts")
    for group in model_groups:
        pages += _entity_pages(group, lambda page, g=group: model_page(g.name, page), _entry_header(group, vocab, "model"),
                               "Prompts recommending it")
    for group in paper_groups:
        pages += _entity_pages(group, lambda page, g=group: paper_page(g.name, page), _entry_header(group, vocab, "paper"),
                               "Prompts citing it")
    pages += _unsupported_citations(readable)
    return pages


def _group(groups: dict[str, _Group], key: str, name: str, task_id: str | None = None) -> _Group:
    """The group of ``key``, made the first time."""
    group = groups.get(key)
    if group is None:
        group = groups[key] = _Group(key, name, task_id=task_id)
    return group


def _unsupported_citations(readable: list[Generated]) -> list[IndexPage]:
    """Every link an answer cites that its prompt's source block does not have, for review in one place."""
    answers = [answer for result in readable for answer in result.answers]
    rows = [
        (result, answer, citation)
        for result in readable for answer in result.answers for citation in answer.unsupported
    ]
    title = "Unsupported citations"
    intro = [
        f"Links that model-written answers cite although their prompt's source block does not have them. "
        f"The answers' pages show these as text marked “not in the sources”; none is clickable anywhere on "
        f"the site. {_count(len(answers), 'answer')} to {_count(sum(1 for r in readable if r.answers), 'prompt')} "
        f"cite {_count(sum(len(a.citations) for a in answers), 'link')}; {len(rows)} of them "
        f"{'is' if len(rows) == 1 else 'are'} not in the sources, "
        f"in {_count(sum(1 for a in answers if a.unsupported), 'answer')}.",
        "",
    ]
    chunks = _chunks(rows, ROWS_PER_PAGE)
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        here = index_page(UNSUPPORTED_INDEX, number)
        out = front_matter({"title": title}) + ["", f"# {title}", "", *intro]
        out += _pager(here, number, len(chunks), lambda n: index_page(UNSUPPORTED_INDEX, n))
        if chunk:
            out += ["| Prompt | Answer | Where | Cited link |", "| --- | --- | --- | --- |"]
            for result, answer, citation in chunk:
                prompt = f"[{markdown_text(result.page.title)}]({link(here, prompt_page(result.prompt.slug), 'answers')})"
                where = markdown_text(f"{answer.answer.path}:{citation.line}")
                out.append(f"| {prompt} | {markdown_text(answer.answer.label)} | {where} | <code>{inert_url(citation.url)}</code> |")
        else:
            out.append("None: every link every answer cites is in its prompt's source block.")
        pages.append(IndexPage(here, title, "\n".join(out) + "\n", frozenset()))
    return pages


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _task_description(group: _Group, vocab: Vocabulary) -> str:
    if group.task_id is None:
        return "No single task is clear from the question and the models."
    return vocab.tasks[group.task_id].description


def _problems_note(results: list[Generated]) -> list[str]:
    broken = [r for r in results if r.prompt is None]
    if not broken:
        return []
    lines = ["", '!!! failure "Prompts that could not be read"', ""]
    for result in broken:
        target = link(TASK_INDEX, prompt_page(result.source.slug))
        lines.append(f"    - [{markdown_text(result.source.path)}]({target})")
    return lines


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _pager(here: str, page: int, pages: int, page_path: Callable[[int], str]) -> list[str]:
    if pages == 1:
        return []
    parts = [f"Page {page} of {pages}"]
    if page > 1:
        parts.append(f"[← previous]({link(here, page_path(page - 1))})")
    if page < pages:
        parts.append(f"[next →]({link(here, page_path(page + 1))})")
    return [" · ".join(parts), ""]


def _top_index(path, title, intro, columns, rows, extra=()) -> list[IndexPage]:
    chunks = _chunks(rows, ROWS_PER_PAGE)
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        here = index_page(path, number)
        out = front_matter({"title": title}) + ["", f"# {title}", "", intro, ""]
        out += _pager(here, number, len(chunks), lambda n: index_page(path, n))
        if chunk:
            out += ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
            for name, target, cells in chunk:
                row = [f"[{markdown_text(name)}]({link(here, target)})", *map(markdown_text, cells)]
                out.append("| " + " | ".join(row) + " |")
        else:
            out.append("Nothing yet: add prompts to `sources/`.")
        out += [*extra, ""] if number == 1 else [""]
        pages.append(IndexPage(here, title, "\n".join(out), frozenset()))
    return pages


def _task_header(group: _Group, vocab: Vocabulary) -> tuple[str, list[str]]:
    if group.task_id is None:
        return "No clear task", ["Prompts whose question and models do not point clearly to one task.", ""]
    task = vocab.tasks[group.task_id]
    lines = [
        f"{markdown_text(task.description)}",
        "",
        f"**Input:** {markdown_text(task.input)} · **Output:** {markdown_text(task.output)}",
        "",
    ]
    if task.aliases:
        lines += [f"**Also called:** {markdown_text(', '.join(task.aliases))}", ""]
    return task.label, lines


def _entry_header(group: _Group, vocab: Vocabulary, kind: str) -> tuple[str, list[str]]:
    links = group.links
    lines = []
    if kind == "model":
        task = vocab.label(group.task_id) if group.task_id else "unknown"
        target = task_page(group.task_id) if group.task_id else None
        shown = f"[{markdown_text(task)}]({link(model_page(group.name), target)})" if target else task
        lines += [f"**Its task:** {shown}", ""]
    lines += [f"- {markdown_link(label_url(url), url)}" for url in links]
    if links:
        lines.append("")
    summary = next((entry.summary for entry in group.entries if entry.summary), "")
    lines += [linked_text(paragraph) + "\n" for paragraph in summary.split("\n\n") if paragraph]
    return group.name, lines


def _entity_pages(group: _Group, page_path: Callable[[int], str], header, heading: str) -> list[IndexPage]:
    title, intro = header
    # The page shows the links of its model's or paper's entries (a task page shows none), all
    # of them from the source blocks of the prompts it lists: those and no other may be on it.
    allowed = frozenset(group.links)
    chunks = _chunks(group.prompts, PROMPTS_PER_PAGE)
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        here = page_path(number)
        out = front_matter({"title": yaml_title(title)}) + ["", f"# {markdown_text(title)}", "", *intro]
        # The list repeats the titles of prompt pages, which search finds on their own.
        out += [f"## {heading} ({len(group.prompts)}) {{ {SEARCH_EXCLUDE} }}", ""]
        out += _pager(here, number, len(chunks), page_path)
        to_prompts = folder_link(posixpath.dirname(here), PROMPTS) + "/"  # every prompt page is in one folder
        out += [f"- [{prompt_title}]({to_prompts}{result.prompt.slug}.md): {note}" for result, prompt_title, note in chunk]
        pages.append(IndexPage(here, title, "\n".join(out) + "\n", allowed))
    return pages
