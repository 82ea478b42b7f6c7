"""Property-based tests (hypothesis) of the steps that read untrusted text.

1. The parser: any text parses or raises :class:`PromptError` whose problems all name the
   file and a line of it; prompts built from parts parse back into those parts.
2. Links: URLs written in the shapes real prompts and answers use are found back exactly;
   normalisation is a fixed point; nothing found is unsafe, whatever the text.
3. Escaping: escaped text renders as one paragraph of plain text (nothing from the text
   becomes markup); front matter reads back as the values it was made from.
4. Mermaid: names and questions change the labels of the diagram, never its structure, and
   every label reads back as the text it shows.
5. The cue matcher finds exactly what a plain scan of every word finds.

The examples are derandomised (the same on every run, so CI is reproducible) and no example
database is written. The whole file runs in well under 30 s.
"""

from __future__ import annotations

import dataclasses
import re
import string
from functools import cache

import markdown
import yaml
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data

from generator.steps.check import markdown_links, page_links
from generator.markup.escape import front_matter, markdown_text, mermaid_text, yaml_scalar
from generator.steps.infer import infer_task
from generator.markup.links import extract_urls, is_safe_url, normalise_url, url_spans
from generator.steps.parse import _EMPTY_VALUES, _KEYS, parse_prompt
from generator.records import Entry, PromptError
from generator.markup.html import render_html
from generator.vocabulary import _GAP, _TOKEN, CueMatcher, load_vocabulary
from generator.steps.workflow import (
    MAX_LABEL, find_techniques, load_techniques, plan_workflow, render_workflow, short_title,
)

from conftest import SEEDS, make_prompt

BASE = settings(
    derandomize=True,  # the same examples on every run and machine
    database=None,  # nothing written next to the repository
    deadline=None,  # a 2-core CI runner is slow now and then; time is bounded by max_examples
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def budget(n: int) -> settings:
    return settings(BASE, max_examples=n)


PATH = "sources/x.txt"
SURROGATE = st.characters(categories=["Cs"])
#: Any text, now and then with lone surrogates (never in a decoded file, but a str may hold them).
ANY_TEXT = st.one_of(st.text(), st.text(st.one_of(st.characters(), SURROGATE)))


# ---- 1. The parser ---------------------------------------------------------------------------

def file_lines(text: str) -> int:
    """How many lines an editor shows for ``text``: lines end at LF, CRLF or CR (Python's
    universal newlines, as ``Path.read_text`` reads them), and the place after a final line
    break is a line too (where a cursor goes). A leading BOM is no character of the file."""
    return len(re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff")))


MARKER_LINES = [
    "You are an AI scientist.",
    "A user has asked the following question:",
    "A user has asked the following question: \"Inline?\"",
    "asked the following question",
    '"How do I upscale my photo 4x?"',
    '"An unclosed question',
    "\u201cCurly question?\u201d",
    '""',
    "Question: what is this?",
    "**Question:**",
    "### Recommended AI Models:",
    "### Recommended AI Models",
    "**Recommended Models:**",
    "## Related Papers:",
    "### Related Papers:",
    "Related paper",
    "Model:",
    "Model: SISR-CARN-4x",
    "Model: N/A",
    "Title: Speeding Up Image Classifiers with Little Companions",
    "Title:",
    "Name: x",
    "Model Name: y",
    "Paper: N/A",
    "Paper: None",
    "Paper:",
    "Paper: https://arxiv.org/abs/2406.17117",
    "Paper: http://arxiv.org/pdf/2404.19484v2.pdf",
    "GitHub: https://github.com/kky7/MSSNet",
    "Github: N/A",
    "GitHub:",
    "Code: https://github.com/a/b_(c)",
    "Hugging Face: https://huggingface.co/org/name",
    "Summary:",
    "Summary: A summary with \"quotes\", $14\\times$ and ünïcödé.",
    "Category: Image",
    "Dataset: None",
    "Answer:",
    "Answer: **see** https://x.org/a",
    "**Answer:**",
    "- **SISR-HAN-4x**",
    "- **Name**: a description",
    "1. **Paper**",
    "* **Model**:",
    "N/A",
    "None",
    "-",
    "",
    "   ",
    "\t",
    "https://user:pass@example.org/x",
    "http://a.org\\@b.org/",
    "see https://x.org/a_(b)), https://y.org/[cite: 3]",
    "<https://x.org>",
    "\ufeff",
    "\u2028",
    "\x00\x0b\x0c\x1c\x85",
]
FIELD_PREFIXES = ["Model: ", "Title: ", "Paper: ", "GitHub: ", "Github: ", "Summary: ", "Answer: ",
                  "- **", "Question: ", "### ", "Category: ", "1. "]
SEPARATORS = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"])


@cache
def seed_lines() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(path.read_text(encoding="utf-8").split("\n")) for path in SEEDS)


def _line() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(MARKER_LINES),
        st.builds(lambda a, b: a + b, st.sampled_from(FIELD_PREFIXES), st.text(max_size=30)),
        st.builds(lambda a, b: a + b, st.sampled_from(MARKER_LINES), st.text(max_size=8)),
        st.text(max_size=40),
    )


