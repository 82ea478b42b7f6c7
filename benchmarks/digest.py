"""One hash of everything the generator makes from a folder of prompts: prints one line.

    .venv/bin/python -m benchmarks.digest SOURCES

The SHA-256 of every page's path and Markdown, every problem and every prompt's links, then
the number of pages and of problems. A change meant to make the generator faster, not
different, must print the same line before and after (run it in a git worktree of the old
commit for "before"); the synthetic corpus and ``tests/data/hostile`` make good inputs.
"""

from __future__ import annotations

import hashlib
import sys

from generator.pipeline import PromptPage
from generator.site import generate_site


def digest(sources: str) -> str:
    site = generate_site([sources], check_html=False)
    hashed = hashlib.sha256()
    for page in site.pages:
        hashed.update(page.path.encode())
        hashed.update(page.markdown.encode())
    for problem in site.problems:
        hashed.update(str(problem).encode())
    for result in site.results:
        hashed.update(repr(result.links if isinstance(result, PromptPage) else ()).encode())
    return f"{hashed.hexdigest()} {len(site.pages)} {len(site.problems)}"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(digest(sys.argv[1]))
