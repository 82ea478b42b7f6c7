"""Worker processes (generator/runtime/workers.py): how many, on systems without Linux's
``sched_getaffinity`` (macOS) or Python 3.13's ``process_cpu_count`` too; and a worker that dies
or raises, in the CLI's HTML check and in the plugin's second process, changes nothing but a
log line: its work is done in the main process, with the same result."""

from __future__ import annotations

import gzip
import logging
import multiprocessing
import os
from pathlib import Path

import pytest
from conftest import ROOT
from mkdocs.commands.build import build
from mkdocs.config import load_config
from site_helpers import CACHE_OPTION, copy_project

from generator.cli import commands as cli
from generator.runtime import workers
from generator import site as site_module
from generator.plugin import fast_render, htmlcheck
from generator.pipeline import PromptPage
from generator.site import generate_site

#: How FailingInWorker fails in a worker: "die" (the process exits) or "raise".
#: Read from the environment, which the spawned worker inherits.
FAILURE = "PROMPT_PAGES_TEST_WORKER_FAILURE"
_REAL = {"rendered_batch": site_module._rendered_batch, "convert": fast_render.convert_in_process,
         "render": fast_render.render_in_process, "links": htmlcheck.fragment_links}


def _fail_in_worker() -> None:
    if multiprocessing.parent_process() is None:  # the main process: do the work
        return
    if os.environ.get(FAILURE) == "die":
        os._exit(1)
    raise RuntimeError("a worker broke")


class FailingInWorker:
    """One of _REAL, failing in a worker process (sent there by reference, as the real one is)."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, *args):
        _fail_in_worker()
        return _REAL[self.name](*args)


def _without_affinity(monkeypatch):
    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)


def test_the_worker_count_comes_from_what_the_system_has(monkeypatch):
    if hasattr(os, "process_cpu_count"):
        assert workers.usable_cpus() == os.process_cpu_count()
    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    if hasattr(os, "sched_getaffinity"):
        assert workers.usable_cpus() == len(os.sched_getaffinity(0))
    _without_affinity(monkeypatch)
    assert workers.usable_cpus() == os.cpu_count()
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # "cannot be determined"
    assert workers.usable_cpus() == 1


def test_check_runs_without_sched_getaffinity_or_process_cpu_count(monkeypatch, capsys, corpus_for_workers):
    """As on macOS: `python -m generator check sources`, and a check big enough for workers."""
    _without_affinity(monkeypatch)
    monkeypatch.chdir(ROOT)
    assert cli.main(["check", "sources", "--quiet"]) == cli.OK
    assert "internal error" not in capsys.readouterr().err
    assert cli.main(["check", str(corpus_for_workers), "--quiet"]) in (cli.OK, cli.PROBLEMS)
    assert "internal error" not in capsys.readouterr().err


def _checked(site) -> list:
    return [(r.source.path, r.problems, r.links if isinstance(r, PromptPage) else ()) for r in site.results] + [
        (p.path, p.markdown, p.allowed_links) for p in site.pages] + [str(p) for p in site.problems]


@pytest.mark.parametrize("failure", ["die", "raise"])
def test_a_failing_worker_of_the_check_leaves_the_site_as_it_was(failure, monkeypatch, caplog, corpus_for_workers):
    if workers.usable_cpus() < 2:
        pytest.skip("one CPU: the pages are rendered in this process")
    normal = _checked(generate_site([str(corpus_for_workers)]))
    monkeypatch.setenv(FAILURE, failure)
    monkeypatch.setattr(site_module, "_rendered_batch", FailingInWorker("rendered_batch"))
    with caplog.at_level(logging.WARNING, logger="generator"):
        assert _checked(generate_site([str(corpus_for_workers)])) == normal
    assert [r.message for r in caplog.records if "worker process failed" in r.message], caplog.text


def _site_files(site: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(site.rglob("*")):
        # Pagefind writes its filter and metadata files in another order on each run: its bundle is
        # checked against a clean build's page by page in test_serve.py, not byte by byte.
        if path.is_file() and not path.relative_to(site).as_posix().startswith("pagefind/"):
            data = path.read_bytes()
            files[path.relative_to(site).as_posix()] = gzip.decompress(data) if path.suffix == ".gz" else data
    return files


def _build(project: Path, site: Path) -> dict[str, bytes]:
    """``mkdocs build`` in this process (so that the patches reach the plugin)."""
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(site))
    assert config.plugins["prompt-pages"].config.second_process.from_pages == 1
    build(config)
    return _site_files(site)


@pytest.fixture(scope="module")
def second_process_project(tmp_path_factory):
    """The seeds' site, with the plugin's second process from the first page, and no cache (each
    build renders every page: a warm one would leave the second process nothing to do)."""
    project = copy_project(tmp_path_factory.mktemp("second") / "project")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    changed = text.replace(CACHE_OPTION, '      cache: ""\n      second_process:\n        from_pages: 1\n')
    assert changed != text
    config.write_text(changed, encoding="utf-8")
    return project


@pytest.mark.parametrize("failure", ["die", "raise"])
def test_a_failing_second_process_leaves_the_built_site_as_it_was(failure, second_process_project, tmp_path,
                                                                   monkeypatch, caplog):
    if workers.usable_cpus() < 2:
        pytest.skip("one CPU: no second process")
    normal = _build(second_process_project, tmp_path / "normal")
    monkeypatch.setenv(FAILURE, failure)
    monkeypatch.setattr(fast_render, "convert_in_process", FailingInWorker("convert"))
    monkeypatch.setattr(fast_render, "render_in_process", FailingInWorker("render"))
    monkeypatch.setattr(htmlcheck, "fragment_links", FailingInWorker("links"))
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.prompt_pages"):
        failed = _build(second_process_project, tmp_path / "failed")
    assert [r.message for r in caplog.records if "worker process failed" in r.message], caplog.text
    assert failed.keys() == normal.keys()
    assert [name for name in normal if failed[name] != normal[name]] == []
