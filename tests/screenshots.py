"""``make screenshots``: the pictures README and CONTRIBUTING show, made by a real Chromium from
what the project really produces, so that they stay true.

    .venv/bin/python tests/screenshots.py [--out docs/assets/screenshots]

- ``job-summary.png``: the job summary `make check` writes on GitHub, for a pull request that
  edits, answers, adds and deletes prompts. GitHub renders job summaries as GitHub-flavoured
  Markdown; here Python-Markdown renders the same text with a style close to GitHub's.
- ``home.png``: the site's home page, built by MkDocs from this project as it is (its
  ``sources/``), at 1280 px.
- ``prompt-page.png``: the first screen of a seed's prompt page at 1366×768 (the card at a
  glance), and ``prompt-diagram.png``: its workflow diagram with the legend, in the dark palette;
  ``prompt-diagram-phone.png``: a diagram on a 390×844 phone, drawn in one column.
- ``report.png``: the first screen of the Report page at 1280 px.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import markdown

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT)]  # tests/ helpers, benchmarks/

from site_helpers import CHROMIUM, CHROMIUM_ARGS, build_site, pull_request_repository, serve  # noqa: E402

GITHUB_STYLE = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328;
       margin: 0; padding: 24px; background: #fff; width: 1100px; }
.box { border: 1px solid #d1d9e0; border-radius: 6px; padding: 16px 24px; }
.head { color: #59636e; margin: -16px -24px 16px; padding: 8px 24px; border-bottom: 1px solid #d1d9e0;
        background: #f6f8fa; border-radius: 6px 6px 0 0; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin-top: 0; }
h3 { font-size: 1.25em; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; text-align: left; vertical-align: top; }
tr:nth-child(2n) { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%;
       font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
"""


def job_summary(work: Path) -> str:
    """The job summary of `make check BASE=main` on a pull request made from the seeds."""
    repository = work / "repository"
    pull_request_repository(repository)
    summary = work / "summary.md"
    environment = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
                   "GITHUB_WORKSPACE": str(repository)}
    subprocess.run([sys.executable, "-m", "generator", "check", "sources", "--base", "main"], cwd=repository,
                   env=environment, capture_output=True, text=True)
    return summary.read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "assets" / "screenshots")
    arguments = parser.parse_args()
    from playwright.sync_api import sync_playwright

    arguments.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        body = markdown.markdown(job_summary(Path(scratch)), extensions=["tables"])
        html = (f"<!doctype html><meta charset=utf-8><style>{GITHUB_STYLE}</style>"
                f"<div class=box><div class=head>make test, mkdocs build --strict summary</div>{body}</div>")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1150, "height": 600}, device_scale_factor=1)
            page.set_content(html)
            page.locator(".box").screenshot(path=str(arguments.out / "job-summary.png"))
            site_pages(browser, Path(scratch), arguments.out)
            browser.close()
    print(f"wrote job-summary.png, home.png, prompt-page.png, prompt-diagram.png, prompt-diagram-phone.png and report.png into {arguments.out}")
    return 0


SEED_PAGE = "prompts/000_39a63bbddd643d31/"
PHONE_DIAGRAM_PAGE = "prompts/001_d18f79af084974a4/"  # three techniques, a clean-up step, a missing step


def site_pages(browser, scratch: Path, out: Path) -> None:
    """The home page and a prompt page of the site as `make site` builds it, as a first-time
    visitor sees them."""
    build_site(scratch / "site")
    with serve(scratch / "site") as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / "home.png"), full_page=True)
        page.close()
        page = browser.new_page(viewport={"width": 1366, "height": 768}, device_scale_factor=1)
        page.goto(url + SEED_PAGE)
        page.screenshot(path=str(out / "prompt-page.png"))
        page.close()
        page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1, color_scheme="dark")
        page.goto(url + SEED_PAGE)
        _draw_diagram(page)
        diagram = page.locator("div.mermaid").first
        box, legend = diagram.bounding_box(), page.locator(".workflow-legend").first.bounding_box()
        page.screenshot(path=str(out / "prompt-diagram.png"), full_page=True,
                        clip={"x": box["x"], "y": box["y"], "width": box["width"],
                              "height": legend["y"] + legend["height"] - box["y"]})
        page.close()
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True)
        page.goto(url + PHONE_DIAGRAM_PAGE)
        _draw_diagram(page)
        page.locator("div.mermaid").first.screenshot(path=str(out / "prompt-diagram-phone.png"))
        page.close()
        page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        page.goto(url + "report/")
        page.screenshot(path=str(out / "report.png"))
        page.close()


def _draw_diagram(page) -> None:
    """Mermaid is fetched when a diagram nears the screen: scroll to it, wait until it is drawn."""
    page.locator("div.mermaid").first.scroll_into_view_if_needed()
    page.locator("div.mermaid.workflow-drawn svg g.node").first.wait_for(state="attached", timeout=15000)

if __name__ == "__main__":
    sys.exit(main())
