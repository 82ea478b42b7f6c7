"""The adapter for MkDocs', Python-Markdown's and Material's internals
(generator/plugin/mkdocs_internals.py): it knows every processor the installed MkDocs' own
``Page.render`` registers, it is the only module that imports a private name of theirs, it
quiets MkDocs' dirty-build warning under `make serve` only, and it finds the plugins
`mkdocs serve --dirty` can keep whole (any other makes every rebuild a whole one)."""

from __future__ import annotations

import ast
import tomllib
import re
import shutil
from pathlib import Path

import markdown
import pytest
from conftest import ROOT, SEEDS
from mkdocs.config import load_config
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from site_helpers import copy_project, mkdocs, mkdocs_serve, wait_for

from generator.plugin import PromptPagesPlugin, mkdocs_internals
from generator.plugin.live import Live, _inputs

#: Packages whose private names only the adapter may use.
PACKAGES = ("mkdocs", "markdown", "material")
ADAPTER = ROOT / "generator" / "plugin" / "mkdocs_internals.py"


def _page_render_markdown(monkeypatch, tmp_path, config) -> tuple[markdown.Markdown, File, Files]:
    """The Markdown instance MkDocs' own Page.render makes for a tiny page, recorded."""
    made = []

    class Recording(markdown.Markdown):
        def __init__(self, **options):
            super().__init__(**options)
            made.append(self)

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Title\n\nSee [it](other.md#part).\n", encoding="utf-8")
    (tmp_path / "docs" / "other.md").write_text("## Part\n", encoding="utf-8")
    files = Files([File(name, str(tmp_path / "docs"), str(tmp_path / "site"), True) for name in ("index.md", "other.md")])
    page = Page(None, files.get_file_from_path("index.md"), config)
    page.read_source(config)
    monkeypatch.setattr(markdown, "Markdown", Recording)
    page.render(config, files)
    monkeypatch.undo()
    assert len(made) == 1, "Page.render made one Markdown instance"
    assert page.content.startswith('<h1 id="title">') and page.title == "Title"
    return made[0], page.file, files


def test_the_adapter_knows_every_processor_page_render_registers(monkeypatch, tmp_path):
    config = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    options = {"extensions": config["markdown_extensions"], "extension_configs": config["mdx_configs"]}
    page_render, file, files = _page_render_markdown(monkeypatch, tmp_path, config)
    plain = mkdocs_internals.registrations(markdown.Markdown(**options))
    by_mkdocs = mkdocs_internals.registrations(page_render) - plain

    adapted = markdown.Markdown(**options)
    mkdocs_internals.PageProcessors(adapted, files, config).for_block(file)
    by_adapter = mkdocs_internals.registrations(adapted) - plain

    unknown = sorted(by_mkdocs - by_adapter)
    assert not unknown, (f"MkDocs' Page.render registers processors that generator/plugin/mkdocs_internals.py "
                         f"does not know (registry, name, priority, class): {unknown}. Add them to "
                         f"PAGE_PROCESSORS and PageProcessors.for_block, and to the module's table.")
    assert by_adapter == by_mkdocs, f"the adapter registers what Page.render no longer does: {sorted(by_adapter - by_mkdocs)}"
    assert len(by_mkdocs) == len(mkdocs_internals.PAGE_PROCESSORS)


def _private_imports(path: Path) -> list[str]:
    """Private names of PACKAGES that ``path`` imports or reaches through a module (``x._y``)."""
    text = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
            names = [*node.module.split("."), *(alias.name for alias in node.names)]
        elif isinstance(node, ast.Import):
            names = [part for alias in node.names if alias.name.split(".")[0] in PACKAGES for part in alias.name.split(".")]
        else:
            continue
        found += [f"{path.relative_to(ROOT)}:{node.lineno}: {name}" for name in names
                  if name.startswith("_") and not name.startswith("__")]
    for number, line in enumerate(text.splitlines(), 1):
        for match in re.finditer(rf"\b(?:{'|'.join(PACKAGES)})(?:\.\w+)*\.(_[A-Za-z]\w*)", line):
            if not match.group(1).startswith("__"):
                found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    return found


def test_no_module_but_the_adapter_uses_a_private_name_of_mkdocs_markdown_or_material():
    modules = [path for folder in ("generator", "benchmarks", "tests") for path in (ROOT / folder).rglob("*.py")]
    assert ADAPTER in modules and len(modules) > 30
    found = [line for path in modules if path != ADAPTER for line in _private_imports(path)]
    assert found == [], "only generator/plugin/mkdocs_internals.py may use these:\n" + "\n".join(found)
    assert _private_imports(ADAPTER), "the grep finds the adapter's own imports"


def _tiny_project(folder: Path) -> Path:
    project = copy_project(folder)
    shutil.rmtree(project / "sources")
    (project / "sources").mkdir()
    shutil.copy(SEEDS[0], project / "sources" / SEEDS[0].name)
    return project


def test_the_dirty_build_warning_is_quiet_under_make_serve_only(tmp_path):
    """Real processes: MkDocs keeps plugins that have on_startup from one configuration to the
    next in a process, so a dirty build here would leave its state to the tests after it."""
    project = _tiny_project(tmp_path / "project")
    log = tmp_path / "serve.log"
    with mkdocs_serve(project, "--dirty", log_file=log) as base:
        wait_for(base + "tasks/", lambda status, body: status == 200)
        (project / "sources" / SEEDS[0].name).write_text(SEEDS[0].read_text(encoding="utf-8") + "\n", encoding="utf-8")
        # The plugin's line at the end of each build: the first, then the rebuild.
        wait_for(base + "tasks/", lambda status, body: log.read_text(encoding="utf-8").count(" generated in ") >= 2)
    served = log.read_text(encoding="utf-8")
    assert "inaccurate navigation" not in served
    built = mkdocs("build", "--dirty", cwd=project)  # mkdocs build --dirty: MkDocs' warning holds
    assert built.returncode == 0 and "will likely lead to inaccurate navigation" in built.stderr, built.stderr[-2000:]


def _config_with(tmp_path: Path, plugins: str):
    project = copy_project(tmp_path / "project")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "\n  - prompt-pages:\n" in text
    config.write_text(text.replace("\n  - prompt-pages:\n", f"\n{plugins}  - prompt-pages:\n"), encoding="utf-8")
    config = load_config(str(config), site_dir=str(project / "site"))
    return config.plugins.on_config(config)  # as a build does before on_pre_build (Live.start)


def test_serve_finds_materials_search_and_tags_and_names_the_plugins_it_does_not_know(tmp_path):
    config = _config_with(tmp_path, "  - tags\n")
    plugins = mkdocs_internals.serve_plugins(config, PromptPagesPlugin)
    assert plugins.search is not None and plugins.tags is not None and plugins.unknown == ()

    config = _config_with(tmp_path / "other", "  - offline\n")
    plugins = mkdocs_internals.serve_plugins(config, PromptPagesPlugin)
    assert plugins.search is not None and plugins.tags is None and plugins.unknown == ("material/offline",)


@pytest.mark.parametrize("plugins, whole", [("", False), ("  - offline\n", True)])
def test_a_plugin_serve_does_not_know_makes_every_rebuild_whole(plugins, whole, tmp_path):
    config = _config_with(tmp_path, plugins)
    live = Live(PromptPagesPlugin)
    live.start(config)
    assert live.whole  # the first build
    live.site, live.inputs = object(), _inputs(config)  # as a finished build leaves them
    live.start(config)  # nothing changed outside sources/
    assert live.whole == whole


def test_the_site_dependencies_allowed_are_the_minor_releases_tested():
    """pyproject.toml allows each of the site's dependencies from the release constraints.txt
    pins (what the tests ran with) up to the next minor release, not beyond."""
    pins = dict((re.sub(r"[-_.]+", "_", line.lower().split("==")[0]), line.split("==")[1]) for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
                if "==" in line and not line.startswith("#"))
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert len(dependencies) >= 6
    for dependency in dependencies:
        name, low, high = re.fullmatch(r"([\w-]+)>=([\d.]+),<([\d.]+)", dependency).groups()
        pinned = pins[re.sub(r"[-_.]+", "_", name.lower())]  # constraints.txt spells names as pip freeze does
        version, lowest = (tuple(map(int, text.split("."))) for text in (pinned, low))
        major, minor = version[:2]
        assert lowest <= version and lowest[:2] == (major, minor), f"{dependency}: tested with {pinned} only"
        assert high == f"{major}.{minor + 1}", f"{dependency}: tested with {pinned}, allows releases not tested"
