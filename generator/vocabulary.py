"""The task vocabulary (``data/tasks.yaml``) and the cue matcher compiled from it.

The YAML is read and compiled once per process: every prompt reuses the same
:class:`Vocabulary`, so adding prompts adds no compile work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from .records import Task

CUE_WEIGHT = 3.0
HINT_WEIGHT = 1.0


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


class CueMatcher:
    """All cues in one regular expression, so a text is scanned once whatever their number."""

    def __init__(self, cues: list[Cue]):
        by_pattern: dict[str, list[Cue]] = {}
        for cue in cues:
            by_pattern.setdefault(cue_pattern(cue.text), []).append(cue)
        # Longest first: a specific phrase ("remove the blur") wins over a word inside it.
        patterns = sorted(by_pattern, key=lambda p: (-len(p), p))
        self._cues = [tuple(by_pattern[p]) for p in patterns]
        alternation = "|".join(f"({p})" for p in patterns) or "(?!)"
        self._regex = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)

    def find(self, text: str) -> list[Hit]:
        hits = []
        for match in self._regex.finditer(text):
            for cue in self._cues[match.lastindex - 1]:
                hits.append(Hit(cue, match.group(match.lastindex)))
        return hits


def cue_pattern(cue: str) -> str:
    """Compile one cue: ``/regex/`` as is; words, where a trailing ``*`` matches any ending."""
    if len(cue) > 2 and cue.startswith("/") and cue.endswith("/"):
        return f"(?:{cue[1:-1]})"
    words = []
    for word in cue.lower().split():
        if word.endswith("*") and len(word) > 1:
            words.append(re.escape(word[:-1]) + r"[\w'’-]*")
        else:
            words.append(re.escape(word))
    return r"[\s-]+".join(words)


@dataclass(frozen=True)
class Vocabulary:
    tasks: dict[str, Task]
    cues: CueMatcher
    qualifiers: CueMatcher
    #: (lower-cased name prefix, task id), longest prefix first.
    prefixes: tuple[tuple[str, str], ...]

    def label(self, task_id: str | None) -> str:
        return self.tasks[task_id].label if task_id in self.tasks else "no clear task"


def build_vocabulary(data: dict) -> Vocabulary:
    """Build a vocabulary from the parsed YAML (a dict with ``tasks`` and ``qualifiers``)."""
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
            model_prefixes=tuple(entry.get("model_prefixes", ())),
            related=tuple(entry.get("related", ())),
            stage=entry.get("stage", "main"),
        )
        if task.id in tasks:
            raise ValueError(f"task id {task.id!r} appears twice in the vocabulary")
        tasks[task.id] = task
        for text in (*task.aliases, *task.cues):
            cues.append(Cue(task.id, text, CUE_WEIGHT))
        for text in entry.get("hints", ()):
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
    return Vocabulary(
        tasks=tasks,
        cues=CueMatcher(cues),
        qualifiers=CueMatcher(qualifier_cues),
        prefixes=tuple(sorted(prefixes, key=lambda p: -len(p[0]))),
    )


@cache
def load_vocabulary() -> Vocabulary:
    """The vocabulary shipped with the package, compiled once per process."""
    text = resources.files("generator").joinpath("data/tasks.yaml").read_text(encoding="utf-8")
    return build_vocabulary(yaml.safe_load(text))
