"""The site built for a pull request's preview address, served under its sub-path, in Chromium.

The Preview workflow builds with SITE_URL=https://OWNER.github.io/REPO/pr-preview/pr-N/, and the
site is served under that path beside the site of main. Here it is built for such an address on
another host and served at http://127.0.0.1:PORT/prompt-pages/pr-preview/pr-7/. Pages,
navigation, search and the 404 page must work there, and no request may leave that path: a
request to the host of SITE_URL, or to the server's root, would be a link that only works at
the root of a site. (test_browser.py checks the same site served at the root.)
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
from urllib.parse import urlsplit

import pytest

from site_helpers import CHROMIUM, CHROMIUM_ARGS, build_site, require_chromium, screenshot_failure, serve
from test_browser import Recorder, playwright_api, search

# The path of pull request 7's preview in the Pages site of a repository named prompt-pages.
PREFIX = "prompt-pages/pr-preview/pr-7"
# The preview's address on GitHub Pages: the site is built for it, whatever host serves it here.
PREVIEW_SITE_URL = f"https://owner.github.io/{PREFIX}/"
SEED_PAGES = {"000_39a63bbddd643d31", "001_d18f79af084974a4", "002_60b490d2addfba6c"}


@pytest.fixture(scope="module")
def preview_url(tmp_path_factory):
    directory = tmp_path_factory.mktemp("preview") / "site"
    build_site(directory, env={"SITE_URL": PREVIEW_SITE_URL})
    # The path of site_url is what MkDocs writes into the 404 page, served for any missing URL.
    with serve(directory, prefix=PREFIX, not_found=directory / "404.html") as url:
        yield url


class PrefixRecorder(Recorder):
    """A Recorder that also keeps every response with an error status."""

    def __init__(self, browser):
        super().__init__(browser)
        self.failures: list[tuple[int, str]] = []
        self.page.on("response", lambda response: response.status >= 400
                     and self.failures.append((response.status, response.url)))


class BrowserThread:
    """Chromium driven from a thread of its own.

    test_browser.py keeps a Sync API Playwright running in the main thread for the whole
    session, and a thread can run only one (a second one refuses to start inside the first
    one's event loop); each thread can run its own. So these tests run in this thread.
    """

    def __init__(self):
        self._tasks: queue.Queue = queue.Queue()
        self._ready: concurrent.futures.Future = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._serve, name="chromium", daemon=True)
        self._thread.start()
        self._ready.result(timeout=120)

    def _serve(self):
        try:
            with playwright_api.sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                self._ready.set_result(None)
                while (task := self._tasks.get()) is not None:
                    check, args, future = task
                    recorder = PrefixRecorder(browser)
                    try:
                        future.set_result(check(recorder, *args))
                    except BaseException as error:  # pytest's outcomes too: the test's thread raises it
                        screenshot_failure(recorder.page, f"{check.__module__}.{check.__name__}")
                        future.set_exception(error)
                    finally:
                        recorder.close()
                browser.close()
        except BaseException as error:
            if self._ready.done():
                raise
            self._ready.set_exception(error)

    def run(self, check, *args):
        """check(recorder, *args) in this thread, with a fresh PrefixRecorder; its result or error."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._tasks.put((check, args, future))
        return future.result()

    def close(self):
        self._tasks.put(None)
        self._thread.join(timeout=60)


@pytest.fixture(scope="module")
def chromium():
    require_chromium()
    thread = BrowserThread()
    yield thread
    thread.close()


def in_chromium(check):
    """A test running check(recorder, preview_url) in the browser's thread."""

    def test(chromium, preview_url):
        chromium.run(check, preview_url)

    test.__name__, test.__qualname__, test.__doc__ = check.__name__, check.__qualname__, check.__doc__
    return test


@in_chromium
def test_the_home_page_and_the_nav_stay_under_the_prefix(recorder, preview_url):
    page = recorder.page
    page.goto(preview_url)
    assert page.locator("article h1").count() >= 1
    # Absolute addresses (the canonical link, the sitemap) name the preview's address on Pages.
    assert page.locator('link[rel="canonical"]').get_attribute("href") == PREVIEW_SITE_URL
    for name, path in (("Tasks", "tasks/"), ("Models", "models/"), ("Papers", "papers/")):
        page.locator(".md-nav--primary > .md-nav__list > .md-nav__item > a").filter(has_text=name).first.click()
        page.wait_for_url(preview_url + path)
        assert page.locator("article h1").count() >= 1, path
    page.locator("a.md-header__button.md-logo").click()
    page.wait_for_url(preview_url)
    assert recorder.failures == []


@in_chromium
def test_index_links_lead_to_prompt_pages_under_the_prefix(recorder, preview_url):
    page = recorder.page
    page.goto(preview_url + "models/deblur-mssnet-gopro/")
    links = page.locator("article li a[href*='prompts/']")
    assert links.count() == 3
    hrefs = {link.evaluate("a => a.href") for link in links.all()}
    assert all(href.startswith(preview_url + "prompts/") for href in hrefs), hrefs
    links.first.click()
    page.wait_for_url(preview_url + "prompts/**")
    assert [h.strip("¶ ").strip() for h in page.locator("article h2").all_inner_texts()[:3]] == [
        "Task", "Workflow", "References"]
    assert recorder.failures == []


@in_chromium
def test_search_under_the_prefix_finds_and_opens_the_seed_pages(recorder, preview_url):
    page = recorder.page
    page.goto(preview_url + "tasks/")
    search(page, "MSSNet")
    anchors = page.locator(".md-search-result__item > a")
    hrefs = [anchor.evaluate("a => a.href") for anchor in anchors.all()]
    assert hrefs and all(href.startswith(preview_url) for href in hrefs), hrefs
    found = {href.split("prompts/")[1].split("/")[0] for href in hrefs if "/prompts/" in href}
    assert SEED_PAGES <= found
    index = next(i for i, href in enumerate(hrefs) if "/prompts/000_39a63bbddd643d31/" in href)
    anchors.nth(index).click()
    page.wait_for_url(hrefs[index].split("#")[0] + "**")
    assert urlsplit(page.url).path.startswith(f"/{PREFIX}/prompts/000_39a63bbddd643d31/")
    assert "Even without a strong processor" in page.locator("article h1").inner_text()
    assert recorder.failures == []


@in_chromium
def test_every_request_stays_under_the_prefix_and_nothing_fails(recorder, preview_url):
    page = recorder.page
    for path in ("", "prompts/000_39a63bbddd643d31/", "tasks/", "models/deblur-mssnet-gopro/", "papers/"):
        page.goto(preview_url + path)
        page.wait_for_load_state("networkidle")
    search(page, "upscale")
    requests = [url for url in recorder.requests if not url.startswith(("data:", "blob:"))]
    outside = [url for url in requests if not url.startswith(preview_url)]
    assert outside == [], outside
    assert any("/assets/" in url for url in requests)  # the theme's files were loaded from under the prefix
    assert any(url.endswith("search/search_index.json") for url in requests)  # what starts Material's search box
    assert any(url.startswith(preview_url + "pagefind/fragment/") for url in requests)  # and Pagefind answers it
    assert recorder.failures == []
    assert recorder.errors == []


@in_chromium
def test_a_missing_page_under_the_prefix_gets_the_404_page_with_its_styles(recorder, preview_url):
    page = recorder.page
    response = page.goto(preview_url + "no/such/page/")
    assert response.status == 404
    page.wait_for_load_state("networkidle")
    assert "404" in page.locator("article").inner_text()
    # The 404 page is served at any depth, so its links are absolute paths under site_url's path.
    stylesheets = [url for url in recorder.requests if url.endswith(".css")]
    assert stylesheets and all(url.startswith(preview_url + "assets/") for url in stylesheets), stylesheets
    assert [failure for failure in recorder.failures if failure[1] != preview_url + "no/such/page/"] == []
    home = page.locator("a.md-header__button.md-logo")
    assert home.evaluate("a => a.href").startswith(preview_url)
    home.click()
    page.wait_for_url(preview_url + "**")
    assert page.locator("article h1").count() >= 1
