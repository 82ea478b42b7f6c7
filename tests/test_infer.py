"""Task inference on the seeds, on the vocabulary itself and on the catalog's real questions."""

import json
from importlib import resources

import pytest
from bs4 import BeautifulSoup

from benchmarks import devset
from generator.classifier import EVIDENCE_SUPPORT, features, train
from generator.steps.infer import CLEAR_MARGIN, MODEL_VOTE, PLAUSIBLE_NATS, VAGUE_VOTE, find_scales, infer_task, read_question
from generator.steps.parse import parse_prompt
from generator.records import Entry, SourceBlock
from generator.vocabulary import load_vocabulary

from conftest import DATA, SEEDS, make_prompt
from generator.markup.html import render_html
from generator.site import generate_site

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


def test_seed_004_animation_enlarging_is_likely_super_resolution_and_the_video_generator_is_not_accused(vocab):
    """The question only leans to super-resolution ("likely"): a ✗ needs the task clearly asked,
    so the text-to-video model is "?" (not ruled out), never ✗."""
    inference = infer_task(seed(4).source, vocab)
    assert (inference.task_id, inference.confidence) == ("super_resolution", "likely")
    assert "animation" in inference.qualifiers.media
    (fit,) = inference.model_fits
    assert fit.task_id == "txt2video" and fit.fits is None and fit.relation == "possible"


def test_no_clear_task_says_so_with_candidates(vocab):
    block = SourceBlock("How does it work so well?", 1, (Entry("Mystery", 1),), ())
    inference = infer_task(block, vocab)
    assert inference.task_id is None and inference.model_fits[0].fits is None
    tie = infer_task(SourceBlock("Please segment and colorize this.", 1, (), ()), vocab)
    assert tie.task_id is None and {c.task_id for c in tie.candidates[:2]} == {"segmentation", "colorization"}


def test_a_vague_question_follows_the_recommended_model_which_is_not_confirmed_by_its_own_name(vocab):
    block = SourceBlock("How does it stay so accurate?", 1, (Entry("SISR-CARN-4x", 1),), ())
    inference = infer_task(block, vocab)
    assert (inference.task_id, inference.basis, inference.confidence) == ("super_resolution", "models", "likely")
    (fit,) = inference.model_fits
    assert fit.task_id == "super_resolution" and fit.fits is None and fit.relation == "unconfirmed"
    assert "not confirmed" in fit.reason
    alone = infer_task(SourceBlock("How does it stay so accurate?", 1, (), ()), vocab)
    assert (alone.task_id, alone.confidence) == (None, "unclear") and alone.candidates


def test_a_model_that_agrees_with_a_vague_question_does_not_make_the_page_clear(vocab):
    """"Clear" is the question's own word: a retriever's model agreeing with a weak reading (as a
    misfired one may agree with a wrong reading) makes the task likelier, not certain."""
    question = "My old scanned photos look bad. What would you suggest?"
    alone = infer_task(SourceBlock(question, 1, (), ()), vocab)
    assert (alone.task_id, alone.confidence) == ("restoration", "likely")
    agreed = infer_task(SourceBlock(question, 1, (Entry("Restoration-SwinIR-Jpeg20", 1),), ()), vocab)
    assert (agreed.task_id, agreed.confidence, agreed.basis) == ("restoration", "likely", "question")
    assert agreed.candidates[0].score - agreed.candidates[1].score >= CLEAR_MARGIN  # the vote alone would be clear


