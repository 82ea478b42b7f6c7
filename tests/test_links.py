"""URL extraction and normalisation: the rules in generator/markup/links.py, one test each."""

import pytest

from generator.markup.links import extract_urls, is_safe_url, label_url, normalise_url


@pytest.mark.parametrize(
    "text, urls",
    [
        ("see https://x.org/a.", ["https://x.org/a"]),
        ("(see https://x.org/a)", ["https://x.org/a"]),
        ("https://en.wikipedia.org/wiki/A_(b)", ["https://en.wikipedia.org/wiki/A_(b)"]),
        ("[text](https://x.org/a)", ["https://x.org/a"]),
        ("<https://x.org/a>", ["https://x.org/a"]),
        ("**https://x.org/a**", ["https://x.org/a"]),
        ("https://x.org/a[cite: 3]", ["https://x.org/a"]),
        ("https://x.org/a[1]b", ["https://x.org/a[1]b"]),
        ("[https://x.org/a](https://y.org/b)", ["https://x.org/a", "https://y.org/b"]),
        ("https://x.org/a]https://y.org/b", ["https://x.org/a", "https://y.org/b"]),
        ("url(https://x.org/bg.gif)}", ["https://x.org/bg.gif"]),
        # LaTeX, as 5 of the corpus's 100 arXiv summaries write their code's address:
        (r"Code is available at \url{https://github.com/AlterPang/Multi_ORB_SLAM}.", ["https://github.com/AlterPang/Multi_ORB_SLAM"]),
        ("https://x.org/{id}", ["https://x.org/{id}"]),
        ("[https://x.org/a]", ["https://x.org/a"]),
        ("`https://x.org/a`", ["https://x.org/a"]),
        ('"https://x.org/a",', ["https://x.org/a"]),
        ("HTTPS://X.ORG/Path?Q=1#F", ["https://x.org/Path?Q=1#F"]),
        ("https://x.org/a?b=1&c=2;", ["https://x.org/a?b=1&c=2"]),
        ("a https://x.org/1, then https://y.org/2!", ["https://x.org/1", "https://y.org/2"]),
        ("https:// not a url", []),
        ("ftp://x.org/a javascript:alert(1)", []),
        # Chat models glue citation markers to a URL; CJK prose puts its punctuation right after one:
        ("[paper](https://arxiv.org/pdf/2012.09161.pdf)【4†source】", ["https://arxiv.org/pdf/2012.09161.pdf"]),
        ("https://arxiv.org/pdf/2012.09161.pdf【4†source】", ["https://arxiv.org/pdf/2012.09161.pdf"]),
        ("（https://x.org/a）。", ["https://x.org/a"]),
        ("(https://x.org/a)。", ["https://x.org/a"]),
        ("https://x.org/a，next", ["https://x.org/a"]),
        ("https://x.org/a†", ["https://x.org/a"]),
        ("https://zh.wikipedia.org/wiki/超分辨率。", ["https://zh.wikipedia.org/wiki/超分辨率"]),
    ],
)
def test_extract_and_normalise(text, urls):
    assert extract_urls(text) == urls


#: Full-width and CJK punctuation and brackets, and the dagger of chat models' citation markers.
CJK_ENDS = list("【】「」『』（）〔〕。，、；：！？†") + list("〈〉《》〖〗［］｛｝")


@pytest.mark.parametrize("end", CJK_ENDS)
def test_a_url_ends_at_full_width_and_cjk_punctuation(end):
    assert extract_urls(f"见 https://x.org/a/b.pdf{end}下一句 https://y.org/c") == ["https://x.org/a/b.pdf", "https://y.org/c"]


def test_normalise_is_idempotent():
    for raw in ["https://x.org/a).", "https://x.org/a_(b)", "https://X.org/P[1]", "https://x.org/a]]", "https://x.org/a)}", "https://x.org/[a]]b"]:
        once = normalise_url(raw)
        assert normalise_url(once) == once


@pytest.mark.parametrize(
    "url, safe",
    [
        ("https://x.org/a", True),
        ("http://x.org", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("https://user:pass@x.org/", False),
        ("//x.org/a", False),
        ("https://x.org/a b", False),
        ("https://x.org/\x01", False),
    ],
)
def test_only_plain_http_links_are_safe(url, safe):
    assert is_safe_url(url) is safe


@pytest.mark.parametrize(
    "url, label",
    [
        ("http://arxiv.org/pdf/2406.17117v2.pdf", "arXiv 2406.17117v2"),
        ("https://arxiv.org/abs/2012.09161", "arXiv 2012.09161"),
        ("https://github.com/kky7/MSSNet", "GitHub kky7/MSSNet"),
        ("https://github.com/kky7/MSSNet/tree/main/x", "GitHub kky7/MSSNet"),
        ("https://huggingface.co/Falconsai/nsfw_image_detection", "Hugging Face Falconsai/nsfw_image_detection"),
        ("https://cg.postech.ac.kr/Research/MSSNet/MSSNet.pdf", "cg.postech.ac.kr/Research/MSSNet/MSSNet.pdf"),
    ],
)
def test_labels(url, label):
    assert label_url(url) == label
