"""Prompt pages -> the site's home page and its index pages: by task, by recommended
model, by related paper.

Every list is cut into pages of a fixed length, so that no page grows with the corpus: at
10,000 prompts the largest page is as large as at 1,000. Each entry links both ways: an
index entry lists its prompts, a prompt page links to its entries (see compose.py). No page
links to a task page with nothing on it: a task has a page when a prompt asks for it or a
model in the corpus does it.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit
from collections.abc import Callable
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from ..steps.compose import SEARCH_EXCLUDE, linked_text
from ..markup.escape import front_matter, inert_url, markdown_link, markdown_text, yaml_title
from ..markup.latex import plain_math
from ..markup.links import label_url
from .paths import (
    HOME, MODEL_INDEX, PAPER_INDEX, PROMPTS, REPORT_INDEX, TASK_INDEX, UNSUPPORTED_INDEX, folder_link, index_page, link, model_page,
    paper_page, prompt_page, site_url, slugify, task_page,
)
from ..memo import Memo
from ..steps.infer import model_task
from ..pipeline import ErrorPage, Generated, PromptPage, prompt_pages
from ..records import Confidence, Entry, Task
from .reportcards import build_report
from ..steps.verdict import FitCounts, VerdictCode, fit_verdict
from ..steps.workflow import split_sentences
from ..vocabulary import Vocabulary

#: Prompts listed on one page of a task, model or paper.
PROMPTS_PER_PAGE = 100
#: Rows of one page of a top-level index (tasks, models, papers).
ROWS_PER_PAGE = 200
#: Models listed on a task's page (the Models index has them all, by task).
MODELS_PER_TASK_PAGE = 100
#: Search ranks these pages above the prompts naming them (front matter search.boost; a prompt
#: has none), a task above a model whose name holds the task's words, a model above the paper
#: it comes from. The first page of each only: the others repeat it and are not indexed.
SEARCH_BOOST = {"Task": 20, "Model": 10, "Paper": 3}
#: Page numbers the pager shows on either side of the current one (with the first and the last).
PAGER_REACH = 2
_NOTES = {
    "models": "{} recommended model{}, {} doing the task",
    "none": "✗ none of its {} recommended models does the task",
    "none1": "✗ its recommended model does not do the task",
    "unclear": "{} recommended model{}",
    "unknown": "? whether its recommended models do the task is not known",
    "unknown1": "? whether its recommended model does the task is not known",
    "asked": "asked: {} · {}",
    "task": "task: {}",
}
_FIT_WORD = {"same": "✓ does the task", "related": "✗ a related task", "different": "✗ does not fit",
             "possible": "? not ruled out", "unconfirmed": "? task read from the models", "unknown": "? fit unknown"}


@dataclass(frozen=True)
class IndexPage:
    path: str
    title: str
    markdown: str
    #: The links this page may carry: those of the source blocks of the prompts it lists.
    allowed_links: frozenset[str]
    #: The other names search should weigh as the page's title: a task's aliases and cues, a
    #: model's repository names (generator/plugin/pagefind_index.py).
    search_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Header:
    """What a task's, a model's or a paper's pages say above their prompts, and the names search finds them by."""

    title: str
    lines: list[str]
    search_names: tuple[str, ...] = ()


@dataclass
class _Group:
    """One task, model or paper and the prompts that point to it."""

    key: str
    name: str
    entries: list[Entry] = field(default_factory=list)
    #: (prompt, its title and a note about it, both as Markdown text)
    prompts: list[tuple[PromptPage, str, str]] = field(default_factory=list)
    task_id: str | None = None
    #: A task's prompts where no recommended model does the task (listed first among its prompts).
    unfit: list[tuple[PromptPage, str, str]] = field(default_factory=list)
    #: How many of a task's prompts say "?": whether a recommended model does the task is not known.
    unknown: int = 0
    #: A model's marks over the prompts recommending it: ✓, ✗ and ? (from Relation.fits).
    marks: Counter = field(default_factory=Counter)
    #: A paper's techniques, as its prompts' pages quote them: label -> the sentence.
    techniques: dict[str, str] = field(default_factory=dict)
    #: A task's models: those of the corpus that do it.
    models: list[_Group] = field(default_factory=list)

    @cached_property
    def links(self) -> tuple[str, ...]:
        """The links of its entries (a model's or paper's; a task has none), each once, in order.
        Read once all prompts are grouped."""
        return tuple(dict.fromkeys(url for links in dict.fromkeys(entry.links for entry in self.entries) for url in links))


