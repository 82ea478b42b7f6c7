"""A pull request's preview of what it changed (generator/files/preview.py, `python -m generator
preview`, run by preview.yml's own step): a real site of the seeds, built for the preview's
address, cut down to what a change to prompts touches. What is kept, where every link of it
leads, its search (its own index merged with the production site's), and that the deploy's
checks of an artifact accept it."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, SEEDS, make_prompt
from site_helpers import build_site, git, serve
from test_github_workflows import load, previews_module

from generator.files.changes import FileChange, prompt_of
from generator.files.preview import ChangedPrompt, PreviewPlan, only_prompts, plan_preview, rewritten_page
from generator.plugin.pagefind_index import read_entries

PRODUCTION = "https://owner.github.io/prompt-pages/"
SITE_URL = f"{PRODUCTION}pr-preview/pr-7/"
META = '<meta name="prompt-pages-preview" content="{}search/preview.json">'  # the way up to the root
#: The most pages a Pagefind run indexes in the production build: its 27 pages in 3 parts.
PART_PAGES = 10
PARTS = ("", "part-2/", "part-3/")


def preview_step() -> dict:
    workflow = load("preview.yml")
    return next(step for step in workflow["jobs"]["build"]["steps"]
                if "generator preview" in step.get("run", ""))


def search_entries(repository: Path) -> Path:
    """Where the build keeps what search indexed (SEARCH_ENTRIES, outside the site)."""
    return repository.parent / "search-entries.json"


def run_preview_step(repository: Path, base: str) -> subprocess.CompletedProcess:
    """preview.yml's step, as GitHub runs it (bash), in the checked-out repository."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "BASE_SHA": base,
           "PRODUCTION_URL": PRODUCTION, "SITE_URL": SITE_URL, "HOME": str(repository),
           "SEARCH_ENTRIES": str(search_entries(repository))}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", preview_step()["run"]],
                          cwd=repository, env=env, capture_output=True, text=True)


def files_of(site: Path) -> set[str]:
    return {path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file()}


def links_of(site: Path, page: str) -> list[str]:
    soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
    return [anchor["href"] for anchor in soup.find_all("a", href=True)]


def target(page: str, href: str) -> str | None:
    """The file of the site a relative link leads to (None: out of the site, or this page)."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(urlsplit(urljoin("https://site.invalid/" + page, parts.path)).path.lstrip("/"))
    return path + "index.html" if path == "" or path.endswith("/") else path


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """The project with five seeds: main (after a change to docs/), a branch that edits a seed,
    answers another, adds a prompt and deletes a third; the site built for the preview's address
    with its prompts.json, and the same site after preview.yml's step."""
    repository = tmp_path_factory.mktemp("preview") / "repository"
    (repository / "sources").mkdir(parents=True)
    for name in ("mkdocs.yml", "docs", "overrides"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, repository / name)
    for seed in SEEDS[:5]:
        shutil.copy(seed, repository / "sources" / seed.name)
    git(repository, "init", "-q", "-b", "main")
    git(repository, "add", ".")
    git(repository, "commit", "-q", "-m", "base")
    before_docs = git(repository, "rev-parse", "HEAD").strip()
    with open(repository / "docs" / "contribute.md", "a", encoding="utf-8") as page:
        page.write("\nOne more line.\n")
    git(repository, "commit", "-q", "-am", "docs")
    base = git(repository, "rev-parse", "HEAD").strip()
    git(repository, "checkout", "-q", "-b", "change")
    sources = repository / "sources"
    edited, answered, deleted = (sources / SEEDS[i].name for i in (0, 1, 4))
    edited.write_text(edited.read_text(encoding="utf-8").replace("?", "? (edited)", 1), encoding="utf-8")
    (sources / (answered.stem + ".answer.md")).write_text("It upscales the photo.\n", encoding="utf-8")
    (sources / "night-denoising.txt").write_text(make_prompt(
        "My night photos are grainy; which model cleans the noise?",
        "Model: Denoise-Restormer\nPaper: https://arxiv.org/abs/2111.09881\nGitHub: https://github.com/swz30/Restormer\n"),
        encoding="utf-8")
    deleted.unlink()
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "change")
    python = repository / ".venv" / "bin" / "python"  # the venv of `make site`, which the step runs in
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    full = repository.parent / "full"
    # Production's index in 3 parts (search_part_pages), which both its search and the preview's merge.
    build_site(full, cwd=repository, env={"SITE_URL": SITE_URL, "SEARCH_ENTRIES": str(search_entries(repository)),
                                          "SEARCH_PART_PAGES": str(PART_PAGES)})
    listed = subprocess.run([sys.executable, "-m", "generator", "export", "sources", "--brief", "--quiet"],
                            cwd=repository, capture_output=True, text=True, check=True).stdout
    (full / "prompts.json").write_text(listed, encoding="utf-8")
    shutil.copytree(full, repository / "site")
    result = run_preview_step(repository, base)
    assert result.returncode == 0, result.stderr
    slugs = {entry["source"]: entry["slug"] for entry in json.loads(listed)}
    return {"repository": repository, "full": full, "site": repository / "site", "before_docs": before_docs,
            "changed": {slugs[f"sources/{path.name}"] for path in (edited, answered, sources / "night-denoising.txt")},
            "unchanged": {slugs[f"sources/{seed.name}"] for seed in SEEDS[2:4]}, "deleted": deleted.stem,
            "output": result.stderr}


