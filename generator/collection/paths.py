"""Where each generated page lives in the site, and links between them.

Pure functions of names, so that a prompt page can link to its task, model and paper
pages without knowing the other prompts.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from functools import lru_cache

PROMPTS = "prompts"
HOME = "index.md"
TASK_INDEX = "tasks/index.md"
MODEL_INDEX = "models/index.md"
PAPER_INDEX = "papers/index.md"
UNSUPPORTED_INDEX = "answers/index.md"
REPORT_INDEX = "report/index.md"
UNCLEAR_TASK = "unclear"
MAX_SLUG = 80


@lru_cache(maxsize=1 << 16)
def slugify(name: str) -> str:
    """A file-name-safe slug; names that give the same slug are the same model or paper."""
    slug = re.sub(r"[^\w]+", "-", name.casefold()).strip("-_")
    if len(slug) > MAX_SLUG:
        digest = hashlib.sha1(name.casefold().encode()).hexdigest()[:8]
        slug = slug[:MAX_SLUG].rstrip("-_") + "-" + digest
    if slug == "index":  # a model named "Index" must not take the place of the models index
        slug += "-" + hashlib.sha1(name.encode()).hexdigest()[:8]
    return slug or "x-" + hashlib.sha1(name.encode()).hexdigest()[:8]


def _paged(base: str, page: int) -> str:
    # "." never occurs in a slug: page 2 of "x" is never the page of a model named "x 2".
    return f"{base}.md" if page == 1 else f"{base}.{page}.md"


def prompt_page(slug: str) -> str:
    return f"{PROMPTS}/{slug}.md"


def task_page(task_id: str | None, page: int = 1) -> str:
    return _paged(f"tasks/{task_id or UNCLEAR_TASK}", page)


def model_page(name: str, page: int = 1) -> str:
    return _paged(f"models/{slugify(name)}", page)


def paper_page(name: str, page: int = 1) -> str:
    return _paged(f"papers/{slugify(name)}", page)


#: The References' summaries, each in a file of its own that every page showing it shares.
SUMMARIES = "assets/summaries"


def summary_file(name: str, summary: str) -> str:
    """Where the summary ``summary`` of the model or paper ``name`` is: named by both, so that a
    prompt giving another summary for the same entry, or an edited one, gets a file of its own."""
    digest = hashlib.sha256(f"{name}\0{summary}".encode()).hexdigest()[:20]
    return f"{SUMMARIES}/{digest}.html"


def index_page(base: str, page: int) -> str:
    """Page ``page`` of a top-level index (``tasks/index.md``, ``tasks/index.2.md``…)."""
    return base if page == 1 else base.removesuffix(".md") + f".{page}.md"


def link(source_page: str, target_page: str, anchor: str = "") -> str:
    """A relative Markdown link target from one generated page to another."""
    return folder_link(posixpath.dirname(source_page), target_page) + (f"#{anchor}" if anchor else "")


@lru_cache(maxsize=1 << 16)  # pages live in a few folders and link to the same task, model and paper pages
def folder_link(folder: str, target_page: str) -> str:
    """:func:`link` from any page in ``folder`` ("" for the top): all a link depends on."""
    return posixpath.relpath(target_page, folder or ".")


def site_url(page: str) -> str:
    """The address of a generated page from the site's root, as MkDocs gives it (directory
    URLs): ``tasks/super_resolution/`` for ``tasks/super_resolution.md``, ``tasks/`` for
    ``tasks/index.md``. For front matter that templates turn into links (breadcrumbs)."""
    stem = page.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"