def build_indexes(results: list[Generated], vocab: Vocabulary, memo: Memo[Vocabulary] | None = None) -> list[IndexPage]:
    """The home page and every index page over ``results``. ``memo``: the run's memo of ``vocab``."""
    memo = Memo(vocab) if memo is None else memo
    readable = sorted(prompt_pages(results), key=lambda r: r.prompt.slug)
    tasks, models, papers = _grouped(readable, vocab)
    for group in tasks.values():  # where no recommended model does the task: first, marked ✗
        group.prompts[:0] = group.unfit
    model_groups = sorted(models.values(), key=lambda g: (g.name.casefold(), g.key))
    paper_groups = sorted(papers.values(), key=lambda g: (g.name.casefold(), g.key))
    for group in model_groups:
        if group.task_id in tasks:
            tasks[group.task_id].models.append(group)
    # A task has a page when a prompt asks for it or a model of the corpus does it: nothing
    # links to a page with neither (a model's page links to its task, which lists it).
    task_groups = sorted((g for g in tasks.values() if g.prompts or g.models),
                         key=lambda g: (-len(g.prompts), g.task_id is None, g.name.casefold()))

    pages: list[IndexPage] = [_home(readable, task_groups, model_groups, paper_groups, vocab)]
    pages += _top_indexes(task_groups, model_groups, paper_groups, results, vocab)
    for group in task_groups:
        pages += _entity_pages(group, "Task", lambda page, g=group: task_page(g.task_id, page),
                               _task_header(group, vocab), "Prompts", _task_models(group))
    for group in model_groups:
        pages += _entity_pages(group, "Model", lambda page, g=group: model_page(g.name, page),
                               _entry_header(group, memo, "model"), "Prompts recommending it")
    for group in paper_groups:
        pages += _entity_pages(group, "Paper", lambda page, g=group: paper_page(g.name, page),
                               _entry_header(group, memo, "paper"), "Prompts citing it")
    pages += _unsupported_citations(readable)
    report = build_report(readable, vocab)
    pages.append(IndexPage(report.path, report.title, report.markdown, frozenset()))
    return pages


def _grouped(readable: list[PromptPage], vocab: Vocabulary) -> tuple[dict[str, _Group], ...]:
    """Every prompt under its task, each of its models and each of its papers: the groups by task
    (every task of the vocabulary, and "" for no clear task), by model and by paper."""
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
        asked = vocab.label(inference.task_id)
        group = _group(tasks, inference.task_id or "", asked, inference.task_id)
        fits = inference.model_fits
        counts = FitCounts.of(inference)
        plural = "s" if len(fits) != 1 else ""
        if inference.task_id is None:
            group.prompts.append((result, title, note("unclear", len(fits), plural)))
        elif counts.doing:
            group.prompts.append((result, title, note("models", len(fits), plural, counts.doing)))
        elif counts.unknown or not fits:
            group.unknown += 1
            group.prompts.append((result, title, note("unknown1" if len(fits) == 1 else "unknown")))
        else:
            group.unfit.append((result, title, note("none", len(fits)) if len(fits) != 1 else note("none1")))
        for model, fit in zip(result.prompt.source.models, fits):
            group = _group(models, slugify(model.name), model.name)
            group.entries.append(model)
            group.task_id = group.task_id or fit.task_id
            if not group.prompts or group.prompts[-1][0] is not result:  # a model listed twice: one row
                group.prompts.append((result, title, note("asked", asked, _FIT_WORD[fit.relation])))
                if inference.task_id:
                    group.marks[fit.mark] += 1
        for paper in result.prompt.source.papers:
            group = _group(papers, slugify(paper.name), paper.name)
            group.entries.append(paper)
            for technique in result.techniques:
                if technique.paper == paper.name:
                    group.techniques.setdefault(technique.label, technique.sentence)
            if not group.prompts or group.prompts[-1][0] is not result:
                group.prompts.append((result, title, note("task", asked)))
    return tasks, models, papers


