"""Simple LaTeX in names, titles and summaries shows as a reader reads it (generator/markup/latex.py)."""

import pytest
from hypothesis import given, strategies as st

from generator.markup.latex import plain_math


@pytest.mark.parametrize(("written", "read"), [
    ("AdaCM$^2$", "AdaCM²"),
    ("a $14\\times$ speed-up", "a 14× speed-up"),
    ("$\\alpha$-blending and \\(\\beta\\)-VAE", "α-blending and β-VAE"),
    ("$O(n^2)$ and $\\mathcal{O}(n \\log n)$", "O(n²) and O(n log n)"),
    ("$x_{i}^{2}$, $2^{10}$, $L_{\\text{rec}}$", "xᵢ², 2¹⁰, L_rec"),
    ("$\\frac{1}{2}$ of $\\sqrt{d}$", "1/2 of √d"),
    ("$\\sim$30\\% fewer, $\\leq 5\\%$", "∼30% fewer, ≤5%"),
    ("$|0\\rangle$", "|0⟩"),
    ("R\\&D on 3D\\_models", "R&D on 3D_models"),
])
def test_simple_math_reads_as_text(written, read):
    assert plain_math(written) == read


@pytest.mark.parametrize("text", [
    "costs $5 and $10 today",  # prices, not math
    "$20,000 and $30,000",
    "$\\mathfrak{g}$-modules",  # a command it does not know: left whole, not half read
    "$x^{\\unknown}$",
    "$a^q$",  # no superscript q in Unicode
    "unbalanced ${x$",
    "C:\\path\\to and 5% off",
    "no math at all",
])
def test_what_it_cannot_read_whole_is_left_as_written(text):
    assert plain_math(text) == text


@given(st.text(alphabet=st.sampled_from(list("ab2 $\\{}^_()%&times alpha frac")), max_size=40))
def test_any_text_comes_back_as_text_and_never_fails(text):
    out = plain_math(text)
    assert isinstance(out, str)
    assert plain_math(text) == out  # deterministic (and cached)


def test_pages_show_the_names_and_summaries_as_a_reader_reads_them(tmp_path):
    from conftest import make_prompt
    from generator.site import generate_site

    (tmp_path / "p.txt").write_text(make_prompt(
        "Upscale my photo 4x", "Model: AdaCM$^2$\nPaper: https://arxiv.org/abs/1\n",
        "Model: A $14\\times$ faster upscaler\nPaper: https://arxiv.org/abs/2\n"
        "Summary: We get $\\alpha$-blending at $O(n^2)$ cost.\n"), encoding="utf-8")
    site = generate_site([str(tmp_path)])
    text = "\n".join(page.markdown for page in site.pages)
    assert "AdaCM²" in text and "14×" in text and "α-blending" in text and "O(n²)" in text
    assert "$^2$" not in text and "\\times" not in text and "&#36;" not in text
