"""Finding, normalising and labelling URLs.

One extraction serves every place that needs links: the parser (the source block's
set), the provenance check (the page's links) and answers (the links they cite), so
that a link counts as "the same" everywhere.

Normalisation rules, in order (each tested in tests/test_links.py):

1. A URL ends at whitespace, ``<``, ``>``, ``"``, a backtick or a control character, and at
   full-width or CJK punctuation and brackets (``【】「」『』（）〔〕。，、；：！？``…) or ``†``: chat
   models glue citation markers to what they cite (``URL【4†source】``, ``URL，next``).
2. Trailing ``.,;:!?'*_~`` are prose or Markdown emphasis, not part of the URL.
3. A closing ``)`` or ``}`` at the end without its opening partner inside the URL is prose:
   ``(see http://x.org/a)`` keeps no ``)``, ``http://x.org/a_(b)`` keeps its own, and
   ``url(http://x.org/a.gif)}`` (CSS) keeps neither.
4. A square bracket without its partner ends the URL before it: an opening ``[`` starts a
   citation marker glued to the URL (``http://x.org[cite: 3]``), a closing ``]`` ends a
   link's text (``[http://x.org/a](http://y.org/b)`` holds two URLs, as a reader sees it).
5. Scheme and host are lower-cased; path, query and fragment are kept as written.
6. A URL with credentials (``user:pass@``) or a backslash before its path is no link:
   it stays text, since the host a browser would open is not the one it shows.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urlsplit

#: The schemes a page may link to. Anything else is never emitted.
SAFE_SCHEMES = ("http", "https")

#: Rule 1: where a URL ends besides whitespace and controls: full-width and CJK punctuation and
#: brackets, which CJK prose and chat models' citation markers put right after a URL, and which
#: a URL rarely holds unencoded.
URL_END = "【】「」『』〈〉《》〔〕〖〗（）［］｛｝。，、；：！？†"
#: Rule 1: a URL candidate, before normalisation (safe or not: see is_safe_url).
URL_CANDIDATE = re.compile(rf"https?://[^\s<>\"`\x00-\x1f\x7f{URL_END}]+", re.IGNORECASE)
_TRAILING = ".,;:!?'*_~"
_PAIRS = {")": "(", "}": "{"}  # rule 3; square brackets pair by rule 4, before
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
# The same models, papers and URLs recur across thousands of prompts: the pure functions
# below are cached (bounded), so each distinct URL or text is worked out once per process.
_URL_CACHE = 1 << 16
_TEXT_CACHE = 1 << 13
_CACHED_TEXT = 4096  # characters


@lru_cache(maxsize=_URL_CACHE)
def normalise_url(raw: str) -> str:
    """Apply rules 2–5 to a URL candidate found by rule 1."""
    url = raw
    cut = _unpaired_square_bracket(url)
    if cut is not None:
        url = url[:cut]
    # Found in one scan, not per trimmed character: a URL ending in a million ")" stays linear.
    unpaired = None
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _PAIRS and unpaired is None:
            unpaired = _unpaired_closers(url)
        if last in _TRAILING or (last in _PAIRS and end - 1 in unpaired):
            end -= 1
        else:
            break
    return _lower_scheme_and_host(url[:end])


def _unpaired_closers(url: str) -> set[int]:
    """Positions of the ``)`` and ``}`` that close no ``(`` or ``{`` before them. Paired by
    position, not counted: in ``http://a/)(x)`` the last ``)`` closes ``(x`` and stays, so
    that a normalised URL normalises to itself."""
    depth = dict.fromkeys(_PAIRS.values(), 0)
    unpaired = set()
    for index, char in enumerate(url):
        if char in depth:
            depth[char] += 1
        elif char in _PAIRS:
            if depth[_PAIRS[char]]:
                depth[_PAIRS[char]] -= 1
            else:
                unpaired.add(index)
    return unpaired


def _unpaired_square_bracket(url: str) -> int | None:
    """Rule 4: the position of the first ``]`` that closes no ``[`` before it, or of the
    outermost ``[`` that nothing closes, whichever comes first; None when every one pairs."""
    if "[" not in url and "]" not in url:
        return None
    opened: list[int] = []
    for index, char in enumerate(url):
        if char == "[":
            opened.append(index)
        elif char == "]":
            if not opened:
                return index
            opened.pop()
    return opened[0] if opened else None


def _lower_scheme_and_host(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = len(rest)
    for stop in "/?#":
        position = rest.find(stop)
        if position != -1:
            end = min(end, position)
    host = rest[:end].lower()
    if len(host) != end:  # "İ" lower-cases to two characters: keep every URL as long as written
        host = "".join(c.lower() if c.isascii() else c for c in rest[:end])
    return f"{scheme.lower()}://{host}{rest[end:]}"


def url_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, url)`` for every http(s) URL in ``text``; ``text[start:end]`` is the URL
    as written (normalisation only trims its end and changes case, never its length otherwise)."""
    # Summaries and names recur and are cached; whole pages and prompt files are not (each is
    # seen once, and keeping thousands of them would only cost memory).
    return list(_url_spans(text) if len(text) <= _CACHED_TEXT else _find_url_spans(text))


def _url_candidates(text: str):
    """``(start, normalised URL)`` of each ``URL_CANDIDATE`` in ``text``, safe or not.

    Found from each ``://``: a case-insensitive pattern has no literal prefix for the regex
    engine to skip to, so scanning every character is slower. The next is looked for where the
    last one ends once normalised, not where its candidate ended: in
    ``[http://x.org/a](http://y.org/b)`` the second URL starts inside the first candidate.
    """
    allowed_from = 0  # no URL starts inside the previous one
    search_from = 0
    while (colon := text.find("://", search_from)) != -1:
        match = None
        for start in (colon - 5, colon - 4):  # "https" or "http" (any case) ends at the "://"
            if start >= allowed_from and (match := URL_CANDIDATE.match(text, start)):
                break
        if match:
            url = normalise_url(match.group())
            yield match.start(), url
            allowed_from = search_from = match.start() + len(url)  # past the "://": never stuck
        else:
            search_from = colon + 1


@lru_cache(maxsize=_TEXT_CACHE)
def _url_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    return _find_url_spans(text)


def _find_url_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    return tuple(
        (start, start + len(url), url)
        for start, url in _url_candidates(text)
        if is_safe_url(url)  # a URL with a host; one carrying credentials stays text
    )


def extract_urls(text: str) -> list[str]:
    """Every http(s) URL in ``text``, normalised, in order of appearance (repeats kept)."""
    return [url for _, _, url in url_spans(text)]


#: A URL's scheme, as the start of any absolute URL (safe or not).
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")
#: An autolink as CommonMark reads it, of any scheme (Python-Markdown makes http(s) and ftp ones only).
MD_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.\-]*:[^>\s]*)>")


def is_external(url: str) -> bool:
    """True for a URL that leaves the site: it has a scheme or is protocol-relative."""
    stripped = url.strip()
    return bool(_SCHEME.match(stripped)) or stripped.startswith(("//", "\\\\", "/\\", "\\/"))


@lru_cache(maxsize=_URL_CACHE)
def is_safe_url(url: str) -> bool:
    """True for an http(s) URL with a host and nothing that could hide another target."""
    if url != url.strip() or _CONTROL_OR_SPACE.search(url):
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
        and "\\" not in parts.netloc  # browsers read a backslash as "/": another host
    )


_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/([^/?#]+?)(?:\.pdf)?/?$", re.IGNORECASE)


@lru_cache(maxsize=_URL_CACHE)
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
    if not host.isascii():  # as browsers show it, so that no look-alike letter can pass for another host
        host = ".".join(part if part.isascii() else "xn--" + part.encode("punycode").decode() for part in host.split("."))
    shown = f"{host}/{path}" if path else host
    shown = "".join(c if c.isprintable() else quote(c) for c in shown)  # no invisible or bidi character
    return shown if len(shown) <= 60 else shown[:57] + "…"
