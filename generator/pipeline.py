"""Prompt files through every step: parse -> infer -> compose -> check.

Pure: :class:`SourceFile` records in, :class:`PromptPage` or :class:`ErrorPage` records out.
:mod:`generator.site` calls :func:`generate_all` for every prompt of a site; the CLI and the
MkDocs plugin do the writing themselves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial

from .steps.answers import answer_problems, collect_answers, review_answer
from .steps.audit import answer_workflow, audit_answer
from .steps.check import block_links, check_links
from .steps.compose import compose_error_page, compose_page
from .steps.infer import infer_task
from .steps.misplaced import QuestionIndex, find_misplaced, question_index
from .steps.parse import parse_prompt
from .records import (Confirmation, Page, Problem, Prompt, PromptError, ReviewedAnswer, Statement, TaskInference,
                      Technique)
from .markup.html import render_html
from .steps.sidecar import read_sidecar
from .files.sources import SourceFile
from .steps.testimony import answer_lines, task_statement
from .vocabulary import Vocabulary, load_vocabulary
from .steps.workflow import TechniqueVocabulary, Workflow, find_techniques, load_techniques, plan_workflow
from .memo import Memo


@dataclass(frozen=True)
class PromptPage:
    """A prompt made into its page, with what every step found on the way."""

    source: SourceFile
    page: Page
    problems: tuple[Problem, ...]
    prompt: Prompt
    inference: TaskInference
    techniques: tuple[Technique, ...] = ()
    links: tuple[str, ...] = ()  # every external link on the page, normalised
    answers: tuple[ReviewedAnswer, ...] = ()


@dataclass(frozen=True)
class ErrorPage:
    """A prompt file no page could be made of: a page saying why, and the problems."""

    source: SourceFile
    page: Page
    problems: tuple[Problem, ...]


#: What the pipeline makes of one prompt file: tell them apart by type (``isinstance``, ``match``).
Generated = PromptPage | ErrorPage


def prompt_pages(results: Iterable[Generated]) -> list[PromptPage]:
    """The results that are prompt pages, in order."""
    return [result for result in results if isinstance(result, PromptPage)]


@dataclass(frozen=True)
class Run:
    """One run of the steps over a collection: the vocabularies they read, and their memos.

    The memos keep what the steps work out of a question, a model or a paper, which recur across
    thousands of prompts; they last as long as the run (:func:`generator.site.generate_site`
    makes one, and its index pages read the same).
    """

    vocab: Vocabulary
    techniques: TechniqueVocabulary
    memo: Memo[Vocabulary]
    technique_memo: Memo[TechniqueVocabulary]
    #: If given, gets the CPU seconds of each step added to it, by the step's name in STEPS.
    timings: dict[str, float] | None = None

    @classmethod
    def start(cls, vocab: Vocabulary | None = None, timings: dict[str, float] | None = None) -> Run:
        """A run over ``vocab``, the vocabulary shipped with the package by default, with empty memos."""
        vocab = load_vocabulary() if vocab is None else vocab
        techniques = load_techniques()
        return cls(vocab, techniques, Memo(vocab), Memo(techniques), timings)


@dataclass(frozen=True, slots=True)  # slots: replace(), which every step calls per prompt, is cheaper
class Draft:
    """A prompt on its way through the steps: what each step so far made of it."""

    source: SourceFile
    prompt: Prompt | None = None
    inference: TaskInference | None = None
    techniques: tuple[Technique, ...] = ()
    workflow: Workflow | None = None
    answers: tuple[ReviewedAnswer, ...] = ()
    unreadable_answers: tuple[Problem, ...] = ()  # answer files that could not be read
    statements: tuple[Statement, ...] = ()  # what the answers say the task is
    confirmation: Confirmation | None = None  # what a maintainer settled (NAME.meta.yaml)
    sidecar_problems: tuple[Problem, ...] = ()
    page: Page | None = None


def _parse(draft: Draft, run: Run) -> Draft:
    source = draft.source
    return replace(draft, prompt=parse_prompt(source.text, source.path, source.slug))


def _read_testimony(draft: Draft, run: Run) -> Draft:
    """What each answer says the task is, and the workflow it gives (the models it builds on)."""
    source = draft.prompt.source
    names = tuple(entry.name for entry in source.models)
    answers = tuple(replace(reviewed, workflow=answer_workflow(answer_lines(reviewed.answer.text), source))
                    for reviewed in draft.answers)
    # An answer to another prompt's question states that prompt's task: it is no witness here.
    statements = (task_statement(reviewed.answer, names, run.vocab)
                  for reviewed in answers if not reviewed.misplaced)
    return replace(draft, answers=answers,
                   statements=tuple(statement for statement in statements if statement is not None))


def _read_sidecar(draft: Draft, run: Run) -> Draft:
    if draft.source.meta is None:
        return draft
    sidecar = read_sidecar(draft.source.meta, run.vocab)
    return replace(draft, confirmation=sidecar.confirmation, sidecar_problems=sidecar.problems)


def _infer_task(draft: Draft, run: Run) -> Draft:
    workflows = tuple(reviewed.workflow for reviewed in draft.answers if not reviewed.misplaced)
    inference = infer_task(draft.prompt.source, run.vocab, draft.statements, draft.confirmation, workflows,
                           memo=run.memo)
    return replace(draft, inference=inference)


def _audit_answers(draft: Draft, run: Run) -> Draft:
    """Each answer audited against what its prompt asked, once the page's task is known."""
    if not draft.answers:
        return draft
    source, inference = draft.prompt.source, draft.inference
    return replace(draft, answers=tuple(replace(reviewed, audit=audit_answer(reviewed, source, inference))
                                        for reviewed in draft.answers))


