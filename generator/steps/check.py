"""The provenance check: every external link on a page must come from its source block.

Links are collected twice, from the page's Markdown (links, autolinks, bare URLs) and from
its HTML (every URL-carrying attribute), because extensions can turn text into links that
the Markdown alone does not show.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

from ..markup.links import MD_AUTOLINK, extract_urls, is_external, is_safe_url, normalise_url
from ..records import Problem

#: Attributes through which HTML can make a browser fetch or navigate.
URL_ATTRIBUTES = (
    "href", "src", "srcset", "action", "formaction", "poster", "data", "cite",
    "background", "xlink:href", "ping", "manifest", "longdesc", "lowsrc", "dynsrc", "icon",
)
# A link destination: <anything but > and newline>, or a run without spaces whose parentheses
# balance one level deep, as CommonMark allows (``[x](https://w.org/a_(b))``, ``javascript:f(1)``).
# Possessive runs: a destination is taken in whole runs of characters, never given back (nothing
# follows it in the pattern), which is the same match, made in C rather than character by character.
_MD_DESTINATION = re.compile(r"\]\(\s*(?:<([^>\n]+)>|((?:[^()\s]++|\([^()\s]*+\))++))")
_MD_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)


def markdown_links(text: str) -> list[str]:
    """Every external link of Markdown ``text``, as written: link destinations, autolinks,
    reference definitions and bare URLs, paragraph by paragraph in document order."""
    return [url for paragraph in text.split("\n\n") for url in _paragraph_links(paragraph)[0]]


@lru_cache(maxsize=1 << 14)  # a model's links, a paper's summary: they recur across thousands of pages
def _paragraph_links(paragraph: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(links as written, the same normalised where they are http(s) URLs) of one paragraph.
    No link can span a blank line, so each paragraph is scanned on its own."""
    found = [m.group(1) or m.group(2) for m in _MD_DESTINATION.finditer(paragraph)]
    if "<" in paragraph:
        found += [m.group(1) for m in MD_AUTOLINK.finditer(paragraph)]
    if "]:" in paragraph:  # every reference definition has one; most paragraphs have none
        found += [m.group(1) for m in _MD_REFERENCE.finditer(paragraph)]
    found = [url for url in found if is_external(url)]
    found += extract_urls(paragraph)
    return tuple(found), _http_ones_normalised(found)


def html_links(html: str) -> list[str]:
    """Every external URL in a URL-carrying attribute, tag by tag in document order.

    The tags and attribute values are those Python's ``html.parser`` reads (as BeautifulSoup's
    "html.parser" tree does: the last of a repeated attribute counts, character references in
    values are resolved, ``<script>`` and ``<style>`` hold no tags), without building a tree.
    """
    collector = _LinkCollector()
    collector.feed(html)
    collector.close()
    return collector.found


class _LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)  # text is skipped: no need to resolve it
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not attrs:
            return
        values = dict(attrs)  # the last of a repeated attribute wins
        for name in URL_ATTRIBUTES:
            value = values.get(name)
            if not value:
                continue
            urls = [v.strip().split(" ")[0] for v in value.split(",")] if name == "srcset" else [value]
            self.found.extend(v for v in urls if is_external(v))


def check_links(path: str, links: list[str], allowed: frozenset[str]) -> list[Problem]:
    """One problem per link (from :func:`page_links`) that is not an http(s) URL of the source block."""
    problems = []
    for url in links:
        if not is_safe_url(url):
            problems.append(Problem(path, None, f"link {url!r} is not an http(s) link"))
        elif url not in allowed:
            problems.append(Problem(path, None, f"link {url} is not in the source block"))
    return problems


def page_links(markdown: str, html: str | None = None) -> list[str]:
    """Every external link of a page, normalised where it is an http(s) URL, first seen first."""
    return block_links(markdown.split("\n\n"), html)


def block_links(blocks, html: str | None = None) -> list[str]:
    """:func:`page_links` of the page ``"\\n\\n".join(blocks)``, without joining and splitting it:
    no link spans the blank line between two blocks (see _paragraph_links)."""
    links = [url for block in blocks for url in _paragraph_links(block)[1]]
    if html is not None:
        links += _http_ones_normalised(html_links(html))
    return list(dict.fromkeys(links))


def fragment_links(fragments: list[str]) -> list[tuple[tuple[str, ...], bool]]:
    """For each fragment of HTML: (its links as :func:`page_links` gives them, whether it ends
    with nothing left open: no tag, comment or ``<script>``). The links of fragments that end so,
    put one after the other, are the links of each in turn. One call for a batch, so that the
    MkDocs plugin can run it in a worker process."""
    found = []
    for html in fragments:
        collector = _LinkCollector()
        collector.feed(html)
        closed = not collector.rawdata and collector.cdata_elem is None
        collector.close()
        found.append((tuple(dict.fromkeys(_http_ones_normalised(collector.found))), closed))
    return found


def fragments_links(fragments: tuple[str, ...] | list[str], read: list[tuple[tuple[str, ...], bool]]) -> list[str]:
    """:func:`page_links` of the HTML ``"\n".join(fragments)``, from :func:`fragment_links`'
    reading of each (``read``): their links one after the other when every fragment ends with
    nothing left open, else the joined HTML read whole."""
    if all(closed for _, closed in read):
        return list(dict.fromkeys(url for found, _ in read for url in found))
    return page_links("", "\n".join(fragments))


def _http_ones_normalised(urls) -> tuple[str, ...]:
    """Each URL normalised where it is an http(s) URL, as written otherwise."""
    return tuple(normalise_url(u) if is_safe_url(u) else u for u in urls)
