"""Issue 24: verdicts a visitor can trust. A ✗ needs strong evidence, the answers testify, a
maintainer's sidecar confirms, a review list, and one story per page and per site."""

import collections
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from benchmarks import devset
from generator.steps.answers import collect_answers
from generator.steps.infer import infer_task
from generator.steps.parse import parse_prompt
from generator.records import Confidence, Entry, Relation, SourceBlock
from generator.markup.html import render_html
from generator.collection.review import Urgency, needs_review
from generator.pipeline import prompt_pages
from generator.site import generate_site
from generator.files.sources import read_sources
from generator.steps.testimony import task_statement
from generator.steps.verdict import FitCounts, VerdictCode, fit_verdict
from generator.vocabulary import load_vocabulary

from conftest import DATA, SEEDS, SOURCES, make_prompt

ROOT = Path(__file__).resolve().parent.parent
TESTIMONY = DATA / "testimony"


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


# --- A ✗ needs strong evidence -------------------------------------------------------------

def _verdict_figures(half):
    """Per setting (own model, misfired model): the share of ✓, ✗ and ?; and per setting, how
    often a page is "clear" and wrong, how much of it the review list holds, and how many of the
    wrongly-tasked pages it holds."""
    vocab = load_vocabulary()
    marks = {"own": collections.Counter(), "misfired": collections.Counter()}
    pages = {setting: collections.Counter() for setting in ("alone", "own", "misfired")}
    for question, model, accepted in devset.questions(half):
        other = devset.misfired(question, model)
        for setting, models in (("alone", ()), ("own", (model,)), ("misfired", (other,))):
            entries = tuple(Entry(m["name"], 1, summary=m["summary"]) for m in models)
            inference = infer_task(SourceBlock(question, 1, entries, ()), vocab)
            wrong = inference.task_id is not None and inference.task_id not in accepted
            listed = needs_review(inference) is not None
            pages[setting].update({"all": 1, "confidently wrong": inference.confidence == "clear" and wrong,
                                   "listed": listed, "wrong": wrong, "wrong and listed": wrong and listed})
            if models:
                fit = inference.model_fits[0].fits
                marks[setting].update({"all": 1, {True: "✓", False: "✗", None: "?"}[fit]: 1})
    share = {setting: {mark: found[mark] / found["all"] for mark in "✓✗?"} for setting, found in marks.items()}
    for setting, found in pages.items():
        print(f"{half} {setting:9} confidently wrong {found['confidently wrong'] / found['all']:.1%}, review list "
              f"{found['listed'] / found['all']:.1%} holding {found['wrong and listed']}/{found['wrong']} wrong pages"
              + (f"; ✓ {share[setting]['✓']:.1%} ✗ {share[setting]['✗']:.1%} ? {share[setting]['?']:.1%}"
                 if setting in share else ""))
    return share, pages


@pytest.fixture(scope="module")
def held_out():
    return _verdict_figures("held-out")


def test_a_right_recommendation_is_rarely_accused_and_misfires_are_still_caught(held_out):
    """The held-out half (never trained on, never used to choose the rule). Floors are this
    session's figures rounded: own ✗ 3.0 %, own ✓ 81.5 %, misfired ✗ 73.8 %, misfired ✓ 2.7 %
    (before issue 24: own ✗ 8 %, own ✓ 69 %, misfired ✓ 1 %). README, Task inference, gives them."""
    share, pages = held_out
    assert share["own"]["✗"] <= 0.031 and share["own"]["✓"] >= 0.81
    assert share["misfired"]["✗"] >= 0.73 and share["misfired"]["✓"] <= 0.03
    for setting, found in pages.items():
        assert found["confidently wrong"] / found["all"] <= 0.03, setting  # issue 24's target, met
    own = pages["own"]
    assert own["listed"] / own["all"] <= 0.35  # issue 24's target for the review list's size, met


@pytest.mark.xfail(strict=True, reason="issue 24's targets for the question alone are not all met: see README")
def test_verdicts_meet_the_targets_of_issue_24(held_out):
    share, pages = held_out
    own = pages["own"]
    assert share["own"]["✗"] <= 0.02 and share["own"]["✓"] >= 0.85 and share["misfired"]["✗"] >= 0.80
    assert own["wrong and listed"] / own["wrong"] >= 0.90


