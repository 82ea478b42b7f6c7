"""Source block -> :class:`TaskInference`: what the user is trying to do.

The question says what the user wants; the recommended models say what the retriever
thought. Both count, the question more: a single strong cue in the question ("upscaled
3×") outweighs every model together, so a wrongly recommended model (a deblurring model
for an upscaling question) is flagged instead of changing the task. When the question
is vague ("how does it stay so accurate?"), the models decide.
"""

from __future__ import annotations

import re
from collections import defaultdict

from .records import Candidate, Entry, Evidence, ModelFit, Qualifiers, SourceBlock, TaskInference
from .vocabulary import CUE_WEIGHT, Vocabulary, remember

#: What all recommended models together add to the scores: less than one strong
#: question cue (vocabulary.CUE_WEIGHT), more than two weak hints.
MODEL_VOTE = 2.5
#: A task is "clear" when its score reaches this and no other task ties with it.
CLEAR_SCORE = 2.0
#: Weights of cues in a model's own name and summary, relative to the vocabulary's.
NAME_FACTOR = 1.0
SUMMARY_FACTOR = 0.34

_NUMBER = r"(\d{1,3}(?:\.\d{1,2})?)"
_SCALES = [
    re.compile(rf"(?<![\w.]){_NUMBER}\s*[x×](?![a-z0-9])", re.IGNORECASE),
    re.compile(rf"(?<![\w])[x×]\s*{_NUMBER}(?![\w.])", re.IGNORECASE),
    re.compile(rf"\b(?:by|to|at|it|them)\s+{_NUMBER}\s+times\b", re.IGNORECASE),
]
_DIGIT = re.compile(r"\d")
_SCALE_WORDS = {
    "twice": "2×", "double": "2×", "doubled": "2×", "two times": "2×",
    "triple": "3×", "tripled": "3×", "three times": "3×",
    "four times": "4×", "quadruple": "4×", "eight times": "8×",
    "any magnification": "any", "arbitrary scale": "any", "any scale": "any",
    "arbitrary magnification": "any", "any size": "any",
}
_SCALE_WORD = re.compile(r"\b(" + "|".join(map(re.escape, _SCALE_WORDS)) + r")\b", re.IGNORECASE)


def infer_task(block: SourceBlock, vocab: Vocabulary) -> TaskInference:
    # What the question alone says is worked out once per distinct question.
    question_scores, evidence, qualifiers = remember(
        vocab.memo, ("question", block.question), lambda: _read_question(block.question, vocab))
    scores = dict(question_scores)
    evidence = list(evidence)

    model_tasks = [model_task(entry, vocab) for entry in block.models]
    voters = [(task_id, found) for task_id, found in model_tasks if task_id]
    for task_id, found in voters:
        scores[task_id] = scores.get(task_id, 0.0) + MODEL_VOTE / len(voters)
        evidence.extend(found)

    ranked = sorted(scores.items(), key=lambda item: (-item[1], vocab.order[item[0]]))
    candidates = tuple(Candidate(task_id, round(score, 2)) for task_id, score in ranked[:5])
    task_id = None
    if ranked and ranked[0][1] >= CLEAR_SCORE and (len(ranked) == 1 or ranked[1][1] < ranked[0][1]):
        task_id = ranked[0][0]

    return TaskInference(
        task_id=task_id,
        evidence=tuple(e for e in evidence if task_id is None or e.task_id == task_id),
        candidates=candidates,
        qualifiers=qualifiers,
        model_fits=tuple(
            model_fit(entry, own, task_id, vocab)
            for entry, (own, _) in zip(block.models, model_tasks)
        ),
    )


def _read_question(question: str, vocab: Vocabulary) -> tuple[tuple[tuple[str, float], ...], tuple[Evidence, ...], Qualifiers]:
    """(score by task, evidence, qualifiers) from the question alone."""
    scores: dict[str, float] = defaultdict(float)
    evidence: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    for hit in vocab.cues.find(question):
        key = (hit.cue.key, hit.found.lower())
        if key in seen:
            continue  # a cue repeated in the question is one piece of evidence
        seen.add(key)
        scores[hit.cue.key] += hit.cue.weight
        evidence.append(Evidence(hit.found, "question", hit.cue.key))
    return tuple(scores.items()), tuple(evidence), find_qualifiers(question, vocab)


