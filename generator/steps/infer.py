"""Source block -> :class:`TaskInference`: what the user is trying to do, and how sure that is.

The question decides when it names or describes a task; the recommended models decide only when
it is vague. Retrievers misfire (a deblurring model recommended for an upscaling question), and a
page that followed the models would call that model fitting: the one mismatch the site exists to
catch would be hidden.

What the question says comes from two readers: the vocabulary's cues (what it names: "upscale",
"remove the noise", 3 points for a strong cue, 1 for a hint) and the classifier trained on real
questions (how it describes a task: "the faces are blurry, restore them"), each nat of whose
log-likelihood counts LEARNED_WEIGHT points. The models together add MODEL_VOTE points; VAGUE_VOTE
when the question is vague (no strong cue names its best task, which leads by less than
VAGUE_MARGIN) and its words do not argue against the model's task (the classifier puts that task
within PLAUSIBLE_NATS of its best): a vague question follows a model its words allow more readily
than one they contradict, such as a misfired model's. A task is asserted when the question points
to it (ranks it first, and does not name two tasks alike) or a recommended model does it, and it
stands out (above the median task by MIN_STRENGTH, above the runner-up by UNCLEAR_MARGIN). The
confidence:

- clear: the question itself points to the task, at least CLEAR_MARGIN ahead of the runner-up,
  and still that far ahead once the models have voted (a model that agrees does not make a
  page surer than its question: a misfired model agreeing with a wrong reading would); and the
  task takes text when the user quotes a text they typed (then the question's words describe
  what came back: "a painting in exactly that style" is no style transfer);
- likely: closer, or a task only the models point to; the page's fit verdicts say "probably",
  and when the task was read from the models themselves, a model is said to do it only if the
  question's words allow it (:meth:`QuestionReading.allows`);
- unclear: no task is asserted; the page lists the candidates.

The constants were chosen by cross-validation on the dev half of the catalog's questions
(``python -m benchmarks.devset --folds``), never on the held-out half.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from statistics import median
from typing import NamedTuple

from ..records import (Basis, Candidate, Confidence, Confirmation, Entry, Evidence, ModelFit, Qualifiers, Relation,
                      SourceBlock, Statement, TaskInference, WorkflowSign, WorkflowUse, agreed_task)
from ..memo import Memo
from ..vocabulary import CUE_WEIGHT, Vocabulary

#: What one nat of the classifier's log-likelihood counts, against a strong cue's 3 points; and
#: the most nats it can take from a task (12 nats: 3 points, one strong cue's worth).
LEARNED_WEIGHT = 0.25
LEARNED_FLOOR = 12.0
#: What all recommended models together add to the scores: less than a strong question cue.
MODEL_VOTE = 2.0
#: What they add when the question is vague (no strong cue names its best task, less than
#: VAGUE_MARGIN ahead of the runner-up) and the classifier finds their task within PLAUSIBLE_NATS
#: of the question's best.
VAGUE_VOTE = 3.0
VAGUE_MARGIN = 1.5
PLAUSIBLE_NATS = 10.0
#: Margins between the best task and the runner-up for "clear" and for any task at all; and how
#: far the best must stand above the median task for any task at all.
CLEAR_MARGIN = 3.5
UNCLEAR_MARGIN = 0.05
MIN_STRENGTH = 2.0
#: A ✗ (see :class:`FitJudge`): the classifier finds the model's task at least AGAINST_NATS
#: less likely than the task asked, which leads the runner-up by AGAINST_MARGIN; or FAR_NATS less
#: likely, whatever the lead. A task read from the models is ✓ only when the classifier ranks it
#: among the question's ALLOWED_RANK best tasks and within ALLOWED_NATS of the best: the question's
#: words allow it, though not enough to name it.
AGAINST_NATS = 10.0
AGAINST_MARGIN = 1.0
FAR_NATS = 12.0
ALLOWED_RANK = 2
ALLOWED_NATS = 4.5
#: How many answers' workflows (and more than half of those given) must build on a model
#: that the question's task would mark ✗ for it to be "?" instead.
BUILT_ON_ANSWERS = 2
#: How many tasks a page lists as candidates.
CANDIDATES = 5
#: Weights of cues in a model's own name and summary, relative to the vocabulary's.
NAME_FACTOR = 1.0
SUMMARY_FACTOR = 0.34
LEARNED = "question, learned"

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


def infer_task(block: SourceBlock, vocab: Vocabulary, statements: tuple[Statement, ...] = (),
               confirmation: Confirmation | None = None, workflows: tuple[WorkflowUse, ...] = (),
               memo: Memo[Vocabulary] | None = None) -> TaskInference:
    """The task of a prompt from its question and models, then its answers' statements (which
    decide where the question is not clear and they agree), then a maintainer's confirmation
    (which decides); and whether each recommended model does it, where the answers' workflows
    (``workflows``, one per answer to this prompt) testify too: a model most of them build on is
    never ✗. ``memo``: the run's memo of ``vocab`` (questions and models recur across prompts);
    a new one if not given."""
    memo = Memo(vocab) if memo is None else memo
    reading = memo(read_question, block.question)
    evidence = list(reading.evidence)

    model_tasks = [model_task(entry, vocab, memo) for entry in block.models]
    voters = [(task_id, found) for task_id, found in model_tasks if task_id]
    votes: dict[str, float] = defaultdict(float)
    for task_id, found in voters:
        votes[task_id] += (VAGUE_VOTE if _allowed_when_vague(reading, task_id) else MODEL_VOTE) / len(voters)
        evidence.extend(found)

    # Votes raise a few tasks: the best after them are among those and the question's best.
    scores = dict(reading.ranked[: CANDIDATES + len(votes)])
    for task_id, vote in votes.items():
        scores[task_id] = reading.scores[task_id] + vote
    ranked = sorted(scores.items(), key=lambda item: (-item[1], vocab.order[item[0]]))
    candidates = tuple(Candidate(task_id, round(score, 2)) for task_id, score in ranked[:CANDIDATES])
    (best, top), (rival, second) = ranked[0], ranked[1]
    from_question = best == reading.points_to
    # A task is asserted when the question points to it or a recommended model does it, and
    # something stands out at all: a vague question ("how does it work so well?") scores every
    # task about alike.
    stands_out = top - reading.median >= MIN_STRENGTH and top - second >= UNCLEAR_MARGIN
    if stands_out and (from_question or best in votes):
        task_id = best
        clear = (from_question and reading.margin >= CLEAR_MARGIN and top - second >= CLEAR_MARGIN
                 and not (reading.qualifiers.typed_text and not vocab.tasks[best].takes_text))
        confidence = Confidence.CLEAR if clear else Confidence.LIKELY
        basis = Basis.QUESTION if from_question else Basis.MODELS
        shown = {e.text.lower() for e in evidence}
        evidence.extend(e for e in memo(learned_evidence, block.question, best, rival) if e.text.lower() not in shown)
    else:
        task_id, confidence, basis = None, Confidence.UNCLEAR, Basis.QUESTION

    inferred = task_id
    agreed = agreed_task(statements)
    if confirmation is not None:
        task_id, confidence, basis = confirmation.task_id, Confidence.CONFIRMED, Basis.MAINTAINERS
    elif agreed is not None and agreed != task_id and confidence is not Confidence.CLEAR:
        task_id, confidence, basis = agreed, Confidence.LIKELY, Basis.ANSWERS
    if basis is Basis.ANSWERS:
        evidence = [Evidence(s.phrase, f"answer by {s.answer}", s.task_id) for s in statements if s.task_id == agreed]
    judge = FitJudge(reading, task_id, basis, agreed)
    return TaskInference(
        task_id=task_id,
        evidence=tuple(e for e in evidence if task_id is None or e.task_id == task_id),
        candidates=candidates,
        qualifiers=reading.qualifiers,
        model_fits=_model_fits(block.models, model_tasks, judge, workflows, memo),
        confidence=confidence,
        basis=basis,
        statements=statements,
        inferred_task_id=inferred,
        note=confirmation.note if confirmation else "",
    )


def _model_fits(models: tuple[Entry, ...], model_tasks: list, judge: FitJudge, workflows: tuple[WorkflowUse, ...],
                memo: Memo[Vocabulary]) -> tuple[ModelFit, ...]:
    """Each recommended model's fit, as the judge rules and the answers' workflows testify."""
    built_on, vocab = answers_build_on(workflows), memo.vocab
    return tuple(_testified(memo(model_fit, entry.name, own, judge.task_id, judge.relation(own, vocab)),
                            built_on.get(entry.name, 0), len(workflows), vocab)
                 for entry, (own, _) in zip(models, model_tasks))


def answers_build_on(workflows: tuple[WorkflowUse, ...]) -> dict[str, int]:
    """The recommended models that at least BUILT_ON_ANSWERS answers, and most of those that
    give a workflow, build theirs on: a step of the task (a face parser before a face swap, a
    transcriber before a summariser) that a page reading one task would call unfit. Answers
    asked to use only the models given still leave a misfire out, or aside, most of the time."""
    givers = [workflow for workflow in workflows if workflow.sign is not WorkflowSign.NONE]
    counts: dict[str, int] = defaultdict(int)
    for workflow in givers:
        for name in workflow.models:
            counts[name] += 1
    return {name: count for name, count in counts.items() if count >= BUILT_ON_ANSWERS and 2 * count > len(givers)}


def _testified(fit: ModelFit, builders: int, answers: int, vocab: Vocabulary) -> ModelFit:
    """A ✗ the answers' workflows contradict becomes a "?": most answers build on the model."""
    if fit.fits is not False or not builders:
        return fit
    mine = vocab.tasks[fit.task_id].label.lower()
    return replace(fit, relation=Relation.POSSIBLE,
                   reason=f"a {mine} model; {builders} of the {answers} answers build their workflow on it as a step, "
                          f"so it is not ruled out")


