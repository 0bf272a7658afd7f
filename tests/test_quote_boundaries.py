"""A quote validates only where the source says exactly that.

Texts are generated as tokens (words and numbers of several scripts, with combining marks,
ligatures, precomposed Hangul, fractions, superscripts and astral characters) between
separators (white space, punctuation, dashes, symbols). The generator knows where every token
begins and ends, so it is the oracle:

- a passage cut at token boundaries is found, and its offsets slice it back exactly;
- whatever the quote (any cut of the text, of its normalised form, or a typographic variant),
  every match that is found begins and ends at a token boundary of the source, and its slice
  of the source reads as the quote: nothing is found inside a word, a number or the expansion
  of one character;
- folding never makes a digit that the source does not have.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from opencase.validation.quotes import Snapshot, find_quote, normalise, quote_problem

SETTINGS = settings(max_examples=400, deadline=None)

# Token material: what a word or number is made of (letters, digits, marks; each item is one
# unit a word is built from: a letter with its accent stays together).
LETTERS = [
    *"abcdefghijklmnopqrstuvwxyzABCDEZ",
    *"αβγδεζΩ",  # Greek
    *"абвгдежЯ",  # Cyrillic
    *"ابتث",  # Arabic
    *"שלום",  # Hebrew
    "कि", "न्", "ह",  # Devanagari with a spacing vowel sign and a virama (marks)
    *"漢字語",  # Han
    "가", "각", "힣",  # precomposed Hangul (each expands to 2 or 3 jamo)
    "é", "e\u0301", "ü", "u\u0308", "Å", "n\u0323\u0303",  # precomposed and combining
    "\ufb01", "\ufb02", "\u01c6",  # ligatures ﬁ ﬂ, ǆ
    "\U0001d400", "\U0001d41a", "\U00010330",  # astral: math bold A, a; Gothic ahsa
    "\u2163",  # roman numeral four (a letter-like number that folds to IV)
    "\u00ad",  # a soft hyphen: invisible, inside a word
]
DIGITS = [*"0123456789", "\uff13", "\U0001d7d1", "\u0663", "\u00b2", "\u2074", "\u2081",
          "\u00bd", "\u2155", "\u2460", "\u2474", "\u2488"]  # ３ 𝟑 ٣ ² ⁴ ₁ ½ ⅕ ① ⑴ ⒈
SEPARATORS = [
    " ", "  ", " \u00a0", "\n", "\r\n", "\t", "\u3000", "\u200b",
    ", ", ". ", "; ", ": ", "! ", "? ", " (", ") ", " \u201c", "\u201d ", " '", "\u2019 ",
    " - ", "\u2014", " \u2013 ", "/", " & ", " \u2260 ", " \u2026 ", " \U0001f600 ", " \u00a7",
]


@st.composite
def token(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["word", "word", "number", "mixed"]))
    if kind == "word":
        parts = draw(st.lists(st.sampled_from(LETTERS), min_size=1, max_size=6))
    elif kind == "number":
        parts = draw(st.lists(st.sampled_from(DIGITS), min_size=1, max_size=4))
        if draw(st.booleans()):  # one number with a decimal or group separator: 1.6, 10,000
            sep = draw(st.sampled_from([".", ",", "'"]))
            parts += [sep, *draw(st.lists(st.sampled_from("0123456789"), min_size=1,
                                          max_size=3))]
            parts.insert(0, draw(st.sampled_from("0123456789")))
    else:  # letters and digits in one token: A4, COVID19, 10am
        parts = draw(st.lists(st.sampled_from(LETTERS + DIGITS), min_size=2, max_size=5))
    # a soft hyphen is inside a word, not at its edge (where it would separate nothing)
    text = "".join(parts).strip("\u00ad")
    assume(text)
    return text


@st.composite
def texts(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    """A text and its tokens' [start, end) spans."""
    n = draw(st.integers(1, 12))
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    if draw(st.booleans()):
        lead = draw(st.sampled_from(["\ufeff", " ", "\u201c", "("]))
        out.append(lead)
        at += len(lead)
    for k in range(n):
        if k:
            sep = draw(st.sampled_from(SEPARATORS))
            out.append(sep)
            at += len(sep)
        tok = draw(token())
        spans.append((at, at + len(tok)))
        out.append(tok)
        at += len(tok)
    if draw(st.booleans()):
        out.append(draw(st.sampled_from([".", "\n", "\u201d", ")"])))
    return "".join(out), spans


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    """Whether ``pos`` falls strictly inside a token (or splits a soft hyphen from it)."""
    return any(a < pos < b for a, b in spans)


