"""Prompt + inference + workflow -> the Markdown of its page (:class:`Page`).

Every piece of prompt text goes through :mod:`generator.markup.escape`; every link is one of the
source block's URLs, written with :func:`escape.markdown_link`, which refuses anything else.
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial

from ..markup.escape import front_matter, inert_text, markdown_link, markdown_text, yaml_title
from ..markup.latex import plain_math
from ..markup.links import label_url, url_spans
from ..markup.sanitise import UNSUPPORTED_MARK
from ..collection.paths import (
    TASK_INDEX, UNSUPPORTED_INDEX, folder_link, link, model_page, paper_page, prompt_page, site_url, summary_file,
    task_page,
)
from ..records import (AnswerAudit, Basis, Confidence, Entry, ModelFit, Page, Problem, Prompt, Relation,
                      ReviewedAnswer, SiteFile, Task, TaskCheck, TaskInference, WorkflowSign)
from ..vocabulary import Vocabulary
from .verdict import FitCounts, fit_verdict
from .workflow import Workflow, render_workflow, workflow_legend

TITLE_LENGTH = 90
#: The id of a prompt page's heading (the question).
QUESTION_ID = "question"
#: Material's search skips an element (a heading: its section) with this attribute.
SEARCH_EXCLUDE = "data-search-exclude"


def unsearched(block: str, indent: str = "") -> str:
    """A paragraph or list item (its lines indented by ``indent``) that search leaves out: what
    every prompt page says alike, or says again elsewhere, would outrank the pages it is about."""
    return f"{block}\n{indent}{{ {SEARCH_EXCLUDE} }}"


_FIT_MARK = {Relation.SAME: "✓ Yes", Relation.RELATED: "✗ No, a related step", Relation.DIFFERENT: "✗ No",
             Relation.POSSIBLE: "? Not ruled out", Relation.UNCONFIRMED: "? Not confirmed",
             Relation.UNKNOWN: "? Unknown"}
#: When the task is only "likely", what the verdicts say instead.
_LIKELY_FIT_MARK = {**_FIT_MARK, Relation.SAME: "✓ Probably", Relation.RELATED: "✗ Probably not, a related step",
                    Relation.DIFFERENT: "✗ Probably not"}
_CONFIDENCE = {
    "clear": "The question itself points to this task, well ahead of any other.",
    "likely": "The question points to this task, but not far ahead of the others below.",
    "models": "The question does not say which task it is; the recommended models point to this one.",
    "answers": "The question does not say clearly which task it is; the answers agree on this one.",
    "maintainers": "A maintainer confirmed this task (sources/NAME.meta.yaml).",
}
_QUALIFIER_NAMES = (("input", "Input"), ("scale", "Scale"), ("device", "Device"), ("media", "Media"), ("goals", "Goals"))


def page_title(question: str) -> str:
    text = " ".join(question.split())
    if len(text) <= TITLE_LENGTH:
        return text
    return text[: TITLE_LENGTH - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def compose_error_page(slug: str, path: str, problems) -> Page:
    """A page that says why a prompt has no page, so that it does not silently vanish."""
    title = f"Prompt not readable: {path}"
    failure = ['!!! failure "This prompt could not be turned into a page"', "",
               "    Fix these problems in the prompt file; its page appears on the next build.", ""]
    failure += [f"    - {markdown_text(str(problem))}" for problem in problems]
    return Page(slug, path, title, (
        "\n".join(front_matter({"title": yaml_title(title), "search": {"exclude": True}})),
        f"# {markdown_text(title)}",
        "\n".join(failure),
    ))


def compose_page(
    prompt: Prompt,
    inference: TaskInference,
    workflow: Workflow,
    vocab: Vocabulary,
    answers: tuple[ReviewedAnswer, ...] = (),
    unreadable_answers: tuple[Problem, ...] = (),
) -> Page:
    block = prompt.source
    task = vocab.tasks.get(inference.task_id) if inference.task_id else None
    title, front, heading = _page_head(block.question, inference.task_id, task.label if task else None)
    here = prompt_page(prompt.slug)
    folder = posixpath.dirname(here)
    blocks = [front, heading, _summary_card(folder, inference, block.models, block.papers, answers, vocab)]
    blocks += _task_section(folder, inference, vocab)
    blocks += _workflow_section(workflow, block.papers)
    blocks += _references_section(folder, block.models, block.papers)
    blocks += _answers_section(here, answers, unreadable_answers)
    files = {file.path: file for file in (compose_summary(entry.name, entry.summary)
                                          for entry in (*block.models, *block.papers) if entry.summary)}
    return Page(prompt.slug, prompt.path, title, tuple(blocks), tuple(files.values()))



def _summary_card(folder: str, inference: TaskInference, models: tuple[Entry, ...], papers: tuple[Entry, ...],
                  answers: tuple[ReviewedAnswer, ...], vocab: Vocabulary) -> str:
    """What a visitor came for, first: the task and how sure the site is of it, each recommended
    model's verdict in a line, the counts, and the way to the rest of the page."""
    verdict = fit_verdict(inference)
    # The card takes the verdict's colour and icon (site.css: .verdict-fits, .verdict-does-not-fit…).
    lines = [f'!!! summary verdict-{verdict.code} "At a glance"', ""]
    if inference.task_id:
        task_link = f"[{markdown_text(vocab.label(inference.task_id))}]({folder_link(folder, task_page(inference.task_id))})"
        sure = {"clear": "clear: the question itself says so",
                "likely": "likely: the question leans this way, without certainty",
                "confirmed": "confirmed by the maintainers"}[inference.confidence]
        if inference.basis is Basis.MODELS:
            sure = "likely: the question is vague, the recommended models point this way"
        elif inference.basis is Basis.ANSWERS:
            sure = "likely: the question is not clear, the answers agree on it"
        lines.append(unsearched(f"    **The user wants:** {task_link} ({sure})", "    "))
    else:
        names = ", ".join(markdown_text(vocab.label(c.task_id)) for c in inference.candidates[:3])
        lines.append(unsearched("    **The user wants:** no single task is clear"
                                + (f"; it could be {names}" if names else ""), "    "))
    for opinion in _second_opinions(inference, vocab):
        lines += ["", unsearched(f"    {opinion}", "    ")]
    lines += ["", f"    **Verdict:** {verdict.text}\n    {{ {SEARCH_EXCLUDE} .verdict-line }}", ""]
    likely = inference.confidence is Confidence.LIKELY
    for index, fit in enumerate(inference.model_fits, start=1):
        hedge = "probably " if likely and fit.fits is not None else ""
        lines.append(unsearched(f"    - {fit.mark} [{markdown_text(plain_math(fit.name))}](#model-{index}): "
                                f"{hedge}{markdown_text(fit.reason)}", "      "))
    doing = FitCounts.of(inference).doing
    counts = [f"{len(models)} recommended model{'s' * (len(models) != 1)} ({doing} doing the task)",
              f"{len(papers)} related paper{'s' * (len(papers) != 1)}"]
    jumps = ["[Workflow](#workflow)", "[References](#references)"]
    if answers:
        unsupported = sum(len(answer.unsupported) for answer in answers)
        counts.append(f"{len(answers)} answer{'s' * (len(answers) != 1)}"
                      + (f" ({unsupported} link{'s' * (unsupported != 1)} not in the sources)" if unsupported else ""))
        jumps.append("[Answers](#answers)")
    lines += ["", unsearched("    " + " · ".join(counts), "    "), "",
              unsearched("    Jump to: " + " · ".join(jumps), "    ")]
    return "\n".join(lines)


