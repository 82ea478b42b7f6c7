"""The Report page and the answers' audit rows on the built site, in a real Chromium, in the light
and the dark palette: pictures with text alternatives and readable colours, figures that lead to
their prompts, the report in the nav and on the home page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_helpers import copy_project, mkdocs, serve
# Importing test_browser skips this module without Playwright; its recorder fixture keeps a
# screenshot of a failed test and records every console error.
from test_browser import recorder  # noqa: F401

TESTIMONY = Path(__file__).resolve().parent / "data" / "testimony"

#: The WCAG contrast ratio of two "rgb(…)" colours, and the colour behind an element.
_CONTRAST = """
const rgb = text => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
const luminance = ([r, g, b]) => [r, g, b].map(v => v / 255).map(
  v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
const ratio = (a, b) => { const [x, y] = [luminance(rgb(a)), luminance(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const behind = element => { for (let e = element; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
  if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
"""


@pytest.fixture(scope="module")
def report_site(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser-report")
    project = copy_project(base / "project")
    shutil.copytree(TESTIMONY / "dev", project / "sources" / "testimony")
    result = mkdocs("build", "--strict", "-d", str(base / "site"), cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    with serve(base / "site") as url:
        yield url


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_reports_pictures_have_text_alternatives_and_read_in_both_palettes(browser, report_site, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    errors = []
    try:
        page = context.new_page()
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(report_site + "report/")
        assert page.evaluate("() => document.body.dataset.mdColorScheme") == {"light": "default", "dark": "slate"}[scheme]
        charts = page.locator("figure.report-chart svg")
        assert charts.count() == 2
        for index in range(2):
            chart = charts.nth(index)
            assert chart.get_attribute("role") == "img"
            named = chart.evaluate("svg => svg.getAttribute('aria-labelledby').split(' ').map("
                                   "id => document.getElementById(id).textContent)")
            assert len(named) == 2 and all(len(text) > 20 for text in named)
            assert chart.bounding_box()["width"] > 300
            colours = chart.evaluate(_CONTRAST + """svg => ({
              text: ratio(getComputedStyle(svg.querySelector('text')).fill, behind(svg)),
              fills: [...new Set([...svg.querySelectorAll('rect[class*="report-doing"], rect[class*="report-not_doing"],'
                + ' rect.report-share')].map(r => getComputedStyle(r).fill))].map(f => ratio(f, behind(svg))),
            })""")
            assert colours["text"] >= 4.5, (scheme, colours)  # text: WCAG AA
            assert colours["fills"] and min(colours["fills"]) >= 3, (scheme, colours)  # graphics: WCAG 1.4.11
        matrix = page.locator(".report-matrix table")
        assert matrix.locator("tbody tr").count() >= 3 and matrix.locator("caption").inner_text()
        page.screenshot(path=str(Path(__file__).resolve().parent / "artifacts" / f"report-{scheme}.png"), full_page=False)
        assert errors == []
    finally:
        context.close()


def test_every_figure_leads_to_its_prompts_and_the_report_is_in_the_nav_and_on_home(recorder, report_site):
    page = recorder.page
    page.goto(report_site)
    page.locator(".home-card a", has_text="Report").click()
    page.wait_for_url(report_site + "report/")
    assert page.locator("nav.md-nav--primary a.md-nav__link", has_text="Report").count() >= 1
    row = page.locator("table tr", has_text="gpt-4o").last
    row.locator("a").nth(1).click()  # "give a workflow"
    section = page.locator("#answers-gpt-4o-workflow")
    assert section.is_visible() and "gpt-4o: give a workflow" in section.inner_text()
    prompts = section.locator("a")
    count = int(row.locator("a").nth(1).inner_text().split(" of ")[0])
    assert prompts.count() == count > 0
    prompts.first.click()
    page.wait_for_url(report_site + "prompts/**")
    audit = page.locator(".answer-audit").first
    assert audit.inner_text().startswith("Task ") and "Workflow" in audit.inner_text() and "Links:" in audit.inner_text()
    assert recorder.errors == []
