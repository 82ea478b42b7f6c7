"""The built site in a real Chromium: pages, diagrams, search, requests, console."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from site_helpers import ARTIFACTS, screenshot_failure, serve

playwright_api = pytest.importorskip("playwright.sync_api")

SEED_PAGE = "prompts/000_39a63bbddd643d31/"


class Recorder:
    """A page that remembers every request it made and every console error or warning (a
    library's warning is how it says it was misused: Pagefind's "Unknown Pagefind option")."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type in ("error", "warning") and self.errors.append(message.text))
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
    """Type a query into Material's search; wait for the results."""
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
    # The shared chrome.js gives every heading its permanent link and lists them in the table of
    # contents, nested as the headings are, from the headings the page holds.
    links = page.evaluate("""() => [...document.querySelectorAll("article [id]:is(h1,h2,h3,h4,h5,h6)")].map(h =>
        [h.id, h.querySelector(":scope > a.headerlink[title='Permanent link']")?.getAttribute("href")])""")
    assert links and all(href == "#" + id for id, href in links), links
    contents = page.locator("[data-md-component=toc] a.md-nav__link")
    assert [a.get_attribute("href") for a in contents.all()] == ["#" + id for id, _ in links[1:]]
    assert page.locator("[data-md-component=toc] > li > nav.md-nav[aria-label=References] a[href='#model-1']").count() == 1
    page.locator("div.mermaid").first.scroll_into_view_if_needed()  # Mermaid is fetched when it nears the screen
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


# --- Issue 17: the site as a first-time visitor finds their way around it ---------------------

def settled_results(page, query: str) -> list[dict]:
    """Search ``query`` and return the results once the answer to the whole query is shown (a
    query typed key by key is answered for its beginnings first): each with its page's address
    (without the highlight), its title, what it is (the tags Material shows on it), its snippet
    (the text under the title) and whether the snippet marks words found."""
    search(page, query)
    page.wait_for_function(
        "q => document.querySelector('input.md-search__input').value === q", arg=query)
    previous, steady = None, 0
    for _ in range(80):  # until the list stays the same for three quarters of a second
        page.wait_for_timeout(250)
        current = page.evaluate("""() => [...document.querySelectorAll('.md-search-result__item')].map(item => {
            const a = item.querySelector(':scope > a');
            const article = a.querySelector('article');
            const snippet = [...article.childNodes].filter(n => n.nodeType === Node.TEXT_NODE || n.tagName === 'MARK');
            return {href: new URL(a.href).pathname, title: a.querySelector('h1, h2').textContent.trim(),
                    kinds: [...a.querySelectorAll('.md-tag')].map(t => t.textContent.trim()),
                    text: snippet.map(n => n.textContent).join('').trim(), marked: snippet.some(n => n.tagName === 'MARK')};
        })""")
        steady = steady + 1 if current == previous else 0
        if steady >= 3 and current:
            return current
        previous = current
    raise AssertionError(f"the results for {query!r} never settled")


#: How the keyboard focus shows on the focused element, once it has settled: the style and width
#: of its ring, and the ring's contrast with what is around it (the lowest of its four sides). A
#: hidden input drawn by its label (an answer tab, the palette switch) shows its focus on that label.
FOCUS_RING = """async () => {
  // What the focus moved to may still be fading in or out (the search's overlay does); a link
  // changing its colour changes nothing around it.
  const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
  const moving = a => a.playState === "running" && a.transitionProperty !== "color";
  await frame(); await frame();
  while (document.getAnimations().some(moving)) await frame();
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const parse = text => {
    const m = text && text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const luminance = c => {
    const [r, g, b] = c.slice(0, 3).map(v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const backdrop = start => {
    const layers = [];
    for (let e = start; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      const c = parse(style.backgroundColor);
      if (c) c[3] *= Number(style.opacity);  // a faded-out layer (an overlay) hides nothing
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((color, layer) => over(layer, color), [255, 255, 255, 1]);
  };
  let target = element;
  if (element.matches("input[type=radio], input[type=checkbox]"))  // the label beside it, else its own
    target = element.nextElementSibling && element.nextElementSibling.tagName === "LABEL" ? element.nextElementSibling
      : element.id && document.querySelector(`label[for="${CSS.escape(element.id)}"]`) || element;
  const style = getComputedStyle(target);
  const width = parseFloat(style.outlineWidth) || 0;
  const offset = parseFloat(style.outlineOffset) || 0;
  const ring = parse(style.outlineColor);
  const r = target.getBoundingClientRect();
  const out = offset + width / 2;  // the middle of the ring, from the element's edge
  const sides = [[r.left - out, r.top + r.height / 2], [r.right + out, r.top + r.height / 2],
                 [r.left + r.width / 2, r.top - out], [r.left + r.width / 2, r.bottom + out]]
    .filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight);
  const contrasts = sides.map(([x, y]) => {
    const under = offset < 0 ? target
      : document.elementsFromPoint(x, y).find(e => e !== target && !target.contains(e)) || document.body;
    const behind = backdrop(under);
    return ring ? contrast(over(ring, behind), behind) : 0;
  });
  return {what: `${target.tagName.toLowerCase()}.${String(target.className).trim().split(/\\s+/).join(".")} ` +
                `${(target.textContent || target.value || "").trim().slice(0, 30)}`,
          style: style.outlineStyle, width, contrast: contrasts.length ? Math.min(...contrasts) : 0};
}"""


