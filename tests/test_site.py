"""The site as MkDocs (and ProperDocs) build it: pages, indexes, strictness, serve."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml
from bs4 import BeautifulSoup

from generator.markup.html import PAGE_EXTENSIONS
from generator.plugin.pagefind_index import ONE_WORD, name_pieces
from site_helpers import build_site, copy_project, mkdocs, mkdocs_serve, pagefind_pages, wait_for

from conftest import ROOT, SEEDS, make_prompt

BROKEN = make_prompt("Upscale my photo 2x", "Model:\nPaper: https://x.org/p\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    directory = tmp_path_factory.mktemp("built") / "site"
    build_site(directory)
    return directory


def test_the_site_has_every_seed_page_and_the_index_pages(built):
    for seed in SEEDS:
        assert (built / "prompts" / seed.stem / "index.html").is_file()
    for index in ("tasks", "models", "papers"):
        assert (built / index / "index.html").is_file()
    assert (built / "models" / "deblur-mssnet-gopro" / "index.html").is_file()
    assert (built / "tasks" / "super_resolution" / "index.html").is_file()


def test_no_page_shows_markdown_syntax_that_the_site_does_not_render(built):
    """Syntax of extensions mkdocs.yml does not enable (keys ``++s++``, marks ``==x==``,
    inserts ``^^x^^``) shows as typed. The site's own text must not use it; the seed prompts,
    whose text is shown as written, hold none either."""
    unrendered = re.compile(r"\+\+\w[\w+-]*\+\+|==\w[^=\n]*==|\^\^\w[^^\n]*\^\^")
    for page in sorted(built.rglob("index.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for skipped in soup.select("pre, code, script, style"):
            skipped.decompose()
        shown = unrendered.findall(soup.get_text(" "))
        assert not shown, f"{page.relative_to(built)} shows {shown}"


def test_generated_pages_are_not_written_into_docs(built):
    assert not (ROOT / "docs" / "prompts").exists() and not (ROOT / "docs" / "tasks").exists()


def test_the_nav_holds_the_index_pages_only(built):
    soup = BeautifulSoup((built / "prompts" / SEEDS[0].stem / "index.html").read_text(), "html.parser")
    nav = [a.get_text(strip=True) for a in soup.select("nav.md-nav--primary a.md-nav__link")]
    assert [n for n in nav if n][:7] == ["Home", "Tasks", "Models", "Papers", "Unsupported citations", "Report", "Contribute"]


def test_no_page_loads_anything_from_another_host(built):
    for html in built.rglob("*.html"):
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(src=True):
            assert not tag["src"].startswith(("http:", "https:", "//")), (html, tag["src"])
        for tag in soup.find_all("link", href=True):
            assert not tag["href"].startswith(("http:", "https:", "//")) or "canonical" in tag.get("rel", []), (html, tag)
    assert (built / "assets" / "javascripts" / "mermaid-11.17.2.min.js").is_file()


def test_the_search_index_skips_diagram_source_and_repeated_references(built):
    """Each model and paper is indexed once, on its own page; prompt pages index their own words
    (what Pagefind indexed, site/pagefind/; Material's own index is left without documents)."""
    material = json.loads((built / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert material["docs"] == []
    # Fewer pages than one Pagefind run indexes (search_part_pages): one bundle, no parts listed.
    assert "pagefind_parts" not in material["config"] and not list((built / "pagefind").glob("part-*"))
    pages = pagefind_pages(built)
    prompt = f"prompts/{SEEDS[0].stem}/"
    anchors = {anchor["id"] for anchor in pages[prompt]["anchors"]}
    assert {"task", "workflow"} <= anchors
    assert not [a for a in anchors if a.startswith(("references", "recommended-models", "related-papers", "model-",
                                                    "paper-", "do-the-recommended-models-fit"))]
    text = pages[prompt]["content"]
    answers = next((a["location"] for a in pages[prompt]["anchors"] if a["id"] == "answers"), None)
    own_words = " ".join(text.split()[:answers])  # not its answers, which may say anything
    assert "flowchart" not in text and "classDef" not in text
    assert "Deblur-MSSNet-GoPro" in text  # the workflow's steps, in words
    model = pages["models/deblur-mssnet-gopro/"]
    assert "MSSNet" in model["meta"]["title"] and model["content"]
    assert (model["meta"]["tag0"], model["filters"]) == ("Model", {"kind": ["Model"]})
    assert (pages[prompt]["meta"]["tag0"], pages[prompt]["meta"]["tag1"]) == ("Prompt", "Super-resolution")
    assert pages[prompt]["filters"] == {}  # the kind filter finds hubs
    # What a prompt page says twice (the card at a glance) or says like every other page (what a
    # CNAPS workflow is, the task's description) is not what finds it.
    assert "Super-resolution" in text
    for repeated in ("The user wants", "Jump to", "wired like synapses", "is trying to do", "Confidence:",
                     "Other tasks considered"):
        assert repeated not in own_words, repeated
    assert not [a for page in pages.values() for a in page["anchors"]
                if a["id"] in ("prompts-recommending-it", "prompts-citing-it")]
    assert not [url for url in pages if re.search(r"\.\d+/$", url)]  # page 2 and on of a list: not indexed
    # The card's title, all that search would keep of the card, would be every prompt's excerpt.
    assert "At a glance" not in text and "At a glance" in (built / "prompts" / SEEDS[0].stem / "index.html").read_text()
    # A task is found by the words users ask for it with, a model by its repository's name.
    assert "upscal…" in pages["tasks/super_resolution/"]["meta"]["names"].split(", ")
    assert "names" not in pages[prompt]["meta"]
    # Still on the pages themselves, for readers.
    page = (built / "prompts" / SEEDS[0].stem / "index.html").read_text(encoding="utf-8")
    assert 'id="references"' in page and 'class="mermaid"' in page


def test_search_reads_a_name_in_the_words_a_reader_sees():
    """Pagefind indexes a hub's name in pieces ("stable diffusion" finds StableDiffusionV1), but
    a name read as one word stays whole ("face" is no word of HuggingFace); search-pagefind.js
    reads titles with the same list."""
    assert name_pieces("Txt2Img-StableDiffusionV1-4") == "Txt 2 Img Stable Diffusion V 1 4"
    assert name_pieces("ObjDet-HuggingFace-facebook-detr") == "Obj Det HuggingFace facebook detr"
    script = (ROOT / "docs" / "assets" / "javascripts" / "search-pagefind.js").read_text(encoding="utf-8")
    assert re.search(r"var ONE_WORD = /\(([^)]*)\)/;", script).group(1).split("|") == list(ONE_WORD)


def test_mkdocs_yml_enables_what_generated_pages_rely_on():
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=Loader)
    names = {next(iter(e)) if isinstance(e, dict) else e for e in config["markdown_extensions"]}
    assert set(PAGE_EXTENSIONS) <= names
    assert config["theme"]["font"] is False
    assert any("prompt-pages" in (p if isinstance(p, str) else next(iter(p))) for p in config["plugins"])


def test_a_broken_prompt_fails_the_strict_build_with_its_line_and_gets_an_error_page(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "sources" / "broken.txt").write_text(BROKEN)
    (project / "sources" / "empty.txt").write_text("")
    strict = mkdocs("build", "--strict", "-d", str(tmp_path / "strict"), cwd=project)
    assert strict.returncode != 0
    line = BROKEN.split("\n").index("Model:") + 1
    assert f"WARNING -  sources/broken.txt:{line}: expected a model name after 'Model:'" in strict.stderr
    assert "WARNING -  sources/empty.txt:1: the file is empty" in strict.stderr  # every bad file, one run
    lenient = mkdocs("build", "-d", str(tmp_path / "lenient"), cwd=project)
    assert lenient.returncode == 0
    page = (tmp_path / "lenient" / "prompts" / "broken" / "index.html").read_text()
    assert "could not be turned into a page" in page and "expected a model name after" in page
    assert (tmp_path / "lenient" / "prompts" / SEEDS[0].stem / "index.html").is_file()


def test_a_hand_written_page_wins_over_a_generated_one(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "docs" / "papers").mkdir()
    (project / "docs" / "papers" / "index.md").write_text("# Our own papers page\n")
    result = mkdocs("build", "-d", str(tmp_path / "site"), cwd=project)
    assert "docs/papers/index.md is hand-written; not replacing it" in result.stderr
    assert "Our own papers page" in (tmp_path / "site" / "papers" / "index.html").read_text()


def test_properdocs_builds_the_same_config_strictly(tmp_path):
    result = mkdocs("build", "--strict", "-d", str(tmp_path / "site"), config=ROOT / "mkdocs.yml", tool="properdocs")
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "site" / "prompts" / SEEDS[0].stem / "index.html").is_file()


def test_pages_written_by_the_cli_build_without_the_plugin(tmp_path):
    """`python -m generator build` output is plain Markdown any MkDocs-compatible tool renders."""
    docs = tmp_path / "docs"
    subprocess.run(["cp", "-r", str(ROOT / "docs"), str(docs)], check=True)
    subprocess.run(["cp", "-r", str(ROOT / "overrides"), str(tmp_path / "overrides")], check=True)
    result = subprocess.run([sys.executable, "-m", "generator", "build", "sources", "--out", str(docs)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    config = re.sub(r"  - prompt-pages:\n(?:      .*\n)*", "", (ROOT / "mkdocs.yml").read_text())  # the plugin, its options
    config = config.replace("docs_dir: docs", f"docs_dir: {docs}")
    (tmp_path / "plain.yml").write_text(config)
    build = mkdocs("build", "--strict", "-d", str(tmp_path / "site"), config=tmp_path / "plain.yml", cwd=tmp_path)
    assert build.returncode == 0, build.stderr[-2000:]
    assert (tmp_path / "site" / "prompts" / SEEDS[0].stem / "index.html").is_file()


def test_mkdocs_serve_follows_sources_as_they_change(tmp_path):
    project = copy_project(tmp_path / "project")
    with mkdocs_serve(project) as base:
        wait_for(base + "prompts/000_39a63bbddd643d31/", lambda s, b: s == 200)
        new = project / "sources" / "new_prompt.txt"
        new.write_text(make_prompt("How can I colorize my grandfather's black and white photo?",
                                   "Model: Colorization-DISCO-c0_2\nPaper: https://arxiv.org/pdf/2206.13184\n"))
        body = wait_for(base + "prompts/new_prompt/", lambda s, b: s == 200)
        assert b"Colorization" in body
        new.write_text(BROKEN)
        body = wait_for(base + "prompts/new_prompt/", lambda s, b: b"could not be turned into a page" in b)
        assert b"expected a model name" in body
        new.unlink()
        wait_for(base + "prompts/new_prompt/", lambda s, b: s == 404)


def test_search_material_brings_back_materials_own_index(tmp_path):
    """The plugin's `search: material`, for small sites: Material's index whole, its stemming
    worker, and no Pagefind bundle."""
    project = copy_project(tmp_path / "project")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("      search: pagefind\n", "      search: material\n"),
                      encoding="utf-8")
    build_site(tmp_path / "site", cwd=project)
    docs = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    assert "models/deblur-mssnet-gopro/" in {doc["location"] for doc in docs}
    assert not (tmp_path / "site" / "pagefind").exists()
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "search-stemming.js" in page and "search-pagefind.js" not in page
    default = (tmp_path / "default")
    build_site(default)  # the project's own mkdocs.yml: Pagefind
    assert "search-pagefind.js" in (default / "index.html").read_text(encoding="utf-8")
    assert (default / "pagefind" / "pagefind-entry.json").is_file()
