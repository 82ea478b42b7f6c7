"""The catalog's real user questions as a task-inference set (``tests/data/devset.json``).

Each question is filed under the catalog model it was written for; ``tests/data/devset_labels.yaml``
says which tasks count as right for that model's category. The questions are split in two by a
hash of their text: the "dev" half may be looked at, used to write cues and to train the
generator's question classifier; the "held-out" half only measures (``tests/test_infer.py``).

    .venv/bin/python -m benchmarks.devset --write   # generator/data/questions.yaml from the dev half
    .venv/bin/python -m benchmarks.devset --folds   # dev figures, cross-validated (--by-model: by whole models)
    .venv/bin/python -m benchmarks.devset --blind   # the labels against a blind reading (dev half, folds)

The *misfire* set pairs each question with a model of another category, as a retriever that
misfires would recommend it: the page must still find the question's task.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TRAINING = ROOT / "generator" / "data" / "questions.yaml"
HALVES = ("dev", "held-out")


def half(question: str) -> str:
    return "dev" if hashlib.sha1(question.encode()).digest()[0] % 2 == 0 else "held-out"


@cache
def catalog() -> tuple[dict, ...]:
    return tuple(json.loads((DATA / "devset.json").read_text(encoding="utf-8")))


@cache
def labels() -> dict[str, list[str]]:
    return yaml.safe_load((DATA / "devset_labels.yaml").read_text(encoding="utf-8"))


@cache
def blind_readings() -> dict[str, dict[str, list[str]]]:
    """By half, each question's tasks as a blind annotator read them
    (``tests/data/devset_blind.yaml``): the best reading first."""
    return yaml.safe_load((DATA / "devset_blind.yaml").read_text(encoding="utf-8"))


def questions(which: str) -> Iterator[tuple[str, dict, list[str]]]:
    """(question, its catalog model, the tasks that count as right) of one half."""
    assert which in HALVES
    for model in catalog():
        for question in model["queries"]:
            if half(question) == which:
                yield question, model, labels()[model["category"]]


def misfired(question: str, model: dict) -> dict:
    """A model of another category (none of whose right tasks is right for the question), drawn
    by a hash of the question and the model's name: the same pairing on every run."""
    mine = set(labels()[model["category"]])
    others = [other for other in catalog() if not mine & set(labels()[other["category"]])]
    return min(others, key=lambda other: hashlib.sha1(f"{question}\n{other['name']}".encode()).digest())


def training_questions() -> dict[str, list[str]]:
    """The dev half's questions by the task of the model they were written for (its category's
    first task), as the generator's classifier learns them."""
    by_task: dict[str, list[str]] = {}
    for question, _, accepted in questions("dev"):
        by_task.setdefault(accepted[0], []).append(question)
    return by_task


_HEADER = """\
# Real user questions of the catalog (benchmarks/corpus/), by the task of the model each was
# written for: the classifier of generator/vocabulary.py learns from them when the vocabulary
# loads. Only the "dev" half of the split in benchmarks/devset.py is here: the "held-out" half
# measures the inference (tests/test_infer.py) and is never trained on.
# Written by `python -m benchmarks.devset --write`; do not edit by hand.
"""


def training_yaml() -> str:
    body = yaml.safe_dump({"questions": training_questions()}, allow_unicode=True, sort_keys=True, width=1000)
    return _HEADER + body


SETTINGS = ("question alone", "question + own model", "question + misfired model")


def measure(items, vocab_for) -> dict[str, Counter]:
    """Right, wrong and confidently wrong ("clear" and wrong) per setting; ``vocab_for(question)``
    is the vocabulary to infer it with."""
    from generator.steps.infer import infer_task
    from generator.records import Entry, SourceBlock

    counts = {setting: Counter() for setting in SETTINGS}
    for question, model, accepted in items:
        other = misfired(question, model)
        vocab = vocab_for(question)
        for setting, models in zip(SETTINGS, ((), (model,), (other,))):
            entries = tuple(Entry(m["name"], 1, summary=m["summary"]) for m in models)
            inference = infer_task(SourceBlock(question, 1, entries, ()), vocab)
            right = inference.task_id in accepted
            counts[setting]["right"] += right
            counts[setting]["all"] += 1
            counts[setting]["confidently wrong"] += inference.confidence == "clear" and not right
            counts[setting][inference.confidence] += 1
    return counts