def _snapshot(text: str, folder: Path) -> Snapshot:
    path = folder / "snapshot.txt"
    path.write_bytes(text.encode("utf-8"))
    return Snapshot("x" * 64, path)


def _reads_as(text: str, start: int, end: int, quote: str) -> bool:
    return normalise(text[start:end])[0].strip() == normalise(quote)[0].strip()


@given(data=st.data(), generated=texts())
@SETTINGS
def test_a_passage_cut_at_token_boundaries_is_found_and_sliced_back(
    data: st.DataObject, generated: tuple[str, list[tuple[int, int]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    text, spans = generated
    i = data.draw(st.integers(0, len(spans) - 1), label="first token")
    j = data.draw(st.integers(i, len(spans) - 1), label="last token")
    start, end = spans[i][0], spans[j][1]
    quote = text[start:end]
    assume(quote_problem(quote) is None)
    if data.draw(st.booleans(), label="recompose"):  # as a curator might type it
        quote = unicodedata.normalize(data.draw(st.sampled_from(["NFC", "NFD"])), quote)
        assume(quote_problem(quote) is None)
    found = find_quote(_snapshot(text, tmp_path_factory.mktemp("q")), quote)
    assert (start, end) in [(m.start, m.end) for m in found], (text, quote, found)
    for m in found:
        assert _reads_as(text, m.start, m.end, quote)


@given(data=st.data(), generated=texts())
@SETTINGS
@example(data=None, generated=("16 of the 17", [(0, 2), (3, 5), (6, 9), (10, 12)]))
def test_nothing_is_found_inside_a_token_or_a_character(
    data: st.DataObject | None, generated: tuple[str, list[tuple[int, int]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    text, spans = generated
    norm = normalise(text)[0]
    if data is None:  # the explicit example: the figure 16 cut to 6
        quote = "6 of the 17"
    else:
        where = data.draw(st.sampled_from(["text", "normalised"]), label="cut from")
        source = text if where == "text" else norm
        a = data.draw(st.integers(0, len(source) - 1), label="start")
        b = data.draw(st.integers(a + 1, len(source)), label="end")
        quote = source[a:b]
    found = find_quote(_snapshot(text, tmp_path_factory.mktemp("q")), quote)
    for m in found:
        assert not _inside(spans, m.start) and not _inside(spans, m.end), (text, quote, m)
        assert _reads_as(text, m.start, m.end, quote), (text, quote, m)
    if data is None:
        assert found == []


@given(generated=texts())
@SETTINGS
def test_folding_makes_no_digit_the_source_does_not_have(
    generated: tuple[str, list[tuple[int, int]]],
) -> None:
    text, _ = generated
    norm = normalise(text)[0]
    assert sum(c.isdecimal() for c in norm) == sum(c.isdecimal() for c in text)


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("16 of the 17 officers", "6 of the 17 officers"),  # a figure changed
        ("aged 23, he", "aged 2"),  # an age cut short
        ("was inconclusive.", "conclusive"),  # a word inside a word
        ("Henry VIII was", "Henry VI"),
        ("a COVID19 case", "COVID1"),  # letters and digits of one token
        ("rose 1.6 per cent", "6 per cent"),  # the digits of one number
        ("over 10,000 people", "000 people"),
        ("over 10,000 people", "over 10"),
        ("\ufb01nal", "fi"),  # inside a ligature's expansion
        ("\ufb01nal report", "inal report"),
        ("caf\u00e9 open", "cafe open"),  # a letter without the accent it has
        ("cafe\u0301 open", "cafe"),  # a base character split from its combining mark
        ("\uac01 x", "\u1100\u1161 x"),  # a precomposed Hangul syllable cut
        ("x \u2260 y", "x ="),  # the start of "not equal"'s expansion
        ("10\u2074 cells", "104 cells"),  # a superscript read as a digit
        ("10,000\u00b9 people", "10,0001"),  # a footnote marker read as a digit
        ("1\u00bd hours", "11/2 hours"),  # a fraction read as digits
        ("item \u2460 here", "item 1 here"),  # a circled number read as a digit
        ("Ger\u00adman law", "Ger"),  # a soft hyphen is inside the word
        ("Ger\U000e0041man law", "man law"),  # so is any invisible format character
        ("Ger\u206aman law", "the Ger"),
        ("over 1\u2009000 people", "000 people"),  # digits grouped by a thin space
        ("over 1\u202f000 people", "over 1"),  # ... a narrow no-break space
        ("over 1\u00a0000 people", "000 people"),  # ... a no-break space
        ("rose \uff11\uff0e\uff15 per cent", "\uff15 per cent"),  # full-width 1.5
        ("He can't confirm it", "He can"),  # an apostrophe inside a word
        ("He can\u2019t confirm it", "He can"),
        ("O'Brien said so", "Brien said so"),
        ("la col\u00b7lecci\u00f3 x", "lecci\u00f3 x"),  # a middle dot inside a word
        ("it was -5 degrees", "5 degrees"),  # a number without its sign
        ("it was \u22125 degrees", "5 degrees"),
        ("(+3 points)", "3 points"),
        ("was non-compliant with rules", "compliant with rules"),  # a hyphen inside a word
        ("the COVID-19 cases", "19 cases"),
        ("I \U0001f44d\U0001f3fd it", "I \U0001f44d"),  # an emoji without its skin tone
        ("the \U0001f1fa\U0001f1f8\U0001f1ec\U0001f1e7 team",
         "\U0001f1f8\U0001f1ec\U0001f1e7 team"),  # a flag pair cut: US GB read as S, SG, B
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467 here", "\U0001f469\u200d\U0001f467 here"),
    ],
)
def test_known_misreadings_are_not_found(text: str, quote: str, tmp_path: Path) -> None:
    assert find_quote(_snapshot(text, tmp_path), quote) == []


@pytest.mark.parametrize(
    ("text", "quote", "passage"),
    [
        ("16 of the 17 officers", "16 of the 17", "16 of the 17"),
        ("\ufeffFirst words here", "First words", "First words"),  # a BOM is kept, not matched
        ("line one\r\nline two", "one line", "one\r\nline"),  # CR kept in the offsets
        ("10,000\u00b9 people", "10,000\u00b9", "10,000\u00b9"),
        ("\uff11\uff16 of them", "16 of them", "\uff11\uff16 of them"),  # full-width digits
        ("the \ufb01nal report", "final report", "\ufb01nal report"),
        ("x \u2260 y", "x \u2260 y", "x \u2260 y"),
        ("Ger\u00adman law", "Ger\u00adman law", "Ger\u00adman law"),
        ("a \U0001d400\U0001d401 b", "AB b", "\U0001d400\U0001d401 b"),  # astral letters
        # accents in either order, as input methods type them
        ("Vi\u1ec7t Nam", "Vi\u00ea\u0323t Nam", "Vi\u1ec7t Nam"),
        ("Vi\u00ea\u0323t Nam", "Vi\u1ec7t Nam", "Vi\u00ea\u0323t Nam"),
        ("a s\u0307\u0323 b", "a \u1e69 b", "a s\u0307\u0323 b"),
        # invisible characters typed or not
        ("Ger\u00adman law", "German law", "Ger\u00adman law"),
        ("ab\u200e cd", "ab cd", "ab\u200e cd"),
        ("Ger\ufeffman law", "German law", "Ger\ufeffman law"),
        # what may be left out: a possessive 's, the other end of a range, a trailing period
        ("the council\u2019s warnings", "the council", "the council"),
        ("Port's victims", "Port", "Port"),
        ("in 2014-2015 it", "2015 it", "2015 it"),
        ("the 1990's music", "the 1990", "the 1990"),
        ("aged 23.", "aged 23", "aged 23"),
        ("\u201cWe failed\u201d", "We failed", "We failed"),
    ],
)
def test_whole_passages_slice_back_exactly(
    text: str, quote: str, passage: str, tmp_path: Path
) -> None:
    (m,) = find_quote(_snapshot(text, tmp_path), quote)
    assert text[m.start : m.end] == passage


@pytest.mark.parametrize(
    ("quote", "why"),
    [
        ("", "no visible character"),
        ("   ", "no visible character"),
        ("\u00ad\u200b\u200d", "no visible character"),  # soft hyphen, zero-width space, ZWJ
        ("\u202e\u2066 \u2069", "no visible character"),  # bidi controls
        ("\u3164\u3164", "no visible character"),  # Hangul fillers
        ("...", "no letter or digit"),
        ("\u2014 \u2014", "no letter or digit"),
        ("a", "single character"),
        ("7", "single character"),
        (" e\u0301 ", "single character"),  # one letter with its accent
        ("\u00ad6\u200b", "single character"),
        ("a\x7f", "single character"),  # a control character is not a second character
        ("\u0640\u0640", "no visible character"),  # Arabic tatweel: a stroke, no letter
    ],
)
def test_a_quote_must_carry_meaning(quote: str, why: str, tmp_path: Path) -> None:
    problem = quote_problem(quote)
    assert problem is not None and why in problem
    assert find_quote(_snapshot(f"x {quote} 6 a ... y", tmp_path), quote) == []


@pytest.mark.parametrize("quote", ["16", "of", "\u00e9t\u00e9", "A4", "\u6f22\u5b57"])
def test_short_quotes_with_meaning_are_accepted(quote: str) -> None:
    assert quote_problem(quote) is None


def test_published_offsets_slice_the_raw_snapshot_exactly(tmp_path: Path) -> None:
    """Through publish: a snapshot with a byte order mark, CRLF line ends, a non-breaking
    space, a ligature and astral characters; each published `start`/`end` slices, from the
    snapshot read as the package README says (UTF-8, every character kept), exactly the
    passage quoted, neither wider nor narrower."""
    import csv
    import hashlib

    from opencase import publish

    raw = ("\ufeffHarbour report\r\nThe \ufb01nal count was 16 of the 17\u00a0officers.\r\n"
           "\U0001d400\U0001d401 said: \u201cwe failed\u201d.\r\n").encode()
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "snapshots" / "s.txt").write_bytes(raw)
    sha = hashlib.sha256(raw).hexdigest()
    quotes = {
        "harbour": "Harbour report",
        "count": "final count was 16 of the 17 officers",
        "speaker": 'AB said: "we failed"',
    }
    records = tmp_path / "records"
    records.mkdir()
    people = "".join(
        f"  - id: {rid}\n    name: {rid}\n    cite:\n      - source: s\n        quote: '{q}'\n"
        for rid, q in quotes.items())
    (records / "r.yaml").write_text(
        f"sources:\n  - id: s\n    kind: news-article\n    sha256: {sha}\npeople:\n{people}",
        encoding="utf-8")
    (tmp_path / "package.yaml").write_text("name: offsets\ntitle: Offsets\nversion: 1.0.0\n",
                                           encoding="utf-8")
    out = tmp_path / "pkg"
    result = publish(records, out, snapshots=tmp_path / "snapshots", strict=True)
    assert result.report.ok, result.report.format_text()
    text = (tmp_path / "snapshots" / "s.txt").open(encoding="utf-8", newline="").read()
    with (out / "csv" / "citations.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["quote"]]
    passages = {r["record_id"]: text[int(r["quote_start"]) : int(r["quote_end"])] for r in rows}
    assert passages == {
        "harbour": "Harbour report",
        "count": "\ufb01nal count was 16 of the 17\u00a0officers",
        "speaker": "\U0001d400\U0001d401 said: \u201cwe failed\u201d",
    }


def test_a_quote_repeated_a_million_times_is_counted_no_further_than_needed(
    tmp_path: Path,
) -> None:
    """Counting stops at the second place (ambiguous is ambiguous), and the places named stop
    at the limit: a huge repetitive snapshot costs one scan, not one check per repeat."""
    from opencase.validation.quotes import count_quote

    snapshot = _snapshot("ab " * 1_000_000, tmp_path)
    assert count_quote(snapshot, "ab ab", limit=2) == 2
    assert [m.start for m in find_quote(snapshot, "ab ab", limit=3)] == [0, 3, 6]
