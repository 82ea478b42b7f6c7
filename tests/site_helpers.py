"""Building the real site with MkDocs and serving it on 127.0.0.1 for the browser tests."""

from __future__ import annotations

import fcntl
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks.serve import http_get, mkdocs_serve  # noqa: F401 - the tests import both from here
from conftest import ROOT

# Debian's Chromium by default; CHROMIUM=/path/to/chrome points the browser tests at another build.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def screenshot_failure(page, name: str) -> None:
    """Keep what the browser showed when a test failed (CI uploads tests/artifacts/)."""
    try:
        (ARTIFACTS / "failures").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "failures" / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"))
    except Exception as error:  # the page may be the reason of the failure: never hide the test's own error
        print(f"no screenshot of {name}: {error}")


def require_chromium() -> None:
    """Browser tests need Chromium: a missing one fails them in CI and skips them elsewhere."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a missing browser fails, it never skips
        pytest.skip(message)


def mkdocs(*args, config=None, cwd=ROOT, env=None, tool="mkdocs"):
    """Run ``mkdocs`` (or ``properdocs``) from this venv; returns the CompletedProcess."""
    command = [str(Path(sys.executable).parent / tool), *args]
    if config:
        command += ["-f", str(config)]
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment)


#: mkdocs.yml's line of the plugin's ``cache`` option, for tests that turn it off.
CACHE_OPTION = "      cache: !ENV [PROMPT_PAGES_CACHE, .cache/prompt-pages]\n"


def build_site(destination: Path, config=None, env=None, cwd=ROOT) -> subprocess.CompletedProcess:
    result = mkdocs("build", "--strict", "-d", str(destination), config=config, env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def copy_project(destination: Path) -> Path:
    """A copy of the project's site inputs, for tests that change sources/ or docs/."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("mkdocs.yml", "docs", "overrides", "sources"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy(source, destination / name)
    return destination


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    not_found: Path | None = None

    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        if code != 404 or self.not_found is None:
            return super().send_error(code, message, explain)
        body = self.not_found.read_bytes()  # as GitHub Pages does: the site's 404 page, status 404
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def serve(directory: Path, prefix: str = "", not_found: Path | None = None):
    """Serve ``directory`` at http://127.0.0.1:PORT/PREFIX/ in a thread; yields the base URL.

    With ``not_found`` (a file), a missing path gets that page with status 404, as on GitHub Pages.
    """
    root = directory
    if prefix:
        root = directory.parent / (directory.name + "-served")
        (root / prefix).parent.mkdir(parents=True, exist_ok=True)
        if not (root / prefix).exists():
            (root / prefix).symlink_to(directory.resolve(), target_is_directory=True)
    handler_class = type("_Handler", (_QuietHandler,), {"not_found": not_found})
    handler = functools.partial(handler_class, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/"
        yield base + (prefix.strip("/") + "/" if prefix else "")
    finally:
        server.shutdown()
        server.server_close()


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=maintainer", "-c", "user.email=m@example.org", *args], cwd=cwd,
                          capture_output=True, text=True, check=True).stdout


def seeds_on_a_branch(repository: Path, seeds: int, branch: str) -> Path:
    """A git repository whose `main` holds the first ``seeds`` seeds in `sources/`, checked out
    on a new ``branch``; returns its `sources/` folder."""
    from conftest import SEEDS

    sources = repository / "sources"
    sources.mkdir(parents=True)
    for seed in SEEDS[:seeds]:
        shutil.copy(seed, sources / seed.name)
    git(repository, "init", "-q", "-b", "main")
    git(repository, "add", ".")
    git(repository, "commit", "-q", "-m", "base")
    git(repository, "checkout", "-q", "-b", branch)
    return sources


