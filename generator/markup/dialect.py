"""The Markdown dialect answers are read in: Python-Markdown, as chat models write for it.

Answers come from language models and strangers' pull requests, written for CommonMark-like
renderers. Each concern is one small extension (as pymdown-extensions does), so that a reader
finds each rule in one place, and :func:`answer_syntax` lists them in the order they load:

- :class:`NoRawHtmlExtension`: raw HTML is text, never markup;
- :class:`CommonMarkLinksExtension`: a link's destination ends where CommonMark ends it;
- :class:`WholeIndentExtension`: an answer indented as a whole is read as if it were not;
- :class:`ChatListsExtension`: lists nested and started as CommonMark nests and starts them;
- :class:`CitationMarkersExtension`: chat exports' citation markers are dropped.

What is rendered is then rebuilt from an allow-list by :mod:`generator.markup.sanitise`.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.inlinepatterns import IMAGE_LINK_RE, LINK_RE, ImageInlineProcessor, InlineProcessor, LinkInlineProcessor
from markdown.preprocessors import Preprocessor

#: The tag of what an answer shows nothing of: an empty element that the sanitiser unwraps.
DROPPED = "span"


def answer_syntax() -> list[Extension]:
    """Markdown as answers are read (besides fenced code): tables, sane lists, link destinations
    as CommonMark reads them, and no raw HTML. Given as classes, not names: a name is looked up
    among every installed package's entry points (14-19 ms of the first answer of a build)."""
    return [TableExtension(), SaneListExtension(), NoRawHtmlExtension(), CommonMarkLinksExtension(),
            ChatListsExtension(), WholeIndentExtension(), CitationMarkersExtension()]


class NoRawHtmlExtension(Extension):
    """Raw HTML in an answer's text is text: without Python-Markdown's two HTML passes it is
    never output as is."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


class CommonMarkLinksExtension(Extension):
    """Links and images whose destination is read as CommonMark reads it (:class:`_CommonMarkDestination`)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.inlinePatterns.register(_Link(LINK_RE, md), "link", 160)
        md.inlinePatterns.register(_Image(IMAGE_LINK_RE, md), "image_link", 150)


class _CommonMarkDestination:
    """A link's destination read as CommonMark reads it, which chat models write for: a title
    starts after white space. Python-Markdown alone cuts ``[x](javascript:alert("a"))`` at the
    quote (destination ``javascript:alert(``, title ``a``), so the page would show and check a
    link its author never wrote. Other shapes (``<…>``, spaces, deeper parentheses) are left
    to Python-Markdown."""

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        match = _DESTINATION.match(data, index)
        if not match:
            return super().getLink(data, index)
        title = match.group(2)
        if title is not None:
            title = self.RE_TITLE_CLEAN.sub(" ", self.unescape(title[1:-1].strip()))
        return self.unescape(match.group(1)).strip(), title, match.end(), True


class _Link(_CommonMarkDestination, LinkInlineProcessor):
    pass


class _Image(_CommonMarkDestination, ImageInlineProcessor):
    pass


#: ``(destination "title")``: a run without spaces whose parentheses balance one level deep,
#: then, after white space, an optional title in quotes or parentheses.
_DESTINATION = re.compile(
    r"""\(\s*((?:[^()\s<]++|\([^()\s]*+\))(?:[^()\s]++|\([^()\s]*+\))*+)"""
    r"""(?:\s+("[^"]*"|'[^']*'|\([^()]*\)))?\s*\)"""
)


class WholeIndentExtension(Extension):
    """An answer indented as a whole (every line that is not blank starts with the same two
    spaces or more, as some chat exports write it) is read as if it were not: else its
    paragraphs would be one code block, with its Markdown shown raw. A code block inside it
    keeps the indentation it has beyond the answer's own, and so stays code."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_WholeIndent(md), "whole_indent", 29)  # after tabs are expanded (30), before fences


class _WholeIndent(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return without_whole_indent(lines)


def without_whole_indent(lines: list[str]) -> list[str]:
    """``lines`` without the indent of two spaces or more that every line that is not blank has."""
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    common = min(indents, default=0)
    if common < 2:
        return lines
    return [line[common:] for line in lines]


class ChatListsExtension(Extension):
    """Lists as chat models write them, made into the lists Python-Markdown reads (:class:`_ListIndents`)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_ListIndents(md), "list_indents", 20)  # after fenced code (25)


