"""The workflow diagrams in a real Chromium, as a visitor reads them: labels large enough on a
desktop and a phone, whole, in colours that hold in both palettes, with a legend, and nodes
that lead to their References entries."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from site_helpers import ScaleSite, serve
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
  const lines = [...svg.querySelectorAll(".flowchart-link:not(.edge-thickness-invisible)")].map(p => contrast(getComputedStyle(p).stroke, background));
  const borders = [...svg.querySelectorAll("g.node :is(rect, polygon, path)")].map(p => contrast(getComputedStyle(p).stroke, background));
  return {
    sizes: labels.map(e => parseFloat(getComputedStyle(e).fontSize) * scale),
    texts: labels.map(e => e.textContent),
    fits: diagram.scrollWidth <= diagram.clientWidth + 1,
    scrollable: getComputedStyle(diagram).overflowX,
    lines, borders, background,
  };
}"""


def draw_diagram(page):
    """Scroll to the page's diagram (Mermaid is fetched when a diagram nears the screen) and wait
    until the script has drawn it."""
    page.locator("div.mermaid").first.scroll_into_view_if_needed()
    page.locator("div.mermaid.workflow-drawn svg g.node.workflow-leads").first.wait_for(state="attached", timeout=15000)


def open_diagram(browser, url, width, scheme="light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(url)
    draw_diagram(page)
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
    # Below the sticky header (48 px), not under it.
    page.wait_for_function("() => { const r = document.getElementById('model-1').getBoundingClientRect();"
                           " return r.top >= 48 && r.bottom < innerHeight; }", timeout=5000)
    assert page.url == url  # the address does not change
    # By keyboard: a technique's node, focused, Enter.
    page.evaluate("() => scrollTo(0, 0)")
    technique = page.locator(".mermaid svg g.node.workflow-leads.technique").first
    technique.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id.startsWith('paper-')", timeout=5000)
    assert page.locator(".mermaid svg a").count() == 0  # no link inside the drawing
    context.close()


SEED_PROMPTS = ("000_39a63bbddd643d31", "001_d18f79af084974a4", "002_60b490d2addfba6c", "003_7a8e5cf31d328f51",
                "004_343d4d4a0cf9dc44")
#: The diagram as drawn: how wide it is against its box, and its nodes' rows (the y of each).
DRAWN = """() => {
  const diagram = document.querySelector("div.mermaid");
  const svg = diagram.querySelector("svg");
  const boxes = [...svg.querySelectorAll("g.node")].map(n => n.getBoundingClientRect());
  const centre = (a, b) => Math.round((a + b) / 2);
  return {box: diagram.clientWidth, width: svg.getBoundingClientRect().width, nodes: boxes.length,
          rows: new Set(boxes.map(r => centre(r.top, r.bottom))).size,
          columns: new Set(boxes.map(r => centre(r.left, r.right))).size, scrolls: diagram.scrollWidth > diagram.clientWidth + 1};
}"""


def test_on_a_phone_every_seed_diagram_fits_in_one_column_with_labels_of_12_px(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    drawn = {}
    for prompt in SEED_PROMPTS:
        page.goto(f"{site_url}prompts/{prompt}/")
        draw_diagram(page)
        drawn[prompt] = {**page.evaluate(DRAWN), "sizes": page.evaluate(MEASURE)["sizes"]}
    context.close()
    for prompt, diagram in drawn.items():
        assert diagram["rows"] == diagram["nodes"], (prompt, diagram)  # top down, a node a row
        assert not diagram["scrolls"] and diagram["width"] <= diagram["box"], (prompt, diagram)
        assert min(diagram["sizes"]) >= 12, (prompt, diagram["sizes"])


def largest_diagrams(site: Path, count: int) -> list[str]:
    """The prompts of a built site whose diagrams have the most nodes (then the longest label),
    and as many again whose diagrams have the longest label (then the most nodes): the two ways a
    diagram outgrows a phone."""
    sizes = []
    for page in site.glob("prompts/*/index.html"):
        found = re.search(r'<div class="mermaid"[^>]*>(.*?)</div>', page.read_text(encoding="utf-8"), re.S)
        if found:
            source = html.unescape(found.group(1))
            nodes = len(re.findall(r"^\s+[a-z][a-z0-9]*[\[({]", source, re.M))
            sizes.append((nodes, max(len(line) for line in source.splitlines()), page.parent.name))
    most_nodes = [name for *_, name in sorted(sizes, reverse=True)]
    longest_label = [name for _, _, name in sorted(sizes, key=lambda size: (size[1], size[0], size[2]), reverse=True)]
    return list(dict.fromkeys(most_nodes[:count] + longest_label[:count]))


@pytest.fixture(scope="module")
def scale_site(tmp_path_factory):
    return ScaleSite.start(tmp_path_factory.mktemp("scale")).path()


def test_the_largest_diagrams_of_the_1000_prompt_site_fit_a_phone(browser, scale_site):
    prompts = largest_diagrams(scale_site, 6)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    wide = {}
    with serve(scale_site) as url:
        for prompt in prompts:
            page.goto(f"{url}prompts/{prompt}/")
            draw_diagram(page)
            drawn = {**page.evaluate(DRAWN), "sizes": page.evaluate(MEASURE)["sizes"]}
            if drawn["scrolls"] or drawn["rows"] != drawn["nodes"] or min(drawn["sizes"]) < 12:
                wide[prompt] = drawn
    context.close()
    assert 6 < len(prompts) <= 12 and wide == {}


def test_the_wider_layout_stays_on_a_desktop(browser, site_url):
    context, page = open_diagram(browser, site_url + SEED_PAGE, 1366)
    drawn = page.evaluate(DRAWN)
    context.close()
    assert drawn["columns"] < drawn["nodes"] and not drawn["scrolls"], drawn  # left to right, some side by side


def test_the_legend_shows_a_sample_of_each_style_beside_its_words(browser, site_url):
    context, page = open_diagram(browser, site_url + SEED_PAGE, 1280)
    samples = page.evaluate("""() => [...document.querySelectorAll(".workflow-legend .legend-sample")].map(s => {
        const r = s.getBoundingClientRect(), style = getComputedStyle(s);
        return [s.className, r.width, r.height, style.borderTopStyle, (s.nextSibling || {}).textContent || ""]; })""")
    context.close()
    kinds = {name.split("legend-")[-1] for name, *_ in samples}
    assert {"input", "mismatch", "gap", "technique", "line", "dotted"} <= kinds, samples
    assert all(width >= 10 and text.strip() for _, width, _, _, text in samples), samples
    styles = {name.split("legend-")[-1]: style for name, _, _, style, _ in samples}
    assert styles["mismatch"] == "dashed" and styles["dotted"] == "dotted" and styles["line"] == "solid"


#: Every script and stylesheet the page asked for: its address, bytes, and whether Chromium held
#: the first paint for it.
RESOURCES = """() => performance.getEntriesByType("resource").filter(r => /\\.(js|css)(\\?|$)/.test(r.name))
  .map(r => ({name: new URL(r.name).pathname, bytes: r.encodedBodySize, blocking: r.renderBlockingStatus}))"""


def test_only_a_page_with_a_diagram_loads_mermaid_and_only_when_the_diagram_nears(browser, site_url):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    for path in ("", "tasks/", "tasks/super_resolution/", "models/", "models/deblur-mssnet-gopro/", "papers/",
                 "answers/", "contribute/"):
        page.goto(site_url + path)
        page.wait_for_load_state("networkidle")
        names = [r["name"] for r in page.evaluate(RESOURCES)]
        assert not any("mermaid" in name or "workflow-diagrams" in name for name in names), (path, names)
    context.close()
    # On a phone the seed page's diagram is more than two screens down: not fetched until scrolled to.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site_url + SEED_PAGE)
    page.wait_for_load_state("networkidle")
    first = page.evaluate(RESOURCES)
    assert page.evaluate("() => document.querySelector('div.mermaid').getBoundingClientRect().top") > 2 * 844
    assert not any("mermaid" in r["name"] for r in first), first
    draw_diagram(page)
    later = page.evaluate(RESOURCES)
    context.close()
    assert any("mermaid-11" in r["name"] for r in later) and any("mermaid-strict" in r["name"] for r in later)
    own = [r for r in first + later if r["blocking"] == "blocking" and "/assets/" in r["name"]
           and not re.search(r"/(main|palette|bundle)\.[0-9a-f]+\.min\.(css|js)$", r["name"])]
    assert own and all(r["bytes"] <= 100 * 1024 for r in own), own  # the site's own render-blocking files
    assert all(r["blocking"] != "blocking" for r in later if r["name"].endswith(".js")), later
