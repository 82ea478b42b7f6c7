"""The scale benchmark: generator speed, `mkdocs build` with and without the plugin, page and
search-index sizes, and (``--browser``) search in Chromium, for each corpus size.

    .venv/bin/python -m benchmarks.run --sizes 1000 10000 --browser --out benchmarks/out/results.json

For each N it writes a synthetic corpus (``benchmarks/synth.py``) into ``WORK/N/sources`` and
measures:

(a) the generator alone, ``generate_site([sources], check_html=False)`` (and ``=True``), each
    in a fresh process, in prompts per second; best of ``--repeat`` runs; also pinned to one
    CPU (the single-core figure) with its CPU time; and, on one core, the CPU time of each
    step over every prompt in turn (``genbench --steps``): reading, parsing, task inference,
    workflow, answers, page composition, provenance check and index pages;
(b) ``mkdocs build`` of the whole site: a project folder with a copy of ``mkdocs.yml``,
    ``docs/`` and the synthetic ``sources/``, the plugin generating the pages, cold (its cache,
    ``.cache/``, removed before each run); (b') once more with the cache of the last run, nothing
    changed (the warm start), and the cache's size;
(c) ``mkdocs build`` of the same pages written by ``python -m generator build`` into a copy of
    ``docs/``, with ``mkdocs.yml`` minus the ``prompt-pages`` plugin: (b)/(c) compares the
    plugin's build (pages rendered block by block) with plain MkDocs; (b) and (c) run in turn,
    ``--build-repeat`` times each, and the best of each is kept;
(d) the largest HTML page and the search index of each site;
(e) ``make serve`` (``mkdocs serve --dirty``) on (b)'s project: the first serve, then, for
    ``--edits`` prompts saved one after the other, the time until the server serves the new
    page, every index page listing it and a search index with the change (``benchmarks/serve.py``);
    (e') the first serve again, with the cache the first one left;

and with ``--browser``, on (b)'s site, the time for the search index to load and for each
query to show its results, and with Pagefind the bytes a query's first results transfer
(``benchmarks/browser.py``).

``--questions distinct`` writes a corpus where no question recurs (``benchmarks/synth.py``);
the default, ``recurring``, draws on the catalog's 579 questions. ``--build-only`` measures (b)
alone, with (d) and the browser's figures: for the 100,000-prompt runs of
``make benchmark-large``, where (a), (c) and (e) would take hours.

The builds run one at a time as subprocesses (``NO_MKDOCS_2_WARNING=1``); their wall, user
and system time and peak memory come from ``wait4``. The results are printed as a table and
written as JSON (with the machine's facts) after every size, so a long run that is stopped
keeps what it measured. No timing target is asserted: the targets are reported as met or not.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from dataclasses import dataclass

from .serve import project_environment
from .synth import DEFAULT_CORPUS, Questions, write_corpus

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_OUT = ROOT / "benchmarks" / "out" / "results.json"

#: The issue's targets (benchmarks, not tests).
MAX_BUILD_RATIO = 0.6  # (b)/(c) at the largest size
MAX_EDIT_S = 2.0  # saving one prompt -> its page, index pages and search index served, at the largest size
LINEARITY_SLACK = 1.10  # (b) at 10 N <= 11 x (b) at N
MAX_LARGEST_PAGE_GROWTH = 1.10
MIN_GENERATOR_PROMPTS_PER_S = 2000  # one core
MAX_QUERY_MS = 1000
MAX_BUILD_S = 20 * 60  # mkdocs build with the plugin at 100,000 prompts (issue 29)
MAX_BUILD_RSS_MB = 8 * 1024  # its peak memory (a standard GitHub runner has 16 GB)
LARGE_N = 100_000  # the size those two targets are for
MAX_SITE_BYTES = 1e9  # GitHub Pages' limit on a site...
SITE_BYTES_AT = 60_000  # ...which the site of this many prompts must fit (issue 29)
MAX_FIRST_RESULTS_BYTES = 300_000  # transferred for a query's first results (Pagefind)
MAX_WARM_BUILD_S = 15.0  # mkdocs build again with nothing changed, at 10,000 prompts (issue 29)
CACHE = ".cache"  # the plugin's cache folder (its option ``cache``), beside mkdocs.yml


# --------------------------------------------------------------------------- running things

def tree_rss_bytes(root: int) -> int:
    """The resident memory of process ``root`` and every process under it, now."""
    parents, rss = {}, {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(fields[21]) * page
    total = 0
    for pid in rss:
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        total += rss[pid] if ancestor == root else 0
    return total


def run_measured(command: list[str], cwd: Path, log: Path, cpu: int | None = None) -> dict:
    """Run ``command`` to completion; wall/user/sys seconds, the peak RSS of its largest process
    (``wait4``'s: the process or one it waited for) and the peak of its processes' RSS together
    (sampled twice a second: a build's second process and Pagefind's run beside it).

    stdout and stderr go to ``log``.out / ``log``.err (so a big output cannot block it)."""
    environment = project_environment()
    log.parent.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    preexec = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
    with open(out_path, "w") as out, open(err_path, "w") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, env=environment, preexec_fn=preexec)
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.wait(0.5):
                peak[0] = max(peak[0], tree_rss_bytes(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        done.set()
        sampler.join()
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = err_path.read_text(errors="replace")
    return {
        "returncode": process.returncode,
        "wall_s": round(wall, 3),
        "user_s": round(usage.ru_utime, 3),
        "sys_s": round(usage.ru_stime, 3),
        "maxrss_mb": round(usage.ru_maxrss / 1024, 1),
        "tree_peak_rss_mb": round(peak[0] / 2**20, 1),
        "stdout": out_path.read_text(errors="replace"),
        "stderr_tail": stderr[-2000:],
        "warnings": sum(1 for line in stderr.splitlines() if line.startswith("WARNING")),
    }


def generator_run(sources: Path, log: Path, check_html: bool, cpu: int | None, steps: bool = False) -> dict:
    command = [sys.executable, "-m", "benchmarks.genbench", str(sources)]
    command += ["--check-html"] if check_html else []
    command += ["--steps"] if steps else []
    command += ["--cpu", str(cpu)] if cpu is not None else []
    run = run_measured(command, ROOT, log)
    if run["returncode"] != 0:
        raise RuntimeError(f"generator benchmark failed: {run['stderr_tail']}")
    return {**json.loads(run["stdout"]), "process_maxrss_mb": run["maxrss_mb"]}


def generator_figures(sources: Path, logs: Path, repeat: int) -> dict:
    """(a): best of ``repeat`` fresh-process runs of each kind."""
    single = sorted(os.sched_getaffinity(0))[-1]
    kinds = {
        "check_html_false": (False, None, repeat),
        "check_html_true": (True, None, max(1, repeat // 2)),
        "single_core": (False, single, repeat),
    }
    figures = {}
    for name, (check_html, cpu, times) in kinds.items():
        runs = [generator_run(sources, logs / f"generator-{name}-{i}", check_html, cpu) for i in range(times)]
        best = min(runs, key=lambda r: r["wall_s"])
        figures[name] = {
            **best,
            "runs_wall_s": [r["wall_s"] for r in runs],
            "best_cpu_prompts_per_s": max(r["prompts_per_cpu_s"] or 0 for r in runs),
        }
    # Where the time goes: each step over every prompt in turn, on one core (genbench --steps).
    runs = [generator_run(sources, logs / f"generator-steps-{i}", False, single, steps=True) for i in range(repeat)]
    figures["steps"] = min(runs, key=lambda r: r["total_cpu_s"])
    return figures


def mkdocs_build(project: Path, site: Path, log: Path, config: Path | None = None, warm: bool = False) -> dict:
    """One build, cold (the plugin's cache removed first) unless ``warm``."""
    if site.exists():
        shutil.rmtree(site)
    if not warm:
        shutil.rmtree(project / CACHE, ignore_errors=True)
    command = [str(BIN / "mkdocs"), "build", "-d", str(site)] + (["-f", str(config)] if config else [])
    run = run_measured(command, project, log)
    built = re.search(r"Documentation built in ([\d.]+) seconds", run["stderr_tail"])
    run["mkdocs_reported_s"] = float(built.group(1)) if built else None
    run.pop("stdout")
    if run["returncode"] != 0:
        raise RuntimeError(f"mkdocs build in {project} failed: {run['stderr_tail']}")
    return run


def plain_config(text: str, docs_dir: Path) -> str:
    """mkdocs.yml without the ``prompt-pages`` plugin entry (and its options), reading ``docs_dir``."""
    out, skip_deeper_than = [], None
    for line in text.splitlines(keepends=True):
        indent = len(line) - len(line.lstrip())
        if skip_deeper_than is not None:
            if line.strip() and indent <= skip_deeper_than:
                skip_deeper_than = None
            else:
                continue
        if re.match(r"^\s*-\s*prompt-pages\s*:?\s*$", line):
            skip_deeper_than = indent
            continue
        out.append(line)
    config = "".join(out)
    if "prompt-pages" in config:
        raise RuntimeError("could not remove the prompt-pages plugin from mkdocs.yml")
    line = f"docs_dir: {docs_dir}\n"
    if re.search(r"(?m)^docs_dir:.*$", config):
        return re.sub(r"(?m)^docs_dir:.*\n?", line, config, count=1)
    return line + config


def site_stats(site: Path) -> dict:
    pages = [(path.stat().st_size, path.relative_to(site).as_posix()) for path in site.rglob("*.html")]
    site_bytes = sum(path.stat().st_size for path in site.rglob("*") if path.is_file())
    prompt_pages = [page for page in pages if page[1].startswith("prompts/")]
    largest, largest_prompt = max(pages), max(prompt_pages, default=(0, None))
    index = site / "search" / "search_index.json"
    bundle = site / "pagefind"
    docs, index_bytes = None, index.stat().st_size if index.exists() else None
    try:
        if bundle.is_dir():  # Pagefind's index (search: pagefind): its pages, and the bytes of its bundle
            docs = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))["languages"]["en"]["page_count"]
            index_bytes = sum(path.stat().st_size for path in bundle.rglob("*") if path.is_file())
        else:
            docs = len(json.loads(index.read_text(encoding="utf-8"))["docs"])
    except (OSError, ValueError, KeyError):
        pass
    return {
        "html_pages": len(pages),
        "prompt_pages": len(prompt_pages),
        "html_bytes": sum(size for size, _ in pages),
        "site_bytes": site_bytes,
        "prompt_html_bytes_mean": round(statistics.mean(size for size, _ in prompt_pages)) if prompt_pages else None,
        "largest_html_bytes": largest[0],
        "largest_html": largest[1],
        "largest_prompt_html_bytes": largest_prompt[0],
        "largest_prompt_html": largest_prompt[1],
        "search_engine": "pagefind" if bundle.is_dir() else "material",
        "search_index_bytes": index_bytes,
        "search_index_docs": docs,
    }


