"""What each answer says the user's task is: the answers testify beside the question and the models.

The prompt asks every answer to say first (1) what task the user is trying to perform. Answers
say it in their first section, in the styles chat models write: a heading ("## 1. Task
Identification"), a bold numbered item ("**1. Task:** …", "1. **Understanding the task** – …"),
an emoji heading ("🎯 Task"), or the first sentences of plain prose; often the phrase that names
the task is stressed ("The user is performing **text-to-image generation**"). This module finds
that section, takes the phrase it stresses (else the clause after "is trying to…", "wants to…",
"task is…"), and maps the phrase to the vocabulary with the same cue matcher the question is read
with, then with the question classifier when no cue names one task.

The names of the prompt's recommended models are taken out of the phrase first: an answer that
only repeats a misfired model's name ("the task is Deblur-MSSNet") is no evidence for that
model's task. An answer that states no task yields no :class:`Statement`.
"""

from __future__ import annotations

import re

from ..markup.dialect import CITATION_MARKER, without_whole_indent
from ..classifier import features
from ..records import Answer, Statement
from ..vocabulary import CUE_WEIGHT, Vocabulary

_CITATION = re.compile(CITATION_MARKER)
#: A line that opens a section: a Markdown heading, a numbered or lettered item, a bold line, or a
#: line that starts with an emoji or a symbol.
_OPENER = re.compile(
    r"^\s{0,3}(?:#{1,6}\s|(?:\*\*|__)?\(?\d{1,2}[.):]|(?:\*\*|__)\S|[-*+]\s+(?:\*\*|__)|"
    r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50\u2705])")