def _top_indexes(task_groups: list[_Group], model_groups: list[_Group], paper_groups: list[_Group],
                 results: list[Generated], vocab: Vocabulary) -> list[IndexPage]:
    """The Tasks, Recommended models and Related papers indexes."""
    asked_for = [g for g in task_groups if g.prompts]
    tasks = {g.task_id: g for g in task_groups}
    pages = _top_index(TopIndex(
        TASK_INDEX, "Tasks",
        "What the users behind the prompts are trying to do, inferred from each question and its "
        "recommended models; most asked first. A task's page lists its prompts (those where no "
        "recommended model does the task first) and the models of the corpus that do it.",
        ("Task", "Prompts", "Models that do it", "What it is"),
        f"{_count(sum(1 for g in asked_for if g.task_id), 'task')} asked for",
        (*_unasked_tasks(task_groups, vocab), *_problems_note(results)),
    ), [IndexRow(None, g.name, task_page(g.task_id), (str(len(g.prompts)), str(len(g.models)) if g.task_id else "",
                                                      _task_description(g, vocab))) for g in asked_for])
    pages += _top_index(TopIndex(
        MODEL_INDEX, "Recommended models",
        "Every model a retriever recommended in some prompt, grouped by the task it does (from the "
        "prefix of its catalog name, else from the words of its name and summary). A model's page "
        "has its links and every prompt that recommends it, with whether it fits that prompt's task.",
        ("Model", "Prompts"),
        f"{_count(len(model_groups), 'model')}, by task",
        group_heading=lambda key, here: _model_group_heading(key, here, tasks, vocab),
    ), [IndexRow(g.task_id or "", g.name, model_page(g.name), (str(len(g.prompts)),))
        for g in sorted(model_groups, key=lambda g: (g.task_id is None, vocab.label(g.task_id).casefold()))])
    pages += _top_index(TopIndex(
        PAPER_INDEX, "Related papers",
        "Every paper cited as related in some prompt. A paper's page has its links, its summary "
        "and every prompt citing it.",
        ("Paper", "Prompts"),
        _count(len(paper_groups), "paper"),
    ), [IndexRow(None, g.name, paper_page(g.name), (str(len(g.prompts)),)) for g in paper_groups])
    return pages


def _home(readable: list[PromptPage], tasks: list[_Group], models: list[_Group], papers: list[_Group],
          vocab: Vocabulary) -> IndexPage:
    """The home page, for a first-time visitor: why to read the site, an example that shows what a
    page says, the ways in, what the site holds, and the words it uses."""
    asked = [g for g in tasks if g.prompts and g.task_id]
    here = HOME
    out = front_matter({"title": "Prompt Pages"}) + ["", "# Prompt Pages", ""]
    out += [
        "**Did the retriever recommend models that do what the user asked?** For each prompt of a "
        "model-recommendation system, this site says what the user is trying to do, whether each "
        "recommended model does it (✓, ✗ or ?), how the models would work together, and what the "
        "answers that language models wrote make of it.",
        "{ .home-why }",
        "",
    ]
    example = _example(readable)
    if example is not None:
        inference = example.inference
        out += [f"**An example:** [{markdown_text(example.page.title)}]({link(here, prompt_page(example.prompt.slug))})  ",
                markdown_text(f"The user wants: {vocab.label(inference.task_id)} · {fit_verdict(inference).text}"),
                "{ .home-example }", ""]
    cards = (
        (TASK_INDEX, "Tasks", f"What the users are trying to do: {_count(len(asked), 'task')}, each with its "
         "prompts and the models that do it."),
        (MODEL_INDEX, "Models", f"{_count(len(models), 'recommended model')}, grouped by the task each does, "
         "with every prompt recommending it."),
        (PAPER_INDEX, "Papers", f"{_count(len(papers), 'related paper')}, each with its summary and every "
         "prompt citing it."),
        (REPORT_INDEX, "Report", "How often the retriever recommends models that do the task asked, and how "
         "well each answering model does what the prompt asks."),
    )
    for target, name, text in cards:
        out += [f"[**{name}**]({link(here, target)})  ", markdown_text(text), "{ .home-card }", ""]
    out += ["Or search: the box at the top, or press <kbd>/</kbd> or <kbd>s</kbd>.", ""]
    out += [
        " · ".join(f"**{number:,}** {noun}" for number, noun in (
            (len(readable), "prompts" if len(readable) != 1 else "prompt"),
            (len(asked), "tasks asked for" if len(asked) != 1 else "task asked for"),
            (len(models), "recommended models" if len(models) != 1 else "recommended model"),
            (len(papers), "related papers" if len(papers) != 1 else "related paper"),
        )),
        "{ .home-counts }",
        "",
    ]
    out += _largest_tasks(asked, here) + _home_words(here)
    return IndexPage(here, "Prompt Pages", "\n".join(out), frozenset())