def _find_techniques(draft: Draft, run: Run) -> Draft:
    return replace(draft, techniques=find_techniques(draft.prompt.source.papers, run.techniques, run.technique_memo))


def _plan_workflow(draft: Draft, run: Run) -> Draft:
    workflow = plan_workflow(draft.prompt, draft.inference, draft.techniques, run.vocab, run.techniques, run.memo)
    return replace(draft, workflow=workflow)


def _review_answers(draft: Draft, run: Run) -> Draft:
    answers, unreadable = collect_answers(draft.prompt, draft.source.answers)
    reviewed = tuple(review_answer(answer, draft.prompt.source.links) for answer in answers)
    return replace(draft, answers=reviewed, unreadable_answers=tuple(unreadable))


def _place_answers(draft: Draft, run: Run, questions: QuestionIndex) -> Draft:
    """Each answer checked against the collection's questions: does it answer another one?"""
    if not draft.answers:
        return draft
    placed = tuple(replace(reviewed, misplaced=find_misplaced(reviewed.answer.text, draft.prompt, questions))
                   for reviewed in draft.answers)
    return replace(draft, answers=placed)


def _compose(draft: Draft, run: Run) -> Draft:
    page = compose_page(draft.prompt, draft.inference, draft.workflow, run.vocab,
                        draft.answers, draft.unreadable_answers)
    return replace(draft, page=page)


def _check(draft: Draft, run: Run) -> PromptPage:
    """The page with the provenance check of its Markdown and of the files it links to (its
    summaries): their links, and the answers' citations."""
    page = draft.page
    links = block_links(page.blocks, "".join(file.text for file in page.files) if page.files else None)
    problems = [*check_links(draft.source.path, links, draft.prompt.source.links), *draft.unreadable_answers,
                *draft.sidecar_problems]
    for answer in draft.answers:
        problems += answer_problems(answer)
    return PromptPage(draft.source, draft.page, tuple(problems), draft.prompt, draft.inference, draft.techniques,
                      tuple(links), draft.answers)