def test_a_preview_holds_the_changed_prompts_pages_the_pages_listing_them_and_the_shared_files(preview):
    site, full = preview["site"], preview["full"]
    kept, built = files_of(site), files_of(full)
    pages = {name for name in kept if name.endswith(".html") and not name.startswith("assets/summaries/")}
    prompt_pages = {name for name in pages if name.startswith("prompts/")}
    assert prompt_pages == {f"prompts/{slug}/index.html" for slug in preview["changed"]}
    assert not any(preview["deleted"] in name for name in built)  # the deleted prompt has no page at all
    # Every page of the full site that links to a changed prompt is kept: its task, models, papers, the Report.
    changed_pages = {f"prompts/{slug}/index.html" for slug in preview["changed"]}
    listing = {page for page in built if page.endswith(".html") and not page.startswith("prompts/")
               and changed_pages & {target(page, href) for href in links_of(full, page)}}
    assert {"report/index.html", "tasks/super_resolution/index.html"} <= listing
    assert any(page.startswith("models/") for page in listing) and any(page.startswith("papers/") for page in listing)
    assert listing <= pages
    # Besides those: the home page and the indexes of the nav; no other page.
    indexes = {"index.html", "tasks/index.html", "models/index.html", "papers/index.html", "answers/index.html"}
    assert pages == changed_pages | listing | indexes
    assert "contribute/index.html" in built and "404.html" in built
    # Every file that is no page is kept (assets, theme, search), but the sitemap, the source maps
    # and the search index, which the preview has of its own pages only.
    shared = {name for name in built if not name.endswith(".html")}
    dropped = {name for name in shared if name.startswith(("sitemap.xml", "pagefind/")) or name.endswith(".map")}
    own = {name for name in kept if name.startswith("pagefind/")} | {"preview-of-changes.txt", "search/preview.json"}
    # Of the References' summaries, those the kept pages link to, and no other.
    summaries = {name for name in built if name.startswith("assets/summaries/")}
    linked = {target(page, href) for page in pages for href in links_of(site, page)} & summaries
    assert linked and kept & summaries == linked and linked < summaries
    assert dropped and shared - dropped == kept - pages - own - summaries
    assert "pagefind/pagefind.js" in own and "search/search_index.json" in kept
    assert any(name.startswith("assets/stylesheets/") for name in kept)
    assert (site / "preview-of-changes.txt").is_file()  # the deploy's comment says what it holds
    # prompts.json lists the changed prompts only: all the deploy's comment reads of it.
    assert {entry["slug"] for entry in json.loads((site / "prompts.json").read_text())} == preview["changed"]
    assert "holds" in preview["output"]


def test_every_link_of_a_preview_leads_to_a_page_it_holds_or_to_the_production_site(preview):
    site, kept = preview["site"], files_of(preview["site"])
    to_production = set()
    for page in sorted(name for name in kept if name.endswith(".html")):
        for href in links_of(site, page):
            assert not href.startswith(SITE_URL), (page, href)
            if href.startswith(PRODUCTION):
                to_production.add(href[len(PRODUCTION):])
                continue
            file = target(page, href)
            assert file is None or file in kept or f"{file}/index.html" in kept, (page, href)
    assert "contribute/" in to_production and not any(path.startswith("pr-preview/") for path in to_production)
    assert {f"prompts/{slug}/" for slug in preview["unchanged"]} & to_production
    # Only links changed: a kept page is the page as built but for the addresses of some links.
    built = (preview["full"] / "report" / "index.html").read_text()
    trimmed = (site / "report" / "index.html").read_text()
    assert META.format("../") in trimmed  # and the search box merges the production site's index (below)
    assert trimmed.replace(META.format("../"), "").replace(PRODUCTION, "../") == built.replace(PRODUCTION, "../") != trimmed