def _largest_tasks(asked: list[_Group], here: str) -> list[str]:
    """The home page's table of the tasks most asked for, with their ✓ / ✗ / ? counts."""
    if not asked:
        return []
    out = [f"## The largest tasks {{ {SEARCH_EXCLUDE} }}", "",
           "| Task | Prompts | ✓ a model does it | ✗ no model does it | ? not known |",
           "| --- | --- | --- | --- | --- |"]
    for group in asked[:6]:
        doing = len(group.prompts) - len(group.unfit) - group.unknown
        out.append(f"| [{markdown_text(group.name)}]({link(here, task_page(group.task_id))}) | "
                   f"{len(group.prompts):,} | {doing:,} | {len(group.unfit):,} | {group.unknown:,} |")
    out.append("")
    return out


def _home_words(here: str) -> list[str]:
    """The home page's glossary, and how to find one's way."""
    return [
        f"## The words this site uses {{ {SEARCH_EXCLUDE} }}", "",
        "- **Retriever**: the part of a model-recommendation system that picks AI models, and related papers, "
        "for a user's question. This site checks its picks.",
        "- **Source block**: a prompt's question, its recommended models and its related papers, with their "
        "links. A page carries no link that its prompt's source block lacks: the site's build checks it.",
        "- **CNAPS workflow**: a network of AI models wired like synapses, from the user's input to the "
        "output; models may run one after another, side by side, and merge.",
        "- **✓, ✗ and ?**: a recommended model does the task the user wants (✓), does not (✗), or whether it "
        "does is not known (?). Each page says why; a ✗ needs strong evidence.",
        "",
        "## Find your way", "",
        "Every page shows where it stands (Home › Tasks › a task › a prompt), and a prompt page's sections "
        "are in the menu, on a phone too. Answers whose links are not in their prompt's sources are listed "
        f"under [Unsupported citations]({link(here, UNSUPPORTED_INDEX)}). To add prompts or answers, see "
        f"[Contribute]({link(here, 'contribute.md')}).",
        "",
    ]


def _example(readable: list[PromptPage]) -> PromptPage | None:
    """The prompt the home page shows: one whose recommended models do its task (✓, what a good
    page looks like), a clear task first; else the first with a clear task, else the first."""
    fitting = [r for r in readable if fit_verdict(r.inference).code is VerdictCode.FITS]
    clear = [r for r in readable if r.inference.confidence is Confidence.CLEAR]
    return next((r for r in fitting if r in clear), None) or (fitting or clear or readable or [None])[0]


def _unasked_tasks(groups: list[_Group], vocab: Vocabulary) -> list[str]:
    """The tasks of the vocabulary no prompt asks for: those a model of the corpus does link to
    their page (which lists those models); the others have no page and are named only."""
    with_models = [g for g in groups if not g.prompts]
    paged = {g.task_id for g in groups}
    named = [task.label for task_id, task in vocab.tasks.items() if task_id not in paged]
    if not with_models and not named:
        return []
    lines = ["", f"## Tasks no prompt asks for {{ {SEARCH_EXCLUDE} }}", ""]
    lines += [f"- [{markdown_text(g.name)}]({link(TASK_INDEX, task_page(g.task_id))}): "
              f"{_count(len(g.models), 'model')} of the corpus {'does' if len(g.models) == 1 else 'do'} it"
              for g in sorted(with_models, key=lambda g: g.name.casefold())]
    if named:
        lines += ["", markdown_text(f"No prompt asks for these, and no model of the corpus does them: "
                                    f"{', '.join(sorted(named, key=str.casefold))}.")]
    return lines


def _model_group_heading(task_id: str, here: str, tasks: dict[str, _Group], vocab: Vocabulary) -> list[str]:
    group = tasks.get(task_id) if task_id else None
    if group is None:
        return [f"## Task unknown {{ {SEARCH_EXCLUDE} }}", "", markdown_text(_UNKNOWN_TASK), ""]
    count = _count(len(group.models), "model")
    return [f"## [{markdown_text(group.name)}]({link(here, task_page(task_id))}) ({count}) {{ {SEARCH_EXCLUDE} }}", ""]


_UNKNOWN_TASK = "Neither the names nor the summaries of these models say which task they do."


