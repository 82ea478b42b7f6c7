"""A synthetic corpus of N prompt files in the seeds' format, from the real catalog data.

    .venv/bin/python -m benchmarks.synth N --out DIR [--seed S] [--corpus benchmarks/corpus] [--questions distinct]

Every prompt is built from the catalog in ``benchmarks/corpus`` (see its README): a real user question of a
catalog model, the models a retriever would recommend for it (that model most of the time,
sometimes a neighbour of the same task or a wrong one, 1-3 in all) with their links, and
2-4 related arXiv papers with their summaries. The text is laid out exactly as the real
producer (``JaeHyeok-2/AgentAI`` ``src/rag/prompt.py``) and the seeds in ``sources/`` lay it
out, with the small variations real output has:

- ``Paper: N/A`` or ``Paper: None`` for a model without a paper;
- no ``GitHub:`` line for an entry without code (sometimes ``GitHub: N/A``);
- now and then a ``Hugging Face:`` line, and a ``Summary:`` under a recommended model;
- about one prompt in ten carries an answer after its final ``Answer:`` line: a few
  sentences of Markdown citing 1-3 of its own links, and in about one answer in ten also one
  link that belongs to other prompts (as real answers sometimes do).

Questions (``--questions``): ``recurring`` (the default) draws each prompt's question from the
catalog's 579, so that each recurs (17 times at 10,000 prompts) and what a build caches by
content is found again more often than in a real collection; ``distinct`` composes each
prompt's question from two of the catalog's questions, a pair no other prompt has (its model's
question, then another's), so that no question recurs, up to 326,612 prompts.

The output is deterministic: prompt ``i`` depends only on ``(seed, i)``, so the corpus of
1,000 prompts is the first 1,000 files of the corpus of 10,000.
"""

from __future__ import annotations

import argparse
import enum
import hashlib
import math
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

#: The catalog, copied into the repository (see its README).
DEFAULT_CORPUS = Path(__file__).resolve().parent / "corpus"

#: The preamble of ``sources/000_*.txt`` (and of the real producer), verbatim.
PREAMBLE = """You are an AI scientist.

A user has asked the following question:
"{question}"

Based on the following recommended models, explain:

1. What task the user is trying to perform.
2. How the model(s) would work in a CNAPS AI-like workflow (input → model → output).
3. List relevant papers and tools (with GitHub or ArXiv links) that support your answer.

Use **only the provided models and papers**. Do not refer to outside sources.

"""

#: Rates of the variations (fractions of prompts, models or answers).
ANSWER_RATE = 0.10  # prompts that carry an answer
FOREIGN_LINK_RATE = 0.10  # answers that also cite a link of another prompt
OWN_MODEL_RATE = 0.80  # the question's own model is the first recommendation
MODEL_SUMMARY_RATE = 0.50  # prompts whose recommended models have a Summary: line
HUGGINGFACE_RATE = 0.30  # models with a Hugging Face link that show it
GITHUB_NA_RATE = 0.30  # entries without code that say "GitHub: N/A" instead of no line
PAPER_NONE_RATE = 0.40  # models without a paper that say "None" instead of "N/A"


class Questions(enum.Enum):
    """How the prompts' questions are drawn from the catalog's."""

    RECURRING = "recurring"  # one of the catalog's questions each: they recur
    DISTINCT = "distinct"  # two of the catalog's questions joined, no pair twice: none recurs


@dataclass(frozen=True)
class Catalog:
    models: list[dict]  # cnaps_models.json + ai_models.json
    papers: list[dict]  # arxiv_papers.json
    asked: list[tuple[int, str]]  # (index into models, one real question written for it)
    distinct: list[tuple[int, str]]  # the same, each question once (the first model it was written for)
    by_task: dict[str, list[int]]  # task (detailed category or category) -> model indexes
    links: list[str]  # every URL of the catalog, for answers citing another prompt's link


