"""The generator alone on a folder of prompts, in a fresh process: prints one JSON object.

    .venv/bin/python -m benchmarks.genbench SOURCES [--check-html] [--cpu K] [--profile FILE] [--steps]

Times ``generator.site.generate_site([SOURCES], check_html=...)``: reading, parsing, task
inference, workflow, page composition, the provenance check and the index pages. The
process starts cold (vocabularies load and compile inside the timed call, as in a build).
``--cpu K`` pins the process to CPU K first: the single-core figure.

``--steps`` reports the CPU seconds of each step of that call as it runs (the pipeline runs
each step over every prompt before the next): where the time goes, without a profiler's
distortion, and the rate of the steps the issue names as the generator alone.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.genbench", description=__doc__)
    parser.add_argument("sources")
    parser.add_argument("--check-html", action="store_true", help="also render every page to HTML and check it")
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU (single-core figure)")
    parser.add_argument("--profile", default=None, help="write cProfile stats of the call to this file")
    parser.add_argument("--steps", action="store_true", help="time each step over every prompt in turn")
    arguments = parser.parse_args(argv)

    if arguments.cpu is not None:
        os.sched_setaffinity(0, {arguments.cpu})
    from generator.site import generate_site  # imported outside the timed call, as mkdocs does

    if arguments.steps:
        json.dump(time_steps(arguments.sources), sys.stdout)
        sys.stdout.write("\n")
        return 0

    profiler = None
    if arguments.profile:
        import cProfile

        profiler = cProfile.Profile()
    gc.collect()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    site = generate_site([arguments.sources], check_html=arguments.check_html)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if profiler:
        profiler.dump_stats(arguments.profile)

    prompts = len(site.results)
    json.dump({
        "prompts": prompts,
        "pages": len(site.pages),
        "problems": len(site.problems),
        "first_problems": [str(p) for p in site.problems[:5]],
        "check_html": arguments.check_html,
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        "wall_s": round(wall, 4),
        "cpu_s": round(cpu, 4),
        "prompts_per_s": round(prompts / wall, 1) if wall else None,
        "prompts_per_cpu_s": round(prompts / cpu, 1) if cpu else None,
        "markdown_bytes": sum(len(p.markdown.encode()) for p in site.pages),
        "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, sys.stdout)
    sys.stdout.write("\n")
    return 0


#: The steps the issue names as "the generator alone": parse, task, workflow, references
#: (the page), provenance check, and the vocabulary they use, loaded and compiled once.
#: Reading files, answers, the page text and index pages come on top.
ISSUE_STEPS = ("vocabulary", "parse", "task", "workflow", "compose", "check")


def time_steps(sources: str) -> dict:
    """CPU seconds of each step of ``generate_site`` (without the HTML check), as it runs."""
    from generator.pipeline import Run
    from generator.site import generate_site

    seconds: dict[str, float] = {}
    gc.collect()
    start = time.process_time()
    run = Run.start(timings=seconds)  # the vocabularies, loaded and compiled once per process
    seconds["vocabulary"] = time.process_time() - start
    site = generate_site([sources], check_html=False, run=run)
    total = time.process_time() - start
    issue = sum(seconds[name] for name in ISSUE_STEPS)
    n = len(site.results)
    return {
        "prompts": n,
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        "steps_cpu_s": {name: round(value, 4) for name, value in seconds.items()},
        "steps_ms_per_prompt": {name: round(1000 * value / n, 4) for name, value in seconds.items()} if n else {},
        "total_cpu_s": round(total, 4),
        "issue_steps": ISSUE_STEPS,
        "issue_steps_prompts_per_cpu_s": round(n / issue, 1) if issue else None,
        "all_steps_prompts_per_cpu_s": round(n / total, 1) if total else None,
    }


if __name__ == "__main__":
    sys.exit(main())