@st.composite
def marker_texts(draw) -> str:
    """Lines of the prompt grammar's markers, mixed with any text, any line endings."""
    pieces = draw(st.lists(st.tuples(_line(), SEPARATORS), max_size=30))
    text = "".join(line + sep for line, sep in pieces)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final line break
    return ("\ufeff" if draw(st.booleans()) else "") + text


@st.composite
def mutated_seeds(draw) -> str:
    """A real prompt with lines deleted, repeated, cut or replaced."""
    lines = list(draw(st.sampled_from(seed_lines())))
    for _ in range(draw(st.integers(1, 8))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "replace", "insert", "cut", "truncate"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "replace":
            lines[i] = draw(_line())
        elif op == "insert":
            lines.insert(i, draw(_line()))
        elif op == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:
            del lines[i:]
    sep = draw(SEPARATORS)
    return sep.join(lines)


PARSER_TEXTS = st.one_of(ANY_TEXT, marker_texts(), mutated_seeds())


@budget(400)
@given(PARSER_TEXTS)
@example("")
@example("\ufeff\r\n  \r\n")
@example("A user has asked the following question:")  # the question would be on line 2
@example('A user has asked the following question:\n"Upscale my photo?"')  # the models on line 3
@example("### Recommended AI Models:\nhttps://u:p@x.org")
def test_any_text_parses_or_names_a_line_of_the_file(text):
    """Any text gives a Prompt or a PromptError whose every problem names the file and a line
    in it (1 to the number of lines; the parser never uses ``line=None``, not even for a
    whole-file problem: an empty file is a problem at line 1). No other exception."""
    lines = file_lines(text)
    try:
        prompt = parse_prompt(text, PATH, "x")
    except PromptError as error:
        assert error.problems, "a PromptError must say what is wrong"
        for problem in error.problems:
            assert problem.path == PATH
            assert isinstance(problem.line, int), problem
            assert 1 <= problem.line <= lines, f"{problem} (the text has {lines} lines)"
            assert problem.message.strip()
            assert str(problem).startswith(f"{PATH}:{problem.line}: ")
        return
    block = prompt.source
    assert block.question and block.question == block.question.strip()
    assert block.models, "a prompt without models must be an error"
    assert 1 <= block.question_line <= lines
    for entry in block.models + block.papers:
        assert entry.name and 1 <= entry.line <= lines
    assert prompt.answer_line is None or 1 <= prompt.answer_line <= lines
    for url in block.links:
        assert is_safe_url(url) and normalise_url(url) == url


# Parts of prompts that the round trip builds. Each is "safe but varied": any characters but a
# line break, arranged so that no line is read as another marker of the grammar.
def _one_line(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"),
                   min_size=min_size, max_size=max_size).filter(lambda s: "://" not in s)


def _clean(value: str) -> bool:
    """True for a value the parser reads as written: no outer blanks or ``*`` (bold), not "N/A"."""
    return (value == value.strip() and value[:1] != "*" and value[-1:] != "*"
            and value.lower() not in _EMPTY_VALUES)


NAMES = _one_line(1).filter(_clean)
BULLET_NAMES = st.text(string.ascii_letters + string.digits + "-. ()", min_size=1, max_size=30).filter(
    lambda s: _clean(s) and s.lower() not in _KEYS)
WORDS = _one_line(0, 30)


def _schemes():
    return st.sampled_from(["http", "https", "HTTP", "Https"])


_HOST_LABEL = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=10)
HOSTS = st.builds(
    lambda labels, dot, port: ".".join(labels) + dot + (f":{port}" if port is not None else ""),
    st.lists(_HOST_LABEL, min_size=1, max_size=4), st.sampled_from(["", "", "."]),
    st.none() | st.integers(0, 65535),
)
#: RFC 3986 unreserved and sub-delims, ``:``, ``@`` and ``%``: what a URL path holds unescaped.
_URL_CHARS = string.ascii_letters + string.digits + "-._~!$&'*+,;=:@%"
_SEGMENTS = st.one_of(
    st.text(_URL_CHARS, max_size=10),
    st.builds(lambda a, b, c: f"{a}({b}){c}", st.text(_URL_CHARS, max_size=4), st.text(_URL_CHARS, max_size=6),
              st.text(_URL_CHARS, max_size=3)),  # Wikipedia-style a_(b)
    st.builds(lambda a, b: f"{a}[{b}]", st.text(_URL_CHARS, max_size=4), st.text(_URL_CHARS, max_size=6)),
    st.builds(lambda a, b: f"{a}{{{b}}}", st.text(_URL_CHARS, max_size=4), st.text(_URL_CHARS, max_size=6)),  # a/{id}
)
URLS = st.builds(
    lambda scheme, host, path, query, fragment: (
        f"{scheme}://{host}{path}" + (f"?{query}" if query is not None else "")
        + (f"#{fragment}" if fragment is not None else "")
    ),
    _schemes(), HOSTS,
    st.one_of(st.just(""), st.lists(_SEGMENTS, max_size=4).map(lambda s: "/" + "/".join(s))),
    st.none() | st.text(_URL_CHARS + "/?", max_size=12),
    st.none() | st.text(_URL_CHARS + "/?#", max_size=12),
)
#: URLs as the parser keeps them: already normalised (as a producer writes a link).
CLEAN_URLS = URLS.map(normalise_url)