def _group(groups: dict[str, _Group], key: str, name: str, task_id: str | None = None) -> _Group:
    """The group of ``key``, made the first time."""
    group = groups.get(key)
    if group is None:
        group = groups[key] = _Group(key, name, task_id=task_id)
    return group


def _unsupported_citations(readable: list[PromptPage]) -> list[IndexPage]:
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
        meta = {"title": title} if number == 1 else {"title": title, "search": {"exclude": True}}
        out = front_matter(meta) + ["", f"# {title}", "", *intro]
        pager = _pager(here, number, len(chunks), lambda n: index_page(UNSUPPORTED_INDEX, n))
        out += pager
        if chunk:
            out += ["| Prompt | Answer | Where | Cited link |", "| --- | --- | --- | --- |"]
            for result, answer, citation in chunk:
                prompt = f"[{markdown_text(result.page.title)}]({link(here, prompt_page(result.prompt.slug), 'answers')})"
                where = markdown_text(f"{answer.answer.path}:{citation.line}")
                out.append(f"| {prompt} | {markdown_text(answer.answer.label)} | {where} | <code>{inert_url(citation.url)}</code> |")
        else:
            out.append("None: every link every answer cites is in its prompt's source block.")
        out += ["", *pager] if pager else []
        pages.append(IndexPage(here, title, "\n".join(out) + "\n", frozenset()))
    return pages


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _task_description(group: _Group, vocab: Vocabulary) -> str:
    if group.task_id is None:
        return "No single task is clear from the question and the models."
    return vocab.tasks[group.task_id].description


def _problems_note(results: list[Generated]) -> list[str]:
    broken = [r for r in results if isinstance(r, ErrorPage)]
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
    """Page numbers and previous/next links, at the top and at the bottom of a list: the first,
    the last and those near the current page, so that the pager stays short on any list."""
    if pages == 1:
        return []
    shown = sorted({1, pages, *range(max(1, page - PAGER_REACH), min(pages, page + PAGER_REACH) + 1)})
    parts = [f"[← previous]({link(here, page_path(page - 1))})"] if page > 1 else []
    for number, before in zip(shown, [0, *shown]):
        if number - before > 1:
            parts.append("…")
        parts.append(f"**{number}**" if number == page else f"[{number}]({link(here, page_path(number))})")
    if page < pages:
        parts.append(f"[next →]({link(here, page_path(page + 1))})")
    return [f"Page {page} of {pages}: " + " · ".join(parts), f"{{ .pager {SEARCH_EXCLUDE} }}", ""]


class IndexRow(NamedTuple):
    """A row of a top-level index: its group (a model's task; None: no groups), the name it links
    to its page, and its other cells (text)."""

    group: str | None
    name: str
    target: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class TopIndex:
    """What a top-level index says around its rows."""

    path: str
    title: str
    intro: str
    columns: tuple[str, ...]
    what: str  # the heading of the list, when its rows are not in groups
    extra: tuple[str, ...] = ()  # lines after the list, on the first page
    #: ``group_heading(group, here)``: the rows come in groups, each under its heading (again on
    #: the next page when a group goes on there).
    group_heading: Callable[[str | None, str], list[str]] | None = None


def _top_index(index: TopIndex, rows: list[IndexRow]) -> list[IndexPage]:
    """A top-level index, ``ROWS_PER_PAGE`` rows a page."""
    chunks = _chunks(rows, ROWS_PER_PAGE)
    pages = []
    path, title, group_heading = index.path, index.title, index.group_heading
    header = "| " + " | ".join(index.columns) + " |\n|" + " --- |" * len(index.columns)
    for number, chunk in enumerate(chunks, start=1):
        here = index_page(path, number)
        # Page 2 and on repeat the first page's title and intro: search finds the first.
        meta = {"title": title} if number == 1 else {"title": title, "search": {"exclude": True}}
        out = front_matter(meta) + ["", f"# {title}", "", index.intro, ""]
        if group_heading is None and chunk:
            # The lists repeat names that search finds on their own pages.
            out += [f"## {index.what} {{ {SEARCH_EXCLUDE} }}", ""]
        pager = _pager(here, number, len(chunks), lambda n: index_page(path, n))
        out += pager
        current = started = None
        for group, name, target, cells in chunk:
            if not started or (group_heading is not None and group != current):
                out += ["", *group_heading(group, here)] if group_heading is not None else []
                out.append(header)
                current, started = group, True
            row = [f"[{markdown_text(plain_math(name))}]({link(here, target)})", *map(markdown_text, cells)]
            out.append("| " + " | ".join(row) + " |")
        if not chunk:
            out.append("Nothing yet: add prompts to `sources/`.")
        out += ["", *pager] if pager else [""]
        out += [*index.extra, ""] if number == 1 else []
        pages.append(IndexPage(here, title, "\n".join(out), frozenset()))
    return pages


