"""Prompt text -> :class:`Prompt`.

The grammar is the one real prompt producers emit (see ``sources/`` and README):

    ...preamble...
    A user has asked the following question:
    "QUESTION"                      (or a ``Question: ...`` line)
    ...
    ### Recommended AI Models:
    Model: NAME                     (or ``Title:``/``Name:``, or a ``- **NAME**`` bullet)
    Paper: URL | N/A | None | (empty)
    GitHub: URL                     (``Github:``/``Code:``; the line may be missing)
    Summary: TEXT                   (may run over several lines)
    ### Related Papers:
    ...the same entries...
    Answer: ANYTHING                (the rest of the file is an answer)

Anything that cannot be read this way raises :class:`PromptError` naming the line and
what was expected there.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from ..markup.links import URL_CANDIDATE, extract_urls, is_safe_url, normalise_url
from ..records import Entry, Problem, Prompt, PromptError, SourceBlock

_QUESTION_MARKER = re.compile(r"asked\s+the\s+following\s+question\s*:?\s*(.*)$", re.IGNORECASE)
_QUESTION_LINE = re.compile(r"^\W{0,4}(?:user\s+)?question\W{0,4}:\s*(.*)$", re.IGNORECASE)
_SECTION = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*\s*)?(recommended(?:\s+ai)?\s+models?|related\s+papers?)\s*(?::\s*)?(?:\*\*\s*)?(?::\s*)?$",
    re.IGNORECASE,
)
_ANSWER = re.compile(r"^\s*(?:#{1,6}\s*)?(?:\*\*)?answer\s*(?:\*\*\s*)?:\s*(?:\*\*)?(.*)$", re.IGNORECASE)
_BULLET = r"(?:[-*+]\s+|\d{1,3}[.)]\s+)?"
_FIELD = re.compile(
    rf"^\s*{_BULLET}(?:\*\*)?([A-Za-z][A-Za-z ]{{0,24}}?)\s*(?:\*\*\s*)?:(?:\*\*)?(?:\s+(.*)|)$"
)
_BOLD_ENTRY = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+\*\*(.+?)\*\*\s*:?\s*(.*)$")

#: Field names as producers spell them -> the field they fill.
_KEYS = {
    "model": "name", "title": "name", "name": "name", "model name": "name",
    "paper": "paper", "pdf": "paper", "arxiv": "paper", "paper link": "paper",
    "github": "github", "code": "github", "repo": "github", "repository": "github",
    "hugging face": "huggingface", "huggingface": "huggingface", "hf": "huggingface",
    "summary": "summary", "abstract": "summary", "description": "summary",
}
#: Other fields kept as they are, so that nothing the producer wrote is lost.
_EXTRA_KEYS = {
    "category", "detailed category", "task", "dataset", "datasets", "authors",
    "year", "venue", "link", "url", "website", "project page", "demo", "license",
}
#: Entries one section may list. Real prompts list a few; thousands are a broken producer,
#: and each entry costs a table row, a diagram node and an index page.
MAX_ENTRIES = 100
_EMPTY_VALUES = {"", "n/a", "na", "none", "null", "-", "—", "nil", "not available"}
_QUOTES = {'"': '"', "\u201c": "\u201d", "\u201e": "\u201c", "\u00ab": "\u00bb"}


class _Line(NamedTuple):
    """What one line of a prompt can be, worked out once per distinct line: the preamble,
    the models' and papers' lines and their summaries recur across thousands of prompts."""

    stripped: str
    asks: str | None  # the text after "asked the following question:" or "Question:", if the line has one
    answer: str | None  # the text after an ``Answer:`` on this line, if it is an answer line
    section: str | None  # "models" or "papers" for a section header
    key: str | None  # the key of a ``Key: value`` line, lower-cased
    label: str  # that key as written
    value: str  # its value, stripped of spaces and of the ``**`` around it
    plain_value: str  # its value, stripped of spaces only
    bold_name: str | None  # the NAME of a ``- **NAME** text`` line that starts an entry
    bold_text: str  # the text after it
    starts_entry: bool  # a name line ("Model: NAME") or a bold entry line: an entry starts here
    urls: tuple[str, ...]  # its http(s) URLs, normalised
    unlinkable: tuple[str, ...]  # what is wrong with URLs that hide their host


@lru_cache(maxsize=1 << 15)
def _read_line(raw: str) -> _Line:
    answer = _ANSWER.match(raw)
    section = _SECTION.match(raw)
    field = _FIELD.match(raw)
    key = field.group(1).strip().lower() if field else None
    plain_value = (field.group(2) or "").strip() if field else ""
    bold = _BOLD_ENTRY.match(raw) if not (key in _KEYS or key in _EXTRA_KEYS) else None
    bold_name = _clean_name(bold.group(1)) if bold else None
    if bold_name is not None and bold_name.lower().rstrip(":") in _KEYS:
        bold_name = None  # "- **Paper**: URL" is a field, not an entry named "Paper"
    asks = _QUESTION_MARKER.search(raw) or _QUESTION_LINE.match(raw)
    return _Line(
        stripped=raw.strip(),
        asks=asks.group(1).strip() if asks else None,
        answer=answer.group(1) if answer else None,
        section=("models" if section.group(1).lower().startswith("recommended") else "papers") if section else None,
        key=key,
        label=field.group(1).strip() if field else "",
        value=plain_value.strip("*").strip(),
        plain_value=plain_value,
        bold_name=bold_name,
        bold_text=bold.group(2).strip() if bold else "",
        starts_entry=_KEYS.get(key) == "name" or bold_name is not None,
        urls=tuple(extract_urls(raw)) if "://" in raw else (),
        unlinkable=_unlinkable_urls(raw),
    )


def parse_prompt(text: str, path: str, slug: str) -> Prompt:
    """Parse one prompt. ``text`` is the decoded file; ``path`` is used in messages only."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    problems: list[Problem] = []

    def fail(line: int | None, message: str) -> None:
        # What is missing after the last line (no question, no models section) is reported at
        # the last line: a problem never names a line past the end of the file.
        problems.append(Problem(path, line if line is None else min(line, len(lines)), message))

    if not text or text.isspace():
        raise PromptError([Problem(path, 1, "the file is empty; expected a prompt with a question and recommended models")])

    read = [_read_line(line) for line in lines]
    answer_index = next((i for i, line in enumerate(read) if line.answer is not None), len(lines))
    block = lines[:answer_index]

    question, question_line, after_question = _find_question(block, read, fail)
    sections = _find_sections(block, read, after_question, fail)

    models: tuple[Entry, ...] = ()
    papers: tuple[Entry, ...] = ()
    if question is None and not sections:
        raise PromptError(problems)  # not a prompt at all: one message says it best
    if "models" not in sections:
        fail(
            (after_question or len(block)) + 1 if question is not None else min(start for start, _ in sections.values()),
            "expected a '### Recommended AI Models:' section listing the recommended models",
        )
    else:
        start, end = sections["models"]
        models = _parse_entries(lines, read, start, end, "model", fail)
        if not models and not problems:
            fail(start, "expected at least one 'Model: NAME' entry under '### Recommended AI Models:'")
    if "papers" in sections:
        start, end = sections["papers"]
        papers = _parse_entries(lines, read, start, end, "paper", fail)

    for index in range(question_line - 1 if question is not None else 0, answer_index):
        for message in read[index].unlinkable:
            fail(index + 1, message)
    if problems:
        raise PromptError(problems)

    answer, answer_line = _inline_answer(lines, read, answer_index)
    return Prompt(
        path=path,
        slug=slug,
        source=SourceBlock(
            question=question,
            question_line=question_line,
            models=models,
            papers=papers,
            links=frozenset(url for line in read[question_line - 1 : answer_index] for url in line.urls),
        ),
        answer=answer,
        answer_line=answer_line,
    )


