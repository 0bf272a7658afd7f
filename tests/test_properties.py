"""Property-based tests (hypothesis): EDTF dates, quote matching, and the round trip of
records through a published package.

- EDTF: every date opencase accepts parses, with start <= end, and the days it means are the
  calendar's (a year has 365 or 366, a month its own length, a day is itself); anything else is
  refused with :class:`EDTFError`, never another exception.
- Quotes: a passage taken from any position of a text, and written with any of the variations
  matching allows (typographic quotes, dashes with or without spaces, runs of white space,
  non-breaking spaces, composed or decomposed accents), is found at that very position.
- Round trip: generated records of every kind (the generator of ``test_tables``), published
  with the real writer and read back with ``opencase.load``, from Parquet and from CSV alone,
  are the records that went in.
"""

from __future__ import annotations

import calendar
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import opencase.validation.quotes
from opencase.language.edtf import EDTFError, parse_edtf
from opencase.validation.quotes import Snapshot, find_quote, normalise

from .test_tables import datasets as _datasets  # generated records of every kind

FAST = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# ---------------------------------------------------------------- EDTF

QUALIFIERS = st.sampled_from(["", "?", "~", "%"])


@st.composite
def edtf_single(draw: st.DrawFn) -> tuple[str, date, date]:
    """A single EDTF date (year, year-month or day), with the first and last day it means."""
    year = draw(st.integers(1, 9999))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    qual = draw(QUALIFIERS)
    if precision == "year":
        return f"{year:04d}{qual}", date(year, 1, 1), date(year, 12, 31)
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    if precision == "month":
        return f"{year:04d}-{month:02d}{qual}", date(year, month, 1), date(year, month, last)
    day = draw(st.integers(1, last))
    d = date(year, month, day)
    return f"{d.isoformat()}{qual}", d, d


@given(edtf_single())
@settings(FAST)
def test_every_valid_date_parses_to_its_calendar_days(case: tuple[str, date, date]) -> None:
    text, start, end = case
    value = parse_edtf(text)
    assert (value.start, value.end) == (start, end)
    assert value.start <= value.end
    assert value.text == text
    assert value.uncertain == (text[-1] in "?%")
    assert value.approximate == (text[-1] in "~%")
    days = (value.end - value.start).days + 1
    core = text.rstrip("?~%")
    y = int(core[:4])
    if len(core) == 4:
        assert days == (366 if calendar.isleap(y) else 365)
    elif len(core) == 7:
        assert days == calendar.monthrange(y, int(core[5:7]))[1]
    else:
        assert days == 1


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
@settings(FAST)
def test_every_calendar_day_is_a_date_and_its_neighbours_are_not_it(d: date) -> None:
    value = parse_edtf(d.isoformat())
    assert value.start == value.end == d
    month = parse_edtf(d.isoformat()[:7])
    assert month.start <= d <= month.end
    if d < date(9999, 12, 31):
        after = d + timedelta(days=1)
        if after.month != d.month:  # the day after the last of a month does not exist in it
            with pytest.raises(EDTFError):
                parse_edtf(f"{d.year:04d}-{d.month:02d}-{d.day + 1:02d}")


@given(edtf_single(), edtf_single(), st.sampled_from(["both", "open-start", "open-end",
                                                      "unknown-start", "unknown-end"]))
@settings(FAST)
def test_intervals(a: tuple[str, date, date], b: tuple[str, date, date], shape: str) -> None:
    (lt, ls, _), (rt, _, re_) = sorted([a, b], key=lambda x: (x[1], x[2]))
    if shape == "both":
        text, start, end = f"{lt}/{rt}", ls, re_
        if re_ < ls:  # the later-starting one may still end first (2016/2016-03)
            with pytest.raises(EDTFError, match="before it starts"):
                parse_edtf(text)
            return
    elif shape == "open-start":
        text, start, end = f"../{rt}", None, re_
    elif shape == "open-end":
        text, start, end = f"{lt}/..", ls, None
    elif shape == "unknown-start":
        text, start, end = f"/{rt}", None, re_
    else:
        text, start, end = f"{lt}/", ls, None
    value = parse_edtf(text)
    assert value.is_interval
    assert (value.start, value.end) == (start, end)
    if start is not None and end is not None:
        assert start <= end


