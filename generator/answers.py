"""Model-written answers: which links they cite, and their HTML with nothing unsafe left.

Answers come from language models and strangers' pull requests, and the prompt asked them
to use only the provided models and papers. So every link an answer cites is compared with
the prompt's source block (the same extraction and normalisation as the provenance check),
and the answer is rendered so that:

- no raw HTML of the answer survives: Python-Markdown runs with its HTML passes removed,
  and the result is rebuilt from a small allow-list of tags and attributes;
- a cited link that the source block has stays a link; any other link, image or URL is
  inert text (its ``:`` and brackets as character references, so neither a browser nor the
  page's own provenance check sees a link in it) with a visible "not in the sources" mark;
- images are never loaded (a tracking pixel is one): a supported image becomes a link.
"""

from __future__ import annotations

import html
import re
from functools import cache
from html.parser import HTMLParser

import markdown
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension

from .check import is_external, markdown_links
from .links import is_safe_url, normalise_url, url_spans
from .records import Answer, Citation, Problem, Prompt, ReviewedAnswer
from .sources import AnswerFile

#: The label of the text after a prompt's own ``Answer:`` line.
INLINE_LABEL = "inline"
UNSUPPORTED_MARK = "not in the sources"

#: Given as classes, not names: a name is looked up among every installed package's entry
#: points, which cost 14-19 ms of the first answer of a build, against 1.6 ms.
_MARKDOWN_EXTENSIONS = (TableExtension, FencedCodeExtension, SaneListExtension)
#: Tags an answer keeps (with no attribute unless listed in _ATTRIBUTES); others are unwrapped.
_KEPT_TAGS = {
    "p", "br", "hr", "ul", "ol", "li", "blockquote", "pre", "code", "em", "strong",
    "table", "thead", "tbody", "tr", "th", "td",
}
_VOID_TAGS = {"br", "hr"}
#: Elements that have no end tag in HTML: an answer's ``<br>`` or ``<img>`` holds nothing.
_EMPTY_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_HEADINGS = {f"h{level}" for level in range(1, 7)}
#: An answer's headings sit under the page's "Answers" heading (h2): h1 -> h3.
_HEADING_SHIFT = 2
_ATTRIBUTES = {"ol": {"start": str.isdigit}, "code": {"class": lambda v: v.startswith("language-") and v[9:].replace("-", "").isalnum()}}


def collect_answers(prompt: Prompt, files: tuple[AnswerFile, ...]) -> tuple[list[Answer], list[Problem]]:
    """Every non-empty answer of a prompt, inline first, and the problems of unreadable answer files."""
    answers, problems = [], []
    if prompt.answer.strip():
        answers.append(Answer(INLINE_LABEL, prompt.path, prompt.answer_line or 1, prompt.answer))
    for file in files:
        if file.text is None:
            problems.append(file.problem)
        elif file.text.strip():
            answers.append(Answer(file.label, file.path, 1, file.text.removeprefix("\ufeff")))
    return answers, problems


def cite_links(answer: Answer, allowed: frozenset[str], shown: tuple[str, ...] = ()) -> tuple[Citation, ...]:
    """Every link the answer cites, once, at the line where it first appears.

    ``shown``: the URLs its rendered HTML links or marks. One that the text hides behind a
    character reference (``[x](https&#58;//…)``, which Markdown decodes) is cited too, at the
    first line that has it once decoded: no link the page marks "not in the sources" goes
    unreported.
    """
    found: dict[str, Citation] = {}
    lines = answer.text.split("\n")
    for offset, line in enumerate(lines):
        for raw in markdown_links(line):
            url = _normalised(raw)
            if url not in found:
                found[url] = Citation(url, answer.line + offset, url in allowed)
    hidden = [url for url in dict.fromkeys(shown) if url not in found and url not in answer.text]
    for url in hidden:
        offset = next((i for i, line in enumerate(lines) if url in html.unescape(line)), 0)
        found[url] = Citation(url, answer.line + offset, url in allowed)
    citations = tuple(found.values())
    return tuple(sorted(citations, key=lambda c: c.line)) if hidden else citations


def review_answer(answer: Answer, allowed: frozenset[str]) -> ReviewedAnswer:
    safe = _SafeHTML(allowed)
    body = safe.rebuild(_render_markdown(answer.text))
    return ReviewedAnswer(answer, cite_links(answer, allowed, tuple(safe.shown)), body)


def answer_problems(reviewed: ReviewedAnswer) -> list[Problem]:
    return [
        Problem(reviewed.answer.path, c.line,
                f"answer {reviewed.answer.label} cites {c.url}, which is not in the source block", "warning")
        for c in reviewed.unsupported
    ]


def inert_text(text: str) -> str:
    """HTML text that no renderer or link scanner reads as a link or as markup.

    Also the form in which unsupported URLs appear anywhere on the site: ``https&#58;//…``
    shows as ``https://…`` but is no URL to a browser, Markdown or :mod:`generator.check`.
    """
    return _INERT_CHAR.sub(_inert_ref, text)


_INERT = {char: f"&#{ord(char)};" for char in "&<>\"':[]()\n"}
_INERT_CHAR = re.compile("[" + re.escape("".join(_INERT)) + "]")


def _inert_ref(match: re.Match) -> str:
    return _INERT[match.group()]


