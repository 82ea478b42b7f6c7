"""Which prompts a pull request touches, from the files it changed.

A prompt's page changes when its file, one of its answer files or its sidecar changes
(``NAME.txt``, ``NAME.answer.md``, ``NAME.answers/LABEL.md``, ``NAME.meta.yaml``). The files
come from ``git diff --name-status`` (the command line, in CI) or from GitHub's list of a pull
request's files (the deploy's preview comment); both are turned into :class:`FileChange`
records first. Plain functions of
paths, with no dependency beyond the standard library, so that the deploy can use them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: What a prompt file's name ends with (sources.py finds prompts by it too).
PROMPT_SUFFIX = ".txt"
#: What a prompt's sidecar's name ends with (what its maintainers settled; sources.py reads it).
META_SUFFIX = ".meta.yaml"
_BELONGING = re.compile(r"^(?P<prompt>.+)(?:\.answer\.md|\.answers/[^/]+\.md|\.meta\.yaml)$")


@dataclass(frozen=True)
class FileChange:
    """A changed file, its path relative to the repository's root."""

    status: str  # "added", "modified" or "removed"; a rename is a removal and an addition
    path: str


@dataclass(frozen=True)
class PromptChanges:
    """Prompt files (paths relative to the repository's root) whose pages a change touches."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # edited, or one of its answers or its sidecar added, edited or removed
    deleted: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.deleted)


def prompt_of(path: str) -> str | None:
    """The prompt file whose page shows ``path``: itself, or the prompt an answer file or a
    sidecar belongs to."""
    if path.endswith(PROMPT_SUFFIX):
        return path
    match = _BELONGING.match(path)
    return match["prompt"] + PROMPT_SUFFIX if match else None


def prompt_changes(changes: list[FileChange], roots: list[str] | tuple[str, ...] = ("sources",)) -> PromptChanges:
    """The prompts under ``roots`` (folders or files) that ``changes`` add, change or delete,
    each once, sorted."""
    added, changed, deleted = set(), set(), set()
    folders = tuple(root.rstrip("/") + "/" for root in roots if root not in (".", ""))
    for change in changes:
        inside = change.path in roots or change.path.startswith(folders) or "." in roots
        if not inside or any(part.startswith(".") for part in change.path.split("/")):
            continue  # hidden files are never published
        prompt = prompt_of(change.path)
        if prompt is None:
            continue
        if prompt == change.path and change.status == "added":
            added.add(prompt)
        elif prompt == change.path and change.status == "removed":
            deleted.add(prompt)
        else:
            changed.add(prompt)
    changed -= added | deleted
    return PromptChanges(tuple(sorted(added)), tuple(sorted(changed)), tuple(sorted(deleted)))


_GIT_STATUS = {"A": "added", "C": "added", "D": "removed"}


def from_git_name_status(output: str) -> list[FileChange]:
    """``git diff --name-status -z`` output as changes (a rename: the old path removed, the new added)."""
    fields = output.split("\0")
    changes, index = [], 0
    while index < len(fields) - 1:
        status = fields[index]
        if status[:1] in ("R", "C"):
            old, new = fields[index + 1], fields[index + 2]
            if status[0] == "R":
                changes.append(FileChange("removed", old))
            changes.append(FileChange("added", new))
            index += 3
        else:
            changes.append(FileChange(_GIT_STATUS.get(status[:1], "modified"), fields[index + 1]))
            index += 2
    return changes


_GITHUB_STATUS = {"added": "added", "copied": "added", "removed": "removed"}


def from_github_files(files: list[dict]) -> list[FileChange]:
    """GitHub's list of a pull request's files (``GET /repos/R/pulls/N/files``) as changes."""
    changes = []
    for file in files:
        if file.get("status") == "renamed":
            changes += [FileChange("removed", file["previous_filename"]), FileChange("added", file["filename"])]
        else:
            changes.append(FileChange(_GITHUB_STATUS.get(file.get("status"), "modified"), file["filename"]))
    return changes
