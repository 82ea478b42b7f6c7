"""Building the real site with MkDocs and serving it on 127.0.0.1 for the browser tests."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks.serve import http_get
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


def build_site(destination: Path, config=None, env=None, cwd=ROOT) -> subprocess.CompletedProcess:
    result = mkdocs("build", "--strict", "-d", str(destination), config=config, env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def copy_project(destination: Path) -> Path:
    """A copy of the project's site inputs, for tests that change sources/ or docs/."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("mkdocs.yml", "docs", "sources"):
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


@contextmanager
def mkdocs_serve(project: Path, *options: str):
    """`mkdocs serve OPTIONS` of ``project`` on a free port of 127.0.0.1; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "mkdocs"), "serve", *options, "-a", f"127.0.0.1:{port}"],
        cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_for(url: str, predicate, seconds: float = 90) -> bytes:
    """The body of ``url`` once ``predicate(status, body)`` holds (polled)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, body = http_get(url, timeout=30)
        if predicate(status, body):
            return body
        time.sleep(0.2)
    raise AssertionError(f"{url} did not reach the expected state in {seconds} s")
