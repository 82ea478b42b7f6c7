"""Bad and hostile input (issue 7): clear errors, nothing lost, nothing injected.

The corpus is ``tests/data/hostile/`` (small files, committed) plus the cases made here at
test time (a 50 MB file, a binary, 10,000 models, symbolic links, a FIFO, odd file names).
Each committed file says what it expects, in lines anywhere in it (a prompt's preamble,
before the question, is never shown):

    expect: page                        the prompt gets its page and no problem names the file
    expect: problem LINE: TEXT          a problem "sources/FILE:LINE: ...TEXT..." ("-" for no line)
    expect: shows TEXT                  its page shows TEXT, as text
    expect: link URL                    its answer keeps URL as a link (a prompt: its inline answer)

A file with ``page`` and ``problem`` lines gets its page, and the problems listed are then
the only ones naming it: an answer citing a link that is not in the prompt's sources is
reported but takes no page down.

Any file dropped into the folder is part of every test below: an answer file
(``NAME.answer.md``, ``NAME.answers/LABEL.md``, with its expectations in an HTML comment
``<!-- expect: ... -->``) is checked on the page of its prompt, inside its own answer. An
answer is shown whole, so the copy under test has those comment lines blanked (the line
numbers stay): otherwise the text an expectation names would be on the page anyway, and a
URL in it would count as cited.

Every test runs the real edges: ``python -m generator`` as a subprocess and ``mkdocs build``.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import DATA, ROOT, SEEDS, make_prompt
from generator.steps.check import URL_ATTRIBUTES
from generator.steps.answers import INLINE_LABEL
from generator.pipeline import ErrorPage, PromptPage
from generator.files.sources import ANSWER_FILE_LABEL, ANSWER_SUFFIX, ANSWERS_FOLDER_SUFFIX, PROMPT_SUFFIX, slug_for
from site_helpers import copy_project, mkdocs, pagefind_pages

HOSTILE = DATA / "hostile"
SECRET = "TOPSECRET-4f1c9e"  # the text of a file outside sources/ that a symbolic link points to
_EXPECT = re.compile(r"^(?:<!--\s*)?expect:\s*(page|problem|shows|link)\b[ \t]*(.*?)\s*(?:-->)?$", re.MULTILINE)
_PROBLEM = re.compile(r"^(\d+|-)\s*:\s*(.+)$")
#: One problem as the CLI prints it: ``path:line: message`` or ``path: message``.
_PROBLEM_LINE = re.compile(r"^(?P<path>\S(?:.*?\S)?)(?::(?P<line>\d+))?: (?P<message>\S.*)$")


@dataclass
class Case:
    relative: str  # the file, under sources/
    page: bool = False  # its prompt gets a page, and no problem names the file
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    shows: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    #: A prompt with problems still gets a page naming them, unless it is never read at all
    #: (hidden, a link out of sources/) or its page name belongs to another file.
    error_page: bool = True

    @property
    def shown(self) -> str:
        """The path as problems name it: relative to the project, one printable line."""
        return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in f"sources/{self.relative}")

    @property
    def prompt(self) -> str:
        """The prompt file whose page shows this file (itself, or the prompt of an answer)."""
        if self.relative.endswith(ANSWER_SUFFIX):
            return self.relative.removesuffix(ANSWER_SUFFIX) + PROMPT_SUFFIX
        folder = posixpath.dirname(self.relative)
        if folder.endswith(ANSWERS_FOLDER_SUFFIX):
            return folder.removesuffix(ANSWERS_FOLDER_SUFFIX) + PROMPT_SUFFIX
        return self.relative

    @property
    def is_answer(self) -> bool:
        return self.prompt != self.relative

    @property
    def label(self) -> str:
        """The label of the answer this file holds (a prompt: its inline answer)."""
        if self.relative.endswith(ANSWER_SUFFIX):
            return ANSWER_FILE_LABEL
        if self.is_answer:
            return posixpath.splitext(posixpath.basename(self.relative))[0]
        return INLINE_LABEL


def committed_cases() -> list[Case]:
    cases = []
    for file in sorted(p for p in HOSTILE.rglob("*") if p.is_file()):
        case = Case(file.relative_to(HOSTILE).as_posix())
        for kind, rest in _EXPECT.findall(file.read_text(encoding="utf-8")):
            if kind == "page":
                case.page = True
            elif kind == "shows":
                case.shows.append(rest)
            elif kind == "link":
                case.links.append(rest)
            else:
                line, text = _PROBLEM.match(rest).groups()
                case.problems.append((None if line == "-" else int(line), text))
        cases.append(case)
    return cases


def install_committed(sources: Path) -> None:
    """Copy the committed corpus into ``sources``, each answer file's expectation lines blanked."""
    shutil.copytree(HOSTILE, sources, dirs_exist_ok=True)
    for case in committed_cases():
        if case.is_answer:
            file = sources / case.relative
            file.write_text(_EXPECT.sub("", file.read_text(encoding="utf-8")), encoding="utf-8")