def fragment_urls(site: Path, part: str | None = None) -> set[str]:
    """The addresses of the pages of a Pagefind index, or of one of its parts (its fragments:
    gzipped JSON behind a signature)."""
    folders = [site / "pagefind" / part / "fragment"] if part is not None else (site / "pagefind").glob("**/fragment")
    return {json.loads(gzip.decompress(fragment.read_bytes())[len(b"pagefind_dcd"):])["url"]
            for folder in folders for fragment in folder.iterdir()}


def test_the_preview_has_a_search_index_of_its_own_pages_and_says_where_productions_is(preview):
    site = preview["site"]
    pages = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html")
                   if not path.relative_to(site).as_posix().startswith("assets/summaries/"))
    urls = fragment_urls(site)
    # The preview's own pages, each where it is: the build's search entries of those pages only.
    assert urls == {"/" + page.removesuffix("index.html") for page in pages}
    assert len(fragment_urls(preview["full"])) > len(urls)
    # One index, though the build's was in parts: Material's index lists none.
    assert "pagefind_parts" not in json.loads((site / "search" / "search_index.json").read_text())["config"]
    assert not list((site / "pagefind").glob("part-*"))
    described = json.loads((site / "search" / "preview.json").read_text())
    assert described == {"index": "../../../pagefind/", "production": PRODUCTION,
                         "pages": [page.removesuffix("index.html") for page in pages]}
    # Each page says where that is, from where it is.
    assert META.format("") in (site / "index.html").read_text()
    assert all(META.format("../../") in (site / f"prompts/{slug}/index.html").read_text() for slug in preview["changed"])


def pages_site(production: Path, preview: Path, root: Path) -> Path:
    """GitHub Pages' layout of a project's site: production at /prompt-pages/, the preview
    beside it at /prompt-pages/pr-preview/pr-7/ (as deploy.yml puts them), one origin."""
    site = root / "prompt-pages"
    (site / "pr-preview").mkdir(parents=True)
    for path in production.iterdir():
        (site / path.name).symlink_to(path.resolve(), target_is_directory=path.is_dir())
    (site / "pr-preview" / "pr-7").symlink_to(preview.resolve(), target_is_directory=True)
    return root


def test_search_in_a_preview_leads_to_its_pages_and_to_production_for_the_others(preview, browser, tmp_path):
    """In Chromium, on a Pages site holding production and the preview: the preview's index and
    production's, merged, answer the search box; a result for a changed prompt opens the
    preview's page, one for an unchanged prompt the production site's, each page once; nothing
    fails to load."""
    from test_browser import search

    with serve(pages_site(preview["full"], preview["site"], tmp_path / "pages")) as root:
        url = root + "prompt-pages/pr-preview/pr-7/"
        page = browser.new_page()
        failed, requested, said = [], [], []
        page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
        page.on("request", lambda request: requested.append(request.url))
        page.on("console", lambda message: message.type in ("error", "warning") and said.append(message.text))
        try:
            page.goto(url)
            search(page, "MSSNet")  # the seeds 000, 001 (changed) and 002 (not)
            hrefs = [anchor.evaluate("a => a.href") for anchor in page.locator(".md-search-result__item > a").all()]
        finally:
            page.close()
    slugs = {place: [href[len(base):].split("/")[0] for href in hrefs if href.startswith(base)]
             for place, base in (("preview", url + "prompts/"), ("production", PRODUCTION + "prompts/"))}
    assert {SEEDS[0].stem, SEEDS[1].stem} <= set(slugs["preview"]) <= preview["changed"]
    assert SEEDS[2].stem in slugs["production"] and not set(slugs["production"]) & preview["changed"]
    assert all(href.startswith((url, PRODUCTION)) for href in hrefs) and len(set(hrefs)) == len(hrefs)
    # Production's index was read where production is, every part of it, and nothing failed to load.
    assert any(request.startswith(root + "prompt-pages/pagefind/fragment/") for request in requested)
    assert all(any(request.startswith(f"{root}prompt-pages/pagefind/{part}pagefind-entry.json") for request in requested)
               for part in PARTS)
    assert failed == [] and said == []  # nor did Pagefind warn of an option it does not know


