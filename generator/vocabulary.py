"""The task vocabulary (``data/tasks.yaml``), the cue matcher compiled from it, and the question
classifier trained from it, from how users ask for each task (``data/requests.yaml``) and from
real questions (``data/questions.yaml``).

The YAML is read, compiled and trained on once per process: every prompt reuses the same
:class:`Vocabulary`, so adding prompts adds no compile work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources

import yaml

from .classifier import QuestionClassifier, train
from .records import Task

CUE_WEIGHT = 3.0
HINT_WEIGHT = 1.0
#: Texts whose hits a matcher remembers (model names and summaries, paper sentences and
#: questions recur across prompts); the memory is emptied when full.
FIND_CACHE = 1 << 14
#: The YAML loader: libyaml's when PyYAML has it (the same data, several times faster).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: How much a name, cue or description of a task in the vocabulary, and one of the requests
#: written for it, weigh in the classifier's training against one real question; and its
#: smoothing. Chosen by cross-validation on the dev half of the catalog's questions
#: (benchmarks/devset.py --folds).
DESCRIPTION_WEIGHT = 3.0
REQUEST_WEIGHT = 1.0
SMOOTHING = 0.1


def remember(memo: dict, key: Hashable, make: Callable[[], object], limit: int = FIND_CACHE):
    """``memo[key]``, made by ``make()`` the first time; the memo is emptied when full."""
    try:
        return memo[key]
    except KeyError:
        if len(memo) >= limit:
            memo.clear()
        value = memo[key] = make()
        return value


@dataclass(frozen=True)
class Cue:
    """One phrase of the vocabulary and what finding it means."""

    key: str  # a task id, or "device:phone"-style qualifier key
    text: str  # the cue as written in the YAML
    weight: float


@dataclass(frozen=True)
class Hit:
    cue: Cue
    found: str  # the text that matched, as written in the input


_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
_GAP = re.compile(r"[\s\-–]+")


class CueMatcher:
    """Finds the cues of a vocabulary in a text in one pass over its words.

    Cues are indexed by their first word (exactly, or by prefix for ``word*``), so the cost
    of a text grows with its length, not with the number of cues. The words of a phrase may
    be separated by spaces or hyphens ("low light" finds "low-light"). Where several cues
    start at one word, the longest and most specific wins and the scan goes on after it, so
    "remove the blur" is not also counted as "remove*". ``/regex/`` cues are searched apart.

    Most words start no cue: one regex of every cue's first word finds, in C, the few words
    where a cue may start, and only those are looked at in Python.
    """

    def __init__(self, cues: list[Cue]):
        self._found: dict[tuple[str, bool], tuple[Hit, ...]] = {}
        self._candidates: dict[str, tuple] = {}  # per word (remembered): words recur in every text
        self._exact: dict[str, list[tuple[tuple[str, ...], Cue]]] = {}
        self._prefix: dict[str, list[tuple[tuple[str, ...], Cue]]] = {}
        self._regexes: list[tuple[re.Pattern, Cue]] = []
        seen: set[tuple[tuple[str, ...], str]] = set()
        for cue in sorted(cues, key=lambda c: -c.weight):
            if len(cue.text) > 2 and cue.text.startswith("/") and cue.text.endswith("/"):
                self._regexes.append((re.compile(cue.text[1:-1], re.IGNORECASE), cue))
                continue
            words = cue_words(cue.text)
            if not words or (words, cue.key) in seen:
                continue  # "low light" and "low-light" are one cue: count it once
            seen.add((words, cue.key))
            index = self._prefix if words[0].endswith("*") else self._exact
            index.setdefault(words[0].rstrip("*"), []).append((words, cue))
        self._prefix_lengths = sorted({len(p) for p in self._prefix}, reverse=True)
        # At the start of a word (_TOKEN's: not after a letter, nor after an apostrophe inside
        # a word such as "don't"), one of the first words, whole or as the start of the word.
        firsts = {*self._exact, *self._prefix}
        self._starts = re.compile(r"(?<!\w)(?<!\w')" + _trie_pattern(firsts)) if firsts else None

    def find(self, text: str, patterns: bool = True) -> list[Hit]:
        """Every cue in ``text``; ``patterns=False`` skips the ``/regex/`` cues."""
        return list(remember(self._found, (text, patterns), lambda: tuple(self._find(text, patterns))))

    def _find(self, text: str, patterns: bool) -> list[Hit]:
        lowered = text.lower().replace("’", "'")
        hits: list[Hit] = []
        scanned = 0  # where the last hit ended: words before it are part of a cue found
        for start_match in self._starts.finditer(lowered) if self._starts else ():
            start = start_match.start()
            if start < scanned:
                continue
            token = _TOKEN.match(lowered, start)
            word = token.group()
            candidates = remember(self._candidates, word, lambda: self._candidates_of(word))
            following = None  # (the next word, where it ends): read once, when a phrase needs it
            best_key, best, best_end = None, [], 0
            for key, words, cue in candidates:  # the best first
                if best_key is not None and key < best_key:
                    break
                # A candidate of this word: its first word is this word or starts it. Most
                # phrases tried fail at their second word, read once here for all of them.
                if len(words) == 1:
                    end = token.end()
                else:
                    if following is None:
                        following = _next_word(lowered, token.end())
                    if not _word_fits(words[1], following[0]):
                        continue
                    end = _words_end(words[2:], lowered, following[1])
                if end:
                    best_key, best_end = key, end
                    best.append(cue)  # the same phrase in several tasks counts for each
            if best:
                hits.extend(Hit(cue, text[start:best_end]) for cue in best)
                scanned = best_end
        for regex, cue in self._regexes if patterns else ():
            hits.extend(Hit(cue, m.group()) for m in regex.finditer(text))
        return hits

    def _candidates_of(self, word: str) -> tuple[tuple[tuple, tuple[str, ...], Cue], ...]:
        """The cues that may start at ``word``, the one that wins first: the longest, then the
        most specific ("coloriz*" wins over "colo*" on "colorize")."""
        candidates = list(self._exact.get(word, ()))
        for length in self._prefix_lengths:
            if length <= len(word):
                candidates.extend(self._prefix.get(word[:length], ()))
        ranked = [((len(words), sum(len(w.rstrip("*")) for w in words), not words[-1].endswith("*")), words, cue)
                  for words, cue in candidates]
        # Stable: among equal keys, the vocabulary's order (heaviest cue first) is kept.
        return tuple(sorted(ranked, key=lambda candidate: candidate[0], reverse=True))


def _trie_pattern(words: set[str]) -> str:
    """A regex matching the start of any of ``words``, branching one character at a time:
    Python's ``re`` tries the branches of an alternation one by one, so hundreds of words as
    plain alternatives cost hundreds of tries at every position of a text."""
    if "" in words:
        return ""  # the shortest word is enough to say a word may start here
    branches = {}
    for word in words:
        branches.setdefault(word[0], set()).add(word[1:])
    parts = [re.escape(char) + _trie_pattern(rest) for char, rest in sorted(branches.items())]
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def cue_words(text: str) -> tuple[str, ...]:
    """The words of a cue as the matcher compares them; a trailing ``*`` stays on its word."""
    words: list[str] = []
    for raw in text.lower().replace("’", "'").split():
        parts = _TOKEN.findall(raw)
        if parts:
            words.extend(parts)
            if raw.endswith("*"):
                words[-1] += "*"
    return tuple(words)


def _next_word(text: str, end: int) -> tuple[str, int]:
    """The word after one gap of spaces or hyphens from ``end``, and where it ends; ("", 0) if none."""
    gap = _GAP.match(text, end)
    token = _TOKEN.match(text, gap.end()) if gap else None
    return (token.group(), token.end()) if token else ("", 0)


def _word_fits(word: str, found: str) -> bool:
    """Whether the text's word ``found`` is a cue's ``word`` (``word*``: starts with it)."""
    return found == word or (word.endswith("*") and found.startswith(word[:-1]))


def _words_end(words: tuple[str, ...], text: str, end: int) -> int:
    """Where ``words`` end when they are the next words of ``text`` after ``end``, each after one
    gap of spaces or hyphens; ``end`` itself for no words; 0 when they are not."""
    for word in words:
        found, end = _next_word(text, end)
        if not _word_fits(word, found):
            return 0
    return end


@dataclass(frozen=True)
class Vocabulary:
    tasks: dict[str, Task]
    cues: CueMatcher
    qualifiers: CueMatcher
    #: (lower-cased name prefix, task id), longest prefix first.
    prefixes: tuple[tuple[str, str], ...]
    classifier: QuestionClassifier = field(repr=False)

    @cached_property
    def order(self) -> dict[str, int]:
        """Each task id's place in the vocabulary: a tie between scores goes to the earlier task."""
        return {task_id: index for index, task_id in enumerate(self.tasks)}

    def label(self, task_id: str | None) -> str:
        return self.tasks[task_id].label if task_id in self.tasks else "no clear task"


