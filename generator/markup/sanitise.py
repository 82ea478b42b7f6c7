"""An answer's rendered tree rebuilt from an allow-list: its HTML with nothing unsafe left, and
every URL it links, marks or shows.

Python-Markdown reads an answer in the dialect of :mod:`generator.markup.dialect`; then the
sanitiser, a treeprocessor run after every other, sees each link, image and autolink the renderer
made, with the ``href``/``src`` it would write, and the text around them, and rebuilds the tree so
that:

- no raw HTML of the answer survives: only a small allow-list of tags and attributes is rebuilt,
  and the tree is written by this module's serializer, which writes nothing else;
- a cited link that the source block has stays a link; any other link, image or URL is
  inert text (:func:`generator.markup.escape.inert_text`: neither a browser nor the page's own
  provenance check sees a link in it) with a visible "not in the sources" mark;
- images are never loaded (a tracking pixel is one): a supported image becomes a link;
- bare URLs in the text are found by :mod:`generator.markup.links`, as everywhere else.

:class:`SafeMarkdown` puts the dialect and the sanitiser together.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from xml.etree import ElementTree as etree

import markdown
from markdown import util
from markdown.extensions import Extension
from markdown.extensions.attr_list import get_attrs_and_remainder
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.preprocessors import Preprocessor
from markdown.serializers import RE_AMP
from markdown.treeprocessors import Treeprocessor

from .dialect import answer_syntax
from .escape import inert_text
from .links import MD_AUTOLINK, is_external, is_safe_url, normalise_url, url_spans

UNSUPPORTED_MARK = "not in the sources"

#: Tags an answer keeps (with no attribute unless listed in _ATTRIBUTES); others are unwrapped.
_KEPT_TAGS = {
    "p", "br", "hr", "ul", "ol", "li", "blockquote", "pre", "code", "em", "strong",
    "table", "thead", "tbody", "tr", "th", "td",
}
_VOID_TAGS = {"br", "hr"}
_HEADINGS = {f"h{level}" for level in range(1, 7)}
#: An answer's headings sit under the page's "Answers" heading (h2): h1 -> h3.
_HEADING_SHIFT = 2
_ATTRIBUTES = {"ol": {"start": str.isdigit}, "code": {"class": lambda v: v.startswith("language-") and v[9:].replace("-", "").isalnum()}}


def _headings_from_h3(answer: etree.Element) -> None:
    """Moves an answer's headings up so that its highest is an h3, under the page's "Answers"
    (h2): an answer whose headings start at ## would skip a level (h2 -> h4)."""
    headings = [element for element in answer.iter() if element.tag in _HEADINGS]
    up = min((int(element.tag[1]) for element in headings), default=3) - 3
    for element in headings if up > 0 else ():
        element.tag = f"h{int(element.tag[1]) - up}"


@dataclass(frozen=True)
class FoundUrl:
    """A URL the rendered answer links, marks or shows, as the renderer wrote it and normalised."""

    written: str
    url: str


@dataclass(frozen=True)
class Sanitised:
    """An answer's safe HTML, and every URL it cites in document order (then the reference
    definitions no link used)."""

    html: str
    found: tuple[FoundUrl, ...]


class SafeMarkdown:
    """Python-Markdown in the answers' dialect, its tree rebuilt by the sanitiser.

    Building one loads the extensions (milliseconds); one converts every answer of a run, one
    after the other, and is reset after each.
    """

    def __init__(self) -> None:
        sanitiser = SanitiseExtension()
        self._md = markdown.Markdown(extensions=[*answer_syntax(), FencesAsElementsExtension(), sanitiser])
        # Markdown() chooses its serializer after the extensions are loaded: the rebuilt tree is
        # written by the sanitiser's own, which writes nothing the allow-list has not kept.
        self._md.serializer = serialize
        self._review = sanitiser.review

    def convert(self, text: str, allowed: frozenset[str]) -> Sanitised:
        """``text``'s safe HTML, links kept where ``allowed`` (normalised URLs) has them."""
        self._review.allowed = allowed
        try:
            body = self._md.convert(text)
            return Sanitised(body, (*self._review.found, *self._review.unused_references()))
        finally:
            self._md.reset()

    def link_targets(self, text: str) -> list[str]:
        """The ``href`` or ``src`` of every link and image Python-Markdown makes of ``text``, as a
        browser reads it, in document order (not normalised)."""
        self._review.allowed = frozenset()
        try:
            self._md.convert(text)
            return list(self._review.targets)
        finally:
            self._md.reset()


