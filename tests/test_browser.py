"""The built site in a real Chromium: pages, diagrams, search, requests, console."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from site_helpers import ARTIFACTS, screenshot_failure, serve

playwright_api = pytest.importorskip("playwright.sync_api")

SEED_PAGE = "prompts/000_39a63bbddd643d31/"


class Recorder:
    """A page that remembers every request it made and every console error."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def close(self):
        self.context.close()


@pytest.fixture
def recorder(browser, request):
    recorder = Recorder(browser)
    yield recorder
    if getattr(request.node, "failed_call", False):
        screenshot_failure(recorder.page, request.node.nodeid)
    recorder.close()


def search(page, query):
    """Type a query into Material's search once its index is loaded; wait for the results."""
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")
    field = page.locator("input.md-search__input")
    results = page.locator(".md-search-result__item")
    for _ in range(20):  # a query typed before the search worker is ready is dropped
        field.fill("")
        field.press_sequentially(query, delay=20)
        try:
            results.first.wait_for(state="visible", timeout=1000)
            return results
        except playwright_api.TimeoutError:
            continue
    raise AssertionError(f"no search results for {query!r}")


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)


def test_seed_page_shows_its_sections_and_a_drawn_diagram(recorder, site_url):
    page = recorder.page
    page.goto(site_url + SEED_PAGE)
    headings = page.locator("article h2").all_inner_texts()
    assert [h.strip("¶ ").strip() for h in headings[:3]] == ["Task", "Workflow", "References"]
    assert "Even without a strong processor" in page.locator("article h1").inner_text()
    diagram = page.locator(".mermaid svg").first
    diagram.wait_for(state="visible", timeout=15000)
    box = diagram.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50
    assert page.locator(".mermaid pre, .mermaid code").count() == 0  # the source was replaced
    text = diagram.text_content()
    assert "Deblur-MSSNet-GoPro" in text and "Missing step" in text
    assert page.locator('a[href="https://github.com/kky7/MSSNet"]').count() >= 1
    page.locator("#workflow").scroll_into_view_if_needed()
    screenshot(page, "seed-page-workflow.png")
    page.goto(site_url + SEED_PAGE)
    screenshot(page, "seed-page-top.png")


def test_search_for_mssnet_lists_the_seed_pages(recorder, site_url):
    page = recorder.page
    page.goto(site_url)
    search(page, "MSSNet")
    links = [a.get_attribute("href") for a in page.locator(".md-search-result__item > a").all()]
    found = {link.split("prompts/")[1].split("/")[0] for link in links if "prompts/" in link}
    assert {"000_39a63bbddd643d31", "001_d18f79af084974a4", "002_60b490d2addfba6c"} <= found
    screenshot(page, "search-mssnet.png")