@st.composite
def entries(draw, kind: str):
    """One entry's lines and what the parser must read from them."""
    urls: list[str] = []
    if kind == "model" and draw(st.booleans()):
        name = draw(BULLET_NAMES)
        lines = [f"- **{name}**"]
    else:
        name = draw(NAMES)
        lines = [f"{draw(st.sampled_from(['Model', 'Title', 'Name', 'Model Name']))}: {name}"]
    paper = draw(st.one_of(CLEAN_URLS, st.sampled_from(["N/A", "None", "", "n/a"])))
    lines.append(f"Paper: {paper}".rstrip())
    paper_url = paper if "://" in paper else None
    github = draw(st.one_of(st.none(), CLEAN_URLS, st.sampled_from(["N/A", ""])))
    if github is not None:
        lines.append(f"{draw(st.sampled_from(['GitHub', 'Github', 'Code']))}: {github}".rstrip())
    github_url = github if github and "://" in github else None
    urls += [u for u in (paper_url, github_url) if u]
    summary_parts: list[str] = []
    if draw(st.booleans()):
        first = draw(WORDS.filter(lambda s: s == s.strip() and s[:1] != "*" and s[-1:] != "*"))
        lines.append(f"Summary: {first}".rstrip())
        summary_parts.append(first)
        for _ in range(draw(st.integers(0, 2))):
            # A continuation line; "and" keeps it from being read as a field, header or answer.
            words = [draw(WORDS)]
            if draw(st.booleans()):
                url = draw(CLEAN_URLS)
                urls.append(url)
                words.append(url)
                words.append(draw(WORDS))
            line = "and " + " ".join(words)
            lines.append(line)
            summary_parts.append(line.strip())
    summary = " ".join(part for part in summary_parts if part)
    return lines, name, paper_url, github_url, summary, urls


@st.composite
def built_prompts(draw):
    question = draw(_one_line(1, 60).filter(lambda s: s == s.strip()))
    urls: list[str] = []
    if draw(st.booleans()):
        url = draw(CLEAN_URLS)
        urls.append(url)
        question = f"{question} {url}"  # the closing quote ends the URL
    models = draw(st.lists(entries("model"), min_size=1, max_size=4))
    papers = draw(st.lists(entries("paper"), max_size=4))
    for entry in models + papers:
        urls += entry[5]
    answer = draw(st.one_of(st.just(""), st.text(max_size=80),
                            st.builds(lambda u: f"See {u} and\n### Recommended AI Models:\nModel: X", URLS)))
    text = make_prompt(
        question,
        "\n\n".join("\n".join(e[0]) for e in models),
        "\n\n".join("\n".join(e[0]) for e in papers),
        answer,
    )
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text, question, models, papers, urls


