"""An audit of every answer: did it do what its prompt asked? Deterministic, each field with its evidence.

The prompt asks an answer to (1) say what task the user is trying to perform, (2) show how the
recommended models work in an input → model → output workflow, and (3) use only the provided
models and papers. For each answer:

- **Task**: the answer's :class:`Statement` (read by generator/steps/testimony.py, found in
  ``inference.statements`` by the answer's title) compared with the page's task. A misplaced
  answer has no statement here: it answers another question.
- **Workflow**: given when a line chains three steps or more with arrows (``→``, ``->``, ``⟶``,
  ``⇒``, ``=>``: ``Photo → Depth-Anything-V2 → Depth map``), or when the answer has an "Input"
  step and an "Output" step (a line starting, after list and bold marks, with "Input" or
  "Output" and a colon or a dash). Code fences count: answers write chains in them. A numbered
  list that only describes models gives none.
- **Models used**: the recommended models named in the workflow: the section whose heading
  says workflow, pipeline, how it works or steps, else the lines from the "Input" step to the
  "Output" step and the chain. A sentence that names a model as an alternative, an option or
  one to leave out does not use it. Names match leniently: case and punctuation aside, whole,
  the part before ":" or "(", the catalog name without its task prefix and dataset suffix
  (``Deblur-MSSNet-GoPro``: MSSNet), and the GitHub or Hugging Face repository's name.
- **Outside names**: names in the shape of a model's that the source block does not have
  (its models' and papers' names, the repositories' names, the summaries' and the question's
  words): catalog-style hyphenated names with a capital, a digit or an acronym in a part
  (``RAFT-Stereo``, ``ChromaGAN-XL``), names ending in GAN or Net, CamelCase identifiers with
  a capital inside or a digit (``ZoeDepth``, ``Wav2Lip``, ``SASRec``), capitalised names with
  a version (``Stable Diffusion XL``, ``Tacotron 2``), a name followed by a colon and a
  title-case title (``SadTalker: Learning …``), and paper titles: a bold or quoted title-case
  run of three words or more that opens a list item. A small stoplist keeps out the names of
  tools and formats every answer may name (CNAPS, GPU, PyTorch, JSON, GitHub…).
- **Builds on ✗**: the models used whose fit the page marks ✗.
- **Links**: the citations, and how many are not in the sources (generator/steps/answers.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..records import (AnswerAudit, Entry, ReviewedAnswer, SourceBlock, TaskCheck, TaskInference, WorkflowSign,
                       WorkflowUse)
from .testimony import answer_lines

_ARROW = re.compile(r"\s*(?:→|->|⟶|⇒|=>|➔|➜|⟹|[─—–-]*[►▶➤])\s*")
_STEP = re.compile(r"^[\s>*_#\-+•\d.)\u2190-\u21FF\u2B00-\u2BFF\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]*(?:\*\*|__)?\s*(?P<kind>input|output)s?\b[^:\n–—-]{0,30}?(?:\*\*|__)?\s*[:：–—-]",
                   re.IGNORECASE)
#: A paragraph that walks an input through a model to an output, in prose.
_PROSE_IN = re.compile(r"\binputs?\b|\bgo(?:es)? (?:first )?in(?:to)?\b|\b(?:is|are) (?:first )?(?:fed|passed|sent|run)\b",
                       re.IGNORECASE)
_PROSE_OUT = re.compile(r"\boutputs?\b|\breturns?\b|\bconverted into\b|\bproduces?\b|\bcomes? out\b|"
                        r"\bturns? (?:it|them|the \w+) into\b|\bgives? (?:you|back)\b|\bout comes\b", re.IGNORECASE)
_HEADING = re.compile(r"^\s{0,3}(?:#{1,6}\s+|(?:\*\*|__)(?=.*(?:\*\*|__)\s*:?\s*$)|"
                      r"\d{1,2}[.)]\s+(?:\*\*|__)(?=.*(?:\*\*|__)\s*:?\s*$)|"
                      r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50]|\d{1,2}[.)]\s+[A-Z][^.:]{0,60}$)")
#: A line that titles a step of the workflow ("**Step 1: Transcription**"), not a section.
_STEP_TITLE = re.compile(r"^[\s#*_>-]*(?:step|stage|phase)\s*\d", re.IGNORECASE)
_WORKFLOW_TOPIC = re.compile(r"workflow|pipeline|how (?:it|they|this|the models?|each) works?|how it fits|steps?\b|"
                             r"input\s*(?:→|->)|putting it together", re.IGNORECASE)
#: A sentence that names a model without using it.
_ASIDE = re.compile(r"\balternative|\boptional|\boption\b|\binstead\b|\bnot (?:needed|used|relevant|suited)|"
                    r"\b(?:does not|doesn't|do not|don't|wouldn't|would not) (?:fit|help|apply)|\bleave (?:it|them) out|"
                    r"\bskip\b|\bunrelated\b|\bnot part of\b|\bout of the (?:pipeline|workflow)", re.IGNORECASE)
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_CAPITAL = re.compile(r"[A-Z]")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")

#: Names answers write that are no model or paper: tools, formats, companies, the chat models.
STOPLIST = frozenset(word.casefold() for word in """
CNAPS GPU GPUs CPU CPUs TPU NPU PyTorch TensorFlow TensorRT JSON YAML API APIs ArXiv GitHub HuggingFace
YouTube iPhone iPad iOS macOS OpenAI OpenCV LiDAR ONNX CoreML WebGPU JavaScript TypeScript NumPy SciPy
FFmpeg PowerPoint PhD eBay LinkedIn WhatsApp TikTok ChatGPT GPT-4 GPT-4o GPT-4o-mini GPT-3.5 GPT-5 Claude
Gemini DeepMind DeepSeek McDonald Photoshop Lightroom SoundCloud AirPods MacBook PlayStation AutoML
Re-ID ReID JPEG PNG MP4 MP3 WAV RGB-D DSLR DoF LoRA LoRAs MLPs CNNs RNNs LLMs VLMs ViTs GANs SoTA mAP IoU fps
""".split())
#: The last word of a hyphenated phrase that is an adjective, not a name ("CNN-based").
_ADJECTIVE_END = frozenset("based powered accelerated style like aware driven level free only specific wise "
                           "friendly ready scale grade class time shot tuned finetuned trained pretrained "
                           "distilled conditioned guided".split())
#: Words before a number that name a part of the answer, not a model ("Step 2").
_NOT_VERSIONED = frozenset("step steps stage phase option part figure table section camera level layer "
                           "version model models paper papers item point day week hour minute round "
                           "about around over under nearly roughly only top than up some just".split())
#: What a dataset's name stands next to: answers name the data a provided model was trained on.
_DATASET_BEFORE = re.compile(r"(?:trained|fine-?tuned|pre-?trained|evaluated|tested|benchmarked)\s+(?:\w+\s+){0,2}"
                             r"(?:on|with)\s+(?:the\s+)?(?:[\w.-]+(?:,\s+|\s+(?:and|or)\s+))*(?:[\w-]+/)?$|"
                             r"\bdatasets?\s+(?:such as|like|of)?\s*$", re.IGNORECASE)
_DATASET_AFTER = re.compile(r"^[\s*_)]*(?:dataset|datasets|benchmark|corpus|data\b|images\b|pairs\b)", re.IGNORECASE)

_WORD = re.compile(r"(?<![\w-])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![\w-])")
_CAMEL = re.compile(r"(?<![\w-])(?:[A-Za-z]+[a-z0-9][A-Z][A-Za-z0-9]*|[A-Z]+[A-Z][a-z]{2,}[A-Za-z0-9]*|[A-Z][A-Za-z]*\d[A-Za-z0-9]*|"
                    r"[A-Za-z]+(?:GAN|Net))(?![\w-])")
_VERSIONED = re.compile(r"(?<![\w-])((?:[A-Z][A-Za-z]+ ){1,3})(v?\d+(?:\.\d+)?|XL|XXL|Turbo)(?![\w.-])")
_TITLED = re.compile(r"(?<![\w-])([A-Z][\w-]+): ((?:[A-Z0-9][\w-]*|for|of|in|via|with|and|the|a|an|at|to|from|on|by|"
                     r"as|less|than|is|all|you|need)(?: (?:[A-Z0-9][\w-]*|for|of|in|via|with|and|the|a|an|at|to|"
                     r"from|on|by|as|less|than|is|all|you|need)){2,})")
_ITEM_TITLE = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+(?:\*\*|__|\"|“|\*|_)(?P<title>[^*_\"”\n]{8,200}?)(?:\*\*|__|\"|”|\*|_)")
_SMALL_WORDS = frozenset("a an and as at by for from in is of on or the to via with without than less all you need".split())


def audit_answer(reviewed: ReviewedAnswer, source: SourceBlock, inference: TaskInference) -> AnswerAudit:
    """The audit of one reviewed answer, given its prompt's source block and the page's inference."""
    answer = reviewed.answer
    lines = answer_lines(answer.text)
    statement = None if reviewed.misplaced else next(
        (s for s in inference.statements if s.answer == answer.title), None)
    workflow = reviewed.workflow or answer_workflow(lines, source)
    marked = {fit.name for fit in inference.model_fits if fit.fits is False}
    return AnswerAudit(
        task=_task_check(reviewed, statement, inference),
        statement=statement,
        workflow=workflow.sign,
        workflow_line=None if workflow.line is None else answer.line + workflow.line,
        models_used=workflow.models,
        models_recommended=len(source.models),
        outside_names=outside_names(lines, source),
        builds_on_unfit=tuple(name for name in workflow.models if name in marked),
        citations=len(reviewed.citations),
        unsupported=len(reviewed.unsupported),
        misplaced=reviewed.misplaced is not None,
    )


def answer_workflow(lines: list[str], source: SourceBlock) -> WorkflowUse:
    """The workflow an answer's lines (:func:`answer_lines`) give, and the recommended models it uses."""
    sign, sign_index = _workflow_sign(lines)
    if sign is WorkflowSign.NONE:
        return WorkflowUse(sign, None, ())
    # An arrow chain names the models it uses wherever it stands (often after the steps, as a summary).
    chains = [line for line in lines if len(_ARROW.findall(line)) >= 2]
    region = _spaced(" ".join([_workflow_region(lines, sign_index), *chains]))
    return WorkflowUse(sign, sign_index, tuple(dict.fromkeys(entry.name for entry in source.models
                                                             if _uses(region, entry))))


