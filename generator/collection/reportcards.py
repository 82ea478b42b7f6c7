"""Prompt pages -> the Report page: report cards for the retriever and for the answering models.

Two questions the site's readers come with: how often does the retriever recommend models that
do the task asked, and how well does each language model answer as the prompt asks? Every
figure is a count over the prompts the site has (the same as over ``python -m generator
export``), and links to the pages behind it. The pictures are SVG written here, inline, with no
script: their colours are CSS variables of ``docs/assets/stylesheets/report.css`` (one set per
palette), their text ``currentColor``; each has a title and a description, and its numbers are
also a table beside it. Every name on the page is escaped; the page carries no external link.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..steps.compose import SEARCH_EXCLUDE, short_name
from ..markup.escape import front_matter, inert_text, markdown_text
from .paths import REPORT_INDEX, link, model_page, prompt_page, slugify, task_page
from ..pipeline import PromptPage
from ..records import AnswerAudit, TaskCheck
from ..vocabulary import Vocabulary

#: Rows of the retriever's bar chart (the largest tasks; the table below it has them all).
CHART_TASKS = 15
#: Tasks of each side of the matrix (the most frequent; the rest in one "other" row and column).
MATRIX_TASKS = 10
#: Models listed as most often recommended for a task they do not do.
MISFIRED_MODELS = 15
#: Prompt links listed behind one figure; the rest are counted (the export has them all).
LINKS_PER_LIST = 60
_MARKS = (("doing", "✓ does the task"), ("not_doing", "✗ does not"), ("unknown", "? not known"))


@dataclass(frozen=True)
class Measure:
    """One column of the answering models' card: a share of their answers."""

    key: str
    label: str
    holds: Callable[[AnswerAudit], bool]


MEASURES = (
    Measure("states-task", "state the page's task", lambda audit: audit.task is TaskCheck.AGREES),
    Measure("workflow", "give a workflow", lambda audit: audit.gives_workflow),
    Measure("only-provided", "use only provided models", lambda audit: not audit.outside_names),
    Measure("outside-links", "cite outside links", lambda audit: audit.unsupported > 0),
    Measure("misplaced", "look misplaced", lambda audit: audit.misplaced),
)


@dataclass(frozen=True)
class ReportPage:
    path: str
    title: str
    markdown: str


def build_report(readable: list[PromptPage], vocab: Vocabulary) -> ReportPage:
    """The Report page of the prompts that could be read, in slug order."""
    here = REPORT_INDEX
    out = front_matter({"title": "Report"}) + ["", "# Report", ""]
    out += ["How good the retriever's recommendations are, and how well each language model answers as the "
            "prompt asks: counted over the site's prompts, each figure linking to the pages behind it. "
            "The same counts can be made from `python -m generator export`.", ""]
    out += _retriever(readable, vocab, here)
    out += _answering_models(readable, here)
    return ReportPage(here, "Report", "\n".join(out) + "\n")


# --- The retriever -----------------------------------------------------------------------------

def fit_counts(readable: Iterable[PromptPage]) -> dict[str | None, Counter]:
    """For each page task (None: unclear), the recommended models marked ✓, ✗ and ?."""
    counts: dict[str | None, Counter] = {}
    for result in readable:
        found = counts.setdefault(result.inference.task_id, Counter())
        for fit in result.inference.model_fits:
            found[{True: "doing", False: "not_doing", None: "unknown"}[fit.fits]] += 1
    return counts


