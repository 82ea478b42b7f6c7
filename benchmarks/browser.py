"""Search at scale in a real Chromium: how long the index takes to load, each query, and (Pagefind)
the bytes a query's first results transfer.

    .venv/bin/python -m benchmarks.browser SITE_DIR [--query MSSNet --query upscale ...]

Same browser set-up as the site's tests (``tests/site_helpers.py``): Debian's Chromium,
headless, the site served from 127.0.0.1 by a thread of this process.

- Index load: a fresh browser context (empty cache) opens the home page; the time from the
  start of navigation until Material's search says "Type to start searching" (the worker
  has fetched ``search/search_index.json`` and built its index). The fetch itself is
  reported apart (resource timing), so the rest is the worker's indexing.
- Query: with the index loaded, the search field gets the whole query and a ``keyup`` (what
  Material listens to); the time until the result list is rendered, measured in the page
  (``performance.now()``, after two animation frames, i.e. painted). Also the time for the
  query typed key by key (``keyboard.type``), until the same final results are shown:
  every prefix is searched too, as for a user typing; and, typing like a person (a key every
  120 ms), the time from the last key to the final results.
- Bytes per query (Pagefind, the plugin's ``search: pagefind``): for each query, a fresh browser
  context (empty cache) opens the home page and waits until its network is quiet; then the
  query is typed like a person, and once the results have stayed the same for three quarters
  of a second, the bytes transferred since the first key (Playwright's sizes of the page's and
  its workers' requests; a worker's own script, which it reports as 0, counted from the file)
  are what the query's first results cost: Pagefind's script, WebAssembly and index entry
  (loaded when the search box is focused), the index chunks the typed prefixes needed, and the
  data of the results shown. Python's server sends no compression, as a worst case.

With Pagefind there is no whole index to load: "index load" is then the time until the search
box is ready, and the index's size is the bytes of ``site/pagefind/``.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import statistics
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
DEFAULT_QUERIES = ("MSSNet", "upscale", "depth", "video generation")
#: Between keys when typing like a person (about 8 keys a second).
HUMAN_KEY_DELAY_MS = 120

_READY = """() => {
  const meta = document.querySelector('.md-search-result__meta');
  return meta && meta.textContent.trim() !== '' && !/initiali[sz]ing/i.test(meta.textContent)
    ? performance.now() : false;
}"""

_INDEX_TIMING = """() => {
  const entry = performance.getEntriesByType('resource').find(e => e.name.includes('search_index.json'));
  return entry ? {fetch_start_ms: entry.startTime, response_end_ms: entry.responseEnd,
                  transfer_bytes: entry.transferSize, decoded_bytes: entry.decodedBodySize} : null;
}"""

# Set the query in one go, fire the keyup Material listens to, resolve once results are painted.
#: What the search box says while it shows the hubs a query names and searches every page
#: (docs/assets/javascripts/search-pagefind.js).
SEARCHING = "Searching every page…"

_QUERY = """(query) => new Promise(resolve => {
  const SEARCHING = %s;
  const input = document.querySelector('input.md-search__input');
  const output = document.querySelector('.md-search-result');
  const list = document.querySelector('.md-search-result__list');
  const meta = document.querySelector('.md-search-result__meta');
  const before = meta.textContent;
  let finished = false;
  const finish = (timeout) => {
    if (finished) return;
    finished = true;
    observer.disconnect();
    requestAnimationFrame(() => requestAnimationFrame(() => resolve({
      ms: timeout ? null : performance.now() - t0,
      timeout: !!timeout,
      meta: meta.textContent.trim(),
      items: list.children.length,
      first: list.querySelector('a') ? list.querySelector('a').getAttribute('href') : null,
    })));
  };
  // On a site whose index is in parts, the hubs the query names are shown while the rest is
  // searched for (search-pagefind.js): those are not the query's results yet.
  const observer = new MutationObserver(() => {
    if ((list.children.length || meta.textContent !== before) && meta.textContent !== SEARCHING) finish(false);
  });
  observer.observe(output, {childList: true, subtree: true, characterData: true});
  const t0 = performance.now();
  input.value = query;
  input.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true, key: query.slice(-1)}));
  setTimeout(() => finish(true), 30000);
})""" % json.dumps(SEARCHING)

#: Pagefind's files, by what they are (the rest: its script, WebAssembly, entry and metadata).
#: What each of Pagefind's requests is, by its path; an index in parts has the same folders in
#: each part's (pagefind/part-2/…).
_PAGEFIND_KINDS = tuple((kind, re.compile(rf"/pagefind/(?:part-\d+/)?{folder}"))
                        for kind, folder in (("index", "index/"), ("fragment", "fragment/"), ("filter", "filter/"),
                                             ("pagefind", "")))

_RESULTS = """() => [...document.querySelectorAll('.md-search-result__item > a')].map(a => a.getAttribute('href'))"""

_CLEAR = """() => {
  const input = document.querySelector('input.md-search__input');
  input.value = '';
  input.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true, key: 'Backspace'}));
}"""

_CLEARED = """() => document.querySelector('.md-search-result__list').children.length === 0"""

_SHOWS = """([meta, first]) => {
  const list = document.querySelector('.md-search-result__list');
  const a = list.querySelector('a');
  return (meta === null || document.querySelector('.md-search-result__meta').textContent.trim() === meta)
    && (a ? a.getAttribute('href') : null) === first;
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(directory: Path):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def _median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None


def _renderer_rss_mb() -> float | None:
    """Resident memory of the Chromium renderer processes started by this process (MB)."""
    me, total, found = os.getpid(), 0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"--type=renderer" not in (entry / "cmdline").read_bytes():
                continue
            pid = int(entry.name)
            while pid > 1 and pid != me:  # is it a descendant of this process?
                pid = int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if pid != me:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    found = True
        except (OSError, ValueError, IndexError):
            continue
    return round(total / 1024, 1) if found else None


class _Tab:
    """A fresh browser context on the home page, waited on until the search index is ready."""

    def __init__(self, browser, url: str, index: Path | None = None):
        self.crashed = False
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        if index is not None:  # try another search index on the same site
            body = index.read_bytes()
            self.context.route("**/search/search_index.json",
                               lambda route: route.fulfill(status=200, body=body, content_type="application/json"))
        self.page = self.context.new_page()
        self.page.on("crash", lambda *_: setattr(self, "crashed", True))
        start = time.perf_counter()
        self.page.goto(url, wait_until="domcontentloaded")
        ready_ms = self.page.wait_for_function(_READY, polling="raf", timeout=600_000).json_value()
        wall = time.perf_counter() - start
        timing = self.page.evaluate(_INDEX_TIMING) or {}
        self.load = {
            "ready_ms": round(ready_ms, 1),  # from navigation start, in the page's clock
            "wall_s": round(wall, 3),
            "index_fetched_ms": round(timing.get("response_end_ms", 0), 1) or None,
            "index_build_ms": round(ready_ms - timing["response_end_ms"], 1) if timing else None,
            "transfer_bytes": timing.get("transfer_bytes"),
            "renderer_rss_mb": _renderer_rss_mb(),
        }
        self.page.keyboard.press("/")
        self.page.locator("input.md-search__input").wait_for(state="visible")

    def clear(self):
        self.page.evaluate(_CLEAR)
        self.page.wait_for_function(_CLEARED, polling="raf")

    def close(self):
        try:
            self.context.close()
        except Exception:  # noqa: BLE001 - a crashed context may refuse to close
            pass


def body_bytes(request, site: Path) -> int:
    """The bytes of a finished request's response body. Playwright reports 0 for a worker's own
    script (Pagefind's pagefind-worker.js, 41 KB), which Chromium does fetch: such a body is the
    file's size in ``site``, which Python's server sends as it is."""
    size = request.sizes()["responseBodySize"]
    if size == 0:
        path = site / urllib.parse.unquote(urllib.parse.urlsplit(request.url).path).lstrip("/")
        if path.is_file():
            size = path.stat().st_size
    return size


def first_results_bytes(browser, url: str, query: str, site: Path) -> dict:
    """The bytes a first query of a fresh visit transfers, typed like a person, until its
    results stay the same for three quarters of a second (see the module's docstring)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        finished = []  # Playwright reports the requests of the page's workers too (Pagefind's)
        page.on("requestfinished", lambda request: finished.append(request))
        page.keyboard.press("/")
        page.locator("input.md-search__input").wait_for(state="visible")
        page.keyboard.type(query, delay=HUMAN_KEY_DELAY_MS)
        previous, steady = None, 0
        for _ in range(240):  # a minute at most
            page.wait_for_timeout(250)
            current = page.evaluate(_RESULTS)
            steady = steady + 1 if current == previous else 0
            if steady >= 3 and current:
                break
            previous = current
        else:
            return {"bytes": None, "error": "the results never settled"}
        page.wait_for_load_state("networkidle")
        by_kind = dict.fromkeys([kind for kind, _ in _PAGEFIND_KINDS] + ["other"], 0)
        for request in finished:
            sizes = request.sizes()
            path = request.url.split("//", 1)[-1].partition("/")[2]
            kind = next((kind for kind, folder in _PAGEFIND_KINDS if folder.search("/" + path)), "other")
            by_kind[kind] += body_bytes(request, site) + sizes["responseHeadersSize"]
        return {"bytes": sum(by_kind.values()), "requests": len(finished), "by_kind": by_kind,
                "results": len(current), "first": current[0]}
    finally:
        context.close()


def _query_figures(tab: _Tab, query: str, repeats: int) -> dict:
    page = tab.page
    runs = []
    for _ in range(repeats):
        tab.clear()
        runs.append(page.evaluate(_QUERY, query))
    final = runs[-1]
    figures = {
        "ms": [None if r["ms"] is None else round(r["ms"], 1) for r in runs],
        "ms_median": _median(r["ms"] for r in runs),
        "results": final["meta"],
        "first": final["first"],
    }

    def until_final(type_query, first_only: bool = False) -> float | None:
        """Milliseconds from the start ``type_query`` gives until the query's results are shown
        (``first_only``: until their first result is, as the hubs shown meanwhile have it)."""
        tab.clear()
        page.locator("input.md-search__input").focus()
        start = type_query()
        try:
            page.wait_for_function(_SHOWS, arg=[None if first_only else final["meta"], final["first"]],
                                   polling="raf", timeout=60_000)
        except Exception:  # noqa: BLE001 - reported as a missing figure
            if tab.crashed:
                raise
            return None
        return round((time.perf_counter() - start) * 1000, 1)

    def typed():
        start = time.perf_counter()
        page.keyboard.type(query)
        return start

    def like_a_person():
        page.keyboard.type(query[:-1], delay=HUMAN_KEY_DELAY_MS)
        page.wait_for_timeout(HUMAN_KEY_DELAY_MS)
        start = time.perf_counter()
        page.keyboard.type(query[-1])
        return start

    figures["typed_ms"] = [until_final(typed) for _ in range(repeats)]
    figures["typed_ms_median"] = _median(figures["typed_ms"])
    figures["last_key_ms"] = [until_final(like_a_person) for _ in range(repeats)]
    figures["last_key_ms_median"] = _median(figures["last_key_ms"])
    figures["first_result_ms"] = [until_final(like_a_person, first_only=True) for _ in range(repeats)]
    figures["first_result_ms_median"] = _median(figures["first_result_ms"])
    figures["renderer_rss_mb"] = _renderer_rss_mb()
    return figures


def measure_search(site: Path, queries=DEFAULT_QUERIES, loads: int = 3, repeats: int = 3,
                   log=lambda message: None, index: Path | None = None) -> dict:
    """Index load ``loads`` times (fresh contexts), then each query ``repeats`` times each way.

    A renderer crash (Chromium running out of memory on a big index) is recorded, not raised:
    the query it happened in gets ``crashed``, and a fresh tab loads the index for the next."""
    from playwright.sync_api import sync_playwright

    served_index = index
    index = index or site / "search" / "search_index.json"
    bundle = site / "pagefind"
    pagefind = served_index is None and bundle.is_dir()
    result: dict = {"engine": "pagefind" if pagefind else "material", "index_bytes": index.stat().st_size,
                    "index_docs": None, "loads": [], "queries": {}, "crashes": []}
    try:
        if pagefind:
            result["index_bytes"] = sum(path.stat().st_size for path in bundle.rglob("*") if path.is_file())
            entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
            result["index_docs"] = entry["languages"]["en"]["page_count"]
        else:
            result["index_docs"] = len(json.loads(index.read_text(encoding="utf-8"))["docs"])
    except (OSError, ValueError, KeyError):
        pass
    with serve(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        tab = None
        try:
            for trial in range(loads):
                if tab:
                    tab.close()
                log(f"search: loading the index ({trial + 1}/{loads})")
                try:
                    tab = _Tab(browser, url, served_index)
                except Exception as error:  # noqa: BLE001 - recorded
                    result["crashes"].append({"during": f"index load {trial + 1}", "error": repr(error)[:300]})
                    tab = None
                    continue
                result["loads"].append(tab.load)
            for query in queries:
                log(f"search: {query!r}")
                if pagefind:
                    try:
                        first = first_results_bytes(browser, url, query, site)
                    except Exception as error:  # noqa: BLE001 - recorded
                        first = {"bytes": None, "error": repr(error)[:300]}
                try:
                    if tab is None or tab.crashed:
                        if tab:
                            tab.close()
                        tab = _Tab(browser, url, served_index)
                    result["queries"][query] = _query_figures(tab, query, repeats)
                    if pagefind:
                        result["queries"][query]["first_results"] = first
                except Exception as error:  # noqa: BLE001 - recorded
                    crashed = bool(tab and tab.crashed)
                    result["crashes"].append({"during": f"query {query!r}", "renderer_crashed": crashed,
                                              "error": repr(error)[:300]})
                    result["queries"][query] = {"ms_median": None, "crashed": crashed, "error": repr(error)[:300]}
                    if tab:
                        tab.close()
                    tab = None
        finally:
            if tab:
                tab.close()
            browser.close()
    result["index_ready_ms_median"] = _median(l["ready_ms"] for l in result["loads"])
    result["index_build_ms_median"] = _median(l["index_build_ms"] for l in result["loads"])
    result["renderer_rss_mb_max"] = max(
        [l["renderer_rss_mb"] or 0 for l in result["loads"]]
        + [q.get("renderer_rss_mb") or 0 for q in result["queries"].values()], default=None) or None
    if pagefind:
        first = [q.get("first_results", {}).get("bytes") for q in result["queries"].values()]
        result["first_results_bytes_max"] = max(first) if first and None not in first else None
    for key in ("ms_median", "typed_ms_median", "last_key_ms_median", "first_result_ms_median"):
        values = [q.get(key) for q in result["queries"].values()]
        name = {"ms_median": "query_ms_max", "typed_ms_median": "typed_ms_max",
                "last_key_ms_median": "last_key_ms_max", "first_result_ms_median": "first_result_ms_max"}[key]
        # None when any query has no figure: a crash or a timeout is not "fast".
        result[name] = max(values) if values and None not in values else None
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.browser", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path, help="a built site (the folder holding index.html)")
    parser.add_argument("--query", action="append", dest="queries", help="a query (repeatable)")
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--index", type=Path, default=None,
                        help="serve this file as search/search_index.json instead (to try a smaller index)")
    arguments = parser.parse_args(argv)
    result = measure_search(arguments.site, arguments.queries or DEFAULT_QUERIES, arguments.loads, arguments.repeats,
                            lambda message: print(message, file=sys.stderr, flush=True), arguments.index)
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