class FencesAsElementsExtension(Extension):
    """Fenced code as elements in the tree (:class:`_Fences`), where the sanitiser reads them."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_Fences(md), "fenced_code_block", 25)  # where fenced_code puts its own


class SanitiseExtension(Extension):
    """The sanitiser, run last, and nothing pasted into its output."""

    def __init__(self):
        super().__init__()
        self.review: _LinkReview | None = None

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)  # so that md.reset() empties what the review found
        self.review = _LinkReview(md)
        md.treeprocessors.register(self.review, "answer_links", -10)  # after "unescape" (0): the last
        # Every stashed piece is put back by the review; nothing may be pasted into its output.
        md.postprocessors.deregister("raw_html")
        md.postprocessors.deregister("amp_substitute")

    def reset(self) -> None:
        if self.review is not None:
            self.review.found = []
            self.review.targets = []


class _Fences(Preprocessor):
    """Fenced code blocks, as Python-Markdown's fenced_code reads them, stashed as ``pre > code``
    elements rather than as HTML: the review reads their text from the tree like any other."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        index = 0
        while match := FencedBlockPreprocessor.FENCED_BLOCK_RE.search(text, index):
            lang = match.group("lang")
            if match.group("attrs"):
                attributes, remainder = get_attrs_and_remainder(match.group("attrs"))
                if remainder:  # unbalanced braces: not a fence (as fenced_code decides)
                    index = match.end("attrs")
                    continue
                lang = next((value for key, value in attributes if key == "."), None)
            pre = etree.Element("pre")
            code = etree.SubElement(pre, "code", {"class": f"language-{lang}"} if lang else {})
            # As Python-Markdown keeps the text of code: HTML-escaped, and never read again.
            code.text = util.AtomicString(util.code_escape(match.group("code")))
            placeholder = self.md.htmlStash.store(pre)
            text = f"{text[:match.start()]}\n{placeholder}\n{text[match.end():]}"
            index = match.start() + 1 + len(placeholder)
        return text.split("\n")


def _normalised(url: str) -> str:
    return normalise_url(url) if is_safe_url(url) else url


def _rendered(value: str) -> str:
    """An attribute of the tree as a browser reads it in the HTML Python-Markdown writes: its
    serializer keeps character references (``https&#58;//``), and an e-mail autolink's are
    written with a placeholder for their ``&``."""
    return html.unescape(RE_AMP.sub("&amp;", value.replace(util.AMP_SUBSTITUTE, "&")))


_AMP_REFERENCE = re.compile(re.escape(util.AMP_SUBSTITUTE) + r"(#\d+;|#x[0-9a-fA-F]+;|\w+;)")


