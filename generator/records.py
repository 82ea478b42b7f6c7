"""The small typed records that flow through the pipeline.

sources/ -> parse (Prompt) -> infer (TaskInference) -> compose (Page) -> check (Problem) -> pages.
Every record is frozen: a step never changes what an earlier step produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache


class Level(StrEnum):
    """How bad a problem is. An error fails ``mkdocs build --strict`` and the command line. A
    warning is what an answer did that leaves its page whole but marked: a citation not in the
    sources, an answer that seems to answer another prompt's question. A maintainer cannot fix
    those without falsifying the record, so a warning fails only under ``answers_strict: true``
    (``--answers-strict``). Both are listed alike; GitHub shows them apart."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input, reported as ``path:line: message``."""

    path: str
    line: int | None
    message: str
    level: Level = Level.ERROR

    def fails(self, answers_strict: bool) -> bool:
        """Whether the problem fails a strict build and the command line (see :class:`Level`)."""
        return self.level == Level.ERROR or answers_strict

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class PromptError(Exception):
    """A prompt file that cannot be read as a prompt; carries every problem found in it."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Entry:
    """A recommended model or a related paper, as the source block lists it."""

    name: str
    #: Where the entry starts, for messages. Not part of what the entry is: two entries that
    #: say the same are equal, wherever they stand, and show the same on a page.
    line: int = field(compare=False)
    paper: str | None = None
    github: str | None = None
    huggingface: str | None = None
    summary: str = ""
    #: Other ``Key: value`` lines of the entry (``Category``, ``Dataset``…), in file order.
    extra: tuple[tuple[str, str], ...] = ()

    @cached_property
    def links(self) -> tuple[str, ...]:
        """Every URL of the entry, normalised, first the named fields then the summary's."""
        return _entry_links((self.paper, self.github, self.huggingface, self.summary, *(v for _, v in self.extra)))


@dataclass(frozen=True)
class SourceBlock:
    """The part of a prompt with the question, the models and the papers.

    Its URLs are the only links any page made from the prompt may show.
    """

    question: str
    question_line: int
    models: tuple[Entry, ...]
    papers: tuple[Entry, ...]
    #: Every URL that occurs anywhere in the block's text, normalised.
    links: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Prompt:
    """One prompt file, parsed."""

    path: str
    slug: str
    source: SourceBlock
    #: Text after the prompt's ``Answer:`` line (empty in the seeds).
    answer: str = ""
    answer_line: int | None = None


@dataclass(frozen=True)
class Answer:
    """One model-written answer to a prompt (see generator/steps/answers.py for where they live)."""

    label: str  # its place: "inline", "answer" or the file's name in an answers folder
    path: str  # the file it was read from, as shown in messages
    line: int  # the line of that file where the answer's text starts
    text: str
    model: str = ""  # the model that wrote it, when the answer says (see answers.answering_model)

    @property
    def title(self) -> str:
        """What a reader calls it: the model that wrote it, else its place."""
        return self.model or self.label


@dataclass(frozen=True)
class Citation:
    """A link an answer cites, normalised when it is an http(s) URL."""

    url: str
    line: int  # in the answer's file
    supported: bool  # True when the prompt's source block has it


@dataclass(frozen=True)
class Misplaced:
    """Why an answer seems to answer another prompt's question (see generator/steps/misplaced.py)."""

    question: str  # that question: another prompt's, or as the answer quotes it
    slug: str | None  # the prompt of the collection that asks it, None when none does
    source: str | None  # that prompt's file
    covered: float  # the share of that question's weighted words the answer restates
    own: float  # the same share of its own prompt's question


class TaskCheck(StrEnum):
    """Whether the task an answer states is the page's (see generator/steps/audit.py)."""

    AGREES = "agrees"  # ✓
    DIFFERS = "differs"  # ✗
    NOT_STATED = "not-stated"  # the answer states no task the vocabulary knows
    PAGE_UNCLEAR = "page-unclear"  # the page asserts no task to agree with
    OTHER_QUESTION = "other-question"  # the answer seems to answer another prompt's question

    @property
    def mark(self) -> str:
        return {TaskCheck.AGREES: "✓", TaskCheck.DIFFERS: "✗"}.get(self, "?")


class WorkflowSign(StrEnum):
    """What shows that an answer gives an input → model → output workflow (see generator/steps/audit.py)."""

    CHAIN = "chain"  # a line chaining three steps or more with arrows
    STEPS = "steps"  # an "Input" step and an "Output" step
    PROSE = "prose"  # a paragraph that takes an input in, through a model, to an output
    NONE = "none"  # neither