@budget(200)
@given(built_prompts())
def test_built_prompts_parse_back_into_their_parts(case):
    """A prompt made of a question, named models and papers with http(s) links and summaries
    parses back into the same question, names, links and summaries, and its block's links are
    exactly the URLs written before the answer (never one of the answer's)."""
    text, question, models, papers, urls = case
    prompt = parse_prompt(text, PATH, "x")
    block = prompt.source
    assert block.question == question
    for parsed, built in ((block.models, models), (block.papers, papers)):
        assert [e.name for e in parsed] == [b[1] for b in built]
        assert [e.paper for e in parsed] == [b[2] for b in built]
        assert [e.github for e in parsed] == [b[3] for b in built]
        assert [e.summary for e in parsed] == [b[4] for b in built]
        assert [set(e.links) for e in parsed] == [set(b[5]) for b in built]
    assert block.links == frozenset(urls)


# ---- 2. Links -------------------------------------------------------------------------------

SHAPES = [
    "[the paper]({})",
    "See <{}> for more",
    "**{}**",
    "(see {})",
    "at {}.",
    "first {}, then",
    "a {})",
    "{}[cite: 3]",
    "code: `{}`",
    "{};",
    "'{}'",
    "\"{}\"",
    "*{}*",
    "_{}_",
    "{}\n",
    "- {}?!",
    "1. **Paper:** {}",
]


@budget(300)
@given(url=URLS, shape=st.sampled_from(SHAPES))
@example(url="http://x.org/a_(b)", shape="(see {})")
@example(url="https://X.ORG/Path", shape="[the paper]({})")
@example(url="http://a.b/x.", shape="{}[cite: 3]")
def test_urls_in_real_world_shapes_are_found_back_exactly(url, shape):
    """A URL written inside ``[text](…)``, ``<…>``, bold, brackets, prose punctuation, a glued
    ``[cite: N]`` or a code span is found once, as the normalised URL, at the place it was
    written; the provenance check's page links are that URL too."""
    expected = normalise_url(url)
    assert is_safe_url(expected)
    text = shape.format(url)
    assert extract_urls(text) == [expected]
    [(start, end, found)] = url_spans(text)
    assert found == expected
    assert start == shape.index("{}")
    written = text[start:end]
    assert written == url[: len(written)]  # only the end is trimmed
    assert written.lower() == expected.lower()
    assert page_links(text) == [expected]
    assert all(normalise_url(link) == expected for link in markdown_links(text))


@budget(300)
@given(URLS)
def test_normalised_url_is_a_fixed_point_found_alone(url):
    """A normalised URL normalises to itself, and is the one URL found in its own text."""
    normal = normalise_url(url)
    assert normalise_url(normal) == normal
    assert extract_urls(normal) == [normal]
    assert url_spans(normal) == [(0, len(normal), normal)]


#: Text likely to hold URL candidates: pieces of URLs, brackets, markers and anything else.
URLISH = st.lists(
    st.one_of(
        st.sampled_from(["http://", "https://", "HTTP://", "://", "http:", "(", ")", "[", "]", "[cite: 2]", "{", "}",
                         "**", "<", ">", "`", " ", "@", "\\", "user:pw@", ".", ",", "'", "~", "_", "#", "?",
                         "x.org", "/a", "İ", "\u2028", "\x00", "%", "\""]),
        URLS,
        st.text(max_size=6),
    ),
    max_size=14,
).map("".join)
URL_CANDIDATES = st.builds(lambda scheme, rest: f"{scheme}://{rest}", _schemes(), st.text(
    st.sampled_from(list("()[]*.,;:!?'_~/-@\\#%") + list("aZ0İ")), max_size=16))


@budget(400)
@given(URL_CANDIDATES)
@example("http://a/][x]")
def test_normalise_url_is_idempotent(raw):
    """For any URL candidate (brackets, parentheses, prose punctuation, non-ASCII): normalising
    twice is normalising once, and the result is the candidate with its end trimmed."""
    normal = normalise_url(raw)
    assert normalise_url(normal) == normal
    assert len(normal) <= len(raw) and raw[: len(normal)].lower() == normal.lower()  # only the end trimmed


