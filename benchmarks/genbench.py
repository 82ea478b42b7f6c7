"""The generator alone on a folder of prompts, in a fresh process: prints one JSON object.

    .venv/bin/python -m benchmarks.genbench SOURCES [--check-html] [--cpu K] [--profile FILE] [--steps]

Times ``generator.site.generate_site([SOURCES], check_html=...)``: reading, parsing, task
inference, workflow, page composition, the provenance check and the index pages. The
process starts cold (vocabularies load and compile inside the timed call, as in a build).
``--cpu K`` pins the process to CPU K first: the single-core figure.

``--steps`` times the same work one step at a time instead, each step over every prompt
before the next starts (the steps are pure functions of the previous steps' records), and
reports the seconds of each: where the time goes, without a profiler's distortion.
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
#: (the page), provenance check. Reading files, answers and index pages come on top.
ISSUE_STEPS = ("parse", "task", "workflow", "compose", "check")


def time_steps(sources: str) -> dict:
    """Seconds of each step of ``generate_site`` (without the HTML check), one step at a time."""
    from generator import pipeline as steps
    from generator.check import check_links, page_links
    from generator.indexes import build_indexes
    from generator.sources import read_sources

    seconds: dict[str, float] = {}

    def timed(name, work):
        start = time.process_time()
        result = work()
        seconds[name] = seconds.get(name, 0.0) + time.process_time() - start
        return result

    gc.collect()
    gc.disable()  # as generate_site does
    start = time.process_time()
    vocab = timed("vocabularies", lambda: (steps.load_vocabulary(), steps.load_techniques()))
    vocab, technique_vocab = vocab
    sources_read, _ = timed("read", lambda: read_sources([sources]))
    parsed = timed("parse", lambda: [_parsed(s) for s in sources_read])
    # A prompt that cannot be read gets an error page, which costs next to nothing: left out.
    sources_read, prompts = [s for s, p in zip(sources_read, parsed) if p], [p for p in parsed if p]
    inferences = timed("task", lambda: [steps.infer_task(p.source, vocab) for p in prompts])
    techniques = timed("workflow", lambda: [steps.find_techniques(p.source.papers, technique_vocab) for p in prompts])
    workflows = timed("workflow", lambda: [
        steps.plan_workflow(p, i, t, vocab, technique_vocab) for p, i, t in zip(prompts, inferences, techniques)])
    answers = timed("answers", lambda: [
        tuple(steps.review_answer(a, p.source.links) for a in steps.collect_answers(p, s.answers)[0])
        for p, s in zip(prompts, sources_read)])
    pages = timed("compose", lambda: [
        steps.compose_page(p, i, t, w, vocab, a)
        for p, i, t, w, a in zip(prompts, inferences, techniques, workflows, answers)])
    timed("check", lambda: [
        check_links(p.path, steps.block_links(page.blocks), p.source.links) for p, page in zip(prompts, pages)])
    results = [steps.Generated(s, page, (), p, i, t) for s, page, p, i, t in zip(sources_read, pages, prompts, inferences, techniques)]
    timed("index pages", lambda: [
        check_links(index.path, page_links(index.markdown), index.allowed_links) for index in build_indexes(results, vocab)])
    total = time.process_time() - start
    gc.enable()
    issue = sum(seconds[name] for name in ISSUE_STEPS)
    n = len(prompts)
    return {
        "prompts": n,
        "unreadable_prompts_left_out": len(parsed) - n,
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        "steps_cpu_s": {name: round(value, 4) for name, value in seconds.items()},
        "steps_ms_per_prompt": {name: round(1000 * value / n, 4) for name, value in seconds.items()} if n else {},
        "total_cpu_s": round(total, 4),
        "issue_steps": ISSUE_STEPS,
        "issue_steps_prompts_per_cpu_s": round(n / issue, 1) if issue else None,
        "all_steps_prompts_per_cpu_s": round(n / total, 1) if total else None,
    }


def _parsed(source):
    from generator.pipeline import parse_prompt
    from generator.records import PromptError

    if source.text is None:
        return None
    try:
        return parse_prompt(source.text, source.path, source.slug)
    except PromptError:
        return None


if __name__ == "__main__":
    sys.exit(main())
