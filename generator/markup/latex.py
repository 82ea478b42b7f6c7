"""Simple LaTeX in names, titles and summaries, as a reader reads it: ``AdaCM$^2$`` → AdaCM²,
``$14\\times$`` → 14×, ``$\\alpha$`` → α.

Paper titles and abstracts carry inline math (``$...$``, ``\\(...\\)``). The site shows text,
never runs a math script from another host, so the simple cases are turned into the Unicode
a reader expects, at build time. A piece of math this cannot read whole (a command it does
not know, a superscript with no Unicode form in a longer expression) is left exactly as written:
showing ``$\\mathfrak{g}$`` is honest, showing half of it is not.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Pandoc's rule for inline math: "$" followed by a non-space, ended by a "$" after a non-space
# and not before a digit (so "$5 and $10" stays a price), unless it starts with a command
# ("$\sim$30").
_INLINE = re.compile(r"\$(?=\S)(?P<dollar>[^$\n]*?[^\s\\$])\$|\\\((?P<paren>.+?)\\\)")
#: TeX's escapes of special characters, in prose as in math.
_ESCAPED = re.compile(r"\\([%&_#])")
#: Operators written as words: a space after them when more follows ("n \log n").
_OPERATORS = {"log", "exp", "sin", "cos", "max", "min", "arg", "lim", "det"}

_SYMBOLS = {
    "times": "×", "cdot": "·", "pm": "±", "mp": "∓", "div": "÷", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼", "simeq": "≃", "equiv": "≡", "propto": "∝",
    "infty": "∞", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "ell": "ℓ",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "leftrightarrow": "↔", "mapsto": "↦",
    "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩", "emptyset": "∅",
    "forall": "∀", "exists": "∃", "neg": "¬", "wedge": "∧", "vee": "∨", "circ": "∘", "star": "⋆",
    "langle": "⟨", "rangle": "⟩", "ldots": "…", "cdots": "⋯", "dots": "…", "prime": "′", "degree": "°", "%": "%", "$": "$", "&": "&",
    "#": "#", "_": "_", "{": "{", "}": "}", ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": " ",
    "qquad": " ",
}
_GREEK = {name: chr(code) for name, code in (
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3B5), ("zeta", 0x3B6),
    ("eta", 0x3B7), ("theta", 0x3B8), ("iota", 0x3B9), ("kappa", 0x3BA), ("lambda", 0x3BB), ("mu", 0x3BC),
    ("nu", 0x3BD), ("xi", 0x3BE), ("pi", 0x3C0), ("rho", 0x3C1), ("sigma", 0x3C3), ("tau", 0x3C4),
    ("upsilon", 0x3C5), ("phi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8), ("omega", 0x3C9),
    ("Gamma", 0x393), ("Delta", 0x394), ("Theta", 0x398), ("Lambda", 0x39B), ("Xi", 0x39E), ("Pi", 0x3A0),
    ("Sigma", 0x3A3), ("Upsilon", 0x3A5), ("Phi", 0x3A6), ("Psi", 0x3A8), ("Omega", 0x3A9))}
_GREEK |= {"varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varrho": "ϱ", "varsigma": "ς", "varpi": "ϖ"}
#: Commands whose argument is shown as it is: fonts and text.
_STYLES = {"mathrm", "mathbf", "mathit", "mathcal", "mathbb", "mathsf", "mathtt", "text", "textbf", "textit",
           "textrm", "texttt", "operatorname", "boldsymbol", "bm", "emph", "mbox", "hat", "tilde", "bar", "vec"}
_SUPERSCRIPT = dict(zip("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")) | dict(zip("abcdeghjklmoprstuvwxyz",
                                                                            "ᵃᵇᶜᵈᵉᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"))
_SUBSCRIPT = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_TOKEN = re.compile(r"\\(?P<command>[A-Za-z]+|.)\s*|(?P<script>[\^_])|(?P<open>\{)|(?P<close>\})|(?P<char>.)", re.S)


class _Unreadable(Exception):
    """Math this module does not know how to show: left as written."""


@lru_cache(maxsize=1 << 14)
def plain_math(text: str) -> str:
    """``text`` with each piece of simple inline math turned into Unicode text."""
    if "\\" not in text and "$" not in text:
        return text
    return _ESCAPED.sub(r"\1", _INLINE.sub(_replace, text))


def _replace(match: re.Match) -> str:
    math = match["dollar"] if match["dollar"] is not None else match["paren"]
    if match["dollar"] is not None and match.string[match.end():match.end() + 1].isdigit() and math[:1] != "\\":
        return match.group()
    try:
        return _Reader(math).read()
    except _Unreadable:
        return match.group()


class _Reader:
    """A small recursive reader of one piece of math: groups, commands, scripts, fractions."""

    def __init__(self, math: str):
        self.tokens = list(_TOKEN.finditer(math))
        self.at = 0

    def read(self) -> str:
        out = self.sequence()
        if self.at != len(self.tokens):  # an unmatched "}"
            raise _Unreadable
        return out

    def sequence(self) -> str:
        out = []
        while self.at < len(self.tokens) and not self.tokens[self.at]["close"]:
            out.append(self.atom(after=out))
        return "".join(out)

    def group(self) -> str:
        """The next argument: a {group} or a single token."""
        if self.at >= len(self.tokens):
            raise _Unreadable
        if self.tokens[self.at]["open"]:
            self.at += 1
            inside = self.sequence()
            if self.at >= len(self.tokens):
                raise _Unreadable  # an unclosed "{"
            self.at += 1
            return inside
        return self.atom(after=[])

    def atom(self, after: list[str]) -> str:
        token = self.tokens[self.at]
        self.at += 1
        if token["open"]:
            self.at -= 1
            return self.group()
        if token["char"] is not None:
            return token["char"]
        if token["script"]:
            return _script(self.group(), _SUPERSCRIPT if token["script"] == "^" else _SUBSCRIPT, token["script"])
        command = token["command"]
        if command in _OPERATORS:
            return command + (" " if self.at < len(self.tokens) and not self.tokens[self.at]["close"] else "")
        if command in _SYMBOLS:
            return _SYMBOLS[command]
        if command in _GREEK:
            return _GREEK[command]
        if command in _STYLES:
            return self.group()
        if command in ("frac", "dfrac", "tfrac"):
            numerator, denominator = self.group(), self.group()
            return f"{_wrapped(numerator)}/{_wrapped(denominator)}"
        if command == "sqrt":
            return "√" + _wrapped(self.group())
        if command in ("left", "right", "big", "Big", "bigl", "bigr"):
            return ""
        raise _Unreadable


def _script(text: str, table: dict[str, str], mark: str) -> str:
    if text and all(char in table for char in text):
        return "".join(table[char] for char in text)
    if len(text) == 1 and text.isalnum() and mark == "^":
        raise _Unreadable  # e.g. "^q": no superscript q in Unicode
    return f"{mark}{text}" if text.isalnum() else f"{mark}({text})"


def _wrapped(text: str) -> str:
    return text if re.fullmatch(r"[\w.]+", text) else f"({text})"