class _LinkReview(Treeprocessor):
    """Rebuilds the rendered tree from the allow-list, deciding each link, image and URL on the way.

    ``allowed`` is set before each answer is converted; ``found`` collects every URL the rebuilt
    answer links or marks (or shows in code or in a link's text), in document order.
    """

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.allowed: frozenset[str] = frozenset()
        self.found: list[FoundUrl] = []
        self.targets: list[str] = []  # the href or src of every link and image, as rendered

    def run(self, root: etree.Element) -> etree.Element:
        rebuilt = etree.Element("div")
        self._content(root, rebuilt, plain=False)
        _headings_from_h3(rebuilt)
        # The line breaks that prettify put around the document (inert text would keep them).
        rebuilt.text = (rebuilt.text or "").lstrip()
        if len(rebuilt):
            rebuilt[-1].tail = (rebuilt[-1].tail or "").rstrip()
        return rebuilt

    def unused_references(self) -> list[FoundUrl]:
        """Reference definitions no link used: not rendered, still cited by the answer."""
        shown = {item.url for item in self.found}
        found = []
        for written, _ in self.md.references.values():
            target = _rendered(written).strip()
            if is_external(target) and _normalised(target) not in shown:
                found.append(FoundUrl(written, _normalised(target)))
        return found

    def _content(self, element: etree.Element, out: etree.Element, plain: bool) -> str:
        """Rebuilds the text and children of ``element`` into ``out``; returns its text as shown.
        ``plain``: inside a link or code, where URLs stay text (marked after the element)."""
        shown = [self._text(element.text, out, plain, element.tag == "code")] if element.text else []
        for child in element:
            shown.append(self._element(child, out, plain))
            if child.tail:
                shown.append(self._text(child.tail, out, plain, False))
        return "".join(shown)

    def _element(self, element: etree.Element, out: etree.Element, plain: bool) -> str:
        name = element.tag
        if name == "p" and len(element) == 0 and (stashed := self._stashed(element.text)) is not None:
            return self._element(stashed, out, plain)  # a fence stands alone, not inside a <p>
        if name in ("a", "img"):
            return self._link(element, out)
        if name in _HEADINGS:
            name = f"h{min(6, int(name[1]) + _HEADING_SHIFT)}"
        elif name not in _KEPT_TAGS:
            return self._content(element, out, plain)  # unwrapped
        attributes = {
            key: value for key, accept in _ATTRIBUTES.get(name, {}).items()
            if (value := element.get(key)) and accept(value)
        }
        rebuilt = etree.SubElement(out, name, attributes)
        shown = self._content(element, rebuilt, plain or name in ("code", "pre"))
        if name in ("code", "pre") and not plain:
            self._mark_urls_in(shown, out)
        return shown

    def _link(self, element: etree.Element, out: etree.Element) -> str:
        if element.tag == "img":
            target = element.get("src", "")
            content = etree.Element("span")
            content.text = f"image: {_rendered(element.get('alt', '')) or 'untitled'}"
            shown = ""
        else:
            target = element.get("href", "")
            content = etree.Element("span")
            shown = self._content(element, content, plain=True)
        self.targets.append(_rendered(target))
        target = _rendered(target).strip()  # as a browser reads an href
        if not target or not is_external(target):
            _append_content(out, content)  # a relative link of an answer leads nowhere on this site
            self._mark_urls_in(shown, out)
            return shown
        url = _normalised(target)
        self.found.append(FoundUrl(target, url))
        if url in self.allowed:
            link = etree.SubElement(out, "a", {"href": url})
            _append_content(link, content)
            self._mark_urls_in(shown, out)
        elif _normalised(shown.strip()) == url:  # an autolink: its text is its URL
            _append_mark(out, None, url)
            self._mark_urls_in(shown, out, but=url)
        else:
            _append_mark(out, content, url)
            self._mark_urls_in(shown, out)
        return shown

    def _text(self, text: str, out: etree.Element, plain: bool, code: bool) -> str:
        """Text of the tree, with what Python-Markdown stashed put back, as a browser shows it."""
        if code:
            text = html.unescape(text)  # code text is kept HTML-escaped (util.code_escape)
        elif util.AMP_SUBSTITUTE in text:
            text = _AMP_REFERENCE.sub(lambda m: html.unescape("&" + m.group(1)), text)
        shown, run = [], []  # run: the text since the last stashed element, URLs read across it
        for index, piece in enumerate(_PLACEHOLDER.split(text) if util.STX in text else (text,)):
            if index % 2:  # a stash index
                stashed = self.md.htmlStash.rawHtmlBlocks[int(piece)]
                if not isinstance(stashed, etree.Element):
                    run.append(html.unescape(stashed))  # a character reference (the only HTML left in)
                    continue
                shown.append(self._run("".join(run), out, plain))
                shown.append(self._element(stashed, out, plain))
                run = []
            else:
                run.append(piece)
        shown.append(self._run("".join(run), out, plain))
        return "".join(shown)

    def _run(self, text: str, out: etree.Element, plain: bool) -> str:
        if plain:
            _append_text(out, text)
        else:
            self._link_urls(out, text)
        return text

    def _stashed(self, text: str | None) -> etree.Element | None:
        match = _PLACEHOLDER.fullmatch(text.strip()) if text else None
        stashed = self.md.htmlStash.rawHtmlBlocks[int(match.group(1))] if match else None
        return stashed if isinstance(stashed, etree.Element) else None

    def _link_urls(self, out: etree.Element, text: str) -> None:
        """Text with its bare URLs as links (supported) or marks (not)."""
        position = 0
        for start, end, written, url in _text_links(text):
            self.found.append(FoundUrl(written, url))
            _append_text(out, text[position:start])
            if url in self.allowed:
                etree.SubElement(out, "a", {"href": url}).text = written
            else:
                _append_mark(out, None, url)
            position = end
        _append_text(out, text[position:])

    def _mark_urls_in(self, text: str, out: etree.Element, but: str | None = None) -> None:
        """After a link or code: its URLs are cited, and those not in the sources marked."""
        for start, end, url in url_spans(text):
            self.found.append(FoundUrl(text[start:end], url))
            if url == but:
                but = None
            elif url not in self.allowed:
                _append_mark(out, None, url)


