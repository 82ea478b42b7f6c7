"""`make serve` (`mkdocs serve --dirty`): after any sequence of edits, additions and deletions of
prompts and answers (and of docs/ and mkdocs.yml), the served site is a clean build of the same
files: every page, index page, the search index (Pagefind's, written after the pages), tags.json
and the sitemap. Not timed: how fast
the served site follows is the benchmark's (benchmarks/run.py)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import time
from pathlib import Path

import pytest
from site_helpers import copy_project, http_get, mkdocs, mkdocs_serve, wait_for

from benchmarks.synth import write_corpus
from conftest import DATA, make_prompt


def _served(body: bytes) -> bytes:
    """The page without the script `mkdocs serve` adds right before ``</body>``."""
    end = body.rfind(b"</body>")
    start = body.rfind(b"<script>", 0, end)
    if end < 0 or start < 0 or b"livereload(" not in body[start:end]:
        return body
    return body[:start] + body[end:]


def _content(relative: str, data: bytes) -> bytes:
    return gzip.decompress(data) if relative.endswith(".gz") else data


def _assert_served_site_is_a_clean_build(project: Path, base: str, tmp_path: Path, gone: list[str]):
    clean = tmp_path / f"clean-{time.monotonic_ns()}"
    # `mkdocs serve` sets site_url to the address it serves; the clean build gets the same.
    built = mkdocs("build", "-d", str(clean), cwd=project, env={"SITE_URL": base})
    assert built.returncode == 0, built.stderr[-2000:]
    files = sorted(path.relative_to(clean).as_posix() for path in clean.rglob("*") if path.is_file())
    assert any(name.startswith("prompts/") for name in files)
    # Pagefind's index is written after the pages, and its filter's values come in any order (so
    # do the names of the filter's file, the entry and the metadata file, hashes of them): the
    # chunks of the index and the pages' data, named by their contents, must all be served.
    unordered = [name for name in files if re.match(r"pagefind/(filter/|pagefind-entry\.json|pagefind\..*\.pf_meta)", name)]
    files = [name for name in files if name not in unordered]
    chunks = [name for name in files if name.startswith("pagefind/index/")]
    assert not unordered or chunks
    for name in chunks:
        wait_for(base + name, lambda status, body: status == 200, seconds=60)
    for name in unordered:
        if name.endswith("pagefind-entry.json"):
            served = json.loads(http_get(base + name)[1])["languages"]["en"]["page_count"]
            assert served == json.loads((clean / name).read_bytes())["languages"]["en"]["page_count"]
    different = []
    for relative in files:
        status, body = http_get(base + relative)
        expected = (clean / relative).read_bytes()
        if status != 200 or _content(relative, _served(body)) != _content(relative, expected):
            different.append(relative)
    assert different == [], f"served differently from a clean build: {different[:10]}"
    for page in gone:
        assert http_get(base + page)[0] == 404, f"{page} is still served"


@pytest.fixture
def project(tmp_path):
    project = copy_project(tmp_path / "project")
    write_corpus(project / "sources" / "synth", 24, seed=11)  # answers, shared models and papers
    for name in ("upscale.txt", "upscale.answer.md"):
        shutil.copy(DATA / "answers" / name, project / "sources" / name)
    shutil.copytree(DATA / "answers" / "upscale.answers", project / "sources" / "upscale.answers")
    return project


def test_the_served_site_after_edits_additions_and_deletions_is_a_clean_build(project, tmp_path):
    sources = project / "sources"
    synth = sorted((sources / "synth").glob("*.txt"))
    with mkdocs_serve(project, "--dirty") as base:
        wait_for(base + "prompts/upscale/", lambda s, b: s == 200)

        # An edited question: its page, and the index pages listing it by its title.
        edited = synth[0]
        text = edited.read_text(encoding="utf-8")
        question = re.search(r'question:\n"([^"]+)"', text).group(1)
        edited.write_text(text.replace(question, "Sharpen my blurry holiday video frames, fast please"), encoding="utf-8")
        slug = f"synth-{edited.stem}"
        wait_for(base + f"prompts/{slug}/", lambda s, b: b"holiday video" in b)

        # An added prompt, recommending a model no other prompt names (a new model page).
        added = sources / "added.txt"
        added.write_text(make_prompt("How can I colorize my grandfather's black and white photo?",
                                     "Model: Colorization-Only-Here\nPaper: https://arxiv.org/pdf/2206.13184\n"),
                         encoding="utf-8")
        wait_for(base + "models/colorization-only-here/", lambda s, b: s == 200)

        # An edited answer, and a new answer in an answers folder.
        (sources / "upscale.answer.md").write_text("The models here [LIIF](https://github.com/yinboc/liif) do it.\n",
                                                     encoding="utf-8")
        (sources / "upscale.answers" / "mistral.md").write_text("Use https://arxiv.org/pdf/2012.09161 for it.\n",
                                                               encoding="utf-8")
        wait_for(base + "prompts/upscale/", lambda s, b: b"mistral" in b and b"The models here" in b)

        # A prompt that cannot be read any more: its error page. Then the added one deleted.
        broken = synth[1]
        broken_text = broken.read_text(encoding="utf-8")
        broken.write_text(make_prompt("Upscale my photo 2x", "Model:\nPaper: https://x.org/p\n"), encoding="utf-8")
        wait_for(base + f"prompts/synth-{broken.stem}/", lambda s, b: b"could not be turned into a page" in b)
        added.unlink()
        wait_for(base + "models/colorization-only-here/", lambda s, b: s == 404)
        _assert_served_site_is_a_clean_build(project, base, tmp_path,
                                             gone=["prompts/added/", "models/colorization-only-here/"])

        # Fixed again, and a whole prompt deleted with its answers.
        broken.write_text(broken_text, encoding="utf-8")
        wait_for(base + f"prompts/synth-{broken.stem}/", lambda s, b: b"could not be turned" not in b and s == 200)
        (sources / "upscale.txt").unlink()
        (sources / "upscale.answer.md").unlink()
        shutil.rmtree(sources / "upscale.answers")
        wait_for(base + "prompts/upscale/", lambda s, b: s == 404)
        _assert_served_site_is_a_clean_build(project, base, tmp_path, gone=["prompts/upscale/"])

        # A hand-written page and mkdocs.yml: the whole site follows.
        (project / "docs" / "index.md").write_text("# Prompt Pages, edited\n\nHello.\n", encoding="utf-8")
        config = project / "mkdocs.yml"
        config.write_text(config.read_text(encoding="utf-8").replace("site_name: Prompt Pages", "site_name: Edited Pages"),
                          encoding="utf-8")
        wait_for(base + f"prompts/{slug}/", lambda s, b: b"Edited Pages" in b)
        wait_for(base, lambda s, b: b"Prompt Pages, edited" in b)
        _assert_served_site_is_a_clean_build(project, base, tmp_path, gone=["prompts/upscale/"])


def test_the_served_search_lists_only_parts_it_serves_while_their_number_changes(tmp_path):
    """With the index in parts (two pages a part here), a prompt added or deleted changes how many
    parts there are. Material's index lists them for the search box, and the pages are served
    before the index is written again (pagefind_index.BackgroundIndex): at every moment, each
    part it lists is there, and once the index is written it lists every part."""
    project = copy_project(tmp_path / "project")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"search_part_pages: .*", "search_part_pages: 2", text), encoding="utf-8")
    added = project / "sources" / "added.txt"

    def listed_parts(base: str) -> list[str]:
        status, body = http_get(base + "search/search_index.json")
        assert status == 200
        return json.loads(body)["config"].get("pagefind_parts", [])

    def every_listed_part_is_served(base: str) -> list[str]:
        parts = listed_parts(base)
        missing = [part for part in parts if http_get(f"{base}pagefind/{part}pagefind-entry.json")[0] != 200]
        # Unless the index was written again between the two readings: fewer parts are listed
        # before the bundle loses any (pagefind_index.write_index).
        assert missing == [] or listed_parts(base) != parts, f"listed but not served: {missing}"
        return parts

    def settled(base: str, before: list[str], seconds: float = 90) -> list[str]:
        """The parts listed once the index is written again, checked all along the way."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            parts = every_listed_part_is_served(base)
            if parts != before and http_get(base + "search/pagefind-pending")[1] == b"":
                return parts
            time.sleep(0.05)
        raise AssertionError(f"the parts listed stayed {before}")

    with mkdocs_serve(project, "--dirty") as base:
        wait_for(base + "search/pagefind-pending", lambda s, b: s == 200 and b == b"")
        first = every_listed_part_is_served(base)
        assert len(first) >= 10
        # A prompt with a model and a paper of its own: three pages more, at least one part more.
        added.write_text(make_prompt("How can I colorize my grandfather's black and white photo?",
                                     "Model: Colorization-Only-Here\nPaper: https://arxiv.org/pdf/2206.13184\n",
                                     "Title: A Paper Only Here\nPaper: https://arxiv.org/pdf/2206.99999\n"),
                         encoding="utf-8")
        wait_for(base + "prompts/added/", lambda s, b: s == 200)
        more = settled(base, first)
        assert len(more) > len(first)
        added.unlink()
        wait_for(base + "prompts/added/", lambda s, b: s == 404)
        assert settled(base, more) == first
