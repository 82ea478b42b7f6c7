"""Answers: where they live, the links they cite, their safe rendering, tabs, export, strictness."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup
from markdown.extensions.fenced_code import FencedCodeExtension

from benchmarks.synth import load_catalog, synth_prompt
from conftest import DATA, ROOT, SEEDS, make_prompt
from generator.markup.dialect import answer_syntax
from generator.steps.answers import answer_links, answer_problems, review_answer
from generator.steps.check import page_links
from generator.markup.links import extract_urls
from generator.records import Answer
from generator.markup.html import render_html
from generator.site import generate_site
from site_helpers import copy_project, mkdocs

FIXTURE = Path(__file__).resolve().parent / "data" / "answers"
PAPER = "https://arxiv.org/pdf/2012.09161"
CODE = "https://github.com/yinboc/liif"
MODELS = f"Model: SISR-Any-LIIF-RDN\nPaper: {PAPER}\nGitHub: {CODE}\n"
ALLOWED = frozenset({PAPER, CODE})
FOREIGN = "https://github.com/someone/else"


def _site(folder: Path):
    site = generate_site([str(folder)])
    return site, {r.source.slug: r for r in site.results}


def _answer(text: str) -> Answer:
    return Answer("gpt-4o", "sources/p.answers/gpt-4o.md", 1, text)


def test_answers_come_from_the_three_places_inline_first(tmp_path):
    (tmp_path / "p.txt").write_text(make_prompt("Upscale my photo 4x", MODELS, answer=f"Use LIIF: {CODE}"))
    (tmp_path / "p.answer.md").write_text(f"The [paper]({PAPER}).\n")
    (tmp_path / "p.answers").mkdir()
    (tmp_path / "p.answers" / "gpt-4o.md").write_text("GPT says: super-resolution.\n")
    (tmp_path / "p.answers" / "claude.md").write_text("Claude says: super-resolution.\n")
    (tmp_path / "p.answers" / "notes.txt").write_text("not an answer, and not a prompt either\n")
    site, results = _site(tmp_path)
    answers = results["p"].answers
    assert [a.answer.label for a in answers] == ["inline", "answer", "claude", "gpt-4o"]
    inline = answers[0].answer
    assert inline.path.endswith("p.txt") and inline.text == f"Use LIIF: {CODE}"
    assert (tmp_path / "p.txt").read_text().split("\n")[inline.line - 1] == f"Answer: Use LIIF: {CODE}"
    assert answers[1].answer.path.endswith("p.answer.md") and answers[1].citations[0].url == PAPER
    assert list(results) == ["p"]  # the answers folder's .txt is not a prompt...
    assert [p.message for p in site.problems] == [
        "is not an answer: an answers folder holds Markdown files (*.md)"]  # ...and is reported
    assert site.problems[0].path.endswith("p.answers/notes.txt")


def test_the_inline_answer_line_is_where_its_text_starts(tmp_path):
    text = make_prompt("Upscale my photo 4x", MODELS) + "\n\nFirst line of the answer.\nIt cites " + FOREIGN + "\n"
    (tmp_path / "p.txt").write_text(text)
    site, _ = _site(tmp_path)
    lines = text.split("\n")
    (problem,) = site.problems
    assert problem.line == lines.index("It cites " + FOREIGN) + 1
    assert problem.message == f"answer inline cites {FOREIGN}, which is not in the source block"


def test_an_answer_without_its_prompt_is_reported_not_dropped(tmp_path):
    (tmp_path / "p.txt").write_text(make_prompt("Upscale my photo 4x", MODELS))
    (tmp_path / "gone.answer.md").write_text("An answer to a prompt that was deleted.\n")
    (tmp_path / "gone.answers").mkdir()
    (tmp_path / "gone.answers" / "claude.md").write_text("Another.\n")
    site, _ = _site(tmp_path)
    messages = sorted(str(p).rsplit("/", 1)[1] for p in site.problems)
    assert messages == [
        "gone.answer.md: is an answer, but there is no prompt gone.txt beside it",
        "gone.answers: is an answer, but there is no prompt gone.txt beside it",
    ]


def test_an_unreadable_answer_file_is_a_problem_and_the_page_says_so(tmp_path):
    (tmp_path / "p.txt").write_text(make_prompt("Upscale my photo 4x", MODELS))
    (tmp_path / "p.answer.md").write_bytes(b"caf\xe9\n")
    site, results = _site(tmp_path)
    (problem,) = site.problems
    assert str(problem).endswith("p.answer.md:1: is not UTF-8 text (byte 0xe9); save the file as UTF-8")
    assert "An answer file could not be read" in results["p"].page.markdown


@pytest.mark.parametrize("written, expected", [
    (f"[the code]({CODE})", CODE),
    (f"<{CODE}>", CODE),
    (f"**{CODE}**", CODE),
    (f"(see {CODE})", CODE),
    (f"It is at {CODE}.", CODE),
    (f"{CODE}[cite: 3]", CODE),
    (f"`{CODE}`", CODE),
    (f"```\ngit clone {CODE}\n```", CODE),
    (f"[1]: {CODE}", CODE),
    ("[a](https://w.org/Ab_(c)).", "https://w.org/Ab_(c)"),
    ("[x](javascript:alert(1))", "javascript:alert(1)"),
    ("[x](HTTPS://GitHub.com/yinboc/liif)", CODE),
    ("<style>body{background:url(https://t.example/bg.gif)}</style>", "https://t.example/bg.gif"),
])
def test_cited_links_are_extracted_and_normalised_from_real_world_shapes(written, expected):
    text = "First line.\n" + written
    citations = review_answer(_answer(text), ALLOWED).citations
    assert [c.url for c in citations] == [expected]
    assert citations[0].line == next(n for n, line in enumerate(text.split("\n"), 1) if "(" in line or "/" in line)
    assert citations[0].supported == (expected in ALLOWED)


@pytest.mark.parametrize("written", [
    f"[the paper]({PAPER})【4†source】",
    f"[the paper]({PAPER})x",
    f"[the paper]({PAPER}).",
    f"（{PAPER}）。",
    f"({PAPER})。",
    f"{PAPER}，next",
    f"{PAPER}【4†source】",
    f"![figure]({PAPER})【1】",
    f"[the paper][1]【2†source】\n\n[1]: {PAPER}",
])
def test_a_citation_followed_by_a_character_is_the_link_its_author_wrote(written):
    """Chat models glue citation markers and CJK punctuation to what they cite: the link is read
    as Markdown reads it, so a link of the source block is never marked "not in the sources"."""
    reviewed = review_answer(_answer(written), ALLOWED)
    assert [(c.url, c.supported) for c in reviewed.citations] == [(PAPER, True)]
    soup = BeautifulSoup(reviewed.html, "html.parser")
    assert [a["href"] for a in soup.find_all("a")] == [PAPER] and not soup.select(".answer-unsupported")


def _answer_texts():
    """The answers of tests/data (inline ones included) and of 3,000 synthetic prompts."""
    for path in sorted(DATA.rglob("*.md")):
        yield str(path), path.read_text(encoding="utf-8")
    for path in sorted(DATA.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "\nAnswer:" in text:
            yield str(path), text.rsplit("\nAnswer:", 1)[1]
    catalog = load_catalog()
    for index in range(3000):
        prompt = synth_prompt(catalog, index)
        if prompt.has_answer:
            yield prompt.name, prompt.text.rsplit("\nAnswer:", 1)[1]


#: Shapes of links the corpora above have few of.
_SHAPES = [
    "[a](https://x.org/a \"title\") [b](<https://x.org/b c>) [c](https://x.org/(d)) [e](https://x.org/e\"f\")",
    "[x](javascript:alert(\"a\")) ![i](https://x.org/i.png (t)) [n]() [r](#anchor) [s](../x.md)",
    "<https://x.org/auto> <someone@x.org> [e](https&#58;//x.org/e) [f](https://x.org/?a=1&amp;b=2&c)",
    "[g](https://x.org/?a=1&amp=2&copy=3&#x41;) ![h](https://x.org/&lt;h&gt;.png)",
    "[ref][1] [Ref] ![img][2]\n\n[1]: https://x.org/1 'one'\n[ref]: <https://x.org/r>\n[2]: https://x.org/2",
    "[a `code` link](https://x.org/c) [**bold**](https://x.org/b) [x](https://x.org/a\\_b) [y](HTTPS://X.ORG/Y)",
    "- [in a list](https://x.org/l)\n\n> [in a quote](https://x.org/q)\n\n| t |\n| --- |\n| [cell](https://x.org/t) |",
]


def test_the_links_checked_are_the_hrefs_python_markdown_renders():
    """Differential: for every link and image of every answer, the URL the check reads is the
    ``href``/``src`` of the HTML that Python-Markdown itself writes from the same parse (with its
    own fenced_code and serializer, read back by an HTML parser), not a reading of the text."""
    plain = markdown.Markdown(extensions=[*answer_syntax(), FencedCodeExtension()])
    answers = [*_answer_texts(), *((f"shape {n}", shape) for n, shape in enumerate(_SHAPES))]
    assert len(answers) > 300
    checked = 0
    for name, text in answers:
        soup = BeautifulSoup(plain.convert(text), "html.parser")
        plain.reset()
        rendered = [tag.get("href" if tag.name == "a" else "src") for tag in soup.find_all(["a", "img"])]
        assert answer_links(text) == rendered, name
        checked += len(rendered)
    assert checked > 500

    reviewed = review_answer(_answer(
        f"Code at [LIIF]({CODE}), also at [a fork]({FOREIGN}), bare {FOREIGN}/2 and `{FOREIGN}/3`."), ALLOWED)
    soup = BeautifulSoup(reviewed.html, "html.parser")
    assert [a["href"] for a in soup.find_all("a")] == [CODE]
    marks = soup.select(".answer-unsupported")
    assert [m.code.get_text() for m in marks] == [FOREIGN, FOREIGN + "/2", FOREIGN + "/3"]
    assert all("not in the sources" in m.get_text() for m in marks)
    assert [c.url for c in reviewed.unsupported] == [FOREIGN, FOREIGN + "/2", FOREIGN + "/3"]
    # The marked URLs are text to a browser and to the page's own provenance check.
    assert extract_urls(reviewed.html) == [CODE]


def test_a_link_whose_text_is_another_url_cites_both_as_written():
    """``[CODE](FOREIGN)``: a reader sees CODE and is sent to FOREIGN. Both are cited, each as
    itself, and only FOREIGN is unsupported."""
    reviewed = review_answer(_answer(f"See [{CODE}]({FOREIGN})."), ALLOWED)
    assert {c.url: c.supported for c in reviewed.citations} == {FOREIGN: False, CODE: True}
    soup = BeautifulSoup(reviewed.html, "html.parser")
    assert soup.find_all("a") == []
    assert [m.code.get_text() for m in soup.select(".answer-unsupported")] == [FOREIGN]


def test_html_script_and_tracking_images_in_an_answer_stay_inert():
    text = (FIXTURE / "upscale.answers" / "gpt-4o.md").read_text()
    reviewed = review_answer(_answer(text), frozenset({"http://arxiv.org/pdf/2406.17117v2.pdf"}))
    soup = BeautifulSoup(reviewed.html, "html.parser")
    assert not soup.find_all(["script", "img", "iframe", "style", "object", "embed"])
    for tag in soup.find_all(True):
        assert all(not name.startswith("on") and name not in ("src", "style") for name in tag.attrs), tag
    assert [a["href"] for a in soup.find_all("a")] == ["http://arxiv.org/pdf/2406.17117v2.pdf"]
    shown = soup.get_text()
    assert '<script>document.title = "pwned"</script>' in shown  # visible as text, not run
    assert "javascript:alert(document.cookie)" in shown and "https://tracker.example/pixel.gif" in shown
    assert {c.url for c in reviewed.unsupported} >= {
        "javascript:alert(document.cookie)", "https://tracker.example/pixel.gif", "https://evil.example/"}


def _outline(html: str) -> list[tuple[int, str]]:
    """(depth, first words) of every list item, depth 0 for an item of an outermost list."""
    soup = BeautifulSoup(html, "html.parser")
    return [(len(li.find_parents("li")), next(s for s in li.strings if s.strip()).strip()) for li in soup.find_all("li")]


@pytest.mark.parametrize("text, outline", [
    ("- a\n  - b\n    - c\n- d", [(0, "a"), (1, "b"), (2, "c"), (0, "d")]),
    ("1. step\n   - one\n   - two\n2. next", [(0, "step"), (1, "one"), (1, "two"), (0, "next")]),
    ("1. one\n   1. inner\n   2. inner too\n2. two", [(0, "one"), (1, "inner"), (1, "inner too"), (0, "two")]),
    ("- a\n    - b\n- c", [(0, "a"), (1, "b"), (0, "c")]),
    ("* a\n  * b\n     * c\n* d\n  + e", [(0, "a"), (1, "b"), (2, "c"), (0, "d"), (1, "e")]),
    ("- a\n - b", [(0, "a"), (0, "b")]),  # one space: not past "a"'s text, a sibling
    ("1. first\n\n   more of it\n2. second\n   - sub", [(0, "first"), (0, "second"), (1, "sub")]),
    ("The options:\n- a\n  - b\n\nDone.", [(0, "a"), (1, "b")]),
    ("Steps:\n1. one\n2. two", [(0, "one"), (0, "two")]),
])
def test_nested_lists_nest_as_chat_models_write_them(text, outline):
    """2 or 3 spaces under an item (CommonMark's rule: at or past the column of its text) nest,
    as do Python-Markdown's 4; an item right after a paragraph's line starts a list."""
    assert _outline(review_answer(_answer(text), ALLOWED).html) == outline


@pytest.mark.parametrize("text, shown", [
    ("Intro\n\n  an indented paragraph", "<p>an indented paragraph</p>"),
    ("A heading\n-\n\ntext", "<h3>A heading</h3>"),
    ("It was in\n2024. A good year", "<p>It was in&#10;2024. A good year</p>"),
    ("```\n- a\n  - b\n```", "<code>- a&#10;  - b&#10;</code>"),
])
def test_what_is_not_a_list_stays_as_written(text, shown):
    assert shown in review_answer(_answer(text), ALLOWED).html


def test_answer_headings_sit_below_the_pages_own():
    soup = BeautifulSoup(review_answer(_answer("# Top\n\n## Next\n\n###### Deep"), ALLOWED).html, "html.parser")
    assert [h.name for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])] == ["h3", "h4", "h6"]
    # An answer whose headings start at ## starts at h3 too: no level is skipped after the h2.
    soup = BeautifulSoup(review_answer(_answer("## Top\n\n### Next\n\n#### Deep"), ALLOWED).html, "html.parser")
    assert [h.name for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])] == ["h3", "h4", "h5"]


def test_one_answer_is_shown_as_is_several_as_tabs(tmp_path):
    (tmp_path / "one.txt").write_text(make_prompt("Upscale my photo 4x", MODELS, answer="Just one."))
    shutil.copytree(FIXTURE, tmp_path / "fixture")
    _, results = _site(tmp_path)
    one = results["one"].page.markdown
    assert "## Answers" in one and "tabbed-set" not in one and "Just one." in one
    several = BeautifulSoup(render_html(results["fixture-upscale"].page.markdown), "html.parser")
    (tabs,) = several.select(".tabbed-set")
    labels = [label.get_text() for label in tabs.select(".tabbed-labels label")]
    assert labels == ["inline ⚠", "answer ⚠", "claude", "gpt-4o ⚠"]
    assert len(tabs.select(".tabbed-content > .tabbed-block")) == 4
    assert [i["id"] for i in tabs.select("input")] == [label["for"] for label in tabs.select("label")]
    summary = tabs.select(".tabbed-block")[1].select_one(".admonition.warning")
    assert "2 links not in the sources" in summary.get_text()


def test_a_tab_names_the_model_that_wrote_the_answer_when_the_answer_says(tmp_path):
    (tmp_path / "p.txt").write_text(make_prompt("Upscale my photo 4x", MODELS,
                                                answer="The task is super-resolution.\n\n— answered by GPT-4o"))
    (tmp_path / "p.answers").mkdir()
    (tmp_path / "p.answers" / "a.md").write_text(f"---\nmodel: Claude 3.5 Sonnet\n---\nRead\n[the paper]({FOREIGN}).\n")
    (tmp_path / "p.answers" / "b.md").write_text("**Model:** Gemini 1.5 Pro\n\nUse LIIF.\n")
    # A first line naming a recommended model, the prompt's way, is not a signature.
    (tmp_path / "p.answers" / "c.md").write_text("Model: SISR-Any-LIIF-RDN\nIt upscales.\n")
    (tmp_path / "p.answers" / "d.md").write_text("---\nmodel: <img src=x onerror=alert(1)>\n---\nHi.\n")
    _, results = _site(tmp_path)
    answers = [reviewed.answer for reviewed in results["p"].answers]
    assert [a.title for a in answers] == ["GPT-4o", "Claude 3.5 Sonnet", "Gemini 1.5 Pro", "c", "<img src=x onerror=alert(1)>"]
    assert "answered by" not in answers[0].text and "model:" not in answers[1].text.lower()
    # Citations keep the line of the file they are on, front matter counted.
    (citation,) = results["p"].answers[1].citations
    assert citation.line == 5 and (tmp_path / "p.answers" / "a.md").read_text().split("\n")[4].startswith("[the paper]")
    page = BeautifulSoup(render_html(results["p"].page.markdown), "html.parser")
    labels = [label.get_text() for label in page.select(".tabbed-labels label")]
    assert labels == ["GPT-4o", "Claude 3.5 Sonnet ⚠", "Gemini 1.5 Pro", "c", "<img src=x onerror=alert(1)>"]
    assert not page.select(".tabbed-labels img")  # the name is text


def test_the_page_still_carries_only_source_links(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "fixture")
    _, results = _site(tmp_path)
    result = results["fixture-upscale"]
    markdown = result.page.markdown
    assert set(page_links(markdown, render_html(markdown))) <= result.prompt.source.links
    assert result.problems and all(p.message.startswith("answer ") for p in result.problems)


def test_the_unsupported_citations_page_lists_each_one_as_text(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "fixture")
    site, results = _site(tmp_path)
    (index,) = [p for p in site.pages if p.path == "answers/index.md"]
    unsupported = [c for a in results["fixture-upscale"].answers for c in a.unsupported]
    assert len(unsupported) == 7
    rows = [line for line in index.markdown.split("\n") if line.startswith("| [")]
    assert len(rows) == 7
    text = BeautifulSoup(render_html(index.markdown), "html.parser").get_text()
    for citation in unsupported:
        assert citation.url in text
    assert page_links(index.markdown, render_html(index.markdown)) == [
        url for url in page_links(index.markdown, render_html(index.markdown)) if not url.startswith("http")]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=ROOT, capture_output=True, text=True)


def test_check_and_export_report_the_same_citations():
    fixture = str(FIXTURE.relative_to(ROOT))
    check = _cli("check", fixture)
    assert check.returncode == 0  # warnings alone; listed all the same
    lines = check.stderr.strip().split("\n")
    assert f"{fixture}/upscale.answer.md:4: answer answer cites https://github.com/xinntao/Real-ESRGAN, " \
           "which is not in the source block" in lines
    assert f"{fixture}/upscale.txt:26: answer inline cites https://github.com/someone/fast-liif, " \
           "which is not in the source block" in lines
    assert "Traceback" not in check.stderr
    strict = _cli("check", fixture, "--answers-strict")
    assert strict.returncode == 1 and strict.stderr.splitlines()[:-1] == check.stderr.splitlines()[:-1]
    export = _cli("export", fixture)
    # The same problems; only the summary line at the end says what each command did.
    assert export.returncode == 0 and export.stderr.splitlines()[:-1] == check.stderr.splitlines()[:-1]
    (record,) = json.loads(export.stdout)
    answers = {a["label"]: a for a in record["answers"]}
    assert list(answers) == ["inline", "answer", "claude", "gpt-4o"]
    audit = answers["claude"].pop("audit")
    assert answers["claude"] == {"label": "claude", "title": "claude", "source": f"{fixture}/upscale.answers/claude.md",
                                 "links": [CODE], "unsupported_links": [], "misplaced": None}
    assert (audit["citations"], audit["unsupported"], audit["misplaced"]) == (1, 0, False)
    assert answers["answer"]["links"] == [PAPER, "https://github.com/xinntao/Real-ESRGAN", "https://arxiv.org/abs/2107.10833"]
    assert answers["answer"]["unsupported_links"] == answers["answer"]["links"][1:]
    reported = [line for line in lines if " cites " in line]
    assert len(reported) == sum(len(a["unsupported_links"]) for a in answers.values())


def test_the_sample_answers_in_sources_cite_only_their_source_blocks():
    result = _cli("export", "sources")
    assert result.returncode == 0, result.stderr
    answers = [a for record in json.loads(result.stdout) for a in record["answers"]]
    assert len(answers) >= 3 and all(a["links"] and not a["unsupported_links"] for a in answers)
    assert any(len(record["answers"]) > 1 for record in json.loads(result.stdout))


def _answers_strict(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text()
    assert "      sources: sources\n" in text
    config.write_text(text.replace("      sources: sources\n", "      sources: sources\n      answers_strict: true\n"))


def test_an_unsupported_citation_is_reported_fails_strict_only_with_answers_strict_and_is_marked(tmp_path):
    project = copy_project(tmp_path / "project")
    shutil.copytree(FIXTURE, project / "sources" / "fixture")
    lenient = mkdocs("build", "--strict", "-d", str(tmp_path / "site"), cwd=project)
    assert lenient.returncode == 0, lenient.stderr[-2000:]
    assert ("INFO    -  sources/fixture/upscale.answers/gpt-4o.md:6: answer gpt-4o cites "
            "javascript:alert(document.cookie), which is not in the source block") in lenient.stderr
    assert "answers_strict: true" in lenient.stderr and "WARNING" not in lenient.stderr
    _answers_strict(project)
    strict = mkdocs("build", "--strict", "-d", str(tmp_path / "strict"), cwd=project)
    assert strict.returncode != 0
    assert ("WARNING -  sources/fixture/upscale.answers/gpt-4o.md:6: answer gpt-4o cites "
            "javascript:alert(document.cookie), which is not in the source block") in strict.stderr
    page = BeautifulSoup((tmp_path / "site" / "prompts" / "fixture-upscale" / "index.html").read_text(), "html.parser")
    content = page.select_one("article")
    hrefs = {a["href"] for a in content.find_all("a", href=True) if a["href"].startswith(("http", "javascript"))}
    assert hrefs <= {PAPER, CODE, "http://arxiv.org/pdf/2406.17117v2.pdf"}
    marked = [mark.get_text() for mark in content.select(".answer-unsupported")]
    assert "Real-ESRGAN https://github.com/xinntao/Real-ESRGAN ⚠ not in the sources" in marked
    assert not content.find_all(["script", "iframe", "img"])
    index = (tmp_path / "site" / "answers" / "index.html").read_text()
    assert "https://github.com/someone/fast-liif" in BeautifulSoup(index, "html.parser").get_text()
    for seed in SEEDS:  # the bad answers take no other page down
        assert (tmp_path / "site" / "prompts" / seed.stem / "index.html").is_file()


def test_only_allowed_attributes_survive_and_only_in_their_safe_form():
    text = ('```python\nprint("hi")\n```\n\n```{.x onclick="alert(1)"}\nx\n```\n\n'
            '3. three\n4. four\n\nA line  \nbreak and <span title="t">raw</span>.')
    soup = BeautifulSoup(review_answer(_answer(text), ALLOWED).html, "html.parser")
    assert [code.attrs for code in soup.find_all("code")] == [{"class": ["language-python"]}, {"class": ["language-x"]}]
    assert soup.find("ol").attrs == {"start": "3"}
    assert soup.find("br") is not None and soup.find("span") is None
    assert '<span title="t">raw</span>' in soup.get_text()


@pytest.mark.parametrize("marker", ["[cite_start]", "[cite: 6]", "[cite: 6, 15]", "[cite:6,15]", "【4†source】",
                                    "【4:2†source】", "【12†notes.pdf】"])
def test_citation_markers_of_chat_exports_are_dropped_but_never_in_code(marker):
    text = (f"{marker}**LIIF** upscales at any scale{marker}. Read [the paper]({PAPER}){marker}.\n\n"
            f"- item {marker}\n\nIn code: `a{marker}b`.\n\n```\nx{marker}y\n```\n\n    z{marker}w\n")
    reviewed = review_answer(_answer(text), ALLOWED)
    soup = BeautifulSoup(reviewed.html, "html.parser")
    for element in soup.find_all(["p", "li"]):
        shown = "".join(element.find_all(string=True, recursive=False))
        assert marker not in shown and "cite" not in shown and "†" not in shown, element
    assert soup.find("p").get_text() == "LIIF upscales at any scale. Read the paper."
    assert soup.find("li").get_text().strip() == "item"
    assert [code.get_text() for code in soup.find_all("code")] == [f"a{marker}b", f"x{marker}y\n", f"z{marker}w\n"]
    assert [c.url for c in reviewed.citations] == [PAPER]


def test_a_citation_marker_ends_a_url_and_an_escaped_one_stays():
    reviewed = review_answer(_answer(f"See {PAPER}【4†source】and \\[cite: 3] too."), ALLOWED)
    soup = BeautifulSoup(reviewed.html, "html.parser")
    assert [a["href"] for a in soup.find_all("a")] == [PAPER] and not reviewed.unsupported
    assert soup.get_text() == f"See {PAPER}and [cite: 3] too."


def test_an_answer_indented_as_a_whole_is_read_as_if_it_were_not():
    text = ("  ## Super-resolution on a phone\n\n  Use **LIIF**: it upscales\n  at any scale.\n\n"
            "  1. **Input**: the photo\n     - one sub-item\n  2. **Output**: the larger photo\n\n"
            "  ```python\n  upscale(photo)\n  ```\n\n      kept_as_code = True\n")
    soup = BeautifulSoup(review_answer(_answer(text), ALLOWED).html, "html.parser")
    assert soup.find("h3").get_text() == "Super-resolution on a phone"
    assert [s.get_text() for s in soup.find_all("strong")] == ["LIIF", "Input", "Output"]
    assert [li.get_text(" ", strip=True) for li in soup.select("ol > li")] == [
        "Input : the photo one sub-item", "Output : the larger photo"]
    assert [pre.get_text() for pre in soup.find_all("pre")] == ["upscale(photo)\n", "kept_as_code = True\n"]
    # Indented by one space, or not all alike: as written (a line indented by 4 is code).
    soup = BeautifulSoup(review_answer(_answer("Text.\n\n    code = 1\n"), ALLOWED).html, "html.parser")
    assert soup.find("pre").get_text() == "code = 1\n"


def test_the_unsupported_links_at_the_top_of_an_answer_are_a_list_each_with_its_mark():
    reviewed = review_answer(_answer(f"Read {FOREIGN} and\n[this](https://example.org/a) too.\n"), ALLOWED)
    from generator.steps.compose import _answer_html

    soup = BeautifulSoup(_answer_html(reviewed, "prompts/p.md"), "html.parser")
    items = soup.select(".admonition.warning ul.answer-unsupported-list > li")
    assert [li.get_text(" ", strip=True) for li in items] == [
        f"⚠ not in the sources {FOREIGN} line 1", "⚠ not in the sources https://example.org/a line 2"]


CHAT = DATA / "chat-answers"


def test_a_real_style_collection_builds_strictly_and_fails_with_answers_strict(tmp_path):
    """Prompts with answers in chat styles, some citing links outside their sources, some misplaced."""
    project = copy_project(tmp_path / "project")
    shutil.copytree(CHAT, project / "sources" / "chat")
    built = mkdocs("build", "--strict", "-d", str(tmp_path / "site"), cwd=project)
    assert built.returncode == 0, built.stderr[-3000:]
    warned = [line for line in built.stderr.splitlines() if "sources/chat/" in line]
    assert len(warned) == 6 and all(line.startswith("INFO    -  sources/chat/") for line in warned), warned
    page = BeautifulSoup((tmp_path / "site" / "prompts" / "chat-upscale" / "index.html").read_text(), "html.parser")
    text = " ".join(body.get_text() for body in page.select(".answer-body"))
    assert "[cite" not in text and "†" not in text and "【" not in text
    assert "Your phone is doing 3× super-resolution" in text  # the indented answer is no code block
    assert not page.select(".answers pre code:-soup-contains('Your phone')")
    # A prompt's own problems stay errors, answers_strict or not.
    (project / "sources" / "chat" / "upscale.txt").write_text(
        (CHAT / "upscale.txt").read_text().replace("Model: SISR-CARN-3x", "Model:"))
    broken = mkdocs("build", "--strict", "-d", str(tmp_path / "broken"), cwd=project)
    assert broken.returncode != 0 and "WARNING -  sources/chat/upscale.txt:" in broken.stderr
    shutil.copy(CHAT / "upscale.txt", project / "sources" / "chat" / "upscale.txt")
    _answers_strict(project)
    strict = mkdocs("build", "--strict", "-d", str(tmp_path / "strict"), cwd=project)
    assert strict.returncode != 0
    assert "WARNING -  sources/chat/upscale.answers/claude.md:4: answer Claude 3.5 Sonnet seems to answer " \
           "another question: “How can I remove the motion blur from pictures I took at night with a shaking hand?” " \
           "(asked by sources/chat/deblur.txt)" in strict.stderr


def test_misplaced_answers_are_found_from_the_question_they_quote_or_paraphrase():
    site, results = _site(CHAT)
    placed = {(slug, a.answer.label): a.misplaced for slug, r in results.items() for a in r.answers}
    # Paraphrases of their own question: not flagged.
    assert placed[("upscale", "gemini")] is None and placed[("upscale", "gpt-4o")] is None
    assert placed[("deblur", "gpt-4o")] is None
    # Quotes another prompt's question: that prompt is named.
    claude = placed[("upscale", "claude")]
    assert claude.slug == "deblur" and claude.source.endswith("chat-answers/deblur.txt")
    assert claude.question == results["deblur"].prompt.source.question and claude.covered > claude.own
    # Paraphrases another prompt's question.
    assert placed[("denoise", "answer")].slug == "upscale"
    # Quotes a question no prompt asks: quoted.
    colorize = placed[("deblur", "gemini")]
    assert colorize.slug is None and colorize.question.startswith("What is the best way to colorize")
    problems = [str(p) for p in site.problems if "seems to answer another question" in p.message]
    assert len(problems) == 3
    folder = claude.source.removesuffix("/deblur.txt")
    assert f"{folder}/upscale.answers/claude.md:4: answer Claude 3.5 Sonnet seems to answer another question: " \
           f"“{claude.question}” (asked by {folder}/deblur.txt)" in problems
    assert all(p.level == "warning" for p in site.problems)


def test_a_misplaced_answer_carries_a_note_linking_the_prompt_it_answers(tmp_path):
    _, results = _site(CHAT)
    soup = BeautifulSoup(render_html(results["upscale"].page.markdown), "html.parser")
    (note,) = soup.select(".answer-misplaced")
    assert note.select_one(".admonition-title").get_text() == "This answer seems to answer another prompt's question:"
    assert note.find("a").get_text().startswith("“How can I remove")
    assert [a["href"] for a in note.find_all("a")] == ["../deblur/"]
    labels = [label.get_text() for label in soup.select(".tabbed-labels label")]
    assert labels == ["Claude 3.5 Sonnet ⚠", "gemini ⚠", "GPT-4o ⚠"]
    soup = BeautifulSoup(render_html(results["deblur"].page.markdown), "html.parser")
    (note,) = soup.select(".answer-misplaced")
    assert not note.find_all("a") and "“What is the best way to colorize" in note.get_text()


def test_export_carries_the_misplaced_answer():
    result = _cli("export", str(CHAT.relative_to(ROOT)))
    assert result.returncode == 0, result.stderr
    records = {record["slug"]: record for record in json.loads(result.stdout)}
    (answer,) = records["denoise"]["answers"]
    assert answer["misplaced"]["slug"] == "upscale" and answer["misplaced"]["covered"] > 0.55


def test_an_answer_misplaced_by_a_deleted_prompt_is_read_again_when_served(tmp_path):
    """mkdocs serve keeps the pages of unchanged prompts: not one whose answer now reads otherwise."""
    shutil.copytree(CHAT, tmp_path / "chat")
    first = generate_site([str(tmp_path / "chat")], check_html=False)
    (tmp_path / "chat" / "deblur.txt").unlink()
    shutil.rmtree(tmp_path / "chat" / "deblur.answers")
    again = generate_site([str(tmp_path / "chat")], check_html=False, previous=first)
    fresh = generate_site([str(tmp_path / "chat")], check_html=False)
    assert [r.page for r in again.results] == [r.page for r in fresh.results]
    claude = {a.answer.label: a for a in again.results[1].answers}["claude"]
    assert again.results[1].prompt.slug == "upscale" and claude.misplaced.slug is None


def test_links_on_generated_pages_stay_errors_and_answers_warnings_fail_only_when_strict():
    from generator.steps.check import check_links
    from generator.records import Level

    (page_link,) = check_links("p.txt", [FOREIGN], ALLOWED)
    assert page_link.level == Level.ERROR and page_link.fails(answers_strict=False)
    reviewed = review_answer(_answer(f"See {FOREIGN}."), ALLOWED)
    (cited,) = answer_problems(reviewed)
    assert cited.level == Level.WARNING and not cited.fails(answers_strict=False) and cited.fails(answers_strict=True)


def test_a_served_site_reads_kept_answers_again_only_when_the_questions_change(tmp_path):
    shutil.copytree(CHAT, tmp_path / "chat")
    first = generate_site([str(tmp_path / "chat")], check_html=False)
    (tmp_path / "chat" / "denoise.answer.md").write_text("An edited answer.\n")  # no question changes
    again = generate_site([str(tmp_path / "chat")], check_html=False, previous=first)
    assert again.questions.same_questions(first.questions)
    kept = [r for r in again.results if r.prompt.slug != "denoise"]
    assert all(any(r is old for old in first.results) for r in kept)  # the same records, not made again
