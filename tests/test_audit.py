"""Issue 25, items 4 and 5: every answer audited (task, workflow, models used, outside names,
builds on ✗, links), shown in one row on its page and carried by the export; the Report page's
figures equal counts over the export."""

from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from generator.steps.audit import outside_names
from generator.steps.compose import audit_row
from generator.steps.parse import parse_prompt
from generator.records import AnswerAudit, TaskCheck, WorkflowSign
from generator.markup.html import render_html
from generator.collection.reportcards import MEASURES
from generator.site import generate_site
from generator.steps.testimony import answer_lines

from conftest import DATA, ROOT, SEEDS

TESTIMONY = DATA / "testimony"
FIELDS = ("workflow", "models_used", "outside_names", "misplaced", "builds_on_misfire")


def _squashed(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", name.casefold())


def _same_names(found, labelled) -> bool:
    """Every labelled name found and every name found labelled, one holding the other (a name and
    its paper's title, "SadTalker" and "SadTalker: Learning …", are one mention)."""
    def meets(a, b):
        return _squashed(a) in _squashed(b) or _squashed(b) in _squashed(a)
    return all(any(meets(x, y) for y in found) for x in labelled) and all(any(meets(x, y) for x in labelled) for y in found)


def _audit_figures(which: str) -> dict[str, int]:
    """For each field, how many of the fixture's answers the audit reads as their writer labelled them."""
    folder = TESTIMONY / which
    labels = yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8"))
    site = generate_site([str(folder)], check_html=False)
    right = collections.Counter()
    seen = 0
    for result in site.results:
        for reviewed in result.answers:
            label = labels[f"{Path(result.source.path).stem}/{reviewed.answer.label}"]
            audit = reviewed.audit
            seen += 1
            right.update({
                "workflow": audit.gives_workflow == label["workflow"],
                "models_used": set(audit.models_used) == set(label["models_used"]),
                "outside_names": _same_names(audit.outside_names, label["outside_names"]),
                "misplaced": audit.misplaced == bool(label["misplaced"]),
                "builds_on_misfire": bool(audit.builds_on_unfit) == label["builds_on_misfire"],
            })
    assert seen == 36
    print(which, {field: f"{right[field]}/{seen}" for field in FIELDS})
    return right


#: The figures reached (out of 36 answers each): the audit was written on "dev"; "held-apart" only
#: measures. README, "Report", gives them.
FLOORS = {
    "dev": {"workflow": 36, "models_used": 34, "outside_names": 36, "misplaced": 36, "builds_on_misfire": 35},
    "dev2": {"workflow": 36, "models_used": 33, "outside_names": 26, "misplaced": 36, "builds_on_misfire": 34},
    "held-apart": {"workflow": 32, "models_used": 24, "outside_names": 31, "misplaced": 35, "builds_on_misfire": 29},
}


@pytest.mark.parametrize("which", ["dev", "dev2", "held-apart"])
def test_each_audit_field_reads_the_answers_of_every_chat_style_as_labelled(which):
    """36 answers each, written blind in six chat styles, labelled by their writers."""
    right = _audit_figures(which)
    for field, floor in FLOORS[which].items():
        assert right[field] >= floor, (which, field, right[field])


def test_the_task_field_reuses_the_answers_statement_and_compares_it_with_the_pages_task():
    site = generate_site([str(TESTIMONY / "dev")], check_html=False)
    checks = collections.Counter()
    for result in site.results:
        statements = {s.answer: s for s in result.inference.statements}
        for reviewed in result.answers:
            audit = reviewed.audit
            checks[audit.task] += 1
            if reviewed.misplaced:
                assert audit.task is TaskCheck.OTHER_QUESTION and audit.statement is None
            elif reviewed.answer.title in statements:
                assert audit.statement is statements[reviewed.answer.title]
                expected = TaskCheck.AGREES if audit.statement.task_id == result.inference.task_id else TaskCheck.DIFFERS
                assert audit.task is expected
            else:
                assert audit.task is TaskCheck.NOT_STATED
    assert checks[TaskCheck.AGREES] >= 20 and checks[TaskCheck.DIFFERS] >= 1 and checks[TaskCheck.OTHER_QUESTION] == 3


def test_model_shaped_names_outside_the_source_block_are_found_and_provided_ones_are_not():
    prompt = parse_prompt(SEEDS[0].read_text(encoding="utf-8"), str(SEEDS[0]), "s")
    text = ("Use **MSSNet** (Deblur-MSSNet-GoPro), then Real-ESRGAN and a CycleGAN, or ResNet50 features; "
            "Stable Diffusion XL could restyle it. See *Deep Residual Learning for Image Recognition*.\n"
            "- **Deep Residual Learning For Image Recognition**: the paper.\n"
            "Run it on a GPU with PyTorch, export JSON, in a CNAPS workflow, as in CVPR 2023, Step 2.")
    found = outside_names(answer_lines(text), prompt.source)
    assert found == ("Real-ESRGAN", "CycleGAN", "ResNet50", "Stable Diffusion XL",
                     "Deep Residual Learning For Image Recognition")


def test_the_audit_row_is_one_escaped_line_with_every_field():
    audit = AnswerAudit(task=TaskCheck.NOT_STATED, statement=None, workflow=WorkflowSign.CHAIN, workflow_line=7,
                        models_used=("Deblur-MSSNet-GoPro",), models_recommended=2,
                        outside_names=("<script>alert(1)</script>", "Evil[x](javascript:alert(1))"),
                        builds_on_unfit=("Deblur-MSSNet-GoPro",), citations=4, unsupported=1, misplaced=False)
    row = audit_row(audit)
    assert "<script" not in row and "](" not in row
    soup = BeautifulSoup(render_html(row), "html.parser")
    assert not soup.find_all(["script", "a"])
    text = soup.get_text()
    assert text == ("Task ? not stated · Workflow ✓ (a chain of arrows, line 7) · Models: 1 of 2 used "
                    "(Deblur-MSSNet-GoPro), 2 not provided (<script>alert(1)</script>, Evil[x](javascript:alert(1))) "
                    "· builds on ✗ Deblur-MSSNet-GoPro · Links: 4, 1 not in the sources")


# --- The Report page against the export ------------------------------------------------------

@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """The export and the built Markdown of a collection: both fixture sets and the seeds."""
    base = tmp_path_factory.mktemp("report")
    sources = [str(TESTIMONY / "dev"), str(TESTIMONY / "held-apart"), str(ROOT / "sources")]
    exported = subprocess.run([sys.executable, "-m", "generator", "export", *sources], capture_output=True,
                              text=True, cwd=ROOT)
    records = json.loads(exported.stdout)
    built = subprocess.run([sys.executable, "-m", "generator", "build", "--out", str(base / "out"), *sources],
                           capture_output=True, text=True, cwd=ROOT)
    assert built.returncode == 0, built.stderr[-2000:]
    return records, (base / "out" / "report" / "index.md").read_text(encoding="utf-8")


def _table(markdown: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header starts with ``header``, as cell texts."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", cell).strip() for cell in line.strip("|").split(" | ")])
    return rows