def fold_vocabularies(folds: int = 10, by_model: bool = False) -> dict[str, object]:
    """Each dev question's vocabulary when its fold is held out: the classifier trained on the
    other folds, and without the cues that fire on no dev question outside the fold (a stand-in
    for cues written looking at those questions: on the real held-out half, the cue matcher of
    2026-11 scored 62.4 % from the question alone, its stand-in 64.8 %)."""
    from generator.vocabulary import build_vocabulary, read_data

    data, requests = read_data("tasks"), read_data("requests")["requests"]
    full = build_vocabulary(data)
    dev = list(questions("dev"))
    fired: dict[tuple[str, str], set[str]] = {}
    for question, _, _ in dev:
        for hit in full.cues.find(question):
            fired.setdefault((hit.cue.key, hit.cue.text), set()).add(question)
    fold_of = {question: hashlib.md5((model["name"] if by_model else question).encode()).digest()[0] % folds
               for question, model, _ in dev}
    by_question = {}
    for fold in range(folds):
        inside = {question for question, number in fold_of.items() if number == fold}
        pruned = copy.deepcopy(data)
        for task in pruned["tasks"]:
            for kind in ("aliases", "cues", "hints"):
                task[kind] = [cue for cue in task.get(kind, ()) if not fired.get((task["id"], cue), set()) or
                              not fired[(task["id"], cue)] <= inside]
        trained: dict[str, list[str]] = {}
        for question, _, accepted in dev:
            if question not in inside:
                trained.setdefault(accepted[0], []).append(question)
        vocab = build_vocabulary(pruned, trained, requests)
        by_question.update(dict.fromkeys(inside, vocab))
    return by_question


def blind_report(which: str, vocab_for) -> str:
    """How often the blind reading's best task is one the labels accept (about the most a reader of
    the question alone can expect), and how the inference compares with both; totals only."""
    from generator.steps.infer import infer_task
    from generator.records import SourceBlock

    counts = Counter()
    for question, _, accepted in questions(which):
        best, *also = blind_readings()[which][question]
        found = infer_task(SourceBlock(question, 1, (), ()), vocab_for(question)).task_id
        counts.update({"all": 1, "blind best accepted": best in accepted,
                       "a blind reading accepted": bool({best, *also} & set(accepted)),
                       "inference accepted": found in accepted, "inference = blind best": found == best,
                       "inference among blind readings": found in {best, *also},
                       "inference accepted or among blind readings": found in {*accepted, best, *also}})
    return "\n".join(f"{key:45} {value:3}/{counts['all']} = {value / counts['all']:6.1%}"
                     for key, value in counts.items() if key != "all")


def report(counts: dict[str, Counter]) -> str:
    lines = []
    for setting, found in counts.items():
        lines.append(f"{setting:27} {found['right']:3}/{found['all']} = {found['right'] / found['all']:6.1%}   "
                     f"confidently wrong {found['confidently wrong'] / found['all']:5.1%}   "
                     f"clear {found['clear']:3} likely {found['likely']:3} unclear {found['unclear']:3}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {TRAINING.relative_to(ROOT)}")
    parser.add_argument("--folds", action="store_true", help="the dev half, cross-validated (10 folds)")
    parser.add_argument("--blind", action="store_true", help="the labels and the inference against a blind reading")
    parser.add_argument("--by-model", action="store_true", help="with --folds: each model's questions in one fold")
    args = parser.parse_args(argv)
    if args.write:
        TRAINING.write_text(training_yaml(), encoding="utf-8")
        print(f"wrote {TRAINING.relative_to(ROOT)}: {sum(len(q) for q in training_questions().values())} questions")
    if args.folds:
        vocabularies = fold_vocabularies(by_model=args.by_model)
        print("dev half, 10 folds" + (" of whole models" if args.by_model else "") + ": each fold inferred with "
              "the classifier trained on the others and without the cues that fire only on its questions")
        print(report(measure(questions("dev"), vocabularies.__getitem__)))
    if args.blind:
        print("dev half: the catalog's labels, a blind reading of the questions, and the inference (10 folds)")
        print(blind_report("dev", fold_vocabularies(by_model=args.by_model).__getitem__))
    return 0


if __name__ == "__main__":
    sys.exit(main())
