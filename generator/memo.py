"""A run's memo: what the pure functions of one vocabulary made of their arguments, kept while
the run lasts.

The same question, model and paper recur across thousands of prompts: a step asks the run's
memo rather than working each out again. A memo is owned by one run (:class:`generator.pipeline.Run`)
and passed to the steps explicitly, so nothing outlives the run and no test resets anything;
and since a memo holds one vocabulary, the vocabulary is no part of a key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

Vocab = TypeVar("Vocab")
Result = TypeVar("Result")

#: Results a memo keeps per function; a table that fills is emptied (the recurring values come
#: back at once).
MEMO_LIMIT = 1 << 14


class Memo(Generic[Vocab]):
    """``memo(function, *arguments)`` is ``function(*arguments, memo.vocab)``, worked out once
    for the same arguments (which must be hashable)."""

    def __init__(self, vocab: Vocab, limit: int = MEMO_LIMIT):
        self.vocab = vocab
        self._limit = limit
        self._tables: dict[Callable, dict] = {}

    def __call__(self, function: Callable[..., Result], *arguments) -> Result:
        table = self._tables.get(function)
        if table is None:
            table = self._tables[function] = {}
        else:
            try:
                return table[arguments]
            except KeyError:
                pass
        if len(table) >= self._limit:
            table.clear()
        value = table[arguments] = function(*arguments, self.vocab)
        return value
