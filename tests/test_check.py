"""The provenance check: a page may only carry links of its prompt's source block."""

from generator.steps.check import check_links, html_links, markdown_links, page_links
from generator.pipeline import generate
from generator.markup.html import render_html
from generator.files.sources import SourceFile

from conftest import SEEDS


def generated(index=0):
    seed = SEEDS[index]
    return generate(SourceFile(str(seed), "s", seed.read_text(encoding="utf-8")))


def test_seed_pages_carry_exactly_their_source_links():
    for index in range(len(SEEDS)):
        result = generated(index)
        assert result.problems == ()
        assert set(result.links) == set(result.prompt.source.links)


def test_an_injected_link_fails_in_markdown_and_in_html():
    result = generated()
    for extra in ("See [this](https://evil.example/x).", "<https://evil.example/x>", "https://evil.example/x"):
        markdown = result.page.markdown + "\n" + extra + "\n"
        links = page_links(markdown, render_html(markdown))
        problems = check_links("p.txt", links, result.prompt.source.links)
        assert [str(p) for p in problems] == ["p.txt: link https://evil.example/x is not in the source block"]


def test_a_link_only_html_shows_is_caught():
    html = '<p>text</p><img src="//tracker.example/p.gif"><a href="javascript:alert(1)">x</a>'
    links = html_links(html)
    assert links == ["//tracker.example/p.gif", "javascript:alert(1)"]
    problems = check_links("p.txt", links, frozenset())
    assert all("is not an http(s) link" in str(p) for p in problems) and len(problems) == 2


def test_relative_and_anchor_links_are_internal():
    assert markdown_links("[a](#model-1) [b](../tasks/x.md)") == []
    assert html_links('<a href="#x"></a><a href="../y/">y</a>') == []


def test_reference_style_links_are_found():
    assert markdown_links("[a][1]\n\n[1]: https://evil.example/ref\n") == ["https://evil.example/ref", "https://evil.example/ref"]


def test_the_files_a_page_links_to_are_checked_with_it():
    """A page's summaries are files of their own (compose.compose_summary): their links are the page's."""
    from dataclasses import replace

    from generator.pipeline import Draft, Run, _check
    from generator.records import SiteFile

    result = generated()
    assert result.page.files and all(file.path.startswith("assets/summaries/") for file in result.page.files)
    forged = SiteFile("assets/summaries/x.html", '<main><p><a href="https://evil.example/x">x</a></p></main>')
    draft = Draft(result.source, result.prompt, result.inference, page=replace(result.page, files=(forged,)))
    checked = _check(draft, Run.start())
    assert [str(p) for p in checked.problems] == [f"{result.source.path}: link https://evil.example/x is not in the source block"]