def _task_check(reviewed: ReviewedAnswer, statement, inference: TaskInference) -> TaskCheck:
    if reviewed.misplaced is not None:
        return TaskCheck.OTHER_QUESTION
    if statement is None or statement.task_id is None:
        return TaskCheck.NOT_STATED
    if inference.task_id is None:
        return TaskCheck.PAGE_UNCLEAR
    return TaskCheck.AGREES if statement.task_id == inference.task_id else TaskCheck.DIFFERS


def _workflow_sign(lines: list[str]) -> tuple[WorkflowSign, int | None]:
    """The first arrow chain of three steps or more; else the "Input" step, when an "Output" step
    follows; else the first paragraph of prose that takes an input in and gives an output."""
    for index, line in enumerate(lines):
        parts = [part for part in _ARROW.split(_URL.sub(" ", line)) if part.strip(" `*_")]
        if len(parts) >= 3 and len(_ARROW.findall(line)) >= 2:
            return WorkflowSign.CHAIN, index
    steps = [(index, match["kind"].casefold()) for index, line in enumerate(lines) if (match := _STEP.match(line))]
    for index, kind in steps:
        if kind == "input" and any(later > index and other == "output" for later, other in steps):
            return WorkflowSign.STEPS, index
    for index, line in enumerate(lines):
        if not _HEADING.match(line):
            taken = _PROSE_IN.search(line)
            if taken and _PROSE_OUT.search(line, taken.end()):
                return WorkflowSign.PROSE, index
    return WorkflowSign.NONE, None