def load_catalog(corpus: Path = DEFAULT_CORPUS) -> Catalog:
    def read(name):
        return json.loads((corpus / name).read_text(encoding="utf-8"))

    models = read("cnaps_models.json") + read("ai_models.json")
    papers = read("arxiv_papers.json")
    asked = [(i, q.strip()) for i, model in enumerate(models) for q in model.get("queries") or [] if q.strip()]
    by_task: dict[str, list[int]] = {}
    for i, model in enumerate(models):
        by_task.setdefault(_task_of(model), []).append(i)
    links = sorted({entry[key] for entry in models + papers for key in ("paper", "github", "huggingface")
                    if entry.get(key)})
    distinct = list({question: (i, question) for i, question in reversed(asked)}.values())[::-1]
    return Catalog(models, papers, asked, distinct, by_task, links)


def _task_of(model: dict) -> str:
    return (model.get("detailed_category") or model.get("category") or "").strip().casefold()


@dataclass(frozen=True)
class SynthPrompt:
    name: str  # file name, e.g. 00042_1f0c9a2b3d4e5f60.txt
    text: str
    links: tuple[str, ...]  # the URLs of its source block
    has_answer: bool
    foreign_link: str | None  # the link of another prompt its answer cites, if any


def distinct_question(catalog: Catalog, index: int, seed: int = 0) -> tuple[int, str]:
    """Prompt ``index``'s question under ``Questions.DISTINCT``, and the model it was written for:
    the ``index``-th of the ordered pairs of distinct catalog questions, in an order shuffled by
    ``seed`` (a step coprime with their number, so that no pair comes twice)."""
    count = len(catalog.distinct)
    pairs = count * (count - 1)
    if index >= pairs:
        raise ValueError(f"the catalog gives {pairs:,} distinct questions, not {index + 1:,}")
    step = 1_000_003 + 2 * seed
    while math.gcd(step, pairs) != 1:
        step += 1
    pair = (index * step + seed) % pairs
    first, second = divmod(pair, count - 1)
    second += second >= first
    own, question = catalog.distinct[first]
    return own, f"{question} {catalog.distinct[second][1]}"


def synth_prompt(catalog: Catalog, index: int, seed: int = 0, width: int = 5,
                 questions: Questions = Questions.RECURRING) -> SynthPrompt:
    rng = random.Random(f"prompt-pages-synth:{seed}:{index}")
    own, question = rng.choice(catalog.asked)
    if questions is Questions.DISTINCT:
        own, question = distinct_question(catalog, index, seed)

    # Recommended models: 1-3, the question's own model first most of the time.
    count = rng.choices((1, 2, 3), weights=(55, 30, 15))[0]
    neighbours = [i for i in catalog.by_task[_task_of(catalog.models[own])] if i != own]
    first = own if rng.random() < OWN_MODEL_RATE else rng.choice(neighbours or range(len(catalog.models)))
    chosen = [first]
    while len(chosen) < count:
        pool = neighbours if neighbours and rng.random() < 0.6 else range(len(catalog.models))
        candidate = rng.choice(pool)
        if candidate not in chosen:
            chosen.append(candidate)
    papers = rng.sample(catalog.papers, rng.choice((2, 3, 3, 4)))

    with_summaries = rng.random() < MODEL_SUMMARY_RATE
    shown: list[tuple[str, list[str]]] = []  # (name, links on the page) per entry
    context = "### Recommended AI Models:\n"
    for i in chosen:
        context += _entry(rng, catalog.models[i], "model", with_summaries, shown)
    context += "### Related Papers:\n"
    for paper in papers:
        context += _entry(rng, paper, "paper", True, shown)
    text = PREAMBLE.format(question=question) + context + "\nAnswer:\n"

    links = tuple(dict.fromkeys(url for _, urls in shown for url in urls))
    foreign = None
    has_answer = rng.random() < ANSWER_RATE
    if has_answer:
        if rng.random() < FOREIGN_LINK_RATE:
            foreign = rng.choice([url for url in catalog.links if url not in links])
        text += _answer(rng, catalog.models[chosen[0]], shown, foreign)
    digest = hashlib.sha1(f"{seed}:{index}:{question}".encode()).hexdigest()[:16]
    return SynthPrompt(f"{index:0{width}d}_{digest}.txt", text, links, has_answer, foreign)


