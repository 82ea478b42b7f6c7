"""The warm start (generator/plugin/warm_cache.py): a build with the cache of an earlier one makes
the site a cold build makes, file by file; a cache that is corrupt, cut short, of another format
or made with other inputs is ignored; a changed prompt or mkdocs.yml never serves a stale page."""

from __future__ import annotations

import json
import logging
import re
import shutil
import struct
from pathlib import Path

import pytest
from site_helpers import CACHE_OPTION, build_site as build_anywhere

from benchmarks.synth import write_corpus
from conftest import ROOT
from generator.plugin import warm_cache
from generator.plugin.warm_cache import FORMAT, MAGIC, STORE, Store

#: Pagefind's files that differ between two runs over the same pages: its filter's values come in
#: any order, and these are named by hashes of them (tests/test_serve.py compares the same way).
UNORDERED = re.compile(r"pagefind/(part-\d+/)?(filter/|pagefind-entry\.json|pagefind\..*\.pf_meta)")
#: The index of the 20 prompts' pages in 3 parts (search_part_pages): the cache keeps every part.
IN_PARTS = {"SEARCH_PART_PAGES": "40"}


def build_site(destination: Path, env: dict | None = None, **options):
    """A build whose cache is its project's (``.cache/prompt-pages``, mkdocs.yml's default), not
    the test process's (conftest.CACHE)."""
    return build_anywhere(destination, env={"PROMPT_PAGES_CACHE": ".cache/prompt-pages", **(env or {})}, **options)


def _files(site: Path, every: bool = True) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*"))
            if path.is_file() and (every or not UNORDERED.match(path.relative_to(site).as_posix()))}


def _assert_same(site: Path, expected: Path, every: bool = True) -> None:
    built, wanted = _files(site, every), _files(expected, every)
    assert built.keys() == wanted.keys()
    different = [name for name in wanted if built[name] != wanted[name]]
    assert different == [], f"not as a cold build: {different[:10]}"


def _cold_config(project: Path) -> Path:
    """mkdocs.yml with the cache off: the cold build to compare with."""
    text = (project / "mkdocs.yml").read_text(encoding="utf-8")
    cold = text.replace(CACHE_OPTION, '      cache: ""\n')
    assert cold != text
    (project / "cold.yml").write_text(cold, encoding="utf-8")
    return project / "cold.yml"