def _allowed_when_vague(reading: QuestionReading, task_id: str) -> bool:
    """A vague question follows a model its words allow more readily than one they contradict."""
    return reading.vague and reading.learned.get(task_id, -LEARNED_FLOOR) >= -PLAUSIBLE_NATS


@dataclass(frozen=True)
class FitJudge:
    """Decides each recommended model's :class:`Relation` to the page's task.

    A ✗ needs strong evidence, since a false ✗ accuses a right recommendation: the task must be
    confirmed by a maintainer, or clearly asked for, by the question or by answers that agree,
    *and* the question's words must argue against the model's own task (no cue of it, and the
    classifier finds it far less likely than the task asked for). A model whose task the
    question allows is ✓ or ?, never ✗.
    """

    reading: QuestionReading
    task_id: str | None
    basis: Basis
    agreed: str | None  # the task the answers agree on

    def relation(self, own: str | None, vocab: Vocabulary) -> Relation:
        if self.task_id is None or own is None:
            return Relation.UNKNOWN
        if own == self.task_id:
            confirmed = self.basis is not Basis.MODELS or own == self.agreed or self.reading.allows(own)
            return Relation.SAME if confirmed else Relation.UNCONFIRMED
        if not self._against(own, vocab):
            return Relation.POSSIBLE
        target, mine = vocab.tasks[self.task_id], vocab.tasks[own]
        return Relation.RELATED if own in target.related or self.task_id in mine.related else Relation.DIFFERENT

    def _against(self, own: str, vocab: Vocabulary) -> bool:
        if self.basis is Basis.MAINTAINERS:
            return True
        if own == self.agreed or self.basis is Basis.MODELS:
            return False  # the answers read the question as the model's task, or the question is vague
        reading, nats = self.reading, self.reading.learned.get(own, -LEARNED_FLOOR)
        if reading.cues.get(own, 0.0) > 0:
            return False  # the question names the model's task too
        if reading.qualifiers.typed_text and vocab.tasks[own].takes_text:
            return False  # the user typed a text for the model: its words describe what came back
        if self.basis is Basis.ANSWERS:
            return self.agreed == self.task_id and nats <= -AGAINST_NATS
        asked_clearly = self.task_id == reading.points_to and reading.margin >= AGAINST_MARGIN
        return (asked_clearly and nats <= -AGAINST_NATS) or (self.task_id == reading.points_to and nats <= -FAR_NATS)


