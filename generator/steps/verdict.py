"""A prompt's verdict in one line: do the recommended models do the task the user wants?

The same words wherever a prompt is summed up: the card at a glance, the command line's job
summary, ``export --brief`` and the preview comment of a pull request. ✓, ✗ and "?" are counted
apart: a model whose fit is not known ("?") is never counted as one that does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..records import Confidence, TaskInference


class VerdictCode(StrEnum):
    FITS = "fits"  # every recommended model does the task: ✓
    PARTLY = "partly"  # some do: ~
    DOES_NOT_FIT = "does-not-fit"  # none does, each for a stated reason: ✗
    UNKNOWN = "unknown"  # none is known to do it, and not all are known not to: ?
    UNCLEAR_TASK = "unclear-task"
    UNREADABLE = "unreadable"

    @property
    def mark(self) -> str:
        return {VerdictCode.FITS: "✓", VerdictCode.PARTLY: "~", VerdictCode.DOES_NOT_FIT: "✗"}.get(self, "?")


@dataclass(frozen=True)
class Verdict:
    code: VerdictCode
    text: str


@dataclass(frozen=True)
class FitCounts:
    """How many recommended models do the task (✓), do not (✗), and may or may not (?)."""

    doing: int
    not_doing: int
    unknown: int

    @classmethod
    def of(cls, inference: TaskInference) -> FitCounts:
        fits = [fit.fits for fit in inference.model_fits]
        return cls(fits.count(True), fits.count(False), fits.count(None))

    @property
    def total(self) -> int:
        return self.doing + self.not_doing + self.unknown


def fit_verdict(inference: TaskInference | None) -> Verdict:
    if inference is None:
        return Verdict(VerdictCode.UNREADABLE, "the prompt could not be read")
    if inference.task_id is None:
        return Verdict(VerdictCode.UNCLEAR_TASK, "? the task is unclear")
    counts = FitCounts.of(inference)
    # A task that is only likely softens every verdict: the site may have the task wrong.
    probably = "probably " if inference.confidence is Confidence.LIKELY else ""
    one = counts.total == 1
    if counts.doing and counts.doing == counts.total:
        return Verdict(VerdictCode.FITS, f"✓ the recommended model {probably}does this task" if one
                       else f"✓ the recommended models {probably}do this task")
    if counts.doing:
        return Verdict(VerdictCode.PARTLY, f"~ {probably}{counts.doing} of {counts.total} recommended models do this task")
    if counts.not_doing and counts.not_doing == counts.total:
        return Verdict(VerdictCode.DOES_NOT_FIT, f"✗ the recommended model {probably}does not do this task" if one
                       else f"✗ {probably}no recommended model does this task")
    if counts.not_doing:
        return Verdict(VerdictCode.UNKNOWN, f"? {counts.not_doing} of {counts.total} recommended models "
                                            f"{probably}do not do this task; whether the others do is not known")
    return Verdict(VerdictCode.UNKNOWN, "? whether the recommended models do this task is not known")


#: The verdict's words by code, for a verdict read back from JSON that must not be trusted.
TEXTS = {
    VerdictCode.FITS: "✓ the recommended models do this task",
    VerdictCode.PARTLY: "~ some of the recommended models do this task",
    VerdictCode.DOES_NOT_FIT: "✗ no recommended model does this task",
    VerdictCode.UNKNOWN: "? whether the recommended models do this task is not known",
    VerdictCode.UNCLEAR_TASK: "? the task is unclear",
    VerdictCode.UNREADABLE: "the prompt could not be read",
}