@given(edtf_single(), edtf_single())
@settings(FAST)
def test_an_interval_that_ends_before_it_starts_is_refused(
    a: tuple[str, date, date], b: tuple[str, date, date]
) -> None:
    a, b = sorted([a, b], key=lambda x: x[1], reverse=True)  # a starts last
    assume(b[2] < a[1])
    with pytest.raises(EDTFError, match="before it starts"):
        parse_edtf(f"{a[0]}/{b[0]}")


@given(st.text(alphabet="0123456789-/.?~%X ", max_size=24) | st.text(max_size=24))
@settings(FAST)
@example("2021-02-29")
@example("2020-00")
@example("0000")
@example("2016/2017/2018")
@example("../..")
@example(" 2016")
def test_any_text_parses_or_is_refused_with_edtf_error(text: str) -> None:
    try:
        value = parse_edtf(text)
    except EDTFError as exc:
        assert str(exc)
        return
    if value.start is not None and value.end is not None:
        assert value.start <= value.end
    assert value.start is not None or value.end is not None


# ---------------------------------------------------------------- quote matching

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b\u2032"
DOUBLE_QUOTES = '"\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb'
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
SPACES = [" ", "  ", "\u00a0", "\t", "\n", " \n ", "\u2009", "\u00a0 "]
WORD_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?()"
ACCENTED = ["\u00e9", "e\u0301", "\u00fc", "u\u0308", "\ufb01", "\u00c5"]  # é é ü ü ﬁ Å

TOKENS = st.one_of(
    st.text(alphabet=WORD_CHARS, min_size=1, max_size=8),
    st.sampled_from(ACCENTED),
    st.sampled_from(list(SINGLE_QUOTES + DOUBLE_QUOTES + DASHES)),
    st.sampled_from(SPACES),
)


@st.composite
def variant(draw: st.DrawFn, passage: str) -> str:
    """``passage`` written as a curator might: each quote mark, dash, white-space run and
    accent possibly swapped for an equivalent one, spaces around dashes added or dropped."""
    out: list[str] = []
    i = 0
    n = len(passage)
    while i < n:
        c = passage[i]
        if c.isspace():
            j = i
            while j < n and passage[j].isspace():
                j += 1
            near_dash = (i > 0 and passage[i - 1] in DASHES) or (j < n and passage[j] in DASHES)
            choices = [*SPACES, ""] if near_dash else SPACES
            out.append(draw(st.sampled_from(choices)))
            i = j
            continue
        if c in SINGLE_QUOTES:
            out.append(draw(st.sampled_from(SINGLE_QUOTES)))
        elif c in DOUBLE_QUOTES:
            out.append(draw(st.sampled_from(DOUBLE_QUOTES)))
        elif c in DASHES:
            pad = draw(st.sampled_from(["", " "]))
            out.append(pad + draw(st.sampled_from(DASHES)) + pad)
        else:
            form = draw(st.sampled_from(["NFC", "NFD"]))
            out.append(unicodedata.normalize(form, c) if c != "\ufb01" else
                       draw(st.sampled_from(["\ufb01", "fi"])))
        i += 1
    return "".join(out)


def _is_blank(c: str) -> bool:
    return normalise(c)[0].strip() == ""


def _snapshot(text: str, folder: Path) -> Snapshot:
    path = folder / "snapshot.txt"
    path.write_bytes(text.encode("utf-8"))
    return Snapshot("x" * 64, path)


