"""Task inference + models + papers -> a CNAPS-style workflow graph, and its Mermaid text.

A CNAPS network is a synapse-like graph of models: clean-up models run first in a chain,
models that do the task run side by side and merge, techniques from the related papers
attach as side nodes. The graph is planned as plain records (:class:`Workflow`) and only
then rendered, so that its structure can be tested apart from Mermaid's syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import NamedTuple

from ..markup.escape import mermaid_text
from .infer import model_task
from ..markup.latex import plain_math
from ..records import Entry, ModelFit, Prompt, Relation, Task, TaskInference, Technique
from ..memo import Memo
from ..vocabulary import CueMatcher, Cue, Vocabulary, read_data

#: Papers drawn as technique side nodes; the text under the diagram lists them all.
MAX_TECHNIQUE_NODES = 5
#: Labels are drawn whole and wrapped; only a runaway name is cut, to keep the diagram's size bounded.
MAX_LABEL = 200
_ROLE_WORDS = {"inference": "at run time", "training": "in training"}


class NodeKind(StrEnum):
    """What a node of the diagram is; its value is the node's Mermaid class (workflow.css and
    workflow-diagrams.js style and read it)."""

    INPUT = "input"
    OUTPUT = "output"
    MODEL = "model"  # a recommended model that does the task: ✓
    MISMATCH = "mismatch"  # one that does not: ✗
    UNCERTAIN = "uncertain"  # one whose fit is not known: ?
    GAP = "gap"  # a missing step
    FUSE = "fuse"  # models run side by side merge here
    TECHNIQUE = "technique"  # a technique quoted from a related paper


@dataclass(frozen=True)
class Node:
    id: str
    label: tuple[str, ...]  # lines of the label
    kind: NodeKind
    target: str = ""  # the anchor of its entry in the page's References, if it has one


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    dotted: bool = False


@dataclass(frozen=True)
class Workflow:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    #: One sentence per step, in the order data flows, for the text under the diagram.
    steps: tuple[str, ...]
    #: A related paper that does the task no recommended model does, offered for the missing step.
    stand_in: Entry | None = None
    #: The techniques quoted from the related papers (side nodes, and the text under the diagram).
    techniques: tuple[Technique, ...] = ()


@dataclass(frozen=True)
class TechniqueSpec:
    id: str
    label: str
    effect: str
    role: str
    #: Words one of which the quoted sentence must hold for label and effect to apply (None: always).
    gloss_when: CueMatcher | None = None
    plain_label: str = ""

    def as_quoted(self, paper: str, sentence: str) -> Technique:
        """The technique as a sentence names it: glossed only when the sentence says what the gloss says."""
        if self.gloss_when is not None and not self.gloss_when.find(sentence):
            return Technique(self.id, self.plain_label or self.label, "", paper, sentence)
        return Technique(self.id, self.label, self.effect, paper, sentence)


@dataclass(frozen=True)
class TechniqueVocabulary:
    techniques: dict[str, TechniqueSpec]
    cues: CueMatcher


@cache
def load_techniques() -> TechniqueVocabulary:
    data = read_data("techniques")["techniques"]
    specs = {t["id"]: TechniqueSpec(t["id"], t["label"], t["effect"], t["role"],
                                    CueMatcher([Cue(t["id"], word, 1.0) for word in t["gloss_when"]])
                                    if t.get("gloss_when") else None, t.get("plain_label", ""))
             for t in data}
    cues = [Cue(t["id"], cue, 1.0) for t in data for cue in t["cues"]]
    return TechniqueVocabulary(specs, CueMatcher(cues))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def find_techniques(papers: tuple[Entry, ...], vocab: TechniqueVocabulary,
                    memo: Memo[TechniqueVocabulary] | None = None) -> tuple[Technique, ...]:
    """Techniques named in the papers' summaries, each with the first sentence naming it.
    ``memo``: the run's memo of ``vocab`` (the same papers recur across prompts)."""
    found: list[Technique] = []
    for paper in papers:
        if memo is None:
            found += _paper_techniques(paper.name, paper.summary, vocab)
        else:
            found += memo(_paper_techniques, paper.name, paper.summary)
    return tuple(found)


def _paper_techniques(name: str, summary: str, vocab: TechniqueVocabulary) -> tuple[Technique, ...]:
    found: list[Technique] = []
    seen: set[str] = set()
    for sentence in split_sentences(summary):
        for hit in vocab.cues.find(sentence):
            spec = vocab.techniques[hit.cue.key]
            if spec.id in seen:
                continue
            seen.add(spec.id)
            found.append(spec.as_quoted(name, sentence))
    return tuple(found)


