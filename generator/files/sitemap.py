"""A sitemap of more pages than one sitemap may list, in parts.

The sitemap protocol (sitemaps.org) allows a sitemap at most 50,000 URLs, and search engines
refuse a longer one; 100,000 prompts make about 106,000 pages. MkDocs writes one ``sitemap.xml``
(and its ``.gz``) from the theme's template. Past the limit (the plugin's ``sitemap_part_urls``),
:func:`write_sitemap_parts` puts its entries, as written and in order, into ``sitemap-1.xml``,
``sitemap-2.xml``…, and writes ``sitemap.xml`` and its ``.gz`` again as the index of those
parts: the address a search engine is given stays the same. Within the limit, MkDocs' sitemap
is left as it is.
"""

from __future__ import annotations

import gzip
import html
import re
from pathlib import Path

SITEMAP = "sitemap.xml"
PART = "sitemap-{}.xml"
#: The most URLs one sitemap may list (sitemaps.org).
URL_LIMIT = 50_000
_PART_NAME = re.compile(r"sitemap-\d+\.xml")
_URL = re.compile(r"<url>.*?</url>", re.DOTALL)
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def is_sitemap_part(name: str) -> bool:
    """Whether ``name`` (a file at the site's root) is one of a sitemap's parts."""
    return _PART_NAME.fullmatch(name) is not None


def sitemap_parts(sitemap: str, site_url: str, limit: int = URL_LIMIT) -> dict[str, str]:
    """The files of ``sitemap`` (a ``urlset``, as MkDocs writes it) by name: within ``limit`` URLs,
    itself alone; else its entries in parts of at most ``limit``, and ``sitemap.xml`` the index
    of those parts, at ``site_url``."""
    urls = _URL.findall(sitemap)
    if len(urls) <= limit:
        return {SITEMAP: sitemap}
    parts = {PART.format(number): f'{_HEAD}<urlset xmlns="{_NAMESPACE}">\n'
             + "".join(f"    {url}\n" for url in urls[start:start + limit]) + "</urlset>\n"
             for number, start in enumerate(range(0, len(urls), limit), start=1)}
    base = site_url if site_url.endswith("/") else site_url + "/"
    index = (f'{_HEAD}<sitemapindex xmlns="{_NAMESPACE}">\n'
             + "".join(f"    <sitemap><loc>{html.escape(base + name)}</loc></sitemap>\n" for name in parts)
             + "</sitemapindex>\n")
    return {SITEMAP: index, **parts}


def write_sitemap_parts(site_dir: str, site_url: str, limit: int = URL_LIMIT) -> int:
    """The sitemap MkDocs wrote into ``site_dir`` in parts, when it lists more than ``limit``
    URLs (:func:`sitemap_parts`); an earlier build's parts are removed first (``mkdocs serve``
    writes into the same folder). Returns how many parts (1: the sitemap as MkDocs wrote it)."""
    folder = Path(site_dir)
    for old in folder.glob("sitemap-*.xml"):
        if is_sitemap_part(old.name):
            old.unlink()
    path = folder / SITEMAP
    if not site_url or not path.is_file():
        return 1  # without the site's address, a sitemap cannot name its parts
    files = sitemap_parts(path.read_text(encoding="utf-8"), site_url, limit)
    if len(files) == 1:
        return 1
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    with open(folder / f"{SITEMAP}.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
        packed.write(files[SITEMAP].encode("utf-8"))
    return len(files) - 1