#: Records each list of results the search box draws, with its line above: (meta, [pathname…]).
DRAWN_LISTS = """() => { window.drawnLists = [];
  new MutationObserver(() => window.drawnLists.push([
    document.querySelector('.md-search-result__meta').textContent,
    [...document.querySelectorAll('.md-search-result__item > a')].map(a => a.pathname)]))
  .observe(document.querySelector('.md-search-result'), {childList: true, subtree: true, characterData: true}); }"""


def test_an_index_in_parts_is_searched_as_one(preview, browser, tmp_path):
    """Production's site, of more pages than a Pagefind run indexes (PART_PAGES): its index in 3
    parts of equal size, the first at pagefind/ and the others inside it, which Material's index
    lists; in Chromium its search box merges them, so that a query finds pages of every part and
    a task's page still comes first for its name. Meanwhile, as on any site of more than one
    part, the hubs the query names are shown, as the results then begin."""
    from test_browser import search

    full = preview["full"]
    assert json.loads((full / "search" / "search_index.json").read_text())["config"]["pagefind_parts"] == list(PARTS[1:])
    by_part = [fragment_urls(full, part) for part in PARTS]
    indexed = {"/" + doc["location"].partition("#")[0] for doc in read_entries(search_entries(preview["repository"])).docs}
    sizes = [len(urls) for urls in by_part]
    assert max(sizes) <= PART_PAGES and max(sizes) - min(sizes) <= 1  # of equal size
    assert sum(sizes) == len(indexed) and set().union(*by_part) == indexed  # each page in one part
    for part in PARTS:
        bundle = full / "pagefind" / part
        assert (bundle / "pagefind-entry.json").is_file() and list(bundle.glob("pagefind.*.pf_meta"))
        assert list((bundle / "index").iterdir()) and list((bundle / "filter").iterdir())
        assert (bundle / "pagefind.js").is_file() == (part == "")  # a merged part runs on the first's script
    with serve(pages_site(full, preview["site"], tmp_path / "pages")) as root:
        url = root + "prompt-pages/"
        page = browser.new_page()
        failed, said = [], []
        page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
        page.on("console", lambda message: message.type in ("error", "warning") and said.append(message.text))
        try:
            page.goto(url)
            page.evaluate(DRAWN_LISTS)
            search(page, "Super-resolution")
            page.wait_for_function("() => !/Searching/.test(document.querySelector('.md-search-result__meta').textContent)")
            found = [anchor.evaluate("a => a.pathname")[len("/prompt-pages"):]
                     for anchor in page.locator(".md-search-result__item > a").all()]
            drawn = page.evaluate("() => window.drawnLists")
        finally:
            page.close()
    assert found[0] == "/tasks/super_resolution/"  # the task's page first, from whichever part holds it
    assert all(urls & set(found) for urls in by_part), (found, by_part)  # and pages of every part
    assert failed == [] and said == []
    # Meanwhile, the hubs the query names were shown, as the results then begin.
    meanwhile = [(meta, pages) for meta, pages in drawn if pages and meta == "Searching every page…"]
    assert meanwhile, drawn
    hubs = [page[len("/prompt-pages"):] for page in meanwhile[0][1]]
    assert hubs == found[:len(hubs)] and all(hub.startswith(("/tasks/", "/models/")) for hub in hubs), (hubs, found)


def test_the_deploys_checks_accept_the_preview(preview):
    previews = previews_module()
    site = preview["site"]
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files_of(site)):
            archive.write(site / name, name)
    with zipfile.ZipFile(packed) as archive:
        members, size = previews.checked_members(archive)
        listed = previews.checked_list(archive.read("prompts.json"))
    assert "index.html" in members and size < sum(path.stat().st_size for path in preview["full"].rglob("*")
                                                  if path.is_file())
    assert {entry["slug"] for entry in listed} == preview["changed"]


def test_a_change_beyond_prompts_previews_the_whole_site(preview, tmp_path):
    repository = shutil.copytree(preview["repository"], tmp_path / "repository", symlinks=True,
                                 ignore=shutil.ignore_patterns("site"))
    site = repository / "site"
    shutil.copytree(preview["full"], site)
    result = run_preview_step(repository, preview["before_docs"])  # since before docs/ changed
    assert result.returncode == 0, result.stderr
    assert files_of(site) == files_of(preview["full"]) and "whole site" in result.stderr


