"""The site's own markup and styles through axe-core (4.14.1, vendored for the tests only in
tests/vendor/axe-core/), in a real Chromium: light on a phone and dark on a desktop, on the home page,
a prompt page with answers, a task page, a model page and the report of unsupported citations.

Material's own findings are left out, each by its rule and the element it is about (ARCHITECTURE.md lists
them): the search dialog's missing name, the footer's copyright at 4.47:1, and links in running
text told apart by colour only (Material's link colour).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from test_browser import unsupported_site  # noqa: F401 - the fixture: the seeds plus answers citing other links
from test_browser_diagrams import draw_diagram

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PAGES = ("", "prompts/000_39a63bbddd643d31/", "prompts/003_7a8e5cf31d328f51/", "tasks/super_resolution/",
         "models/deblur-mssnet-gopro/", "answers/", "report/")
#: (rule, the start of the element's selector as axe gives it): Material's own markup.
MATERIAL = {("aria-dialog-name", ".md-search"), ("color-contrast", ".md-copyright"), ("link-in-text-block", "")}

RUN_AXE = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .flatMap(v => v.nodes.map(n => [v.id, n.target.join(" "), n.failureSummary.split("\\n").slice(1, 2).join("")]))"""


def violations(page, url: str) -> list[list[str]]:
    page.goto(url)
    if page.locator("div.mermaid").count():
        draw_diagram(page)
        page.evaluate("() => scrollTo(0, 0)")
    # Back at the top, Material's header fades the page's title out and the site's in: contrast is
    # read once every transition has ended, not from a colour half-way.
    page.wait_for_function("() => !document.querySelector('.md-header__title--active')")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")
    page.add_script_tag(path=str(AXE))
    return [found for found in page.evaluate(RUN_AXE)
            if not any(found[0] == rule and found[1].startswith(element) for rule, element in MATERIAL)]


#: Each palette and each width once: the palette decides the contrast, the width the layout (the
#: phone's drawer, the desktop's sidebars).
@pytest.mark.parametrize(("width", "scheme"), [(1366, "dark"), (390, "light")])
def test_axe_finds_nothing_in_the_sites_own_markup(browser, site_url, unsupported_site, scheme, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 844}, color_scheme=scheme)
    page = context.new_page()
    found = {path: violations(page, site_url + path) for path in PAGES}
    # An answer citing links that are not in its sources: the "⚠ not in the sources" marks.
    found["fixture-upscale"] = violations(page, unsupported_site + "prompts/fixture-upscale/")
    context.close()
    assert {path: items for path, items in found.items() if items} == {}
