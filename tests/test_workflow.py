"""The CNAPS workflow: its structure for each kind of recommendation, and Mermaid escaping."""

import re

from generator.markup.escape import mermaid_text
from generator.steps.infer import infer_task
from generator.steps.parse import parse_prompt
from generator.vocabulary import load_vocabulary
from generator.steps.workflow import (
    Edge, Node, Workflow, find_techniques, load_techniques, plan_workflow, render_workflow,
)

from conftest import SEEDS, make_prompt


def plan(text):
    prompt = parse_prompt(text, "p.txt", "p")
    vocab, techniques = load_vocabulary(), load_techniques()
    inference = infer_task(prompt.source, vocab)
    found = find_techniques(prompt.source.papers, techniques)
    return plan_workflow(prompt, inference, found, vocab, techniques), found


def structure(workflow):
    return {(e.source, e.target, e.dotted) for e in workflow.edges}


def test_two_models_doing_the_task_run_in_parallel_and_merge():
    workflow, _ = plan(make_prompt("Upscale my photo 4x", "Model: SISR-CARN-4x\n\nModel: SISR-HAN-4x\n"))
    assert {("in", "m1", False), ("in", "m2", False), ("m1", "merge", False), ("m2", "merge", False),
            ("merge", "out", False)} <= structure(workflow)


def test_a_clean_up_model_chains_before_the_model_that_does_the_task():
    workflow, _ = plan(make_prompt("Upscale my photo 4x", "Model: Deblur-MSSNet-GoPro\n\nModel: SISR-CARN-4x\n"))
    assert {("in", "m1", False), ("m1", "m2", False), ("m2", "out", False)} <= structure(workflow)


def test_seed_000_shows_the_missing_upscaler_and_the_papers_techniques():
    workflow, techniques = plan(SEEDS[0].read_text(encoding="utf-8"))
    kinds = {node.id: node.kind for node in workflow.nodes}
    assert kinds["m1"] == "mismatch" and kinds["gap"] == "gap"
    assert ("gap", "out", True) in structure(workflow)
    ids = [t.id for t in techniques]
    assert "little_big_cascade" in ids and "distillation" in ids and "test_time_zoom" in ids
    for technique in techniques:
        assert technique.sentence in " ".join(
            p.summary for p in parse_prompt(SEEDS[0].read_text(encoding="utf-8"), "p", "p").source.papers
        )
    side = [node for node in workflow.nodes if node.kind == "technique"]
    assert len(side) == 3  # one per paper
    assert side[1].label[1].startswith("Knowledge distillation, network augmentation")


def test_an_unrelated_model_stays_aside():
    workflow, _ = plan(make_prompt("Upscale my photo 4x", "Model: SISR-CARN-4x\n\nModel: Txt2Img-StableDiffusionV1-5\n"))
    assert ("in", "m2", True) in structure(workflow)
    assert not any(e.source == "m2" for e in workflow.edges)


def test_the_output_carries_the_scale_factor():
    workflow, _ = plan(SEEDS[0].read_text(encoding="utf-8"))
    out = next(node for node in workflow.nodes if node.id == "out")
    assert "3×" in " ".join(out.label)


HOSTILE = [
    'A"] --> evil["x',
    "x\n%%{init: {'securityLevel': 'loose'}}%%",
    'click m1 call alert(1)',
    "<img src=x onerror=alert(1)>",
    "end\nsubgraph X",
    "a|b|c ; d # e & f ` g",
    "```\n# heading",
]


def test_mermaid_labels_cannot_change_the_graph():
    for text in HOSTILE:
        escaped = mermaid_text(text)
        assert re.fullmatch(r"[A-Za-z0-9 .,:()\-/?!'+#;]*", escaped), escaped
        assert '"' not in escaped and "\n" not in escaped and "%%" not in escaped and "<" not in escaped
        workflow = Workflow((Node("a", (text,), "model"), Node("b", ("b",), "output")), (Edge("a", "b", text),), ())
        lines = render_workflow(workflow).split("\n")
        assert lines[1].startswith('    a["') and lines[1].endswith('"]:::model')
        assert lines[3].startswith("    a -->|") and lines[3].endswith("| b")
        assert not any(line.lstrip().startswith(("click", "%%", "subgraph", "end")) for line in lines)


def test_a_related_paper_that_does_the_task_is_offered_for_the_missing_step():
    """No recommended model upscales; a related paper does, with code: the missing step names it
    as a paper, leads to its References entry, and the page links its code from the source block."""
    from generator.site import generate_site

    text = make_prompt(
        "Please enlarge this photo 4x so the small text is readable.", "Model: Deblur-MSSNet-GoPro\n",
        "Model: Other paper\nPaper: https://arxiv.org/abs/1\nSummary: We study attention.\n\n"
        "Model: FastSR: Efficient Image Super-Resolution on Phones\nPaper: https://arxiv.org/abs/2\n"
        "GitHub: https://github.com/x/fastsr\nSummary: A lightweight super-resolution network for upscaling on mobile.\n")
    workflow, _ = plan(text)
    gap = next(node for node in workflow.nodes if node.id == "gap")
    assert gap.label == ("Missing step", "FastSR: a related paper, not a recommended model") and gap.target == "paper-2"
    assert workflow.stand_in.name.startswith("FastSR")
    alone, _ = plan(make_prompt("Please enlarge this photo 4x so the small text is readable.", "Model: Deblur-MSSNet-GoPro\n"))
    assert alone.stand_in is None and "no recommended model does super-resolution" in \
        next(node for node in alone.nodes if node.id == "gap").label[1]


def test_a_technique_is_glossed_only_when_its_sentence_says_so():
    from generator.records import Entry
    from generator.steps.workflow import find_techniques, load_techniques

    (architecture,) = find_techniques((Entry("P", 1, summary="We propose a multi-scale encoder with attention."),),
                                      load_techniques())
    assert (architecture.label, architecture.effect) == ("Multi-scale", "")
    (training,) = find_techniques((Entry("P", 1, summary="We train at multi-scale resolutions, a variable batch size."),),
                                  load_techniques())
    assert training.label == "Multi-scale training" and training.effect