@budget(400)
@given(st.one_of(ANY_TEXT, URLISH))
@example("see http://a/][x] and https://u:p@x.org, http://x.org\\@y.org/")
def test_any_text_yields_only_safe_normalised_urls(text):
    """Whatever the text: no exception; every URL found is safe and a fixed point of
    normalisation; each span slices back to the URL as written (same length, only the
    scheme and host may differ in case); spans come in order and never overlap."""
    spans = url_spans(text)
    assert [url for _, _, url in spans] == extract_urls(text)
    previous_end = 0
    for start, end, url in spans:
        assert previous_end <= start < end <= len(text)
        previous_end = end
        assert is_safe_url(url)
        assert normalise_url(url) == url
        written = text[start:end]
        assert len(written) == len(url)
        assert normalise_url(written) == url
        host_end = len(url.split("://", 1)[0]) + 3 + len(re.split(r"[/?#]", url.split("://", 1)[1], maxsplit=1)[0])
        assert written[host_end:] == url[host_end:]  # path, query and fragment as written
    for link in page_links(text):
        if is_safe_url(link):
            assert normalise_url(link) == link


# ---- 3. Escaping ----------------------------------------------------------------------------

#: mkdocs.yml's markdown_extensions, and more that a site may enable and that load without MkDocs.
EXTENSIONS = [
    "tables", "attr_list", "admonition", "toc", "pymdownx.superfences",
    "md_in_html", "footnotes", "def_list", "abbr", "pymdownx.tabbed", "pymdownx.details",
    "pymdownx.inlinehilite", "pymdownx.betterem", "pymdownx.tilde", "pymdownx.caret", "pymdownx.mark",
]


@cache
def _markdown() -> markdown.Markdown:
    return markdown.Markdown(extensions=EXTENSIONS)


def render(text: str) -> str:
    renderer = _markdown()
    try:
        return renderer.convert(text)
    finally:
        renderer.reset()


#: Characters Markdown escaping treats as white space: what ``str.split`` splits at, and the
#: other control characters (invisible; Python-Markdown deletes STX and ETX, browsers NUL).
_BLANK = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")

MARKDOWN_TEXTS = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(
        ["!!! note", "??? note", "=== \"Tab\"", "1. ", "1) ", "- ", "+ ", "* ", "# ", "> ", "    ", "\t", "|",
         "[x](http://e.org)", "<b>", "&amp;", "`", "```", "~~~", "{: .x}", "[^1]", "*[HTML]: x", ":", "***",
         "---", "\n", "\x02", "\x03", "\\", "http://x.org/a", "==mark==", "^^up^^", "~~del~~", "$x$", "  \n"]),
        st.text(max_size=5),
    ), max_size=10).map("".join),
)


@budget(250)
@given(MARKDOWN_TEXTS)
@example("!!! note")
@example("??? note")
@example(" - item")
@example("\t1. item")
@example("a\x02b\x03c")
@example("0 ")
def test_escaped_markdown_text_renders_as_plain_text(text):
    """``markdown_text`` of anything renders (Python-Markdown with the site's extensions and
    more) as at most one <p> holding exactly the text, whitespace runs collapsed: no link,
    image, list, heading, admonition, raw tag, nothing the provenance check sees as a link."""
    escaped = markdown_text(text)
    assert "\n" not in escaped and "\r" not in escaped
    html = render(escaped)
    soup = BeautifulSoup(html, "html.parser")
    tags = [tag.name for tag in soup.find_all(True)]
    assert tags in ([], ["p"]), html
    shown = soup.get_text()
    assert shown.strip(" ") == " ".join(_BLANK.sub(" ", text).split())  # a block's outer spaces show as none
    assert "  " not in shown
    assert page_links(escaped, html) == []
    site_html = render_html(escaped)  # the generator's own renderer (the site's extensions)
    assert [tag.name for tag in BeautifulSoup(site_html, "html.parser").find_all(True)] in ([], ["p"]), site_html


FRONT_MATTER_TEXT = st.one_of(
    st.text(st.one_of(st.characters(), SURROGATE)),
    st.lists(st.sampled_from(["---", "...", "\n", "\r\n", ": ", "- ", "#", "'", "\"", "\\", "{", "[", "&a", "*a",
                              "!!python/object", "%YAML", "\x85", "\u2028", "\u2029", "\ufeff", "\ufffe", "\x7f",
                              "\x00", "\t", "null", "true", "~", "0x1", "1e3", "\ud800"]), max_size=8).map("".join),
)


