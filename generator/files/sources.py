"""Finding and reading prompt files and their answers: the input edge of the pipeline.

Every problem with a file (unreadable, not UTF-8, binary, too big, a slug already taken)
becomes a :class:`Problem` for that file; the other files go on.

Answers to ``NAME.txt`` live beside it: ``NAME.answer.md`` (labelled "answer") and every
``NAME.answers/LABEL.md`` (labelled by the file name). The text after the prompt's own
``Answer:`` line is found by the parser. What a maintainer settled about a prompt (its task)
lives in ``NAME.meta.yaml`` beside it (read by :mod:`generator.steps.sidecar`).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .changes import META_SUFFIX, PROMPT_SUFFIX
from ..records import Problem

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
class TextFile:
    """A file read as UTF-8 text, or why it could not be: a prompt's sidecar
    ``NAME.meta.yaml`` (what its maintainers settled), and what :func:`read_text` gives."""

    path: str  # as shown in messages
    text: str | None  # None when the file could not be read; see problem
    problem: Problem | None = None


@dataclass(frozen=True)
class SourceFile:
    path: str  # as shown in messages: relative to where the command runs when possible
    slug: str
    text: str | None  # None when the file could not be read; see problem
    problem: Problem | None = None
    answers: tuple[AnswerFile, ...] = ()
    meta: TextFile | None = None  # its sidecar, NAME.meta.yaml


@dataclass(frozen=True)
class PromptFile:
    """A prompt file found under an argument, with the answer files beside it."""

    path: str  # as found: the argument joined with the folders below it
    relative: str  # to the folder searched, without ".txt": what the slug is made from
    answers: tuple[tuple[str, str], ...] = ()  # (path, label)
    meta: str | None = None  # the path of its sidecar, when it has one


def find_prompt_files(arguments: list[str]) -> tuple[list[PromptFile], list[Problem]]:
    """Every prompt under the arguments, sorted, and what is wrong with the files around them."""
    found: dict[tuple[tuple[str, ...], str], PromptFile] = {}
    problems: list[Problem] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            _walk(str(path), "", str(path), found, problems)
        elif path.is_file():
            folder, name = str(path.parent), path.name
            entries = _entries(folder, problems)
            if name in entries:  # it is: is_file() just said so, unless it vanished since
                _prompt("", name, entries, folder, found, problems)  # read wherever a link to it leads
        else:
            problems.append(Problem(argument, None, "no such file or folder"))
    return [found[key] for key in sorted(found)], problems


def _entries(folder: str, problems: list[Problem]) -> dict[str, os.DirEntry]:
    """A folder's entries by name, sorted; one scan gives names and kinds without a stat each."""
    try:
        with os.scandir(folder) as scan:
            return {entry.name: entry for entry in sorted(scan, key=lambda entry: entry.name)}
    except OSError as error:
        problems.append(Problem(display_path(folder), None, f"cannot be read: {error.strerror}"))
        return {}


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # a link to a folder counts, as in os.walk
    except OSError:
        return False


def _is_file(entry: os.DirEntry | None) -> bool:
    try:
        return entry is not None and entry.is_file()
    except OSError:
        return False


def _walk(folder: str, relative: str, root: str, found: dict, problems: list[Problem]) -> None:
    entries = _entries(folder, problems)
    subfolders, linked, files, answers = [], [], [], []
    for name, entry in entries.items():
        if _is_dir(entry):
            # Hidden folders (.git) are skipped on purpose; an answers folder holds answers, never
            # prompts (see _answer_files); links to folders are not followed.
            if name.startswith("."):
                continue
            if name.endswith(ANSWERS_FOLDER_SUFFIX):
                answers.append(name)
            elif entry.is_symlink():
                linked.append(Problem(display_path(entry.path), None,
                                      "is a symbolic link to a folder; links to folders are not followed"))
            else:
                subfolders.append(name)
        elif name.startswith("."):
            if name.endswith(PROMPT_SUFFIX):  # a prompt that would vanish so is reported
                files.append(Problem(display_path(entry.path), None,
                                     "is hidden (its name starts with a dot), so it is not read as a "
                                     "prompt; remove the dot to publish it"))
        elif name.endswith(PROMPT_SUFFIX):
            if refusal := _outside(entry, root):
                files.append(refusal)
            else:
                _prompt(relative, name, entries, root, found, files)
        elif name.endswith(ANSWER_SUFFIX):
            files += _orphan_problems(entry.path, name.removesuffix(ANSWER_SUFFIX), entries)
        elif name.endswith(META_SUFFIX):
            files += _orphan_problems(entry.path, name.removesuffix(META_SUFFIX), entries, "a prompt's sidecar")
    for name in answers:
        answers_folder = entries[name]
        files += _orphan_problems(answers_folder.path, name.removesuffix(ANSWERS_FOLDER_SUFFIX), entries)
        if answers_folder.is_symlink():
            continue  # reported by _answer_files when its prompt is read
        files += [
            Problem(display_path(entry.path), None, "is not an answer: an answers folder holds Markdown files (*.md)")
            for name, entry in _entries(answers_folder.path, files).items()
            if not name.startswith(".") and not (name.endswith(".md") and _is_file(entry))
        ]
    problems += linked + files
    for name in subfolders:
        _walk(f"{folder}/{name}", f"{relative}{name}/", root, found, problems)