# --------------------------------------------------------------------------- one size

def fresh_project(folder: Path) -> Path:
    """``folder``, emptied, with the site's ``docs/`` and the theme's ``overrides/`` (mkdocs.yml's
    custom_dir)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "docs", folder / "docs")
    shutil.copytree(ROOT / "overrides", folder / "overrides")
    return folder


def plain_project(n: int, base: Path, sources: Path, logs: Path, log, result: dict) -> Path:
    """(c)'s project: the same pages written by the CLI into a plain docs folder, and
    ``plain.yml``, mkdocs.yml without the plugin; the CLI's run goes into ``result``."""
    plain = fresh_project(base / "plain")
    log(f"[{n}] (c) python -m generator build")
    cli = run_measured([sys.executable, "-m", "generator", "build", str(sources), "--out", str(plain / "docs")],
                       ROOT, logs / "cli-build")
    cli.pop("stdout")
    # 1: the pages are written and some prompts have problems (the corpus has answers citing
    # links outside their sources on purpose); anything else is a failure.
    if cli["returncode"] not in (0, 1) or not (plain / "docs" / ".generator-manifest.json").exists():
        raise RuntimeError(f"python -m generator build failed: {cli['stderr_tail']}")
    cli["problems"] = sum(1 for line in (logs / "cli-build.err").read_text(errors="replace").splitlines() if line.strip())
    result["cli_build"] = cli
    config = plain / "plain.yml"
    config.write_text(plain_config((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), plain / "docs"))
    return plain