def _workflow_region(lines: list[str], sign_index: int) -> str:
    """The text of the workflow: the section about it (to the next heading of its level or
    above), else the steps from "Input" to "Output" and the chain."""
    headings = [index for index, line in enumerate(lines)
                if _HEADING.match(line) and not _STEP.match(line) and not _STEP_TITLE.match(line)]
    # Numbered items are the answer's sections only when it has no other headings.
    titled = any(not re.match(r"\s*(?:\*\*|__)?\d", lines[index]) for index in headings)
    headings = [(index, _heading_level(lines[index], titled)) for index in headings]
    for start, level in headings:
        if _WORKFLOW_TOPIC.search(lines[start]):
            end = next((index for index, other in headings if index > start and other <= level), len(lines))
            return _kept_sentences(lines[start:end])
    if _STEP.match(lines[sign_index]) is None and not _ARROW.search(lines[sign_index]):  # prose: its paragraph
        return _kept_sentences([lines[sign_index]])
    steps = [index for index, line in enumerate(lines) if _STEP.match(line)]
    first = min([sign_index, *steps])
    last = max([sign_index, *steps])
    return _kept_sentences(lines[first:last + 1])


def _heading_level(line: str, titled: bool) -> int:
    """1-6 for a Markdown heading; a numbered item in an answer with other headings, 4; else 2
    for a numbered or emoji heading and 3 for a bold line."""
    stripped = line.lstrip()
    hashes = len(stripped) - len(stripped.lstrip("#"))
    if hashes:
        return hashes
    if re.match(r"(?:\*\*|__)?\d", stripped):
        return 4 if titled else 2
    return 3 if stripped.startswith(("**", "__")) else 2


