"""Escaping of untrusted text (everything from ``sources/``) for the places a page puts it.

Text from a prompt never reaches a page as markup: characters that Markdown, HTML or
Mermaid would read as syntax become numeric character references, which every renderer
shows as the character itself and none interprets.
"""

from __future__ import annotations

import re

from .links import is_safe_url

# Characters that start Markdown or HTML syntax anywhere in a line, for Python-Markdown
# and the pymdown extensions a site may enable (tilde, caret, mark, arithmatex); the double
# quote because it ends an admonition's title.
_INLINE = set("\\`*_{}[]<>&|~^=$\"")
# Characters that start a block only at the beginning of a line (headings, lists, quotes).
_LINE_START = set("#>+-=*")
_ORDERED_LIST = re.compile(r"^(\d+)([.)])")
_WHITESPACE = re.compile(r"\s+")


def _ref(char: str) -> str:
    return f"&#{ord(char)};"


# str.translate tables: one C-level pass instead of a Python-level loop per character.
_INLINE_TABLE = {ord(c): _ref(c) for c in _INLINE}
_TITLE_TABLE = {ord(c): _ref(c) for c in "<>&\"'"}


def markdown_text(text: str) -> str:
    """Inline-safe Markdown for arbitrary text: one line, every syntax character neutral.

    Runs of whitespace become one space (outer ones kept, so pieces can be concatenated).
    """
    text = _WHITESPACE.sub(" ", text)
    out = text.translate(_INLINE_TABLE)
    if out[:1] in _LINE_START:
        out = _ref(out[0]) + out[1:]
    return _ORDERED_LIST.sub(lambda m: m.group(1) + _ref(m.group(2)), out, count=1)


def markdown_link(text: str, url: str) -> str:
    """A Markdown link to a URL the caller took from the source block."""
    if not is_safe_url(url):
        raise ValueError(f"refusing to emit a link to {url!r}")
    return f"[{markdown_text(text)}](<{url}>)"


def yaml_title(text: str) -> str:
    """Page titles reach HTML templates that may not escape them: keep them free of markup."""
    return " ".join(text.split()).translate(_TITLE_TABLE)


_UNSAFE_LABEL_CHAR = re.compile(r"[^A-Za-z0-9 .,:()\-/?!'+]")


def mermaid_text(text: str) -> str:
    """Escape text for a quoted Mermaid label.

    Every character outside a small safe set becomes a Mermaid entity code ``#NNN;``, so no
    label can close its quotes, start a comment or directive (``%%``), add a ``click``
    callback or carry HTML: the label's text is inert whatever the prompt says.
    """
    return _UNSAFE_LABEL_CHAR.sub(_mermaid_ref, text)


def _mermaid_ref(match: re.Match) -> str:
    return f"#{ord(match.group())};"


def inert_url(url: str) -> str:
    """A URL as Markdown text that shows the URL but is no link to any renderer or scanner:
    for links that must be shown, never followed (an answer's citation outside the sources)."""
    return markdown_text(url).replace(":", "&#58;").replace("(", "&#40;").replace(")", "&#41;")