def _prompt(relative: str, name: str, entries: dict[str, os.DirEntry], root: str,
            found: dict, problems: list[Problem]) -> None:
    """The prompt file ``name`` of ``entries``, its answers and sidecar, into ``found``; the
    caller has checked that a prompt found in a folder stays inside it."""
    path = entries[name].path
    stem = name.removesuffix(PROMPT_SUFFIX)
    answers = tuple(_answer_files(stem, entries, root, problems))
    meta = entries.get(stem + META_SUFFIX)
    if meta is not None and _is_file(meta) and (refusal := _outside(meta, root)):
        problems.append(refusal)
        meta = None
    found[(tuple(path.split("/")), root)] = PromptFile(path, relative + stem, answers,
                                                       meta.path if meta is not None and _is_file(meta) else None)


def _answer_files(stem: str, entries: dict[str, os.DirEntry], root: str, problems: list[Problem]):
    """(path, label) of every answer beside a prompt, in a stable order. An answer is read from
    a symbolic link only when, like a prompt, the link stays inside the folder searched."""
    single = entries.get(stem + ANSWER_SUFFIX)
    if _is_file(single):
        refusal = _outside(single, root)
        if refusal:
            problems.append(refusal)
        else:
            yield single.path, ANSWER_FILE_LABEL
    folder = entries.get(stem + ANSWERS_FOLDER_SUFFIX)
    if folder is None or not _is_dir(folder):
        return
    if folder.is_symlink():
        problems.append(Problem(display_path(folder.path), None,
                                "is a symbolic link to a folder; links to folders are not followed"))
        return
    for name, entry in _entries(folder.path, problems).items():
        if name.endswith(".md") and not name.startswith(".") and _is_file(entry):
            refusal = _outside(entry, root)
            if refusal:
                problems.append(refusal)
            else:
                yield entry.path, name.removesuffix(".md")


def _outside(entry: os.DirEntry, root: str) -> Problem | None:
    """A symbolic link is read only when it points to a file inside the folder searched:
    a link to ``/etc/passwd`` or to ``~/.ssh`` must never reach a page."""
    if not entry.is_symlink():
        return None
    file = Path(entry.path)
    try:
        inside = file.resolve(strict=True).is_relative_to(Path(root).resolve())
    except (OSError, RuntimeError):  # dangling, or a loop
        return Problem(display_path(entry.path), None, "is a symbolic link that leads to no file")
    if inside:
        return None
    return Problem(display_path(entry.path), None,
                   f"is a symbolic link to a file outside {display_path(root)}/; only files inside it are read")


def _orphan_problems(file: str, stem: str, entries: dict[str, os.DirEntry], what: str = "an answer") -> list[Problem]:
    """An answer or a sidecar whose prompt is missing would vanish without a word: report it."""
    if _is_file(entries.get(stem + PROMPT_SUFFIX)):
        return []
    return [Problem(display_path(file), None, f"is {what}, but there is no prompt {stem}{PROMPT_SUFFIX} beside it")]


def slug_for(file: Path | str, root: Path | str) -> str:
    """The page name of a prompt file found under ``root``."""
    return _slug(Path(file).relative_to(root).as_posix().removesuffix(PROMPT_SUFFIX))


