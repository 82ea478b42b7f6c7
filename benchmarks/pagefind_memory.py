"""Pagefind's memory for a site of any size, without building it: the search entries of one
build (the plugin's ``search_entries`` option writes them) copied until they are of ``--pages``
pages, then indexed by the plugin's own ``write_index`` in parts of at most ``--part-pages``
pages. Prints the pages, the parts, the seconds, the bundle's bytes and the peak RSS of the
largest Pagefind run (``getrusage`` of the children: one run a part, one after another).

    SEARCH_ENTRIES=.cache/entries.json .venv/bin/mkdocs build   # a build's entries, once
    .venv/bin/python -m benchmarks.pagefind_memory .cache/entries.json --pages 100000 --part-pages 40000

Run it once per figure: the peak is the process's, over every Pagefind run it waited for.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
from pathlib import Path

from generator.plugin.pagefind_index import SearchEntries, page_count, read_entries, write_index


def copied(entries: SearchEntries, pages: int) -> SearchEntries:
    """``entries`` copied under ``c1/``, ``c2/``… (the first copy as it is) until they are of
    ``pages`` pages, the last copy cut short."""
    by_page: dict[str, list[dict]] = {}
    for doc in entries.docs:
        by_page.setdefault(doc["location"].partition("#")[0], []).append(doc)
    docs, names, count, copy = [], {}, 0, 0
    while count < pages:
        prefix = f"c{copy}/" if copy else ""
        for url, sections in by_page.items():
            if count == pages:
                break
            docs += [{**doc, "location": prefix + doc["location"]} for doc in sections]
            if url in entries.names:
                names[prefix + url] = entries.names[url]
            count += 1
        copy += 1
    return SearchEntries(docs, names)


def measure(entries: SearchEntries, part_pages: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="pagefind-memory-") as site:
        run = write_index(site, lambda: entries, part_pages)
    return {"pages": run.pages, "parts": run.parts, "seconds": round(run.seconds, 1),
            "bundle_bytes": run.bundle_bytes,
            "pagefind_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pagefind_memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("entries", type=Path, help="a build's search entries (the plugin's search_entries)")
    parser.add_argument("--pages", type=int, required=True, help="the site's pages, the entries copied to as many")
    parser.add_argument("--part-pages", type=int, required=True, help="the most pages a Pagefind run indexes")
    arguments = parser.parse_args(argv)
    entries = read_entries(arguments.entries)
    if not page_count(entries.docs):
        parser.error(f"{arguments.entries}: no search entries")
    print(json.dumps(measure(copied(entries, arguments.pages), arguments.part_pages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
