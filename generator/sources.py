"""Finding and reading prompt files and their answers: the input edge of the pipeline.

Every problem with a file (unreadable, not UTF-8, binary, too big, a slug already taken)
becomes a :class:`Problem` for that file; the other files go on.

Answers to ``NAME.txt`` live beside it: ``NAME.answer.md`` (labelled "answer") and every
``NAME.answers/LABEL.md`` (labelled by the file name). The text after the prompt's own
``Answer:`` line is found by the parser.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .records import Problem

PROMPT_SUFFIX = ".txt"
ANSWER_SUFFIX = ".answer.md"
ANSWERS_FOLDER_SUFFIX = ".answers"
#: The label of ``NAME.answer.md``.
ANSWER_FILE_LABEL = "answer"
#: Real prompts are a few kilobytes; a file this big is a mistake, not a prompt.
MAX_PROMPT_BYTES = 2 * 1024 * 1024
#: Longer page names are cut and end in a hash, so that deep folders never make a file name too long.
MAX_PROMPT_SLUG = 100


@dataclass(frozen=True)
class AnswerFile:
    """A file holding one answer to a prompt."""

    path: str  # as shown in messages
    label: str
    text: str | None  # None when the file could not be read; see problem
    problem: Problem | None = None


@dataclass(frozen=True)
class SourceFile:
    path: str  # as shown in messages: relative to where the command runs when possible
    slug: str
    text: str | None  # None when the file could not be read; see problem
    problem: Problem | None = None
    answers: tuple[AnswerFile, ...] = ()


def find_prompt_files(arguments: list[str]) -> tuple[list[tuple[Path, Path]], list[Problem]]:
    """(file, root) pairs for every prompt under the arguments, sorted; roots name slugs."""
    found: list[tuple[Path, Path]] = []
    problems: list[Problem] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            def unreadable(error: OSError) -> None:
                problems.append(Problem(display_path(Path(error.filename)), None, f"cannot be read: {error.strerror}"))

            for directory, dirs, files in os.walk(path, onerror=unreadable):
                folder = Path(directory)
                # An answers folder holds answers, never prompts (see find_answer_files).
                answer_folders = sorted(d for d in dirs if d.endswith(ANSWERS_FOLDER_SUFFIX) and not d.startswith("."))
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in answer_folders)
                # Hidden files and folders (.git, editors' files) are skipped on purpose and links to
                # folders are not followed (os.walk's default); a prompt that would vanish so is reported.
                problems += [
                    Problem(display_path(folder / d), None, "is a symbolic link to a folder; links to folders are not followed")
                    for d in dirs if (folder / d).is_symlink()
                ]
                for name in sorted(files):
                    if name.startswith("."):
                        if name.endswith(PROMPT_SUFFIX):
                            problems.append(Problem(display_path(folder / name), None,
                                                    "is hidden (its name starts with a dot), so it is not read as a "
                                                    "prompt; remove the dot to publish it"))
                        continue
                    if name.endswith(PROMPT_SUFFIX):
                        refusal = _outside(folder / name, path)
                        if refusal:
                            problems.append(refusal)
                        else:
                            found.append((folder / name, path))
                    elif name.endswith(ANSWER_SUFFIX):
                        problems += _orphan_problems(folder / name, name.removesuffix(ANSWER_SUFFIX))
                for name in answer_folders:
                    problems += _orphan_problems(folder / name, name.removesuffix(ANSWERS_FOLDER_SUFFIX))
                    problems += [
                        Problem(display_path(file), None, "is not an answer: an answers folder holds Markdown files (*.md)")
                        for file in sorted((folder / name).iterdir())
                        if not file.name.startswith(".") and not (file.suffix == ".md" and file.is_file())
                    ]
        elif path.is_file():
            found.append((path, path.parent))
        else:
            problems.append(Problem(argument, None, "no such file or folder"))
    return sorted(set(found)), problems


def _outside(file: Path, root: Path) -> Problem | None:
    """A symbolic link is read only when it points to a file inside the folder searched:
    a link to ``/etc/passwd`` or to ``~/.ssh`` must never reach a page."""
    if not file.is_symlink():
        return None
    try:
        inside = file.resolve(strict=True).is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # dangling, or a loop
        return Problem(display_path(file), None, "is a symbolic link that leads to no file")
    if inside:
        return None
    return Problem(display_path(file), None,
                   f"is a symbolic link to a file outside {display_path(root)}/; only files inside it are read")


def _orphan_problems(answer: Path, stem: str) -> list[Problem]:
    """An answer whose prompt is missing would vanish without a word: report it."""
    if answer.with_name(stem + PROMPT_SUFFIX).is_file():
        return []
    return [Problem(display_path(answer), None, f"is an answer, but there is no prompt {stem}{PROMPT_SUFFIX} beside it")]


def slug_for(file: Path, root: Path) -> str:
    relative = file.relative_to(root).with_suffix("").as_posix()
    slug = re.sub(r"[^a-z0-9_]+", "-", relative.lower()).strip("-_")
    if slug and len(slug) <= MAX_PROMPT_SLUG:
        return slug
    # No letter a-z or digit at all ("日本.txt"), or too long: a hash keeps names apart.
    digest = hashlib.sha1(relative.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{slug[:MAX_PROMPT_SLUG].rstrip('-_') or 'prompt'}-{digest}"


def display_path(file: Path) -> str:
    """The file as problems name it: relative to the working directory where it is inside it."""
    folder = _shown_folder(str(file.parent), os.getcwd())  # the file's own name, never a link's target
    if folder is None:
        shown = file.as_posix()
    else:
        shown = f"{folder}/{file.name}" if folder else file.name
    # A file name may hold any character but "/" and NUL: keep every message one printable line.
    return shown if shown.isprintable() else "".join(c if c.isprintable() else ascii(c)[1:-1] for c in shown)


@lru_cache(maxsize=1024)
def _shown_folder(folder: str, cwd: str) -> str | None:
    # Resolved once per folder, not once per file: thousands of prompts share a few folders.
    try:
        relative = Path(folder).resolve().relative_to(Path(cwd).resolve()).as_posix()
    except ValueError:
        return None
    return "" if relative == "." else relative


def read_text(file: Path) -> tuple[str, str | None, Problem | None]:
    """(path as shown, text, problem): the text of a UTF-8 file, or why there is none."""
    shown = display_path(file)
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO would never end, a device never be text
            return shown, None, Problem(shown, None, "is not a regular file; expected a UTF-8 text file")
        size = info.st_size
        if size > MAX_PROMPT_BYTES:
            return shown, None, Problem(
                shown, None, f"is {size / 1048576:.1f} MB; a prompt or answer file may be at most {MAX_PROMPT_BYTES // 1048576} MB")
        data = file.read_bytes()
    except OSError as error:
        return shown, None, Problem(shown, None, f"cannot be read: {error.strerror or error}")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return shown, None, Problem(shown, line, "is a binary file (NUL byte); expected UTF-8 text")
    try:
        return shown, data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return shown, None, Problem(
            shown, line, f"is not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as UTF-8")


def read_source(file: Path, slug: str) -> SourceFile:
    shown, text, problem = read_text(file)
    answers = []
    for answer_file, label in find_answer_files(file):
        answer_shown, answer_text, answer_problem = read_text(answer_file)
        answers.append(AnswerFile(answer_shown, label, answer_text, answer_problem))
    return SourceFile(shown, slug, text, problem, tuple(answers))


def find_answer_files(prompt: Path) -> list[tuple[Path, str]]:
    """(file, label) for every answer beside a prompt file, in a stable order."""
    stem = prompt.name.removesuffix(PROMPT_SUFFIX)
    found = []
    single = prompt.with_name(stem + ANSWER_SUFFIX)
    if single.is_file():
        found.append((single, ANSWER_FILE_LABEL))
    folder = prompt.with_name(stem + ANSWERS_FOLDER_SUFFIX)
    if folder.is_dir():
        for file in sorted(folder.iterdir()):
            if file.suffix == ".md" and not file.name.startswith(".") and file.is_file():
                found.append((file, file.stem))
    return found


def read_sources(arguments: list[str]) -> tuple[list[SourceFile], list[Problem]]:
    """Read every prompt under the arguments. Two files with one slug: the second is a problem."""
    files, problems = find_prompt_files(arguments)
    sources: list[SourceFile] = []
    owners: dict[str, str] = {}
    for file, root in files:
        source = read_source(file, slug_for(file, root))
        if source.slug in owners:
            # Its error page gets a name of its own: the page of the first file stays.
            own = f"{source.slug}-{hashlib.sha1(source.path.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
            source = SourceFile(source.path, own, None, Problem(
                source.path, None,
                f"would get the page name {source.slug!r}, already taken by {owners[source.slug]}; rename one of them"))
            owners[own] = source.path
        else:
            owners[source.slug] = source.path
        sources.append(source)
    return sources, problems
