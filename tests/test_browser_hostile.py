"""The bad corpus (tests/data/hostile/) built into a site and opened in a real Chromium.

test_hostile.py audits the HTML; here the pages run, with the theme's scripts and Mermaid:
no alert, confirm or prompt ever opens, no request leaves the local server, no script error,
every diagram is drawn by Mermaid in its "strict" security level, and a diagram whose labels
try to add nodes or click handlers has exactly the nodes its source defines. The links of
the answers, clicked one by one, run no script and lead only to the prompt's own sources.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from site_helpers import copy_project, mkdocs, require_chromium, serve
from test_browser import screenshot  # importing test_browser skips this module without Playwright
from test_browser_subpath import BrowserThread
from test_hostile import install_committed

ANSWERS_PAGE = "prompts/answer-injection/"
MERMAID_PAGE = "prompts/mermaid-injection/"

#: Installed before any script of a page: every way a payload would show that it ran.
CANARY = """
window.__ran = [];
for (const name of ["alert", "confirm", "prompt", "print", "open"]) {
  const original = window[name];
  window[name] = function (...args) { window.__ran.push(name + ":" + String(args[0])); return original.apply(this, args); };
}
"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The project with the committed bad corpus in sources/, built without --strict (it fails it)."""
    base = tmp_path_factory.mktemp("browser-hostile")
    project = copy_project(base / "project")
    install_committed(project / "sources")
    result = mkdocs("build", "-d", str(base / "site"), cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    return base / "site"


@pytest.fixture(scope="module")
def site_url(hostile_site):
    with serve(hostile_site) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    require_chromium()
    thread = BrowserThread()  # Chromium in a thread of its own, beside test_browser.py's
    yield thread
    thread.close()


def _watch(recorder) -> list[str]:
    """Every dialog the page opens (dismissed at once), and the canary installed in every page."""
    dialogs: list[str] = []

    def dismiss(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    recorder.page.on("dialog", dismiss)
    recorder.page.add_init_script(CANARY)
    return dialogs


def _prompt_pages(site: Path) -> list[str]:
    return sorted(f"prompts/{page.parent.name}/" for page in (site / "prompts").glob("*/index.html"))


def _has_diagram(site: Path, path: str) -> bool:
    soup = BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "html.parser")
    return bool(soup.select("div.mermaid, pre.mermaid"))


def _outside(requests: list[str], base: str) -> list[str]:
    return [url for url in requests if not url.startswith(("data:", "blob:")) and not url.startswith(base)]


def test_every_prompt_page_runs_no_payload_and_draws_its_diagram_strictly(chromium, hostile_site, site_url):
    pages = _prompt_pages(hostile_site)
    assert ANSWERS_PAGE in pages and MERMAID_PAGE in pages and len(pages) >= 15
    diagrams = [path for path in pages if _has_diagram(hostile_site, path)]
    assert ANSWERS_PAGE in diagrams and MERMAID_PAGE in diagrams

    def check(recorder, url):
        dialogs = _watch(recorder)
        page = recorder.page
        for path in pages:
            page.goto(url + path)  # to the load event: what the page's own markup fetches, it has asked for
            if path in diagrams:
                page.locator("div.mermaid").first.scroll_into_view_if_needed()  # drawn when it nears the screen
                page.locator(".mermaid svg").first.wait_for(state="visible", timeout=15000)
                assert page.evaluate("() => mermaid.mermaidAPI.getConfig().securityLevel") == "strict", path
            # Every element hovered, focused and clicked at once: no handler of the sources may run.
            # Every element of the article hovered, focused and toggled: no handler of the sources may run.
            page.evaluate("""() => { for (const e of document.querySelectorAll("article *")) {
                for (const type of ["mouseover", "mouseenter", "focus", "toggle", "load", "error"])
                    e.dispatchEvent(new Event(type, {bubbles: true}));
            } }""")
            page.wait_for_timeout(50)
            handlers = page.evaluate("""() => [...document.querySelectorAll("*")].flatMap(
                e => [...e.attributes].filter(a => a.name.startsWith("on")).map(a => e.tagName + " " + a.name))""")
            assert handlers == [], (path, handlers)
            embedded = page.evaluate("""() => [...document.querySelectorAll(
                "article :is(script, iframe, frame, object, embed, form, img, video, audio, source, link, style, base)")]
                .filter(e => !(e.tagName === "style" && e.parentNode.matches(".mermaid > svg")))  // Mermaid's own
                .map(e => e.outerHTML.slice(0, 200))""")
            assert embedded == [], (path, embedded)
            sources = page.evaluate("() => [...document.querySelectorAll('[src]')].map(e => e.src)")
            assert all(src.startswith(url) for src in sources), (path, sources)
            assert page.evaluate("() => window.__ran") == [], path
        assert dialogs == []
        assert _outside(recorder.requests, url) == []
        assert {urlsplit(u).hostname for u in recorder.requests if u.startswith("http")} == {"127.0.0.1"}
        assert recorder.errors == []
        assert recorder.failures == []
        page.goto(url + ANSWERS_PAGE)
        page.locator("div.mermaid").first.scroll_into_view_if_needed()  # drawn when it nears the screen
        page.locator(".mermaid svg").first.wait_for(state="visible", timeout=15000)
        page.locator(".answers").scroll_into_view_if_needed()
        screenshot(page, "hostile-answers.png")

    chromium.run(check, site_url)


def _node_definitions(source: str) -> list[str]:
    """The node ids a flowchart source defines: ``id["label"]:::class`` and the like, one a line."""
    return [m.group(1) for m in re.finditer(r'^\s*([a-z][a-z0-9]*)(?:\(\["|\["|\{\{"|\(\("|\[/")', source, re.MULTILINE)]


def _edges(source: str) -> int:
    return len(re.findall(r"^\s*[a-z][a-z0-9]* -(?:->|\.->)", source, re.MULTILINE))


def test_the_injected_diagram_has_exactly_the_nodes_of_its_source(chromium, hostile_site, site_url):
    soup = BeautifulSoup((hostile_site / MERMAID_PAGE / "index.html").read_text(encoding="utf-8"), "html.parser")
    (diagram,) = soup.select("div.mermaid, pre.mermaid")
    source = diagram.get_text()
    nodes = _node_definitions(source)
    assert len(nodes) == len(set(nodes)) >= 5, source
    edges = _edges(source)

    def check(recorder, url):
        dialogs = _watch(recorder)
        page = recorder.page
        page.goto(url + MERMAID_PAGE)
        page.locator("div.mermaid").first.scroll_into_view_if_needed()  # drawn when it nears the screen
        svg = page.locator(".mermaid svg").first
        svg.wait_for(state="visible", timeout=15000)
        drawn = page.evaluate("""() => [...document.querySelectorAll(".mermaid svg g.node")].map(
            g => g.id.replace(/^.*?flowchart-/, "").replace(/-\\d+$/, ""))""")
        assert sorted(drawn) == sorted(nodes), (drawn, nodes)
        assert page.locator(".mermaid svg .edgePaths path, .mermaid svg path.flowchart-link").count() == edges
        text = svg.text_content()
        assert 'SISR-CARN-2x"] --> evil["pwned' in text  # a label, drawn as text
        assert "click m1 call alert(1)" in text
        assert page.locator(".mermaid svg a").count() == 0  # no click made any node a link
        for index in range(len(drawn)):
            page.locator(".mermaid svg g.node").nth(index).click(force=True)
        page.wait_for_timeout(200)
        assert page.url == url + MERMAID_PAGE
        assert dialogs == [] and page.evaluate("() => window.__ran") == []
        assert page.evaluate("() => mermaid.mermaidAPI.getConfig().securityLevel") == "strict"
        assert _outside(recorder.requests, url) == [] and recorder.errors == []

    chromium.run(check, site_url)


def test_the_answers_links_run_nothing_and_lead_only_to_the_prompts_sources(chromium, hostile_site, site_url):
    soup = BeautifulSoup((hostile_site / ANSWERS_PAGE / "index.html").read_text(encoding="utf-8"), "html.parser")
    answers = soup.select_one("div.answers")
    sources = {a["href"] for a in soup.select("article a[href^='http']") if not a.find_parent("div", class_="answers")}
    labels = [label.get_text().strip(" ⚠") for label in answers.select(".tabbed-labels label")]
    assert labels == ["inline", "answer", "evil-a", "evil-b"]

    def check(recorder, url):
        dialogs = _watch(recorder)
        page = recorder.page
        blocked: list[str] = []

        def block(route):  # a supported link leads to its paper or code: not fetched, and the page stays
            blocked.append(route.request.url)
            route.fulfill(status=204, body="")

        page.route(lambda address: not address.startswith(url), block)
        page.goto(url + ANSWERS_PAGE)
        hrefs = page.evaluate("() => [...document.querySelectorAll('.answer-body a')].map(a => a.getAttribute('href'))")
        assert hrefs and all(href in sources for href in hrefs), (hrefs, sources)
        clicked = marks = 0
        for tab, label in enumerate(labels):
            page.locator(".answers .tabbed-labels label").nth(tab).click()
            block_ = page.locator(".answers .tabbed-block").nth(tab)
            block_.wait_for(state="visible")
            links = block_.locator(".answer-body a")
            for index in range(links.count()):
                with page.expect_request(lambda request: not request.url.startswith(url)) as request:
                    links.nth(index).click()
                assert request.value.url in sources, request.value.url
                clicked += 1
            unsupported = block_.locator(".answer-unsupported")
            for index in range(unsupported.count()):
                unsupported.nth(index).click()
                marks += 1
            page.wait_for_timeout(200)
            assert page.url.split("#")[0] == url + ANSWERS_PAGE, (label, page.url)  # the page never left
            assert page.evaluate("() => window.__ran") == [], label
        assert clicked >= 6 and marks >= 20, (clicked, marks)
        assert dialogs == []
        assert blocked and set(blocked) <= sources, blocked  # the only requests out: the supported links
        assert set(_outside(recorder.requests, url)) <= sources
        assert page.evaluate("() => window.__ran") == []
        assert recorder.errors == []

    chromium.run(check, site_url)


def test_search_results_show_hostile_titles_and_texts_as_text(chromium, hostile_site, site_url):
    """Pagefind's results drawn in Material's list (search-pagefind.js): the sources' markup in a
    title or an excerpt is text there too."""
    from test_browser import settled_results

    def check(recorder, url):
        dialogs = _watch(recorder)
        page = recorder.page
        page.goto(url)
        for query in ("alert", "onerror", "script"):
            results = settled_results(page, query)
            assert results, query
            embedded = page.evaluate("""() => [...document.querySelectorAll(".md-search-result__list *")]
                .filter(e => !["LI", "A", "ARTICLE", "DIV", "H1", "H2", "P", "MARK", "NAV", "SPAN", "DETAILS",
                               "SUMMARY", "DEL"].includes(e.tagName) || [...e.attributes].some(a => a.name.startsWith("on")))
                .map(e => e.outerHTML.slice(0, 200))""")
            assert embedded == [], (query, embedded)
        shown = page.locator(".md-search-result__list").inner_text()
        assert "<script>" in shown or "onerror" in shown  # the sources' markup, as text
        assert page.evaluate("() => window.__ran") == [] and dialogs == []
        assert _outside(recorder.requests, url) == [] and recorder.errors == []

    chromium.run(check, site_url)
