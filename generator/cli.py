"""``python -m generator check|build|export SOURCES…``: the command-line edge."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .export import export_record
from .output import write_pages
from .site import generate_site
from .vocabulary import load_vocabulary


def main(argv: list[str] | None = None) -> int:
    """Run a command. Whatever the input, the output is problems, one line each, never a traceback."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print("python -m generator: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - a bug of ours: one line, and a failing exit code
        print(f"python -m generator: internal error: {error!r}", file=sys.stderr)
        return 2


def _run(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="parse every prompt and check every page's links")
    check.add_argument("sources", nargs="+", help="prompt files (*.txt) or folders searched recursively")
    build = commands.add_parser("build", help="write one Markdown page per prompt into a folder")
    build.add_argument("sources", nargs="+")
    build.add_argument("--out", required=True, type=Path, help="folder for the generated pages")
    export = commands.add_parser("export", help="print what the generator knows of every prompt as JSON")
    export.add_argument("sources", nargs="+")
    arguments = parser.parse_args(argv)

    site = generate_site(arguments.sources)
    results, problems = site.results, site.problems
    if arguments.command == "build":
        problems += write_pages(arguments.out, {page.path: page.markdown for page in site.pages})
    elif arguments.command == "export":
        vocab = load_vocabulary()
        records = [export_record(r, vocab) for r in results if r.prompt is not None]
        json.dump(records, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    for problem in problems:
        print(problem, file=sys.stderr)
    if arguments.command == "check" and not problems:
        print(f"{len(results)} prompts checked, no problems", file=sys.stderr)
    return 1 if problems else 0