def build_vocabulary(data: dict, questions: dict[str, list[str]] | None = None,
                     requests: dict[str, list[str]] | None = None) -> Vocabulary:
    """Build a vocabulary from the parsed YAML (a dict with ``tasks`` and ``qualifiers``), and from
    real questions and written requests by task id, which the classifier learns from besides the
    vocabulary's own words."""
    tasks: dict[str, Task] = {}
    cues: list[Cue] = []
    prefixes: list[tuple[str, str]] = []
    for entry in data["tasks"]:
        task = Task(
            id=entry["id"],
            label=entry["label"],
            description=entry["description"],
            input=entry["input"],
            output=entry["output"],
            aliases=tuple(entry.get("aliases", ())),
            cues=tuple(entry.get("cues", ())),
            hints=tuple(entry.get("hints", ())),
            model_prefixes=tuple(entry.get("model_prefixes", ())),
            related=tuple(entry.get("related", ())),
            stage=entry.get("stage", "main"),
        )
        if task.id in tasks:
            raise ValueError(f"task id {task.id!r} appears twice in the vocabulary")
        tasks[task.id] = task
        # The task's own label is its strongest cue ("Depth estimation", "Object tracking").
        for text in (task.label, *task.aliases, *task.cues):
            cues.append(Cue(task.id, text, CUE_WEIGHT))
        for text in task.hints:
            cues.append(Cue(task.id, text, HINT_WEIGHT))
        prefixes.extend((p.lower(), task.id) for p in task.model_prefixes)
    for task in tasks.values():
        unknown = [r for r in task.related if r not in tasks]
        if unknown:
            raise ValueError(f"task {task.id!r} names unknown related tasks {unknown}")
    qualifier_cues = [
        Cue(f"{kind}:{value}", text, 1.0)
        for kind, values in data.get("qualifiers", {}).items()
        for value, texts in values.items()
        for text in texts
    ]
    for kind, texts in (("questions", questions), ("requests", requests)):
        unknown = sorted(set(texts or ()) - set(tasks))
        if unknown:
            raise ValueError(f"{kind} filed under unknown tasks {unknown}")
    return Vocabulary(
        tasks=tasks,
        cues=CueMatcher(cues),
        qualifiers=CueMatcher(qualifier_cues),
        prefixes=tuple(sorted(prefixes, key=lambda p: -len(p[0]))),
        classifier=train([
            *_descriptions(tasks.values()),
            *_documents(requests, REQUEST_WEIGHT),
            *_documents(questions, 1.0),
        ], SMOOTHING),
    )


def _descriptions(tasks) -> list[tuple[str, str, float]]:
    """Every task's names, cues and description as training documents: every task is learned,
    including those no real question was written for."""
    return [
        (text.replace("*", ""), task.id, DESCRIPTION_WEIGHT)
        for task in tasks
        for text in (task.label, *task.aliases, *task.cues, task.description)
        if not text.startswith("/")  # a regular expression is no words
    ]


def _documents(texts: dict[str, list[str]] | None, weight: float) -> list[tuple[str, str, float]]:
    return [(text, task_id, weight) for task_id, found in (texts or {}).items() for text in found]


@cache
def load_vocabulary() -> Vocabulary:
    """The vocabulary shipped with the package, compiled and trained once per process."""
    return build_vocabulary(read_data("tasks"), read_data("questions")["questions"], read_data("requests")["requests"])


def read_data(name: str) -> dict:
    """One of the YAML files shipped in ``generator/data``, parsed."""
    text = resources.files("generator").joinpath(f"data/{name}.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=YAML_LOADER)