@lru_cache(maxsize=1 << 13)  # one question is asked in many prompts (with other models, papers)
def _page_head(question: str, task_id: str | None, task_label: str | None) -> tuple[str, str, str]:
    """(title, front matter, heading) of a prompt's page."""
    title = page_title(question)
    shown_title = yaml_title(title)
    task_name = task_label or "No clear task"
    front = {
        "title": shown_title,
        "description": shown_title,
        # What a search result is, and its task (drawn on results, not on the page).
        "tags": ["Prompt", task_name],
        # The task as a chip, and the breadcrumbs Home › Tasks › the task (overrides/partials/).
        "chip": task_name,
        "chip_url": site_url(task_page(task_id)),
        "crumbs": ["Tasks", task_name],
        "crumb_urls": [site_url(TASK_INDEX), site_url(task_page(task_id))],
    }
    # The heading is the whole question; the title (tab, search, index lists) is its start. Its id
    # is short: the skip link leads to it, and the question made into an id was as long again.
    return title, "\n".join(front_matter(front)), f"# {markdown_text(question)} {{#{QUESTION_ID}}}"


def _task_section(folder: str, inference: TaskInference, vocab: Vocabulary) -> list[str]:
    out = ["## Task"]
    likely = inference.confidence is Confidence.LIKELY
    if inference.task_id:
        basis = inference.confidence if inference.basis is Basis.QUESTION else inference.basis
        out.append(_task_box(vocab.tasks[inference.task_id], inference.confidence, basis))
        if inference.note:
            out.append(f"**The maintainers' note:** {markdown_text(inference.note)}")
    else:
        names = ", ".join(
            f"{markdown_text(vocab.label(c.task_id))} ({c.score:g})" for c in inference.candidates
        )
        out.append(
            '!!! question "No single task is clear"\n\n'
            "    Neither the question nor the recommended models point clearly to one task.\n"
            + (f"    Candidates, by score: {names}." if names else "    No cue of any task was found.")
        )

    if inference.statements:
        out.append(unsearched(_statements_list(inference, vocab)))

    rows = [(name, values) for key, name in _QUALIFIER_NAMES if (values := getattr(inference.qualifiers, key))]
    if rows:
        out.append("\n".join(["| What the question specifies | Found in the question |", "| --- | --- |",
                              *(f"| {name} | {markdown_text(', '.join(values))} |" for name, values in rows)]))

    if inference.evidence:
        words = ", ".join(
            f"“{markdown_text(e.text)}” ({e.where})" for e in _unique_evidence(inference.evidence)
        )
        out.append(f"**Evidence:** {words}.")
    others = [c for c in inference.candidates if c.task_id != inference.task_id]
    if inference.task_id and others:
        names = ", ".join(f"{markdown_text(vocab.label(c.task_id))} ({c.score:g})" for c in others)
        top = next(c.score for c in inference.candidates if c.task_id == inference.task_id)
        out.append(unsearched(f"**Other tasks considered:** {names}. Each task is scored on what points to it: the "
                              f"question's words (a phrase naming the task counts most) and the recommended models' "
                              f"own tasks; the task above scored {top:g}."))

    # The table repeats model names and task labels that the model, task and workflow text
    # already hold: out of the search index (a section per prompt page fewer, queries faster).
    out.append(f"### Do the recommended models fit? {{ {SEARCH_EXCLUDE} }}")
    table = ["| Model | Its task | Fits the task? |", "| --- | --- | --- |"]
    table += [_fit_row(index, fit, fit.task_id and vocab.label(fit.task_id), folder, likely)
              for index, fit in enumerate(inference.model_fits, start=1)]
    out.append("\n".join(table))
    misfits = [fit for fit in inference.model_fits if fit.fits is False]
    if misfits and inference.task_id:
        task = vocab.tasks[inference.task_id]
        verb = "probably do not do" if likely else "do not do"
        warning = [f'!!! warning "{len(misfits)} of {len(inference.model_fits)} recommended models {verb} '
                   f'{markdown_text(task.label.lower())}"', ""]
        warning += [f"    - **{markdown_text(fit.name)}** is {markdown_text(fit.reason)}." for fit in misfits]
        warning += ["", "    An answer should say so rather than present these models as the solution."]
        out.append("\n".join(warning))
    return out