def _inline_answer(lines: list[str], read: list[_Line], answer_index: int) -> tuple[str, int | None]:
    """The text after the prompt's ``Answer:`` line (at ``answer_index``; none if it is past the
    end), and the line where that text starts, so that answer messages point at the right line."""
    answer_lines = [read[answer_index].answer, *lines[answer_index + 1 :]] if answer_index < len(lines) else []
    first_text = next((i for i, line in enumerate(answer_lines) if line.strip()), None)
    if first_text is None:
        return "", None
    return "\n".join(answer_lines[first_text:]).rstrip(), answer_index + 1 + first_text


def _unlinkable_urls(line: str) -> tuple[str, ...]:
    """A URL whose host is not the one it seems to name (``https://user:pass@host``,
    ``https://a.org\\@b.org``) can be neither a link nor a source: what to say at its line."""
    if "://" not in line or ("@" not in line and "\\" not in line):  # neither can hide a host
        return ()
    messages = []
    for match in URL_CANDIDATE.finditer(line):
        url = normalise_url(match.group())
        authority = url.partition("://")[2].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if is_safe_url(url) or not ("@" in authority or "\\" in authority):
            continue
        what = "carries a user name or password" if "@" in authority else "has a backslash in its host"
        messages.append(f"the link {_show(url)} {what}, so the host a browser opens is not the one it "
                        f"seems to name; remove that part")
    return tuple(messages)


def _find_question(lines: list[str], read: list[_Line], fail) -> tuple[str | None, int, int]:
    """Return (question, its 1-based line, index of the first line after it)."""
    for index, line in enumerate(read[: len(lines)]):
        rest = line.asks
        if rest is None:
            continue
        if rest:
            start = index
            first = rest
        else:
            start = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), None)
            if start is None or _SECTION.match(lines[start]):
                fail(index + 2, "expected the user's question in double quotes after this line")
                return None, index + 1, index + 1
            first = lines[start].strip()
        question, end = _quoted(lines, start, first)
        if not question:
            fail(start + 1, "expected the user's question in double quotes, found an empty question")
            return None, start + 1, end
        return question, start + 1, end
    fail(
        1 if lines and any(l.strip() for l in lines) else 1,
        "expected the line 'A user has asked the following question:' followed by the question in double quotes",
    )
    return None, 1, 0


