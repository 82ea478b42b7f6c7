import os
import shutil
import tempfile
from pathlib import Path

import pytest

from benchmarks.synth import PREAMBLE, write_corpus  # PREAMBLE: the seeds' preamble, verbatim

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
DATA = Path(__file__).resolve().parent / "data"
SEEDS = sorted(SOURCES.glob("0*.txt"))

#: The builds of a test process keep their warm-start cache (mkdocs.yml's ``cache``) in a folder
#: of its own, never in the repository: a run starts cold, as in a fresh clone, whatever the
#: developer built before. tests/test_warm_cache.py sets it for its own projects.
CACHE = tempfile.mkdtemp(prefix="prompt-pages-test-cache-")
os.environ["PROMPT_PAGES_CACHE"] = CACHE


def make_prompt(question: str, models: str, papers: str = "", answer: str = "") -> str:
    """A prompt in the seeds' format with the given sections (their bodies as written)."""
    text = PREAMBLE.format(question=question) + "### Recommended AI Models:\n" + models.strip("\n") + "\n\n"
    if papers:
        text += "### Related Papers:\n" + papers.strip("\n") + "\n\n"
    return text + "\nAnswer:" + (" " + answer if answer else "") + "\n"


@pytest.fixture
def corpus_for_workers(monkeypatch, tmp_path) -> Path:
    """40 synthetic prompts, two of whose answers cite links of other prompts, checked in worker
    processes: the generator's HTML check goes parallel from 20 prompts instead of hundreds, in
    batches of 8, so that the same code paths run on a corpus a fifth the size."""
    from generator import site as site_module

    monkeypatch.setattr(site_module, "PARALLEL_FROM", 20)
    monkeypatch.setattr(site_module, "RENDER_BATCH", 8)
    write_corpus(tmp_path / "corpus", 40, seed=1)
    return tmp_path / "corpus"


@pytest.fixture
def seed_texts():
    return {path.name: path.read_text(encoding="utf-8") for path in SEEDS}


def pytest_collection_modifyitems(items):
    """Tests that drive Chromium are marked ``browser``: ``pytest -m "not browser"`` runs the
    others (check.yml's unit-test jobs on macOS and other Pythons)."""
    for item in items:
        if item.path.name.startswith("test_browser") or {"browser", "chromium"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Tell fixtures whether the test itself failed (the browser's fixture then keeps a screenshot)."""
    outcome = yield
    if call.when == "call":
        item.failed_call = outcome.get_result().failed


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session, driven from the main thread (a thread runs one Playwright)."""
    from site_helpers import CHROMIUM, CHROMIUM_ARGS, require_chromium

    sync_api = pytest.importorskip("playwright.sync_api")
    require_chromium()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site_url(tmp_path_factory):
    """The site of sources/ (the seeds), built once and served on localhost."""
    from site_helpers import build_site, serve

    directory = tmp_path_factory.mktemp("site") / "site"
    build_site(directory)
    with serve(directory) as url:
        yield url


#: Test modules that measure the 1,000-prompt benchmark site (site_helpers.ScaleSite).
SCALE_MODULES = ("test_browser_scale.py", "test_browser_diagrams.py", "test_browser_page.py", "test_page_weight.py")


def _scale_dir() -> Path:
    """The 1,000-prompt site's folder, one per test run: pytest-xdist's workers share their
    controller's (their parent process)."""
    run = os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()
    return Path(tempfile.gettempdir()) / f"prompt-pages-scale-site-{run}"


def pytest_collection_finish(session):
    """Start building the 1,000-prompt site as soon as a test that needs it is selected."""
    if any(item.path.name in SCALE_MODULES for item in session.items):
        from site_helpers import ScaleSite

        ScaleSite.start(_scale_dir())


def pytest_unconfigure(config):
    shutil.rmtree(CACHE, ignore_errors=True)
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # the run's own process, after its workers
        shutil.rmtree(_scale_dir(), ignore_errors=True)
