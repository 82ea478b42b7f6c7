"""What the command line tells its user: each problem, one summary line, and on GitHub a job summary.

Problems are ``path:line: message`` lines, or GitHub workflow commands
(``::error file=PATH,line=N,title=…::message``) that GitHub shows on the pull request's
changed file, at the line. Problem text comes from prompts, so it is escaped as GitHub's
workflow-command rules require: no prompt can end the command early or start another one.

GitHub shows at most 10 error and 10 warning annotations of a step and drops the rest, so the
errors come first, the first 10 of each level are annotations and the others plain lines; the
job summary lists every problem. A step's summary may hold at most 1 MiB: the summary is cut
to fit, with a count of what was cut, and the full list goes to a file CI keeps as an artifact.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..files.changes import PromptChanges
from ..markup.escape import markdown_text
from ..pipeline import Generated, PromptPage
from ..records import Level, Problem
from ..collection.review import review_list
from ..steps.verdict import fit_verdict
from ..vocabulary import Vocabulary

def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def repository_path(path: str, root: str) -> str:
    """``path`` relative to the repository's root, as GitHub names the files of a commit."""
    absolute = os.path.abspath(path)
    if os.path.commonpath([absolute, os.path.abspath(root)]) != os.path.abspath(root):
        return path
    return os.path.relpath(absolute, root).replace(os.sep, "/")


def github_command(problem: Problem, root: str) -> str:
    """The problem as a workflow command: an annotation on its file, at its line."""
    level = Level.WARNING if problem.level == Level.WARNING else Level.ERROR
    properties = [f"file={_escape_property(repository_path(problem.path, root))}"]
    if problem.line is not None:
        properties.append(f"line={problem.line}")
    title = "Prompt Pages: an answer to review" if level == Level.WARNING else "Prompt Pages"
    properties.append(f"title={_escape_property(title)}")
    return f"::{level} {','.join(properties)}::{_escape_data(problem.message)}"


#: GitHub shows this many annotations of each level (error, warning) per step.
ANNOTATED_PER_LEVEL = 10
#: GitHub's limit for one step's job summary.
SUMMARY_LIMIT_BYTES = 1024 * 1024
#: The artifact CI uploads with every problem (check.yml), named in a cut summary, and the
#: file in the workspace it is made of.
PROBLEMS_ARTIFACT = "problems"
PROBLEMS_FILE = "prompt-pages-problems.txt"


def problem_lines(problems: list[Problem], style: str, root: str) -> list[str]:
    """Each problem once. As GitHub annotations: errors first, the first ANNOTATED_PER_LEVEL of
    each level as commands, the others as plain lines (GitHub would drop them), then a notice."""
    if style != "github":
        return [str(problem) for problem in problems]
    errors = [problem for problem in problems if problem.level != "warning"]
    warnings = [problem for problem in problems if problem.level == "warning"]
    shown = errors[:ANNOTATED_PER_LEVEL] + warnings[:ANNOTATED_PER_LEVEL]
    rest = errors[ANNOTATED_PER_LEVEL:] + warnings[ANNOTATED_PER_LEVEL:]
    lines = [github_command(problem, root) for problem in shown] + [str(problem) for problem in rest]
    if rest:
        lines.append(f"::notice title=Prompt Pages::{len(rest):,} more problems than GitHub annotates "
                     f"(10 errors and 10 warnings): the job summary lists every one")
    return lines


def capped_summary(text: str, limit_bytes: int) -> str:
    """The summary, cut at a line so that it stays within ``limit_bytes``, saying how much was cut."""
    if len(text.encode("utf-8")) <= limit_bytes:
        return text
    lines = text.splitlines()
    note = ("\n**{cut:,} more lines are cut here** (GitHub keeps at most 1 MiB of a job summary). Every "
            f"problem is in the artifact `{PROBLEMS_ARTIFACT}` of this run.\n")
    room = limit_bytes - len(note.format(cut=len(lines)).encode("utf-8"))
    kept, used = [], 0
    for line in lines:
        used += len(line.encode("utf-8")) + 1
        if used > room:
            break
        kept.append(line)
    return "\n".join(kept) + "\n" + note.format(cut=len(lines) - len(kept))


