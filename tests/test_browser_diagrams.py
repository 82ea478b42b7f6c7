"""The workflow diagrams in a real Chromium, as a visitor reads them: labels large enough on a
desktop and a phone, whole, in colours that hold in both palettes, with a legend, and nodes
that lead to their References entries."""

from __future__ import annotations

import pytest

from test_browser import SEED_PAGE

#: Each label's font size as drawn (its CSS size times the drawing's scale), the drawing's box,
#: and the contrast of every line and node border against the page.
MEASURE = """() => {
  const diagram = document.querySelector("div.mermaid");
  const svg = diagram.querySelector("svg");
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const labels = [...svg.querySelectorAll(".nodeLabel, .edgeLabel")].filter(e => e.textContent.trim());
  const rgb = c => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                                     .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const contrast = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const page = getComputedStyle(document.querySelector(".md-main") || document.body).backgroundColor;
  const background = rgb(page).length === 3 && !/rgba\\(0, 0, 0, 0\\)/.test(page) ? page : getComputedStyle(document.body).backgroundColor;
  const lines = [...svg.querySelectorAll(".flowchart-link")].map(p => contrast(getComputedStyle(p).stroke, background));
  const borders = [...svg.querySelectorAll("g.node :is(rect, polygon, path)")].map(p => contrast(getComputedStyle(p).stroke, background));
  return {
    sizes: labels.map(e => parseFloat(getComputedStyle(e).fontSize) * scale),
    texts: labels.map(e => e.textContent),
    fits: diagram.scrollWidth <= diagram.clientWidth + 1,
    scrollable: getComputedStyle(diagram).overflowX,
    lines, borders, background,
  };
}"""


def open_diagram(browser, url, width, scheme="light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(url)
    page.locator(".mermaid svg g.node.workflow-leads").first.wait_for(state="attached", timeout=15000)
    return context, page


@pytest.mark.parametrize("width", [1280, 390])
def test_labels_are_drawn_at_12_px_or_more_and_whole(browser, site_url, width):
    for prompt in ("000_39a63bbddd643d31", "004_343d4d4a0cf9dc44"):
        context, page = open_diagram(browser, f"{site_url}prompts/{prompt}/", width)
        drawn = page.evaluate(MEASURE)
        context.close()
        assert drawn["sizes"] and min(drawn["sizes"]) >= 12, (prompt, width, drawn["sizes"])
        assert not any(text.rstrip().endswith("…") for text in drawn["texts"]), drawn["texts"]
        assert drawn["fits"] or drawn["scrollable"] == "auto"  # what does not fit scrolls in its box


def test_lines_and_borders_hold_3_to_1_in_both_palettes_and_after_a_switch(browser, site_url):
    context, page = open_diagram(browser, site_url + SEED_PAGE, 1280, scheme="dark")
    dark = page.evaluate(MEASURE)
    assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == "slate"
    page.locator("label.md-header__button[for^='__palette']:visible").first.click()  # to light
    page.wait_for_function("() => document.body.getAttribute('data-md-color-scheme') === 'default'")
    light = page.evaluate(MEASURE)
    context.close()
    for palette in (dark, light):
        assert palette["lines"] and palette["borders"]
        assert min(palette["lines"] + palette["borders"]) >= 3, palette
    assert dark["background"] != light["background"]


def test_the_legend_names_every_node_and_line_style_the_diagram_uses(browser, site_url):
    context, page = open_diagram(browser, site_url + SEED_PAGE, 1280)
    kinds = set(page.evaluate("""() => [...document.querySelectorAll(".mermaid svg g.node")].flatMap(
        g => [...g.classList]).filter(c => ["input", "output", "model", "mismatch", "gap", "fuse", "technique"].includes(c))"""))
    dashed = page.locator(".mermaid svg .flowchart-link[class*='dotted'], .mermaid svg .flowchart-link[class*='dashed']").count()
    legend = page.locator(".workflow-legend").inner_text()
    context.close()
    words = {"input": "the input and the output", "output": "the input and the output", "model": "does the task",
             "mismatch": "does not do the task", "gap": "missing step", "fuse": "merge", "technique": "technique"}
    assert kinds >= {"input", "output", "mismatch", "gap", "technique"}
    for kind in kinds:
        assert words[kind] in legend, (kind, legend)
    assert "solid arrow" in legend and (dashed == 0 or "dotted arrow" in legend)


def test_a_node_leads_to_its_references_entry_without_leaving_the_page(browser, site_url):
    context, page = open_diagram(browser, site_url + SEED_PAGE, 1280)
    url = page.url
    node = page.locator(".mermaid svg g.node.workflow-leads", has_text="Deblur-MSSNet-GoPro").first
    assert node.get_attribute("role") == "button" and node.get_attribute("tabindex") == "0"
    node.click()
    entry = page.locator("#model-1")
    assert "MSSNet" in entry.inner_text() and entry.is_visible()
    # Scrolled to (the theme may scroll smoothly: wait until the entry is in view).
    page.wait_for_function("() => { const r = document.getElementById('model-1').getBoundingClientRect();"
                           " return r.top > -2 && r.top < innerHeight; }", timeout=5000)
    assert page.url == url  # the address does not change
    # By keyboard: a technique's node, focused, Enter.
    page.evaluate("() => scrollTo(0, 0)")
    technique = page.locator(".mermaid svg g.node.workflow-leads.technique").first
    technique.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id.startsWith('paper-')", timeout=5000)
    assert page.locator(".mermaid svg a").count() == 0  # no link inside the drawing
    context.close()