def plan_workflow(
    prompt: Prompt,
    inference: TaskInference,
    techniques: tuple[Technique, ...],
    vocab: Vocabulary,
    technique_vocab: TechniqueVocabulary,
    memo: Memo[Vocabulary] | None = None,
) -> Workflow:
    """The workflow graph of a prompt, drawn in the order data flows: the input, the clean-up
    models in a chain, the models that do the task side by side (or the missing step), their
    merge, the output; then the models aside and the papers' techniques as side nodes.
    ``memo``: the run's memo of ``vocab`` (a new one if not given)."""
    memo = Memo(vocab) if memo is None else memo
    task = vocab.tasks.get(inference.task_id) if inference.task_id else None
    q = inference.qualifiers
    drawing = _Drawing()
    media = f" ({', '.join(q.media)})" if q.media else ""
    what_in = task.input if task else "the user's input"
    drawing.add(Node("in", ("Input", _short(what_in + media)), NodeKind.INPUT),
                f"**Input**: {what_in}{media}, as the user describes it.")
    pre, main, aside = _sort_models(prompt.source.models, inference.model_fits, task, vocab)
    previous = _draw_clean_up(drawing, pre, task, vocab)
    stand_in = None
    if main:
        main_ids = _draw_doers(drawing, main, previous, task, vocab)
    else:
        # "?" models may do it after all: the step is missing only as far as anyone knows.
        unsure = any(fit.fits is None for fit in inference.model_fits)
        stand_in = paper_doing(prompt.source.papers, task.id, vocab, memo)
        _draw_gap(drawing, previous, task, stand_in, unsure)
        main_ids = ["gap"]
    _draw_output(drawing, main_ids, task, q.scale)
    _draw_aside(drawing, aside, vocab)
    _draw_techniques(drawing, techniques, prompt.source.papers, main_ids[0], technique_vocab)
    return Workflow(tuple(drawing.nodes), tuple(drawing.edges), tuple(drawing.steps), stand_in[1] if stand_in else None,
                    techniques)


@dataclass
class _Drawing:
    """The graph as it is drawn: its nodes and edges, and one sentence per step."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def add(self, node: Node, step: str | None = None, *edges: Edge) -> None:
        self.nodes.append(node)
        self.edges.extend(edges)
        if step is not None:
            self.steps.append(step)


class _Placed(NamedTuple):
    """A recommended model, its number in the References, and its fit."""

    index: int
    model: Entry
    fit: ModelFit


def _sort_models(models: tuple[Entry, ...], fits: tuple[ModelFit, ...], task: Task | None,
                 vocab: Vocabulary) -> tuple[list[_Placed], list[_Placed], list[_Placed]]:
    """(clean-up models, models that do the task or may, models aside), each in order. By entry,
    not by name: two models of one name may differ (a summary that points elsewhere)."""
    pre: list[_Placed] = []
    main: list[_Placed] = []
    aside: list[_Placed] = []
    for index, (model, fit) in enumerate(zip(models, fits), start=1):
        own = vocab.tasks.get(fit.task_id) if fit.task_id else None
        if task is None or fit.relation in (Relation.SAME, Relation.UNCONFIRMED) or not fit.task_id:
            main.append(_Placed(index, model, fit))
        elif fit.relation in (Relation.RELATED, Relation.POSSIBLE) and own is not None and own.stage == "pre":
            pre.append(_Placed(index, model, fit))
        else:
            aside.append(_Placed(index, model, fit))
    return pre, main, aside


def _draw_clean_up(drawing: _Drawing, pre: list[_Placed], task: Task, vocab: Vocabulary) -> str:
    """The clean-up models, chained after the input; the id of the last node of the chain."""
    previous = "in"
    for index, model, fit in pre:
        node_id = f"m{index}"
        own = vocab.tasks[fit.task_id]
        drawing.add(Node(node_id, (_short(model.name), f"{own.label}: clean-up step"), _kind(fit), f"model-{index}"),
                    f"**{model.name}** ({own.label.lower()}) can clean the input first; "
                    f"it does not do {task.label.lower()} itself.",
                    Edge(previous, node_id))
        previous = node_id
    return previous


def _draw_doers(drawing: _Drawing, main: list[_Placed], previous: str, task: Task | None,
                vocab: Vocabulary) -> list[str]:
    """The models that do the task (or may), side by side after ``previous``; their node ids."""
    main_ids = []
    for index, model, fit in main:
        node_id = f"m{index}"
        own = vocab.tasks.get(fit.task_id) if fit.task_id else None
        doing = task.label.lower() if task else (own.label.lower() if own else "its own task")
        drawing.add(Node(node_id, (_short(model.name), own.label if own else "task unknown"), _kind(fit),
                         f"model-{index}"),
                    f"**{model.name}** does {doing}.",
                    Edge(previous, node_id))
        main_ids.append(node_id)
    return main_ids


def _draw_gap(drawing: _Drawing, previous: str, task: Task, stand_in: tuple[int, Entry] | None,
              unsure: bool) -> None:
    """The missing step where no recommended model does the task, with the related paper that
    does it (``stand_in``) if there is one; ``unsure``: a "?" model might do it."""
    none_does = "no recommended model is known to do" if unsure else "no recommended model does"
    if stand_in is None:
        node = Node("gap", ("Missing step", f"{none_does} {task.label.lower()}"), NodeKind.GAP)
    else:
        index, paper = stand_in
        node = Node("gap", ("Missing step", f"{_short(short_title(paper.name))}: a related paper, "
                                            f"not a recommended model"), NodeKind.GAP, f"paper-{index}")
    drawing.add(node,
                f"**Missing step**: {none_does} {task.label.lower()}, so the workflow cannot reach the output with "
                "them alone" + (f"; the related paper **{stand_in[1].name}** does it (below)." if stand_in else "."),
                Edge(previous, "gap", dotted=True))


def _draw_output(drawing: _Drawing, main_ids: list[str], task: Task | None, scales: tuple[str, ...]) -> None:
    """The merge of several models' results, then the output."""
    last = main_ids
    if len(main_ids) > 1:
        drawing.add(Node("merge", ("Merge", f"compare or fuse {len(main_ids)} results"), NodeKind.FUSE),
                    f"**Merge**: the {len(main_ids)} models run in parallel on the same input; "
                    "their results are compared or fused into one.",
                    *(Edge(node_id, "merge") for node_id in main_ids))
        last = ["merge"]
    scale = f" at {', '.join(scales)}" if scales and task and task.id == "super_resolution" else ""
    what_out = (task.output if task else "the result the user wants") + scale
    drawing.add(Node("out", ("Output", _short(what_out)), NodeKind.OUTPUT), f"**Output**: {what_out}.",
                *(Edge(node_id, "out", dotted=node_id == "gap") for node_id in last))


