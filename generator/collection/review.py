"""Which prompts a maintainer should look at, most urgent first (``python -m generator review``).

A page needs a person when what it asserts may be wrong and nothing settled it: its task is not
confirmed (``NAME.meta.yaml``), and

1. the answers agree on another task than the page's (the most urgent: two readings disagree);
2. an answer seems to answer another prompt's question (a mix-up in the collection);
3. a ✗ rests on a task that is only likely;
4. no task is clear;
5. the task is likely and neither a recommended model nor the answers agree with it.

A likely task that a recommended model or the answers agree with is settled enough: two readings
that agree are rarely both wrong (``tests/test_review.py`` measures it on the catalog's questions).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from ..pipeline import Generated, prompt_pages
from ..records import Basis, Confidence, TaskInference
from ..vocabulary import Vocabulary


class Urgency(IntEnum):
    """Why a prompt is listed; the lower, the more urgent."""

    ANSWERS_DISAGREE = 1
    MISPLACED_ANSWER = 2
    ACCUSES_ON_LIKELY = 3
    UNCLEAR = 4
    UNSUPPORTED = 5


_WHY = {
    Urgency.ANSWERS_DISAGREE: "the answers say {answers}",
    Urgency.MISPLACED_ANSWER: "an answer seems to answer another prompt's question ({answers})",
    Urgency.ACCUSES_ON_LIKELY: "a ✗ rests on a task that is only likely",
    Urgency.UNCLEAR: "no task is clear",
    Urgency.UNSUPPORTED: "the task is only likely, and no recommended model or answer agrees",
}


@dataclass(frozen=True)
class ReviewItem:
    path: str
    task: str  # the task's label, or "no clear task"
    confidence: Confidence
    urgency: Urgency
    why: str

    def __str__(self) -> str:
        return f"{self.path}: {self.task} ({self.confidence}): {self.why}"


def needs_review(inference: TaskInference) -> Urgency | None:
    if inference.confidence is Confidence.CONFIRMED:
        return None
    if inference.answers_disagree:
        return Urgency.ANSWERS_DISAGREE
    likely = inference.confidence is Confidence.LIKELY
    if likely and any(fit.fits is False for fit in inference.model_fits):
        return Urgency.ACCUSES_ON_LIKELY
    if inference.task_id is None:
        return Urgency.UNCLEAR
    agreed = (inference.answers_task_id == inference.task_id
              or (inference.basis is Basis.QUESTION and any(fit.fits for fit in inference.model_fits)))
    return Urgency.UNSUPPORTED if likely and not agreed else None


def review_list(results: list[Generated], vocab: Vocabulary) -> list[ReviewItem]:
    """The prompts to review, most urgent first, then by path."""
    items = []
    for result in prompt_pages(results):
        inference = result.inference
        misplaced = [reviewed.answer.title for reviewed in result.answers if reviewed.misplaced]
        urgency = needs_review(inference)
        if misplaced and (urgency is None or urgency > Urgency.MISPLACED_ANSWER):
            urgency = Urgency.MISPLACED_ANSWER
        if urgency is None:
            continue
        answers = (", ".join(misplaced) if urgency is Urgency.MISPLACED_ANSWER
                   else vocab.label(inference.answers_task_id).lower() if inference.answers_task_id else "")
        task = vocab.label(inference.task_id) if inference.task_id else "no clear task"
        items.append(ReviewItem(result.source.path, task, inference.confidence, urgency,
                                _WHY[urgency].format(answers=answers)))
    return sorted(items, key=lambda item: (item.urgency, item.path))