def test_a_vague_question_follows_a_model_its_words_allow_more_readily_than_one_they_contradict(vocab):
    """No cue names the task and the question's best leads by little: a model whose task the
    classifier finds plausible for the question gets VAGUE_VOTE, one whose task the question's
    words argue against (a misfired model's) only MODEL_VOTE."""
    question = "My old scanned photos look bad. What would you suggest?"
    reading = read_question(question, vocab)
    assert reading.vague and reading.points_to == "restoration"
    for model, task, vote in (("SISR-CARN-4x", "super_resolution", VAGUE_VOTE), ("Txt2Voice-VITS", "tts", MODEL_VOTE)):
        assert (reading.learned[task] >= -PLAUSIBLE_NATS) == (vote == VAGUE_VOTE)
        inference = infer_task(SourceBlock(question, 1, (Entry(model, 1),), ()), vocab)
        scored = {candidate.task_id: candidate.score for candidate in inference.candidates}
        assert scored[task] == pytest.approx(reading.scores[task] + vote, abs=0.01)
    follows = infer_task(SourceBlock(question, 1, (Entry("SISR-CARN-4x", 1),), ()), vocab)
    assert (follows.task_id, follows.basis, follows.confidence) == ("super_resolution", "models", "likely")
    assert follows.model_fits[0].relation == "unconfirmed"
    kept = infer_task(SourceBlock(question, 1, (Entry("Txt2Voice-VITS", 1),), ()), vocab)
    assert (kept.task_id, kept.basis) == ("restoration", "question") and kept.model_fits[0].fits is False


def test_the_question_decides_against_a_misfired_model(vocab):
    """The retriever returned a deblurring model for an upscaling request: the page keeps the
    question's task, and the model is flagged instead of taken as what the user wants."""
    block = SourceBlock("Please enlarge this photo 4x so the small text is readable.", 1, (Entry("Deblur-MSSNet-GoPro", 1),), ())
    inference = infer_task(block, vocab)
    assert (inference.task_id, inference.confidence, inference.basis) == ("super_resolution", "clear", "question")
    (fit,) = inference.model_fits
    assert fit.task_id == "deblur" and fit.fits is False


@pytest.mark.parametrize("question, task", [
    ("My photos came out smeared because my hands shook. Can you fix them?", "deblur"),
    ("There is a stranger walking behind us in the beach picture. Get rid of him and fill in the sand.", "inpainting"),
])
def test_a_question_that_describes_its_task_without_naming_it_is_read_and_the_page_says_why(vocab, question, task):
    inference = infer_task(SourceBlock(question, 1, (Entry("SISR-CARN-4x", 1),), ()), vocab)
    assert inference.task_id == task and inference.basis == "question"
    learned = [e for e in inference.evidence if e.where == "question, learned"]
    assert learned and all(e.text in question and e.task_id == task for e in learned)
    assert inference.model_fits[0].fits is False


def test_a_word_is_shown_as_learned_evidence_only_when_the_task_met_it_often():
    """A word one training text of a task happens to hold ("gym" in one deblurring question) is
    likelier under that task by chance: the page does not show it as a reason."""
    documents = [("shaky blurry photo from the gym", "deblur", 1.0), ("blurry shaky video of a concert", "deblur", 1.0),
                 ("my blurry shaky pictures", "deblur", 1.0), ("enlarge this small photo", "super_resolution", 1.0),
                 ("make the small logo bigger", "super_resolution", 1.0)]
    classifier = train(documents, 0.1)
    question = "The gym photo is shaky"
    scores = classifier.log_scores(question)
    assert max(scores, key=scores.get) == "deblur"
    assert classifier.evidence(question, "deblur", "super_resolution") == ["shaky"]
    more = train(documents + [(f"blurry shot at the gym, take {n}", "deblur", 1.0) for n in range(EVIDENCE_SUPPORT)], 0.1)
    assert "gym" in more.evidence(question, "deblur", "super_resolution")


def test_apostrophe_endings_are_not_words_of_their_own():
    assert [feature for feature, _ in features("My friend's photo doesn't look sharp, it's Bob’s")] == [
        "friend", "photo", "doesn", "look", "sharp", "bob"]


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


def _page_text(tmp_path, question, model):
    (tmp_path / "p.txt").write_text(make_prompt(question, f"Model: {model}\nPaper: https://arxiv.org/abs/1\n"))
    (result,) = generate_site([str(tmp_path)], check_html=False).results
    return BeautifulSoup(render_html(result.page.markdown), "html.parser").get_text(" ")