def pull_request_repository(repository: Path) -> dict[str, str]:
    """A git repository whose branch `add-denoising` changes prompts the ways a pull request
    does, against `main`: it edits one seed, answers another (citing a link that is not in its
    sources), adds a good prompt and a broken one, deletes a seed and renames another.
    Returns the paths (relative to the repository) of each, by role."""
    from conftest import SEEDS, make_prompt

    sources = seeds_on_a_branch(repository, 4, "add-denoising")
    edited, answered, deleted, renamed = (sources / seed.name for seed in SEEDS[:4])
    edited.write_text(edited.read_text(encoding="utf-8").replace("3×", "4×"), encoding="utf-8")
    (sources / (answered.stem + ".answer.md")).write_text(
        "MSSNet is described in [its paper](https://cg.postech.ac.kr/Research/MSSNet/MSSNet.pdf); "
        "for upscaling, see [this benchmark](https://example.org/sr-benchmark).\n", encoding="utf-8")
    (sources / "phone-denoising.txt").write_text(make_prompt(
        "My night photos are grainy; which model cleans the noise?",
        "Model: Denoise-Restormer\nPaper: https://arxiv.org/abs/2111.09881\nGitHub: https://github.com/swz30/Restormer\n"),
        encoding="utf-8")
    (sources / "empty-model.txt").write_text(make_prompt("Remove the blur | from my photos", "Model:\n"),
                                             encoding="utf-8")
    deleted.unlink()
    renamed.rename(sources / "renamed.txt")
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "change")
    return {"edited": f"sources/{edited.name}", "answered": f"sources/{answered.name}",
            "added": "sources/phone-denoising.txt", "broken": "sources/empty-model.txt",
            "deleted": f"sources/{deleted.name}", "renamed from": f"sources/{renamed.name}",
            "renamed": "sources/renamed.txt"}


#: Prompts of the benchmark site the browser tests measure search on (benchmarks/synth.py).
SCALE_PROMPTS = 1000


class ScaleSite:
    """The project with the 1,000-prompt benchmark corpus as its sources, built once per test
    run in a thread of its own, from when the tests that need it are collected (conftest.py):
    the other tests run meanwhile, and those that need it wait for it (``path()``). Under
    pytest-xdist every worker starts one, on the same folder: the first to take its lock builds
    the site, and the others wait for that build should a test of theirs need the site."""

    _started: "ScaleSite | None" = None

    def __init__(self, root: Path):
        self.root = root
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._build, name="scale-site", daemon=True)
        self.thread.start()

    @classmethod
    def start(cls, root: Path) -> "ScaleSite":
        if cls._started is None:
            cls._started = cls(root)
        return cls._started

    def _build(self) -> None:
        from benchmarks.synth import write_corpus

        self.root.mkdir(parents=True, exist_ok=True)
        built = self.root / "built"
        try:
            with open(self.root / "lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # held by the worker that builds, until it is done
                if built.exists():
                    return
                project = copy_project(self.root / "project")
                shutil.rmtree(project / "sources")
                write_corpus(project / "sources", SCALE_PROMPTS)
                # Not --strict: about one answer in a hundred cites another prompt's link, on purpose.
                result = mkdocs("build", "-q", "-d", str(self.root / "site"), cwd=project)
                if result.returncode != 0:
                    raise RuntimeError(result.stderr[-3000:])
                built.touch()
        except BaseException as error:  # handed to the test that waits for the site
            self.error = error

    def path(self) -> Path:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.root / "site"


def wait_for(url: str, predicate, seconds: float = 90) -> bytes:
    """The body of ``url`` once ``predicate(status, body)`` holds (polled)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, body = http_get(url, timeout=30)
        if predicate(status, body):
            return body
        time.sleep(0.2)
    raise AssertionError(f"{url} did not reach the expected state in {seconds} s")


def pagefind_pages(site: Path) -> dict[str, dict]:
    """What Pagefind indexed of each page of a built site (its fragments: the text, the title and
    tags as metadata, the kind as a filter, the sections' anchors), by address without the first
    slash, as Material's search entries are."""
    import gzip
    import json

    pages = {}
    for fragment in (site / "pagefind" / "fragment").iterdir():
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(b"pagefind_dcd"), fragment
        page = json.loads(data[len(b"pagefind_dcd"):])
        pages[page["url"].lstrip("/")] = page
    return pages
