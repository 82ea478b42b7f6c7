"""The repository stands alone: nothing it runs reads from a folder beside the checkout.

GitHub's runners and a contributor's clone have nothing next to the repository, so a file read
from `../shared/` (where this project's data once came from) works on one machine and fails
everywhere else. Two checks:

- no tracked file names a path beside the checkout;
- a copy of the repository, in a folder whose only other entry is a trap, runs the
  synthesiser and the generator with an audit hook that records every file and folder they
  open; none of them lies beside the copy.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

#: What is not part of a checkout: local state that `make` and the tests leave behind.
LOCAL = {".git", ".venv", "site", "build", ".pytest_cache", ".hypothesis", "__pycache__", "out", "artifacts"}


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        return [ROOT / name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]
    except (OSError, subprocess.CalledProcessError):  # a copy without git: every file but local state
        return [path for path in ROOT.rglob("*")
                if path.is_file() and not LOCAL & set(path.relative_to(ROOT).parts) and "egg-info" not in str(path)]


BESIDE = re.compile(r"""\.\./shared|["']shared["']\s*/|(?<![\w.])ROOT\.parent\b""")


def test_no_tracked_file_names_a_folder_beside_the_checkout():
    named = []
    for path in tracked_files():
        if path.suffix not in {".py", ".sh", ".yml", ".yaml", ".toml", ".md", ".cfg", ".txt", ".json"} \
                and path.name not in {"Makefile", "run"}:
            continue
        if path == Path(__file__).resolve():  # the pattern itself lives here
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        named += [f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}: {m.group()}"
                  for m in BESIDE.finditer(text)]
    assert named == []


def test_the_pattern_catches_what_this_project_once_did():
    assert BESIDE.search('DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"')
    assert BESIDE.search("synth N --corpus ../shared/corpus")
    assert not BESIDE.search("ROOT / 'benchmarks' / 'corpus'")


#: Runs a module as `python -m` would, and records every path opened or listed beside the copy.
AUDITED_RUN = r"""
import json, os, runpy, sys
copy, beside, log = sys.argv[1:4]
opened = []
def hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.abspath(os.fsdecode(args[0]))
        if path.startswith(beside + os.sep) and not (path + os.sep).startswith(copy + os.sep):
            opened.append(path)
sys.addaudithook(hook)
sys.argv = sys.argv[4:]
sys.path.insert(0, copy)  # as `python -m` puts the working directory first
try:
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
finally:
    with open(log, "w") as out:
        json.dump(opened, out)
"""


def test_a_copy_with_nothing_beside_it_synthesises_and_checks_a_corpus(tmp_path):
    alone = tmp_path / "alone"
    copy = alone / "repository"
    for path in tracked_files():
        target = copy / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    # The folder a careless default would read: present, so a read of it is seen, not just failed.
    (alone / "shared" / "corpus").mkdir(parents=True)
    out, log = tmp_path / "corpus", tmp_path / "opened.json"
    runner = tmp_path / "audited.py"
    runner.write_text(AUDITED_RUN, encoding="utf-8")

    def run(*module_and_args):
        result = subprocess.run([sys.executable, str(runner), str(copy), str(alone), str(log), *module_and_args],
                                cwd=copy, capture_output=True, text=True)
        return result, json.loads(log.read_text())

    result, opened = run("benchmarks.synth", "30", "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert opened == []
    assert len(list(out.glob("*.txt"))) == 30

    result, opened = run("generator", "check", str(out), str(copy / "sources"))
    assert result.returncode in (0, 1), result.stderr[-2000:]  # synthetic answers may cite a foreign link
    assert "Traceback" not in result.stderr
    assert opened == []