def test_the_seeds_still_flag_mssnet():
    vocab = load_vocabulary()
    for path in SEEDS[:3]:
        prompt = parse_prompt(path.read_text(encoding="utf-8"), str(path), "s")
        (fit,) = infer_task(prompt.source, vocab).model_fits
        assert fit.name == "Deblur-MSSNet-GoPro" and fit.fits is False


def test_a_model_the_question_allows_is_never_accused(vocab):
    """A likely task (the question leans to it) leaves another task's model at "?", with a reason."""
    question = parse_prompt(SEEDS[4].read_text(encoding="utf-8"), str(SEEDS[4]), "s").source.question
    inference = infer_task(SourceBlock(question, 1, (Entry("Txt2Video-AnimateDiff", 1),), ()), vocab)
    (fit,) = inference.model_fits
    assert inference.confidence != "clear" and fit.fits is None and fit.relation is Relation.POSSIBLE
    assert "nothing rules out" in fit.reason
    assert fit_verdict(inference).code is VerdictCode.UNKNOWN



#: Written for this test: a user quotes the text they typed, then describes what came back in
#: words of other tasks (style, depth, texture); and questions with no typed text.
TYPED = [
    'I wrote \u201can astronaut riding a horse, oil painting\u201d and got a painting in exactly that style in '
    'seconds. What makes it so fast?',
    'I typed "a cozy cabin in the snow at dusk" and the picture that came back had real depth and texture. How?',
    "My prompt was 'a fox in a misty forest, watercolor' and the brush strokes looked hand-made.",
]
NOT_TYPED = ["Turn this photo of my street into a Van Gogh painting, in exactly his style.",
             "I wrote a story about a fox and typed it into my blog; can it estimate the depth of my photo?"]


@pytest.mark.parametrize("question", TYPED)
def test_a_text_model_is_never_accused_when_the_user_quotes_the_text_they_typed(vocab, question):
    inference = infer_task(SourceBlock(question, 1, (Entry("Txt2Img-StableDiffusionV1-5", 1),), ()), vocab)
    (fit,) = inference.model_fits
    assert inference.qualifiers.input == ("typed text",)
    assert fit.fits is not False
    if inference.task_id and not vocab.tasks[inference.task_id].takes_text:
        assert inference.confidence is not Confidence.CLEAR  # its words describe what came back


@pytest.mark.parametrize("question", NOT_TYPED)
def test_without_a_typed_text_the_question_is_read_as_before(vocab, question):
    assert infer_task(SourceBlock(question, 1, (), ()), vocab).qualifiers.input == ()


def test_the_page_says_what_the_user_typed(tmp_path):
    result = _prompt_with_answers(tmp_path, TYPED[0], "Txt2Img-StableDiffusionV1-5", {})
    text = " ".join(BeautifulSoup(render_html(result.page.markdown), "html.parser").get_text(" ").split())
    assert "Input typed text" in text or "Input : typed text" in text or "Input: typed text" in text, text[:2000]


# --- The answers testify -------------------------------------------------------------------

def _statements(folder: Path):
    """(label, what the fixture's writer says it states, what the reader finds) of every answer."""
    vocab = load_vocabulary()
    labels = yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8"))
    sources, problems = read_sources([str(folder)])
    assert sources and not problems
    for source in sources:
        prompt = parse_prompt(source.text, source.path, source.slug)
        answers, unreadable = collect_answers(prompt, source.answers)
        assert not unreadable
        names = tuple(entry.name for entry in prompt.source.models)
        for answer in answers:
            key = f"{Path(source.path).stem}/{answer.label}"
            statement = task_statement(answer, names, vocab)
            yield key, labels[key], statement


@pytest.mark.parametrize("which, floor", [("dev", 36 / 36), ("dev2", 36 / 36), ("held-apart", 34 / 36)])
def test_each_answers_task_statement_is_found_in_every_chat_style(which, floor):
    """Fixtures written blind from the prompt's instructions, by two writers apart, 36 answers each
    in six chat styles (headings, bold numbered items, emoji headings, citation markers, indented,
    prose). The reader was developed on "dev"; "held-apart" only measures. Issue 24 asks 95 %."""
    found = list(_statements(TESTIMONY / which))
    right = [key for key, label, statement in found if (statement and statement.task_id) == label["stated_task"]]
    print(f"{which}: {len(right)}/{len(found)} statements read as their writer meant")
    assert len(found) == 36 and len(right) / len(found) >= floor
    silent = [statement for _, label, statement in found if label["stated_task"] is None]
    assert len(silent) >= 4 and not any(silent), "an answer that states no task yields none"
    styles = {label["style"] for _, label, _ in found}
    assert styles == {"headings", "bold-numbered", "emoji", "cite-markers", "indented", "prose"}