@lru_cache(maxsize=1 << 13)  # the same model at the same place in the table of many prompts
def _fit_row(index: int, fit: ModelFit, label: str | None, folder: str, likely: bool) -> str:
    """The fit table's row of the ``index``-th model; ``label``: its own task's."""
    own = f"[{markdown_text(label)}]({folder_link(folder, task_page(fit.task_id))})" if fit.task_id else "unknown"
    mark = (_LIKELY_FIT_MARK if likely else _FIT_MARK)[fit.relation]
    return f"| [{markdown_text(plain_math(fit.name))}](#model-{index}) | {own} | {mark}: {markdown_text(fit.reason)} |"


@lru_cache(maxsize=1 << 10)  # a few tasks, three confidences: a handful of boxes for a whole site
def _task_box(task: Task, confidence: str, basis: str) -> str:
    trying = "is trying to do" if confidence in ("clear", "confirmed") else "is probably trying to do"
    description = (f"    The user {trying} **{markdown_text(task.label.lower())}**: "
                   f"{markdown_text(task.description[0].lower() + task.description[1:])}\n"
                   f"    Input: {markdown_text(task.input)}. Output: {markdown_text(task.output)}.")
    return (f'!!! abstract "{markdown_text(task.label)} ({confidence})"\n\n'
            + unsearched(description, "    ") + "\n\n"
            + unsearched(f"    **Confidence: {confidence}.** {_CONFIDENCE[basis]}", "    "))


