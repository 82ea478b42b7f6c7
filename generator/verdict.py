"""A prompt's verdict in one line: do the recommended models do the task the user wants?

The same words wherever a prompt is summed up: the command line's job summary, ``export
--brief`` and the preview comment of a pull request.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import TaskInference


@dataclass(frozen=True)
class Verdict:
    code: str  # "fits", "partly", "does-not-fit", "unknown", "unclear-task" or "unreadable"
    text: str


def fit_verdict(inference: TaskInference | None) -> Verdict:
    if inference is None:
        return Verdict("unreadable", "the prompt could not be read")
    if inference.task_id is None:
        return Verdict("unclear-task", "? the task is unclear")
    fits = [fit.fits for fit in inference.model_fits]
    known = [fit for fit in fits if fit is not None]
    if not known:
        return Verdict("unknown", "? what the recommended models do is unknown")
    doing = sum(known)
    if doing == len(fits):
        return Verdict("fits", "✓ the recommended model does this task" if doing == 1
                       else "✓ the recommended models do this task")
    if doing == 0:
        return Verdict("does-not-fit", "✗ the recommended model does not do this task" if len(fits) == 1
                       else "✗ no recommended model does this task")
    return Verdict("partly", f"~ {doing} of {len(fits)} recommended models do this task")


#: The verdict's words by code, for a verdict read back from JSON that must not be trusted.
TEXTS = {
    "fits": "✓ the recommended models do this task",
    "partly": "~ some of the recommended models do this task",
    "does-not-fit": "✗ no recommended model does this task",
    "unknown": "? what the recommended models do is unknown",
    "unclear-task": "? the task is unclear",
    "unreadable": "the prompt could not be read",
}