def _new_project(project: Path, prompts: int, env: dict | None = None) -> Path:
    """The site's configuration, docs/ and theme with synthetic prompts, built once with the cache
    (cold: it fills it) into ``first``. A cache is the project folder's: the configuration names
    it (docs_dir), so a copy of the project elsewhere builds cold."""
    project.mkdir(parents=True)
    for name in ("docs", "overrides"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    write_corpus(project / "sources", prompts, seed=3)
    result = build_site(project / "first", env, cwd=project)
    assert "no cache in" in result.stderr
    assert len(list((project / ".cache" / "prompt-pages").glob(STORE.format("*")))) == 1
    return project


def test_a_warm_build_is_the_cold_build_file_by_file(tmp_path):
    project = _new_project(tmp_path / "project", 20, IN_PARTS)
    warm = build_site(project / "warm", IN_PARTS, cwd=project)
    assert re.search(r"(\d+) of \1 generated pages from the cache", warm.stderr), warm.stderr[-2000:]
    assert "search index of" in warm.stderr and "from the cache" in warm.stderr
    material = json.loads((project / "warm" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert material["config"]["pagefind_parts"] == ["part-2/", "part-3/"]
    assert (project / "warm" / "pagefind" / "part-3" / "pagefind-entry.json").is_file()
    _assert_same(project / "warm", project / "first")  # its search index too, every part: the one kept
    build_site(project / "cold", IN_PARTS, config=_cold_config(project), cwd=project)
    _assert_same(project / "warm", project / "cold", every=False)


def test_an_edit_a_corrupt_cache_or_a_changed_mkdocs_yml_never_serves_a_stale_page(tmp_path):
    project = _new_project(tmp_path / "project", 10)
    # A prompt edited: its page is built again, the others come from the cache.
    prompt = sorted((project / "sources").glob("*.txt"))[0]
    text = prompt.read_text(encoding="utf-8")
    question = re.search(r'question:\n"([^"]+)"', text).group(1)
    # The same task (a new task would change the site's files, and every page's key with them).
    prompt.write_text(text.replace(question, question + " Thanks, holiday videographer."), encoding="utf-8")
    edited = build_site(project / "edited", cwd=project)
    found = re.search(r"(\d+) of (\d+) generated pages from the cache", edited.stderr)
    assert found and 0 < int(found[1]) < int(found[2]), edited.stderr[-2000:]
    build_site(project / "cold", config=_cold_config(project), cwd=project)
    _assert_same(project / "edited", project / "cold", every=False)
    assert b"holiday videographer" in (project / "edited" / "prompts" / prompt.stem.lower() / "index.html").read_bytes()

    # Garbage in the cache: ignored, in one line; the build is cold, and fills it again.
    store, = (project / ".cache" / "prompt-pages").glob(STORE.format("*"))
    data = store.read_bytes()
    damaged = data[:1000] + bytes(range(256)) * 4 + data[2024:]
    store.write_bytes(damaged)
    built = build_site(project / "damaged", cwd=project)
    assert "Traceback" not in built.stderr
    assert re.search(r"cache \S+ ignored \(.+\); this build is cold", built.stderr), built.stderr[-2000:]
    assert "0 of" in built.stderr
    _assert_same(project / "damaged", project / "cold", every=False)
    assert store.read_bytes() != damaged

    # mkdocs.yml changed: nothing of the cache is used; the folder keeps the last two stores.
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("site_name: Prompt Pages", "site_name: Warm Pages"),
                      encoding="utf-8")
    renamed = build_site(project / "renamed", cwd=project)
    assert "no cache in" in renamed.stderr and "0 of" in renamed.stderr
    assert "Warm Pages" in (project / "renamed" / "index.html").read_text(encoding="utf-8")
    stores = list((project / ".cache" / "prompt-pages").glob(STORE.format("*")))
    assert len(stores) == 2 and store in stores


# --------------------------------------------------------------------------- the store alone

def _store(folder: Path) -> Path:
    store = Store.load(folder, "environment")
    store.put_json("a", {"x": [1, "é"]})
    store.put("b", b"\x00bytes")
    assert store.save()
    return folder / STORE.format("environment"[:16])


def test_a_store_is_written_again_only_when_a_build_used_or_made_other_entries(tmp_path):
    _store(tmp_path)
    again = Store.load(tmp_path, "environment")
    assert again.get_json("a") and again.get("b") and not again.changed


def test_a_store_keeps_what_a_build_used_or_made(tmp_path):
    path = _store(tmp_path)
    again = Store.load(tmp_path, "environment")
    assert len(again) == 2 and again.get_json("a") == {"x": [1, "é"]}
    assert again.changed  # "b" was not used: saving drops it
    again.put("c", b"new")
    assert again.save()
    third = Store.load(tmp_path, "environment")
    assert third.get("b") is None and third.get("c") == b"new" and third.get_json("a") == {"x": [1, "é"]}
    assert path.is_file() and not [p for p in tmp_path.iterdir() if p != path]  # no temporary file left


@pytest.mark.parametrize("damage", ["missing", "empty", "truncated", "flipped", "format", "environment", "magic"])
def test_a_store_that_cannot_be_trusted_is_empty(tmp_path, caplog, damage):
    path = _store(tmp_path)
    data = path.read_bytes()
    if damage == "missing":
        path.unlink()
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "truncated":
        path.write_bytes(data[:-3])
    elif damage == "flipped":
        path.write_bytes(data[:-5] + bytes([data[-5] ^ 1]) + data[-4:])
    elif damage == "format":
        path.write_bytes(MAGIC + struct.pack(">I", FORMAT + 1) + data[len(MAGIC) + 4 :])
    elif damage == "magic":
        path.write_bytes(b"x" + data[1:])
    if damage == "environment":  # a store named for this environment, made in another
        path.rename(tmp_path / STORE.format("environment-2"[:16]))
    environment = "environment-2" if damage == "environment" else "environment"
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.prompt_pages"):
        store = Store.load(tmp_path, environment)
    assert len(store) == 0 and store.get("a") is None
    assert len(caplog.records) == 1 and caplog.records[0].levelno == logging.INFO
    assert "cold" in caplog.records[0].getMessage()


def test_packed_files_come_back_and_never_leave_their_folder():
    files = {"a.js": b"1", "index/en_1.pf_index": bytes(range(256))}
    assert warm_cache.unpack_files(warm_cache.pack_files(files)) == files
    with pytest.raises(ValueError):
        warm_cache.unpack_files(warm_cache.pack_files({"../escape": b""}))
    with pytest.raises(ValueError):
        warm_cache.unpack_files(warm_cache.pack_files(files)[:-1])


def test_the_environment_follows_the_code_and_the_theme(tmp_path):
    (tmp_path / "overrides").mkdir()
    (tmp_path / "overrides" / "main.html").write_text("a", encoding="utf-8")
    before = warm_cache.environment(b"site_name: x", "{}", [tmp_path / "overrides"])
    assert before == warm_cache.environment(b"site_name: x", "{}", [tmp_path / "overrides"])
    (tmp_path / "overrides" / "main.html").write_text("b", encoding="utf-8")
    assert warm_cache.environment(b"site_name: x", "{}", [tmp_path / "overrides"]) != before
    assert warm_cache.environment(b"site_name: y", "{}", [tmp_path / "overrides"]) != before


def test_a_page_that_warned_while_it_was_made_is_not_kept(tmp_path):
    """A warm build would not warn again (a broken link), and --strict would pass: not kept."""
    from types import SimpleNamespace

    from generator.site import CheckedPage

    build = warm_cache.WarmBuild(Store.load(tmp_path, "environment"))
    pages = [CheckedPage(f"prompts/{name}.md", f"# {name}\n", f"sources/{name}.txt", frozenset()) for name in "ab"]
    assert build.start("files", pages) == set()
    for name, warns in (("a", True), ("b", False)):
        file = SimpleNamespace(src_uri=f"prompts/{name}.md")
        page = SimpleNamespace(file=file, title=name, present_anchor_ids=set(), links_to_anchors={})
        build.page_started(file.src_uri)
        if warns:
            logging.getLogger("mkdocs.structure.pages").warning("a link to 'missing.md' is not found")
        assert build.page_made(page, f"<html>{name}</html>") == f"<html>{name}</html>"
    build.finish({})
    assert not build.store.has(build.keys["prompts/a.md"]) and build.store.has(build.keys["prompts/b.md"])
    assert build.warnings not in logging.getLogger("mkdocs").handlers  # removed at the end
