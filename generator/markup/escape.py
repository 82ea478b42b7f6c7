"""Escaping of untrusted text (everything from ``sources/``) for the places a page puts it.

Text from a prompt never reaches a page as markup: characters that Markdown, HTML or
Mermaid would read as syntax become numeric character references, which every renderer
shows as the character itself and none interprets.
"""

from __future__ import annotations

import re
from functools import lru_cache
from json.encoder import encode_basestring as _json_string  # what json.dumps(str, ensure_ascii=False) calls

from .links import is_safe_url

# Characters that start Markdown or HTML syntax anywhere in a line, for Python-Markdown
# and the pymdown extensions a site may enable (tilde, caret, mark, arithmatex); the double
# quote because it ends an admonition's title.
_INLINE = set("\\`*_{}[]<>&|~^=$\"")
# Characters that start a block only at the beginning of a line (headings, lists, quotes,
# admonitions "!!! note", collapsible blocks "??? note"), even after a leading space.
_LINE_START = set("#>+-=*!?")
_ORDERED_LIST = re.compile(r"^(\d+)([.)])")
# Control characters count as white space: invisible, and Python-Markdown deletes STX/ETX.
_WHITESPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


def _ref(char: str) -> str:
    return f"&#{ord(char)};"


# One C-level pass instead of a Python-level loop per character.
_INLINE_REFS = {c: _ref(c) for c in _INLINE}
_INLINE_CHAR = re.compile("[" + re.escape("".join(sorted(_INLINE))) + "]")
_TITLE_REFS = tuple((c, _ref(c)) for c in "&<>\"'[]")
#: "://" with its colon as a reference: no scanner or renderer sees a URL in escaped text. A URL
#: from a prompt reaches a page as a link (escape.markdown_link) or not at all.
_SCHEME_END = "&#58;//"


def _inline_ref(match: re.Match) -> str:
    return _INLINE_REFS[match.group()]


@lru_cache(maxsize=1 << 14)  # names, labels and summaries recur across thousands of pages
def markdown_text(text: str) -> str:
    """Inline-safe Markdown for arbitrary text: one line, every syntax character neutral.

    Runs of whitespace and control characters become one space (outer ones kept, so pieces
    can be concatenated).
    """
    if "  " in text or not text.isprintable():  # every \s but the space is unprintable
        text = _WHITESPACE.sub(" ", text)
    out = _INLINE_CHAR.sub(_inline_ref, text)
    if "://" in out:  # a URL in text stays text, for a renderer and for the provenance check
        out = out.replace("://", _SCHEME_END)
    lead = " " if out[:1] == " " else ""  # one space at most, and " - x" is a list item too
    first = out[len(lead) : len(lead) + 1]
    if first in _LINE_START:
        return lead + _ref(first) + out[len(lead) + 1 :]
    if first.isdecimal():  # what \d matches
        return lead + _ORDERED_LIST.sub(lambda m: m.group(1) + _ref(m.group(2)), out[len(lead) :], count=1)
    return out


def markdown_link(text: str, url: str) -> str:
    """A Markdown link to a URL the caller took from the source block."""
    if not is_safe_url(url):
        raise ValueError(f"refusing to emit a link to {url!r}")
    return f"[{markdown_text(text)}](<{url}>)"


def yaml_title(text: str) -> str:
    """Page titles reach HTML templates that may not escape them: keep them free of markup."""
    title = " ".join(text.split())
    for char, ref in _TITLE_REFS:  # "&" first; a few replace() calls beat translate() with a dict
        if char in title:
            title = title.replace(char, ref)
    return title.replace("://", _SCHEME_END)


# Characters that a JSON string may hold raw but YAML reads differently inside a double-quoted
# scalar (line breaks NEL/LS/PS) or refuses (C1 controls, DEL, non-characters, BOM). A lone
# surrogate (never in text decoded from UTF-8) has no YAML form at all: it becomes U+FFFD.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def yaml_scalar(value: str | bool | int) -> str:
    """A YAML scalar for a value: strings double-quoted (a JSON string literal is a YAML
    double-quoted scalar), so no text can end the value, start a comment, or read as another type."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text.isascii() and "\x7f" not in text:  # the common case: nothing for YAML to read differently
        return _json_string(text)
    return _YAML_UNSAFE.sub(_yaml_escape, _json_string(_SURROGATE.sub("\ufffd", text)))


def _yaml_escape(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


_YAML_KEY = re.compile(r"[a-z][a-z_]*")


def front_matter(meta: dict) -> list[str]:
    """The lines of a page's YAML front matter (``---`` … ``---``).

    Values are strings, booleans, lists of them, or one level of mapping; keys are the
    generator's own. The same data always gives the same bytes.
    """
    lines = ["---"]
    for key, value in meta.items():
        _check_key(key)
        if isinstance(value, dict):
            lines.append(f"{key}:")
            for inner, item in value.items():
                _check_key(inner)
                lines.append(f"  {inner}: {yaml_scalar(item)}")
        elif isinstance(value, (list, tuple)):
            lines.append(f"{key}:" if value else f"{key}: []")
            lines += [f"- {yaml_scalar(item)}" for item in value]
        else:
            lines.append(f"{key}: {yaml_scalar(value)}")
    return [*lines, "---"]


def _check_key(key: str) -> None:
    if not _YAML_KEY.fullmatch(key):
        raise ValueError(f"unexpected front matter key {key!r}")


_UNSAFE_LABEL_CHAR = re.compile(r"[^A-Za-z0-9 .,()\-/?!'+]")  # ":" too: no "https://" in a label


@lru_cache(maxsize=1 << 13)  # model names and task labels recur across thousands of diagrams
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


def inert_text(text: str) -> str:
    """HTML text that no renderer or link scanner reads as a link or as markup.

    Also the form in which unsupported URLs appear anywhere on the site: ``https&#58;//…``
    shows as ``https://…`` but is no URL to a browser, Markdown or :mod:`generator.steps.check`.
    """
    return _INERT_CHAR.sub(_inert_ref, text)


_INERT = {char: _ref(char) for char in "&<>\"':[]()\n"}
_INERT_CHAR = re.compile("[" + re.escape("".join(_INERT)) + "]")


def _inert_ref(match: re.Match) -> str:
    return _INERT[match.group()]