def _quoted(lines: list[str], start: int, first: str) -> tuple[str, int]:
    """Read a question that may be quoted and may run over several lines."""
    closing = _QUOTES.get(first[:1])
    if closing is None:
        return first.strip(), start + 1
    parts = [first[1:]]
    index = start
    while True:
        if parts[-1].rstrip().endswith(closing):
            text = " ".join(p.strip() for p in parts)
            return text[: text.rstrip().rfind(closing)].strip(), index + 1
        index += 1
        if index >= len(lines) or not lines[index].strip() or _SECTION.match(lines[index]):
            # No closing quote: take the first line as it stands.
            return first[1:].strip(), start + 1
        parts.append(lines[index])


def _find_sections(lines: list[str], read: list[_Line], start: int, fail) -> dict[str, tuple[int, int]]:
    """Map "models"/"papers" to (header line number, index where the section ends)."""
    found: list[tuple[str, int]] = []
    for index in range(start, len(lines)):
        kind = read[index].section
        if kind:
            if any(k == kind for k, _ in found):
                fail(index + 1, f"a second '{read[index].stripped}' header; expected one per prompt")
                continue
            found.append((kind, index))
    sections = {}
    for position, (kind, index) in enumerate(found):
        end = found[position + 1][1] if position + 1 < len(found) else len(lines)
        sections[kind] = (index + 1, end)
    return sections


def _parse_entries(lines: list[str], read: list[_Line], header_line: int, end: int, kind: str, fail) -> tuple[Entry, ...]:
    """Parse the entries between a section header (1-based ``header_line``) and ``end``.

    An entry runs from its name line to the next one, and what it holds depends only on its
    own lines and where it starts: each distinct entry is read once (see _read_entry).
    """
    starts = [index for index in range(header_line, end) if read[index].starts_entry]
    first = starts[0] if starts else end
    for index in range(header_line, first):
        line = read[index].stripped
        if line and line.strip("*_ ").lower() not in _EMPTY_VALUES:  # "### Related Papers:" then "None"
            fail(index + 1, f"expected an entry starting with 'Model: NAME' (or '- **NAME**'), found {_show(line)}")
            return ()
    entries: list[Entry] = []
    for start, stop in zip(starts, [*starts[1:], end]):
        if len(entries) >= MAX_ENTRIES:
            return _too_many(entries, start + 1, kind, fail)
        try:
            entries.append(_read_entry(tuple(lines[start:stop]), kind, start + 1))
        except _EntryError as error:
            fail(start + 1, str(error))
    return tuple(entries)


class _EntryError(ValueError):
    """What is wrong with an entry's lines."""


@lru_cache(maxsize=1 << 14)
def _read_entry(lines: tuple[str, ...], kind: str, number: int) -> Entry:
    """The entry these lines make, the first of them its name line (line ``number`` of the file).

    The same model, at the same line, recurs in thousands of prompts of one producer: each is
    read once, and its record is shared (records are never changed)."""
    first = _read_line(lines[0])
    if _KEYS.get(first.key) == "name":
        name = "" if first.value.lower() in _EMPTY_VALUES else first.value
        if not name:
            raise _EntryError(f"expected a {kind} name after '{first.label}:'")
        fields: dict = {"summary": []}
        open_field = None
    else:  # a "- **NAME** text" line
        name = first.bold_name
        fields = {"summary": [first.bold_text] if first.bold_text else []}
        open_field = "summary" if first.bold_text else None
    extra = []
    for raw in lines[1:]:
        read_line = _read_line(raw)
        line, key = read_line.stripped, read_line.key
        if not line:
            if open_field == "summary":
                fields["summary"].append("")
            continue
        target = _KEYS.get(key)
        if target is not None:
            value = read_line.value
            if target == "summary":
                fields["summary"] = [value] if value else []
                open_field = "summary"
            else:
                fields[target] = None if value.lower() in _EMPTY_VALUES else value
                open_field = None
        elif key in _EXTRA_KEYS and open_field != "summary":
            value = read_line.plain_value
            if value.lower() not in _EMPTY_VALUES:
                extra.append((read_line.label, value))
            open_field = None
        else:
            # Free text after the links and before any "Summary:" line is the summary too.
            fields["summary"].append(line)
            open_field = "summary"
    return Entry(name, number, fields.get("paper"), fields.get("github"), fields.get("huggingface"),
                 _join(fields["summary"]), tuple(extra))


def _too_many(entries: list[Entry], number: int, kind: str, fail) -> tuple[Entry, ...]:
    fail(number, f"more than {MAX_ENTRIES} {kind}s in one section (this is number {MAX_ENTRIES + 1}); "
                 f"a prompt may list at most {MAX_ENTRIES}")
    return tuple(entries)


def _join(lines: list[str]) -> str:
    """Join summary lines into paragraphs separated by one blank line."""
    paragraphs, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _clean_name(value: str) -> str:
    name = value.strip().strip("*").strip()
    return "" if name.lower() in _EMPTY_VALUES else name


def _show(line: str) -> str:
    return repr(line if len(line) <= 60 else line[:57] + "...")
