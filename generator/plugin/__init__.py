"""The MkDocs plugin ``prompt-pages``: runs the generator inside every build and serve."""

from .plugin import PromptPagesPlugin

__all__ = ["PromptPagesPlugin"]