#: The steps every prompt goes through, in order, each with the name under which
#: ``timings`` (and ``benchmarks/genbench.py --steps``) counts its time.
STEPS: tuple[tuple[str, Callable[[Draft, Run], Draft | Generated]], ...] = (
    ("parse", _parse),
    ("answers", _review_answers),
    ("answers", _place_answers),  # given the collection's questions (see generate_all)
    ("task", _read_testimony),
    ("task", _read_sidecar),
    ("task", _infer_task),
    ("audit", _audit_answers),  # needs the page's task and each model's fit
    ("workflow", _find_techniques),
    ("workflow", _plan_workflow),
    ("compose", _compose),
    ("check", _check),
)


def generate(source: SourceFile, *, check_html: bool = True, run: Run | None = None) -> Generated:
    """Make the page of one prompt file.

    ``check_html`` renders the page to HTML here to check its links too; the MkDocs plugin
    turns it off and checks the HTML MkDocs renders anyway, and :mod:`generator.site` does it
    for many pages at once, on every core.
    """
    generated = generate_all([source], run=run)[0]
    if check_html and isinstance(generated, PromptPage):
        return with_html_links(generated, rendered_links(generated.page.markdown))
    return generated


def generate_all(sources: list[SourceFile], *, run: Run | None = None, others: Iterable[Prompt] = ()) -> list[Generated]:
    """Make the page of every prompt file, in the order given, without the HTML check.

    ``run``: the vocabularies and memos to use (:meth:`Run.start` by default). ``others``: the
    prompts of the collection not made again here (those ``mkdocs serve`` keeps): an answer may
    answer their question too.

    Each step runs over every prompt before the next starts, rather than each prompt through
    every step: a step's code and the records it looks up stay in the processor's caches. A
    prompt on which a step fails, even through a bug of ours, gets a page saying why and goes
    no further: the other prompts go on. The run's ``timings``, if any, get the CPU seconds of
    each step added to them.
    """
    run = Run.start() if run is None else run
    work: list[Draft | Generated] = [
        Draft(source) if source.text is not None else _error_page(source, (source.problem,)) for source in sources
    ]
    for name, step in STEPS:
        started = time.process_time()
        if step is _place_answers:  # the one step that reads the whole collection: its questions, indexed once
            step = partial(_place_answers, questions=collection_questions(work, others))
        work = [_run(step, item, run) if isinstance(item, Draft) else item for item in work]
        if run.timings is not None:
            run.timings[name] = run.timings.get(name, 0.0) + time.process_time() - started
    return work


def collection_questions(work: Iterable[Draft | Generated], others: Iterable[Prompt] = ()) -> QuestionIndex:
    """The questions of every prompt parsed in ``work`` and of ``others``, indexed."""
    # Past the parse step, every draft has its prompt.
    return question_index([*(item.prompt for item in work if not isinstance(item, ErrorPage)), *others])


def _run(step: Callable[[Draft, Run], Draft | Generated], draft: Draft, run: Run) -> Draft | Generated:
    try:
        return step(draft, run)
    except PromptError as error:
        return _error_page(draft.source, error.problems)
    except Exception as error:  # noqa: BLE001 - reported as a problem of this file
        problem = Problem(draft.source.path, None, f"internal error while generating its page: {error!r}")
        return _error_page(draft.source, (problem,))


def _error_page(source: SourceFile, problems) -> ErrorPage:
    problems = tuple(problems)
    return ErrorPage(source, compose_error_page(source.slug, source.path, problems), problems)


def rendered_links(markdown: str) -> list[str]:
    """The external links of a page's HTML as rendered outside MkDocs, normalised."""
    return block_links((), render_html(markdown))


def with_html_links(generated: PromptPage, html_links: list[str]) -> PromptPage:
    """``generated`` with the links of its page's HTML (from :func:`rendered_links`) checked too:
    extensions can make links that the Markdown alone does not show."""
    known = set(generated.links)
    extra = [url for url in html_links if url not in known]
    if not extra:
        return generated
    problems = check_links(generated.source.path, extra, generated.prompt.source.links)
    return replace(generated, problems=(*generated.problems, *problems), links=(*generated.links, *extra))