def focus_ring(page) -> dict | None:
    return page.evaluate(FOCUS_RING)


def assert_clearly_visible(rings: list[dict]):
    faint = [r for r in rings if r["style"] != "solid" or r["width"] < 2 or r["contrast"] < 3]
    assert rings and not faint, faint


def tab_through(page, presses: int) -> list[dict]:
    """Press Tab ``presses`` times from the top of the page: the focus ring of each control reached."""
    rings = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        ring = focus_ring(page)
        if ring is not None:
            rings.append(ring)
    return rings


def test_the_home_page_counts_what_the_site_holds_and_leads_everywhere(recorder, site_url):
    page = recorder.page
    page.goto(site_url)
    article = page.locator("article")
    counts = article.locator(".home-counts").inner_text()
    assert "5 prompts · 1 task asked for · 3 recommended models · 12 related papers" in counts
    cards = article.locator(".home-card")
    assert [c.split("\n")[0] for c in cards.all_inner_texts()] == ["Tasks", "Models", "Papers", "Report"]
    assert page.locator("article a", has_text="Super-resolution").first.get_attribute("href") == "tasks/super_resolution/"
    example = article.locator(".home-example")
    assert "✓" in example.inner_text()
    viewport = page.viewport_size["height"]
    assert example.bounding_box()["y"] + example.bounding_box()["height"] <= viewport  # the first screen
    assert cards.nth(2).bounding_box()["y"] < viewport
    example.locator("a").click()
    page.wait_for_url("**/prompts/003_7a8e5cf31d328f51/")
    page.goto(site_url)
    page.locator(".md-nav--primary > .md-nav__list > .md-nav__item > a", has_text="Contribute").click()
    page.wait_for_url("**/contribute/")
    assert "Where the files go" in page.locator("article").inner_text()
    assert recorder.errors == []


def test_breadcrumbs_and_the_task_chip_lead_to_the_task_page(recorder, site_url):
    page = recorder.page
    page.goto(site_url + SEED_PAGE)
    crumbs = page.locator(".md-path__item")
    assert [c.strip() for c in crumbs.all_inner_texts()][:3] == ["Home", "Tasks", "Super-resolution"]
    assert crumbs.nth(3).inner_text().startswith("Even without a strong processor")
    assert crumbs.nth(3).locator("a").count() == 0  # the page itself
    chip = page.locator("article .md-tag", has_text="Super-resolution")
    assert chip.evaluate("e => e.tagName") == "A"
    chip.click()
    page.wait_for_url("**/tasks/super_resolution/")
    assert [c.strip() for c in page.locator(".md-path__item").all_inner_texts()] == ["Home", "Tasks", "Super-resolution"]
    page.locator(".md-path__link", has_text="Tasks").click()
    page.wait_for_url("**/tasks/")


#: Each query, through what answers Material's search box in the page, as Material asks it (with
#: `search: pagefind`, search-pagefind.js answers in place of Material's worker): the addresses
#: of the results, best first.
SEARCH_RANKS = """async (queries) => {
  const config = JSON.parse(document.getElementById('__config').textContent);
  const index = await (await fetch(new URL('search/search_index.json', new URL(config.base, location.href)))).json();
  const worker = new Worker(config.search);
  const next = () => new Promise(resolve => worker.addEventListener('message', e => resolve(e.data), {once: true}));
  worker.postMessage({type: 0, data: {...index, options: {suggest: false}}});
  await next();
  const ranks = {};
  for (const query of queries) {
    worker.postMessage({type: 2, data: query});
    ranks[query] = (await next()).data.items.map(group => group[0].location);
  }
  worker.terminate();
  return ranks;
}"""