_PLACEHOLDER = re.compile(util.HTML_PLACEHOLDER % r"([0-9]+)")


def _text_links(text: str) -> list[tuple[int, int, str, str]]:
    """``(start, end, as written, URL)`` of the bare http(s) URLs of a text, and of what CommonMark
    would read as an autolink of another scheme (``<javascript:…>``): an answer written for
    another renderer cites it, though Python-Markdown leaves it text."""
    found = [(start, end, text[start:end], url) for start, end, url in url_spans(text)]
    if "<" in text and ":" in text:
        for match in MD_AUTOLINK.finditer(text):
            target = match.group(1)
            if not is_safe_url(target) and not any(s < match.end() and match.start() < e for s, e, _, _ in found):
                found.append((match.start(), match.end(), target, target))
        found.sort()
    return found


def _append_text(parent: etree.Element, text: str) -> None:
    if not text:
        return
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _append_content(parent: etree.Element, content: etree.Element) -> None:
    """The text and children of ``content`` (a holder) at the end of ``parent``."""
    _append_text(parent, content.text or "")
    for child in content:
        parent.append(child)


def _append_mark(parent: etree.Element, content: etree.Element | None, url: str) -> None:
    mark = etree.SubElement(parent, "span", {"class": "answer-unsupported"})
    if content is not None:
        _append_content(mark, content)
        _append_text(mark, " ")
    etree.SubElement(mark, "code").text = url
    _append_text(mark, " ")
    etree.SubElement(mark, "strong", {"class": "answer-unsupported-mark"}).text = f"⚠ {UNSUPPORTED_MARK}"


def serialize(element: etree.Element) -> str:
    """The rebuilt tree as HTML: a link's ``href`` (an http(s) URL of the source block) escaped,
    every other text and value inert."""
    out: list[str] = []
    _write(element, out)
    return "".join(out)


def _write(element: etree.Element, out: list[str]) -> None:
    name = element.tag
    attributes = "".join(
        f' {key}="{html.escape(value) if key == "href" else inert_text(value)}"' for key, value in element.items()
    )
    out.append(f"<{name}{attributes}>")
    if name in _VOID_TAGS:
        return
    if element.text:
        out.append(inert_text(element.text))
    for child in element:
        _write(child, out)
        if child.tail:
            out.append(inert_text(child.tail))
    out.append(f"</{name}>")

