"""`make serve` at scale: how long the first serve takes, and how long from saving one prompt until
the server serves its new page, every index page listing it, and a search index with the change.

    .venv/bin/python -m benchmarks.serve PROJECT [--edits 5]  # --edits 0: the first serve alone

PROJECT holds mkdocs.yml, docs/ and sources/ (benchmarks/run.py makes one per size). The server
is `mkdocs serve --dirty` on a free port. Each edit puts a word no page has at the start of one
prompt's question (so in its title, which the index pages list) and saves the file; the clock
runs from the moment the file is closed. While MkDocs rebuilds, the server holds requests and
answers them when the build is done, so polling the page every 50 ms shows the new page at
most 50 ms after it is served (polling more often slows the server's own watcher); the index pages and the search index are fetched then (they are
written by the same build) and checked for the word too. Then a new prompt is added (a copy of
the first edited one, with a word of its own) and deleted again, each timed the same way: until
its page, every index page listing it and the search index are served with it, then without
it. Prints one JSON object. The edits are undone before it exits.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

POLL_S = 0.05


def http_get(url: str, timeout: float = 600) -> tuple[int, bytes]:
    """(status, body); status 0 when nothing answers (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except OSError:
        return 0, b""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def project_environment() -> dict[str, str]:
    """The environment MkDocs runs in here: the project's own cache folder (mkdocs.yml's default,
    which the benchmark measures and removes), whatever PROMPT_PAGES_CACHE says outside."""
    return {**{name: value for name, value in os.environ.items() if name != "PROMPT_PAGES_CACHE"},
            "NO_MKDOCS_2_WARNING": "1"}


@contextmanager
def mkdocs_serve(project: Path, *options: str, log_file: Path | None = None, port: int | None = None):
    """`mkdocs serve OPTIONS` of ``project`` on ``port`` (a free one by default) of 127.0.0.1, its
    output to ``log_file`` if given; yields its base URL."""
    port = port or free_port()
    with open(log_file, "w") if log_file else open(os.devnull, "w") as output:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "mkdocs"), "serve", *options, "-a", f"127.0.0.1:{port}"],
            cwd=project, stdout=output, stderr=output, env=project_environment(),
        )
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            server.terminate()
            server.wait(timeout=30)


def _until(url: str, predicate, started: float, limit_s: float) -> float:
    """Seconds from ``started`` until ``predicate(status, body)`` holds for ``url``."""
    while True:
        status, body = http_get(url)
        now = time.perf_counter()
        if predicate(status, body):
            return now - started
        if now - started > limit_s:
            raise TimeoutError(f"{url} did not change in {limit_s} s")
        time.sleep(POLL_S)


def _listing_pages(project: Path, prompts: list[Path]) -> dict[Path, list[str]]:
    """The URLs of the index pages that list each prompt (from the generator, as the plugin makes them)."""
    from generator.site import generate_site

    site = generate_site([str(project / "sources")], check_html=False)
    listing = {}
    for prompt in prompts:
        slug = _slug(project, prompt)
        listing[prompt] = [re.sub(r"(index)?\.md$", "", page.path) + ("" if page.path.endswith("index.md") else "/")
                           for page in site.pages
                           if not page.path.startswith("prompts/") and f"prompts/{slug}.md" in page.markdown]
    return listing


def measure_first_serve(project: Path, log=print, log_file: Path | None = None, port: int | None = None) -> dict:
    """The first serve alone: from starting ``mkdocs serve --dirty`` until a prompt's page is
    served. The port is part of the site's address: a serve on the port of an earlier one finds
    the cache it left (the plugin's ``cache``)."""
    prompt = sorted((project / "sources").glob("*.txt"))[0]
    started = time.perf_counter()
    with mkdocs_serve(project, "--dirty", log_file=log_file, port=port) as base:
        first_serve = _until(base + f"prompts/{_slug(project, prompt)}/", lambda s, b: s == 200, started, 3600)
    log(f"first serve {first_serve:.1f} s")
    return {"first_serve_s": round(first_serve, 2)}


