"""Markdown -> HTML outside MkDocs, with the extensions the site uses for generated pages.

The MkDocs plugin checks the HTML MkDocs itself rendered; this renderer serves the CLI
(``python -m generator check``/``export``), so both see the same links.
"""

from __future__ import annotations

from functools import cache

import markdown
from pymdownx.superfences import fence_div_format

#: The Markdown extensions generated pages rely on. mkdocs.yml enables at least these
#: (tests/test_site.py checks it), so a page renders the same with and without MkDocs.
PAGE_EXTENSIONS = ["tables", "attr_list", "admonition", "toc", "pymdownx.details", "pymdownx.superfences"]
PAGE_EXTENSION_CONFIGS = {
    "pymdownx.superfences": {
        "custom_fences": [{"name": "mermaid", "class": "mermaid", "format": fence_div_format}]
    }
}


@cache
def _renderer() -> markdown.Markdown:
    return markdown.Markdown(extensions=PAGE_EXTENSIONS, extension_configs=PAGE_EXTENSION_CONFIGS)


def render_html(text: str) -> str:
    renderer = _renderer()
    try:
        return renderer.convert(text)
    finally:
        renderer.reset()