class QuestionReading(NamedTuple):
    scores: dict[str, float]  # every task's
    ranked: tuple[tuple[str, float], ...]  # the same, the best first
    median: float  # the median task's score
    margin: float  # how far the best task leads the runner-up
    vague: bool  # no strong cue names the best task, and it leads by less than VAGUE_MARGIN
    #: The classifier's log-likelihood of each task, minus the best task's (0 for the best).
    learned: dict[str, float]
    #: The task the question alone points to: its best, unless it names two tasks alike
    #: ("segment and colorize this"), which words the classifier learned should not decide.
    points_to: str | None
    evidence: tuple[Evidence, ...]
    qualifiers: Qualifiers
    cues: dict[str, float]  # the points of each task that a cue of the question names

    def allows(self, task_id: str) -> bool:
        """The classifier ranks the task among the question's ALLOWED_RANK best, within
        ALLOWED_NATS of the best."""
        nats = self.learned.get(task_id, -LEARNED_FLOOR)
        ahead = sum(1 for other in self.learned.values() if other > nats)
        return ahead < ALLOWED_RANK and nats >= -ALLOWED_NATS


def read_question(question: str, vocab: Vocabulary) -> QuestionReading:
    """What the question alone says: every task's score from its cues and the classifier."""
    cues: dict[str, float] = defaultdict(float)
    evidence: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    named: set[str] = set()  # the tasks a strong cue names
    for hit in vocab.cues.find(question):
        key = (hit.cue.key, hit.found.lower())
        if key in seen:
            continue  # a cue repeated in the question is one piece of evidence
        seen.add(key)
        cues[hit.cue.key] += hit.cue.weight
        if hit.cue.weight >= CUE_WEIGHT:
            named.add(hit.cue.key)
        evidence.append(Evidence(hit.found, "question", hit.cue.key))
    learned = vocab.classifier.log_scores(question)
    scores = {
        task_id: cues.get(task_id, 0.0) + LEARNED_WEIGHT * max(learned.get(task_id, -LEARNED_FLOOR), -LEARNED_FLOOR)
        for task_id in vocab.tasks
    }
    ranked = tuple(sorted(scores.items(), key=lambda item: (-item[1], vocab.order[item[0]])))
    (first, _), (second, _) = ranked[:2]
    named_alike = cues.get(first, 0.0) >= CUE_WEIGHT and cues.get(second, 0.0) == cues[first]
    margin = ranked[0][1] - ranked[1][1]
    vague = first not in named and margin < VAGUE_MARGIN
    return QuestionReading(scores, ranked, median(scores.values()), margin, vague, learned,
                           None if named_alike else first, tuple(evidence), find_qualifiers(question, vocab), dict(cues))