def summary_line(prompts: int, pages: int, seconds: float, problems: list[Problem], done: str = "") -> str:
    """``1,000 prompts → 1,123 pages in 8.4 s; 125 problems in 125 files``."""
    head = f"{prompts:,} prompt{'s' * (prompts != 1)} → {pages:,} page{'s' * (pages != 1)}{done} in {seconds:.1f} s"
    if not problems:
        return f"{head}; no problems"
    files = len({problem.path for problem in problems})
    return f"{head}; {len(problems):,} problem{'s' * (len(problems) != 1)} in {files:,} file{'s' * (files != 1)}"


@dataclass(frozen=True)
class Row:
    status: str
    path: str
    task: str
    verdict: str
    problems: tuple[str, ...]
    unsupported: tuple[str, ...]


def job_summary(results: list[Generated], problems: list[Problem], changes: PromptChanges | None,
                vocab: Vocabulary, root: str, headline: str) -> str:
    """A Markdown job summary: the prompts a pull request changed (or, with no changes known,
    those with problems), with their task, verdict, problems and unsupported citations."""
    by_path = {repository_path(result.source.path, root): result for result in results}
    problems_of: dict[str, list[str]] = {}
    for problem in problems:
        problems_of.setdefault(repository_path(problem.path, root), []).append(
            f"line {problem.line}: {problem.message}" if problem.line else problem.message)
    if changes is None:
        listed = [("", path) for path in sorted(problems_of) if path in by_path]
        title = "Prompts with problems"
    else:
        listed = [("added", path) for path in changes.added] + [("changed", path) for path in changes.changed]
        title = "Prompts this change adds or edits"
    rows = [_row(status, path, by_path.get(path), problems_of.get(path, []), vocab) for status, path in listed]
    lines = ["## Prompt Pages", "", markdown_text(headline), "", f"### {title}", ""]
    if rows:
        lines += ["| prompt | task | verdict | problems | unsupported citations |", "| --- | --- | --- | --- | --- |"]
        lines += [_table_row(row) for row in rows]
    else:
        lines.append("None.")
    reviewed = [item for item in review_list([by_path[path] for _, path in listed if path in by_path], vocab)]
    if reviewed:
        lines += ["", "### Changed prompts a maintainer should review", "",
                  "Confirm the task in `NAME.meta.yaml` beside the prompt (`task: ID`), or fix the prompt.", ""]
        lines += [f"- `{repository_path(item.path, root).replace('`', '')}`: {markdown_text(item.task)} "
                  f"({item.confidence}): {markdown_text(item.why)}" for item in reviewed]
    if changes is not None and changes.deleted:
        lines += ["", "### Prompts this change deletes", ""]
        lines += [f"- `{path.replace('`', '')}`" for path in changes.deleted]
    if problems:  # GitHub annotates only the first ones: every problem is listed here
        lines += ["", f"### Every problem ({len(problems):,})", ""]
        lines += [_problem_item(problem, root) for problem in problems]
    return "\n".join(lines) + "\n"


def _problem_item(problem: Problem, root: str) -> str:
    path = "".join(character for character in repository_path(problem.path, root) if character not in "`\r\n")
    line = f" line {problem.line}" if problem.line else ""
    return f"- `{path}`{line} ({problem.level}): {markdown_text(problem.message)}"


def _row(status: str, path: str, result: Generated | None, problems: list[str], vocab: Vocabulary) -> Row:
    if not isinstance(result, PromptPage):
        return Row(status, path, "", fit_verdict(None).text, tuple(problems), ())
    unsupported = tuple(citation.url for answer in result.answers for citation in answer.unsupported)
    return Row(status, path, vocab.label(result.inference.task_id) if result.inference.task_id else "unclear",
               fit_verdict(result.inference).text, tuple(problems), unsupported)


def _table_row(row: Row) -> str:
    prompt = f"`{row.path.replace('`', '')}`" + (f" ({row.status})" if row.status else "")
    cells = [prompt, markdown_text(row.task), markdown_text(row.verdict),
             "<br>".join(markdown_text(problem) for problem in row.problems) or "none",
             "<br>".join(markdown_text(url) for url in row.unsupported) or "none"]
    return "| " + " | ".join(cell.replace("|", "&#124;") for cell in cells) + " |"