def test_a_preview_of_a_pagefind_site_needs_the_builds_search_entries(preview, tmp_path):
    site = shutil.copytree(preview["full"], tmp_path / "site")
    command = [sys.executable, "-m", "generator", "preview", "sources", "--site", str(site),
               "--base", git(preview["repository"], "rev-parse", "main").strip(), "--production", PRODUCTION]
    missing = subprocess.run(command, cwd=preview["repository"], capture_output=True, text=True)
    assert missing.returncode == 2 and "--search-entries" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "entries.json").write_text("[]")
    wrong = subprocess.run([*command, "--search-entries", str(tmp_path / "entries.json")], cwd=preview["repository"],
                           capture_output=True, text=True)
    assert wrong.returncode == 2 and "entries.json: cannot be read" in wrong.stderr
    assert files_of(site) == files_of(preview["full"])  # nothing was cut


def test_which_changes_are_prompts_only():
    def changes(*paths):
        return [FileChange("modified", path) for path in paths]

    assert only_prompts(changes("sources/a.txt", "sources/a.answers/gpt.md", "sources/b.answer.md",
                                "sources/c.meta.yaml"), ["sources"])
    assert not only_prompts(changes("sources/a.txt", "docs/contribute.md"), ["sources"])
    assert not only_prompts(changes("sources/notes.md"), ["sources"])
    assert not only_prompts(changes("other/a.txt"), ["sources"])
    assert prompt_of("sources/a.meta.yaml") == "sources/a.txt"  # a sidecar changes its prompt's page


def test_a_link_goes_to_production_unless_the_preview_holds_its_page():
    plan = PreviewPlan(frozenset({"index.html", "prompts/a/index.html", "tasks/t/index.html", "assets/x.png"}),
                       PRODUCTION, SITE_URL)
    page = "prompts/a/index.html"
    kept = ["#task", "./", ".", "../..", "../../", "../../tasks/t/", "../../tasks/t", "../../assets/x.png",
            "https://arxiv.org/abs/1", "mailto:a@example.org", f"{SITE_URL}tasks/t/", "?q=1#x"]
    for href in kept:
        assert plan.href(page, href) == href, href
    assert plan.href(page, "../../models/m/#refs") == f"{PRODUCTION}models/m/#refs"
    assert plan.href(page, "../b/?x=1") == f"{PRODUCTION}prompts/b/?x=1"
    assert plan.href(page, f"{SITE_URL}papers/p/") == f"{PRODUCTION}papers/p/"
    assert plan.href(page, "../../../../tasks/u/") == f"{PRODUCTION}tasks/u/"  # above the root is the root
    assert plan.location("/prompts/a/") == "/prompts/a/" and plan.location("prompts/b/#x") == f"{PRODUCTION}prompts/b/#x"


def test_rewriting_a_page_changes_only_its_links_start_tags():
    plan = plan_preview(["index.html", "prompts/a/index.html"], [ChangedPrompt("a", listed=False)], lambda page: "",
                        PRODUCTION)
    page = ('<!doctype html>\n<html><head><script>var s = "<a href=\'x/\'>";</script></head>\n'
            '<body   class="x"><a class="k" href="prompts/a/">A</a>\u2028<a href="tasks/t/" title="&quot;t&quot;"\n'
            'data-x>T</a><A HREF="models/m/">M</A></body></html>\n')
    assert rewritten_page(page, "index.html", plan) == page.replace(
        '<a href="tasks/t/" title="&quot;t&quot;"\ndata-x>', f'<a href="{PRODUCTION}tasks/t/" title="&quot;t&quot;" data-x>'
    ).replace('<A HREF="models/m/">', f'<a href="{PRODUCTION}models/m/">')


def test_of_a_long_list_the_preview_holds_its_first_page_and_those_listing_a_changed_prompt():
    from generator.files.preview import preview_pages

    pages = {"tasks/t/index.html": '<a href="../../prompts/z/">z</a>',
             "tasks/t.2/index.html": '<a href="../../prompts/y/">y</a><a href="../t.3/">3</a>',
             "tasks/t.3/index.html": '<a href="../../prompts/a/#answers">a</a>',
             "models/m/index.html": '<a href="../../prompts/a/">a</a>', "models/m.2/index.html": "",
             "papers/other/index.html": '<a href="../../prompts/a/">a</a>',
             "prompts/a/index.html": "", "prompts/y/index.html": "", "index.html": ""}
    held = preview_pages([ChangedPrompt("a", "t", ("M",))], frozenset(pages), pages.__getitem__)
    assert held == {"index.html", "prompts/a/index.html", "tasks/t/index.html", "tasks/t.3/index.html",
                    "models/m/index.html"}