def _as_loaded(value):
    return re.sub("[\ud800-\udfff]", "\ufffd", value) if isinstance(value, str) else value


@budget(200)
@given(title=FRONT_MATTER_TEXT, description=FRONT_MATTER_TEXT, tags=st.lists(FRONT_MATTER_TEXT, max_size=3),
       exclude=st.booleans())
def test_front_matter_reads_back_as_its_values(title, description, tags, exclude):
    """The front matter of any title, description and tags reads back (as MkDocs reads it, and
    with yaml.safe_load) as exactly those values and keys; a lone surrogate reads as U+FFFD."""
    meta = {"title": title, "description": description, "tags": tags, "search": {"exclude": exclude}}
    lines = front_matter(meta)
    expected = {"title": _as_loaded(title), "description": _as_loaded(description),
                "tags": [_as_loaded(tag) for tag in tags], "search": {"exclude": exclude}}
    body, loaded = get_data("\n".join(lines) + "\n\n# Body\n")
    assert loaded == expected
    assert list(loaded) == list(meta)
    assert body == "# Body\n"
    assert lines[0] == "---" and lines[-1] == "---"
    assert yaml.safe_load("\n".join(lines[1:-1])) == expected
    for value in (title, description, *tags):
        assert "\n" not in yaml_scalar(value) and yaml.safe_load(yaml_scalar(value)) == _as_loaded(value)


# ---- 4. Mermaid -----------------------------------------------------------------------------

_ENTITY = re.compile(r"#(\d+);")
_LABEL_TEXT = re.compile(r"(?:[A-Za-z0-9 .,()\-/?!'+]|#\d+;)*")


def decode_mermaid(label: str) -> str:
    """What Mermaid shows for a label of :func:`mermaid_text`: ``#NNN;`` is the character NNN."""
    return _ENTITY.sub(lambda m: chr(int(m.group(1))), label)


@budget(300)
@given(ANY_TEXT)
@example('a"] --> x[" %%{init: {}}%% click x call alert(1)')
def test_mermaid_text_is_inert_and_reads_back(text):
    """Any text becomes a label of safe characters and ``#NNN;`` codes only (no quote, line
    break, ``%%``, ``:``, bracket or tag can reach Mermaid) that decodes back to the text."""
    label = mermaid_text(text)
    assert _LABEL_TEXT.fullmatch(label), label
    for bad in ('"', "\n", "\r", "%", ":", "<", ">", "`", "[", "]", "{", "}", "|", ";;"):
        assert bad not in _ENTITY.sub("", label)
    assert decode_mermaid(label) == text


_NODE_LINE = re.compile(r'^    ([a-z][a-z0-9]*)(\(\["|\["|\{\{"|\(\("|\[/")(.*?)("\]\)|"\]|"\}\}|"\)\)|"/\]):::([a-z]+)$')


def assert_inert_labels(text: str) -> None:
    """Every quoted label of every line holds only safe characters and entity codes."""
    for line in text.split("\n"):
        assert line.count('"') % 2 == 0, line
        for label in re.findall(r'"([^"]*)"', line):
            for part in label.split("<br/>"):
                assert _LABEL_TEXT.fullmatch(part), line


def mermaid_structure(text: str) -> list[str]:
    """The diagram with every quoted label emptied: ids, shapes, edges and classes remain."""
    return [re.sub(r'"[^"]*"', '""', line) for line in text.split("\n")]


def mermaid_nodes(text: str) -> dict[str, tuple[tuple[str, ...], str]]:
    """Node id -> (label lines as Mermaid shows them, class), read from the rendered diagram."""
    nodes = {}
    for line in text.split("\n"):
        match = _NODE_LINE.match(line)
        if match:
            node_id, _, label, _, kind = match.groups()
            nodes[node_id] = (tuple(decode_mermaid(part) for part in label.split("<br/>")), kind)
    return nodes


def shown_as(shown: str, text: str) -> bool:
    """True when a label line shows ``text``: whitespace collapsed, cut to MAX_LABEL with "…"."""
    collapsed = " ".join(text.split())
    if shown == collapsed:
        return len(shown) <= MAX_LABEL
    return (shown.endswith("…") and len(shown) <= MAX_LABEL
            and collapsed.startswith(shown[:-1]) and len(collapsed) > MAX_LABEL)