@dataclass(frozen=True)
class Plan:
    """What to measure at each size (the command line's options)."""

    seed: int
    repeat: int  # runs of each generator measurement
    build_repeat: int  # runs of each mkdocs build
    browser: bool
    queries: tuple[str, ...]
    corpus: Path  # the catalog
    questions: Questions = Questions.RECURRING
    edits: int = 5
    build_only: bool = False  # (b), (d) and the browser only


def size_folder(work: Path, n: int, questions: Questions) -> Path:
    """Where a size's corpus, sites and logs go: one folder per size and kind of questions."""
    return work.resolve() / (str(n) if questions is Questions.RECURRING else f"{n}-{questions.value}")


def bench_size(n: int, work: Path, plan: Plan, log=print, save=None) -> dict:
    base = size_folder(work, n, plan.questions)
    logs = base / "logs"
    sources = base / "sources"
    result: dict = {"n": n}

    log(f"[{n}] writing the corpus ({plan.questions.value} questions)")
    result["corpus"] = write_corpus(sources, n, plan.seed, plan.corpus, plan.questions)

    if not plan.build_only:
        log(f"[{n}] (a) generator alone")
        result["generator"] = generator_figures(sources, logs, plan.repeat)

    # (b) the project as it is built: mkdocs.yml, docs/ and sources/ side by side.
    project = fresh_project(base / "plugin")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(sources, project / "sources")

    if plan.build_only:
        runs = []
        for i in range(plan.build_repeat):
            log(f"[{n}] (b) mkdocs build with the plugin, run {i + 1}/{plan.build_repeat}")
            runs.append(mkdocs_build(project, project / "site", logs / f"mkdocs-plugin-{i}"))
        result["build_plugin"] = {**min(runs, key=lambda r: r["wall_s"]), "runs_wall_s": [r["wall_s"] for r in runs]}
    else:
        plain = plain_project(n, base, sources, logs, log, result)
        plugin_runs, plain_runs = [], []
        for i in range(plan.build_repeat):  # interleaved, so that a noisy spell hits both alike
            log(f"[{n}] (b) mkdocs build with the plugin, run {i + 1}/{plan.build_repeat}")
            plugin_runs.append(mkdocs_build(project, project / "site", logs / f"mkdocs-plugin-{i}"))
            log(f"[{n}] (c) mkdocs build without the plugin, run {i + 1}/{plan.build_repeat}")
            plain_runs.append(mkdocs_build(plain, plain / "site", logs / f"mkdocs-plain-{i}", plain / "plain.yml"))
        result["build_plugin"] = {**min(plugin_runs, key=lambda r: r["wall_s"]), "runs_wall_s": [r["wall_s"] for r in plugin_runs]}
        result["build_plain"] = {**min(plain_runs, key=lambda r: r["wall_s"]), "runs_wall_s": [r["wall_s"] for r in plain_runs]}
        result["build_ratio"] = round(result["build_plugin"]["wall_s"] / result["build_plain"]["wall_s"], 3)

    log(f"[{n}] (b') mkdocs build again with the cache of the last, nothing changed")
    result["build_warm"] = mkdocs_build(project, project / "site", logs / "mkdocs-plugin-warm", warm=True)
    result["build_warm"]["cache_bytes"] = sum(path.stat().st_size for path in (project / CACHE).rglob("*")
                                              if path.is_file())

    log(f"[{n}] (d) sizes")
    result["site_plugin"] = site_stats(project / "site")
    if not plan.build_only:
        result["site_plain"] = site_stats(base / "plain" / "site")

    edits = 0 if plan.build_only else plan.edits
    if edits:
        from .serve import free_port, measure as measure_serve

        log(f"[{n}] (e) mkdocs serve --dirty: the first serve, then {edits} saved prompts")
        port = free_port()  # both serves on one: the port is in the site's address, and so in the cache's key
        result["serve"] = measure_serve(project, edits, log=lambda m: log(f"[{n}] {m}"), log_file=logs / "serve.log",
                                        port=port)
        log(f"[{n}] (e') the first serve again, with the cache of the last")
        result["serve_warm"] = measure_serve(project, 0, log=lambda m: log(f"[{n}] {m}"), log_file=logs / "serve-warm.log",
                                             port=port)

    if plan.browser:
        from .browser import measure_search

        if save:
            save(result)  # what was measured so far survives a browser failure
        log(f"[{n}] search in Chromium")
        try:
            result["search"] = measure_search(project / "site", plan.queries, log=lambda m: log(f"[{n}] {m}"))
        except Exception as error:  # noqa: BLE001 - recorded: the other figures stand
            result["search"] = {"error": repr(error)[:1000], "query_ms_max": None}
    return result