def test_a_statement_that_only_names_a_misfired_model_is_no_evidence(vocab):
    from generator.records import Answer
    answer = Answer("a", "a.md", 1, "## 1. The task\nThe task here is **Deblur-MSSNet-GoPro**.\n\n## 2. Workflow\n")
    assert task_statement(answer, ("Deblur-MSSNet-GoPro",), vocab) is None
    stressed = Answer("b", "b.md", 1, "**1. Task:** The user is performing **image super-resolution** [cite: 3].")
    statement = task_statement(stressed, ("Deblur-MSSNet-GoPro",), vocab)
    assert (statement.task_id, statement.phrase) == ("super_resolution", "image super-resolution")


def _prompt_with_answers(tmp_path, question, model, answers, meta=None):
    (tmp_path / "p.txt").write_text(make_prompt(question, f"Model: {model}\nPaper: https://arxiv.org/abs/1\n"))
    folder = tmp_path / "p.answers"
    folder.mkdir(exist_ok=True)
    for label, text in answers.items():
        (folder / f"{label}.md").write_text(text)
    if meta is not None:
        (tmp_path / "p.meta.yaml").write_text(meta)
    (result,) = generate_site([str(tmp_path)], check_html=False).results
    return result


VAGUE = "I typed a few words about a castle and it came back looking amazing. How does it do that?"


def test_answers_that_agree_decide_a_task_the_question_leaves_unclear(tmp_path, vocab):
    alone = infer_task(SourceBlock(VAGUE, 1, (Entry("Txt2Img-StableDiffusionV1-5", 1),), ()), vocab)
    answers = {"gpt-4o": "## 1. Task\nThe user is performing **text-to-image generation**.\n",
               "claude": "🎯 **Task**\nThe user wants to turn a text prompt into an image: **text-to-image generation**.\n",
               "gemini": "**1. Task:** [cite_start]Depth estimation of the castle[cite: 2].\n"}
    result = _prompt_with_answers(tmp_path, VAGUE, "Txt2Img-StableDiffusionV1-5", answers)
    inference = result.inference
    assert {s.answer: s.task_id for s in inference.statements} == {
        "gpt-4o": "txt2img", "claude": "txt2img", "gemini": "depth_estimation"}
    assert inference.answers_task_id == "txt2img" and inference.task_id == "txt2img"
    assert inference.model_fits[0].fits is True
    text = BeautifulSoup(render_html(result.page.markdown), "html.parser").get_text(" ")
    assert "What the answers say the task is" in text and "Text-to-image generation" in text
    assert "(not the page's task)" in text  # gemini's depth estimation
    if alone.confidence == "clear":
        assert inference.basis == "question"
    else:
        assert inference.basis in ("question", "answers", "models")


def test_a_clear_question_keeps_its_task_and_the_page_says_the_answers_disagree(tmp_path):
    question = "Please enlarge this photo 4x so the small text is readable."
    answers = {label: "## 1. Task\nThe user is performing **image deblurring**.\n" for label in ("a", "b")}
    result = _prompt_with_answers(tmp_path, question, "SISR-CARN-4x", answers)
    assert result.inference.task_id == "super_resolution" and result.inference.answers_disagree
    assert needs_review(result.inference) is Urgency.ANSWERS_DISAGREE
    text = BeautifulSoup(render_html(result.page.markdown), "html.parser").get_text(" ")
    assert "The answers disagree" in text and "2 of 2 answers say the user wants deblurring" in text


# --- Maintainers confirm -------------------------------------------------------------------