def _normalised(url: str) -> str:
    return normalise_url(url) if is_safe_url(url) else url


@cache
def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=[extension() for extension in _MARKDOWN_EXTENSIONS])
    # Without these two passes raw HTML in the text is output as is; without them it is text.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def _render_markdown(text: str) -> str:
    md = _markdown()
    try:
        return md.convert(text)
    finally:
        md.reset()


class _Element:
    """An open element while the rendered HTML is read: what it will be rebuilt from."""

    __slots__ = ("name", "attributes", "plain", "parts", "text")

    def __init__(self, name: str, attributes: dict[str, str], plain: bool):
        self.name = name
        self.attributes = attributes
        self.plain = plain  # inside a link or code: URLs are left as text (marked after the element)
        self.parts: list[str] = []  # its content, rebuilt
        self.text: list[str] = []  # its text, as a browser shows it (BeautifulSoup's get_text)


class _SafeHTML(HTMLParser):
    """Rebuilds rendered answer HTML from an allow-list, deciding each link on the way.

    Read in one pass with Python's ``html.parser`` (the tags, attributes and decoded text
    that BeautifulSoup's "html.parser" tree holds), each element rebuilt when it closes.
    Comments, declarations and processing instructions are dropped.
    """

    def __init__(self, allowed: frozenset[str]):
        super().__init__(convert_charrefs=True)
        self.allowed = allowed
        self.shown: list[str] = []  # every URL linked or marked, in order
        self._open = [_Element("", {}, False)]

    def rebuild(self, rendered: str) -> str:
        self.feed(rendered)
        self.close()
        while len(self._open) > 1:  # an element left open ends with the document
            self._end()
        return "".join(self._open[0].parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        parent = self._open[-1]
        # The last of a repeated attribute counts, and one without a value is empty, as in bs4.
        attributes = {key: value or "" for key, value in attrs}
        self._open.append(_Element(tag, attributes, parent.plain or tag in ("a", "code", "pre")))
        if tag in _EMPTY_ELEMENTS:
            self._end()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _EMPTY_ELEMENTS:
            self._end()

    def handle_endtag(self, tag: str) -> None:
        if tag in _EMPTY_ELEMENTS or not any(element.name == tag for element in self._open[1:]):
            return  # an end tag that closes nothing open is ignored
        while self._end() != tag:
            pass

    def handle_data(self, data: str) -> None:
        element = self._open[-1]
        element.text.append(data)
        element.parts.append(inert_text(data) if element.plain else self._text(data))

    def _end(self) -> str:
        element = self._open.pop()
        parent = self._open[-1]
        text = "".join(element.text)
        parent.text.append(text)
        parent.parts.append(self._rebuild(element, "".join(element.parts), text, parent.plain))
        return element.name

    def _rebuild(self, element: _Element, children: str, text: str, plain: bool) -> str:
        name, attributes = element.name, element.attributes
        if name == "a":
            return self._link(attributes.get("href", ""), children, text)
        if name == "img":
            return self._link(attributes.get("src", ""), inert_text(f"image: {attributes.get('alt') or 'untitled'}"), text)
        if name in _HEADINGS:
            level = min(6, int(name[1]) + _HEADING_SHIFT)
            return f"<h{level}>{children}</h{level}>"
        if name not in _KEPT_TAGS:
            return children
        kept = "".join(
            f' {key}="{inert_text(value)}"'
            for key, accept in _ATTRIBUTES.get(name, {}).items()
            if (value := attributes.get(key)) and accept(value)
        )
        if name in _VOID_TAGS:
            return f"<{name}{kept}>"
        rebuilt = f"<{name}{kept}>{children}</{name}>"
        if name in ("code", "pre") and not plain:
            rebuilt += self._marks_for_text(text)
        return rebuilt

    def _link(self, target: str, content: str, text: str) -> str:
        target = target.strip()
        marks = self._marks_for_text(text)
        if not target or not is_external(target):
            return content + marks  # a relative link of an answer leads nowhere on this site
        url = _normalised(target)
        self.shown.append(url)
        if url in self.allowed:
            return f'<a href="{html.escape(url)}">{content}</a>{marks}'
        if _normalised(text.strip()) == url:  # an autolink: its text is its URL
            return _mark("", url) + marks.replace(_mark("", url), "", 1)
        return _mark(content, url) + marks

    def _text(self, text: str) -> str:
        out, position = [], 0
        for start, end, url in url_spans(text):
            self.shown.append(url)
            out.append(inert_text(text[position:start]))
            shown = inert_text(text[start:end])
            out.append(f'<a href="{html.escape(url)}">{shown}</a>' if url in self.allowed else _mark("", url))
            position = end
        out.append(inert_text(text[position:]))
        return "".join(out)

    def _marks_for_text(self, text: str) -> str:
        """Marks for the unsupported URLs inside a link's text or a code block, left as written there."""
        urls = [url for _, _, url in url_spans(text) if url not in self.allowed]
        self.shown += urls
        return "".join(_mark("", url) for url in urls)


def _mark(content: str, url: str) -> str:
    shown = f"{content} " if content else ""
    return (
        f'<span class="answer-unsupported">{shown}<code>{inert_text(url)}</code> '
        f'<strong class="answer-unsupported-mark">⚠ {UNSUPPORTED_MARK}</strong></span>'
    )