@given(data=st.data(), tokens=st.lists(TOKENS, min_size=1, max_size=40))
@settings(FAST)
def test_a_passage_is_found_where_it_was_taken(
    data: st.DataObject, tokens: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    text = "".join(tokens)
    # a passage a curator copies starts and ends between tokens: here, next to ASCII white
    # space and not before a combining mark (tests/test_quote_boundaries.py holds the whole
    # rule, with the other places a token may end)
    def inside(k: int) -> bool:
        if k in (0, len(text)):
            return False
        if unicodedata.combining(text[k]):
            return True
        return not (text[k - 1] in " \t\n" or text[k] in " \t\n")

    cuts = [k for k in range(len(text) + 1) if not inside(k)]
    i = data.draw(st.sampled_from(cuts[:-1]), label="start")
    j = data.draw(st.sampled_from([k for k in cuts if k > i]), label="end")
    # the passage as found: its white space at either end does not count
    while i < j and _is_blank(text[i]):
        i += 1
    while j > i and _is_blank(text[j - 1]):
        j -= 1
    assume(i < j and opencase.validation.quotes.quote_problem(text[i:j]) is None)
    quote = data.draw(variant(text[i:j]), label="quote")
    snap = _snapshot(text, tmp_path_factory.mktemp("q"))
    found = [(m.start, m.end) for m in find_quote(snap, quote)]
    assert (i, j) in found, (text, text[i:j], quote, found)


@given(tokens=st.lists(TOKENS, min_size=1, max_size=40))
@settings(FAST)
def test_normalise_maps_every_character_back_into_the_text(tokens: list[str]) -> None:
    text = "".join(tokens)
    norm, idx = normalise(text)
    assert len(norm) == len(idx)
    assert idx == sorted(idx)
    assert all(0 <= k < len(text) for k in idx)
    assert "  " not in norm and " -" not in norm and "- " not in norm


# ---------------------------------------------------------------- records -> package -> load

ROUND_TRIP = settings(max_examples=15, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow,
                                             HealthCheck.function_scoped_fixture])


def _csv_only(package: Path) -> None:
    """The package without its Parquet files, as another publisher might give it."""
    import json
    import shutil

    desc = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"] = [r for r in desc["resources"] if r.get("format") != "parquet"]
    (package / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    shutil.rmtree(package / "parquet")


@given(records=_datasets())
@ROUND_TRIP
def test_records_package_load_round_trip(
    records: dict[str, list[Any]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Generated records (any text: quotes, commas, line breaks, "NA", "null", formulas,
    non-Latin scripts) published as a package, then loaded from its Parquet files and from
    its CSV files alone: every record comes back equal, field by field."""
    import opencase
    from opencase.publishing.metadata import PackageConfig
    from opencase.publishing.publish import write_package
    from opencase.publishing.tables import to_tables

    out = tmp_path_factory.mktemp("rt") / "datapackage"
    config = PackageConfig(name="round-trip", title="Round trip", version="1.0.0")
    write_package(to_tables(records), out, config, sources=records.get("sources", []),
                  progress=False)
    expected = {kind: sorted(recs, key=lambda r: r.id) for kind, recs in records.items()}
    pkg = opencase.load(out)
    for kind in expected:
        assert pkg.records(kind) == expected[kind], kind
    _csv_only(out)
    pkg = opencase.load(out)
    for kind in expected:
        assert pkg.records(kind) == expected[kind], f"{kind} (from CSV)"


# ---------------------------------------------------------------- YAML text is kept as written

_YAML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                           blacklist_characters="\ufffe\uffff") | st.sampled_from("\t\n \"'#:-"),
    min_size=1, max_size=40,
).filter(lambda t: t.strip() != "")


@given(name=_YAML_TEXT, description=_YAML_TEXT,
       style=st.sampled_from([None, '"', "'", "|", ">"]))
@settings(FAST)
def test_a_yaml_value_is_read_as_the_text_written(
    name: str, description: str, style: str | None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Any text (YAML 1.1 booleans and numbers, dates, quotes, '#', ': ', tabs, line breaks,
    non-Latin scripts, U+2028) written to a record file by a YAML emitter, in any scalar
    style, is read back as exactly that text: no typing, no trimming, no folding."""
    import yaml

    from opencase.validation.validate import validate

    folder = tmp_path_factory.mktemp("yaml")
    data = {"sources": [{"id": "src", "kind": "other", "title": "t", "sha256": "0" * 64}],
            "people": [{"id": "someone", "name": name, "description": description,
                        "cite": [{"source": "src", "quote": "a quote"}]}]}
    text = yaml.safe_dump(data, allow_unicode=True, default_style=style, sort_keys=False)
    (folder / "r.yaml").write_text(text, encoding="utf-8")
    report = validate(folder)
    assert [i.code for i in report.errors] == [], (text, report.format_text())
    (person,) = report.dataset.records["people"]
    assert (person.name, person.description) == (name, description), text
