"""Misplaced answers: an answer filed under one prompt that answers another prompt's question.

A mix-up in a collection puts an answer beside the wrong prompt. Such an answer restates the
question it answers, quoting it ("You asked: …", a quoted question) or paraphrasing it in its
opening ("The user wants to remove motion blur from night shots…"). So the words of its opening
and of what it quotes are compared with its own prompt's question and with the others':

- each question is reduced to its content words (lower-cased, crudely stemmed, without the
  words every question has), each weighted by how rare it is among the collection's distinct
  questions (inverse document frequency);
- a question's *coverage* by an answer is the weighted share of its words the answer uses;
- the answer is misplaced when another question is well covered (``OTHER_COVERED``) while its
  own is not (``OWN_UNCOVERED``), by a clear margin. An answer that paraphrases its own question
  covers it, and is never flagged; two prompts asking the same question cover alike.
- an answer that quotes a question outright (labelled "Question:", "You asked", or in quotes or
  a quotation block, ending with "?") sharing almost nothing with its own is misplaced too, even
  when no prompt of the collection asks it: the note then quotes it.

Deterministic and cheap: the index (:func:`question_index`) is built once per site run from
every prompt; an answer looks up only its words that few questions have (``DISTINCTIVE``), in
an inverted index, and scores only the questions found so.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from ..records import Misplaced, Prompt

#: A question found by an answer's words must have at least this share of its weight covered…
OTHER_COVERED = 0.55
#: …while the answer's own question has at most this share…
OWN_UNCOVERED = 0.3
#: …and the other's coverage exceeds its own by this much.
MARGIN = 0.3
#: A word is looked up in the index only if at most this many distinct questions have it.
DISTINCTIVE = 50
#: How many content words of an answer's opening are read as its restatement of the question.
OPENING_WORDS = 60
#: A quoted question is read only in the first lines of an answer, where answers restate it.
QUOTE_LINES = 12

_WORD = re.compile(r"[a-z0-9]+")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
#: Words that say nothing of what a question asks: function words, and how questions and answers
#: about models are framed ("what model can I use…", "the user wants…").
_STOP = frozenset("""
a about above after again all also am an and any are as at be because been before being below
between both but by can could did do does doing done down during each even ever every few for from
further get gets getting got had has have having he her here hers him his how i if in into is it its
itself just let like made make makes making me more most much must my myself no nor not now of off
on once one only or other our ours out over own per quite really same she should so some such than
that the their theirs them then there these they this those through to too under until up upon us
use used using very via was way we well were what when where which while who whom why will with
would yet you your yours yourself
ai answer answers app apps asked asks best better question questions tool tools user users want wants
task help model models method methods approach approaches work works recommend recommended provide
provided explain need needs thing things good kind lot lots anyone someone
""".split())
#: A quoted question: a line labelled as the question, or quoted text that asks something.
_LABELLED = re.compile(
    r"^[\s>*_#-]*(?:the\s+)?(?:user'?s?\s+|original\s+)?(?:question|query|prompt|you\s+asked|the\s+user\s+asks?|asked)"
    r"[\s*_]*[:：][\s*_]*(?P<text>.+)$", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{12,400}\?)[\"”]|^\s*>+\s*(?P<block>.{12,400}\?)[\s*_\"”]*$", re.MULTILINE)
#: A quote counts as a question when it has this many content words.
QUOTE_WORDS = 5
#: …and shares at most this share of them with the answer's own question.
QUOTE_OWN_SHARE = 0.34


@lru_cache(maxsize=1 << 14)  # a question recurs across prompts; each is read once per process
def content_words(text: str) -> frozenset[str]:
    """The content words of ``text``, lower-cased and stemmed."""
    return frozenset(_stems(text))


def _stems(text: str, limit: int | None = None) -> list[str]:
    """The stems of the content words of ``text``, in order; the first ``limit`` only, if given."""
    stems = []
    for match in _WORD.finditer(_URL.sub(" ", text.lower())):
        word = match.group()
        if word not in _STOP and (len(word) > 2 or any(c.isdigit() for c in word)):
            stems.append(_stem(word))
            if len(stems) == limit:
                break
    return stems


@lru_cache(maxsize=1 << 16)  # words recur across every answer and question
def _stem(word: str) -> str:
    """A crude stem: enough that "upscaled", "upscaling" and "upscale" meet, "photos" and "photo"."""
    for suffix in ("ing", "ed", "es", "e", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class QuestionIndex:
    """The distinct questions of a collection, their words' weights, and where each rare word occurs."""

    questions: tuple[str, ...]
    #: For each question, the first prompt (by path) asking it: ``(slug, path)``.
    askers: tuple[tuple[str, str], ...]
    words: tuple[frozenset[str], ...]
    weights: dict[str, float]
    #: A word that at most DISTINCTIVE questions have -> those questions' indexes.
    postings: dict[str, tuple[int, ...]]

    def weight(self, words: frozenset[str]) -> float:
        return sum(self.weights.get(word, 0.0) for word in words)

    def same_questions(self, other: QuestionIndex) -> bool:
        """Whether ``other`` indexes the same questions, asked by the same prompts first: then
        every answer reads the same against either."""
        return self.questions == other.questions and self.askers == other.askers


