"""The fast normalisation of snapshots gives exactly the character-by-character one.

:func:`opencase.validation.quotes.normalise` translates whole texts and keeps a compact map of
offsets;
this holds it to the plain definition (one character at a time, one offset per output
character) on generated texts full of the characters that normalisation changes.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from opencase.validation.folding import _norm_char
from opencase.validation.quotes import Snapshot, find_quote, normalise


def reference(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    idx: list[int] = []
    for i, c in enumerate(text):
        for n in _norm_char(c):
            if n == " ":
                if out and out[-1] in " -":
                    continue
            elif n == "-" and out and out[-1] == " ":
                out.pop()
                idx.pop()
            out.append(n)
            idx.append(i)
    # runs of combining marks in canonical order (positions, and so offsets, stay)
    k = 0
    while k < len(out):
        j = k
        while j < len(out) and unicodedata.combining(out[j]):
            j += 1
        out[k:j] = sorted(out[k:j], key=unicodedata.combining)
        k = j + 1
    return "".join(out), idx


ALPHABET = (
    "ab -\n\t\r\u00a0\u2014\u2013\u2212\u2019\u2018\u201c\u201d\u00e9e\u0301\ufb01\u2026"
    "\u00a8\u200b\ufeff\u00bd\u00f6\u3000\u2028\u00aa\u2474\uff21\u1e9b\u0323."
)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_normalise_matches_the_definition(text: str) -> None:
    assert normalise(text) == reference(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=60), st.data())
def test_matches_map_back_to_the_same_characters(text: str, data: st.DataObject) -> None:
    norm, idx = reference(text)
    if not norm.strip():
        return
    a = data.draw(st.integers(0, len(norm) - 1))
    b = data.draw(st.integers(a + 1, len(norm)))
    quote = norm[a:b]
    snap = Snapshot("0" * 64, Path("unused"), _text=text)
    every = []  # every occurrence, before the rule that a match is a whole passage
    q = quote.strip()
    pos = norm.find(q) if q else -1
    while pos != -1:
        every.append((idx[pos], idx[pos + len(q) - 1] + 1))
        pos = norm.find(q, pos + 1)
    found = [(m.start, m.end) for m in find_quote(snap, quote)]
    assert set(found) <= set(every)
    assert found == sorted(found)