def _retriever(readable: list[PromptPage], vocab: Vocabulary, here: str) -> list[str]:
    counts = fit_counts(readable)
    overall = sum(counts.values(), Counter())
    total = sum(overall.values())
    out = [f"## The retriever {{ #retriever }}", "",
           markdown_text(f"{total:,} recommendations in {len(readable):,} prompts: each recommended model marked "
                         f"✓ when it does the task the page reads from the question, ✗ when it does not, "
                         f"and ? when that is not known (see a task's page for its prompts, ✗ first)."), ""]
    ranked = sorted(counts.items(), key=lambda item: (-sum(item[1].values()), vocab.label(item[0]).casefold()))
    rows = [("All tasks", overall), *((vocab.label(task_id), found) for task_id, found in ranked[:CHART_TASKS])]
    out += [_stacked_bars(rows), ""]
    out += ["| Task asked | Recommendations | ✓ does the task | ✗ does not | ? not known |",
            "| --- | --- | --- | --- | --- |",
            f"| All tasks | {total:,} | " + " | ".join(f"{overall[key]:,}" for key, _ in _MARKS) + " |"]
    for task_id, found in ranked:
        name = f"[{markdown_text(vocab.label(task_id))}]({link(here, task_page(task_id))})"
        out.append(f"| {name} | {sum(found.values()):,} | " + " | ".join(f"{found[key]:,}" for key, _ in _MARKS) + " |")
    out.append("")
    out += _matrix(readable, vocab)
    out += _misfired_models(readable, here)
    return out


def _stacked_bars(rows: list[tuple[str, Counter]]) -> str:
    """A horizontal stacked bar per row: the shares of ✓, ✗ and ?, with the counts written."""
    label_width, bar_width, row_height = 220, 420, 24
    height = row_height * len(rows) + 34
    parts = []
    for number, (name, found) in enumerate(rows):
        y = 30 + number * row_height
        total = sum(found.values()) or 1
        parts.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{inert_text(_clip(name, 30))}</text>')
        x = float(label_width)
        for key, _ in _MARKS:
            width = bar_width * found[key] / total
            if width:
                parts.append(f'<rect class="report-{key}" x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{row_height - 6}">'
                             f'<title>{inert_text(name)}: {found[key]:,} {dict(_MARKS)[key]}</title></rect>')
            x += width
        parts.append(f'<text x="{label_width + bar_width + 8}" y="{y + 15}">{found["doing"]:,} ✓ · '
                     f'{found["not_doing"]:,} ✗ · {found["unknown"]:,} ?</text>')
    legend = "".join(
        f'<rect class="report-{key}" x="{label_width + 130 * index}" y="6" width="12" height="12"/>'
        f'<text x="{label_width + 130 * index + 18}" y="17">{label}</text>' for index, (key, label) in enumerate(_MARKS))
    description = "; ".join(f"{name}: {found['doing']} ✓, {found['not_doing']} ✗, {found['unknown']} ?"
                            for name, found in rows)
    return _figure("report-fits-chart", "Recommended models marked ✓, ✗ and ?, overall and by task asked",
                   description, label_width + bar_width + 170, height, legend + "".join(parts))


def _matrix(readable: list[PromptPage], vocab: Vocabulary) -> list[str]:
    """The task asked (rows) against the task of each model recommended (columns), heat-shaded."""
    pairs = Counter((result.inference.task_id, fit.task_id) for result in readable for fit in result.inference.model_fits)
    asked_counts, done_counts = Counter(), Counter()
    for (asked_task, done_task), count in pairs.items():
        asked_counts[asked_task] += count
        done_counts[done_task] += count
    asked = [task for task, _ in asked_counts.most_common(MATRIX_TASKS)]
    done = [task for task, _ in done_counts.most_common(MATRIX_TASKS)]
    rows_other = any(a not in asked for a, _ in pairs)
    columns_other = any(d not in done for _, d in pairs)
    row_keys = [*((a,) for a in asked), *([("other",)] if rows_other else [])]
    column_keys = [*((d,) for d in done), *([("other",)] if columns_other else [])]

    def key(task, chosen):
        return (task,) if task in chosen else ("other",)

    grid = Counter()
    for (asked_task, done_task), count in pairs.items():
        grid[(key(asked_task, asked), key(done_task, done))] += count
    peak = max(grid.values(), default=1)

    def name(task_key) -> str:
        return "other tasks" if task_key == ("other",) else vocab.label(task_key[0]) if task_key[0] else "unknown"

    head = "".join(f'<th scope="col">{inert_text(name(c))}</th>' for c in column_keys)
    body = []
    for row in row_keys:
        cells = []
        for column in column_keys:
            count = grid[(row, column)]
            same = row == column and row != ("other",) and row[0] is not None
            cells.append(f'<td class="report-heat{" report-same" if same else ""}" style="--heat: {count / peak:.2f}">'
                         f'{count:,}</td>')
        body.append(f'<tr><th scope="row">{inert_text(name(row))}</th>{"".join(cells)}</tr>')
    table = ('<div class="report-matrix" tabindex="0" role="region" aria-label="The task asked against the task of the models recommended"><table><caption>Rows: the task asked. Columns: the task of the model '
             'recommended. Each cell counts recommendations; the diagonal (outlined) is a model doing the task '
             f'asked.</caption><thead><tr><th scope="col">asked ↓ · model does →</th>{head}</tr></thead>'
             f'<tbody>{"".join(body)}</tbody></table></div>')
    return [f"### The task asked against the task of the models recommended {{ #matrix }}", "",
            markdown_text(f"The {MATRIX_TASKS} most frequent tasks of each side; the others together."), "", table, ""]