def _kept_sentences(lines: list[str]) -> str:
    """The region's sentences that do not name a model as an aside (an alternative, an option)."""
    text = _URL.sub(" ", "\n".join(lines))
    return " ".join(sentence for sentence in re.split(r"(?<=[.!?;])\s+|\n", text) if not _ASIDE.search(sentence))


def _uses(region: str, entry: Entry) -> bool:
    """Whether the workflow's text (spaced) names the model."""
    return any(f" {variant} " in region for variant in name_variants(entry.name, entry.github, entry.huggingface))


@lru_cache(maxsize=1 << 14)  # the catalog's models recur across prompts
def name_variants(name: str, github: str | None = None, huggingface: str | None = None) -> tuple[str, ...]:
    """The forms of a model's name an answer may use, spaced (see :func:`_spaced`): whole, before
    ":" or "(", without a catalog prefix and suffix, the repository's name; each also squashed."""
    forms = {name, re.split(r"[:(]", name)[0]}
    words = name.split()
    if len(words) >= 5 and ":" not in name:  # a paper's title as a name: its first words too
        forms.add(" ".join(words[:3]))
    parts = name.split("-")
    if " " not in name.strip() and len(parts) >= 2:
        forms.add("-".join(parts[1:-1] if len(parts) >= 3 else parts[1:]))
        # A catalog name's endings of two words or more after its task prefix, short of the hub,
        # with or without its last word (a size, a dataset): "Txt2Txt-HuggingFace-facebook-bart-
        # large-cnn" is written "BART-large-CNN", "…-jonathandinu-face-parsing" "the face-parsing
        # model". Runs inside a name ("low-light" of "…-low-light-img-enhancer") are common words.
        after_hub = [part for part in parts[1:] if part.casefold() != "huggingface"]
        forms.update("-".join(after_hub[start:end]) for end in (len(after_hub), len(after_hub) - 1)
                     for start in range(max(end - 1, 0)))
        if len(after_hub) < len(parts) - 1 and len(after_hub) >= 2:  # "…-HuggingFace-suno-bark": the repository, "Bark"
            forms.add("-".join(after_hub[1:]))
    for url in (github, huggingface):
        if url:
            repository = url.rstrip("/").split("?")[0].split("#")[0].rsplit("/", 1)[-1]
            forms.add(repository.removesuffix(".git"))
    variants = set()
    for form in forms:
        spaced = _spaced(form).strip()
        if len(spaced.replace(" ", "")) >= 3 and spaced.casefold() not in STOPLIST:
            variants.add(spaced)
            variants.add(spaced.replace(" ", ""))
    return tuple(sorted(variants))