def _draw_aside(drawing: _Drawing, aside: list[_Placed], vocab: Vocabulary) -> None:
    """The models that do not fit the task (or may not), beside the flow from the input."""
    for index, model, fit in aside:
        node_id = f"m{index}"
        own = vocab.tasks.get(fit.task_id) if fit.task_id else None
        drawing.add(Node(node_id, (_short(model.name), own.label if own else "task unknown"), _kind(fit),
                         f"model-{index}"),
                    f"**{model.name}** stays aside: {fit.reason}.",
                    Edge("in", node_id, "does not fit" if fit.fits is False else "may not fit", dotted=True))


def _draw_techniques(drawing: _Drawing, techniques: tuple[Technique, ...], papers: tuple[Entry, ...], anchor: str,
                     technique_vocab: TechniqueVocabulary) -> None:
    """One side node per paper, naming its techniques, attached to ``anchor``: the diagram stays
    readable with many."""
    # As the References number them (a name listed twice: its last entry).
    paper_anchors = {paper.name: f"paper-{index}" for index, paper in enumerate(papers, start=1)}
    by_paper: dict[str, list[Technique]] = {}
    for technique in techniques:
        by_paper.setdefault(technique.paper, []).append(technique)
    for number, (paper, found) in enumerate(list(by_paper.items())[:MAX_TECHNIQUE_NODES], start=1):
        node_id = f"t{number}"
        names = ", ".join(t.label.lower() for t in found)
        roles = {technique_vocab.techniques[t.id].role for t in found}
        label = " + ".join(_ROLE_WORDS[role] for role in sorted(roles))
        drawing.add(Node(node_id, (_short(short_title(paper)), _short(names[:1].upper() + names[1:])),
                         NodeKind.TECHNIQUE, paper_anchors.get(paper, "")),
                    None, Edge(node_id, anchor, label, dotted=True))


def paper_doing(papers: tuple[Entry, ...], task_id: str, vocab: Vocabulary,
                memo: Memo[Vocabulary] | None = None) -> tuple[int, Entry] | None:
    """The first related paper (with its number in the References) whose title or summary names
    the task, read as a model's name and summary are; one with code first."""
    doing = [(index, paper) for index, paper in enumerate(papers, start=1)
             if model_task(paper, vocab, memo)[0] == task_id]
    return next((item for item in doing if item[1].github), doing[0] if doing else None)


