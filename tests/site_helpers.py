"""Building the real site with MkDocs and serving it on 127.0.0.1 for the browser tests."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


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
    def log_message(self, *args):
        pass


@contextmanager
def serve(directory: Path, prefix: str = ""):
    """Serve ``directory`` at http://127.0.0.1:PORT/PREFIX/ in a thread; yields the base URL."""
    root = directory
    if prefix:
        root = directory.parent / (directory.name + "-served")
        (root / prefix).parent.mkdir(parents=True, exist_ok=True)
        if not (root / prefix).exists():
            (root / prefix).symlink_to(directory.resolve(), target_is_directory=True)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/"
        yield base + (prefix.strip("/") + "/" if prefix else "")
    finally:
        server.shutdown()
        server.server_close()