def _misfired_models(readable: list[PromptPage], here: str) -> list[str]:
    """The models most often marked ✗, each with the prompts that recommend it for a task it does not do."""
    prompts: dict[str, list[PromptPage]] = {}
    for result in readable:
        for fit in result.inference.model_fits:
            if fit.fits is False:
                found = prompts.setdefault(fit.name, [])
                if not found or found[-1] is not result:
                    found.append(result)
    ranked = sorted(prompts.items(), key=lambda item: (-len(item[1]), item[0].casefold()))[:MISFIRED_MODELS]
    out = [f"### Models most often recommended for a task they do not do (✗) {{ #misfired }}", ""]
    if not ranked:
        return [*out, "None: no recommended model is marked ✗.", ""]
    out += ["| Model | Prompts where it is ✗ | Those prompts |", "| --- | --- | --- |"]
    for model, found in ranked:
        shown = " · ".join(f"[{markdown_text(r.prompt.slug)}]({link(here, prompt_page(r.prompt.slug))})"
                           for r in found[:5])
        more = f" · and {len(found) - 5} more, on [its page]({link(here, model_page(model))})" if len(found) > 5 else ""
        out.append(f"| [{markdown_text(short_name(model))}]({link(here, model_page(model))}) | {len(found):,} | "
                   f"{shown}{more} |")
    return [*out, ""]


# --- The answering models ----------------------------------------------------------------------

def answer_shares(readable: Iterable[PromptPage]) -> dict[str, dict[str, list[PromptPage]]]:
    """For each answering model (``Answer.title``): its answers' prompts (key "answers") and, per
    measure, the prompts of the answers for which it holds (a prompt once per answer)."""
    found: dict[str, dict[str, list[PromptPage]]] = {}
    for result in readable:
        for reviewed in result.answers:
            if reviewed.audit is None:
                continue
            lists = found.setdefault(reviewed.answer.title, {"answers": [], **{m.key: [] for m in MEASURES}})
            lists["answers"].append(result)
            for measure in MEASURES:
                if measure.holds(reviewed.audit):
                    lists[measure.key].append(result)
    return dict(sorted(found.items(), key=lambda item: (-len(item[1]["answers"]), item[0].casefold())))