def short_title(title: str) -> str:
    """A paper's short name: "T3DNet" for "T3DNet: Compressing Point Cloud Models…"."""
    head, colon, _ = title.partition(":")
    return head.strip() if colon and 2 <= len(head.strip()) <= 32 else title


def _short(text: str) -> str:
    text = " ".join(plain_math(text).split())
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"


def _kind(fit: ModelFit) -> NodeKind:
    """A model's node style, as the page's verdict has it: ✓ a box, ✗ dashed, ? dotted."""
    return {True: NodeKind.MODEL, False: NodeKind.MISMATCH, None: NodeKind.UNCERTAIN}[fit.fits]


#: What each node and line style means, in the order a reader meets them.
_LEGEND_NODES = (
    (NodeKind.INPUT, "rounded box: the input and the output"),
    (NodeKind.MODEL, "box: a recommended model that does the task"),
    (NodeKind.MISMATCH, "dashed box: a recommended model that does not do the task (a clean-up step, or kept aside)"),
    (NodeKind.UNCERTAIN, "dotted box: a recommended model whose fit is not known (?)"),
    (NodeKind.GAP, "dashed hexagon: a missing step, which no recommended model does"),
    (NodeKind.FUSE, "circle: a merge, where the results of models run side by side are compared or fused"),
    (NodeKind.TECHNIQUE, "slanted box: a technique from a related paper"),
)


def workflow_legend(workflow: Workflow) -> str:
    """The legend of a diagram: every node and line style it uses, one item each after a small
    sample of the style (drawn by workflow.css), and which node leads to which References entry
    (``data-targets``, read by the page's script)."""
    kinds = {node.kind for node in workflow.nodes}
    items = [(kind, text) for kind, text in _LEGEND_NODES
             if kind in kinds or (kind is NodeKind.INPUT and NodeKind.OUTPUT in kinds)]
    items.append(("line", "solid arrow: the data flows to the next step"))
    if any(edge.dotted and edge.label == "does not fit" for edge in workflow.edges):
        items.append(("dotted", "dotted arrow “does not fit”: the input would reach a model that does not do the task"))
    if any(edge.dotted and edge.label == "may not fit" for edge in workflow.edges):
        items.append(("dotted", "dotted arrow “may not fit”: a model of another task, which nothing rules out"))
    if any(edge.dotted and "gap" in (edge.source, edge.target) for edge in workflow.edges):
        items.append(("dotted", "dotted arrow to or from the missing step: a step the recommended models cannot make"))
    if NodeKind.TECHNIQUE in kinds:
        items.append(("dotted", "dotted arrow from a technique: where it applies, at run time or in training"))
    targets = " ".join(f"{node.id}={node.target}" for node in workflow.nodes if node.target)
    samples = [f'<span class="legend-sample legend-{kind}" aria-hidden="true"></span> {text}' for kind, text in items]
    lines = ["**Legend**", *samples, "*Select a model or a technique in the diagram to see its entry in the References.*"]
    return "  \n".join(lines) + f'\n{{ .workflow-legend data-search-exclude data-targets="{targets}" }}'


# ---- Mermaid ---------------------------------------------------------------------------

_SHAPES = {
    NodeKind.INPUT: ('(["', '"])'),
    NodeKind.OUTPUT: ('(["', '"])'),
    NodeKind.MODEL: ('["', '"]'),
    NodeKind.MISMATCH: ('["', '"]'),
    NodeKind.UNCERTAIN: ('["', '"]'),
    NodeKind.GAP: ('{{"', '"}}'),
    NodeKind.FUSE: ('(("', '"))'),
    NodeKind.TECHNIQUE: ('[/"', '"/]'),
}
_NODE_ID = re.compile(r"^[a-z][a-z0-9]*$")


def render_workflow(workflow: Workflow) -> str:
    """The Mermaid flowchart of a workflow (without the fence). Its nodes' classes (``:::model``…)
    are defined once for every page, by the script that draws the diagrams
    (docs/assets/javascripts/workflow-diagrams.js, ``CLASSES``)."""
    lines = ["flowchart LR"]
    for node in workflow.nodes:
        if not _NODE_ID.match(node.id):
            raise ValueError(f"unsafe node id {node.id!r}")
        opening, closing = _SHAPES[node.kind]
        label = "<br/>".join(mermaid_text(part) for part in node.label)
        lines.append(f"    {node.id}{opening}{label}{closing}:::{node.kind}")
    for edge in workflow.edges:
        arrow = "-.->" if edge.dotted else "-->"
        if edge.label:
            arrow = f'{arrow}|"{mermaid_text(edge.label)}"|'
        lines.append(f"    {edge.source} {arrow} {edge.target}")
    return "\n".join(lines)
