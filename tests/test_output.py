"""The output folder of ``python -m generator build`` (issue "Bad and hostile input").

- Writes are atomic: a write that fails or is killed midway leaves the old page (or none),
  never half of one, and no temporary file on the next run.
- A prompt deleted from sources/ removes its page, and the model and paper pages only it
  used, on the next build; nothing else. A file the generator did not write is never
  overwritten or deleted, and an unchanged page is not rewritten.
- The manifest, a file like any other in the folder, can never lead a build outside it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, make_prompt
from generator.files import output
from generator.files.output import MANIFEST, write_atomic, write_pages

from benchmarks.synth import write_corpus

#: The names of write_atomic's temporary files: ``.NAME.XXXXXXXX.tmp`` beside the page.
_TEMPORARY = re.compile(r"^\..+\.tmp$")


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def files(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` but the manifest, as ``{relative path: bytes}``."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def temporaries(out: Path) -> list[str]:
    return [p.relative_to(out).as_posix() for p in out.rglob("*") if _TEMPORARY.match(p.name)]


def identities(out: Path) -> dict[str, tuple[int, int]]:
    return {rel: ((out / rel).stat().st_ino, (out / rel).stat().st_mtime_ns) for rel in files(out)}


def manifest(out: Path) -> set[str]:
    return set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"])


# ---- (a) A write that fails midway -----------------------------------------------------------

class _Failing:
    """A stream that writes the first half of what it is given, then fails as a full disk would."""

    def __init__(self, stream, seen: list[int], error: BaseException):
        self.stream, self.seen, self.error = stream, seen, error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stream.close()

    def write(self, text):
        self.stream.write(text[: len(text) // 2])
        self.stream.flush()
        self.seen.append(os.fstat(self.stream.fileno()).st_size)  # half the page is on disk now
        raise self.error


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "interrupted"])
@pytest.mark.parametrize("existing", [True, False], ids=["replacing", "new"])
def test_a_write_failing_midway_keeps_the_old_page_and_no_temporary_file(tmp_path, monkeypatch, error, existing):
    target = tmp_path / "prompts" / "page.md"
    target.parent.mkdir()
    if existing:
        target.write_text("old page\n")
        before = target.stat().st_ino
    seen: list[int] = []
    fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: _Failing(fdopen(*a, **k), seen, error))
    with pytest.raises(type(error)):
        write_atomic(target, "new page " * 10_000)
    assert seen and seen[0] >= 40_000  # the failure came with half of the new page written
    if existing:
        assert target.read_text() == "old page\n" and target.stat().st_ino == before
        assert os.listdir(target.parent) == ["page.md"]
    else:
        assert os.listdir(target.parent) == []


def test_a_rename_failing_keeps_the_old_page_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "page.md"
    target.write_text("old page\n")

    def refuse(source, destination):
        assert Path(source).read_text() == "new page\n"  # the whole new page waited in the temporary file
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        write_atomic(target, "new page\n")
    assert target.read_text() == "old page\n"
    assert os.listdir(tmp_path) == ["page.md"]


def test_a_page_that_cannot_be_written_is_a_problem_and_the_others_are_written(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert write_pages(out, {"prompts/a.md": "a 1\n", "prompts/b.md": "b 1\n"}) == []
    replace = os.replace

    def fail_for_b(source, destination):
        if Path(destination).name == "b.md":
            raise OSError(errno.ENOSPC, "No space left on device")
        return replace(source, destination)

    monkeypatch.setattr(os, "replace", fail_for_b)
    problems = write_pages(out, {"prompts/a.md": "a 2\n", "prompts/b.md": "b 2\n", "prompts/c.md": "c 2\n"})
    assert [str(p) for p in problems] == [f"{out / 'prompts' / 'b.md'}: cannot be written: No space left on device"]
    assert files(out) == {"prompts/a.md": b"a 2\n", "prompts/b.md": b"b 1\n", "prompts/c.md": b"c 2\n"}
    assert temporaries(out) == []
    assert manifest(out) == {"prompts/a.md", "prompts/b.md", "prompts/c.md"}  # b.md is still the generator's
    monkeypatch.setattr(os, "replace", replace)
    assert write_pages(out, {"prompts/a.md": "a 2\n", "prompts/b.md": "b 2\n"}) == []
    assert files(out) == {"prompts/a.md": b"a 2\n", "prompts/b.md": b"b 2\n"}


def test_pages_are_readable_as_the_umask_says_and_keep_their_mode(tmp_path):
    """A temporary file is made readable by its owner only; the page it becomes must not be."""
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.md", "x\n")
        (tmp_path / "kept.md").write_text("x\n")
        (tmp_path / "kept.md").chmod(0o640)
        write_atomic(tmp_path / "kept.md", "y\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "kept.md").stat().st_mode) == 0o640


# ---- (b) A build killed at any moment --------------------------------------------------------

#: write_pages, the output edge of ``python -m generator build``, on pages given as JSON: the
#: same writing as the CLI's without its 20 s of generating, so that it can be killed often.
#: Runs its arguments, after "--", as ``python -m generator`` would, or (``--plan FILE OUT``)
#: writes the pages of a plan with write_pages. Either way it kills itself with SIGKILL at its
#: K-th file write into OUT, at one moment of that write: halfway through the temporary file,
#: just before its rename, or just after it. A kill lands between two system calls, so these
#: are the states any kill can leave; hooking them makes each one certain, and fast to reach.
_KILLER = """
import json, os, signal, sys
from pathlib import Path
kill_at, moment, out = int(sys.argv[1]), sys.argv[2], os.path.realpath(sys.argv[3])
started = 0
real_fdopen, real_replace = os.fdopen, os.replace