def _slug(relative: str) -> str:
    slug = _NOT_IN_SLUG.sub("-", relative.lower()).strip("-_")
    if slug and len(slug) <= MAX_PROMPT_SLUG:
        return slug
    # No letter a-z or digit at all ("日本.txt"), or too long: a hash keeps names apart.
    digest = hashlib.sha1(relative.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{slug[:MAX_PROMPT_SLUG].rstrip('-_') or 'prompt'}-{digest}"


_NOT_IN_SLUG = re.compile(r"[^a-z0-9_]+")


def display_path(file: str) -> str:
    """The file as problems name it: relative to the working directory where it is inside it."""
    parent, slash, name = file.rpartition("/")
    folder = _shown_folder(parent or slash or ".", os.getcwd())  # the file's own name, never a link's target
    shown = f"{folder.rstrip('/')}/{name}" if folder else name
    # A file name may hold any character but "/" and NUL: keep every message one printable line.
    return shown if shown.isprintable() else "".join(c if c.isprintable() else ascii(c)[1:-1] for c in shown)


@lru_cache(maxsize=1024)
def _shown_folder(folder: str, cwd: str) -> str:
    # Worked out once per folder, not once per file: thousands of prompts share a few folders.
    try:
        relative = Path(folder).resolve().relative_to(Path(cwd).resolve()).as_posix()
    except ValueError:
        return Path(folder).as_posix()
    return "" if relative == "." else relative


def read_text(file: str) -> TextFile:
    """The text of a UTF-8 file, or why there is none (the path as messages show it)."""
    shown = display_path(file)

    def refused(line: int | None, message: str) -> TextFile:
        return TextFile(shown, None, Problem(shown, line, message))

    try:
        info = os.stat(file)
        if not stat.S_ISREG(info.st_mode):  # a FIFO would never end, a device never be text
            return refused(None, "is not a regular file; expected a UTF-8 text file")
        size = info.st_size
        if size > MAX_PROMPT_BYTES:
            return refused(None, f"is {size / 1048576:.1f} MB; a prompt or answer file may be at most "
                                 f"{MAX_PROMPT_BYTES // 1048576} MB")
        with open(file, "rb", buffering=0) as stream:
            data = stream.readall()
    except OSError as error:
        return refused(None, f"cannot be read: {error.strerror or error}")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return refused(line, "is a binary file (NUL byte); expected UTF-8 text")
    try:
        return TextFile(shown, data.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return refused(line, f"is not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as UTF-8")


class TextCache:
    """What :func:`read_text` gave for each file, kept while the file's status says it has not
    changed since (a save changes its modification and status-change times): ``mkdocs serve``
    reads again only the files saved since its last build."""

    def __init__(self):
        self._known: dict[str, tuple[tuple[int, ...], TextFile]] = {}
        self._used: dict[str, tuple[tuple[int, ...], TextFile]] = {}

    def read(self, file: str) -> TextFile:
        """:func:`read_text`, from the cache when the file's status is the one it had then."""
        try:
            info = os.stat(file)
        except OSError:
            return read_text(file)
        status = (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino, info.st_dev)
        known = self._known.get(file)
        if known is None or known[0] != status:
            known = (status, read_text(file))
        self._used[file] = known
        return known[1]

    def sweep(self) -> None:
        """Forget the files not read since the last sweep (deleted or renamed since)."""
        self._known, self._used = self._used, {}


def read_source(file: PromptFile, slug: str, read=read_text) -> SourceFile:
    prompt = read(file.path)
    answers = []
    for answer_file, label in file.answers:
        answer = read(answer_file)
        answers.append(AnswerFile(answer.path, label, answer.text, answer.problem))
    meta = read(file.meta) if file.meta else None
    return SourceFile(prompt.path, slug, prompt.text, prompt.problem, tuple(answers), meta)


def read_sources(arguments: list[str], read=read_text) -> tuple[list[SourceFile], list[Problem]]:
    """Read every prompt under the arguments (each file with ``read``, :func:`read_text` or a
    :class:`TextCache`'s). Two files with one slug: the second is a problem."""
    files, problems = find_prompt_files(arguments)
    sources: list[SourceFile] = []
    owners: dict[str, str] = {}
    for file in files:
        source = read_source(file, _slug(file.relative), read)
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
