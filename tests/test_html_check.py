"""The HTML side of the provenance check in `python -m generator check|build|export`: every
prompt page rendered to HTML and its links checked, on every core when there are many."""

from __future__ import annotations

import pytest
from conftest import ROOT, SEEDS

from generator import site as site_module
from generator.pipeline import generate, with_html_links
from generator.site import generate_site
from generator.files.sources import SourceFile
from generator.runtime.workers import usable_cpus


def test_many_pages_checked_on_every_core_give_what_one_page_at_a_time_gives(corpus_for_workers):
    if usable_cpus() < 2:
        pytest.skip("one core: the pages are rendered in this process")
    site = generate_site([str(corpus_for_workers)])
    assert len(site.results) == 40
    assert any(result.problems for result in site.results)
    for result in site.results:
        alone = generate(result.source)  # rendered and checked here, one page
        assert (result.problems, result.links) == (alone.problems, alone.links), result.source.path


def test_a_link_only_the_html_shows_is_a_problem():
    seed = SEEDS[0]
    result = generate(SourceFile(str(seed), "s", seed.read_text(encoding="utf-8")), check_html=False)
    assert with_html_links(result, list(result.links)) is result
    checked = with_html_links(result, ["https://evil.example/x", *result.links, "javascript:alert(1)"])
    assert checked.links == (*result.links, "https://evil.example/x", "javascript:alert(1)")
    assert [str(p) for p in checked.problems[len(result.problems):]] == [
        f"{seed}: link https://evil.example/x is not in the source block",
        f"{seed}: link 'javascript:alert(1)' is not an http(s) link",
    ]


def test_a_page_that_cannot_be_rendered_is_a_problem_of_its_prompt_and_the_others_go_on(monkeypatch):
    real = site_module.rendered_links
    broken_page = f"# {SEEDS[0].read_text(encoding='utf-8').split(chr(10))[3].strip(chr(34))[:30]}"

    def rendered_links(markdown):
        if broken_page in markdown:
            raise RuntimeError("renderer broke")
        return real(markdown)

    monkeypatch.setattr(site_module, "rendered_links", rendered_links)
    site = generate_site([str(ROOT / "sources")])  # fewer pages than site.PARALLEL_FROM: rendered here
    messages = {result.source.path: [p.message for p in result.problems] for result in site.results}
    assert messages.pop(f"sources/{SEEDS[0].name}") == [
        "internal error while checking its page's HTML: RuntimeError('renderer broke')"]
    assert all(problems == [] for problems in messages.values()), messages
    assert len(site.pages) > len(site.results)  # the index pages are still made