@dataclass(frozen=True)
class WorkflowUse:
    """The workflow an answer gives: what shows it, on which of the answer's lines (from 0), and
    the recommended models it uses, named as the source block names them (generator/steps/audit.py)."""

    sign: WorkflowSign
    line: int | None
    models: tuple[str, ...]


@dataclass(frozen=True)
class AnswerAudit:
    """What an answer did of what its prompt asked, each field with its evidence (generator/steps/audit.py)."""

    task: TaskCheck
    statement: Statement | None  # the answer's own words for the task, when it states one
    workflow: WorkflowSign
    workflow_line: int | None  # in the answer's file: the chain, or the "Input" step
    #: The recommended models its workflow uses, named as the source block names them.
    models_used: tuple[str, ...]
    models_recommended: int
    #: Model or paper names it mentions that the source block does not provide, as written.
    outside_names: tuple[str, ...]
    #: The models its workflow uses that the page marks ✗ (they do not do the task).
    builds_on_unfit: tuple[str, ...]
    citations: int
    unsupported: int
    misplaced: bool

    @property
    def gives_workflow(self) -> bool:
        return self.workflow is not WorkflowSign.NONE


@dataclass(frozen=True)
class ReviewedAnswer:
    """An answer with every link it cites checked, and its safe HTML."""

    answer: Answer
    citations: tuple[Citation, ...]
    html: str
    #: Set when the answer seems to answer another prompt's question.
    misplaced: Misplaced | None = None
    #: The workflow it gives, read before the page's task: the models it builds on testify too.
    workflow: WorkflowUse | None = None
    #: What it did of what the prompt asked, once the page's task is known.
    audit: AnswerAudit | None = None

    @property
    def unsupported(self) -> tuple[Citation, ...]:
        return tuple(c for c in self.citations if not c.supported)


@dataclass(frozen=True)
class Task:
    """One entry of the task vocabulary (``generator/data/tasks.yaml``)."""

    id: str
    label: str
    description: str
    input: str
    output: str
    aliases: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()  # weaker cues (1 point): words that lean to the task
    model_prefixes: tuple[str, ...] = ()
    #: Tasks whose models can stand in, at least in part (restoration for deblurring…).
    related: tuple[str, ...] = ()
    #: "pre" tasks clean an image and can run before a "main" task in a chain.
    stage: str = "main"

    @property
    def takes_text(self) -> bool:
        """Its input is a text ("text", "text prompt", "text query", "text or image")."""
        return self.input.startswith("text")


@dataclass(frozen=True)
class Evidence:
    """A word or phrase that pointed to a task, and where it was found."""

    text: str
    where: str  # "question", "question, learned" (the classifier's), "model name" or "model summary"
    task_id: str


@dataclass(frozen=True)
class Candidate:
    task_id: str
    score: float


@dataclass(frozen=True)
class Qualifiers:
    """What the question says about the job besides the task itself."""

    scale: tuple[str, ...] = ()
    device: tuple[str, ...] = ()
    media: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    input: tuple[str, ...] = ()  # what the user gave the model: "typed text" (a quoted prompt)

    @property
    def typed_text(self) -> bool:
        return "typed text" in self.input

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "scale": list(self.scale),
            "device": list(self.device),
            "media": list(self.media),
            "goals": list(self.goals),
            "input": list(self.input),
        }


class Relation(StrEnum):
    """How a recommended model's own task stands to the task the user wants (a StrEnum: the
    export's JSON writes its value)."""

    SAME = "same"  # it does the task: ✓
    RELATED = "related"  # a related task, and the question argues against the model's: ✗
    DIFFERENT = "different"  # another task, and the question argues against the model's: ✗
    POSSIBLE = "possible"  # another task, but nothing argues strongly against it: ?
    UNCONFIRMED = "unconfirmed"  # its task, but the task was read from the models themselves: ?
    UNKNOWN = "unknown"  # its task or the user's is unknown: ?

    @property
    def fits(self) -> bool | None:
        """✓ True, ✗ False, ? None."""
        return {Relation.SAME: True, Relation.RELATED: False, Relation.DIFFERENT: False}.get(self)


