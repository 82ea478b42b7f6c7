"""The top of a prompt page in a real Chromium, as a first-time visitor sees it: the verdict
they came for inside the first screen, in plain words, and the rest a jump away."""

from __future__ import annotations

import re

import pytest

from site_helpers import ScaleSite, serve
from test_browser import SEED_PAGE


def test_the_summary_card_is_within_the_first_screen_and_leads_to_each_section(browser, site_url):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(site_url + SEED_PAGE)
    card = page.locator("article .admonition.summary").first
    box = card.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 768, box
    text = card.inner_text()
    assert "The user wants: Super-resolution (clear" in text
    assert "Verdict: ✗ the recommended model does not do this task" in text
    assert "✗ Deblur-MSSNet-GoPro: a deblurring model" in text  # each model: mark and reason
    assert "1 recommended model (0 doing the task) · 3 related papers · 1 answer" in text
    for name, section in (("Workflow", "workflow"), ("References", "references"), ("Answers", "answers")):
        page.evaluate("() => scrollTo(0, 0)")
        card.get_by_role("link", name=name, exact=True).click()
        page.wait_for_function(f"() => {{ const r = document.getElementById('{section}').getBoundingClientRect();"
                               " return r.top > -2 && r.top < innerHeight; }", timeout=5000)
    # The task leads to its page; the model to its entry.
    assert card.get_by_role("link", name="Super-resolution").get_attribute("href").endswith("tasks/super_resolution/")
    assert card.get_by_role("link", name="Deblur-MSSNet-GoPro").get_attribute("href") == "#model-1"
    context.close()


def test_words_a_visitor_would_not_know_are_explained_and_abstracts_are_folded(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site_url + SEED_PAGE)
    article = page.locator("article").inner_text()
    assert "Qualifier" not in article and "What the question specifies" in article
    assert "CNAPS workflow: a network of AI models" in article
    assert "Other candidates" not in article and "Each task is scored on what points to it" in article
    summaries = page.locator("#references ~ details, article details")
    assert summaries.count() == 3  # one per entry with a summary: the three papers
    assert all(not summaries.nth(i).evaluate("d => d.open") for i in range(summaries.count()))
    # Each summary is a file the whole site shares, fetched into its box once the page is read.
    page.wait_for_function("() => !document.querySelector('article a.summary-file')", timeout=5000)
    first = summaries.first
    first.locator("summary").click()
    assert first.evaluate("d => d.open") and len(first.inner_text()) > 100
    summary = first.inner_text()
    context.close()
    # Without script, the box links to that file, which shows the same text.
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + SEED_PAGE)
    box = page.locator("article details").first
    box.locator("summary").click()
    link = box.get_by_role("link", name="Open the summary")
    assert "/assets/summaries/" in link.get_attribute("href")
    link.click()
    page.wait_for_load_state()
    assert page.title().startswith("Summary of ")
    shown = page.locator("main").inner_text()
    assert " ".join(shown.split()) == " ".join(summary.removeprefix("Summary").split())
    context.close()