# --------------------------------------------------------------------------- report

def machine_facts() -> dict:
    def cpu_model():
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return platform.processor() or None

    def memory_gb():
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemTotal"):
                    return round(int(line.split()[1]) / 1048576, 1)
        except OSError:
            return None

    def git(*args):
        try:
            return subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True,
                                  text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    versions = {}
    for package in ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "beautifulsoup4", "playwright"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    status = git("status", "--porcelain")
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model(),
        "memory_gb": memory_gb(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": versions,
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
    }


def evaluate_targets(sizes: dict) -> dict:
    """Each target the figures measured allow judging (a build-only run has no (b)/(c))."""
    ns = sorted(int(n) for n in sizes)
    large = sizes[str(ns[-1])]
    targets = {}

    def target(name, n, value, limit, met=None):
        targets[name] = {"n": n, "value": value, "limit": limit,
                         "met": (value is not None and value <= limit) if met is None else met}

    if "build_ratio" in large:
        target("build_ratio", ns[-1], large["build_ratio"], MAX_BUILD_RATIO)
    if "build_warm" in sizes.get("10000", {}):
        target("warm_build_s", 10_000, sizes["10000"]["build_warm"]["wall_s"], MAX_WARM_BUILD_S)
    if "serve" in large:
        # The median of the saved prompts: one edit's time depends on when MkDocs' watcher (it
        # looks every half second) comes to it, and on what else the machine runs then.
        target("live_edit", ns[-1], large["serve"]["edit_all_s_median"], MAX_EDIT_S)
    for small_n, large_n in zip(ns, ns[1:]):  # each size against the one before
        small, big = sizes[str(small_n)], sizes[str(large_n)]
        factor = large_n / small_n
        growth = big["build_plugin"]["wall_s"] / small["build_plugin"]["wall_s"]
        target(f"linear_build_{small_n}_{large_n}", [small_n, large_n], round(growth, 2),
               round(LINEARITY_SLACK * factor, 2))
        page_growth = big["site_plugin"]["largest_html_bytes"] / small["site_plugin"]["largest_html_bytes"]
        target(f"largest_page_growth_{small_n}_{large_n}", [small_n, large_n], round(page_growth, 3),
               MAX_LARGEST_PAGE_GROWTH)
    if ns[-1] >= LARGE_N:
        target("build_time_s", ns[-1], large["build_plugin"]["wall_s"], MAX_BUILD_S)
        memory = max(large["build_plugin"]["maxrss_mb"], large["build_plugin"].get("tree_peak_rss_mb", 0))
        target("build_peak_rss_mb", ns[-1], memory, MAX_BUILD_RSS_MB)
    # The site at 60,000 prompts: the largest site, and what each prompt more added between the
    # two largest sizes (the assets, Mermaid's 3.5 MB among them, are there once).
    site_bytes = large["site_plugin"].get("site_bytes", 0)
    per_prompt = site_bytes / ns[-1]
    if len(ns) > 1:
        per_prompt = (site_bytes - sizes[str(ns[-2])]["site_plugin"].get("site_bytes", 0)) / (ns[-1] - ns[-2])
    target(f"site_bytes_at_{SITE_BYTES_AT}", ns[-1], round(site_bytes + per_prompt * (SITE_BYTES_AT - ns[-1])),
           MAX_SITE_BYTES)
    if "generator" in large:
        target("generator_single_core", ns[-1], large["generator"]["single_core"]["prompts_per_s"],
               MIN_GENERATOR_PROMPTS_PER_S, met=large["generator"]["single_core"]["prompts_per_s"] >= MIN_GENERATOR_PROMPTS_PER_S)
    for n in ns:
        search = sizes[str(n)].get("search", {})
        if "first_results_bytes_max" in search:
            target(f"search_first_results_bytes_{n}", n, search["first_results_bytes_max"], MAX_FIRST_RESULTS_BYTES)
    if "search" in large:
        target("search_query", ns[-1], large["search"].get("query_ms_max"), MAX_QUERY_MS)
        # The same, as a person types: from the last key to the final results (every prefix
        # is searched on the way). Not one of the targets; reported beside it.
        target("search_as_typed", ns[-1], large["search"].get("last_key_ms_max"), MAX_QUERY_MS)
    return targets