#: A line that ends a section: a heading or a numbered item.
_BREAK = re.compile(r"^\s{0,3}(?:#{1,6}\s|(?:\*\*|__)?\(?\d{1,2}[.):])")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s|^\s*(?:\*\*|__)[^*_]+(?:\*\*|__)\s*:?\s*$")
#: A numbered item that is a step of a workflow, not the answer's first point.
_STEP = re.compile(r"^\s*(?:\*\*|__)?\(?\d{1,2}[.):]\s*(?:\*\*|__)?\s*(?:input|output|model|step|stage)\b", re.IGNORECASE)
_FIRST_ITEM = re.compile(r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\(?1[.):]")
#: What a section about the task is called, or says first.
_TASK_TOPIC = re.compile(
    r"\b(?:task|goal|objective|intent|aim|purpose|what the user|user'?s? (?:wants?|needs?|request|question|"
    r"problem)|understanding|identif\w*|problem|request|use case|what (?:you|they) (?:want|are)|"
    r"what(?:'s| is) (?:going on|happening)|what (?:the|your) (?:app|tool|model|system) (?:did|does|is doing)|"
    r"what (?:you(?:'re| are)|they(?:'re| are)) (?:actually |really )?(?:doing|after)|what (?:you|they) did)\b",
    re.IGNORECASE)
_STRESSED = re.compile(r"\*\*(?P<a>[^*\n]{2,120}?)\*\*|__(?P<b>[^_\n]{2,120}?)__|(?<![*\w])\*(?P<c>[^*\n]{2,120}?)\*(?![*\w])")
#: The clause that names a task in a sentence: "is trying to upscale…", "the task is image
#: super-resolution", "wants to remove the noise…".
_CLAUSE = re.compile(
    r"\b(?:is|are|was)\s+(?:essentially\s+|basically\s+|really\s+)?(?:trying|looking|wanting|attempting|seeking|"
    r"asking)\s+(?:to|for)\s+(?P<a>[^.;:\n]{3,160})"
    r"|\b(?:wants?|needs?|hopes?|aims?|seeks?)\s+to\s+(?P<b>[^.;:\n]{3,160})"
    r"|\b(?:task|goal|objective|problem)\s+(?:here\s+)?(?:is|is one of|is essentially|is basically|:)\s+"
    r"(?P<c>[^.;\n]{3,160})"
    r"|\b(?:performing|doing|tackling|attempting|asking about|interested in)\s+(?P<d>[^.;:\n]{3,160})"
    r"|\b(?:you(?:'re|\s+are)|the\s+user\s+is|they(?:'re|\s+are))\s+(?P<e>\w+ing\b[^.;:\n]{3,160})"
    r"|\b(?:this|it)\s+is\s+(?:essentially|basically|mostly|primarily|really|at heart)\s+(?P<f>[^.;:\n]{3,160})",
    re.IGNORECASE)
_PROMPT_WORDS = re.compile(r"\brecommended\b(?:\s+(?:ai\s+)?models?\b)?|\bthe\s+recommendations\b", re.IGNORECASE)
_ABOUT_USER = re.compile(r"\b(?:you|your|you're|user'?s?)\b", re.IGNORECASE)
#: A section's text read for the task: its first few lines.
_SECTION_LINES = 8
#: Labels that introduce the task rather than name it ("Task:", "Task Identification").
_LABEL = re.compile(r"^[\s\W\d]*(?:task(?:\s+identification|\s+definition|\s+analysis)?|the\s+task|goal|objective|"
                    r"understanding(?:\s+the\s+(?:user'?s?\s+)?(?:task|goal|request))?|user'?s?\s+(?:goal|task|intent)|"
                    r"what\s+the\s+user\s+(?:wants|is\s+trying\s+to\s+do)|intent|"
                    r"what(?:'s|\s+is)\s+(?:happening|going\s+on)(?:\s+\w+){0,4}|"
                    r"what\s+(?:you(?:'re|\s+are)|they(?:'re|\s+are))\s+(?:actually\s+|really\s+)?(?:doing|after)|"
                    r"what\s+(?:you|they)\s+did)[\s\W]*$",
                    re.IGNORECASE)
#: How far ahead of the runner-up the classifier must put a task for a phrase no cue names.
LEARNED_MARGIN = 2.0


def task_statement(answer: Answer, model_names: tuple[str, ...], vocab: Vocabulary) -> Statement | None:
    """The task ``answer`` says the user is trying to perform, or None when it states none."""
    lines = answer_lines(answer.text)
    found = _task_section(lines)
    if found is None:
        return None
    start, section, titled = found
    for phrase, whole in _phrases(section, titled):
        cleaned = _without_names(phrase, model_names)
        task_id = _task_named(cleaned, vocab, learned=not whole)
        if task_id is not None:
            return Statement(answer.title, _shown(phrase), task_id, answer.line + start)
    return None


def answer_lines(text: str) -> list[str]:
    """The answer's lines as its page reads them: without citation markers, and without an
    indent shared by every line (generator/markup/dialect.py)."""
    return without_whole_indent(_CITATION.sub("", text).splitlines())


def _task_section(lines: list[str]) -> tuple[int, str, bool] | None:
    """(index of its first line, text) of the section that says what the task is: the first
    section opener about the task; else the first numbered item (the prompt's (1) is the task);
    else the first paragraph, as prose answers name the task first. A section runs to the next
    heading or numbered item, at most _SECTION_LINES lines."""
    openers = [index for index, line in enumerate(lines) if _OPENER.match(line)]
    breaks = [index for index in openers if _BREAK.match(lines[index])]
    about_task = [index for index in openers if _TASK_TOPIC.search(lines[index])]
    numbered = [index for index in openers if _FIRST_ITEM.match(lines[index])]
    numbered = [index for index in numbered if not _STEP.match(lines[index])]
    for choice in (about_task, numbered):
        if choice:
            start = choice[0]
            # A heading with nothing under it but another heading ("## 1. Task" then "### What
            # the user wants") opens its section all the same: the section goes on past it.
            body = next((index for index in range(start + 1, len(lines))
                         if lines[index].strip() and not _HEADING.match(lines[index])), len(lines))
            end = next((index for index in breaks if index > max(start, body - 1)), len(lines))
            return start, "\n".join(lines[start:min(end, max(body + 1, start + _SECTION_LINES))]), choice is about_task
    prose = [index for index, line in enumerate(lines) if line.strip() and not _OPENER.match(line)]
    if not prose:
        return None
    first = prose[0]
    end = next((index for index in range(first, len(lines)) if not lines[index].strip()), len(lines))
    return first, "\n".join(lines[first:min(end, first + 3)]), False


def _phrases(section: str, titled: bool):
    """The phrases of a section that may name the task, the likeliest first: what it stresses
    (not its label), the clauses that name a task, then, in a section titled as the task's, its
    lines whole (elsewhere a paragraph about a model names that model's task)."""
    for match in _STRESSED.finditer(section):
        phrase = next(group for group in match.groups() if group)
        line_start = section.rfind("\n", 0, match.start()) + 1
        line_end = section.find("\n", match.end())
        whole_line = section[line_start:len(section) if line_end < 0 else line_end]
        heading = _bare(whole_line) == _bare(phrase)  # stressed from end to end, emoji aside
        if not _LABEL.match(phrase) and not phrase.rstrip().endswith(":") and not heading:
            yield phrase, False
    for match in _CLAUSE.finditer(section):
        yield next(group for group in match.groups() if group), False
    if titled:
        yield section, True
    else:  # a paragraph: its sentences about the user, not those about a model
        yield from ((sentence, True) for sentence in re.split(r"(?<=[.!?])\s+", section) if _ABOUT_USER.search(sentence))


def _bare(text: str) -> str:
    """The text without the marks and symbols around it (emoji, bullets, **, :)."""
    return re.sub(r"^[\W_]+|[\W_]+$", "", text)


def _without_names(phrase: str, model_names: tuple[str, ...]) -> str:
    """The phrase without the recommended models' names, whole or in the parts that answers
    quote apart ("MMAudio" and its title, from "MMAudio: Taming … Synthesis"), and without the
    prompt's own words for them ("the recommended models", "the recommendations"), which would
    read as the recommendation task."""
    phrase = _PROMPT_WORDS.sub(" ", phrase)
    parts = {part.strip() for name in model_names for part in (name, *re.split(r"[:()\[\]]", name))}
    for part in sorted(parts, key=len, reverse=True):
        if len(part) >= 3:
            phrase = re.sub(re.escape(part), " ", phrase, flags=re.IGNORECASE)
    return phrase


def _task_named(phrase: str, vocab: Vocabulary, learned: bool) -> str | None:
    """The one task a phrase names: by a strong cue or alias of the vocabulary (one task more
    than any other), else (``learned``: a phrase the answer stresses or a clause about the task,
    not a whole section) by the classifier well ahead of the runner-up; else None."""
    points: dict[str, float] = {}
    hits = vocab.cues.find(phrase, patterns=False)
    for hit in hits:
        points[hit.cue.key] = points.get(hit.cue.key, 0.0) + hit.cue.weight
    if points:
        ranked = sorted(points.items(), key=lambda item: (-item[1], vocab.order[item[0]]))
        if ranked[0][1] >= CUE_WEIGHT and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            return ranked[0][0]
        tied = {task_id for task_id, score in ranked if score == ranked[0][1] >= CUE_WEIGHT}
        if len(tied) == 2 and (kind := _modifier(phrase, [hit for hit in hits if hit.cue.key in tied])):
            return kind
    if not learned or len(features(phrase)) < 2:
        return None  # a whole section, or a word or two: only a cue that names the task counts
    scores = vocab.classifier.log_scores(phrase)
    ranked = sorted(scores.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] - ranked[1] >= LEARNED_MARGIN and not points:
        return max(scores, key=scores.get)
    return None


#: Between two tasks' names: nothing (a compound, "talking-head video generation"), or words
#: that make the second the means of the first ("face replacement, with a bit of face parsing").
_SECOND_SERVES_FIRST = re.compile(r"[\s\-–]*|[\s,]+(?:with|using|via|through|helped by|aided by|by way of)"
                                  r"(?:\s+(?:a\s+bit\s+of|some|a\s+little|the\s+help\s+of|an?))?\s+", re.IGNORECASE)


def _modifier(phrase: str, hits: list) -> str | None:
    """The main task of a phrase that names two alike. In a compound ("image-to-video
    generation", "talking-head video generation") the first names the kind of the second, the
    generic one; in "X, with a bit of Y" or "X using Y" the second serves the first. Either way
    the first. None when the names are apart ("super-resolution and deblurring" names two)."""
    lowered, spans = phrase.lower(), []
    for hit in hits:
        start = lowered.find(hit.found.lower())
        spans.append((start, start + len(hit.found), hit.cue.key))
    spans.sort()
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if first != second and _SECOND_SERVES_FIRST.fullmatch(lowered[end:start]):
            return first
    return None


def _shown(phrase: str) -> str:
    """The phrase as a page quotes it: one line, without Markdown marks, at most 100 characters."""
    text = " ".join(re.sub(r"[*_`#>]", "", phrase).split())
    return text if len(text) <= 100 else text[:99].rstrip() + "…"