@cache
def seed_papers() -> tuple[Entry, ...]:
    return parse_prompt(SEEDS[0].read_text(encoding="utf-8"), "p", "p").source.papers


#: Model names whose tasks the vocabulary knows: they give chains, merges, gaps and asides.
PLAIN_MODELS = ["SISR-CARN-4x", "SISR-HAN-4x", "Deblur-MSSNet-GoPro", "Denoise-DnCNN",
                "Txt2Img-StableDiffusionV1-5", "Model1", "OCR-Tesseract"]
QUESTIONS = ["Upscale my photo 4x", "Remove the blur from my photo", "What is this?",
             "Turn my text into an image", "Read the text in this scan"]


@st.composite
def plain_and_hostile(draw):
    """A plain prompt (catalog-like names) and the same prompt with any names instead."""
    question = draw(st.sampled_from(QUESTIONS))
    models = draw(st.lists(st.sampled_from(PLAIN_MODELS), min_size=1, max_size=4))
    papers = draw(st.lists(st.sampled_from(range(len(seed_papers()))), max_size=3, unique=True))
    text = make_prompt(
        question,
        "\n\n".join(f"Model: {name}" for name in models),
        "\n\n".join(f"Title: Paper{i}\nSummary: {seed_papers()[i].summary}" for i in papers),
    )
    plain = parse_prompt(text, "p.txt", "p")
    hostile_names = draw(st.lists(ANY_TEXT, min_size=len(models), max_size=len(models)))
    # Papers are grouped by name in the diagram: distinct papers keep distinct names.
    paper_names = draw(st.lists(ANY_TEXT, min_size=len(papers), max_size=len(papers), unique=True))
    source = dataclasses.replace(
        plain.source,
        question=draw(ANY_TEXT),
        models=tuple(dataclasses.replace(e, name=n) for e, n in zip(plain.source.models, hostile_names)),
        papers=tuple(dataclasses.replace(e, name=n) for e, n in zip(plain.source.papers, paper_names)),
    )
    return plain, dataclasses.replace(plain, source=source)


def _workflow(prompt, inference):
    vocab, techniques = load_vocabulary(), load_techniques()
    found = find_techniques(prompt.source.papers, techniques)
    return plan_workflow(prompt, inference, found, vocab, techniques)


@budget(150)
@given(plain_and_hostile())
def test_names_change_mermaid_labels_never_its_structure(case):
    """With the same inference, a diagram of any model and paper names is the diagram of plain
    names with other label texts: same nodes, shapes, edges and classes, same number of lines;
    every label is inert and reads back as the name it shows."""
    plain, hostile = case
    inference = infer_task(plain.source, load_vocabulary())
    plain_text = render_workflow(_workflow(plain, inference))
    workflow = _workflow(hostile, inference)
    text = render_workflow(workflow)
    assert mermaid_structure(text) == mermaid_structure(plain_text)
    assert "%%" not in text
    nodes = mermaid_nodes(text)
    assert set(nodes) == {node.id for node in workflow.nodes}
    for node in workflow.nodes:
        assert nodes[node.id] == (node.label, node.kind)
    assert_inert_labels(text)
    for index, entry in enumerate(hostile.source.models, start=1):
        assert shown_as(nodes[f"m{index}"][0][0], entry.name)
    for node_id, (label, _) in nodes.items():
        if node_id.startswith("t"):  # a technique: the short title of one of the papers
            assert any(shown_as(label[0], short_title(paper.name)) for paper in hostile.source.papers)