def _entry(rng: random.Random, entry: dict, kind: str, with_summary: bool,
           shown: list[tuple[str, list[str]]]) -> str:
    """One entry as the producer writes it; appends (name, the links it shows) to ``shown``."""
    out = f"Model: {entry['name']}\n"
    links = []
    if entry.get("paper"):
        out += f"Paper: {entry['paper']}\n"
        links.append(entry["paper"])
    else:
        out += "Paper: None\n" if rng.random() < PAPER_NONE_RATE else "Paper: N/A\n"
    if entry.get("github"):
        out += f"GitHub: {entry['github']}\n"
        links.append(entry["github"])
    elif rng.random() < GITHUB_NA_RATE:
        out += "GitHub: N/A\n"
    if kind == "model" and entry.get("huggingface") and rng.random() < HUGGINGFACE_RATE:
        out += f"Hugging Face: {entry['huggingface']}\n"
        links.append(entry["huggingface"])
    shown.append((entry["name"], links))
    if with_summary and (entry.get("summary") or "").strip():
        out += f"Summary: {entry['summary'].strip()}\n"
    return out + "\n"


_OPENINGS = (
    "This looks like a **{task}** task.",
    "The user is asking about {task}.",
    "What the user describes is a {task} problem.",
)
_WORKFLOWS = (
    "In a CNAPS-style workflow the input goes to **{model}**, which returns the result directly: input → {model} → output.",
    "A workflow would feed the user's input to **{model}** and hand its output back: input → {model} → output.",
)
_CITES = (
    "See [{label}]({url}) for the details.",
    "The method is described in [{label}]({url}).",
    "{label}: <{url}>.",
    "{label} ({url}) explains why it stays fast.",
)


def _answer(rng: random.Random, model: dict, shown: list[tuple[str, list[str]]], foreign: str | None) -> str:
    """A few sentences of Markdown citing 1-3 of the prompt's own links (and perhaps one other)."""
    own = [(name, url) for name, urls in shown for url in urls]
    cited = rng.sample(own, min(len(own), rng.choice((1, 2, 3))))
    task = (model.get("detailed_category") or model.get("category") or "an image task").strip()
    lines = [rng.choice(_OPENINGS).format(task=task), "",
             rng.choice(_WORKFLOWS).format(model=model["name"]), ""]
    lines += ["- " + rng.choice(_CITES).format(label=name.split(":")[0], url=url) for name, url in cited]
    if foreign:
        lines.append(f"- A related approach: [another model]({foreign}).")
    return "\n".join(lines) + "\n"


def write_corpus(out: Path, n: int, seed: int = 0, corpus: Path = DEFAULT_CORPUS,
                 questions: Questions = Questions.RECURRING) -> dict:
    """Write ``n`` prompts into ``out`` (created; existing ``*.txt`` there are removed first).

    Returns a summary: counts of prompts, answers, answers with a foreign link, bytes."""
    catalog = load_catalog(corpus)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.txt"):
        old.unlink()
    width = max(5, len(str(n - 1)))
    answers = foreign = size = 0
    for index in range(n):
        prompt = synth_prompt(catalog, index, seed, width, questions)
        data = prompt.text.encode("utf-8")
        (out / prompt.name).write_bytes(data)
        size += len(data)
        answers += prompt.has_answer
        foreign += prompt.foreign_link is not None
    return {"prompts": n, "seed": seed, "questions": questions.value, "with_answer": answers, "answers_with_foreign_link": foreign,
            "bytes": size, "corpus": str(corpus)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of prompts")
    parser.add_argument("--out", type=Path, required=True, help="folder for the prompt files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the catalog (benchmarks/corpus)")
    parser.add_argument("--questions", choices=[q.value for q in Questions], default=Questions.RECURRING.value,
                        help="recurring: the catalog's questions; distinct: composed so that none recurs")
    arguments = parser.parse_args(argv)
    summary = write_corpus(arguments.out, arguments.n, arguments.seed, arguments.corpus,
                           Questions(arguments.questions))
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
