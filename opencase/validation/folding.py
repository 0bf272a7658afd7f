"""How quotes and snapshots are folded before they are compared, and the map back.

Both sides are folded the same way, character by character:

- Unicode NFKD (so ``é`` = ``e`` + combining accent, ``ﬁ`` = ``fi``, a non-breaking space = a
  space, a full-width digit = an ASCII digit), except that no character is folded into digits
  it is not: superscripts, subscripts, fractions, circled and other enclosed numbers stay as
  they are (``10⁴`` never reads as ``104``);
- runs of combining marks in canonical order (``ệ`` typed as ``ê`` + dot below is the same);
- invisible format characters (soft hyphen, joiners, bidi controls, a byte order mark) are
  dropped, so ``Ger\u00adman`` reads as ``German``; a zero-width space is a space;
- typographic single quotes and apostrophes (‘ ’ ‚ ‛ ′ ʼ ‹ ›) = ``'``, double quotes
  (“ ” „ ‟ ″ « ») = ``"``; hyphens and dashes (‐ ‑ ‒ – — ― −) = ``-``;
- any run of white space = one space, and none around a dash (``town—and`` = ``town - and``).

:class:`Offsets` maps a position in the folded text back to the character of the original it
came from.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate

__all__ = ["Offsets", "fold", "fold_mapped", "invisible", "normalise"]

_QUOTES = {c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u02bc\u2039\u203a\uff07"}
_QUOTES.update({c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"})
_DASHES = {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"}
_NOT_FOLDED = ("<super>", "<sub>", "<fraction>", "<circle>")


@lru_cache(maxsize=4096)
def _norm_char(c: str) -> str:
    if c in _QUOTES:
        return _QUOTES[c]
    if c in _DASHES:
        return _DASHES[c]
    if c.isspace() or c == "\u200b":  # (a zero-width space marks a word break)
        return " "
    if invisible(c):
        return ""
    n = unicodedata.normalize("NFKD", c)
    if n == c or _keeps_its_form(c, n):
        return c
    return "".join(_norm_char(x) if x != c else x for x in n)


def invisible(c: str) -> bool:
    """An invisible format character, which folding drops (and which neither joins nor
    separates the characters around it): soft hyphen, zero-width (non-)joiner, word joiner,
    bidi controls, byte order mark, tags... A zero-width space is not one: it is a space."""
    return c != "\u200b" and unicodedata.category(c) == "Cf"


def _keeps_its_form(c: str, folded: str) -> bool:
    """Whether compatibility folding would make ``c`` into a number (or word) the source does
    not hold: superscripts, subscripts, fractions, circled and other enclosed or composed
    numbers (``²``, ``₂``, ``½``, ``①``, ``⑴``, ``⒈``, ``㏡``). A decimal digit of another width
    or font (``３``, ``𝟑``) is still the digit it is."""
    if unicodedata.category(c) == "Nd":
        return False
    if unicodedata.decomposition(c).startswith(_NOT_FOLDED):
        return True
    return unicodedata.category(c) == "No" or any(x.isdigit() for x in folded)


class Offsets:
    """Maps a character position in a normalised text back to the original text.

    Normalising expands some characters (NFKD: ``é`` -> ``e`` + accent) and deletes some
    spaces; both are rare, so the map keeps only where they happen and answers with a binary
    search, instead of one integer per character."""

    __slots__ = ("_del_at", "_del_cum", "_exp_at", "_exp_cum", "_exp_len", "_exp_orig")

    def __init__(
        self,
        expansions: list[tuple[int, int, int]],
        deletions: list[tuple[int, int]],
    ) -> None:
        # expansions: (index in the original, its position in the expanded text, length)
        self._exp_orig = [e[0] for e in expansions]
        self._exp_at = [e[1] for e in expansions]
        self._exp_len = [e[2] for e in expansions]
        self._exp_cum = list(accumulate(e[2] - 1 for e in expansions))
        # deletions: (position in the expanded text, length) -> where they fall in the output
        self._del_at: list[int] = []
        self._del_cum: list[int] = []
        gone = 0
        for at, length in deletions:
            self._del_at.append(at - gone)
            gone += length
            self._del_cum.append(gone)

    @property
    def identity(self) -> bool:
        """Whether every position maps to itself (normalising changed nothing)."""
        return not self._del_at and not self._exp_at

    def __call__(self, pos: int) -> int:
        if not self._del_at and not self._exp_at:
            return pos
        k = bisect_right(self._del_at, pos)
        q = pos + self._del_cum[k - 1] if k else pos
        k = bisect_right(self._exp_at, q) - 1
        if k < 0:
            return q
        if q < self._exp_at[k] + self._exp_len[k]:
            return self._exp_orig[k]
        return q - self._exp_cum[k]


def _spaces_to_drop(text: str) -> list[tuple[int, int]]:
    """The spaces normalising drops from ``text`` (in which all white space is already a
    space), as (start, length): all of a run next to a dash, all but the first of any other
    run. Found with ``str.find``: only runs of two or more, or next to a dash, matter."""
    size = len(text)
    runs: dict[int, int] = {}
    for pair, first in (("  ", 0), (" -", 0), ("- ", 1)):
        i = text.find(pair)
        while i != -1:
            a = i + first
            while a and text[a - 1] == " ":
                a -= 1
            b = i + first + 1
            while b < size and text[b] == " ":
                b += 1
            runs[a] = b
            i = text.find(pair, b)
    out = []
    for a in sorted(runs):
        b = runs[a]
        if (a and text[a - 1] == "-") or (b < size and text[b] == "-"):
            out.append((a, b - a))  # no space around a dash
        elif b - a > 1:
            out.append((a + 1, b - a - 1))  # a run of spaces counts as one
    return out
_CHANGED: dict[str, str] = {}  # every character seen that normalising changes -> what it becomes
_SEEN: set[str] = set()


_ASCII_SPACE = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # ASCII white space other than " "
_ASCII = bytes(range(128))


def _chars(text: str) -> set[str]:
    """The characters of ``text`` that normalising may change: its non-ASCII ones (found
    through its UTF-8 bytes, much faster than ``set(text)``) and its ASCII white space."""
    raw = text.encode("utf-8", "surrogatepass")  # (a lone surrogate is kept, not an error)
    found = set(raw.translate(None, _ASCII).decode("utf-8", "surrogatepass"))
    found.update(c for c in _ASCII_SPACE if c in text)
    return found


def _normalise(text: str, offsets: bool = True) -> tuple[str, Offsets | None]:
    """The normalised text and, with ``offsets``, the map back to ``text``."""
    if (
        text.isascii()
        and text.isprintable()  # no tab, line break or other control character
        and "  " not in text
        and " -" not in text
        and "- " not in text
    ):
        return text, (Offsets([], []) if offsets else None)
    chars = _chars(text)
    new = chars - _SEEN
    changed = _CHANGED
    if new:
        if len(_SEEN) > 100_000:  # a text of many rare characters: do not keep them all
            changed = {}
            new = chars
        else:
            _SEEN.update(new)
        for c in new:
            n = _norm_char(c)
            if n != c:
                changed[c] = n
    present = sorted(chars & changed.keys())
    # each replacement is made of characters normalising keeps, so the order does not matter
    expanded = text
    for c in present:
        expanded = expanded.replace(c, changed[c])
    longer = [c for c in present if len(changed[c]) != 1]  # (0: dropped)
    expanded = _in_canonical_order(expanded, chars, present, changed)
    deletions = _spaces_to_drop(expanded)
    if deletions:
        parts = []
        last = 0
        for at, length in deletions:
            parts.append(expanded[last:at])
            last = at + length
        parts.append(expanded[last:])
        norm = "".join(parts)
    else:
        norm = expanded
    if not offsets:
        return norm, None
    expansions: list[tuple[int, int, int]] = []
    if longer:
        places: list[int] = []
        for c in longer:
            i = text.find(c)
            while i != -1:
                places.append(i)
                i = text.find(c, i + 1)
        places.sort()
        extra = 0
        for i in places:
            length = len(changed[text[i]])
            expansions.append((i, i + extra, length))
            extra += length - 1
    return norm, Offsets(expansions, deletions)


def _in_canonical_order(
    expanded: str, chars: set[str], present: list[str], changed: dict[str, str]
) -> str:
    """``expanded`` with each run of two or more combining marks in canonical order (by
    combining class, as NFD orders them). The length is kept, so the offsets stay right; a
    match never ends inside such a run anyway."""
    marks = {c for c in chars if unicodedata.combining(c)}
    marks.update(x for c in present for x in changed[c] if unicodedata.combining(x))
    if not marks:
        return expanded
    run = re.compile(f"[{''.join(sorted(marks))}]{{2,}}")
    return run.sub(lambda m: "".join(sorted(m.group(), key=unicodedata.combining)), expanded)


def fold(text: str) -> str:
    """``text`` folded for matching (no offsets)."""
    return _normalise(text, False)[0]


def fold_mapped(text: str) -> tuple[str, Offsets]:
    """``text`` folded for matching, and the map from its positions back to ``text``."""
    norm, where = _normalise(text)
    assert where is not None
    return norm, where


def normalise(text: str) -> tuple[str, list[int]]:
    """Normalise ``text`` for matching; also return, for each output character, its index in
    ``text`` (white space runs collapse to their first character)."""
    norm, where = _normalise(text)
    assert where is not None
    return norm, [where(i) for i in range(len(norm))]