def _second_opinions(inference: TaskInference, vocab: Vocabulary) -> list[str]:
    """What the card says when the answers, the inference or a maintainer disagree."""
    lines = []
    if inference.inferred_task_id != inference.task_id:
        said = vocab.label(inference.inferred_task_id) if inference.inferred_task_id else "no clear task"
        lines.append(f"**From the question and the models alone:** {markdown_text(said)}")
    agreed = inference.answers_task_id
    if agreed and agreed != inference.task_id:
        count = sum(1 for s in inference.statements if s.task_id == agreed)
        lines.append(f"**⚠ The answers disagree:** {count} of {len(inference.statements)} answers say the user wants "
                     f"{markdown_text(vocab.label(agreed).lower())}")
    return lines


def _statements_list(inference: TaskInference, vocab: Vocabulary) -> str:
    """Each answer's statement of the task, and the task it names."""
    lines = ["**What the answers say the task is:**", ""]
    for statement in inference.statements:
        named = vocab.label(statement.task_id) if statement.task_id else "no task of the vocabulary"
        agrees = "" if statement.task_id == inference.task_id else " (not the page's task)"
        lines.append(f"- {markdown_text(statement.answer)}: “{markdown_text(statement.phrase)}” → "
                     f"{markdown_text(named)}{agrees}")
    return "\n".join(lines)


def _unique_evidence(evidence):
    seen = set()
    for item in evidence:
        key = (item.text.lower(), item.where)
        if key not in seen:
            seen.add(key)
            yield item


def _workflow_section(workflow: Workflow, papers: tuple[Entry, ...]) -> list[str]:
    techniques = workflow.techniques
    # The diagram's source is Mermaid syntax, noise to a reader of search results: the steps
    # below say the same in words and are indexed.
    out = ["## Workflow",
           unsearched("How the recommended models would work together as a CNAPS workflow: a network of AI "
                      "models wired like synapses, from the user's input to the output, where models may run "
                      "one after another, side by side, and merge."),
           f"```mermaid {{ {SEARCH_EXCLUDE}=\"\" }}\n{render_workflow(workflow)}\n```",
           workflow_legend(workflow)]
    out.append("\n".join(f"{number}. {step_markdown(step)}" for number, step in enumerate(workflow.steps, start=1)))
    if workflow.stand_in is not None:
        paper = workflow.stand_in
        links = [markdown_link(label, url) for label, url in (("its code", paper.github), ("the paper", paper.paper))
                 if url]
        out.append(f"**For the missing step:** the related paper **{markdown_text(plain_math(paper.name))}** does "
                   f"this task" + (f" ({', '.join(links)})" if links else "")
                   + ". It is a paper the retriever found, not a recommended model.")
    if techniques:
        anchors = {paper.name: f"#paper-{index}" for index, paper in enumerate(papers, start=1)}
        out.append("### Techniques from the related papers")
        out.append("\n".join(
            f"- **{markdown_text(technique.label)}**"
            + (f": {markdown_text(technique.effect)}. " if technique.effect else ", as the paper names it. ")
            + f"From [{markdown_text(plain_math(technique.paper))}]({anchors[technique.paper]}): "
              f"“{markdown_text(technique.sentence)}”"
            for technique in techniques
        ))
    return out


