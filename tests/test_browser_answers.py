"""Answers in chat styles (tests/data/chat-answers/) on the built site, in a real Chromium: the
links an answer cites outside its sources listed one a line, each with its mark on its line; a
misplaced answer's note leading to the prompt it answers; an indented answer shown as text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_helpers import copy_project, mkdocs, serve
# Importing test_browser skips this module without Playwright; its recorder fixture keeps a
# screenshot of a failed test and records every console error.
from test_browser import recorder  # noqa: F401

CHAT = Path(__file__).resolve().parent / "data" / "chat-answers"
PAGE = "prompts/chat-upscale/"


@pytest.fixture(scope="module")
def chat_site(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser-chat")
    project = copy_project(base / "project")
    shutil.copytree(CHAT, project / "sources" / "chat")
    result = mkdocs("build", "--strict", "-d", str(base / "site"), cwd=project)  # answers' warnings fail nothing
    assert result.returncode == 0, result.stderr[-3000:]
    with serve(base / "site") as url:
        yield url


#: For each item of the list: the boxes of the lines of its link (a long one wraps) and of its mark.
_LIST_BOXES = """list => [...list.querySelectorAll(':scope > li')].map(item => ({
  link: [...item.querySelector('code').getClientRects()].map(r => ({top: r.top, bottom: r.bottom, left: r.left})),
  mark: (r => ({top: r.top, bottom: r.bottom, right: r.right}))(item.querySelector('.answer-unsupported-mark').getBoundingClientRect()),
}))"""


@pytest.mark.parametrize("width", [1280, 360])
def test_each_unsupported_link_is_on_its_own_line_with_its_mark_on_that_line(recorder, chat_site, width):
    page = recorder.page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(chat_site + PAGE)
    page.locator(".answers .tabbed-labels label", has_text="gemini").click()
    listed = page.locator(".answers .tabbed-block").nth(1).locator(".answer-unsupported-list")
    listed.wait_for(state="visible")
    items = listed.evaluate(_LIST_BOXES)
    assert len(items) == 2
    for item in items:
        first_line = item["link"][0]  # the link starts on its mark's line, right after it
        middle = (item["mark"]["top"] + item["mark"]["bottom"]) / 2
        assert first_line["top"] <= middle <= first_line["bottom"], (width, item)
        assert first_line["left"] >= item["mark"]["right"] - 1, (width, item)
    first, second = items
    assert second["mark"]["top"] >= first["link"][-1]["bottom"] - 1  # the next item starts below the link
    if width == 360:
        assert len(second["link"]) > 1  # the long link wraps on a phone, and still starts on its mark's line
    assert recorder.errors == []


def test_a_misplaced_answer_says_so_and_leads_to_the_prompt_it_answers(recorder, chat_site):
    page = recorder.page
    page.goto(chat_site + PAGE)
    assert page.locator(".answers .tabbed-labels label").first.inner_text().endswith("⚠")
    note = page.locator(".answers .tabbed-block").first.locator(".answer-misplaced")
    assert note.is_visible()
    assert note.inner_text().startswith("This answer seems to answer another prompt's question:\n\n“How can I remove")
    note.locator("a").click()
    page.wait_for_url(chat_site + "prompts/chat-deblur/")
    assert "motion blur" in page.locator("h1").inner_text()
    assert recorder.errors == []


def test_an_answer_indented_as_a_whole_shows_as_text_with_its_headings_and_code(recorder, chat_site):
    page = recorder.page
    page.goto(chat_site + PAGE)
    page.locator(".answers .tabbed-labels label", has_text="GPT-4o").click()
    body = page.locator(".answers .tabbed-block").nth(2).locator(".answer-body")
    body.wait_for(state="visible")
    assert body.locator("h3").all_inner_texts() == ["🧠 Task", "⚙️ Workflow", "📚 Papers"]
    assert body.locator("strong", has_text="3× super-resolution").is_visible()
    assert [text.strip() for text in body.locator("pre").all_inner_texts()] == ["photo -> CARN-3x -> photo x3"]
    assert "【" not in body.inner_text() and "**" not in body.inner_text()
