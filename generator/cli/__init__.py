"""The command line, ``python -m generator``: its commands, what it prints and its progress bar."""

from .commands import main

__all__ = ["main"]
