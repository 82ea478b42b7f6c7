from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
DATA = Path(__file__).resolve().parent / "data"
SEEDS = sorted(SOURCES.glob("0*.txt"))

PREAMBLE = """You are an AI scientist.

A user has asked the following question:
"{question}"

Based on the following recommended models, explain:

1. What task the user is trying to perform.
2. How the model(s) would work in a CNAPS AI-like workflow (input → model → output).
3. List relevant papers and tools (with GitHub or ArXiv links) that support your answer.

Use **only the provided models and papers**. Do not refer to outside sources.

"""


def make_prompt(question: str, models: str, papers: str = "", answer: str = "") -> str:
    """A prompt in the seeds' format with the given sections (their bodies as written)."""
    text = PREAMBLE.format(question=question) + "### Recommended AI Models:\n" + models.strip("\n") + "\n\n"
    if papers:
        text += "### Related Papers:\n" + papers.strip("\n") + "\n\n"
    return text + "\nAnswer:" + (" " + answer if answer else "") + "\n"


@pytest.fixture
def seed_texts():
    return {path.name: path.read_text(encoding="utf-8") for path in SEEDS}