def die():
    os.kill(os.getpid(), signal.SIGKILL)

class HalfWritten:
    def __init__(self, stream):
        self.stream = stream
    def write(self, text):
        self.stream.write(text[: len(text) // 2])
        self.stream.flush()
        die()
    def __getattr__(self, name):
        return getattr(self.stream, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.stream.__exit__(*exc)

def fdopen(fd, *args, **kwargs):
    global started
    stream = real_fdopen(fd, *args, **kwargs)
    if os.readlink(f"/proc/self/fd/{fd}").startswith(out + os.sep):
        started += 1
        if started == kill_at and moment == "mid-write":
            return HalfWritten(stream)
    return stream

def replace(source, target, **kwargs):
    inside = os.path.realpath(os.path.dirname(os.fspath(target))).startswith(out)
    if inside and started == kill_at and moment == "before-rename":
        die()
    real_replace(source, target, **kwargs)
    if inside and started == kill_at and moment == "after-rename":
        die()

os.fdopen, os.replace = fdopen, replace
if sys.argv[4] == "--plan":
    from generator.files.output import write_pages
    problems = write_pages(Path(sys.argv[6]), json.loads(Path(sys.argv[5]).read_text(encoding="utf-8")))
    print("\\n".join(map(str, problems)), file=sys.stderr)
    sys.exit(1 if problems else 0)
from generator.cli import main
sys.exit(main(sys.argv[5:]))
"""

MOMENTS = ("mid-write", "before-rename", "after-rename")


def _killed(kill_at: int, moment: str, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _KILLER, str(kill_at), moment, str(out), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def _assert_only_whole_pages(out: Path, versions: dict[str, set[bytes]]) -> None:
    """Every page in ``out`` is one of the versions a run wrote for its path, never a mix."""
    present = files(out)
    for relative, data in present.items():
        if _TEMPORARY.match(relative.rsplit("/", 1)[-1]):
            continue  # a kill can land between a temporary file's creation and its rename
        assert relative in versions, relative
        assert data in versions[relative], (relative, len(data))


def test_a_build_killed_at_any_moment_leaves_only_whole_pages(tmp_path):
    sources, reference, out = tmp_path / "sources", tmp_path / "reference", tmp_path / "out"
    write_corpus(sources, 40)
    assert run_cli("build", str(sources), "--out", str(reference)).returncode in (0, 1)  # 1: foreign links
    pages = {relative: data.decode("utf-8") for relative, data in files(reference).items()}
    assert len(pages) > 40 and temporaries(reference) == []
    versions = {relative: {data.encode("utf-8")} for relative, data in pages.items()}

    # The real CLI, killed in its first write (the manifest), its second, and twice a quarter of
    # the way on (a run does not write again the pages an earlier one wrote whole).
    kills = [(1, "mid-write"), (2, "before-rename"), (len(pages) // 4, "mid-write"), (len(pages) // 4, "after-rename")]
    for kill_at, moment in kills:
        result = _killed(kill_at, moment, out, "--", "build", str(sources), "--out", str(out))
        assert result.returncode == -signal.SIGKILL, (kill_at, moment, result.stderr[-2000:])
        _assert_only_whole_pages(out, versions)
    assert 0 < len(files(out)) < len(pages)

    # Then write_pages alone, each run changing every page (and every third one dropping a
    # seventh of them), killed at every moment of a write, early and late.
    for run, (at, moment) in enumerate(((at, moment) for at in ("first", "third", "a third", "last")
                                         for moment in MOMENTS), 1):
        plan = {relative: f"{content}<!-- run {run} -->\n" for index, (relative, content) in enumerate(pages.items())
                if run % 3 or index % 7 or relative.endswith("index.md")}
        # The manifest is the first write, then every page of the plan.
        kill_at = {"first": 1, "third": 3, "a third": len(plan) // 3, "last": len(plan) + 1}[at]
        for relative, content in plan.items():
            versions[relative].add(content.encode("utf-8"))
        (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
        before = set(files(out))
        result = _killed(kill_at, moment, out, "--plan", str(tmp_path / "plan.json"), str(out))
        assert result.returncode == -signal.SIGKILL, (kill_at, moment, result.stderr[-2000:])
        _assert_only_whole_pages(out, versions)
        assert before & set(plan) <= set(files(out))  # a page both runs have never vanishes on the way

    # A last, complete build: exactly the uninterrupted one, nothing left over.
    assert run_cli("build", str(sources), "--out", str(out)).returncode in (0, 1)
    assert files(out) == files(reference)
    assert temporaries(out) == [] and manifest(out) == set(pages)


# ---- (c) Deleted prompts, hand-written files, unchanged pages --------------------------------

UNIQUE_MODEL = "SISR-Lonely-Test-Net"
UNIQUE_PAPER = "https://arxiv.org/abs/2999.00001"


@pytest.fixture
def project(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, sources / seed.name)
    (sources / "lonely.txt").write_text(make_prompt(
        "Upscale my photo 2x", f"Model: {UNIQUE_MODEL}\nPaper: {UNIQUE_PAPER}\n",
        f"Model: Lonely paper on super-resolution\nPaper: {UNIQUE_PAPER}\n"), encoding="utf-8")
    return tmp_path


def test_a_deleted_prompt_removes_its_pages_and_nothing_else(project):
    out, reduced = project / "out", project / "reduced"
    assert run_cli("build", "sources", "--out", str(out), cwd=project).returncode == 0
    full = files(out)
    lonely = {r for r, data in full.items() if r.startswith(("models/", "papers/")) and not r.endswith("index.md")
              and b"lonely" in data and not any(s.stem.encode() in data for s in SEEDS)}
    assert {r.split("/")[0] for r in lonely} == {"models", "papers"}, lonely  # pages of its model and its paper
    # Files the generator did not write, in its own folders and beside them.
    hand = {"notes.md": b"my notes\n", "prompts/handwritten.md": b"# Mine\n", "models/.keep": b"",
            "extra/page.md": b"# Extra\n"}
    for relative, data in hand.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_bytes(data)
    before = identities(out)

    (project / "sources" / "lonely.txt").unlink()
    result = run_cli("build", "sources", "--out", str(out), cwd=project)
    assert result.returncode == 0, result.stderr
    assert run_cli("build", "sources", "--out", str(reduced), cwd=project).returncode == 0
    after = files(out)
    assert set(full) - set(after) == {"prompts/lonely.md"} | lonely
    assert after == {**files(reduced), **hand}  # exactly a fresh build of what is left, and the hand-written files
    assert temporaries(out) == [] and manifest(out) == set(files(reduced))
    now = identities(out)
    unchanged = [r for r in after if full.get(r, hand.get(r)) == after[r]]
    changed = [r for r in after if r not in unchanged]
    assert len(unchanged) > 10 and changed  # the indexes lost an entry; the other prompts' pages did not change
    for relative in unchanged:
        assert now[relative] == before[relative], relative  # not rewritten: same inode, same mtime
    for relative in changed:
        assert now[relative][0] != before[relative][0], relative  # replaced, not written in place


def test_a_hand_written_file_in_a_pages_place_is_reported_and_kept(project):
    out = project / "out"
    (out / "prompts").mkdir(parents=True)
    (out / "prompts" / "lonely.md").write_text("# My own page\n")
    (out / "tasks").mkdir()
    (out / "tasks" / "index.md").symlink_to(project / "sources" / "lonely.txt")
    result = run_cli("build", "sources", "--out", str(out), cwd=project)
    assert result.returncode == 1
    lines = result.stderr.strip().split("\n")[:-1]  # then the summary line
    assert f"{out / 'prompts' / 'lonely.md'}: exists and was not written by the generator; not overwriting it" in lines
    assert f"{out / 'tasks' / 'index.md'}: exists and was not written by the generator; not overwriting it" in lines
    assert len(lines) == 2, lines
    assert (out / "prompts" / "lonely.md").read_text() == "# My own page\n"
    assert (out / "tasks" / "index.md").is_symlink()
    assert (project / "sources" / "lonely.txt").read_text().startswith("You are an AI scientist.")
    assert "prompts/lonely.md" not in manifest(out) and "prompts/000_39a63bbddd643d31.md" in manifest(out)
    # Removing its prompt never removes the hand-written file either.
    (project / "sources" / "lonely.txt").unlink()
    (out / "tasks" / "index.md").unlink()
    assert run_cli("build", "sources", "--out", str(out), cwd=project).returncode == 0
    assert (out / "prompts" / "lonely.md").read_text() == "# My own page\n"


# ---- (d) An edited manifest ------------------------------------------------------------------

def test_an_edited_manifest_never_leads_outside_the_output_folder(project):
    out = project / "site" / "out"
    outside = project / "site" / "outside"
    outside.mkdir(parents=True)
    assert run_cli("build", "sources/000_39a63bbddd643d31.txt", "--out", str(out), cwd=project).returncode == 0
    victims = {name: outside / name for name in ("a.md", "b.md", "c.md", "d.md", "e.md", "f.md", "g.md")}
    for path in victims.values():
        path.write_text("not the generator's\n")
    (out / "escape").symlink_to(outside, target_is_directory=True)  # a link in the folder, to a folder outside
    (out / "prompts" / "linked.md").symlink_to(victims["f.md"])  # a link to a file outside, to be removed
    (out / "prompts" / "001_d18f79af084974a4.md").symlink_to(victims["g.md"])  # ... and one to be written
    entries = [
        "../outside/a.md", str(victims["b.md"]), "prompts/../../outside/c.md", "./../outside/d.md",
        "escape/e.md", "prompts/linked.md", "prompts/001_d18f79af084974a4.md", "prompts\\..\\..\\outside\\a.md",
        "", ".", "..", "/", None, 7, {"x": 1}, "prompts", "prompts/%2e%2e/%2e%2e/outside/a.md",
    ]
    (out / MANIFEST).write_text(json.dumps({"files": entries + sorted(manifest(out))}))
    # The next build no longer has the seed, and writes a page of its own.
    result = run_cli("build", "sources/001_d18f79af084974a4.txt", "--out", str(out), cwd=project)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    for path in victims.values():
        assert path.read_text() == "not the generator's\n", path
    assert sorted(os.listdir(outside)) == sorted(victims)
    assert not (out / "prompts" / "linked.md").exists() and not (out / "prompts" / "linked.md").is_symlink()
    page = out / "prompts" / "001_d18f79af084974a4.md"
    assert not page.is_symlink() and page.read_text().startswith("---\n")  # the link was replaced, not followed
    assert not (out / "prompts" / "000_39a63bbddd643d31.md").exists()  # its own entries still work
    assert (out / "escape").is_symlink()
    assert all(output.is_plain_relative(entry) and not entry.startswith("escape/") for entry in manifest(out))

    # A folder of pages that is a link to a folder outside: nothing is written through it.
    shutil.rmtree(out / "papers")
    (outside / "papers").mkdir()
    (out / "papers").symlink_to(outside / "papers", target_is_directory=True)
    result = run_cli("build", "sources/001_d18f79af084974a4.txt", "--out", str(out), cwd=project)
    assert result.returncode == 1
    assert "is in a symbolic link to a folder outside the output folder; not writing it" in result.stderr
    assert os.listdir(outside / "papers") == []

    # A manifest that is no list of paths is no list of files to remove.
    for text in ("not json", json.dumps({"files": "prompts/001_d18f79af084974a4.md"}), json.dumps([1, 2]), "null"):
        (out / MANIFEST).write_text(text)
        result = run_cli("build", "sources/000_39a63bbddd643d31.txt", "--out", str(out), cwd=project)
        assert "Traceback" not in result.stderr
        assert page.is_file(), text
