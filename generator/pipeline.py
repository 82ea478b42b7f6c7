"""Prompt files through every step: parse -> infer -> compose -> check.

Pure: :class:`SourceFile` records in, :class:`Generated` records out. :mod:`generator.site`
calls :func:`generate_all` for every prompt of a site; the CLI and the MkDocs plugin do the
writing themselves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from .answers import answer_problems, collect_answers, review_answer
from .check import block_links, check_links
from .compose import compose_error_page, compose_page
from .infer import infer_task
from .parse import parse_prompt
from .records import Page, Problem, Prompt, PromptError, ReviewedAnswer, TaskInference, Technique
from .render import render_html
from .sources import SourceFile
from .vocabulary import load_vocabulary
from .workflow import find_techniques, load_techniques, plan_workflow


@dataclass(frozen=True)
class Generated:
    source: SourceFile
    page: Page  # the prompt's page, or a page explaining why it could not be made
    problems: tuple[Problem, ...]
    prompt: Prompt | None = None
    inference: TaskInference | None = None
    techniques: tuple[Technique, ...] = ()
    links: tuple[str, ...] = ()  # every external link on the page, normalised
    answers: tuple[ReviewedAnswer, ...] = ()


def generate(source: SourceFile, *, check_html: bool = True) -> Generated:
    """Make the page of one prompt file.

    ``check_html`` renders the page to HTML here to check its links too; the MkDocs plugin
    turns it off and checks the HTML MkDocs renders anyway, and :mod:`generator.site` does it
    for many pages at once, on every core.
    """
    generated = generate_all([source])[0]
    return with_html_links(generated, rendered_links(generated.page.markdown)) if check_html else generated


def generate_all(sources: list[SourceFile], *, timings: dict[str, float] | None = None) -> list[Generated]:
    """Make the page of every prompt file, in the order given, without the HTML check.

    One step at a time over every prompt, not one prompt through every step: each step's code
    and the records it looks up stay in the processor's caches, and a large site is generated
    faster (measured with benchmarks/genbench.py). A prompt on which a step fails, even through
    a bug of ours, gets a page saying why and leaves the batch: the other prompts go on.
    ``timings``, if given, gets the CPU seconds of each step added to it.
    """
    results: dict[int, Generated] = {}
    vocab = load_vocabulary()
    technique_vocab = load_techniques()

    def step(name: str, work, keys) -> dict:
        started = time.process_time()
        done = {}
        for key in keys:
            try:
                done[key] = work(key)
            except PromptError as error:
                results[key] = _error_page(sources[key], error.problems)
            except Exception as error:  # noqa: BLE001 - reported as a problem of this file
                problem = Problem(sources[key].path, None, f"internal error while generating its page: {error!r}")
                results[key] = _error_page(sources[key], (problem,))
        if timings is not None:
            timings[name] = timings.get(name, 0.0) + time.process_time() - started
        return done

    for key, source in enumerate(sources):
        if source.text is None:
            results[key] = _error_page(source, (source.problem,))
    prompts = step("parse", lambda k: parse_prompt(sources[k].text, sources[k].path, sources[k].slug),
                   [k for k in range(len(sources)) if k not in results])
    inferences = step("task", lambda k: infer_task(prompts[k].source, vocab), prompts)
    techniques = step("workflow", lambda k: find_techniques(prompts[k].source.papers, technique_vocab), inferences)
    workflows = step("workflow", lambda k: plan_workflow(prompts[k], inferences[k], techniques[k], vocab, technique_vocab),
                     techniques)
    answers = step("answers", lambda k: _reviewed_answers(prompts[k], sources[k]), workflows)
    pages = step("compose", lambda k: compose_page(prompts[k], inferences[k], techniques[k], workflows[k], vocab, *answers[k]),
                 answers)
    checked = step("check", lambda k: _checked(sources[k], pages[k], prompts[k], inferences[k], techniques[k], *answers[k]),
                   pages)
    results.update(checked)
    return [results[key] for key in range(len(sources))]


def _error_page(source: SourceFile, problems) -> Generated:
    problems = tuple(problems)
    return Generated(source, compose_error_page(source.slug, source.path, problems), problems)


def _reviewed_answers(prompt: Prompt, source: SourceFile) -> tuple[tuple[ReviewedAnswer, ...], tuple[Problem, ...]]:
    """The prompt's answers, reviewed, and the problems of answer files that cannot be read."""
    answers, unreadable = collect_answers(prompt, source.answers)
    return tuple(review_answer(answer, prompt.source.links) for answer in answers), tuple(unreadable)


def _checked(source: SourceFile, page: Page, prompt: Prompt, inference: TaskInference,
             techniques: tuple[Technique, ...], reviewed: tuple[ReviewedAnswer, ...],
             unreadable: tuple[Problem, ...]) -> Generated:
    """The page with the provenance check of its Markdown: its links, and the answers' citations."""
    links = block_links(page.blocks)
    problems = [*check_links(source.path, links, prompt.source.links), *unreadable]
    for answer in reviewed:
        problems += answer_problems(answer)
    return Generated(source, page, tuple(problems), prompt, inference, techniques, tuple(links), reviewed)


def rendered_links(markdown: str) -> list[str]:
    """The external links of a page's HTML as rendered outside MkDocs, normalised."""
    return block_links((), render_html(markdown))


def with_html_links(generated: Generated, html_links: list[str]) -> Generated:
    """``generated`` with the links of its page's HTML (from :func:`rendered_links`) checked too:
    extensions can make links that the Markdown alone does not show."""
    if generated.prompt is None:
        return generated
    known = set(generated.links)
    extra = [url for url in html_links if url not in known]
    if not extra:
        return generated
    problems = check_links(generated.source.path, extra, generated.prompt.source.links)
    return replace(generated, problems=(*generated.problems, *problems), links=(*generated.links, *extra))
