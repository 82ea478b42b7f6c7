"""What maintainers settled about a prompt: its sidecar ``sources/NAME.meta.yaml``.

A prompt's task is inferred; where the inference is wrong or unsure a maintainer confirms it::

    task: txt2img                        # an id of generator/data/tasks.yaml
    note: the user typed a text prompt   # optional, shown on the page

A confirmed task wins over inference (see :func:`generator.steps.infer.infer_task`). A sidecar that
cannot be used (bad YAML, an unknown key or task id) is a ``path:line: message`` problem, and the
page is built from inference as if there were none.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import yaml

from ..records import Confirmation, Problem
from ..files.sources import TextFile
from ..vocabulary import Vocabulary

KEYS = ("task", "note")


@dataclass(frozen=True)
class Sidecar:
    """A sidecar, read: the confirmation it holds when it can be used, and its problems."""

    confirmation: Confirmation | None
    problems: tuple[Problem, ...] = ()


def read_sidecar(meta: TextFile, vocab: Vocabulary) -> Sidecar:
    if meta.text is None:
        return Sidecar(None, (meta.problem,))
    try:
        root = yaml.compose(meta.text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return _refused(meta, mark.line + 1 if mark else None,
                        f"is not valid YAML ({getattr(error, 'problem', None) or error}); its task is not used")
    if not isinstance(root, yaml.MappingNode):
        return _refused(meta, 1, "must hold `task: ID` and optionally `note: TEXT`; its task is not used")
    values: dict[str, tuple[str, int]] = {}
    problems = []
    for key, value in root.value:
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode) or key.value not in KEYS:
            name = key.value if isinstance(key, yaml.ScalarNode) else "a non-text key"
            problems.append(Problem(meta.path, line, f"has an unknown key {name!r}; a sidecar holds `task:` and `note:`"))
        elif not isinstance(value, yaml.ScalarNode) or not value.value.strip():
            problems.append(Problem(meta.path, line, f"`{key.value}:` must be one line of text"))
        else:
            values[key.value] = (value.value.strip(), line)
    if "task" not in values:
        if not problems:
            problems.append(Problem(meta.path, 1, "has no `task:`; write the task's id, such as super_resolution"))
        return Sidecar(None, tuple(problems))
    task_id, line = values["task"]
    if task_id not in vocab.tasks:
        close = difflib.get_close_matches(task_id, list(vocab.tasks), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; see generator/data/tasks.yaml for the ids"
        problems.append(Problem(meta.path, line, f"names an unknown task {task_id!r}{hint}"))
        return Sidecar(None, tuple(problems))
    if problems:
        return Sidecar(None, (*problems, Problem(meta.path, line, "is not used until its problems are fixed")))
    return Sidecar(Confirmation(meta.path, task_id, values.get("note", ("", 0))[0]))


def _refused(meta: TextFile, line: int | None, message: str) -> Sidecar:
    return Sidecar(None, (Problem(meta.path, line, message),))
