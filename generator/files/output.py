"""Writing generated pages into a folder: the output edge of the CLI.

Writes are atomic (a temporary file in the same folder, then a rename), so an interrupted
build never leaves half a page; the temporary files a killed build leaves are removed by the
next run. A manifest lists what the generator wrote: it overwrites and deletes only those
files, never one it did not write, and never a file outside the folder, through a symbolic
link to a folder either. The manifest is written before the pages too, naming every page
about to be written, so that the pages of an interrupted build are still known as the
generator's own on the next run.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from pathlib import Path

from ..records import Problem

MANIFEST = ".generator-manifest.json"
#: write_atomic's temporary files, ``.NAME.XXXXXXXX.tmp`` (tempfile.mkstemp's eight random characters).
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")


def write_atomic(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file readable by its owner only: the page gets the mode of the file
        # it replaces, or the one any new file gets.
        os.fchmod(handle, _mode_for(path))
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            return stat.S_IMODE(info.st_mode)
    except OSError:
        pass
    mask = os.umask(0o077)  # reads the umask (Python 3.11 has no os.getumask), briefly the strictest
    os.umask(mask)
    return 0o666 & ~mask


def _inside(root: Path, folder: Path) -> bool:
    """True when ``folder``, links followed, is ``root`` (resolved) or inside it. Only a page's
    folder is checked: the page itself may be a link, which is replaced or removed, never followed."""
    try:
        return folder.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return False


def _remove_temporaries(out: Path, relatives: set[str]) -> None:
    """Remove the temporary files a killed run left beside the files it was writing
    (``relatives``, all in folders inside ``out``)."""
    names: dict[Path, set[str]] = {out: {MANIFEST}}
    for relative in relatives:
        target = out / relative
        names.setdefault(target.parent, set()).add(target.name)
    for folder, known in names.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            match = _TEMPORARY.match(entry.name)
            try:
                if match and match["name"] in known and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
            except OSError:
                pass  # left for the next run; a temporary file is never a page


def is_plain_relative(relative: object) -> bool:
    """True for a path like ``prompts/x.md``: relative, no ``..``, nothing that leaves the folder."""
    if not isinstance(relative, str) or "\\" in relative or "\x00" in relative:
        return False
    # An empty part is a leading "/" (absolute), a "//" or a trailing "/".
    return all(part not in ("", ".", "..") for part in relative.split("/"))


def read_manifest(out: Path) -> set[str]:
    """The files an earlier run wrote. An entry that could lead outside ``out`` (a manifest is a
    file like any other, and may have been edited) is ignored: it is never overwritten or deleted."""
    try:
        files = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    return {relative for relative in files if is_plain_relative(relative)} if isinstance(files, list) else set()


def _write_manifest(out: Path, files: set[str]) -> None:
    write_atomic(out / MANIFEST, json.dumps({"files": sorted(files)}, indent=1) + "\n")


def _unchanged(target: Path, data: bytes) -> bool:
    try:
        return target.is_file() and not target.is_symlink() and target.read_bytes() == data
    except OSError:
        return False


def write_pages(out: Path, pages: dict[str, str]) -> list[Problem]:
    """Write ``{relative path: content}`` into ``out``; remove files of an earlier run that
    are no longer generated. Returns problems for files it refused to touch or could not write."""
    previous = read_manifest(out)
    problems = []
    planned: dict[str, str] = {}
    try:
        root = out.resolve()
    except (OSError, RuntimeError) as error:
        return [Problem(str(out), None, f"cannot be written into: {getattr(error, 'strerror', None) or error}")]
    folders: dict[Path, bool] = {}

    def inside(target: Path) -> bool:
        if target.parent not in folders:
            folders[target.parent] = _inside(root, target.parent)
        return folders[target.parent]

    for relative, content in sorted(pages.items()):
        target = out / relative
        if not is_plain_relative(relative):
            problems.append(Problem(str(target), None, "is not a path inside the output folder; not writing it"))
        elif not inside(target):
            problems.append(Problem(str(target), None,
                                    "is in a symbolic link to a folder outside the output folder; not writing it"))
        elif (target.exists() or target.is_symlink()) and relative not in previous:
            problems.append(Problem(str(target), None, "exists and was not written by the generator; not overwriting it"))
        else:
            planned[relative] = content
    # An entry of an edited manifest may lead through a link to a folder outside: never followed.
    previous = {relative for relative in previous if inside(out / relative)}
    _remove_temporaries(out, previous | set(planned))
    try:
        _write_manifest(out, previous | set(planned))
    except OSError as error:
        return [*problems, Problem(str(out), None, f"cannot be written into: {error.strerror or error}")]
    written = set()
    for relative, content in planned.items():
        target = out / relative
        try:
            if not _unchanged(target, content.encode("utf-8")):
                write_atomic(target, content)
            written.add(relative)
        except OSError as error:
            problems.append(Problem(str(target), None, f"cannot be written: {error.strerror or error}"))
            if relative in previous:
                written.add(relative)  # the earlier page is still there, and still the generator's
    for relative in sorted(previous - set(planned)):
        stale = out / relative
        try:
            if stale.is_file() or stale.is_symlink():
                stale.unlink()
        except OSError as error:
            problems.append(Problem(str(stale), None, f"is a page of a deleted prompt and cannot be removed: {error.strerror or error}"))
            written.add(relative)
    try:
        _write_manifest(out, written)
    except OSError as error:
        problems.append(Problem(str(out / MANIFEST), None, f"cannot be written: {error.strerror or error}"))
    return problems