def _answering_models(readable: list[PromptPage], here: str) -> list[str]:
    shares = answer_shares(readable)
    out = ["## The answering models { #answering-models }", ""]
    if not shares:
        return [*out, "No prompt has answers yet.", ""]
    out += [markdown_text("Per model, as the answers name themselves: the share of its answers that state the "
                          "page's task, give an input → model → output workflow, use only the models and papers "
                          "the prompt provides, cite a link not in the sources, and seem to answer another "
                          "prompt's question. Each figure links to its prompts, listed below."), "",
            _share_bars(shares), ""]
    out += ["| Model | Answers | " + " | ".join(m.label.capitalize() for m in MEASURES) + " |",
            "| --- | --- |" + " --- |" * len(MEASURES)]
    for model, lists in shares.items():
        total = len(lists["answers"])
        cells = [f"[{len(lists[m.key]):,} of {total:,} ({_percent(len(lists[m.key]), total)})](#{_anchor(model, m.key)})"
                 for m in MEASURES]
        out.append(f"| {markdown_text(model)} | {total:,} | " + " | ".join(cells) + " |")
    out += ["", f"### The prompts behind each figure {{ #behind {SEARCH_EXCLUDE} }}", ""]
    for model, lists in shares.items():
        for measure in MEASURES:
            found = lists[measure.key]
            heading = f"**{markdown_text(model)}: {markdown_text(measure.label)} ({len(found)})**"
            anchor = f"{{ #{_anchor(model, measure.key)} {SEARCH_EXCLUDE} }}"
            slugs = list(dict.fromkeys(result.prompt.slug for result in found))
            if not slugs:
                out += [heading + "  ", "None.", anchor, ""]
                continue
            line = " · ".join(f"[{markdown_text(slug)}]({link(here, prompt_page(slug))})" for slug in slugs[:LINKS_PER_LIST])
            if len(slugs) > LINKS_PER_LIST:
                line += markdown_text(f" · and {len(slugs) - LINKS_PER_LIST:,} more prompts (the export lists them all)")
            out += [heading + "  ", line, anchor, ""]
    return out


def _share_bars(shares: dict[str, dict[str, list[PromptPage]]]) -> str:
    """Per model, one bar per measure: the share of its answers for which it holds."""
    label_width, bar_width, bar_height = 200, 320, 14
    block = bar_height * len(MEASURES) + 26
    parts, lines = [], []
    for number, (model, lists) in enumerate(shares.items()):
        top = 8 + number * block
        total = len(lists["answers"]) or 1
        parts.append(f'<text x="0" y="{top + 12}" class="report-model">{inert_text(_clip(model, 40))} '
                     f'({len(lists["answers"])} answers)</text>')
        for index, measure in enumerate(MEASURES):
            y = top + 18 + index * bar_height
            share = len(lists[measure.key]) / total
            parts.append(f'<text x="{label_width - 8}" y="{y + 10}" text-anchor="end">{inert_text(measure.label)}</text>'
                         f'<rect class="report-track" x="{label_width}" y="{y + 2}" width="{bar_width}" height="{bar_height - 4}"/>'
                         f'<rect class="report-share report-{measure.key}" x="{label_width}" y="{y + 2}" '
                         f'width="{bar_width * share:.1f}" height="{bar_height - 4}"/>'
                         f'<text x="{label_width + bar_width + 8}" y="{y + 10}">{share:.0%}</text>')
        lines.append(f"{model}: " + ", ".join(f"{measure.label} {_percent(len(lists[measure.key]), total)}"
                                              for measure in MEASURES))
    return _figure("report-answers-chart", "The share of each answering model's answers that do what the prompt asks",
                   "; ".join(lines), label_width + bar_width + 60, 8 + block * len(shares), "".join(parts))


# --- Shared ------------------------------------------------------------------------------------

def _figure(figure_id: str, title: str, description: str, width: int, height: int, body: str) -> str:
    """An inline SVG picture as one HTML block (no blank line), with its title and description
    as its text alternative (``role="img"``, ``aria-labelledby``)."""
    return (f'<figure class="report-chart" id="{figure_id}"><svg role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" aria-labelledby="{figure_id}-title {figure_id}-desc" '
            f'font-size="12" fill="currentColor">'
            f'<title id="{figure_id}-title">{inert_text(title)}</title><desc id="{figure_id}-desc">'
            f'{inert_text(description)}</desc>{body}</svg><figcaption>{inert_text(title)}; the numbers are in the '
            f'table below.</figcaption></figure>')


def _anchor(model: str, key: str) -> str:
    return f"answers-{slugify(model)}-{key}"


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}".replace("%", " %") if whole else "–"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