@budget(100)
@given(question=ANY_TEXT, names=st.lists(ANY_TEXT, min_size=1, max_size=3))
@example(question="upscale 4x", names=['SISR-x"]:::model\n%%{init}%%', "Deblur-a\n---"])
def test_any_question_and_names_give_a_diagram_of_its_plan(question, names):
    """Inference, planning and rendering of any question and names: the diagram has exactly
    the planned nodes and edges, each label reads back as the planned text."""
    models = tuple(Entry(name=name, line=i) for i, name in enumerate(names, start=1))
    prompt = parse_prompt(make_prompt("x", "Model: x"), "p.txt", "p")
    prompt = dataclasses.replace(prompt, source=dataclasses.replace(prompt.source, question=question, models=models))
    workflow = _workflow(prompt, infer_task(prompt.source, load_vocabulary()))
    text = render_workflow(workflow)
    lines = text.split("\n")
    # The classes are defined by the script that draws the diagrams, not in every page's text.
    assert len(lines) == 1 + len(workflow.nodes) + len(workflow.edges)
    assert mermaid_nodes(text) == {node.id: (node.label, node.kind) for node in workflow.nodes}
    assert_inert_labels(text)
    edges = [line.strip() for line in lines[1 + len(workflow.nodes): 1 + len(workflow.nodes) + len(workflow.edges)]]
    for line, edge in zip(edges, workflow.edges):
        assert re.fullmatch(rf'{edge.source} -(?:\.-|-)>(?:\|"[^"]*"\|)? {edge.target}', line), line
        assert ("-.->" in line) == edge.dotted
    assert "%%" not in text


# ---- 5. The cue matcher ---------------------------------------------------------------------


def scanned_hits(matcher: CueMatcher, text: str, patterns: bool = True) -> list[tuple[str, str, str]]:
    """The matcher's rules applied word by word, with no index: at each word, the cues whose
    words follow from there (one gap of spaces or hyphens apart) are compared; the longest,
    then the most specific, win, and the scan goes on after them."""
    lowered = text.lower().replace("’", "'")
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(lowered)]
    cues = [(words, cue) for index in (matcher._exact, matcher._prefix) for found in index.values() for words, cue in found]
    hits, position = [], 0
    while position < len(tokens):
        best_key, best = (0,), []
        for words, cue in cues:
            following = tokens[position : position + len(words)]
            if len(following) < len(words) or not all(
                token.startswith(word[:-1]) if word.endswith("*") else token == word
                for word, (token, _, _) in zip(words, following)
            ) or not all(_GAP.fullmatch(lowered, a[2], b[1]) for a, b in zip(following, following[1:])):
                continue
            key = (len(words), sum(len(w.rstrip("*")) for w in words), not words[-1].endswith("*"))
            if key > best_key:
                best_key, best = key, [cue]
            elif key == best_key:
                best.append(cue)
        if best:
            start, end = tokens[position][1], tokens[position + best_key[0] - 1][2]
            hits += [(cue.key, cue.text, text[start:end]) for cue in best]
            position += best_key[0]
        else:
            position += 1
    for regex, cue in matcher._regexes if patterns else ():
        hits += [(cue.key, cue.text, m.group()) for m in regex.finditer(text)]
    return hits


@cache
def cue_phrases() -> tuple[str, ...]:
    vocab = load_vocabulary()
    return tuple(sorted({cue.text.rstrip("*") for matcher in (vocab.cues, vocab.qualifiers)
                         for index in (matcher._exact, matcher._prefix)
                         for found in index.values() for _, cue in found}))


CUE_TEXTS = st.lists(
    st.one_of(
        st.builds(lambda phrase, upper, tail: (phrase.upper() if upper else phrase) + tail,
                  st.sampled_from(cue_phrases()), st.booleans(), st.sampled_from(["", "s", "ing", "'s", "x"])),
        st.sampled_from(["don't", "a'", "'", "’", "-", "–", "_", "3x", "x2", "by 4 times", ","]),
        st.text(max_size=6),
    ),
    max_size=8,
).flatmap(lambda parts: st.lists(st.sampled_from([" ", "-", " - ", "  ", "", "\n", ", ", "'", "’"]),
                                 min_size=len(parts), max_size=len(parts))
          .map(lambda gaps: "".join(part + gap for part, gap in zip(parts, gaps))))


@budget(400)
@given(CUE_TEXTS, st.booleans())
@example("Remove the blur, then remove-blur and low-light LOW  LIGHT low–light upscale 4x", True)
@example("don't colorize colorization x'colorize", False)
def test_cue_matcher_finds_what_a_scan_of_every_word_finds(text, patterns):
    vocab = load_vocabulary()
    for matcher in (vocab.cues, vocab.qualifiers, load_techniques().cues):
        found = [(hit.cue.key, hit.cue.text, hit.found) for hit in matcher._find(text, patterns)]
        expected = scanned_hits(matcher, text, patterns)
        assert [hit[2] for hit in found] == [hit[2] for hit in expected]  # in the order of the text
        assert sorted(found) == sorted(expected)
