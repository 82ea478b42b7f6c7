"""The parser reads the seeds and every variant real prompt producers emit, and names the
line of anything it cannot read."""

import pytest

from generator.steps.parse import parse_prompt
from generator.records import PromptError

from conftest import SEEDS, make_prompt


def parse(text, path="p.txt"):
    return parse_prompt(text, path, "p")


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_every_seed_parses_with_its_models_papers_and_links(seed):
    prompt = parse(seed.read_text(encoding="utf-8"), str(seed))
    block = prompt.source
    assert block.question and not block.question.startswith('"')
    assert block.question_line == 4
    assert len(block.models) == 1 and len(block.papers) == 3
    for entry in (*block.models, *block.papers):
        assert entry.paper and entry.paper.startswith("http")
        assert set(entry.links) <= block.links
    assert prompt.answer == ""


def test_seed_000_reads_exactly():
    prompt = parse(SEEDS[0].read_text(encoding="utf-8"))
    model = prompt.source.models[0]
    assert model.name == "Deblur-MSSNet-GoPro"
    assert model.paper == "https://cg.postech.ac.kr/Research/MSSNet/MSSNet.pdf"
    assert model.github == "https://github.com/kky7/MSSNet"
    assert model.line == 15
    assert prompt.source.papers[0].name == "Speeding Up Image Classifiers with Little Companions"
    assert "$14\\times$" in prompt.source.papers[0].summary
    assert prompt.source.question.startswith("Even without a strong processor")


def test_urls_inside_summaries_join_the_source_links():
    prompt = parse(SEEDS[3].read_text(encoding="utf-8"))
    # "Our code is available at https://github.com/VGCQ/EASIER." — the full stop is prose.
    assert "https://github.com/VGCQ/EASIER" in prompt.source.links
    assert "https://github.com/vgcq/easier" in prompt.source.links


@pytest.mark.parametrize("empty", ["N/A", "None", "", "n/a", "null", "-"])
def test_empty_values_read_as_missing(empty):
    text = make_prompt("Upscale this 2x", f"Model: SISR-CARN-2x\nPaper: {empty}\nGitHub: {empty}\n")
    model = parse(text).source.models[0]
    assert model.paper is None and model.github is None and model.links == ()


def test_missing_github_line_and_github_spelling():
    text = make_prompt(
        "Upscale this 2x",
        "Model: A\nPaper: https://arxiv.org/pdf/1\n\nModel: B\nPaper: https://arxiv.org/pdf/2\nGithub: https://github.com/o/b\n",
    )
    a, b = parse(text).source.models
    assert a.github is None and b.github == "https://github.com/o/b"


def test_title_instead_of_model():
    text = make_prompt("Upscale this 2x", "Model: A\n", "Title: Some Paper\nPaper: http://arxiv.org/pdf/1.pdf\nSummary: S.\n")
    assert parse(text).source.papers[0].name == "Some Paper"


def test_markdown_bullets_with_indented_fields():
    models = """
- **SISR-CARN-3x**
  - Paper: https://arxiv.org/pdf/1803.08664
  - GitHub: https://github.com/nmhkahn/CARN-pytorch
- **Deblur-MSSNet-GoPro**
    Paper: https://cg.postech.ac.kr/Research/MSSNet/MSSNet.pdf
"""
    carn, mss = parse(make_prompt("Upscale 3x", models)).source.models
    assert carn.name == "SISR-CARN-3x" and carn.github == "https://github.com/nmhkahn/CARN-pytorch"
    assert mss.name == "Deblur-MSSNet-GoPro" and mss.paper.endswith("MSSNet.pdf")


def test_summary_with_latex_quotes_unicode_and_urls_over_several_lines():
    papers = (
        'Model: AdaCM$^2$: “Long” video\nPaper: http://arxiv.org/pdf/2411.12593v1.pdf\n'
        'Summary: A $14\\times$ speed-up — see https://example.org/a_(b).\n'
        'Second line with "quotes" and ünïcödé.\n'
    )
    paper = parse(make_prompt("q 2x", "Model: A\n", papers)).source.papers[0]
    assert paper.name == "AdaCM$^2$: “Long” video"
    assert paper.summary.endswith('Second line with "quotes" and ünïcödé.')
    assert "https://example.org/a_(b)" in paper.links


def test_crlf_and_bom():
    text = "\ufeff" + SEEDS[0].read_text(encoding="utf-8").replace("\n", "\r\n")
    prompt = parse(text)
    assert prompt.source.models[0].github == "https://github.com/kky7/MSSNet"
    assert not any("\r" in e.summary for e in prompt.source.papers)


def test_text_after_answer_is_the_answer_and_not_in_the_source_block():
    text = make_prompt("q 2x", "Model: A\n", answer="It is super-resolution; see https://other.example/x")
    prompt = parse(text)
    assert prompt.answer.startswith("It is super-resolution")
    assert "https://other.example/x" not in prompt.source.links


def test_question_line_variant():
    text = "Question: How do I upscale 2x?\n\n### Recommended AI Models:\nModel: A\n"
    assert parse(text).source.question == "How do I upscale 2x?"


def test_related_papers_may_say_none():
    text = make_prompt("q 2x", "Model: A\n", "None\n")
    assert parse(text).source.papers == ()


def errors(text, path="bad.txt"):
    with pytest.raises(PromptError) as caught:
        parse(text, path)
    return [str(p) for p in caught.value.problems]


def test_empty_file_names_what_was_expected():
    assert errors("") == ["bad.txt:1: the file is empty; expected a prompt with a question and recommended models"]
    (message,) = errors("Just some notes,\nnot a prompt.\n")
    assert message.startswith("bad.txt:1: expected the line 'A user has asked the following question:'")


def test_no_models_section():
    text = make_prompt("q", "Model: A\n").replace("### Recommended AI Models:", "### Something else:")
    (message,) = errors(text)
    assert "expected a '### Recommended AI Models:' section" in message
    assert message.startswith("bad.txt:")


def test_model_line_without_a_name_names_its_line():
    text = make_prompt("q", "Model:\nPaper: https://x.org/p\n")
    (message,) = errors(text)
    line = text.split("\n").index("Model:") + 1
    assert message == f"bad.txt:{line}: expected a model name after 'Model:'"


def test_stray_text_before_the_first_entry():
    text = make_prompt("q", "Here are some models I like\nModel: A\n")
    (message,) = errors(text)
    assert "expected an entry starting with 'Model: NAME'" in message


def test_empty_question():
    text = make_prompt("", "Model: A\n")
    (message,) = errors(text)
    assert message == "bad.txt:4: expected the user's question in double quotes, found an empty question"


def test_every_problem_of_a_file_is_reported():
    text = make_prompt("", "Model:\n")
    assert len(errors(text)) == 2