def _mb(value):
    return f"{value / 1e6:.2f}" if value is not None else "-"


def table(results: dict) -> str:
    sizes = results["sizes"]
    ns = sorted(sizes, key=int)
    rows: list[tuple[str, list[str]]] = []

    def row(label, get):
        cells = []
        for n in ns:
            try:
                value = get(sizes[n])
            except (KeyError, TypeError, ZeroDivisionError):
                value = None
            cells.append("-" if value is None else str(value))
        rows.append((label, cells))

    row("corpus: prompts / with answer", lambda s: f"{s['corpus']['prompts']} / {s['corpus']['with_answer']}")
    row("corpus MB", lambda s: _mb(s["corpus"]["bytes"]))
    row("(a) generator check_html=False, prompts/s", lambda s: s["generator"]["check_html_false"]["prompts_per_s"])
    row("(a) generator check_html=True, prompts/s", lambda s: s["generator"]["check_html_true"]["prompts_per_s"])
    row("(a) generator one core (pinned), prompts/s", lambda s: s["generator"]["single_core"]["prompts_per_s"])
    row("(a) generator one core, prompts/CPU-s", lambda s: s["generator"]["single_core"]["best_cpu_prompts_per_s"])
    row("(a) generator peak RSS MB", lambda s: s["generator"]["check_html_false"]["maxrss_mb"])
    row("(a) one step at a time, one core, prompts/CPU-s", lambda s: s["generator"]["steps"]["all_steps_prompts_per_cpu_s"])
    row("(a)   the issue's steps alone, prompts/CPU-s", lambda s: s["generator"]["steps"]["issue_steps_prompts_per_cpu_s"])
    steps = list(next(iter(sizes.values())).get("generator", {}).get("steps", {}).get("steps_ms_per_prompt", {}))
    for step in steps:
        row(f"(a)   {step}, ms per prompt", lambda s, step=step: s["generator"]["steps"]["steps_ms_per_prompt"][step])
    row("python -m generator build, s", lambda s: s["cli_build"]["wall_s"])
    row("(b) mkdocs build with plugin, s", lambda s: s["build_plugin"]["wall_s"])
    row("(b)   as reported by mkdocs, s", lambda s: s["build_plugin"]["mkdocs_reported_s"])
    row("(b)   ms per prompt", lambda s: round(1000 * s["build_plugin"]["wall_s"] / s["n"], 1))
    row("(b)   peak RSS MB, largest process", lambda s: s["build_plugin"]["maxrss_mb"])
    row("(b)   peak RSS MB, its processes together", lambda s: s["build_plugin"]["tree_peak_rss_mb"])
    row("(b)   warnings", lambda s: s["build_plugin"]["warnings"])
    row("(b') the same again, warm (nothing changed), s", lambda s: s["build_warm"]["wall_s"])
    row("(b')   its cache on disk, MB", lambda s: _mb(s["build_warm"]["cache_bytes"]))
    row("(c) mkdocs build without plugin, s", lambda s: s["build_plain"]["wall_s"])
    row("(c)   as reported by mkdocs, s", lambda s: s["build_plain"]["mkdocs_reported_s"])
    row("(c)   peak RSS MB", lambda s: s["build_plain"]["maxrss_mb"])
    row("(b)/(c)", lambda s: s["build_ratio"])
    row("(e) mkdocs serve --dirty: first serve, s", lambda s: s["serve"]["first_serve_s"])
    row("(e') the first serve again, warm, s", lambda s: s["serve_warm"]["first_serve_s"])
    row("(e) save one prompt -> page, index pages, search index served, s, median",
        lambda s: s["serve"]["edit_all_s_median"])
    row("(e)   the same, slowest", lambda s: s["serve"]["edit_all_s_max"])
    row("(e) add one prompt -> page, index pages, search index served, s", lambda s: s["serve"]["added"]["all_s"])
    row("(e) delete it -> page gone, index pages, search index served, s", lambda s: s["serve"]["deleted"]["all_s"])
    row("(e)   the rebuild alone (MkDocs' figure), s, median",
        lambda s: statistics.median(s["serve"]["builds_s"][1:]) if len(s["serve"]["builds_s"]) > 1 else None)
    row("(d) HTML pages", lambda s: s["site_plugin"]["html_pages"])
    row("(d) largest HTML page KB", lambda s: f"{s['site_plugin']['largest_html_bytes'] / 1e3:.1f}")
    row("(d)   which", lambda s: s["site_plugin"]["largest_html"])
    row("(d) largest prompt page KB", lambda s: f"{s['site_plugin']['largest_prompt_html_bytes'] / 1e3:.1f}")
    row("(d) site MB (every file)", lambda s: _mb(s["site_plugin"]["site_bytes"]))
    row("(d) prompt page KB, mean", lambda s: f"{s['site_plugin']['prompt_html_bytes_mean'] / 1e3:.1f}")
    row("(d) search index MB", lambda s: _mb(s["site_plugin"]["search_index_bytes"]))
    row("(d) search index docs", lambda s: s["site_plugin"]["search_index_docs"])
    row("search: index load (ready), ms", lambda s: s["search"]["index_ready_ms_median"])
    row("search:   of which indexing in worker, ms", lambda s: s["search"]["index_build_ms_median"])
    row("search: Chromium renderer RSS max, MB", lambda s: s["search"]["renderer_rss_mb_max"])
    row("search: renderer crashes / errors", lambda s: len(s["search"].get("crashes", [])) + ("error" in s["search"]))
    queries = sorted({q for n in ns for q in sizes[n].get("search", {}).get("queries", {})})
    for query in queries:
        row(f"search: {query!r} keyup→results, ms", lambda s, q=query: s["search"]["queries"][q]["ms_median"])
        row(f"search: {query!r} typed→final, ms", lambda s, q=query: s["search"]["queries"][q]["typed_ms_median"])
        row(f"search: {query!r} last key→final, ms", lambda s, q=query: s["search"]["queries"][q]["last_key_ms_median"])
        row(f"search: {query!r} last key→first result (the hubs first, index in parts), ms",
            lambda s, q=query: s["search"]["queries"][q]["first_result_ms_median"])
        row(f"search: {query!r} first results, KB transferred",
            lambda s, q=query: round(s["search"]["queries"][q]["first_results"]["bytes"] / 1e3, 1))

    rows = [(label, cells) for label, cells in rows if not label.startswith("search") or set(cells) != {"-"}]
    width = max(len(label) for label, _ in rows)
    col = [max(len(f"N={n}"), *(len(cells[i]) for _, cells in rows)) for i, n in enumerate(ns)]
    lines = [" " * width + "  " + "  ".join(f"N={n}".rjust(col[i]) for i, n in enumerate(ns))]
    for label, cells in rows:
        lines.append(label.ljust(width) + "  " + "  ".join(c.rjust(col[i]) for i, c in enumerate(cells)))
    if results.get("targets"):
        lines.append("")
        lines.append("targets:")
        for name, t in results["targets"].items():
            lines.append(f"  {name:24s} {'met' if t['met'] else 'NOT MET':8s} value {t['value']}  limit {t['limit']}  (N={t['n']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="corpus sizes")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON results file")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for corpora, sites and logs (default: beside --out, work/)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the catalog (benchmarks/corpus)")
    # Five: on these shared machines one run of the same code swings by ±30 % within a minute;
    # the best of five is the machine's own speed more often than the best of three.
    parser.add_argument("--repeat", type=int, default=5, help="runs of each generator measurement (best kept)")
    parser.add_argument("--build-repeat", type=int, default=2, help="runs of each mkdocs build (best kept)")
    parser.add_argument("--edits", type=int, default=5, help="prompts saved under mkdocs serve --dirty (0: none)")
    parser.add_argument("--browser", action="store_true", help="also measure search in Chromium")
    parser.add_argument("--query", action="append", dest="queries", help="a search query (repeatable)")
    parser.add_argument("--clean", action="store_true", help="delete each size's work folder when measured")
    parser.add_argument("--questions", choices=[q.value for q in Questions], default=Questions.RECURRING.value,
                        help="the corpus's questions: recurring (the catalog's) or distinct (none recurs)")
    parser.add_argument("--build-only", action="store_true",
                        help="measure the build with the plugin, the site and (--browser) search only")
    arguments = parser.parse_args(argv)

    from .browser import DEFAULT_QUERIES

    arguments.out = arguments.out.resolve()
    work = (arguments.work or arguments.out.parent / "work").resolve()
    plan = Plan(seed=arguments.seed, repeat=arguments.repeat, build_repeat=arguments.build_repeat,
                browser=arguments.browser, queries=tuple(arguments.queries or DEFAULT_QUERIES),
                corpus=arguments.corpus, questions=Questions(arguments.questions), edits=arguments.edits,
                build_only=arguments.build_only)
    results = {
        "machine": machine_facts(),
        "settings": {"sizes": arguments.sizes, "seed": plan.seed, "repeat": plan.repeat,
                     "build_repeat": plan.build_repeat, "edits": plan.edits, "browser": plan.browser,
                     "queries": list(plan.queries), "work": str(work), "questions": plan.questions.value,
                     "build_only": plan.build_only},
        "sizes": {},
    }

    def log(message):
        print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)

    arguments.out.parent.mkdir(parents=True, exist_ok=True)

    def save(size_result=None):
        if size_result is not None:
            results["sizes"][str(size_result["n"])] = size_result
        results["targets"] = evaluate_targets(results["sizes"])
        results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        arguments.out.write_text(json.dumps(results, indent=1) + "\n")

    for n in arguments.sizes:
        save(bench_size(n, work, plan, log, save))
        if arguments.clean:
            shutil.rmtree(size_folder(work, n, plan.questions), ignore_errors=True)
    print(table(results))
    log(f"results written to {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