@lru_cache(maxsize=1 << 13)  # steps name the same models and tasks on thousands of pages
def step_markdown(step: str) -> str:
    """Workflow steps carry ``**bold**`` around names: escape the names, keep the bold."""
    parts = plain_math(step).split("**")
    return "".join(f"**{markdown_text(p)}**" if i % 2 else markdown_text(p) for i, p in enumerate(parts))


@dataclass(frozen=True)
class _ReferenceKind:
    heading: str
    anchor: str  # the prefix of each entry's anchor: #model-1, #paper-2…
    page_of: Callable[[str], str]  # the entry's own page, from its name
    others: str  # what that page lists


_MODELS = _ReferenceKind("Recommended models", "model", model_page, "every prompt recommending it")
_PAPERS = _ReferenceKind("Related papers", "paper", paper_page, "every prompt citing it")


def _references_section(here_folder: str, models: tuple[Entry, ...], papers: tuple[Entry, ...]) -> list[str]:
    # Kept out of the search index: the same models and papers recur on thousands of prompt
    # pages (most of the index), and each has its own page, which is indexed and lists every
    # prompt naming it.
    out = [f"## References {{ {SEARCH_EXCLUDE} }}"]
    for kind, entries in ((_MODELS, models), (_PAPERS, papers)):
        if not entries:
            continue
        out.append(f"### {kind.heading} {{ {SEARCH_EXCLUDE} }}")
        out += [_reference_entry(entry, index, here_folder, kind) for index, entry in enumerate(entries, start=1)]
    return out


@lru_cache(maxsize=1 << 13)  # the same model or paper, at the same place, on thousands of pages
def _reference_entry(entry: Entry, index: int, here_folder: str, kind: _ReferenceKind) -> str:
    """An entry's heading, links, link to its own page, summary and other fields: one block of
    paragraphs (the same for entries that show the same: an Entry's line is not part of it)."""
    out = [f"#### {markdown_text(plain_math(entry.name))} {{#{kind.anchor}-{index} {SEARCH_EXCLUDE}}}"]
    rows = [f"- {label}: {linked_text(value)}"
            for label, value in (("Paper", entry.paper), ("GitHub", entry.github), ("Hugging Face", entry.huggingface))
            if value]
    if rows:
        out.append("\n".join(rows))
    out.append(f"[→ {kind.others}]({folder_link(here_folder, kind.page_of(entry.name))})")
    if entry.summary:
        # Collapsed, and kept in a file of its own (compose_summary) that the box fetches when the
        # page is read (chrome.js), or opens without script: summaries are most of a page's
        # length, and the same ones recur on thousands of pages (each of which the site would
        # otherwise hold). The entry's own page (linked above) shows one in full, and search
        # finds it there.
        target = folder_link(here_folder, compose_summary(entry.name, entry.summary).path)
        out.append(f'??? abstract "Summary"\n\n    [Open the summary]({target}){{ .{SUMMARY_LINK} }}')
    out += [f"*{markdown_text(key)}:* {linked_text(value)}" for key, value in entry.extra]
    return "\n\n".join(out)


#: The class of the link that stands for a summary in its box, which chrome.js replaces with it.
SUMMARY_LINK = "summary-file"


@lru_cache(maxsize=1 << 13)  # summaries recur across thousands of pages
def compose_summary(name: str, summary: str) -> SiteFile:
    """The summary of the model or paper ``name`` as a page of its own: its paragraphs, with
    their URLs as links and everything else escaped, as the prompt page would show them."""
    title = html.escape(f"Summary of {plain_math(name)}", quote=False)
    paragraphs = "".join(f"<p>{_linked_html(paragraph)}</p>" for paragraph in summary.split("\n\n") if paragraph.strip())
    return SiteFile(summary_file(name, summary),
                    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
                    'content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">'
                    f"<title>{title}</title></head><body><h1>{title}</h1><main>{paragraphs}</main></body></html>\n")