def _task_header(group: _Group, vocab: Vocabulary) -> _Header:
    if group.task_id is None:
        return _Header("No clear task", ["Prompts whose question and models do not point clearly to one task.", ""])
    task = vocab.tasks[group.task_id]
    lines = [
        f"{markdown_text(task.description)}",
        "",
        f"**Input:** {markdown_text(task.input)} · **Output:** {markdown_text(task.output)}",
        "",
    ]
    if task.aliases:
        lines += [f"**Also called:** {markdown_text(', '.join(task.aliases))}", ""]
    words = _asking_words(task)
    if words:  # searched: "upscale" or "snow" finds the task's page, not only prompts that say it
        lines += [f"**Users ask for it with words like:** {markdown_text(', '.join(words))}", ""]
    return _Header(task.label, lines, _search_names(task))


def _asking_words(task: Task, most: int = 16) -> list[str]:
    """The vocabulary's cues and hints of a task as a reader would read them (three letters or more)."""
    return [word for word in _as_read((*task.cues, *task.hints)) if len(word) > 2][:most]


def _search_names(task: Task) -> tuple[str, ...]:
    """A task's aliases and cues, which lead search to its page ("upscale" to Super-resolution)."""
    return tuple(_as_read((*task.aliases, *task.cues)))


def _as_read(cues) -> list[str]:
    """Cues of the vocabulary as a reader reads them: a wildcard as "…" ("upscal…": any ending),
    patterns left out, each once whatever its case."""
    words: dict[str, str] = {}
    for cue in cues:
        if not cue.startswith("/"):
            word = cue.replace("*", "…").strip(" -")
            words.setdefault(word.casefold(), word)
    return list(words.values())


def _task_models(group: _Group) -> Callable[[str], tuple[list[str], list[str]]]:
    """What the first page of a task shows besides its prompts: the models of the corpus that
    do it (each indexed by search on its own page), and how many of its prompts no
    recommended model fits (lines above the list of prompts, lines at its top)."""

    def lines(here: str) -> tuple[list[str], list[str]]:
        if group.task_id is None:
            return [], []
        shown = sorted(group.models, key=lambda g: (-len(g.prompts), g.name.casefold()))[:MODELS_PER_TASK_PAGE]
        out = [f"## Models that do it ({len(group.models)}) {{ {SEARCH_EXCLUDE} }}", ""]
        if shown:  # one paragraph, the most recommended first: the prompts stay near the top
            out.append("By the number of prompts recommending it: " + " · ".join(
                f"[{markdown_text(plain_math(m.name))}]({link(here, model_page(m.name))}) ({len(m.prompts)})" for m in shown)
                + (f" · and {len(group.models) - len(shown)} more, on [Models]({link(here, MODEL_INDEX)})."
                   if len(group.models) > len(shown) else ""))
        else:
            out.append("No recommended model of the corpus does it.")
        out.append("")
        if not group.prompts:
            out += ["No prompt asks for it yet.", ""]
        said = []
        if group.unfit:
            said.append(f"In {len(group.unfit)} of its {len(group.prompts)} prompts, no recommended model does the "
                        f"task: they come first, marked ✗.")
        if group.unknown:
            said.append(f"In {group.unknown} {'more' if group.unfit else f'of its {len(group.prompts)} prompts'}, "
                        f"whether a recommended model does it is not known (?).")
        unfit = [markdown_text(" ".join(said)), ""] if said else []
        return out, unfit

    return lines