def test_every_request_stays_on_the_site_and_no_console_error(recorder, site_url):
    page = recorder.page
    for path in ("", SEED_PAGE, "prompts/004_343d4d4a0cf9dc44/", "tasks/", "models/deblur-mssnet-gopro/", "papers/"):
        page.goto(site_url + path)
        page.wait_for_load_state("networkidle")
    search(page, "upscale")
    hosts = {urlsplit(url).hostname for url in recorder.requests if not url.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, hosts
    assert recorder.errors == []


def test_a_prompt_page_links_to_its_task_model_and_paper_entries_and_back(recorder, site_url):
    page = recorder.page
    page.goto(site_url + SEED_PAGE)
    page.get_by_role("link", name="Super-resolution").first.click()
    page.wait_for_url("**/tasks/super_resolution/")
    assert page.locator("article a[href*='000_39a63bbddd643d31']").count() == 1
    page.goto(site_url + SEED_PAGE)
    page.locator("a", has_text="every prompt recommending it").first.click()
    page.wait_for_url("**/models/deblur-mssnet-gopro/")
    assert page.locator("article li a[href*='prompts/']").count() == 3


ANSWERS_PAGE = "prompts/003_7a8e5cf31d328f51/"


def test_several_answers_are_tabs_a_reader_can_switch(recorder, site_url):
    page = recorder.page
    page.goto(site_url + ANSWERS_PAGE)
    labels = page.locator(".answers .tabbed-labels label")
    assert labels.all_inner_texts() == ["concise", "detailed"]
    blocks = page.locator(".answers .tabbed-block")
    assert blocks.nth(0).is_visible() and not blocks.nth(1).is_visible()
    labels.nth(1).click()
    blocks.nth(1).wait_for(state="visible")
    assert not blocks.nth(0).is_visible()
    assert blocks.nth(1).locator('a[href="https://github.com/vgcq/easier"]').count() == 1
    blocks.nth(1).scroll_into_view_if_needed()
    screenshot(page, "answers-tabs.png")


@pytest.fixture(scope="module")
def unsupported_site(tmp_path_factory):
    """The project with tests/data/answers added: answers citing links outside their sources."""
    from site_helpers import copy_project, mkdocs
    import shutil

    root = tmp_path_factory.mktemp("unsupported")
    project = copy_project(root / "project")
    shutil.copytree(Path(__file__).resolve().parent / "data" / "answers", project / "sources" / "fixture")
    result = mkdocs("build", "-d", str(root / "site"), cwd=project)  # not --strict: it fails, by design
    assert result.returncode == 0, result.stderr[-2000:]
    with serve(root / "site") as url:
        yield url


def test_an_unsupported_citation_is_marked_and_leads_nowhere(recorder, unsupported_site):
    page = recorder.page
    address = unsupported_site + "prompts/fixture-upscale/"
    page.goto(address)
    page.locator(".answers label", has_text="answer").click()
    block = page.locator(".answers .tabbed-block").nth(1)
    block.wait_for(state="visible")
    assert "2 links not in the sources" in block.locator(".admonition.warning").inner_text()
    mark = block.locator(".answer-unsupported", has_text="Real-ESRGAN")
    assert mark.is_visible() and "not in the sources" in mark.inner_text()
    assert mark.locator("a").count() == 0
    mark.click()
    assert page.url.split("#")[0] == address
    page.locator(".answers label", has_text="gpt-4o").click()
    scripted = page.locator(".answers .tabbed-block").nth(3)
    assert "<script>" in scripted.inner_text() and page.title() != "pwned"
    assert not any("tracker.example" in url or "evil.example" in url for url in recorder.requests)
    assert recorder.errors == []
    scripted.scroll_into_view_if_needed()
    screenshot(page, "answers-unsupported.png")


_SLOW_WORKER_QUERIES = """async () => {
  // A worker that answers like Material's search worker, slowly: 150 ms a query.
  const code = `onmessage = e => {
    if (e.data.type === 2) { const end = Date.now() + 150; while (Date.now() < end) {} }
    postMessage({type: e.data.type === 2 ? 3 : 9, data: e.data.data});
  };`;
  const worker = new Worker(URL.createObjectURL(new Blob([code], {type: "text/javascript"})));
  const answers = [];
  const done = new Promise(resolve => worker.addEventListener("message", e => {
    answers.push([e.data.type, e.data.data]);
    if (e.data.type === 3 && e.data.data === "video") resolve();
  }));
  for (const query of ["v", "vi", "vid", "vide"]) worker.postMessage({type: 2, data: query});
  worker.postMessage({type: 7, data: "not a query"});
  worker.postMessage({type: 2, data: "video"});
  await done;
  await new Promise(resolve => setTimeout(resolve, 400));  // nothing else comes
  const start = performance.now();
  const short = new Promise(resolve => worker.addEventListener("message", e => e.data.data === "ab" && resolve()));
  worker.postMessage({type: 2, data: "ab"});  // a short query alone is answered, after a moment
  await short;
  answers.push(performance.now() - start >= 250 ? "waited" : "sent at once");
  worker.terminate();
  return answers;
}"""


def test_search_queries_typed_while_the_worker_is_busy_collapse_to_the_newest(recorder, site_url):
    """search-latest.js, on the site's pages: one- and two-character queries wait for the next
    key, the first query is answered, then only the newest of those typed meanwhile; other
    messages pass at once."""
    page = recorder.page
    page.goto(site_url)
    assert page.evaluate(_SLOW_WORKER_QUERIES) == [[3, "vid"], [9, "not a query"], [3, "video"], [3, "ab"], "waited"]
    search(page, "MSSNet")  # and Material's own search still answers
    assert recorder.errors == []
