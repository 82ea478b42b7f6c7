"""What a visitor's browser fetches to show a page, and when it first paints: the home page and a
prompt page of a built site, in a real Chromium.

    .venv/bin/python -m benchmarks.page_weight SITE_DIR [--page prompts/000_39a63bbddd643d31/] [--runs 3]

Each run opens the page in a fresh browser context (empty cache), the site served from 127.0.0.1
by a thread of this process (no compression, as Python's server sends files), once as is and
once over a throttled network (Chrome DevTools' "Fast 4G": 9 Mbit/s down, 60 ms latency). After
the load event and a quiet network, it reads the Performance API: the bytes transferred (the
navigation and every resource, ``transferSize``), first-contentful-paint, and the scripts and
stylesheets Chromium counts as render-blocking (``renderBlockingStatus``) with their sizes. The
median of the runs is printed, one line per page and network.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, serve

PAGES = ("", "prompts/000_39a63bbddd643d31/")
#: Chrome DevTools' "Fast 4G" preset.
FAST_4G = {"offline": False, "latency": 60, "downloadThroughput": 9_000_000 / 8, "uploadThroughput": 1_500_000 / 8}

_MEASURE = """() => {
  const navigation = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    bytes: navigation.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    fcp_ms: paint ? paint.startTime : null,
    blocking: resources.filter(r => r.renderBlockingStatus === 'blocking')
                       .map(r => [new URL(r.name).pathname, r.encodedBodySize]),
    scripts: resources.filter(r => r.initiatorType === 'script' || /\\.js$/.test(r.name))
                      .map(r => [new URL(r.name).pathname, r.transferSize]),
  };
}"""


def measure(browser, url: str, network: dict | None) -> dict:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    if network:
        session = context.new_cdp_session(page)
        session.send("Network.enable")
        session.send("Network.emulateNetworkConditions", network)
    page.goto(url, wait_until="load", timeout=180_000)
    page.wait_for_load_state("networkidle")
    result = page.evaluate(_MEASURE)
    context.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--page", action="append", help="a page's path under the site (default: home and a seed)")
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with serve(arguments.site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for path in arguments.page or PAGES:
            for name, network in (("localhost", None), ("Fast 4G", FAST_4G)):
                runs = [measure(browser, base + path, network) for _ in range(arguments.runs)]
                bytes_ = statistics.median(r["bytes"] for r in runs)
                fcp = statistics.median(r["fcp_ms"] for r in runs if r["fcp_ms"] is not None)
                blocking = ", ".join(f"{p.rsplit('/', 1)[-1]} {size / 1024:.0f} KB" for p, size in runs[0]["blocking"])
                print(f"/{path} {name}: {bytes_ / 1024:,.0f} KB transferred, first contentful paint {fcp:,.0f} ms;"
                      f" render-blocking: {blocking or 'none'}")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