def _linked_html(text: str) -> str:
    """HTML of :func:`linked_text`: the text escaped, its URLs as labelled links."""
    return _with_links(" ".join(plain_math(text).split()), partial(html.escape, quote=False), _html_link)


def _html_link(label: str, url: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(label, quote=False)}</a>'


@lru_cache(maxsize=1 << 13)  # summaries recur across thousands of pages
def linked_text(text: str) -> str:
    """Text with its URLs as labelled links, simple LaTeX as text, everything else escaped."""
    return _with_links(plain_math(text), markdown_text, markdown_link).strip()


def _with_links(text: str, escape: Callable[[str], str], link: Callable[[str, str], str]) -> str:
    """``text`` with each URL in it as ``link(its label, it)`` and the rest as ``escape`` gives it."""
    out, position = [], 0
    for start, end, url in url_spans(text):
        out += [escape(text[position:start]), link(label_url(url), url)]
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


def _answers_section(here: str, answers: tuple[ReviewedAnswer, ...], unreadable: tuple[Problem, ...]) -> list[str]:
    """The answers as raw HTML built by generator.steps.answers: one as is, several as Material content tabs.

    The HTML is one block without blank lines, so Markdown passes it through untouched.
    """
    if not answers and not unreadable:
        return []
    out = ["## Answers"]
    if unreadable:
        out.append("\n".join(['!!! failure "An answer file could not be read"', "",
                              *(f"    - {markdown_text(str(problem))}" for problem in unreadable)]))
    if not answers:
        return out
    cited = sum(len(a.citations) for a in answers)
    unsupported = sum(len(a.unsupported) for a in answers)
    count = f"{len(answers)} answers were" if len(answers) > 1 else "One answer was"
    out.append(
        f"{count} written for this prompt. Every link an answer cites is checked against the prompt's "
        f"models and papers above: {cited} cited, "
        + (f"**{unsupported} not in the sources**, shown as text marked “{UNSUPPORTED_MARK}” "
           f"([every unsupported citation of the site]({link(here, UNSUPPORTED_INDEX)}))."
           if unsupported else "all in the sources.")
    )
    if len(answers) == 1:
        out.append(f'<div class="answers">{_answer_html(answers[0], here)}</div>')
    else:
        # The markup of pymdownx.tabbed's alternate style, which Material styles as content tabs.
        count = len(answers)
        inputs = "".join(
            f'<input{" checked" if n == 1 else ""} id="__tabbed_1_{n}" name="__tabbed_1" type="radio">'
            for n in range(1, count + 1)
        )
        labels = "".join(
            f'<label for="__tabbed_1_{n}">{inert_text(a.answer.title)}{" ⚠" if a.unsupported or a.misplaced else ""}</label>'
            for n, a in enumerate(answers, start=1)
        )
        blocks = "".join(f'<div class="tabbed-block">{_answer_html(a, here)}</div>' for a in answers)
        out.append(
            f'<div class="answers tabbed-set tabbed-alternate" data-tabs="1:{count}">{inputs}'
            f'<div class="tabbed-labels">{labels}</div><div class="tabbed-content">{blocks}</div></div>'
        )
    return out


def _answer_html(reviewed: ReviewedAnswer, here: str) -> str:
    answer = reviewed.answer
    links = len(reviewed.citations)
    verdict = (
        "cites no link" if not links
        else f"cites {links} link{'s' if links > 1 else ''}, "
        + (f"{len(reviewed.unsupported)} not in the sources" if reviewed.unsupported else "all in the sources")
    )
    meta = (
        f'<p class="answer-meta"><strong>{inert_text(answer.title)}</strong> · '
        f"<code>{inert_text(answer.path)}</code>, from line {answer.line} · {verdict}</p>"
    )
    summary = ""
    if reviewed.unsupported:
        # One link an item, its mark first: a long link wraps anywhere (answers.css), so the link
        # starts on the mark's line, which a mark after it could not be sure of.
        items = "".join(
            f'<li><strong class="answer-unsupported-mark">⚠ {UNSUPPORTED_MARK}</strong> <code>{inert_text(c.url)}</code>'
            f' <span class="answer-unsupported-line">line {c.line}</span></li>'
            for c in reviewed.unsupported
        )
        count = len(reviewed.unsupported)
        summary = (
            f'<div class="admonition warning"><p class="admonition-title">{count} link{"s" if count > 1 else ""} '
            f'{UNSUPPORTED_MARK}: not clickable below</p><ul class="answer-unsupported-list">{items}</ul></div>'
        )
    audit = audit_row(reviewed.audit) if reviewed.audit is not None else ""
    return (f'<div class="answer">{meta}{audit}{_misplaced_note(reviewed, here)}{summary}'
            f'<div class="answer-body">{reviewed.html}</div></div>')