def test_the_retrievers_figures_equal_counts_over_the_export(collection):
    records, report = collection
    by_task = collections.defaultdict(collections.Counter)
    labels = {}
    for record in records:
        labels[record["task"]["id"]] = record["task"]["label"]
        for model in record["models"]:
            by_task[record["task"]["id"]][model["fits_task"]] += 1
    rows = {row[0]: [int(cell.replace(",", "")) for cell in row[1:]] for row in _table(report, "| Task asked |")}
    overall = sum(by_task.values(), collections.Counter())
    assert rows.pop("All tasks") == [sum(overall.values()), overall[True], overall[False], overall[None]]
    assert rows == {labels[task]: [sum(found.values()), found[True], found[False], found[None]]
                    for task, found in by_task.items()}
    assert overall[True] and overall[False] and overall[None]

    unfit = collections.Counter()
    for record in records:
        unfit.update({model["name"] for model in record["models"] if model["fits_task"] is False})
    misfired = _table(report, "| Model | Prompts where it is ✗")
    assert misfired and all(unfit[next(n for n in unfit if n.split(":")[0].strip() == row[0])] == int(row[1])
                            for row in misfired)
    assert [int(row[1]) for row in misfired] == sorted(unfit.values(), reverse=True)[:len(misfired)]


def test_the_answering_models_figures_equal_counts_over_the_export(collection):
    records, report = collection
    holds = {
        "states-task": lambda a: a["audit"]["task"] == "agrees",
        "workflow": lambda a: a["audit"]["gives_workflow"],
        "only-provided": lambda a: not a["audit"]["outside_names"],
        "outside-links": lambda a: bool(a["unsupported_links"]),
        "misplaced": lambda a: a["misplaced"] is not None,
    }
    assert [m.key for m in MEASURES] == list(holds)
    counts = collections.defaultdict(collections.Counter)
    for record in records:
        for answer in record["answers"]:
            counts[answer["title"]]["answers"] += 1
            counts[answer["title"]].update(key for key, test in holds.items() if test(answer))
    rows = _table(report, "| Model | Answers |")
    assert {row[0] for row in rows} == set(counts) and len(rows) >= 3
    for row in rows:
        found = counts[row[0]]
        assert int(row[1]) == found["answers"]
        for cell, key in zip(row[2:], holds):
            assert cell.startswith(f"{found[key]} of {found['answers']} ("), (row[0], key, cell)
    # Each figure links to the list of its prompts, on the page.
    gpt = next(line for line in report.splitlines() if line.startswith("| gpt-4o |"))
    anchor = re.search(r"\(#(answers-gpt-4o-workflow)\)", gpt).group(1)
    listed = next(block for block in report.split("\n\n") if f"{{ #{anchor} " in block)
    slugs = set(re.findall(r"\]\(\.\./prompts/([^)]+)\.md\)", listed))
    expected = {r["slug"] for r in records for a in r["answers"] if a["title"] == "gpt-4o" and holds["workflow"](a)}
    assert slugs == expected and slugs


def test_the_report_carries_no_external_link_and_no_markup_from_the_sources(collection):
    _, report = collection
    assert "http://" not in report and "https://" not in report
    soup = BeautifulSoup(render_html(report), "html.parser")
    assert not soup.find_all(["script", "iframe", "img", "foreignobject"])
    for svg in soup.find_all("svg"):
        assert svg["role"] == "img" and svg.find("title").get_text() and svg.find("desc").get_text()