class Confidence(StrEnum):
    """How sure a page is of the user's task (see generator/steps/infer.py)."""

    CONFIRMED = "confirmed"  # a maintainer set it (sources/NAME.meta.yaml)
    CLEAR = "clear"
    LIKELY = "likely"
    UNCLEAR = "unclear"  # no task is asserted


class Basis(StrEnum):
    """What the page's task was read from."""

    QUESTION = "question"
    MODELS = "models"  # the question is vague; the recommended models point to it
    ANSWERS = "answers"  # the question is not clear; the answers agree on it
    MAINTAINERS = "maintainers"  # confirmed in sources/NAME.meta.yaml


@dataclass(frozen=True)
class ModelFit:
    """Whether a recommended model does the task the user wants."""

    name: str
    task_id: str | None  # the model's own task, None when nothing points to one
    relation: Relation
    reason: str

    @property
    def fits(self) -> bool | None:
        return self.relation.fits

    @property
    def mark(self) -> str:
        """✓, ✗ or ?, as every page marks the model."""
        return {True: "✓", False: "✗", None: "?"}[self.fits]


@dataclass(frozen=True)
class Statement:
    """What one answer says the user's task is, read from its first section (generator/steps/testimony.py)."""

    answer: str  # the answer's title: the model that wrote it, else its label
    phrase: str  # the answer's own words for the task
    task_id: str | None  # the vocabulary's task they name, None when they name none clearly
    line: int  # in the answer's file


@dataclass(frozen=True)
class Confirmation:
    """What a maintainer settled about a prompt, from its sidecar ``sources/NAME.meta.yaml``."""

    path: str
    task_id: str
    note: str = ""


@dataclass(frozen=True)
class TaskInference:
    task_id: str | None  # None when no task is clear
    evidence: tuple[Evidence, ...]
    candidates: tuple[Candidate, ...]
    qualifiers: Qualifiers
    model_fits: tuple[ModelFit, ...]
    confidence: Confidence = Confidence.UNCLEAR
    basis: Basis = Basis.QUESTION
    #: What the answers say the task is, one statement per answer that states one.
    statements: tuple[Statement, ...] = ()
    #: The task the question and the models point to, when the answers or a maintainer set
    #: another (the page shows both); else the same as ``task_id``.
    inferred_task_id: str | None = None
    #: The maintainers' note, when they confirmed the task.
    note: str = ""

    @property
    def answers_task_id(self) -> str | None:
        """The task most answers state, when at least two state it and no other is stated as often."""
        return agreed_task(self.statements)

    @property
    def answers_disagree(self) -> bool:
        """The answers agree on a task that is not the page's."""
        agreed = self.answers_task_id
        return agreed is not None and agreed != self.task_id


@dataclass(frozen=True)
class Technique:
    """A technique a related paper contributes, with the sentence that names it."""

    id: str
    label: str
    effect: str
    paper: str
    sentence: str


@dataclass(frozen=True)
class SiteFile:
    """A file of the site beside the pages, which pages link to: an entry's summary, as HTML
    (generator.steps.compose.compose_summary). Its path says what it holds
    (collection.paths.summary_file), so every page that shows the same links to the one file."""

    path: str  # from the site's root
    text: str


@dataclass(frozen=True)
class Page:
    """A composed Markdown page, as its blocks: front matter, headings, paragraphs, lists,
    tables, fences and HTML blocks, each without a blank line at either end."""

    slug: str
    source: str  # the prompt's path, as given
    title: str
    blocks: tuple[str, ...]
    files: tuple[SiteFile, ...] = ()  # the files beside it that it links to

    @property
    def markdown(self) -> str:
        # One blank line between blocks: no Markdown construct (and no link) spans it. Joined
        # each time, not kept: a site holds every page's blocks at once (generator/site.py).
        return "\n\n".join(self.blocks) + "\n"


@lru_cache(maxsize=1 << 14)  # the same catalog entries recur across thousands of prompts
def _entry_links(values: tuple[str | None, ...]) -> tuple[str, ...]:
    from .markup.links import extract_urls

    return tuple(dict.fromkeys(url for value in values if value for url in extract_urls(value)))


def agreed_task(statements: tuple[Statement, ...]) -> str | None:
    """The task named by most statements, when at least two name it and more than half of those
    that name a task do: one answer alone is a witness, not a verdict."""
    named = [s.task_id for s in statements if s.task_id]
    if not named:
        return None
    best = max(set(named), key=lambda task_id: (named.count(task_id), task_id))
    count = named.count(best)
    return best if count >= 2 and count * 2 > len(named) else None