class _ListIndents(Preprocessor):
    """Lists as chat models write them, made into the lists Python-Markdown reads:

    - an item nests under the one before when it starts at or after the column where that
      item's text starts (CommonMark's rule: 2 spaces under ``-``, 3 under ``1.``, or 4): each
      line inside an item is re-indented by Python-Markdown's 4 spaces per level;
    - an item right after a paragraph's line starts a list (as in CommonMark; Python-Markdown
      wants a blank line first, else the item is read as more of the paragraph's text).

    Only indentation changes, and the blank line put before such an item; a line less indented
    than its item's text continues a paragraph (lazily) and stays as written.
    """

    def run(self, lines: list[str]) -> list[str]:
        out = []
        columns: list[int] = []  # where the text of each open item starts, outermost first
        block_is_list = False  # the lines since the last blank one started with an item
        after_blank = True
        for line in lines:
            text = line.lstrip(" ")
            if not text:
                out.append(line)
                after_blank = True
                continue
            indent = len(line) - len(text)
            item = _LIST_ITEM.match(text)
            in_list = bool(columns)  # an item of an open list is no paragraph's to interrupt
            if item or after_blank:
                while columns and indent < columns[-1]:
                    columns.pop()
            if item:
                if not after_blank and not block_is_list and (in_list or _interrupts(item)):
                    out.append("")
                    block_is_list = True
                out.append(" " * (4 * len(columns)) + text)
                gap = len(item.group(2))
                columns.append(indent + len(item.group(1)) + (gap if 1 <= gap <= 4 else 1))
            elif columns and indent >= columns[-1]:
                out.append(" " * (4 * len(columns) + indent - columns[-1]) + text)
            else:
                out.append(line)
            if after_blank:
                block_is_list = bool(item)
            after_blank = False
        return out


#: A list item as Python-Markdown reads one: its marker, then the spaces before its text.
_LIST_ITEM = re.compile(r"([-*+]|\d+\.)( +|$)")


def _interrupts(item: re.Match) -> bool:
    """Whether an item may interrupt a paragraph (CommonMark): not an empty one ("-" under a line
    makes it a heading), and a numbered one only from 1 ("in\n2024. it was" stays a sentence)."""
    marker, gap = item.groups()
    return bool(gap) and (not marker[0].isdigit() or marker == "1.")


#: The citation markers of chat exports: Gemini's ``[cite_start]`` (where a cited passage starts)
#: and ``[cite: 6]`` / ``[cite: 6, 15]``, ChatGPT's ``【4†source】`` and ``【4:2†source】``. They
#: number passages of the chat's own retrieval (files, searches) that no reader of the page can
#: see, so they are dropped: shown, they would be references to nothing. A marker that ends a
#: passage takes the space before it along ("the model [cite: 6]." reads "the model.").
CITATION_MARKER = (
    r"\[cite_(?:start|end)\]"
    r"|[ \t]*\[cite:[ \t]*\d+(?:[ \t]*[,\-–][ \t]*\d+)*[ \t]*\]"
    r"|[ \t]*【\d+(?::\d+)?†[^】\n]{0,80}】"
)


class CitationMarkersExtension(Extension):
    """Chat exports' citation markers (:data:`CITATION_MARKER`) dropped from an answer."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After code spans (190) and backslash escapes (180), so code and `\[cite: 1]` keep them.
        md.inlinePatterns.register(_CitationMarker(CITATION_MARKER), "citation_marker", 175)


class _CitationMarker(InlineProcessor):
    """A citation marker, made an empty element that the sanitiser unwraps to nothing. An element
    rather than no text: a URL right before the marker ends there, as it would were the marker shown."""

    def handleMatch(self, m: re.Match, data: str) -> tuple[etree.Element, int, int]:
        return etree.Element(DROPPED), m.start(0), m.end(0)
