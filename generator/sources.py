"""Finding and reading prompt files: the input edge of the pipeline.

Every problem with a file (unreadable, not UTF-8, binary, too big, a slug already taken)
becomes a :class:`Problem` for that file; the other files go on.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .records import Problem

PROMPT_SUFFIX = ".txt"
#: Real prompts are a few kilobytes; a file this big is a mistake, not a prompt.
MAX_PROMPT_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    path: str  # as shown in messages: relative to where the command runs when possible
    slug: str
    text: str | None  # None when the file could not be read; see problem
    problem: Problem | None = None


def find_prompt_files(arguments: list[str]) -> tuple[list[tuple[Path, Path]], list[Problem]]:
    """(file, root) pairs for every prompt under the arguments, sorted; roots name slugs."""
    found: list[tuple[Path, Path]] = []
    problems: list[Problem] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            for directory, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.endswith(PROMPT_SUFFIX) and not name.startswith("."):
                        found.append((Path(directory) / name, path))
        elif path.is_file():
            found.append((path, path.parent))
        else:
            problems.append(Problem(argument, None, "no such file or folder"))
    return sorted(set(found)), problems


def slug_for(file: Path, root: Path) -> str:
    relative = file.relative_to(root).with_suffix("").as_posix()
    slug = re.sub(r"[^a-z0-9_]+", "-", relative.lower()).strip("-_")
    return slug or "prompt"


def display_path(file: Path) -> str:
    try:
        return file.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return file.as_posix()


def read_source(file: Path, slug: str) -> SourceFile:
    shown = display_path(file)
    try:
        size = file.stat().st_size
        if size > MAX_PROMPT_BYTES:
            return SourceFile(shown, slug, None, Problem(
                shown, None, f"is {size / 1048576:.1f} MB; a prompt file may be at most {MAX_PROMPT_BYTES // 1048576} MB"))
        data = file.read_bytes()
    except OSError as error:
        return SourceFile(shown, slug, None, Problem(shown, None, f"cannot be read: {error.strerror or error}"))
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return SourceFile(shown, slug, None, Problem(shown, line, "is a binary file (NUL byte); expected UTF-8 text"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return SourceFile(shown, slug, None, Problem(
            shown, line, f"is not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as UTF-8"))
    return SourceFile(shown, slug, text)


def read_sources(arguments: list[str]) -> tuple[list[SourceFile], list[Problem]]:
    """Read every prompt under the arguments. Two files with one slug: the second is a problem."""
    files, problems = find_prompt_files(arguments)
    sources: list[SourceFile] = []
    owners: dict[str, str] = {}
    for file, root in files:
        source = read_source(file, slug_for(file, root))
        if source.slug in owners:
            source = SourceFile(source.path, source.slug, None, Problem(
                source.path, None,
                f"would get the page name {source.slug!r}, already taken by {owners[source.slug]}; rename one of them"))
        else:
            owners[source.slug] = source.path
        sources.append(source)
    return sources, problems
