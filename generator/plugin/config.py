from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class PromptPagesConfig(Config):
    """Options of the ``prompt-pages`` plugin in ``mkdocs.yml``."""

    #: Folder of prompt files (``*.txt``, searched recursively), relative to mkdocs.yml.
    sources = c.Type(str, default="sources")
    #: Turn the plugin off (``enabled: !ENV [PROMPT_PAGES, true]``) to build docs/ alone.
    enabled = c.Type(bool, default=True)