def test_search_puts_the_page_of_a_task_model_or_paper_first_and_says_what_each_result_is(recorder, site_url):
    page = recorder.page
    page.goto(site_url)
    first = {
        "super-resolution": "tasks/super_resolution/",
        "Super resolution": "tasks/super_resolution/",
        "deblurring": "tasks/deblur/",  # no prompt asks for it; a model does it
        "deblur": "tasks/deblur/",
        "Deblur-MSSNet-GoPro": "models/deblur-mssnet-gopro/",
        "mssnet": "models/deblur-mssnet-gopro/",  # a name as typed, in lower case
        "liif": "models/sisr-any-liif-rdn/",
        "T3DNet": "papers/t3dnet-compressing-point-cloud-models-for-lightweight-3d-recognition/",
    }
    ranks = page.evaluate(SEARCH_RANKS, list(first))
    assert {query: found[:1] for query, found in ranks.items()} == {query: [page] for query, page in first.items()}
    # In the search box, each result says what it is: the task, its model, the prompts naming it.
    results = settled_results(page, "deblur")
    assert (results[0]["href"], results[0]["kinds"]) == ("/tasks/deblur/", ["Task"])
    assert (results[1]["href"], results[1]["kinds"]) == ("/models/deblur-mssnet-gopro/", ["Model"])
    assert {"Prompt", "Super-resolution", "Paper"} <= {kind for result in results[2:] for kind in result["kinds"]}
    screenshot(page, "search-kinds.png")
    assert recorder.errors == []


def test_every_task_the_tasks_page_links_to_has_prompts_or_models(recorder, site_url):
    page = recorder.page
    page.goto(site_url + "tasks/")
    table = page.locator("article table a")
    assert table.all_inner_texts() == ["Super-resolution"]  # the one task asked for
    targets = [href for href in (a.evaluate("a => a.href") for a in page.locator("article a[href]").all())
               if "/tasks/" in href and "#" not in href]
    assert len(targets) == 3  # and apart, the two tasks a model of the corpus does
    for target in targets:
        page.goto(target)
        listed = page.locator("article a[href*='/prompts/'], article a[href*='/models/']")
        assert listed.count() >= 1, target


def _drawer_reaches(page, prompt_url: str, section: str) -> None:
    """On a phone, a prompt page's section is two taps away in the drawer."""
    page.goto(prompt_url)
    assert not page.locator(".md-sidebar--secondary").is_visible()  # no table of contents beside the page
    page.locator(".md-header label[for='__drawer']").click()
    item = page.locator(".md-nav--primary label.md-nav__link[for='__toc']")
    item.wait_for(state="visible")
    item.click()
    link = page.locator(f".md-nav--primary .md-nav--secondary a[href='#{section}']")
    link.wait_for(state="visible")
    link.click()
    page.wait_for_url(f"**#{section}")
    page.wait_for_function("() => !document.getElementById('__drawer').checked")  # the drawer closes
    page.wait_for_function(f"""() => {{
        const box = document.getElementById({section!r}).getBoundingClientRect();
        return box.top >= 0 && box.bottom <= innerHeight; }}""")


def test_a_prompt_pages_sections_are_in_the_drawer_on_a_phone(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        _drawer_reaches(page, site_url + ANSWERS_PAGE, "answers")
        screenshot(page, "phone-drawer.png")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_focus_is_clearly_visible_on_every_control(browser, site_url, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(site_url + ANSWERS_PAGE)
        assert page.evaluate("() => document.body.dataset.mdColorScheme") == {"light": "default", "dark": "slate"}[scheme]
        rings = tab_through(page, 30)  # the header, the nav with the page's sections, breadcrumbs, the chip
        reached = " ".join(r["what"] for r in rings)
        for control in ("a.md-skip", "a.md-header__button.md-logo", "md-nav__link", "md-path__link", "md-tag"):
            assert control in reached, (control, reached)
        page.locator("#__tabbed_1_1").focus()  # the answers' tabs, as the keyboard moves between them
        page.keyboard.press("ArrowRight")
        rings.append(focus_ring(page))
        assert "detailed" in rings[-1]["what"]
        page.keyboard.press("/")  # search, and its results
        page.locator("input.md-search__input").press_sequentially("MSSNet", delay=20)
        page.locator(".md-search-result__item").first.wait_for()
        rings.append(focus_ring(page))
        page.keyboard.press("ArrowDown")
        rings.append(focus_ring(page))
        assert "md-search-result__link" in rings[-1]["what"]
        assert_clearly_visible(rings)
    finally:
        context.close()