def _spaced(text: str) -> str:
    """``text`` lower-cased, every run of other characters than letters and digits one space, spaces around."""
    return " " + _NOT_ALNUM.sub(" ", text.casefold()) + " "


def outside_names(lines: list[str], source: SourceBlock) -> tuple[str, ...]:
    """The names in the shape of a model's or a paper's that an answer's ``lines`` (see
    testimony.answer_lines) mention and ``source`` does not provide."""
    found: dict[str, str] = {}
    names = list(_name_shapes(lines))
    known = _known_words(source) if names else None
    candidates = [(name, line) for name, line in names
                  if name.casefold() not in STOPLIST and not known.provides(name)]
    # Once the answer says a name is data, or what a provided model is built on, it is so everywhere.
    explained = {name.casefold() for name, line in candidates
                 if _dataset(name, line) or _describes_provided(name, line, source)}
    for name, _ in candidates:
        key = name.casefold()
        if key in explained:
            continue
        if any(key in other.casefold() for other in found.values()):
            continue
        for other in [other for other in found if other in key]:
            del found[other]  # "SadTalker: Learning …" holds "SadTalker": the longer stays
        found[key] = name
    return tuple(found.values())


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*_])|;\s+")


#: The words that may stand between a provided model's name and a name that says what it is.
_APPOSITION = frozenset("is was are a an the which its known as called implements introduces uses based built on "
                        "adaptation version variant fine tune finetune checkpoint merge of model network paper code "
                        "an".split())


def _describes_provided(name: str, line: str, source: SourceBlock) -> bool:
    """Whether the name says what a provided model is, built on or known as: after its name and
    only such words ("Txt2Img-…-DreamShaper is a Stable Diffusion v1.5 merge", "…-enhancer, an
    adaptation of MIRNet"), or right before it ("HINet (Harmonization-INR-…)"). "Use MSSNet, then
    Real-ESRGAN" names another model."""
    sentence = next((part for part in _SENTENCE_END.split(line) if name in part), "")
    spaced, mention = _spaced(_URL.sub(" ", sentence)), _spaced(name)
    at = spaced.find(mention)
    if at < 0:
        return False
    for entry in source.models:
        if name.casefold() in entry.name.casefold():
            continue
        for variant in name_variants(entry.name, entry.github, entry.huggingface):
            where = spaced.find(f" {variant} ")
            if where < 0:
                continue
            if where < at and set(spaced[where + len(variant) + 2:at].split()) <= _APPOSITION:
                return True
            if where == at + len(mention) - 1:  # the name, then the provided one
                return True
    return False


def _dataset(name: str, line: str) -> bool:
    """Whether the line names it as data: "trained on ImageNet", "the CelebAMask-HQ dataset"."""
    at = line.find(name)
    return at >= 0 and bool(_DATASET_BEFORE.search(line[:at]) or _DATASET_AFTER.match(line[at + len(name):]))


def _name_shapes(lines: list[str]):
    """Every name in the shape of a model's or a paper's title, in order, with its line."""
    for line in lines:
        if not _CAPITAL.search(line):
            continue  # every shape starts with a capital or holds one
        text = _URL.sub(" ", line) if "://" in line or "www." in line else line
        titles = [f"{m.group(1)}: {m.group(2)}" for m in _TITLED.finditer(text)
                  if _CAMEL.fullmatch(m.group(1)) or _model_like(m.group(1))]
        yield from ((title, text) for title in titles)
        item = _ITEM_TITLE.match(text)
        if item and _title_case(item["title"]) and not item["title"].rstrip().endswith(":"):
            yield item["title"].strip(" :"), text
        # Words (hyphenated ones whole) in one pass; only those with a capital or a digit are looked at.
        words = [word for word in _WORD.findall(text) if not word.islower()]
        yield from ((word, text) for word in words if "-" in word and _model_like(word))
        yield from ((word, text) for word in words if "-" not in word and _CAMEL.fullmatch(word))
        for match in _VERSIONED.finditer(text):
            words = match.group(1).split()
            year = re.fullmatch(r"(?:19|20)\d\d", match.group(2))
            if not year and words[-1].casefold() not in _NOT_VERSIONED and words[0].casefold() not in _NOT_VERSIONED:
                yield match.group(0), text