def question_index(prompts) -> QuestionIndex:
    """The index of the questions of ``prompts`` (any iterable of :class:`Prompt`)."""
    askers: dict[str, tuple[str, str]] = {}
    for prompt in sorted(prompts, key=lambda p: p.path):
        askers.setdefault(_normalised_question(prompt.source.question), (prompt.slug, prompt.path))
    questions = tuple(askers)
    words = tuple(content_words(question) for question in questions)
    frequency = Counter(word for found in words for word in found)
    total = len(questions)
    weights = {word: math.log((total + 1) / (count + 0.5)) for word, count in frequency.items()}
    postings: dict[str, list[int]] = {}
    for index, found in enumerate(words):
        for word in found:
            if frequency[word] <= DISTINCTIVE:
                postings.setdefault(word, []).append(index)
    return QuestionIndex(questions, tuple(askers.values()), words, weights,
                         {word: tuple(indexes) for word, indexes in postings.items()})


def _normalised_question(question: str) -> str:
    return " ".join(question.split())


def find_misplaced(text: str, own: Prompt, index: QuestionIndex) -> Misplaced | None:
    """Whether the answer ``text``, filed under ``own``, seems to answer another question."""
    own_question = _normalised_question(own.source.question)
    own_words = content_words(own_question)
    quoted = _quoted_questions(text)
    # An opening of 60 content words rarely needs more than 1,000 characters: 4,000 are read at most.
    opening = frozenset(_stems(text[:4000], OPENING_WORDS)).union(*(content_words(q) for q in quoted))
    found = _best_other(opening, own_question, own_words, index)
    if found is not None:
        return found
    for quote in quoted:  # a question quoted outright, that no prompt of the collection may ask
        words = content_words(quote)
        if len(words) >= QUOTE_WORDS and len(words & own_words) <= QUOTE_OWN_SHARE * len(words):
            return _best_other(words, own_question, own_words, index) or Misplaced(quote, None, None, 0.0, 0.0)
    return None


def _best_other(words: frozenset[str], own_question: str, own_words: frozenset[str],
                index: QuestionIndex) -> Misplaced | None:
    own_weight = index.weight(own_words)
    own = index.weight(own_words & words) / own_weight if own_weight else 0.0
    if own > OWN_UNCOVERED:
        return None
    hits = Counter(i for word in words for i in index.postings.get(word, ()))
    best: tuple[float, int] | None = None
    for candidate, count in hits.items():
        if count < 3 or index.questions[candidate] == own_question:
            continue
        weight = index.weight(index.words[candidate])
        covered = index.weight(index.words[candidate] & words) / weight if weight else 0.0
        if covered >= OTHER_COVERED and covered - own >= MARGIN and (best is None or (covered, -candidate) > (best[0], -best[1])):
            best = (covered, candidate)
    if best is None:
        return None
    slug, path = index.askers[best[1]]
    return Misplaced(index.questions[best[1]], slug, path, round(best[0], 2), round(own, 2))


def _quoted_questions(text: str) -> list[str]:
    """The questions the first lines of an answer quote or label as the question, in order."""
    head = "\n".join([line for line in text[:4000].split("\n", 4 * QUOTE_LINES) if line.strip()][:QUOTE_LINES])
    found = []
    for line in head.split("\n"):
        labelled = _LABELLED.match(line)
        if labelled:
            found.append(labelled["text"].strip(" *_\"“”'"))
    for match in _QUOTED.finditer(head):
        found.append((match.group(1) or match["block"]).strip(" *_\"“”'"))
    return list(dict.fromkeys(found))
