"""A small run of the scale benchmark (benchmarks/), so that it cannot rot.

Checks that the synthesiser writes valid prompts in the seeds' format, deterministically,
and that the runner measures N=20 end to end (without the browser) and writes every field.
No timing target is asserted here: the targets are the benchmark's to report.
"""

from __future__ import annotations

import gc
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS

from benchmarks.run import plain_config
from benchmarks.synth import PREAMBLE, Questions, distinct_question, load_catalog, synth_prompt, write_corpus
from generator.runtime import collector
from generator.steps.parse import parse_prompt
from generator.site import generate_site


def _files(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.txt"))}


def test_the_preamble_is_the_seeds():
    before, after = PREAMBLE.split("{question}")
    seed = SEEDS[0].read_text(encoding="utf-8")
    assert seed.startswith(before)
    assert after in seed
    assert seed.index(after) < seed.index("### Recommended AI Models:")


def test_synthesiser_writes_20_valid_prompts_deterministically(tmp_path):
    summary = write_corpus(tmp_path / "a", 20, seed=7)
    write_corpus(tmp_path / "b", 20, seed=7)
    write_corpus(tmp_path / "c", 20, seed=8)
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert len(a) == 20 and summary["prompts"] == 20
    assert a == b, "the same seed must give the same corpus"
    assert a != c
    # A smaller corpus is the start of a bigger one.
    write_corpus(tmp_path / "d", 30, seed=7)
    assert list(_files(tmp_path / "d").values())[:20] == list(a.values())

    for text in (data.decode("utf-8") for data in a.values()):
        assert text.startswith("You are an AI scientist.\n\nA user has asked the following question:\n\"")
        assert "\n### Recommended AI Models:\nModel: " in text
        assert "\n### Related Papers:\nModel: " in text
        assert "\n\nAnswer:\n" in text

    # Every prompt parses and passes the provenance check. (An answer citing another prompt's
    # link is meant to be caught once answers are checked: those files are not counted here.)
    catalog = load_catalog()
    foreign = {synth_prompt(catalog, i, seed=7).name for i in range(20) if synth_prompt(catalog, i, seed=7).foreign_link}
    site = generate_site([str(tmp_path / "a")], check_html=False)
    assert [p for p in site.problems if Path(p.path).name not in foreign] == []
    assert len(site.results) == 20
    for result in site.results:
        assert 1 <= len(result.prompt.source.models) <= 3
        assert 2 <= len(result.prompt.source.papers) <= 4


def test_a_corpus_of_distinct_questions_never_repeats_one(tmp_path):
    catalog = load_catalog()
    questions = [distinct_question(catalog, index)[1] for index in range(20_000)]
    assert len(set(questions)) == len(questions)
    texts = set(dict(catalog.asked).values())
    assert all(question not in texts for question in questions[:100])  # composed, not drawn
    write_corpus(tmp_path, 30, seed=4, questions=Questions.DISTINCT)
    parsed = [parse_prompt(path.read_text(encoding="utf-8"), path.name, path.name)
              for path in sorted(tmp_path.glob("*.txt"))]
    assert len({prompt.source.question for prompt in parsed}) == 30
    with pytest.raises(ValueError, match="distinct questions"):
        distinct_question(catalog, len(catalog.distinct) * (len(catalog.distinct) - 1))


def test_about_one_prompt_in_ten_has_an_answer_citing_its_own_links():
    catalog = load_catalog()
    prompts = [synth_prompt(catalog, index, seed=0) for index in range(1500)]
    answered = [p for p in prompts if p.has_answer]
    assert 0.07 <= len(answered) / len(prompts) <= 0.13
    foreign = [p for p in answered if p.foreign_link]
    assert 0 < len(foreign) < len(answered) * 0.25
    for prompt in answered[:40] + foreign:
        parsed = parse_prompt(prompt.text, prompt.name, prompt.name)
        assert parsed.answer, "the answer follows the final 'Answer:' line"
        cited = [link for link in prompt.links if link in parsed.answer]
        assert 1 <= len(cited) <= 3
        assert set(prompt.links) <= parsed.source.links
        if prompt.foreign_link:
            assert prompt.foreign_link in parsed.answer
            assert prompt.foreign_link not in parsed.source.links
    # The variations real producers emit all occur.
    texts = "\n".join(p.text for p in prompts)
    for variant in ("Paper: N/A\n", "Paper: None\n", "GitHub: N/A\n", "Hugging Face: "):
        assert variant in texts


def test_plain_config_drops_only_the_plugin(tmp_path):
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    plain = plain_config(text, tmp_path / "docs")
    assert "prompt-pages" not in plain
    assert f"docs_dir: {tmp_path / 'docs'}\n" in plain
    assert "  - search:\n" in plain and "      separator: " in plain  # the search plugin and its options stay
    assert plain.count("\n") < text.count("\n")


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="the benchmark pins processes to CPUs (Linux)")
def test_benchmark_runner_measures_20_prompts(tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--sizes", "20", "--repeat", "1", "--build-repeat", "1",
         "--edits", "1", "--out", str(out), "--work", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "(b)/(c)" in run.stdout and "first serve" in run.stdout
    results = json.loads(out.read_text())

    machine = results["machine"]
    assert machine["cpu_count"] >= 1 and machine["python"] and machine["platform"] and machine["date"]
    size = results["sizes"]["20"]
    assert size["corpus"]["prompts"] == 20

    for kind in ("check_html_false", "check_html_true", "single_core"):
        figure = size["generator"][kind]
        assert figure["prompts"] == 20 and figure["problems"] == 0
        assert figure["wall_s"] > 0 and figure["prompts_per_s"] > 0 and figure["prompts_per_cpu_s"] > 0
    assert size["generator"]["check_html_true"]["check_html"] is True
    assert len(size["generator"]["single_core"]["cpu_affinity"]) == 1
    steps = size["generator"]["steps"]
    assert steps["prompts"] == 20 and len(steps["cpu_affinity"]) == 1
    assert set(steps["issue_steps"]) < set(steps["steps_cpu_s"])
    assert {"vocabulary", "read", "parse", "task", "workflow", "answers", "compose", "check", "index pages"} <= set(steps["steps_cpu_s"])
    assert all(seconds >= 0 for seconds in steps["steps_cpu_s"].values())
    assert sum(steps["steps_cpu_s"].values()) <= steps["total_cpu_s"] * 1.01 + 0.01
    assert steps["issue_steps_prompts_per_cpu_s"] >= steps["all_steps_prompts_per_cpu_s"] > 0
    assert "parse, ms per prompt" in run.stdout

    for build in ("build_plugin", "build_plain"):
        assert size[build]["returncode"] == 0
        assert size[build]["wall_s"] > 0 and size[build]["maxrss_mb"] > 0
        assert size[build]["warnings"] >= 0  # counted; answers citing other prompts' links may warn
    assert size["cli_build"]["returncode"] == 0
    # Once more with the cache of the last build, and the first serve again with the serve's.
    assert size["build_warm"]["returncode"] == 0 and size["build_warm"]["cache_bytes"] > 0
    assert "(b') the same again, warm" in run.stdout and size["serve_warm"]["first_serve_s"] > 0
    assert math.isfinite(size["build_ratio"]) and 0.1 < size["build_ratio"] < 10
    serve = size["serve"]
    assert serve["first_serve_s"] > 0 and len(serve["edits"]) == 1
    edit = serve["edits"][0]
    assert 0 < edit["page_s"] <= edit["all_s"] and edit["index_pages"] >= 1 and edit["search_index_s"] > 0
    for change in ("added", "deleted"):  # a prompt added, then deleted: its page and listings follow
        assert 0 < serve[change]["page_s"] <= serve[change]["all_s"] and serve[change]["index_pages"] >= 1
    assert not list((tmp_path / "work").rglob("zz-added-*"))  # the project as it was
    assert len(serve["builds_s"]) >= 2  # the first build and the rebuild

    for site in ("site_plugin", "site_plain"):
        stats = size[site]
        assert stats["prompt_pages"] == 20
        assert stats["html_pages"] > 20
        assert 1_000 < stats["largest_html_bytes"] < 5_000_000
        assert stats["largest_prompt_html_bytes"] <= stats["largest_html_bytes"]
        assert stats["search_index_bytes"] > 1_000 and stats["search_index_docs"] > 20
    # Both builds render the same pages.
    assert size["site_plugin"]["html_pages"] == size["site_plain"]["html_pages"]
    assert "search" not in size  # no --browser

    targets = results["targets"]
    assert {"build_ratio", "live_edit", "generator_single_core"} <= set(targets)
    assert all(isinstance(target["met"], bool) for target in targets.values())


def test_the_digest_is_the_same_for_the_same_pages_and_changes_with_them(tmp_path):
    from benchmarks.digest import digest

    write_corpus(tmp_path / "a", 5, seed=3)
    first = digest(str(tmp_path / "a"))
    assert digest(str(tmp_path / "a")) == first
    site = generate_site([str(tmp_path / "a")], check_html=False)
    assert first.split()[1:] == [str(len(site.pages)), str(len(site.problems))]
    prompt = sorted((tmp_path / "a").glob("*.txt"))[0]
    prompt.write_text(prompt.read_text(encoding="utf-8").replace("\nModel: ", "\nModel: Renamed ", 1), encoding="utf-8")
    assert digest(str(tmp_path / "a")) != first


def test_generating_a_site_leaves_the_collector_on_with_its_young_generation_empty(tmp_path):
    """The collector is off while a site is generated, then back on; what survived is in the
    oldest generation, not left for the next young collection to walk all at once."""
    write_corpus(tmp_path / "a", 50, seed=5)
    gc.collect()
    assert gc.isenabled()
    site = generate_site([str(tmp_path / "a")], check_html=False)
    assert gc.isenabled()
    assert len(site.results) == 50
    young = len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1))
    assert young < 1000, f"{young} objects left in the young generations"
    assert any(o is site for o in gc.get_objects(generation=2)), "the site is collectable, in the oldest generation"

    gc.disable()
    generate_site([str(tmp_path / "a")], check_html=False)
    assert not gc.isenabled(), "a caller's disabled collector stays disabled"
    gc.enable()

    # A process that keeps what it has frozen (the plugin under mkdocs serve --dirty) gets the
    # new site frozen too: no full collection walks either.
    collector.keep_through_build()
    try:
        frozen = gc.get_freeze_count()
        site = generate_site([str(tmp_path / "a")], check_html=False)
        assert gc.get_freeze_count() > frozen
        assert not any(o is site for o in gc.get_objects(generation=2))
    finally:
        collector.release()


def test_pagefind_memory_indexes_copies_of_a_builds_entries_in_parts(tmp_path, capsys):
    from benchmarks.pagefind_memory import copied, main
    from generator.plugin.pagefind_index import SearchEntries, page_count, write_entries

    entries = SearchEntries([{"location": "", "title": "Home", "text": "hello"},
                             {"location": "tasks/a/", "title": "A task", "text": "denoise"},
                             {"location": "tasks/a/#more", "title": "More", "text": "words"}],
                            {"tasks/a/": ("denoising",)})
    made = copied(entries, 5)
    assert page_count(made.docs) == 5 and len(made.docs) == 7  # two copies and a half: sections go with their page
    assert {doc["location"] for doc in made.docs} >= {"c1/tasks/a/#more", "c2/"} and "c2/tasks/a/" not in made.names
    write_entries(tmp_path / "entries.json", entries)
    assert main([str(tmp_path / "entries.json"), "--pages", "7", "--part-pages", "3"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["pages"] == 7 and figures["parts"] == 3
    assert figures["bundle_bytes"] > 0 and figures["pagefind_peak_rss_mb"] > 0