def learned_evidence(question: str, task_id: str, rival: str | None, vocab: Vocabulary) -> tuple[Evidence, ...]:
    """The question's words that the classifier weighs most for the task over the runner-up."""
    return tuple(Evidence(word, LEARNED, task_id) for word in vocab.classifier.evidence(question, task_id, rival))


def model_task(entry: Entry, vocab: Vocabulary, memo: Memo[Vocabulary] | None = None
               ) -> tuple[str | None, list[Evidence]]:
    """The task a model does, from its catalog name prefix, else from cues in its name and summary.
    ``memo``: the run's memo of ``vocab`` (the same catalog models recur across thousands of prompts)."""
    if memo is None:
        task_id, evidence = _model_task(entry.name, entry.summary, vocab)
    else:
        task_id, evidence = memo(_model_task, entry.name, entry.summary)
    return task_id, list(evidence)


def _model_task(name: str, summary: str, vocab: Vocabulary) -> tuple[str | None, tuple[Evidence, ...]]:
    lowered = name.lower()
    for prefix, task_id in vocab.prefixes:
        if lowered.startswith(prefix) and (len(lowered) == len(prefix) or not lowered[len(prefix)].isalnum()):
            return task_id, (Evidence(name[: len(prefix)], "model name", task_id),)
    scores: dict[str, float] = defaultdict(float)
    found: dict[str, list[Evidence]] = defaultdict(list)
    for text, factor, where in ((name, NAME_FACTOR, "model name"), (summary, SUMMARY_FACTOR, "model summary")):
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


def model_fit(name: str, own: str | None, wanted: str | None, relation: Relation, vocab: Vocabulary) -> ModelFit:
    """A model's fit, with the reason a page gives for it."""
    if wanted is None:
        return ModelFit(name, own, relation, "no clear task to compare it with")
    target = vocab.tasks[wanted].label.lower()
    if own is None:
        return ModelFit(name, None, relation, f"its name and summary do not say which task it does, "
                                              f"so whether it does {target} is unknown")
    mine = vocab.tasks[own].label.lower()
    reason = {
        Relation.UNCONFIRMED: f"a {mine} model, and the task was read from the recommended models, not from the "
                              f"question: that it does what the user asks is not confirmed",
        Relation.SAME: f"a {mine} model: it does the task asked for",
        Relation.RELATED: f"a {mine} model, not a {target} one: a related step that can support the task but "
                          f"does not do it",
        Relation.DIFFERENT: f"a {mine} model: it does not do {target}",
        Relation.POSSIBLE: f"a {mine} model; the task asked for seems to be {target}, but nothing rules out "
                           f"{mine} strongly enough to say it does not fit",
    }[relation]
    return ModelFit(name, own, relation, reason)


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
        input=tuple(found["input"]),
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
