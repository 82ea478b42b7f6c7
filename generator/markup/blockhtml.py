"""A page's HTML block by block: each distinct block of its Markdown is converted once.

Generated pages are made of blocks that recur from page to page: a model's references, a fit
table, a task box, a workflow. Python-Markdown reads a document as blocks separated by blank
lines, and each block becomes elements of its own, so a page's HTML is the HTML of its blocks,
each converted alone, one after the other a line apart, unless one block depends on another.
:func:`joined` refuses a page where one could:

- a block that starts with white space continues the one before (a list item, an admonition's
  or a ``details`` block's body): such a block is kept with the one before (:func:`split_blocks`);
- a list or a quote right after a list or a quote becomes part of it;
- the ``toc`` extension gives a heading the first id not taken anywhere in the document: every
  id on the page must belong to one block only;
- a reference definition (``[x]: URL``) serves the whole document, and the toc marker
  (``[TOC]``) is replaced by the whole document's table of contents;
- a fence cut by a blank line, or raw HTML, would reach into the next block: a block must hold
  as many fence lines as it closes;
- extensions that count or collect across a document (footnotes, abbreviations, tabs,
  snippets…): only those in :data:`BLOCK_LOCAL` are known not to.

A page refused is converted whole, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import markdown
from markdown.extensions.toc import nest_toc_tokens
from markdown.treeprocessors import Treeprocessor

#: Extensions that convert a block the same alone as inside a document (names as mkdocs.yml
#: gives them). MkDocs always adds toc, tables and fenced_code.
BLOCK_LOCAL = frozenset({"toc", "tables", "fenced_code", "attr_list", "admonition", "pymdownx.details",
                         "pymdownx.superfences"})
#: Elements that absorb a list or quote following them after a blank line.
_JOINING = frozenset({"ul", "ol", "blockquote", "dl"})
#: A blank line followed by a line that starts with neither white space nor another blank line.
_BLOCK_START = re.compile(r"\n\n(?=\S)")
_FENCE = re.compile(r"^\s*(?:`{3,}|~{3,})", re.MULTILINE)
#: The paragraph Python-Markdown keeps a raw HTML block in until it writes it out.
_RAW = re.compile(re.escape(markdown.util.HTML_PLACEHOLDER).replace("%s", r"(\d+)"))
#: :attr:`Block.last` of a block that ends with a raw HTML block: in a document, a blank line follows it.
RAW = "raw html"


def block_local(extensions: Iterable) -> bool:
    """Whether every extension (a name, ``markdown.extensions.NAME``, or an instance) is in BLOCK_LOCAL."""
    return all(isinstance(e, str) and e.removeprefix("markdown.extensions.") in BLOCK_LOCAL for e in extensions)


def split_blocks(text: str) -> list[str]:
    """The blocks of a page's Markdown: split at blank lines, each block starting at the start
    of a line without indentation (an indented line belongs with the block before it)."""
    return _BLOCK_START.split(text.strip("\n"))


@dataclass(frozen=True)
class Block:
    """One block of Markdown converted alone, and what joining it to others depends on."""

    html: str
    headings: tuple[dict, ...]  # its table of contents tokens, without children
    ids: tuple[str, ...]  # the id of every element (headings' included)
    first: str | None  # the tag of its first element
    last: str | None  # the tag of its last element
    hrefs: tuple[str, ...]  # every href and src of its elements, as finally written
    alone: bool  # nothing in its text reaches beyond it (see the module's notes)
    extra: object = None  # what the caller collected while it was converted


class _Shape(Treeprocessor):
    """Reads, after every other treeprocessor, what joining blocks depends on."""

    def run(self, root):
        self.first = root[0].tag if len(root) else None
        self.last = root[-1].tag if len(root) else None
        raw = _RAW.fullmatch(root[-1].text or "") if self.last == "p" and not len(root[-1]) else None
        if raw and str(self.md.htmlStash.rawHtmlBlocks[int(raw[1])]).endswith("\n"):
            self.last = RAW  # a raw HTML block as written (an extension's stashed HTML has no line after it)
        self.ids, self.hrefs = [], []
        for element in root.iter():
            if (value := element.get("id")) is not None:
                self.ids.append(value)
            if (value := element.get("href" if element.tag == "a" else "src")) is not None:
                self.hrefs.append(value)


def shape_of(md: markdown.Markdown) -> _Shape:
    """The shape reader of ``md``, registered once, last of its treeprocessors."""
    if "blockhtml_shape" not in md.treeprocessors:
        md.treeprocessors.register(_Shape(md), "blockhtml_shape", -100)
    return md.treeprocessors["blockhtml_shape"]


def convert_block(md: markdown.Markdown, text: str, collect: Callable[[], object] | None = None) -> Block:
    """``text`` converted alone by ``md`` (reset afterwards); ``collect()``, called before the
    reset, gives :attr:`Block.extra`."""
    shape = shape_of(md)
    toc = md.treeprocessors["toc"] if "toc" in md.treeprocessors else None
    try:
        html = md.convert(text)
        alone = (
            bool(html) and not md.references and not text[:1].isspace()
            and not (toc is not None and toc.marker and toc.marker in text)
            and len(_FENCE.findall(text)) % 2 == 0
        )
        headings = tuple(_flat(getattr(md, "toc_tokens", [])))
        extra = collect() if collect is not None else None
        return Block(html, headings, tuple(shape.ids), shape.first, shape.last, tuple(shape.hrefs), alone, extra)
    finally:
        md.reset()


def _flat(tokens: list[dict]):
    for token in tokens:
        yield {key: value for key, value in token.items() if key != "children"}
        yield from _flat(token.get("children", []))


def joined(blocks: Sequence[Block]) -> bool:
    """Whether the document of these blocks converts to their HTML one after the other."""
    seen: set[str] = set()
    previous = None
    for block in blocks:
        if not block.alone:
            return False
        if previous is not None and previous.last in _JOINING and block.first in _JOINING:
            return False
        for element_id in block.ids:
            if element_id in seen:
                return False
            seen.add(element_id)
        previous = block
    return True


def page_html(blocks: Sequence[Block]) -> str:
    """The blocks' HTML one after the other, a line apart, as Python-Markdown writes a document
    (which leaves a blank line after a raw HTML block)."""
    return "".join(block.html + ("\n\n" if block.last == RAW else "\n") for block in blocks[:-1]) + (
        blocks[-1].html if blocks else "")


def page_toc_tokens(blocks: Sequence[Block]) -> list[dict]:
    """The page's table of contents tokens, as the ``toc`` extension nests them."""
    return nest_toc_tokens([dict(heading) for block in blocks for heading in block.headings])