def measure(project: Path, edits: int, log=print, log_file: Path | None = None, port: int | None = None) -> dict:
    """The first serve, then ``edits`` saved prompts, one added and deleted (none: the first serve alone)."""
    if edits == 0:
        return measure_first_serve(project, log, log_file, port)
    prompts = sorted((project / "sources").glob("*.txt"))
    chosen = [prompts[(i * 7919) % len(prompts)] for i in range(edits)]
    originals = {path: path.read_bytes() for path in chosen}
    # The prompt added later, written now so that the index pages listing it are known, then
    # kept outside sources/ until it is added.
    added = project / "sources" / f"zz-added-{os.getpid()}.txt"
    added_word = f"Zqxadded{os.getpid()}"
    added.write_text(_with_word(originals[chosen[0]].decode("utf-8"), added_word), encoding="utf-8")
    listing = _listing_pages(project, [*chosen, added])
    waiting = project / added.name
    added.rename(waiting)
    started = time.perf_counter()
    results = []
    try:
        with mkdocs_serve(project, "--dirty", log_file=log_file, port=port) as base:
            first_slug = _slug(project, chosen[0])
            first_serve = _until(base + f"prompts/{first_slug}/", lambda s, b: s == 200, started, 3600)
            log(f"first serve {first_serve:.1f} s")
            if json.loads(http_get(base + "search/search_index.json")[1] or b"{}").get("docs") == []:
                # Pagefind's index (search: pagefind), written after the first build
                _until(base + "pagefind/pagefind-entry.json", lambda s, b: s == 200, started, 3600)
            time.sleep(2)  # the watcher's first look at the files
            for number, path in enumerate(chosen):
                word = f"Zqx{number}{os.getpid()}"
                before = _search_state(base)
                with open(path, "w", encoding="utf-8") as stream:
                    stream.write(_with_word(originals[path].decode("utf-8"), word))
                results.append(_served(base, project, path, listing[path], word, True, time.perf_counter(), before))
                log(f"edit {number + 1}: " + _said(results[-1]))
                time.sleep(1)
            before = _search_state(base)
            waiting.rename(added)
            addition = _served(base, project, added, listing[added], added_word, True, time.perf_counter(), before)
            log("added: " + _said(addition))
            time.sleep(1)
            before = _search_state(base)
            added.unlink()
            deletion = _served(base, project, added, listing[added], added_word, False, time.perf_counter(), before)
            log("deleted: " + _said(deletion))
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
        for path in (added, waiting):
            path.unlink(missing_ok=True)
    every = [r["all_s"] for r in results]
    # MkDocs logs how long each build took: the first, then one per edit (or more, if a save
    # was seen twice); the rest of each edit's time is the watcher seeing the change.
    builds = [float(t) for t in re.findall(r"Documentation built in ([\d.]+) seconds", Path(log_file).read_text())] \
        if log_file else []
    return {"first_serve_s": round(first_serve, 2), "edits": results, "builds_s": builds,
            "edit_all_s_median": round(statistics.median(every), 3), "edit_all_s_max": round(max(every), 3),
            "added": addition, "deleted": deletion}


def _with_word(text: str, word: str) -> str:
    """The prompt with ``word`` at the start of its question (so in its title too)."""
    return re.sub(r'(question:\s*\n")', lambda m: m.group(1) + word + " ", text, count=1)


def _search_state(base: str) -> bytes | None:
    """Pagefind's entry file as served (it names a hash of the whole index), or None with Material's search."""
    status, body = http_get(base + "pagefind/pagefind-entry.json")
    return body if status == 200 else None


def _served(base: str, project: Path, path: Path, listing: list[str], word: str, present: bool,
            saved: float, search_before: bytes | None) -> dict:
    """Seconds from ``saved`` until the prompt's page, its index pages and the search index are
    served with ``word`` (``present``), or without it and without the page. With Pagefind, the
    search index has followed when its entry file names another index than ``search_before``."""
    def shown(status: int, body: bytes) -> bool:
        return (word.encode() in body) == present

    page = _until(base + f"prompts/{_slug(project, path)}/",
                  shown if present else (lambda s, b: s == 404), saved, 120)
    indexes = max((_until(base + url, shown, saved, 120) for url in listing), default=page)
    if search_before is None:
        search = _until(base + "search/search_index.json", shown, saved, 120)
    else:
        search = _until(base + "pagefind/pagefind-entry.json", lambda s, b: s == 200 and b != search_before, saved, 300)
    return {"prompt": path.name, "page_s": round(page, 3), "index_pages_s": round(indexes, 3),
            "index_pages": len(listing), "search_index_s": round(search, 3),
            "all_s": round(max(page, indexes, search), 3)}


def _said(result: dict) -> str:
    return (f"page {result['page_s']:.2f} s, {result['index_pages']} index pages {result['index_pages_s']:.2f} s, "
            f"search index {result['search_index_s']:.2f} s")


def _slug(project: Path, prompt: Path) -> str:
    from generator.files.sources import slug_for

    return slug_for(prompt, project / "sources")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--log", type=Path, default=None, help="write the server's log here")
    parser.add_argument("--port", type=int, default=None, help="serve on this port (default: a free one)")
    arguments = parser.parse_args(argv)
    result = measure(arguments.project.resolve(), arguments.edits, log=lambda m: print(m, file=sys.stderr),
                     log_file=arguments.log, port=arguments.port)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