def model_task(entry: Entry, vocab: Vocabulary) -> tuple[str | None, list[Evidence]]:
    """The task a model does, from its catalog name prefix, else from cues in its name and summary."""
    # Worked out once per model: the same catalog models recur across thousands of prompts.
    task_id, evidence = remember(vocab.memo, ("model_task", entry.name, entry.summary), lambda: _model_task(entry, vocab))
    return task_id, list(evidence)


def _model_task(entry: Entry, vocab: Vocabulary) -> tuple[str | None, tuple[Evidence, ...]]:
    name = entry.name.lower()
    for prefix, task_id in vocab.prefixes:
        if name.startswith(prefix) and (len(name) == len(prefix) or not name[len(prefix)].isalnum()):
            return task_id, (Evidence(entry.name[: len(prefix)], "model name", task_id),)
    scores: dict[str, float] = defaultdict(float)
    found: dict[str, list[Evidence]] = defaultdict(list)
    for text, factor, where in ((entry.name, NAME_FACTOR, "model name"), (entry.summary, SUMMARY_FACTOR, "model summary")):
        seen: set[tuple[str, str]] = set()
        # /regex/ cues read the question's numbers ("3×"); in a model's text they misfire ("512×512").
        for hit in vocab.cues.find(text, patterns=False):
            if (hit.cue.key, hit.found.lower()) in seen:
                continue
            seen.add((hit.cue.key, hit.found.lower()))
            scores[hit.cue.key] += hit.cue.weight * factor
            found[hit.cue.key].append(Evidence(hit.found, where, hit.cue.key))
    if not scores:
        return None, ()
    ranked = sorted(scores.items(), key=lambda item: (-item[1], vocab.order[item[0]]))
    best, score = ranked[0]
    if score < CUE_WEIGHT * SUMMARY_FACTOR * 2 or (len(ranked) > 1 and ranked[1][1] == score):
        return None, ()
    return best, tuple(found[best])


def model_fit(entry: Entry, own: str | None, wanted: str | None, vocab: Vocabulary) -> ModelFit:
    return remember(vocab.memo, ("model_fit", entry.name, own, wanted), lambda: _model_fit(entry.name, own, wanted, vocab))


def _model_fit(name: str, own: str | None, wanted: str | None, vocab: Vocabulary) -> ModelFit:
    if wanted is None:
        return ModelFit(name, own, None, "unknown", "no clear task to compare it with")
    target = vocab.tasks[wanted]
    if own is None:
        return ModelFit(
            name, None, None, "unknown",
            f"its name and summary do not say which task it does, so whether it does {target.label.lower()} is unknown",
        )
    mine = vocab.tasks[own]
    if own == wanted:
        return ModelFit(name, own, True, "same", f"a {mine.label.lower()} model: it does the task asked for")
    if own in target.related or wanted in mine.related:
        return ModelFit(
            name, own, False, "related",
            f"a {mine.label.lower()} model, not a {target.label.lower()} one: a related step that can support "
            f"the task but does not do it",
        )
    return ModelFit(
        name, own, False, "different",
        f"a {mine.label.lower()} model: it does not do {target.label.lower()}",
    )


def find_qualifiers(question: str, vocab: Vocabulary) -> Qualifiers:
    found: dict[str, list[str]] = defaultdict(list)
    for hit in vocab.qualifiers.find(question):
        kind, _, value = hit.cue.key.partition(":")
        if value not in found[kind]:
            found[kind].append(value)
    return Qualifiers(
        scale=tuple(find_scales(question)),
        device=tuple(found["device"]),
        media=tuple(found["media"]),
        goals=tuple(found["goals"]),
    )


def find_scales(text: str) -> list[str]:
    """Scale factors in order of appearance: ``3×``, ``20.2×``, ``any``."""
    spans: list[tuple[int, str]] = []
    for pattern in _SCALES if _DIGIT.search(text) else ():  # each needs a number; most questions have none
        spans.extend((m.start(), _format_scale(m.group(1))) for m in pattern.finditer(text))
    spans.extend((m.start(), _SCALE_WORDS[m.group(1).lower()]) for m in _SCALE_WORD.finditer(text))
    return list(dict.fromkeys(scale for _, scale in sorted(spans)))


def _format_scale(number: str) -> str:
    value = float(number)
    return f"{value:g}×"
