"""Task inference on the seeds, on the vocabulary itself and on the catalog's real questions."""

import hashlib
import json

import pytest
import yaml

from generator.infer import find_scales, infer_task
from generator.parse import parse_prompt
from generator.records import Entry, SourceBlock
from generator.vocabulary import load_vocabulary

from conftest import DATA, SEEDS

REQUIRED_EXTRA_IDS = [
    "text_retrieval", "recommendation", "txt2video", "img2video", "depth_estimation", "3d_generation",
    "3d_reconstruction", "object_tracking", "zero_shot_classification", "image_captioning", "vqa",
    "video_understanding", "image_editing", "ner", "image_matching",
]


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


def seed(index):
    return parse_prompt(SEEDS[index].read_text(encoding="utf-8"), str(SEEDS[index]), "s")


def test_vocabulary_has_the_platform_ids_exactly_and_the_required_extras(vocab):
    platform = [task["task_id"] for task in json.loads((DATA / "cnaps_tasks.json").read_text())]
    assert list(vocab.tasks)[: len(platform)] == platform
    for task_id in REQUIRED_EXTRA_IDS:
        assert task_id in vocab.tasks
    for task in vocab.tasks.values():
        assert task.label and task.description and task.input and task.output and (task.cues or task.aliases)


def test_every_task_is_inferred_from_its_own_description(vocab):
    """Each vocabulary entry is reachable: a question made of its first alias finds it."""
    for task in vocab.tasks.values():
        phrase = task.aliases[0] if task.aliases else task.cues[0]
        inference = infer_task(SourceBlock(f"How does {phrase} work?", 1, (), ()), vocab)
        assert inference.task_id == task.id, (task.id, phrase, inference.candidates)


@pytest.mark.parametrize("index, scale", [(0, "3×"), (1, "2×"), (2, "4×"), (3, None)])
def test_seeds_000_to_003_are_super_resolution(vocab, index, scale):
    inference = infer_task(seed(index).source, vocab)
    assert inference.task_id == "super_resolution"
    assert inference.evidence and all(e.task_id == "super_resolution" for e in inference.evidence)
    assert list(inference.qualifiers.scale) == ([scale] if scale else [])


def test_seed_qualifiers(vocab):
    q0 = infer_task(seed(0).source, vocab).qualifiers
    assert "phone" in q0.device and "low-end" in q0.device and "photo" in q0.media and "fast" in q0.goals
    q1 = infer_task(seed(1).source, vocab).qualifiers
    assert q1.device[:2] == ("low-end", "phone")
    q2 = infer_task(seed(2).source, vocab).qualifiers
    assert {"sharp", "realistic", "lightweight"} <= set(q2.goals)
    q3 = infer_task(seed(3).source, vocab).qualifiers
    assert "on-device" in q3.device


@pytest.mark.parametrize("index", [0, 1, 2])
def test_the_deblurring_model_is_flagged_on_upscaling_questions(vocab, index):
    (fit,) = infer_task(seed(index).source, vocab).model_fits
    assert fit.name == "Deblur-MSSNet-GoPro" and fit.task_id == "deblur"
    assert fit.fits is False and "not a super-resolution one" in fit.reason


def test_the_super_resolution_model_fits(vocab):
    (fit,) = infer_task(seed(3).source, vocab).model_fits
    assert fit.task_id == "super_resolution" and fit.fits is True


def test_seed_004_animation_enlarging_is_super_resolution_and_the_video_generator_does_not_fit(vocab):
    inference = infer_task(seed(4).source, vocab)
    assert inference.task_id == "super_resolution"
    assert "animation" in inference.qualifiers.media
    (fit,) = inference.model_fits
    assert fit.task_id == "txt2video" and fit.fits is False


def test_no_clear_task_says_so_with_candidates(vocab):
    block = SourceBlock("How does it work so well?", 1, (Entry("Mystery", 1),), ())
    inference = infer_task(block, vocab)
    assert inference.task_id is None and inference.model_fits[0].fits is None
    tie = infer_task(SourceBlock("Please segment and colorize this.", 1, (), ()), vocab)
    assert tie.task_id is None and {c.task_id for c in tie.candidates[:2]} == {"segmentation", "colorization"}


def test_a_vague_question_follows_the_recommended_model(vocab):
    block = SourceBlock("How does it stay so accurate?", 1, (Entry("SISR-CARN-4x", 1),), ())
    assert infer_task(block, vocab).task_id == "super_resolution"


@pytest.mark.parametrize(
    "text, scales",
    [
        ("upscaled photos 3× quite smoothly", ["3×"]),
        ("enlarge it by 2x", ["2×"]),
        ("enlarge it 3 times", ["3×"]),
        ("by 20.2x and then x4", ["20.2×", "4×"]),
        ("to twice its size", ["2×"]),
        ("at any magnification", ["any"]),
        ("a 4K poster and 3xl shirt", []),
        ("58 times smaller", []),
    ],
)
def test_scale_factors(text, scales):
    assert find_scales(text) == scales


def dev_set(half):
    """The catalog's questions, split by hash: the vocabulary's cues were written looking at
    the "dev" half only; the "held-out" half measures how well they generalise."""
    labels = yaml.safe_load((DATA / "devset_labels.yaml").read_text())
    for model in json.loads((DATA / "devset.json").read_text(encoding="utf-8")):
        for question in model["queries"]:
            is_dev = hashlib.sha1(question.encode()).digest()[0] % 2 == 0
            if is_dev == (half == "dev"):
                yield question, model, labels[model["category"]]


def accuracy(vocab, half, with_model):
    right = total = 0
    for question, model, accepted in dev_set(half):
        models = (Entry(model["name"], 1, summary=model["summary"]),) if with_model else ()
        right += infer_task(SourceBlock(question, 1, models, ()), vocab).task_id in accepted
        total += 1
    return right, total


def test_task_accuracy_on_the_catalog_questions(vocab):
    """The README reports these numbers; the held-out accuracy with the model must stay ≥ 90 %."""
    report = {}
    for half in ("dev", "held-out"):
        for with_model in (True, False):
            right, total = accuracy(vocab, half, with_model)
            report[(half, with_model)] = right / total
            print(f"{half:9} {'question + model' if with_model else 'question only':17} {right}/{total} = {right / total:.1%}")
    assert report[("held-out", True)] >= 0.90
    assert report[("dev", True)] >= 0.90
    # From the question alone the catalog's questions are often vague ("how does it stay so
    # accurate?"); this floor keeps the cues from silently getting worse.
    assert report[("held-out", False)] >= 0.60