def generated_cases(sources: Path, outside: Path) -> list[Case]:
    """The cases too big, too binary or too odd to commit, written into ``sources``."""
    seed = SEEDS[0].read_text(encoding="utf-8")
    cases: list[Case] = []

    def write(relative: str, content: str | bytes, **expect) -> None:
        target = sources / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        cases.append(Case(relative, **expect))

    write("empty.txt", b"", problems=[(1, "the file is empty")])
    write("blank.txt", " \n\t\n\r\n", problems=[(1, "the file is empty")])
    write("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", problems=[(3, "is a binary file (NUL byte)")])
    latin = make_prompt("Caf\u00e9 photo: upscale it 2x", "Model: SISR-CARN-2x\n").replace("\u2192", "->")
    write("not-utf8.txt", latin.encode("latin-1"), problems=[(4, "is not UTF-8 text (byte 0xe9)")])
    write("bom-crlf.txt", ("\ufeff" + seed).replace("\n", "\r\n"), page=True)
    size, data = 50 * 1024 * 1024, seed.encode("utf-8")
    write("huge.txt", (data * (size // len(data) + 1))[:size], problems=[(None, "is 50.0 MB")])
    models = "".join(f"Model: SISR-Model-{i}\nPaper: https://arxiv.org/abs/2101.{i:05d}\n\n" for i in range(10_000))
    many = make_prompt("Upscale my photo 2x", models)
    write("ten-thousand-models.txt", many,
          problems=[(many.split("\n").index("Model: SISR-Model-100") + 1, "more than 100 models in one section")])

    # Odd file names: each still gets its page, under a name of its own.
    for name in ("a..b.txt", "dots..txt", "with spaces.txt", "\u00fcn\u00efc\u00f6d\u00e9.txt", "\u65e5\u672c\u8a9e.txt",
                 "\u4e2d\u6587.txt", "new\nline.txt", os.fsdecode(b"bad-\xff-bytes.txt"), "Same Name.txt",
                 "sub folder/\u00e9t\u00e9/nested.txt", "a" * 60 + "/" + "b" * 60 + ".txt"):
        write(name, seed, page=True)
    write("same-name.txt", seed, problems=[(None, "would get the page name 'same-name', already taken by")],
          error_page=False)
    # Hidden files are never prompts; one ending in .txt is reported, not silently skipped.
    write(".hidden.txt", seed, problems=[(None, "is hidden (its name starts with a dot)")], error_page=False)
    write("..leading-dots.txt", seed, problems=[(None, "is hidden (its name starts with a dot)")], error_page=False)
    (sources / ".git").mkdir()
    (sources / ".git" / "config.txt").write_text(seed)  # in a hidden folder: skipped on purpose, no page

    # Symbolic links out of sources/, and things that are no file at all.
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_text(make_prompt(f"{SECRET} upscale 2x", "Model: SISR-CARN-2x\n"))
    (outside / "folder").mkdir(exist_ok=True)
    (outside / "folder" / "prompt.txt").write_text(make_prompt(f"{SECRET} upscale 2x", "Model: SISR-CARN-2x\n"))
    links = {
        "leak.txt": (outside / "secret.txt", "is a symbolic link to a file outside sources/"),
        "linked-folder": (outside / "folder", "is a symbolic link to a folder"),
        "dangling.txt": (outside / "nowhere.txt", "is a symbolic link that leads to no file"),
    }
    for name, (target, message) in links.items():
        (sources / name).symlink_to(target)
        cases.append(Case(name, problems=[(None, message)], error_page=False))
    # Answers follow the prompts' rule: a link out of sources/ is reported and never read.
    (outside / "answer.md").write_text(f"{SECRET} as an answer\n")
    (outside / "answers").mkdir(exist_ok=True)
    (outside / "answers" / "gpt.md").write_text(f"{SECRET} in a linked answers folder\n")
    write("answered.txt", seed, page=True)
    (sources / "answered.answer.md").symlink_to(outside / "answer.md")
    (sources / "answered.answers").mkdir()
    (sources / "answered.answers" / "leak.md").symlink_to(outside / "answer.md")
    (sources / "linked-answers.answers").symlink_to(outside / "answers", target_is_directory=True)
    write("linked-answers.txt", seed, page=True)
    cases += [
        Case("answered.answer.md", problems=[(None, "is a symbolic link to a file outside sources/")], error_page=False),
        Case("answered.answers/leak.md", problems=[(None, "is a symbolic link to a file outside sources/")],
             error_page=False),
        Case("linked-answers.answers", problems=[(None, "is a symbolic link to a folder")], error_page=False),
    ]
    (sources / "inside.txt").symlink_to("a..b.txt")  # a link inside sources/ is read
    cases.append(Case("inside.txt", page=True))
    os.mkfifo(sources / "fifo.txt")  # reading it would never end
    cases.append(Case("fifo.txt", problems=[(None, "is not a regular file")]))
    return cases


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A copy of the project whose sources/ holds the seeds and the whole bad corpus."""
    base = tmp_path_factory.mktemp("hostile")
    project = copy_project(base / "project")
    sources = project / "sources"
    install_committed(sources)
    cases = committed_cases() + generated_cases(sources, base / "outside")
    seeds = [Case(seed.name, page=True) for seed in SEEDS]
    return project, cases + seeds


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True,
                          errors="backslashreplace", timeout=600)


def slug(project: Path, case: Case) -> str:
    return slug_for(project / "sources" / case.prompt, project / "sources")


def assert_lists_every_problem(lines: list[str], cases: list[Case], prefix: str = "") -> None:
    """Each expected problem is one line ``path:line: message``; no file expecting a page is named."""
    for case in cases:
        for line, text in case.problems:
            head = f"{prefix}{case.shown}:{line}: " if line else f"{prefix}{case.shown}: "
            assert any(l.startswith(head) and text in l for l in lines), (head, text, lines)
        if case.page:  # the expected problems (answers' citations) and no other
            for l in lines:
                if l.startswith(f"{prefix}{case.shown}:"):
                    assert any(l.startswith(f"{prefix}{case.shown}:{line}: " if line else f"{prefix}{case.shown}: ")
                               and text in l for line, text in case.problems), (case.relative, l)


def test_every_committed_file_says_what_it_expects():
    cases = committed_cases()
    assert len(cases) >= 10
    for case in cases:
        assert case.page or case.problems, f"{case.relative}: add an 'expect: page' or 'expect: problem' line"
        if case.page:  # a page with problems: only an answer's citations are no reason to drop a page
            assert all(text.startswith("answer ") for _, text in case.problems), case.relative
        if case.is_answer:
            assert case.page, f"{case.relative}: an answer never takes its prompt's page down"
    assert any(case.is_answer for case in cases)


def test_check_lists_every_bad_file_in_one_run_and_never_a_traceback(corpus):
    project, cases = corpus
    result = run_cli("check", "sources", cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    *lines, summary = result.stderr.rstrip("\n").split("\n")
    assert re.fullmatch(r"[\d,]+ prompts → [\d,]+ pages checked in \d+\.\d s; [\d,]+ problems in [\d,]+ files", summary)
    for line in lines:
        assert _PROBLEM_LINE.match(line), line
    assert_lists_every_problem(lines, cases)
    # Every problem names a bad file of the corpus: none is blamed on an index page or a good prompt.
    named = {case.shown for case in cases if case.problems}
    for line in lines:
        assert any(line.startswith(path + ":") for path in named), line


def test_build_gives_every_good_prompt_its_page_and_every_bad_one_an_error_page(corpus, tmp_path):
    project, cases = corpus
    out = tmp_path / "out"
    result = run_cli("build", "sources", "--out", str(out), cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert_lists_every_problem(result.stderr.split("\n"), cases)
    for case in cases:
        page = out / "prompts" / f"{slug(project, case)}.md"
        if case.page:
            assert "could not be turned into a page" not in page.read_text(encoding="utf-8"), case.relative
        elif case.error_page:
            text = page.read_text(encoding="utf-8")
            assert "could not be turned into a page" in text, case.relative
    assert SECRET not in "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.md"))
    assert not (out / "prompts" / "config.md").exists()  # .git/ is skipped
    # One bad prompt must not take the index pages down.
    assert "Prompts that could not be read" in (out / "tasks" / "index.md").read_text(encoding="utf-8")


def test_export_has_every_good_prompt_and_nothing_from_outside(corpus):
    project, cases = corpus
    result = run_cli("export", "sources", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    slugs = {record["slug"] for record in json.loads(result.stdout)}
    assert {slug(project, case) for case in cases if case.page} <= slugs
    assert SECRET not in result.stdout + result.stderr


def test_the_strict_build_fails_listing_every_bad_file(corpus, tmp_path):
    project, cases = corpus
    result = mkdocs("build", "--strict", "-d", str(tmp_path / "site"), cwd=project)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    warnings = [line for line in result.stderr.split("\n") if line.startswith("WARNING -  ")]
    # What answers cite outside their sources is listed at INFO: it fails --strict only with
    # answers_strict: true. Every other problem is a WARNING, which fails it.
    answers = [line for line in result.stderr.split("\n") if line.startswith("INFO    -  ") and ": answer " in line]
    assert answers and not any(": answer " in line for line in warnings)
    assert_lists_every_problem([line.split("-  ", 1)[1] for line in warnings + answers], cases)


# ---- The built site, audited ------------------------------------------------------------

@pytest.fixture(scope="module")
def sites(corpus, tmp_path_factory):
    """(site of the bad corpus, site of the seeds alone), both built by MkDocs with the plugin.

    The bad corpus is built without --strict (it fails strict, see above): the way
    ``mkdocs serve`` shows it, every bad prompt as an error page.
    """
    project, _ = corpus
    base = tmp_path_factory.mktemp("sites")
    hostile = mkdocs("build", "-d", str(base / "hostile"), cwd=project)
    assert hostile.returncode == 0, hostile.stderr[-3000:]
    assert "Traceback" not in hostile.stderr
    seeds = mkdocs("build", "-d", str(base / "seeds"), cwd=ROOT)
    assert seeds.returncode == 0, seeds.stderr[-3000:]
    return base / "hostile", base / "seeds"


def _soups(site: Path):
    for html in sorted(site.rglob("*.html")):
        yield html, BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")


def _scripts(site: Path) -> tuple[set[str], set[str]]:
    """(every script file, as a path from the site root; the text of every inline script). The
    diagrams' script names the scripts it loads in data-mermaid and data-mermaid-strict."""
    files, inline = set(), set()
    for html, soup in _soups(site):
        page = html.relative_to(site).as_posix()
        for script in soup.find_all("script"):
            for attribute in ("src", "data-mermaid", "data-mermaid-strict"):
                if script.get(attribute):
                    files.add(posixpath.normpath(posixpath.join(posixpath.dirname(page), script[attribute])))
            if not script.get("src"):
                inline.add(script.get_text())
    return files, inline


_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_UNSAFE_SCHEMES = {"javascript", "data", "vbscript", "file"}
#: Attributes that make a browser fetch something on its own, as the page loads.
_FETCHING = ("src", "srcset", "poster", "data", "background", "lowsrc", "dynsrc", "manifest", "icon")


def _urls(name: str, value: str) -> list[str]:
    if name in ("srcset", "imagesrcset"):
        return [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
    return [value]


def _scheme(url: str) -> str | None:
    # As browsers read it: ASCII whitespace and control characters anywhere are dropped.
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url).lower()
    match = _SCHEME.match(cleaned)
    return match.group(1) if match else None


def test_every_page_of_the_bad_corpus_is_inert(sites):
    hostile, seeds = sites
    own_files, own_inline = _scripts(seeds)
    files, inline = _scripts(hostile)
    assert files <= own_files, files - own_files  # the theme's and the site's scripts, no other
    assert inline <= own_inline, [text[:200] for text in inline - own_inline]
    assert {"assets/javascripts/mermaid-strict.js", "assets/javascripts/workflow-diagrams.js"} <= files
    own_forms = {repr(sorted(form.attrs.items())) for _, soup in _soups(seeds) for form in soup.find_all("form")}
    pages = 0
    for html, soup in _soups(hostile):
        pages += 1
        where = html.relative_to(hostile).as_posix()
        for tag in soup.find_all(["iframe", "frame", "frameset", "object", "embed", "applet", "base"]):
            raise AssertionError(f"{where}: <{tag.name}>")
        for form in soup.find_all("form"):  # the theme's search form only
            assert repr(sorted(form.attrs.items())) in own_forms, f"{where}: {form.attrs}"
        for tag in soup.find_all("meta", attrs={"http-equiv": True}):
            assert tag["http-equiv"].lower() != "refresh", where
        for tag in soup.find_all(True):
            for name, value in tag.attrs.items():
                assert not name.lower().startswith("on"), f"{where}: <{tag.name} {name}=…>"
                value = " ".join(value) if isinstance(value, list) else value
                if name in URL_ATTRIBUTES or name in ("imagesrcset", "formaction"):
                    for url in _urls(name, value):
                        assert _scheme(url) not in _UNSAFE_SCHEMES, f"{where}: <{tag.name} {name}={url!r}>"
                        if name in _FETCHING:  # nothing loads from another host
                            assert not _scheme(url) and not url.strip().startswith(("//", "\\")), (where, tag.name, url)
                if name == "style":
                    assert "url(" not in value.replace(" ", "") or "http" not in value, (where, value)
    assert pages > len(SEEDS) + 20


def test_the_search_index_holds_no_markup_from_the_sources(sites):
    """What Pagefind indexed is the pages' text: the sources' markup is text in it, never an
    element of the pages Pagefind read (test_browser_hostile.py draws the results)."""
    hostile, _ = sites
    assert json.loads((hostile / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"] == []
    pages = pagefind_pages(hostile)
    injected = next(page for url, page in pages.items() if url.startswith("prompts/html-injection"))
    # an element in the pages Pagefind read would have left no text behind
    assert '<script>alert("question")</script>' in injected["meta"]["title"] + injected["content"]
    assert '<img src=x onerror=alert("model")>' in injected["content"]
    assert len(pages) > 20


def test_every_good_prompt_has_its_page_and_shows_hostile_text_as_text(sites, corpus):
    hostile, _ = sites
    project, cases = corpus
    for case in cases:
        page = hostile / "prompts" / slug(project, case) / "index.html"
        if case.page:
            soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
            article = soup.find("article")
            text = " ".join(article.get_text(" ").split())
            assert "could not be turned into a page" not in text, case.relative
            # and the References' summaries, each in the file its box links to (and shows with script)
            for link in article.select("a.summary-file"):
                summary = BeautifulSoup((page.parent / link["href"]).read_text(encoding="utf-8"), "html.parser")
                text += " " + " ".join(summary.find("main").get_text(" ").split())
            answer = _answer_body(article, case.label)
            if case.is_answer:  # an answer's text is looked for in that answer
                assert answer is not None, (case.relative, case.label)
                text = " ".join(answer.get_text(" ").split())
            for shown in case.shows:
                assert " ".join(shown.split()) in text, (case.relative, shown)
            if case.links:
                assert answer is not None, (case.relative, case.label)
                hrefs = {a.get("href") for a in answer.find_all("a")}
                assert set(case.links) <= hrefs, (case.relative, case.links, hrefs)
            _assert_answers_link_only_to_sources(article, case.relative)
        elif case.error_page:
            text = page.read_text(encoding="utf-8")
            assert "could not be turned into a page" in text, case.relative
    everything = "".join(p.read_text(encoding="utf-8", errors="replace") for p in hostile.rglob("*.html"))
    assert SECRET not in everything


def _answer_body(article, label: str):
    """The rendered body of the answer labelled ``label`` on a prompt page, or None."""
    for answer in article.select("div.answer"):
        meta = answer.select_one("p.answer-meta strong")
        if meta is not None and meta.get_text() == label:
            return answer.select_one("div.answer-body")
    return None


def _assert_answers_link_only_to_sources(article, where: str) -> None:
    """Every link left in an answer leads to a URL the page's own sources link to."""
    answers = article.select("div.answer-body")
    outside = {a.get("href") for a in article.find_all("a") if not a.find_parent("div", class_="answers")}
    for body in answers:
        for tag in body.find_all(True):
            assert tag.name in {"a", "p", "br", "hr", "ul", "ol", "li", "blockquote", "pre", "code", "em", "strong",
                                "table", "thead", "tbody", "tr", "th", "td", "span",
                                "h3", "h4", "h5", "h6"}, (where, tag.name)
        for a in body.find_all("a"):
            assert a.get("href") in outside, (where, a.get("href"))
            assert set(a.attrs) == {"href"}, (where, a.attrs)


def test_hostile_labels_cannot_change_the_diagram(sites, corpus):
    """The diagram of the Mermaid injection prompt has exactly the planned nodes and edges."""
    hostile, _ = sites
    project, cases = corpus
    soup = BeautifulSoup((hostile / "prompts" / "mermaid-injection" / "index.html").read_text(), "html.parser")
    (diagram,) = soup.select("div.mermaid, pre.mermaid")
    lines = [line.strip() for line in diagram.get_text().strip().split("\n")]
    assert lines[0] == "flowchart LR"
    for line in lines[1:]:
        assert re.fullmatch(
            r'[a-z][a-z0-9]*(?:\(\["|\["|\{\{"|\(\("|\[/")[^"]*(?:"\]\)|"\]|"\}\}|"\)\)|"/\]):::[a-z]+'
            r'|[a-z][a-z0-9]* -(?:->|\.->)(?:\|"[^"|]*"\|)? [a-z][a-z0-9]*'
            r"|classDef [a-z]+ [a-z\-]+:[0-9a-z ]+",
            line,
        ), line
    assert not any(line.startswith(("click", "%%", "subgraph", "end", "style", "linkStyle")) for line in lines)
    assert "%%" not in diagram.get_text()  # "click m1 call alert(1)" is left, as the text of a quoted label


# ---- Fast checks of single cases, in process ---------------------------------------------

def test_a_url_ending_in_a_million_brackets_is_read_in_linear_time():
    from generator.markup.links import extract_urls, normalise_url

    assert extract_urls("https://x.org/a" + ")" * 1_000_000) == ["https://x.org/a"]
    assert normalise_url("https://x.org/a" + ".)]" * 300_000) == "https://x.org/a"


@pytest.mark.parametrize("line", [
    "Model" + " " * 200_000 + "x",
    "Related Papers" + " " * 200_000 + "x",
    "Recommended AI Models" + " \t" * 100_000 + "**x",
    "- **a" + " " * 200_000,
    "Answer" + " " * 200_000 + "x",
])
def test_no_line_makes_the_parser_backtrack(line):
    """Each of these took minutes before the parser's patterns lost their nested whitespace."""
    from generator.steps.parse import parse_prompt
    from generator.records import PromptError

    text = make_prompt("Upscale my photo 2x", "Model: SISR-CARN-2x\n" + line + "\n", line + "\n")
    try:
        parse_prompt(text, "p.txt", "p")
    except PromptError as error:
        assert all(problem.line for problem in error.problems)


def test_credentials_and_backslashes_never_make_a_link():
    from generator.markup.escape import markdown_text
    from generator.markup.links import extract_urls, is_safe_url, label_url

    assert extract_urls("https://user:pass@evil.example/x and https://x.org\\@evil.example/") == []
    assert not is_safe_url("https://github.com\\evil.example/")
    assert label_url("https://\u0430pple.com/login") == "xn--pple-43d.com/login"  # a look-alike shows as such
    assert label_url("https://x.org/\u202egpj.exe") == "x.org/%E2%80%AEgpj.exe"
    # A URL inside escaped text is no URL at all, for a renderer or for the provenance check.
    assert extract_urls(markdown_text("see https://github.com/a/b_c*d")) == []
    assert extract_urls("https://\u0130stanbul.example/x, then") == ["https://\u0130stanbul.example/x"]


def test_a_url_with_underscores_in_the_question_or_a_technique_sentence_is_no_problem():
    from generator.pipeline import generate
    from generator.files.sources import SourceFile

    text = make_prompt(
        "Upscale my photo 2x like https://github.com/a/b_c does", "Model: SISR-CARN-2x\nPaper: https://arxiv.org/abs/1\n",
        "Model: P\nPaper: https://arxiv.org/abs/2\nSummary: We use knowledge distillation, code at https://github.com/x/y_z*w.\n",
    )
    assert generate(SourceFile("p.txt", "p", text)).problems == ()


def test_a_model_named_index_keeps_the_index_pages_in_place(tmp_path):
    (tmp_path / "p.txt").write_text(make_prompt("Upscale 2x", "Model: Index\nPaper: https://x.org/a\n",
                                                "Model: index 2\nPaper: https://x.org/b\n"))
    out = tmp_path / "out"
    result = run_cli("build", str(tmp_path / "p.txt"), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (out / "models" / "index.md").read_text().startswith('---\ntitle: "Recommended models"')
    assert (out / "papers" / "index.md").read_text().startswith('---\ntitle: "Related papers"')
    assert len(list((out / "models").glob("index-*.md"))) == 1 and (out / "papers" / "index-2.md").is_file()


def test_the_cli_never_prints_a_traceback_even_when_it_cannot_write(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli("build", str(SEEDS[0]), "--out", str(blocker / "out"), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr  # 2: an environment error
    assert "cannot be written into" in result.stderr


@pytest.mark.parametrize("failing_step", ["parse_prompt", "infer_task", "plan_workflow", "review_answer", "compose_page", "block_links"])
def test_a_bug_of_ours_on_one_prompt_takes_only_that_prompt_down(tmp_path, monkeypatch, failing_step):
    """Each step runs over every prompt in turn (pipeline.generate_all): a step that fails on one
    prompt gives that prompt an error page naming the failure, and every other prompt its page."""
    import generator.pipeline as pipeline
    from generator.site import generate_site

    for seed in SEEDS:
        shutil.copy(seed, tmp_path / seed.name)
    victim = sorted(SEEDS)[2]
    (tmp_path / (victim.stem + ANSWER_SUFFIX)).write_text("An answer citing nothing.\n", encoding="utf-8")
    question = re.search(r'question:\s*"([^"]+)', victim.read_text(encoding="utf-8")).group(1)
    words = max(re.findall(r"[A-Za-z ]{12,}", question), key=len).strip()  # the same once escaped
    step = getattr(pipeline, failing_step)

    def failing(*arguments, **keywords):
        shown = repr(arguments)  # the victim's text, path or answer's path is in what the step gets
        if words in shown or victim.stem in shown:
            raise RuntimeError("boom")
        return step(*arguments, **keywords)

    monkeypatch.setattr(pipeline, failing_step, failing)
    site = generate_site([str(tmp_path)], check_html=False)
    broken = [r for r in site.results if isinstance(r, ErrorPage)]
    assert [Path(r.source.path).name for r in broken] == [victim.name]
    assert [str(p) for p in broken[0].problems] == [f"{broken[0].source.path}: internal error while generating its page: RuntimeError('boom')"]
    assert "internal error while generating its page" in broken[0].page.markdown
    good = [r for r in site.results if isinstance(r, PromptPage)]
    assert len(good) == len(SEEDS) - 1 and all(r.problems == () for r in good)
    assert [str(p) for p in site.problems] == [str(p) for p in broken[0].problems]