#: The card's colours as drawn: its border, its title's text and background, the verdict line's
#: text, and the contrast of each text with what is behind it (the title's tint over the page).
CARD_COLOURS = """() => {
  const parse = c => { const p = c.match(/[\\d.]+/g).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const lum = c => c.slice(0, 3).map(v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
                    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const card = document.querySelector("article .admonition.summary");
  const title = card.querySelector(".admonition-title");
  const line = card.querySelector(".verdict-line");
  const page = parse(getComputedStyle(document.body).backgroundColor);
  const cardBg = over(parse(getComputedStyle(card).backgroundColor), page);
  const titleBg = over(parse(getComputedStyle(title).backgroundColor), cardBg);
  return {
    classes: card.className, border: getComputedStyle(card).borderLeftColor,
    title: contrast(parse(getComputedStyle(title).color), titleBg),
    line: contrast(parse(getComputedStyle(line).color), cardBg),
    icon: getComputedStyle(title, "::before").backgroundColor,
    mask: getComputedStyle(title, "::before").maskImage || getComputedStyle(title, "::before").webkitMaskImage,
    lineSize: parseFloat(getComputedStyle(line).fontSize), bodySize: parseFloat(getComputedStyle(document.querySelector("article p")).fontSize),
    text: line.innerText,
  };
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_card_takes_the_verdicts_colour_and_icon_with_readable_text(browser, site_url, scheme):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme=scheme)
    page = context.new_page()
    drawn = {}
    for prompt, verdict in (("000_39a63bbddd643d31", "does-not-fit"), ("003_7a8e5cf31d328f51", "fits")):
        page.goto(f"{site_url}prompts/{prompt}/")
        drawn[verdict] = page.evaluate(CARD_COLOURS)
        assert f"verdict-{verdict}" in drawn[verdict]["classes"]
    context.close()
    red, green = (tuple(int(v) for v in re.findall(r"\d+", drawn[v]["border"])[:3]) for v in ("does-not-fit", "fits"))
    assert red[0] > red[1] + 60 and green[1] > green[0] + 40, (red, green)  # ✗ red, ✓ green, not Material's blue
    assert drawn["does-not-fit"]["mask"] != drawn["fits"]["mask"]  # each its own icon
    for verdict, colours in drawn.items():
        assert colours["title"] >= 4.5 and colours["line"] >= 4.5, (scheme, verdict, colours)
        assert colours["lineSize"] >= colours["bodySize"], colours  # the verdict line at body size or more
    assert drawn["fits"]["text"].startswith("Verdict: ✓") and "do" in drawn["fits"]["text"]
    assert "does not do this task" in drawn["does-not-fit"]["text"]  # in words, not colour alone


#: Each verdict's colour: (red, green, blue) must hold for the card's border.
HUES = {"fits": lambda r, g, b: g > r + 40, "does-not-fit": lambda r, g, b: r > g + 60,
        "partly": lambda r, g, b: r > b + 60 and g > b + 20, "unknown": lambda r, g, b: max(r, g, b) - min(r, g, b) < 12,
        "unclear-task": lambda r, g, b: max(r, g, b) - min(r, g, b) < 12}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_verdict_of_the_1000_prompt_site_has_its_colour_and_readable_text(browser, tmp_path_factory, scheme):
    site = ScaleSite.start(tmp_path_factory.mktemp("scale")).path()
    examples = {}
    for page in sorted(site.glob("prompts/*/index.html")):
        found = re.search(r'admonition summary verdict-([a-z-]+)', page.read_text(encoding="utf-8"))
        if found:
            examples.setdefault(found.group(1), page.parent.name)
    assert set(examples) == set(HUES), examples
    context = browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme=scheme)
    page = context.new_page()
    with serve(site) as url:
        drawn = {}
        for verdict, prompt in examples.items():
            page.goto(f"{url}prompts/{prompt}/")
            drawn[verdict] = page.evaluate(CARD_COLOURS)
    context.close()
    for verdict, colours in drawn.items():
        assert HUES[verdict](*(int(v) for v in re.findall(r"\d+", colours["border"])[:3])), (verdict, colours)
        assert colours["title"] >= 4.5 and colours["line"] >= 4.5, (scheme, verdict, colours)
    assert len({colours["mask"] for colours in drawn.values()}) == 4  # ✓, ✗, ~ and "?" (twice)


def test_on_a_phone_the_verdict_is_well_within_the_first_screen(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    for prompt in ("000_39a63bbddd643d31", "002_60b490d2addfba6c"):  # the longest question of the seeds
        page.goto(f"{site_url}prompts/{prompt}/")
        box = page.locator("article .verdict-line").bounding_box()
        assert box and box["y"] + box["height"] <= 0.8 * 844, (prompt, box)
    context.close()


def test_breadcrumbs_and_jump_links_are_tap_targets_of_24_px(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site_url + SEED_PAGE)
    sizes = page.evaluate("""() => [...document.querySelectorAll(
        ".md-path__link, article .admonition.summary > p:last-child a")].map(a => {
          const r = a.getBoundingClientRect(); return [a.textContent.trim(), r.width, r.height]; })""")
    context.close()
    assert len(sizes) >= 6, sizes  # Home, Tasks, the task; Workflow, References, Answers
    assert all(width >= 24 and height >= 24 for _, width, height in sizes), sizes
