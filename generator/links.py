"""Finding, normalising and labelling URLs.

One extraction serves every place that needs links: the parser (the source block's
set), the provenance check (the page's links) and answers (the links they cite), so
that a link counts as "the same" everywhere.

Normalisation rules, in order (each tested in tests/test_links.py):

1. A URL ends at whitespace, ``<``, ``>``, ``"``, a backtick or a control character.
2. Trailing ``.,;:!?'*_~`` are prose or Markdown emphasis, not part of the URL.
3. A closing ``)`` or ``]`` without its opening partner inside the URL is prose:
   ``(see http://x.org/a)`` keeps no ``)``, ``http://x.org/a_(b)`` keeps its own.
4. An opening ``[`` without a partner starts a citation marker glued to the URL
   (``http://x.org[cite: 3]``): the URL ends before it.
5. Scheme and host are lower-cased; path, query and fragment are kept as written.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: The schemes a page may link to. Anything else is never emitted.
SAFE_SCHEMES = ("http", "https")

_URL = re.compile(r"https?://[^\s<>\"`\x00-\x1f\x7f]+", re.IGNORECASE)
_TRAILING = ".,;:!?'*_~"
_PAIRS = {")": "(", "]": "["}


def normalise_url(raw: str) -> str:
    """Apply rules 2–5 to a URL candidate found by rule 1."""
    url = raw
    cut = _unpaired_open_bracket(url)
    if cut is not None:
        url = url[:cut]
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(last) > url.count(_PAIRS[last]):
            url = url[:-1]
        else:
            break
    return _lower_scheme_and_host(url)


def _unpaired_open_bracket(url: str) -> int | None:
    depth = 0
    first_open = None
    for index, char in enumerate(url):
        if char == "[":
            if depth == 0:
                first_open = index
            depth += 1
        elif char == "]" and depth:
            depth -= 1
    return first_open if depth else None


def _lower_scheme_and_host(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = len(rest)
    for stop in "/?#":
        position = rest.find(stop)
        if position != -1:
            end = min(end, position)
    return f"{scheme.lower()}://{rest[:end].lower()}{rest[end:]}"


def url_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, url)`` for every http(s) URL in ``text``; ``text[start:end]`` is the URL
    as written (normalisation only trims its end and changes case, never its length otherwise)."""
    spans = []
    for match in _URL.finditer(text):
        url = normalise_url(match.group())
        if _has_host(url):
            spans.append((match.start(), match.start() + len(url), url))
    return spans


def extract_urls(text: str) -> list[str]:
    """Every http(s) URL in ``text``, normalised, in order of appearance (repeats kept)."""
    return [url for _, _, url in url_spans(text)]


def _has_host(url: str) -> bool:
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:
        return False


def is_safe_url(url: str) -> bool:
    """True for an http(s) URL with a host and nothing that could hide another target."""
    if url != url.strip() or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme.lower() in SAFE_SCHEMES
        and bool(parts.hostname)
        and parts.username is None
        and parts.password is None
    )


_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/([^/?#]+?)(?:\.pdf)?/?$", re.IGNORECASE)


def label_url(url: str) -> str:
    """A short human label: ``arXiv 2406.17117v2``, ``GitHub kky7/MSSNet``, ``Hugging Face org/name``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    path = parts.path.strip("/")
    match = _ARXIV.search(f"{host}/{path}")
    if match:
        return f"arXiv {match.group(1)}"
    segments = [s for s in path.split("/") if s]
    if host == "github.com" and segments:
        return "GitHub " + "/".join(segments[:2])
    if host == "huggingface.co" and segments:
        return "Hugging Face " + "/".join(segments[:2])
    shown = f"{host}/{path}" if path else host
    return shown if len(shown) <= 60 else shown[:57] + "…"