def test_a_confirmed_task_wins_and_the_page_export_and_indexes_say_so(tmp_path):
    result = _prompt_with_answers(tmp_path, VAGUE, "Deblur-MSSNet-GoPro", {},
                                  meta="task: txt2img\nnote: the user typed a text prompt\n")
    inference = result.inference
    assert (inference.task_id, inference.confidence, inference.basis) == ("txt2img", "confirmed", "maintainers")
    assert inference.model_fits[0].fits is False and not result.problems
    text = BeautifulSoup(render_html(result.page.markdown), "html.parser").get_text(" ")
    assert "confirmed by the maintainers" in text and "the user typed a text prompt" in text
    if inference.inferred_task_id != "txt2img":
        assert "From the question and the models alone" in text
    exported = json.loads(subprocess.run([sys.executable, "-m", "generator", "export", str(tmp_path)],
                                         capture_output=True, text=True, check=True).stdout)
    assert exported[0]["task"]["confidence"] == "confirmed" and exported[0]["task"]["id"] == "txt2img"
    pages = {page.path: page.markdown for page in generate_site([str(tmp_path)], check_html=False).pages}
    task_page = next(markdown for path, markdown in pages.items() if "txt2img" in path)
    assert "prompts/p.md" in task_page
    assert needs_review(inference) is None


@pytest.mark.parametrize("meta, line, message", [
    ("task: txt2im\n", 1, "names an unknown task 'txt2im'; did you mean 'txt2img'?"),
    ("task: txt2img\ncolour: red\n", 2, "has an unknown key 'colour'"),
    ("task: [txt2img\n", 2, "is not valid YAML"),
    ("- txt2img\n", 1, "must hold `task: ID`"),
    ("note: hello\n", 1, "has no `task:`"),
])
def test_a_bad_sidecar_is_a_problem_and_the_page_is_built_from_inference(tmp_path, meta, line, message):
    result = _prompt_with_answers(tmp_path, VAGUE, "Txt2Img-StableDiffusionV1-5", {}, meta=meta)
    assert result.inference.confidence != "confirmed"
    problem = result.problems[0]
    assert problem.path.endswith("p.meta.yaml") and problem.line == line and message in problem.message


def test_a_sidecar_without_its_prompt_is_reported(tmp_path):
    (tmp_path / "lonely.meta.yaml").write_text("task: txt2img\n")
    (tmp_path / "p.txt").write_text(make_prompt(VAGUE, "Model: X\n"))
    site = generate_site([str(tmp_path)], check_html=False)
    assert any("lonely.meta.yaml" in p.path and "sidecar" in p.message for p in site.problems)


# --- The review list -----------------------------------------------------------------------

def test_the_review_command_lists_the_pages_to_look_at_most_urgent_first(tmp_path):
    shutil.copytree(SOURCES, tmp_path / "sources")
    disagree = tmp_path / "sources" / "zz.txt"
    disagree.write_text(make_prompt("Please enlarge this photo 4x so the small text is readable.",
                                    "Model: SISR-CARN-4x\n"))
    folder = tmp_path / "sources" / "zz.answers"
    folder.mkdir()
    for label in ("a", "b"):
        (folder / f"{label}.md").write_text("## 1. Task\nThe user is performing **image deblurring**.\n")
    run = subprocess.run([sys.executable, "-m", "generator", "review", str(tmp_path / "sources")],
                         capture_output=True, text=True, cwd=tmp_path)
    lines = run.stdout.splitlines()
    assert run.returncode == 0 and lines, run.stderr
    assert lines[0] == "sources/zz.txt: Super-resolution (clear): the answers say deblurring"
    assert all(": " in line and "(" in line for line in lines)
    assert f"{len(lines)} of 6 prompts to review" in run.stderr


# --- One story per page and per site -------------------------------------------------------

_CARD = {"✓": True, "✗": False, "?": None}


def _story_holds(result):
    """The card's mark, the fit table's, the verdict and the counts say the same of each model."""
    inference = result.inference
    soup = BeautifulSoup(render_html(result.page.markdown), "html.parser")
    card = soup.select_one(".admonition.summary")
    items = [li.get_text(" ", strip=True) for li in card.select("li")]
    assert len(items) == len(inference.model_fits)
    for item, fit in zip(items, inference.model_fits):
        assert _CARD[item[0]] is fit.fits, (result.source.path, item, fit)
    table = next((t for t in soup.select("table") if "Fits the task?" in t.get_text()), None)
    rows = [row.select("td")[2].get_text(" ", strip=True) for row in table.select("tbody tr")] if table else []
    for row, fit in zip(rows, inference.model_fits):
        assert _CARD[row[0]] is fit.fits, (result.source.path, row, fit)
    counts = FitCounts.of(inference)
    code = fit_verdict(inference).code
    if code is VerdictCode.DOES_NOT_FIT:
        assert counts.not_doing == counts.total and not counts.unknown
    if counts.unknown and not counts.doing:
        assert code in (VerdictCode.UNKNOWN, VerdictCode.UNCLEAR_TASK)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from benchmarks.synth import write_corpus
    folder = tmp_path_factory.mktemp("synthetic")
    write_corpus(folder, 300)
    return folder


