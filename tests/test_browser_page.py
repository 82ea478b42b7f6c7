"""The top of a prompt page in a real Chromium, as a first-time visitor sees it: the verdict
they came for inside the first screen, in plain words, and the rest a jump away."""

from __future__ import annotations

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
    first = summaries.first
    first.locator("summary").click()
    assert first.evaluate("d => d.open") and len(first.inner_text()) > 100
    context.close()
