"""What a question's words say about its task, learned from real questions: multinomial naive Bayes.

The cue matcher finds what a question names ("upscale", "denoise"); many questions name no task
but describe it ("the faces are blurry, please restore them"). The words of such descriptions
recur across the real questions of each task, so a classifier trained on them (and on the
vocabulary's own names and descriptions of every task, and the requests written for each) reads
them. It is trained when the vocabulary loads, in about 40 milliseconds, and is deterministic.
Its evidence is the words that weigh most for the task it picks over the runner-up; they are
shown on the page.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

#: Words that say nothing about a task; kept out so that the rest weigh more.
STOPWORDS = frozenset("""
a an the and or but if then so of to in on at by for with from as is are was were be been being it its this that
these those i me my we our you your he she they them their his her what which who whom how why when where can could
would should will shall may might do does did done have has had not no yes just also than too very into out up down
over about please there here some any all each one two make made get got let like want need use using used am im
it's don't dont way such more most much many
""".split())
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
#: Endings taken off a word, longest first, so that "recommending" and "recommend" count as one.
_SUFFIXES = (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", ""))
#: A stem keeps at least this many letters ("uses" stays "use", not "u").
_STEM_LENGTH = 3
#: How many times likelier under a task a word must be to be shown as evidence for it, and in how
#: many of the task's training texts it must occur: a word met once ("gym" in one deblurring
#: question) is likely under that task by chance, and says nothing to the page's reader.
EVIDENCE_GAIN = 3.0
EVIDENCE_SUPPORT = 3


@lru_cache(maxsize=1 << 14)  # the same words recur in every question
def stem(word: str) -> str:
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _STEM_LENGTH:
            return word[: len(word) - len(suffix)] + replacement
    return word


def features(text: str) -> list[tuple[str, str]]:
    """(feature, word as written) of every word of ``text`` that is not a stopword; a word's
    apostrophe ending is left out ("friend's" is "friend", "doesn't" is "doesn")."""
    lowered = text.lower().replace("’", "'")
    words = (word.partition("'")[0] for word in _WORD.findall(lowered) if word not in STOPWORDS)
    return [(stem(word), word) for word in words if word not in STOPWORDS]


@dataclass(frozen=True, eq=False)
class QuestionClassifier:
    tasks: tuple[str, ...]
    #: feature -> log P(feature | task) for each task, in the order of ``tasks``.
    weights: dict[str, tuple[float, ...]]
    #: feature -> how many training texts of each task it occurs in.
    support: dict[str, tuple[int, ...]]

    def log_scores(self, text: str) -> dict[str, float]:
        """Each task's log-likelihood of the text's known words, minus the best one's (so the
        best task scores 0); the words the classifier never saw are left out."""
        totals = [0.0] * len(self.tasks)
        for feature, _ in features(text):
            row = self.weights.get(feature)
            if row is not None:
                totals = list(map(operator.add, totals, row))
        best = max(totals)
        return {task: total - best for task, total in zip(self.tasks, totals)}

    def evidence(self, text: str, task: str, rival: str | None, most: int = 3) -> list[str]:
        """The words of ``text`` (as written) that favour ``task`` over ``rival`` most (over the
        average task when there is no rival), strongest first: each at least EVIDENCE_GAIN times
        likelier under the task and met in EVIDENCE_SUPPORT of its training texts. Numbers are
        left out: the scale cues show them."""
        mine = self.tasks.index(task)
        theirs = self.tasks.index(rival) if rival in self.tasks else None
        weighed: dict[str, tuple[float, str]] = {}
        for feature, word in features(text):
            row = self.weights.get(feature)
            if row is None or feature in weighed or word.isdigit() or self.support[feature][mine] < EVIDENCE_SUPPORT:
                continue
            other = row[theirs] if theirs is not None else sum(row) / len(row)
            weighed[feature] = (row[mine] - other, word)
        ranked = sorted(weighed.values(), key=lambda item: -item[0])
        return [word for gain, word in ranked[:most] if gain >= math.log(EVIDENCE_GAIN)]


def train(documents: Iterable[tuple[str, str, float]], alpha: float) -> QuestionClassifier:
    """A classifier from ``(text, task, weight)`` documents, with add-``alpha`` smoothing. Tasks
    weigh alike whatever their number of documents: the catalog has many more upscaling
    questions than anything else, which says nothing about a question of another site."""
    counts: dict[str, Counter] = {}
    texts: dict[str, Counter] = {}
    for text, task, weight in documents:
        found = counts.setdefault(task, Counter())
        words = features(text)
        for feature, _ in words:
            found[feature] += weight
        texts.setdefault(task, Counter()).update({feature for feature, _ in words})
    tasks = tuple(sorted(counts))
    vocabulary = {feature for found in counts.values() for feature in found}
    log_denominators = [math.log(sum(counts[task].values()) + alpha * len(vocabulary)) for task in tasks]
    # Most words occur under few tasks: each row starts as the smoothed zero count and gets the
    # counts it has (the same numbers, a few times faster to load).
    unseen = [math.log(alpha) - denominator for denominator in log_denominators]
    rows = {feature: list(unseen) for feature in sorted(vocabulary)}
    support = {feature: [0] * len(tasks) for feature in rows}
    for index, task in enumerate(tasks):
        for feature, count in counts[task].items():
            rows[feature][index] = math.log(count + alpha) - log_denominators[index]
        for feature, count in texts[task].items():
            support[feature][index] = count
    return QuestionClassifier(tasks, {feature: tuple(row) for feature, row in rows.items()},
                              {feature: tuple(row) for feature, row in support.items()})
