"""The plugin renders generated pages block by block (generator/plugin/fast_render.py): every page
gets what MkDocs' own ``Page.render`` gives it (plain Python-Markdown with the site's extensions and
MkDocs' link rewriting): the same HTML, table of contents, title, anchors and links to anchors.

Every page of a synthetic corpus of 300 prompts (with lists short enough to run to several pages)
and of the hostile corpus is compared, rendered in this process; the second process of a large
build (fast_render.Ahead) renders from a configuration it rebuilds (fast_render.Setup), and is
compared on the hostile corpus and on the pages of the first 100 synthetic prompts and every
index page.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import get_files, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.pages import Page

from benchmarks.synth import write_corpus
from conftest import DATA
from site_helpers import copy_project
from generator.collection import indexes
from generator.markup import blockhtml
from generator.steps.check import page_links
from generator.plugin import fast_render


def _project(folder: Path, sources) -> Path:
    copy_project(folder)
    shutil.rmtree(folder / "sources")
    sources(folder / "sources")
    return folder


def _build(project: Path):
    """A build's configuration, files and plugin, as far as MkDocs goes before rendering pages
    (without the second process: this test renders there in this process)."""
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(project / "site"))
    config.plugins["prompt-pages"].config.second_process.enabled = False
    config.plugins.on_startup(command="build", dirty=False)
    config = config.plugins.on_config(config)
    files = get_files(config)
    files.add_files_from_theme(config.theme.get_env(), config)
    files = config.plugins.on_files(files, config=config)
    plugin = config.plugins["prompt-pages"]
    set_exclusions(files, config)
    get_navigation(files, config)
    return config, files, plugin


def _toc(items) -> list:
    return [(item.title, item.id, item.level, _toc(item.children)) for item in items]


def _rendered(page: Page) -> tuple:
    return (page.content, _toc(page.toc), page._title_from_render, page.present_anchor_ids, page.links_to_anchors)


def _plain(config, files, path: str) -> tuple[Page, tuple]:
    file = files.get_file_from_path(path)
    page = Page(None, file, config)
    page.read_source(config)
    Page.render(page, config, files)
    return page, _rendered(page)


def _compare(project: Path, second_process_pages=lambda paths: paths):
    config, files, plugin = _build(project)
    try:
        return _compare_pages(config, files, plugin, second_process_pages)
    finally:
        plugin.on_post_build(config=config)  # the end of the build: what the plugin kept is let go


def _compare_pages(config, files, plugin, second_process_pages):
    renderer = fast_render.PageRenderer(config, files)  # keeps every block (mkdocs serve)
    # A build's renderers keep only the blocks that recur (fast_render.recurring_blocks).
    recurring = fast_render.recurring_blocks(files.get_file_from_path(path).content_bytes for path in plugin.generated)
    fast_render.start_process(fast_render.Setup.of(config, files, recurring))
    in_process = set(second_process_pages(list(plugin.generated)))
    # Blocks converted by the second process, learnt by a renderer here (fast_render.Ahead.teach).
    learnt = fast_render.PageRenderer(config, files, recurring)
    learnt.learn(fast_render.convert_in_process([(path, files.get_file_from_path(path).content_string) for path in in_process]))
    different, whole = [], []
    for path in plugin.generated:
        page, expected = _plain(config, files, path)
        rendered = renderer.render(page.file, page.markdown)
        if rendered is None:
            whole.append(path)
            continue
        rendered.apply(page, files)
        if _rendered(page) != expected:
            different.append(path)
        if path in in_process:
            learnt.render(page.file, page.markdown).apply(page, files)
            if _rendered(page) != expected:
                different.append(f"{path} (blocks from the second process)")
        if path in in_process:
            [(_, there, links)] = fast_render.render_in_process([(path, files.get_file_from_path(path).content_string)])
            assert there is not None and there.text == page.markdown, path
            there.apply(page, files)
            if _rendered(page) != expected:
                different.append(f"{path} (second process)")
            assert links == page_links("", expected[0]), path  # the links of the page's whole HTML
    assert different == []
    # A block of one page only, learnt, was let go once its page was rendered.
    assert all(fast_render.block_key(text) in recurring for known in learnt.known.values() for text in known)
    return plugin, whole


def test_every_page_of_the_hostile_corpus_renders_as_page_render(tmp_path):
    project = _project(tmp_path / "hostile", lambda folder: shutil.copytree(DATA / "hostile", folder))
    plugin, whole = _compare(project)
    assert whole == []  # every page of the corpus is rendered block by block
    assert any(path.startswith("prompts/") for path in plugin.generated)


def test_every_page_of_300_synthetic_prompts_renders_as_page_render(tmp_path, monkeypatch):
    """300 prompts give a page to most of the catalog's tasks and to many models and papers; with
    lists a fifth as long, a task's, a model's, a paper's and a top-level index's list run to
    pages of their own, with their pagers (1,000 prompts at the real lengths took four times as long)."""
    monkeypatch.setattr(indexes, "PROMPTS_PER_PAGE", 20)
    monkeypatch.setattr(indexes, "ROWS_PER_PAGE", 40)
    project = _project(tmp_path / "synthetic", lambda folder: write_corpus(folder, 300, seed=0))
    plugin, whole = _compare(project, lambda paths: [p for p in paths if not p.startswith("prompts/")] + paths[:100])
    assert whole == []
    second_pages = {path.split("/")[0] for path in plugin.generated if ".2." in path or path.endswith(".2.md")}
    assert {"tasks", "models", "papers"} <= second_pages, sorted(second_pages)


def test_a_page_whose_blocks_would_join_is_rendered_whole():
    """The conditions under which blocks convert alone as they would in the page."""
    import markdown

    md = markdown.Markdown(extensions=["toc", "tables", "attr_list", "admonition", "pymdownx.details"])
    pages = {
        "- a\n\n- b": False,  # a list after a list joins it
        "# Task\n\n## Task": False,  # the second heading's id depends on the first
        "# A\n\n[x]: https://x.org\n\n[y][x]": False,  # a reference serves the whole page
        "# A\n\n[TOC]": False,
        "```\na\n\nb\n```": False,  # a fence cut by a blank line
        "# A\n\n!!! note\n\n    text\n\n- b": True,  # the admonition's body stays with it
        "# A\n\n??? abstract \"Summary\"\n\n    text\n\n    more\n\n- b": True,  # so does a details block's
    }
    for text, joinable in pages.items():
        blocks = [blockhtml.convert_block(md, part) for part in blockhtml.split_blocks(text)]
        assert blockhtml.joined(blocks) == joinable, text
        if joinable:
            assert blockhtml.page_html(blocks) == md.convert(text)
            md.reset()


@pytest.mark.parametrize("extensions, local", [
    (["toc", "tables", "fenced_code", "attr_list", "admonition", "pymdownx.details", "pymdownx.superfences"], True),
    (["markdown.extensions.toc"], True),
    (["toc", "footnotes"], False),
    (["toc", "pymdownx.tabbed"], False),
])
def test_only_extensions_known_to_be_block_local_are_rendered_block_by_block(extensions, local):
    assert blockhtml.block_local(extensions) == local