def _model_like(word: str) -> bool:
    """A hyphenated word that names a model: a part with a capital inside, a digit or an acronym;
    not an adjective ("CNN-based") nor a range of numbers."""
    parts = word.split("-")
    if not word[0].isupper():  # "re-ID", "image-to-3D", "3D-print"
        return False
    if parts[-1].casefold() in _ADJECTIVE_END or all(part.isdigit() for part in parts):
        return False
    if parts[0].casefold() in STOPLIST or word.casefold() in STOPLIST:
        return False
    return any(re.search(r"[a-z][A-Z]|[A-Za-z]\d|\d[A-Za-z]|^[A-Z]{2,}$|GAN$|Net$", part) for part in parts) and \
        not all(part.isupper() and len(part) <= 3 for part in parts)  # "RGB-D", "3D-CNN"


def _title_case(title: str) -> bool:
    words = [word for word in title.split() if word.casefold() not in _SMALL_WORDS]
    return len(title.split()) >= 3 and bool(words) and all(word[0].isupper() or word[0].isdigit() for word in words)


class _Known:
    """What a source block provides, for matching names: its names' forms, then (made only when a
    name is not one of them) the words of its question, names and summaries."""

    def __init__(self, source: SourceBlock):
        self.source = source
        entries = (*source.models, *source.papers)
        forms = [variant for entry in entries for variant in name_variants(entry.name, entry.github, entry.huggingface)]
        self.names = tuple(_spaced(form) for form in forms)
        # A model's parts are named after it ("Hunyuan3D-DiT" of Hunyuan3D 2.0): its first word counts.
        firsts = (_squashed(entry.name.split()[0]) for entry in entries if entry.name.split())
        self.names_squashed = frozenset(form.replace(" ", "") for form in forms) | frozenset(
            first for first in firsts if len(first) >= 4)

    def texts(self):
        """The words of its question, names and summaries, each text's read once per process:
        (its squashed words, its spaced text), one text after the other, as far as asked."""
        entries = (*self.source.models, *self.source.papers)
        for text in (self.source.question, *(entry.name for entry in entries), *(entry.summary for entry in entries)):
            if text:
                yield _text_words(text)

    def provides(self, name: str) -> bool:
        squashed = _squashed(name)
        if squashed in self.names_squashed or _squashed(name.split("-")[0]) in self.names_squashed:
            return True
        return any(squashed in words for words, _ in self.texts()) or _provided(name, self)


@lru_cache(maxsize=1 << 14)  # summaries recur across prompts: each is read once
def _text_words(text: str) -> tuple[frozenset[str], str]:
    folded = text.casefold()
    return frozenset(_UNSQUASHED.sub("", folded).split()), " " + _NOT_ALNUM.sub(" ", folded) + " "


@lru_cache(maxsize=1024)
def _known_words(source: SourceBlock) -> _Known:
    return _Known(source)


_UNSQUASHED = re.compile(r"[^0-9a-z\s]+")


def _squashed(name: str) -> str:
    return _NOT_ALNUM.sub("", name.casefold())


def _provided(name: str, known: _Known) -> bool:
    """Whether the source block has the name: in its text, or as most of the words of one of its names."""
    spaced = _spaced(name)
    if any(spaced in text for _, text in known.texts()):
        return True
    words = [word for word in spaced.split() if word not in _SMALL_WORDS]
    if len(words) >= 3:  # a title: most of its words in one of the source's names
        return any(sum(f" {word} " in other for word in words) >= 0.8 * len(words) for other in known.names)
    return False
