"""``python -m generator check|build|export|review|preview SOURCES…``: the command-line edge.

Exit codes: 0 when there is no problem, or warnings only (what answers cite outside their
sources, answers that seem misplaced; with ``--answers-strict`` they count as problems), 1 when
there are problems (each one line on stderr),
2 for a usage or environment error (bad arguments, no prompt files found, an output folder
that cannot be written, a ``--base`` that git cannot compare with), 3 for an internal error
(a bug of ours), 130 when interrupted, 141 when its output is closed early (``| head``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from ..files.changes import FileChange, PromptChanges, from_git_name_status, prompt_changes
from ..plugin.pagefind_index import SearchEntries, entries_of, list_parts, read_entries, write_index
from ..files.preview import ChangedPrompt, PROMPT_LIST, apply_preview, listed_prompts, only_prompts, plan_preview, site_files
from ..collection.export import brief_record, export_record
from ..collection.review import review_list
from ..files.output import write_pages
from .progress import ProgressBar
from .report import (PROBLEMS_FILE, SUMMARY_LIMIT_BYTES, capped_summary, job_summary, problem_lines, repository_path,
                     summary_line)
from ..pipeline import prompt_pages
from ..site import generate_site

OK, PROBLEMS, USAGE, INTERNAL, INTERRUPTED, CLOSED = 0, 1, 2, 3, 130, 141


class EnvironmentProblem(Exception):
    """Something outside the prompts stops the command: it says what, and exits with 2."""


def main(argv: list[str] | None = None) -> int:
    """Run a command. Whatever the input, the output is problems, one line each, never a traceback."""
    try:
        return _run(argv)
    except EnvironmentProblem as error:
        print(f"python -m generator: {error}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        print("python -m generator: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # the reader went away: nothing left to say, and nowhere to say it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return CLOSED
    except Exception as error:  # noqa: BLE001 - a bug of ours: one line, and its own exit code
        print(f"python -m generator: internal error: {error!r}", file=sys.stderr)
        return INTERNAL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n")[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="parse every prompt and check every page's links")
    build = commands.add_parser("build", help="write one Markdown page per prompt into a folder")
    build.add_argument("--out", required=True, type=Path, help="folder for the generated pages")
    export = commands.add_parser("export", help="print what the generator knows of every prompt as JSON")
    export.add_argument("--brief", action="store_true",
                        help="only each prompt's slug, source, task and verdict (no HTML check)")
    review = commands.add_parser("review", help="list the prompts a maintainer should look at, most urgent first")
    for command in (check, build, export, review):
        command.add_argument("sources", nargs="+", help="prompt files (*.txt) or folders searched recursively")
        command.add_argument("--format", choices=("text", "github"),
                             help="problems as path:line: message lines (text) or as GitHub annotations "
                                  "(github; the default when GITHUB_ACTIONS=true)")
        command.add_argument("--quiet", "-q", action="store_true", help="print problems only")
        command.add_argument("--answers-strict", action="store_true",
                             help="exit 1 on warnings too: links an answer cites outside its prompt's sources, "
                                  "answers that seem to answer another prompt's question (as answers_strict: true "
                                  "makes mkdocs build --strict fail on them)")
    for command in (check, build):
        command.add_argument("--base", metavar="REF",
                             help="git revision the work started from (e.g. origin/main): the job summary "
                                  "($GITHUB_STEP_SUMMARY) lists the prompts changed since")
    preview = commands.add_parser("preview", help="cut a built site down to the pages a change touches "
                                                  "(a pull request's preview); links to the others go to production")
    preview.add_argument("sources", nargs="+", help="the prompt files (*.txt) or folders the site was built from")
    preview.add_argument("--site", required=True, type=Path, help="the built site's folder, changed in place")
    preview.add_argument("--base", required=True, metavar="REF", help="git revision the change started from")
    preview.add_argument("--production", required=True, metavar="URL", help="the production site's address")
    preview.add_argument("--site-url", default="", metavar="URL", help="the address the site was built for")
    preview.add_argument("--search-entries", type=Path, metavar="FILE",
                         help="what the build indexed (the plugin's search_entries): with Pagefind, the preview "
                              "gets an index of its own pages, merged in the browser with the production site's")
    preview.add_argument("--quiet", "-q", action="store_true", help="print problems only")
    return parser


def _run(argv: list[str] | None) -> int:
    arguments = _parser().parse_args(argv)
    started = time.monotonic()
    style = getattr(arguments, "format", None) or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    root = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    if arguments.command == "preview":
        return _preview(arguments, root)
    if arguments.command == "build":
        _check_writable(arguments.out)
    changes = _changes_since(arguments.base, arguments.sources, root) if getattr(arguments, "base", None) else None

    bar = ProgressBar(sys.stderr, quiet=arguments.quiet)
    try:
        check_html = not getattr(arguments, "brief", False) and arguments.command != "review"
        site = generate_site(arguments.sources, check_html=check_html, progress=bar)
    finally:
        bar.close()
    if not site.results:  # nothing to work on is the environment's fault, not a prompt's
        raise EnvironmentProblem("; ".join(str(problem) for problem in site.problems) or "no prompt files found")
    problems = site.problems
    done = " checked"
    if arguments.command == "build":
        problems += write_pages(arguments.out, {**{page.path: page.markdown for page in site.pages},
                                                **{file.path: file.text for file in site.files}})
        done = f" written to {arguments.out}"
    elif arguments.command == "export":
        vocab = site.run.vocab
        record = brief_record if arguments.brief else export_record
        records = [record(result, vocab) for result in prompt_pages(site.results)]
        json.dump(records, sys.stdout, ensure_ascii=False, indent=None if arguments.brief else 2)
        sys.stdout.write("\n")
        done = " exported"
    elif arguments.command == "review":
        items = review_list(site.results, site.run.vocab)
        for item in items:
            print(item)
        print(f"{len(items):,} of {len(site.results):,} prompts to review", file=sys.stderr)
        done = " read for review"
    for line in problem_lines(problems, style, root):
        print(line, file=sys.stderr)
    headline = summary_line(len(site.results), len(site.pages), time.monotonic() - started, problems, done)
    if not arguments.quiet:
        print(headline, file=sys.stderr)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file and arguments.command in ("check", "build"):
        _write_job_summary(Path(summary_file), job_summary(site.results, problems, changes, site.run.vocab,
                                                           root, headline), problems, Path(root))
    return PROBLEMS if any(problem.fails(arguments.answers_strict) for problem in problems) else OK


def _write_job_summary(summary_file: Path, text: str, problems: list, root: Path) -> None:
    """Append the summary within what GitHub keeps of a step's (1 MiB, less what is there
    already), and write every problem to PROBLEMS_FILE in the workspace, which check.yml
    uploads as an artifact (the workspace, not $RUNNER_TEMP: in a container job the runner
    gives actions another path for that)."""
    (root / PROBLEMS_FILE).write_text("".join(f"{problem}\n" for problem in problems), encoding="utf-8")
    used = summary_file.stat().st_size if summary_file.exists() else 0
    with open(summary_file, "a", encoding="utf-8") as summary:
        summary.write(capped_summary(text, SUMMARY_LIMIT_BYTES - used - 1024))


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise EnvironmentProblem(f"{out}: cannot be written into: {error.strerror or error}") from None


def _preview(arguments: argparse.Namespace, root: str) -> int:
    """Cut the built site down to what the change since ``--base`` touches, when it touches
    prompts only (generator/files/preview.py); a change to anything else keeps the whole site."""
    site: Path = arguments.site
    if not (site / "index.html").is_file():
        raise EnvironmentProblem(f"{site}: no built site there (no index.html)")
    files, roots = _changed_files(arguments.base, root), [repository_path(source, root) for source in arguments.sources]
    if not only_prompts(files, roots):
        print(f"The change touches more than prompts: the preview holds the whole site ({site})", file=sys.stderr)
        return OK
    search_entries = _search_entries(arguments.search_entries)
    changes = prompt_changes(files, roots)
    changed = {*changes.added, *changes.changed}
    generated = generate_site(arguments.sources, check_html=False)
    prompts = [ChangedPrompt(result.source.slug, result.inference.task_id if result.inference else None,
                             tuple(entry.name for entry in result.prompt.source.models),
                             tuple(entry.name for entry in result.prompt.source.papers))
               if result.prompt is not None else ChangedPrompt(result.source.slug, listed=False)
               for result in generated.results if repository_path(result.source.path, root) in changed]
    plan = plan_preview(site_files(site), prompts, lambda page: (site / page).read_text(encoding="utf-8"),
                        arguments.production, arguments.site_url)
    if plan.pagefind and search_entries is None:
        raise EnvironmentProblem(f"{site}: searched with Pagefind, so its preview's index is made from the build's "
                                 "search entries: build with SEARCH_ENTRIES=FILE (mkdocs.yml) and pass --search-entries FILE")

    def index_pages(urls: frozenset[str]) -> None:
        kept = entries_of(search_entries, urls)
        list_parts(str(site), write_index(str(site), lambda: kept).parts)  # it listed the whole site's parts

    try:
        apply_preview(site, plan, index_pages)
    except RuntimeError as error:  # Pagefind could not index the kept pages
        raise EnvironmentProblem(f"{site}: {error}") from None
    prompt_list = site / PROMPT_LIST
    if prompt_list.is_file():
        entries = json.loads(prompt_list.read_text(encoding="utf-8"))
        prompt_list.write_text(json.dumps(listed_prompts(entries, changed), ensure_ascii=False), encoding="utf-8")
    if not arguments.quiet:
        print(f"The preview holds {len(plan.pages):,} pages for {len(prompts):,} changed prompts "
              f"({len(changes.deleted):,} deleted); links to the others go to {plan.production_url}", file=sys.stderr)
    return OK


def _search_entries(path: Path | None) -> SearchEntries | None:
    if path is None:
        return None
    try:
        return read_entries(path)
    except (OSError, ValueError) as error:  # json's errors are ValueErrors
        raise EnvironmentProblem(f"{path}: cannot be read as a build's search entries: {error}") from None


def _changes_since(base: str, sources: list[str], root: str) -> PromptChanges:
    """The prompts under ``sources`` changed since ``base``: since its merge base with HEAD,
    as a pull request's diff shows them. Paths relative to ``root``."""
    return prompt_changes(_changed_files(base, root), roots=[repository_path(source, root) for source in sources])


def _changed_files(base: str, root: str) -> list[FileChange]:
    """Every file changed since ``base``'s merge base with HEAD, relative to ``root``."""
    try:
        top = _git(root, "rev-parse", "--show-toplevel").strip()
        output = _git(root, "diff", "--name-status", "-z", "-M", f"{base}...HEAD")
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        raise EnvironmentProblem(f"--base {base}: git cannot compare with it: {detail.strip()}") from None
    return [replace(change, path=repository_path(os.path.join(top, change.path), root))
            for change in from_git_name_status(output)]


def _git(cwd: str, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout
