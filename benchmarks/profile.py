"""Where the time goes: cProfile of the generator, and of `mkdocs build` with and without the plugin.

    .venv/bin/python -m benchmarks.profile --n 1000 [--out benchmarks/out/profile] [--skip-mkdocs]

Writes into ``--out``: ``generator.prof`` and ``mkdocs-plugin.prof`` / ``mkdocs-plain.prof``
(pstats files, e.g. for ``snakeviz``), and ``report.txt``: the top functions of the generator
by cumulative and by own time, time by package, the plugin's hooks inside ``mkdocs build``, and
the functions whose own time grows most when the plugin is on. Profiling slows Python code
down (about 1.5-2x), so shares matter here, not absolute times: ``benchmarks.run`` times.
"""

from __future__ import annotations

import argparse
import io
import pstats
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from .run import BIN, ROOT, plain_config, run_measured
from .synth import DEFAULT_CORPUS, write_corpus

TOP = 30


def _stats(path: Path) -> pstats.Stats:
    return pstats.Stats(str(path), stream=io.StringIO())


def _top(stats: pstats.Stats, key: str, limit: int = TOP) -> str:
    stream = io.StringIO()
    stats.stream = stream
    stats.sort_stats(key).print_stats(limit)
    text = stream.getvalue()
    return text[text.find("   ncalls"):] if "   ncalls" in text else text


def _package(filename: str) -> str:
    """A short name for where a function lives: generator.x, bs4, markdown, mkdocs, material…"""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins/C"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if "generator" in parts:
        rest = parts[parts.index("generator") + 1:]
        return "generator." + ".".join(p.removesuffix(".py") for p in rest)
    if "lib" in parts and any(p.startswith("python3") for p in parts):
        return "stdlib." + path.stem
    return path.stem


def own_time_by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    totals: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        totals[_package(filename)] += tottime
    return sorted(totals.items(), key=lambda item: -item[1])


def total_time(stats: pstats.Stats) -> float:
    return stats.total_tt


def cumulative_of(stats: pstats.Stats, file_part: str, name: str) -> float:
    return sum(cumtime for (filename, _, function), (_, _, _, cumtime, _) in stats.stats.items()
               if function == name and file_part in filename)


def own_time_diff(with_plugin: pstats.Stats, without: pstats.Stats, limit: int = TOP) -> list[tuple[str, float, float]]:
    def by_function(stats):
        out: dict[str, float] = defaultdict(float)
        for (filename, line, function), (_, _, tottime, _, _) in stats.stats.items():
            out[f"{_package(filename)}:{function}"] += tottime
        return out

    a, b = by_function(with_plugin), by_function(without)
    diffs = [(key, a.get(key, 0.0), b.get(key, 0.0)) for key in set(a) | set(b)]
    return sorted(diffs, key=lambda d: -(d[1] - d[2]))[:limit]


def profile_generator(sources: Path, out: Path) -> str:
    prof = out / "generator.prof"
    run = run_measured([sys.executable, "-m", "benchmarks.genbench", str(sources), "--profile", str(prof)],
                       ROOT, out / "logs" / "generator-profile")
    if run["returncode"]:
        raise RuntimeError(run["stderr_tail"])
    stats = _stats(prof)
    report = [f"== generator: generate_site(check_html=False) under cProfile: {total_time(stats):.2f} s", ""]
    report += ["-- own time by package", ""]
    report += [f"{seconds:9.3f} s  {100 * seconds / total_time(stats):5.1f} %  {name}"
               for name, seconds in own_time_by_package(stats)[:20]]
    report += ["", f"-- top {TOP} by cumulative time", "", _top(stats, "cumulative")]
    report += [f"-- top {TOP} by own time", "", _top(stats, "tottime")]
    return "\n".join(report)


#: Functions timed by :func:`stage_times`: (module, name as that module looks it up, shown as).
STAGES = (
    ("generator.site", "read_sources", "read the files"),
    ("generator.pipeline", "parse_prompt", "parse"),
    ("generator.pipeline", "infer_task", "infer the task"),
    ("generator.pipeline", "find_techniques", "find techniques in paper summaries"),
    ("generator.pipeline", "plan_workflow", "plan the workflow"),
    ("generator.pipeline", "compose_page", "compose the page (all of it)"),
    ("generator.steps.compose", "front_matter", "  of which: front matter (yaml.safe_dump)"),
    ("generator.steps.compose", "_task_section", "  of which: Task section"),
    ("generator.steps.compose", "_workflow_section", "  of which: Workflow section (incl. Mermaid)"),
    ("generator.steps.compose", "_references_section", "  of which: References section"),
    ("generator.pipeline", "page_links", "provenance check: collect the page's links"),
    ("generator.pipeline", "check_links", "provenance check: compare with the source block"),
    ("generator.site", "build_indexes", "index pages (all of it)"),
    ("generator.collection.indexes", "front_matter", "  of which: front matter (yaml.safe_dump)"),
    ("generator.site", "page_links", "index pages: collect links"),
    ("generator.site", "check_links", "index pages: compare links"),
)


def stage_times(sources: Path) -> str:
    """Wall time of each step of ``generate_site(check_html=False)``, by wrapping the step
    functions with a timer: no profiler overhead, so the shares are those of a real run."""
    import importlib
    import time

    totals: dict[tuple[str, str], list] = {}

    def timed(key, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[key][0] += time.perf_counter() - start
                totals[key][1] += 1
        return wrapper

    missing = []
    for module_name, name, _ in STAGES:
        module = importlib.import_module(module_name)
        if not hasattr(module, name):
            missing.append(f"{module_name}.{name}")
            continue
        totals[(module_name, name)] = [0.0, 0]
        setattr(module, name, timed((module_name, name), getattr(module, name)))
    from generator.site import generate_site

    start = time.perf_counter()
    site = generate_site([str(sources)], check_html=False)
    total = time.perf_counter() - start
    prompts = len(site.results)
    report = [f"== generator steps, timed without a profiler: generate_site(check_html=False) on {prompts} prompts "
              f"in {total:.2f} s ({prompts / total:.0f} prompts/s)", "",
              f"{'seconds':>9}  {'share':>6}  {'µs/prompt':>9}  {'calls':>7}  step"]
    for module_name, name, label in STAGES:
        if (module_name, name) in totals:
            seconds, calls = totals[(module_name, name)]
            report.append(f"{seconds:9.3f}  {100 * seconds / total:5.1f}%  {1e6 * seconds / prompts:9.0f}  {calls:7d}  {label}")
    if missing:
        report.append(f"(not found, not timed: {', '.join(missing)})")
    return "\n".join(report)


_HOOK_TIMER = r"""
import json, sys, time
import generator.steps.check as check
import generator.plugin.plugin as plugin
totals = {}
def timed(owner, name, key):
    function = getattr(owner, name)
    totals[key] = [0.0, 0]
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[key][0] += time.perf_counter() - start
            totals[key][1] += 1
    setattr(owner, name, wrapper)
timed(plugin.PromptPagesPlugin, "on_files", "on_files (all of it)")
timed(plugin, "generate_site", "  of which: generate_site")
timed(plugin.PromptPagesPlugin, "on_page_content", "on_page_content (all of it)")
timed(check, "html_links", "  of which: html_links (BeautifulSoup)")
from mkdocs.__main__ import cli
start = time.perf_counter()
try:
    cli(sys.argv[1:], standalone_mode=False)
finally:
    totals["mkdocs build (whole, in process)"] = [time.perf_counter() - start, 1]
    print(json.dumps(totals), file=sys.stderr)
"""


def hook_times(project: Path, log: Path) -> str:
    """Wall time of the plugin's hooks inside one unprofiled ``mkdocs build``."""
    run = run_measured([sys.executable, "-c", _HOOK_TIMER, "build", "-d", str(project / "site")], project, log)
    if run["returncode"]:
        raise RuntimeError(run["stderr_tail"])
    import json

    totals = json.loads(run["stderr_tail"].strip().splitlines()[-1])
    whole = totals["mkdocs build (whole, in process)"][0]
    lines = ["-- the plugin's hooks, timed without a profiler (wall seconds, share of that build)", ""]
    lines += [f"{seconds:9.3f} s  {100 * seconds / whole:5.1f} %  {calls:6d} calls  {key}"
              for key, (seconds, calls) in totals.items()]
    return "\n".join(lines)


def profile_mkdocs(sources: Path, out: Path) -> str:
    work = out / "work"
    if work.exists():
        shutil.rmtree(work)
    project, plain = work / "plugin", work / "plain"
    project.mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copytree(sources, project / "sources")
    plain.mkdir(parents=True)
    shutil.copytree(ROOT / "docs", plain / "docs")
    subprocess.run([sys.executable, "-m", "generator", "build", str(sources), "--out", str(plain / "docs")],
                   cwd=ROOT, check=True, capture_output=True)
    (plain / "plain.yml").write_text(plain_config((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), plain / "docs"))

    profiles = {}
    for name, cwd, extra in (("plugin", project, []), ("plain", plain, ["-f", str(plain / "plain.yml")])):
        prof = out / f"mkdocs-{name}.prof"
        command = [sys.executable, "-m", "cProfile", "-o", str(prof), str(BIN / "mkdocs"), "build",
                   "-d", str(cwd / "site"), *extra]
        run = run_measured(command, cwd, out / "logs" / f"mkdocs-{name}-profile")
        if run["returncode"]:
            raise RuntimeError(run["stderr_tail"])
        profiles[name] = _stats(prof)

    timed_hooks = hook_times(project, out / "logs" / "mkdocs-plugin-hooks")
    plugin, plain_stats = profiles["plugin"], profiles["plain"]
    hooks = {hook: cumulative_of(plugin, "generator/plugin/plugin.py", hook)
             for hook in ("on_config", "on_files", "on_page_content", "on_serve")}
    extra = total_time(plugin) - total_time(plain_stats)
    report = [
        f"== mkdocs build under cProfile: with the plugin {total_time(plugin):.2f} s, "
        f"without {total_time(plain_stats):.2f} s, difference {extra:.2f} s "
        f"(ratio {total_time(plugin) / total_time(plain_stats):.3f})",
        "",
        timed_hooks,
        "",
        "-- the plugin's hooks under cProfile (cumulative, with the plugin)",
        "",
    ]
    report += [f"{seconds:9.3f} s  {100 * seconds / total_time(plugin):5.1f} % of the build  {hook}"
               for hook, seconds in hooks.items()]
    for hook_file, name in (("generator/site.py", "generate_site"), ("generator/steps/check.py", "html_links"),
                            ("generator/steps/check.py", "check_links"), ("generator/steps/check.py", "page_links"),
                            ("generator/steps/check.py", "markdown_links")):
        report.append(f"{cumulative_of(plugin, hook_file, name):9.3f} s  {name} (cumulative, all calls)")
    report += ["", "-- own time by package, with the plugin / without", ""]
    without = dict(own_time_by_package(plain_stats))
    for name, seconds in own_time_by_package(plugin)[:25]:
        report.append(f"{seconds:9.3f} s  {without.get(name, 0.0):9.3f} s  {name}")
    report += ["", "-- functions whose own time grows most with the plugin (with / without / difference)", ""]
    for key, a, b in own_time_diff(plugin, plain_stats):
        report.append(f"{a:9.3f} s  {b:9.3f} s  {a - b:+9.3f} s  {key}")
    report += ["", f"-- with the plugin: top {TOP} by own time", "", _top(plugin, "tottime")]
    report += [f"-- without the plugin: top {TOP} by own time", "", _top(plain_stats, "tottime")]
    report += [f"-- with the plugin: top {TOP} by cumulative time", "", _top(plugin, "cumulative")]
    return "\n".join(report)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "profile")
    parser.add_argument("--skip-mkdocs", action="store_true", help="profile the generator only")
    parser.add_argument("--stages-only", type=Path, default=None, metavar="SOURCES",
                        help="only print the timed steps of the generator on SOURCES (used in a fresh process)")
    arguments = parser.parse_args(argv)
    if arguments.stages_only:
        print(stage_times(arguments.stages_only))
        return 0

    out = arguments.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    sources = out / "sources"
    write_corpus(sources, arguments.n, arguments.seed, arguments.corpus)
    stages = subprocess.run([sys.executable, "-m", "benchmarks.profile", "--stages-only", str(sources)],
                            cwd=ROOT, capture_output=True, text=True)
    parts = [stages.stdout.strip() or stages.stderr[-2000:], profile_generator(sources, out)]
    if not arguments.skip_mkdocs:
        parts.append(profile_mkdocs(sources, out))
    report = f"N = {arguments.n} prompts\n\n" + "\n\n".join(parts)
    (out / "report.txt").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