_WORKFLOW_EVIDENCE = {WorkflowSign.CHAIN: "a chain of arrows", WorkflowSign.STEPS: "Input and Output steps",
                      WorkflowSign.PROSE: "in prose"}


def audit_row(audit: AnswerAudit) -> str:
    """The answer's audit in one row of HTML, every name from the answer or the prompt escaped:
    "Task ✓ “…” · Workflow ✓ (…) · Models: 2 of 2 used, 1 not provided (…) · builds on ✗ … · Links: …"."""
    phrase = f"“{audit.statement.phrase}”" if audit.statement is not None else ""
    task = {
        TaskCheck.AGREES: f"Task ✓ {phrase}",
        TaskCheck.DIFFERS: f"Task ✗ {phrase}, not the page's task",
        TaskCheck.PAGE_UNCLEAR: f"Task ? {phrase}, the page's task is unclear",
        TaskCheck.NOT_STATED: "Task ? not stated",
        TaskCheck.OTHER_QUESTION: "Task ? it answers another question",
    }[audit.task]
    workflow = (f"Workflow ✓ ({_WORKFLOW_EVIDENCE[audit.workflow]}, line {audit.workflow_line})"
                if audit.gives_workflow else "Workflow ✗ none given")
    models = f"Models: {len(audit.models_used)} of {audit.models_recommended} used"
    if audit.models_used:
        models += f" ({', '.join(short_name(name) for name in audit.models_used)})"
    if audit.outside_names:
        models += f", {len(audit.outside_names)} not provided ({', '.join(audit.outside_names)})"
    parts = [task, workflow, models]
    if audit.builds_on_unfit:
        parts.append("builds on ✗ " + ", ".join(short_name(name) for name in audit.builds_on_unfit))
    links = ("Links: none" if not audit.citations else f"Links: {audit.citations}, "
             + (f"{audit.unsupported} not in the sources" if audit.unsupported else "all in the sources"))
    parts.append(links)
    return f'<p class="answer-audit">{" · ".join(inert_text(part) for part in parts)}</p>'


def short_name(name: str) -> str:
    """A model's name as a row shows it: before its title's colon."""
    return name.split(":")[0].strip() or name

#: What the note on a misplaced answer says first.
MISPLACED_NOTE = "this answer seems to answer another prompt's question"


def _misplaced_note(reviewed: ReviewedAnswer, here: str) -> str:
    """A note on an answer that seems to answer another question, linking the prompt that asks it
    (raw HTML: a URL as MkDocs serves the page, relative to this page's), else quoting it."""
    misplaced = reviewed.misplaced
    if misplaced is None:
        return ""
    question = f"“{inert_text(misplaced.question)}”"
    if misplaced.slug is not None:
        target = posixpath.relpath(site_url(prompt_page(misplaced.slug)), site_url(here)) + "/"
        question = f'<a href="{html.escape(target)}">{question}</a>'
        why = (f"It restates {misplaced.covered:.0%} of that question and {misplaced.own:.0%} of this prompt's "
               "(their words, weighted by how few questions of the site have them).")
    else:
        why = "It quotes that question, which shares almost nothing with this prompt's; no prompt of the site asks it."
    return (f'<div class="admonition note answer-misplaced"><p class="admonition-title">{MISPLACED_NOTE.capitalize()}:'
            f'</p><p>{question}</p><p>{inert_text(why)} The answer is shown as written.</p></div>')