@pytest.mark.parametrize("folder", [SOURCES, TESTIMONY / "dev", TESTIMONY / "held-apart", DATA / "answers",
                                    DATA / "hostile", "synthetic"])
def test_one_story_per_page(folder, request):
    folder = request.getfixturevalue("synthetic") if folder == "synthetic" else folder
    site = generate_site([str(folder)], check_html=False)
    readable = prompt_pages(site.results)
    assert readable
    for result in readable:
        _story_holds(result)
    pages = {page.path: page.markdown for page in site.pages}
    home = pages["index.md"]
    assert "No recommended model does it |" not in home  # "?" is never counted as ✗
    # A task page's ✗ count is its prompts whose every model is ✗, never those with a "?".
    by_task = collections.defaultdict(collections.Counter)
    for result in readable:
        if result.inference.task_id:
            by_task[result.inference.task_id][fit_verdict(result.inference).code] += 1
    for task_id, codes in by_task.items():
        page = pages[f"tasks/{task_id}.md"]
        if codes[VerdictCode.DOES_NOT_FIT]:
            assert f"In {codes[VerdictCode.DOES_NOT_FIT]} of its" in page, task_id
        else:
            assert "no recommended model does the task: they come first" not in page, task_id


def test_the_job_summary_lists_the_changed_prompts_that_need_review(tmp_path):
    from site_helpers import git, seeds_on_a_branch
    sources = seeds_on_a_branch(tmp_path, 2, "change")
    (sources / "zz.txt").write_text(make_prompt("Please enlarge this photo 4x so the small text is readable.",
                                                "Model: SISR-CARN-4x\n"))
    (sources / "zz.answers").mkdir()
    for label in ("a", "b"):
        (sources / "zz.answers" / f"{label}.md").write_text("## 1. Task\nThe user is performing **image deblurring**.\n")
    (sources / "vague.txt").write_text(make_prompt(VAGUE, "Model: Txt2Img-StableDiffusionV1-5\n"))
    (sources / "vague.meta.yaml").write_text("task: txt2img\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "change")
    summary = tmp_path / "summary.md"
    env = {key: value for key, value in __import__("os").environ.items() if not key.startswith("GITHUB_")}
    run = subprocess.run([sys.executable, "-m", "generator", "check", "sources", "--base", "main"], cwd=tmp_path,
                         capture_output=True, text=True,
                         env={**env, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    text = summary.read_text(encoding="utf-8")
    section = text.partition("### Changed prompts a maintainer should review")[2]
    assert "- `sources/zz.txt`: Super-resolution (clear): the answers say deblurring" in section
    assert "vague.txt" not in section  # confirmed by its sidecar
    assert "000_" not in section  # unchanged


@pytest.mark.parametrize("which, right, accused", [("dev", 12, 0), ("dev2", 11, 0), ("held-apart", 11, 2)])
def test_the_fixture_collections_pages_have_the_writers_tasks_and_marks(which, right, accused):
    """Each fixture prompt's writer says what its user wants and which recommended models are
    misfires. A misfire is never ✓; the figures are this session's ("held-apart" only measures:
    its two accused models are a tagging model for a captioning question and a restoration model
    for a colorization one, which its writer kept as helpers)."""
    folder = TESTIMONY / which
    truth = yaml.safe_load((folder / "prompts.yaml").read_text(encoding="utf-8"))
    site = generate_site([str(folder)], check_html=False)
    found_right, found_accused = 0, []
    for result in site.results:
        wanted = truth[Path(result.source.path).stem]
        found_right += result.inference.task_id == wanted["task"]
        for entry, fit in zip(result.prompt.source.models, result.inference.model_fits):
            misfire = entry.name in wanted["misfires"]
            assert not (misfire and fit.fits is True), (result.source.path, entry.name)
            if not misfire and fit.fits is False:
                found_accused.append(entry.name)
    print(f"{which}: {found_right}/{len(site.results)} tasks right, right models accused: {found_accused}")
    assert found_right >= right and len(found_accused) <= accused
