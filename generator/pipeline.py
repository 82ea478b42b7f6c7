"""One prompt file through every step: parse -> infer -> compose -> check.

Pure: a :class:`SourceFile` in, a :class:`Generated` out. The CLI and the MkDocs plugin
call :func:`generate` and do the writing themselves.
"""

from __future__ import annotations

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
    if source.text is None:
        return Generated(source, compose_error_page(source.slug, source.path, [source.problem]), (source.problem,))
    try:
        prompt = parse_prompt(source.text, source.path, source.slug)
    except PromptError as error:
        return Generated(source, compose_error_page(source.slug, source.path, error.problems), error.problems)
    vocab = load_vocabulary()
    technique_vocab = load_techniques()
    inference = infer_task(prompt.source, vocab)
    techniques = find_techniques(prompt.source.papers, technique_vocab)
    workflow = plan_workflow(prompt, inference, techniques, vocab, technique_vocab)
    answers, unreadable = collect_answers(prompt, source.answers)
    reviewed = tuple(review_answer(answer, prompt.source.links) for answer in answers)
    page = compose_page(prompt, inference, techniques, workflow, vocab, reviewed, tuple(unreadable))
    links = block_links(page.blocks)
    problems = [*check_links(source.path, links, prompt.source.links), *unreadable]
    for answer in reviewed:
        problems += answer_problems(answer)
    generated = Generated(source, page, tuple(problems), prompt, inference, techniques, tuple(links), reviewed)
    return with_html_links(generated, rendered_links(page.markdown)) if check_html else generated


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
