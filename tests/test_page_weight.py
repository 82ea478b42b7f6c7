"""What a prompt page of the 1,000-prompt benchmark site (benchmarks/synth.py) weighs, and what of
it is the theme's chrome rather than its article (issue 29): the chrome is drawn lean by the
theme's overrides (overrides/base.html and partials), its icons and scripts shared files.

The site is the one the browser tests of the benchmark corpus share (conftest.py,
site_helpers.ScaleSite); nothing here builds another.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest

from site_helpers import ScaleSite

#: A prompt page's own HTML, on average: Material's chrome made it 32.3 KB, of which 19.0 KB was
#: chrome; the lean overrides 25.3 KB (12.0 KB chrome); with what needs script, the table of
#: contents and headings' links made by the shared chrome.js 18.2 KB, 6.4 KB of it chrome
#: (benchmarks/README.md).
MAX_AVERAGE_PAGE_BYTES = 18_700
MAX_AVERAGE_CHROME_BYTES = 6_700
#: Issue 29's target. The article alone is 11.7 KB on average, 4.8 KB of it the References'
#: summaries (each model's and paper's, as its prompt gives it), which the page keeps.
TARGET_AVERAGE_PAGE_BYTES = 15_000


@pytest.fixture(scope="module")
def prompt_pages(tmp_path_factory) -> list[bytes]:
    site = ScaleSite.start(tmp_path_factory.mktemp("scale")).path()
    pages = [path.read_bytes() for path in sorted((site / "prompts").glob("*/index.html"))]
    assert len(pages) == 1000
    return pages


def _chrome(html: bytes) -> bytes:
    """The page without what its article holds: what the theme draws around it."""
    start, end = html.index(b">", html.index(b"<article")) + 1, html.index(b"</article>")
    return html[:start] + html[end:]


def test_a_prompt_page_is_mostly_its_article(prompt_pages):
    average = statistics.mean(len(html) for html in prompt_pages)
    chrome = statistics.mean(len(_chrome(html)) for html in prompt_pages)
    print(f"\nprompt pages: {average / 1000:.1f} KB on average, of which {chrome / 1000:.1f} KB around the article")
    assert average <= MAX_AVERAGE_PAGE_BYTES
    assert chrome <= MAX_AVERAGE_CHROME_BYTES


def test_the_chrome_shares_its_icons_and_scripts_and_has_no_whitespace_between_tags(prompt_pages):
    for html in prompt_pages[:50]:
        chrome = _chrome(html).decode()
        # Every icon is a reference into the one shared file, none a drawing of its own.
        icons = re.findall(r"<svg[^>]*>(.*?)</svg>", chrome)
        assert icons and all(re.fullmatch(r'<use href="\.\./\.\./assets/images/icons\.svg#[\w-]+"></use>', i)
                             for i in icons), icons
        # No script is written into the page: Material's configuration too comes from chrome.js.
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", chrome)
        assert inline == [], inline
        spaces = re.search(r">\s{2,}<", chrome)
        assert not spaces, chrome[spaces.start() - 200:spaces.end() + 50]


@pytest.mark.xfail(strict=True, reason="the article alone is 11.7 KB on average (4.8 KB of it the summaries "
                                       "of the References): issue 29's 15 KB leaves the chrome 3.3 KB, less "
                                       "than its header, navigation and breadcrumbs take (6.4 KB)")
def test_a_prompt_page_meets_the_issues_target(prompt_pages):
    assert statistics.mean(len(html) for html in prompt_pages) <= TARGET_AVERAGE_PAGE_BYTES
