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
    if not known:  # unknown tasks, or a task that only the models themselves point to
        return Verdict("unknown", "? whether the recommended models do this task is not known")
    # A task that is only likely softens every verdict: the site may have the task wrong.
    probably = "probably " if inference.confidence == "likely" else ""
    doing = sum(known)
    if doing == len(fits):
        return Verdict("fits", f"✓ the recommended model {probably}does this task" if doing == 1
                       else f"✓ the recommended models {probably}do this task")
    if doing == 0:
        return Verdict("does-not-fit", f"✗ the recommended model {probably}does not do this task" if len(fits) == 1
                       else f"✗ {probably}no recommended model does this task")
    return Verdict("partly", f"~ {probably}{doing} of {len(fits)} recommended models do this task")


#: The verdict's words by code, for a verdict read back from JSON that must not be trusted.
TEXTS = {
    "fits": "✓ the recommended models do this task",
    "partly": "~ some of the recommended models do this task",
    "does-not-fit": "✗ no recommended model does this task",
    "unknown": "? whether the recommended models do this task is not known",
    "unclear-task": "? the task is unclear",
    "unreadable": "the prompt could not be read",
}
