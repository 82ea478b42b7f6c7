"""Writing generated pages into a folder: the output edge of the CLI.

Writes are atomic (a temporary file in the same folder, then a rename), so an interrupted
build never leaves half a page. A manifest lists what the generator wrote: it overwrites
and deletes only those files, never one it did not write.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .records import Problem

MANIFEST = ".generator-manifest.json"


def write_atomic(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_manifest(out: Path) -> set[str]:
    try:
        return set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def write_pages(out: Path, pages: dict[str, str]) -> list[Problem]:
    """Write ``{relative path: content}`` into ``out``; remove files of an earlier run that
    are no longer generated. Returns problems for files it refused to touch."""
    previous = read_manifest(out)
    problems = []
    written = set()
    for relative, content in sorted(pages.items()):
        target = out / relative
        if target.exists() and relative not in previous:
            problems.append(Problem(str(target), None, "exists and was not written by the generator; not overwriting it"))
            continue
        if not (target.is_file() and target.read_text(encoding="utf-8") == content):
            write_atomic(target, content)
        written.add(relative)
    for relative in sorted(previous - written):
        stale = out / relative
        if relative not in pages and stale.is_file():
            stale.unlink()
    write_atomic(out / MANIFEST, json.dumps({"files": sorted(written)}, indent=1) + "\n")
    return problems