def test_the_page_shows_how_sure_it_is_and_softens_its_verdicts(tmp_path):
    clear = _page_text(tmp_path, "Please enlarge this photo 4x so the small text is readable.", "Deblur-MSSNet-GoPro")
    assert "Super-resolution (clear)" in clear and "Confidence: clear." in clear
    assert "✗ No" in clear or "◐ Partly" in clear
    assert "1 of 1 recommended models do not do super-resolution" in clear
    likely = _page_text(tmp_path, seed(4).source.question, "Txt2Video-AnimateDiff")
    assert "Super-resolution (likely)" in likely and "probably trying to do" in likely
    assert "? Not ruled out" in likely and "✗" not in likely  # a likely task accuses no model here
    models = _page_text(tmp_path, "How does it stay so accurate?", "SISR-CARN-4x")
    assert "Super-resolution (likely)" in models and "the recommended models point to this one" in models
    assert "? Not confirmed" in models and "✓" not in models
    unclear = _page_text(tmp_path, "How does it stay so accurate?", "Mystery-Model")
    assert "No single task is clear" in unclear and "Candidates, by score" in unclear


def test_the_classifier_learns_from_the_dev_half_only():
    """The questions shipped for the classifier are exactly the dev half's, filed under the task of
    the model each was written for: no held-out question is ever trained on."""
    shipped = resources.files("generator").joinpath("data/questions.yaml").read_text(encoding="utf-8")
    assert shipped == devset.training_yaml(), "regenerate it: python -m benchmarks.devset --write"
    trained = [question for questions in devset.training_questions().values() for question in questions]
    held_out = {question for question, _, _ in devset.questions("held-out")}
    assert trained and all(devset.half(question) == "dev" for question in trained)
    assert not held_out & set(trained)


def test_the_blind_reading_reads_each_half_apart():
    """The blind reading that bounds the labels (``benchmarks.devset --blind``) holds each half's
    questions under that half, every one, in the vocabulary's tasks."""
    readings = devset.blind_readings()
    assert set(readings) == set(devset.HALVES)
    for half in devset.HALVES:
        assert set(readings[half]) == {question for question, _, _ in devset.questions(half)}
        assert all(tasks and set(tasks) <= set(load_vocabulary().tasks) for tasks in readings[half].values())


def test_a_misfired_model_is_of_another_category_the_same_on_every_run():
    pairs = [(question, model, devset.misfired(question, model)) for question, model, _ in devset.questions("held-out")]
    assert len(pairs) > 250
    for question, model, other in pairs:
        assert not set(devset.labels()[model["category"]]) & set(devset.labels()[other["category"]])
        assert devset.misfired(question, model) is other
    assert len({other["name"] for _, _, other in pairs}) > 50  # spread over the catalog, not one model


def _figures(half):
    counts = devset.measure(devset.questions(half), lambda question: load_vocabulary())
    print(f"{half} half\n{devset.report(counts)}")
    return [(found["right"] / found["all"], found["confidently wrong"] / found["all"]) for found in counts.values()]


def test_task_inference_on_the_catalog_questions():
    """The figures README's Task inference section reports, on the held-out half (never looked at
    to write cues, never trained on): the question alone, with the model it was written for, with
    a model of another category (a misfiring retriever), and how often a page says "clear" and is
    wrong. The dev half (trained on) is printed for comparison. The floors are the figures of issue
    15's third round rounded down (74.5 / 91.9 / 71.8 %): they keep the inference from silently
    getting worse. The ceiling on confidently wrong pages is issue 15's target, met (4.0 / 2.3 /
    3.4 %)."""
    _figures("dev")
    (alone, alone_wrong), (own, own_wrong), (misfired, misfired_wrong) = _figures("held-out")
    print(f"held-out half, the question alone, against a blind reading\n"
          f"{devset.blind_report('held-out', lambda question: load_vocabulary())}")
    assert alone >= 0.74 and own >= 0.91 and misfired >= 0.71
    assert max(alone_wrong, own_wrong, misfired_wrong) <= 0.05


@pytest.mark.xfail(strict=True, reason="issue 15's accuracy targets are not met yet: see README, Task inference")
def test_task_inference_meets_the_targets_of_issue_15():
    (alone, _), (own, _), (misfired, _) = _figures("held-out")
    assert alone >= 0.85 and own >= 0.95 and misfired >= 0.85