def _entry_header(group: _Group, memo: Memo[Vocabulary], kind: str) -> _Header:
    """A model's or paper's page, above its prompts: what it does, in plain words first."""
    links = group.links
    summary = next((entry.summary for entry in group.entries if entry.summary), "")
    lines, names = [], []
    if summary:
        first = split_sentences(plain_math(summary))[0]
        lines += [f"**What it does:** {markdown_text(first)}", ""]
    if kind == "model":
        lines += [_model_task_line(group, memo), ""]
        names = _repository_names(group)
        if names:  # searched: a model titled by its paper is found by its code's name too
            lines += [f"**Also known as:** {markdown_text(', '.join(names))}", ""]
        if group.marks:
            lines += [markdown_text(
                f"In the prompts that recommend it: ✓ it does the task asked in {group.marks['✓']}, "
                f"✗ it does not in {group.marks['✗']}, and ? whether it does is not known in {group.marks['?']}."), ""]
    elif group.techniques:
        lines += ["**Techniques the prompts' pages quote from it:**", ""]
        lines += [f"- **{markdown_text(label)}**: “{markdown_text(sentence)}”" for label, sentence in group.techniques.items()]
        lines.append("")
    if links:  # a paragraph of its own: a list right after the techniques' would join it
        lines += ["**Links:**", "", *(f"- {markdown_link(label_url(url), url)}" for url in links), ""]
    if summary:
        lines += ["**Summary:**", ""]
    lines += [linked_text(paragraph) + "\n" for paragraph in summary.split("\n\n") if paragraph]
    return _Header(plain_math(group.name), lines, tuple(names))


def _repository_names(group: _Group) -> list[str]:
    """The names of a model's GitHub and Hugging Face repositories that its title does not hold."""
    title = group.name.casefold()
    names = []
    for url in group.links:
        parts = urlsplit(url)
        path = [part for part in parts.path.split("/") if part]
        if (parts.hostname or "").removeprefix("www.") in ("github.com", "huggingface.co") and len(path) >= 2:
            name = path[1].removesuffix(".git")
            if name.casefold() not in title and name not in names:
                names.append(name)
    return names


def _model_task_line(group: _Group, memo: Memo[Vocabulary]) -> str:
    """A model's task and how the site knows it, in plain words."""
    if not group.task_id:
        return markdown_text("Its task: not known. Neither its name nor its summary says which task it does, so no "
                             "page says whether it fits (its prompts say \"?\").")
    entry = group.entries[0]
    vocab = memo.vocab
    wheres = {evidence.where for evidence in model_task(entry, vocab, memo)[1]}
    how = "as its name says" if wheres <= {"model name"} else "as its name and summary describe it"
    target = link(model_page(group.name), task_page(group.task_id))
    return f"**Its task:** [{markdown_text(vocab.label(group.task_id))}]({target}), {how}."


_CRUMBS = {"Task": TASK_INDEX, "Model": MODEL_INDEX, "Paper": PAPER_INDEX}
_SECTIONS = {"Task": "Tasks", "Model": "Models", "Paper": "Papers"}


def _entity_pages(group: _Group, kind: str, page_path: Callable[[int], str], header: _Header, heading: str,
                  first_page: Callable[[str], tuple[list[str], list[str]]] | None = None) -> list[IndexPage]:
    title, intro = header.title, header.lines
    # The page shows the links of its model's or paper's entries (a task page shows none), all
    # of them from the source blocks of the prompts it lists: those and no other may be on it.
    allowed = frozenset(group.links)
    chunks = _chunks(group.prompts, PROMPTS_PER_PAGE)
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        here = page_path(number)
        meta = {"title": yaml_title(title), "tags": [kind],
                "search": {"boost": SEARCH_BOOST[kind]} if number == 1 else {"exclude": True},
                "crumbs": [_SECTIONS[kind]], "crumb_urls": [site_url(_CRUMBS[kind])]}
        out = front_matter(meta) + ["", f"# {markdown_text(title)}", "", *intro]
        above, atop = first_page(here) if number == 1 and first_page is not None else ([], [])
        out += above
        if not group.prompts:
            pages.append(IndexPage(here, title, "\n".join(out) + "\n", allowed, header.search_names))
            continue
        # The list repeats the titles of prompt pages, which search finds on their own.
        out += [f"## {heading} ({len(group.prompts)}) {{ {SEARCH_EXCLUDE} }}", "", *atop]
        pager = _pager(here, number, len(chunks), page_path)
        out += pager
        to_prompts = folder_link(posixpath.dirname(here), PROMPTS) + "/"  # every prompt page is in one folder
        out += [f"- [{prompt_title}]({to_prompts}{result.prompt.slug}.md): {note}" for result, prompt_title, note in chunk]
        out += ["", *pager] if pager else []
        # Only the first page is searched: the others repeat it.
        pages.append(IndexPage(here, title, "\n".join(out) + "\n", allowed, header.search_names if number == 1 else ()))
    return pages
