"""``opencase find``: where a phrase occurs in the snapshots, as validation matches quotes; the
prefix or suffix that tells each occurrence apart; the nearest passages of an absent phrase;
ready-to-paste ``cite:`` items. And the nearest passage that ``quote-not-found`` names.

The fixture (tests/fixtures/find) has two sources with snapshots: ``pier-notice``
(snapshots/pier.txt, with curly quotes, a dash and double spaces on line 5, and a sentence
repeated on line 6) and ``gazette-report`` (snapshots/gazette.txt, where "the pier will close"
occurs twice), and ``residents-letter``, known only through the notice (no snapshot)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import opencase
from opencase.curating.find import MAX_WORDS, find
from opencase.errors import InvalidArgument
from opencase.validation import nearest
from opencase.validation.nearest import nearest_passages
from opencase.validation.quotes import Snapshot, SnapshotIndex, find_quote

from .conftest import FIXTURES, run_cli


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A writable copy of the fixture; commands run in it (records/, snapshots/)."""
    dest = tmp_path / "pier"
    shutil.copytree(FIXTURES / "find", dest)
    return dest


def find_cli(dataset: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("find", *args, "--snapshots", "snapshots", cwd=dataset)


# ---- occurrences


def test_a_unique_phrase_with_its_line_column_and_context(dataset: Path) -> None:
    result = find_cli(dataset, "six weeks of repairs")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "snapshots/pier.txt:3:56: pier-notice: ...the pier will close on 3 May 2024 for "
        "[six weeks of repairs].",
        "found once in 'pier-notice'",
    ]


@pytest.mark.parametrize("phrase", [
    '"We were not asked - again." The harbour',  # straight quotes, a hyphen for the dash
    "“We were not asked—again.”  The  harbour",  # no spaces round the dash, double spaces
    "\u201cWe were not\nasked \u2013 again.\u201d The harbour",  # a line break, an en dash
])
def test_typography_and_white_space_may_differ_as_in_validation(
    dataset: Path, phrase: str,
) -> None:
    result = find_cli(dataset, phrase)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "snapshots/pier.txt:5:17: pier-notice: Residents said: "
        "[“We were not asked — again.” The harbour] master agreed.",
        "found once in 'pier-notice'",
    ]
    # exactly where validation's own matching finds it
    snap = SnapshotIndex(dataset / "snapshots").get(
        hashlib.sha256((dataset / "snapshots/pier.txt").read_bytes()).hexdigest())
    assert snap is not None
    (m,) = find_quote(snap, phrase)
    (o,) = find(phrase, dataset / "records", dataset / "snapshots").occurrences
    assert (o.start, o.end) == (m.start, m.end)


@pytest.mark.parametrize("phrase", [
    "ier will close",  # starts inside a word
    "The council said the pier will clos",  # ends inside a word
    "3 May 202",  # ends inside a number
    "the Pier will close",  # letters' case is never folded
])
def test_only_whole_passages_are_found(dataset: Path, phrase: str) -> None:
    result = find_cli(dataset, phrase)
    assert result.returncode == 1
    assert not find(phrase, dataset / "records", dataset / "snapshots").occurrences
    assert result.stdout.splitlines()[-1] == (
        "not found in any of 2 sources; the nearest passages are above")


def test_source_restricts_the_search(dataset: Path) -> None:
    everywhere = find_cli(dataset, "the pier will close")
    assert [line.split(":")[0] for line in everywhere.stdout.splitlines()
            if line.startswith("snapshots/")] == [
        "snapshots/pier.txt", "snapshots/gazette.txt", "snapshots/gazette.txt"]
    only = find_cli(dataset, "the pier will close", "--source", "pier-notice")
    assert only.returncode == 0
    assert only.stdout.splitlines() == [
        "snapshots/pier.txt:3:18: pier-notice: The council said [the pier will close] on 3 "
        "May 2024 for six weeks of repairs.",
        "found once in 'pier-notice'",
    ]


# ---- ambiguous phrases: the prefix or suffix that tells each occurrence apart


def test_an_ambiguous_phrase_gets_the_shortest_prefix_or_suffix(dataset: Path) -> None:
    result = find_cli(dataset, "the pier will close", "--source", "gazette-report")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "snapshots/gazette.txt:1:10: gazette-report: Gazette: [the pier will close]",
        "  unique with suffix: The",  # (the next line's first word: 3 letters, 'Gazette:' 8)
        "snapshots/gazette.txt:3:35: gazette-report: The Harbour Gazette reported that "
        "[the pier will close] for repairs, the council said.",
        "  unique with suffix: for",
        "found 2 times in 'gazette-report'; each is unique with the prefix or suffix shown",
    ]


def test_a_lone_punctuation_mark_is_no_prefix_or_suffix(dataset: Path) -> None:
    # after the first "The pier opened in 1901" comes ". The": two words, against the one
    # word of the prefix "agreed."; '.' alone would tell it apart, but says nothing
    (first, second) = find("The pier opened in 1901", dataset / "records",
                           dataset / "snapshots").occurrences
    assert (first.prefix, first.suffix) == ("agreed.", None)
    assert (second.prefix, second.suffix) == ("1901.", None)


@pytest.mark.parametrize(("phrase", "source"), [
    ("The pier opened in 1901", "pier-notice"),
    ("the pier will close", "gazette-report"),
    ("“We were not asked - again.”  The harbour", "pier-notice"),
])
def test_cite_round_trip_validates(dataset: Path, phrase: str, source: str) -> None:
    """The --cite output pasted under a record's cite: validates, quotes and all."""
    result = find_cli(dataset, phrase, "--source", source, "--cite")
    assert result.returncode == 0, result.stdout + result.stderr
    items = result.stdout.rstrip("\n")
    (dataset / "records/people.yaml").write_text(
        "people:\n  - id: harbour-master\n    description: The harbour master.\n    cite:\n"
        + "\n".join(f"      {line}" for line in items.splitlines()) + "\n",
        encoding="utf-8")
    valid = run_cli("validate", "records", "--snapshots", "snapshots", "--strict", cwd=dataset)
    assert valid.returncode == 0, items + "\n" + valid.stdout
    assert valid.stdout.strip() == "valid: 0 errors, 0 warnings (2 files, 4 records)"


def test_cite_prints_yaml_items_with_where_each_is(dataset: Path) -> None:
    result = find_cli(dataset, "The pier opened in 1901", "--cite")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "# snapshots/pier.txt:6:1",
        "- source: pier-notice",
        "  quote: The pier opened in 1901",
        "  prefix: agreed.",
        "# snapshots/pier.txt:6:26",
        "- source: pier-notice",
        "  quote: The pier opened in 1901",
        "  prefix: '1901.'",
    ]
    once = find_cli(dataset, '"We were not asked - again."', "--cite")
    assert once.stdout.splitlines() == [  # the source's own words, quoted for YAML
        "- source: pier-notice",
        "  quote: “We were not asked — again.”",
    ]


def test_occurrences_no_prefix_or_suffix_tells_apart_exit_1(dataset: Path) -> None:
    # a sentence of 14 words, three times: whatever words (up to 12) are taken before or
    # after the first or the last occurrence of its first five, another has them too; the
    # middle one is told apart by a prefix and a suffix together
    sentence = " ".join(f"word{k}" for k in range(MAX_WORDS + 2)) + "."
    _replace_snapshot(dataset, (sentence + "\n") * 3)
    result = find_cli(dataset, "word0 word1 word2 word3 word4", "--source", "pier-notice")
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert out[1::2] == [
        "  no prefix or suffix (nor both) tells it apart",
        "  unique with prefix: word13.  and suffix: word5 word6 word7 word8 word9 word10 "
        "word11 word12 word13. word0",
        "  no prefix or suffix (nor both) tells it apart",
    ]
    assert out[-1] == ("found 3 times in 'pier-notice'; 2 cannot be told apart by a prefix or "
                       f"suffix (or both) of up to {MAX_WORDS} words (the same words around "
                       "them): cite a longer passage")
    cites = find_cli(dataset, "word0 word1 word2 word3 word4", "--cite")
    assert cites.returncode == 1
    # the one that can be cited, pasted into a record, validates
    item = [c for c in yaml.safe_load(cites.stdout) or [] if "prefix" in c]
    assert item == [{"source": "pier-notice", "quote": "word0 word1 word2 word3 word4",
                     "prefix": "word13.", "suffix": "word5 word6 word7 word8 word9 word10 "
                     "word11 word12 word13. word0"}]
    (dataset / "records/words.yaml").write_text(yaml.safe_dump(
        {"cases": [{"id": "words", "name": "Words", "cite": item}]}), encoding="utf-8")
    report = opencase.validate(dataset / "records", dataset / "snapshots")
    assert [i.code for i in report.issues if i.record_id == "words"] == []


@pytest.mark.parametrize("before", ["@council", "-will.", "=x", "+1"])
def test_a_prefix_that_starts_like_a_formula_is_never_suggested(dataset: Path,
                                                                before: str) -> None:
    _replace_snapshot(dataset, f"Notes\n- The pier will close.\n{before} The pier will close.\n")
    result = find_cli(dataset, "The pier will close", "--source", "pier-notice", "--cite")
    for item in yaml.safe_load(result.stdout) or []:
        for key in ("prefix", "suffix"):
            assert str(item.get(key, "x"))[:1] not in "=+-@", item


# ---- absent phrases: the nearest passages


def test_an_absent_phrase_gets_the_nearest_passage_with_the_difference(dataset: Path) -> None:
    result = find_cli(dataset, "Fishing from the pier, will stop too")
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.splitlines() == [
        "nearest passages, [-phrase-]{+source+}:",
        "snapshots/pier.txt:4:1: pier-notice (98% alike): Fishing from the pier[-,-] will stop "
        "too",
        "not found in any of 2 sources; the nearest passages are above",
    ]
    # --cite has nothing to print: the same report
    assert find_cli(dataset, "Fishing from the pier, will stop too", "--cite").stdout == (
        result.stdout)


def test_nothing_near_says_not_found(dataset: Path) -> None:
    result = find_cli(dataset, "Nothing like this at all", "--source", "pier-notice")
    assert result.returncode == 1
    assert result.stdout == "not found in 'pier-notice'\n"


# ---- JSON


def test_json_output(dataset: Path) -> None:
    result = find_cli(dataset, "the pier will close", "--source", "gazette-report",
                      "--format", "json")
    assert result.returncode == 0
    out = json.loads(result.stdout)
    assert list(out) == ["phrase", "ok", "sources", "occurrences", "truncated", "nearest",
                         "unreadable"]
    assert (out["phrase"], out["ok"], out["sources"]) == (
        "the pier will close", True, ["gazette-report"])
    assert out["occurrences"][0] == {
        "source": "gazette-report", "snapshot": "snapshots/gazette.txt", "line": 1,
        "column": 10, "start": 9, "end": 28, "text": "the pier will close",
        "quote": "the pier will close", "before": "Gazette: ", "after": "", "prefix": None,
        "suffix": "The", "citable": True,
        "cite": {"source": "gazette-report", "quote": "the pier will close", "suffix": "The"},
    }
    absent = json.loads(find_cli(dataset, "Fishing from the pier, will stop too",
                                 "--format", "json").stdout)
    assert (absent["ok"], absent["occurrences"]) == (False, [])
    assert absent["nearest"] == [{
        "source": "pier-notice", "snapshot": "snapshots/pier.txt", "line": 4, "column": 1,
        "start": 104, "end": 139, "text": "Fishing from the pier will stop too",
        "similarity": 98, "marked": "Fishing from the pier[-,-] will stop too",
    }]


# ---- usage errors: exit 2, one line on stderr


@pytest.mark.parametrize(("args", "says"), [
    (["the pier", "--source", "nobody"],
     "no source 'nobody' in records (sources: gazette-report, pier-notice, residents-letter)"),
    (["the pier", "--source", "residents-letter"],
     "source 'residents-letter' has no snapshot of its own (no sha256); a passage quoted from "
     "it is in the snapshot of the source that quotes it: look there"),
    ([" . "], "the phrase ' . ' holds no letter or digit: it could not be a quote; give the "
     "words to look for"),
    (["x"], "the phrase 'x' is a single character ('x'): it could not be a quote; give the "
     "words to look for"),
    (["the pier", "--snapshots", "nowhere"], "snapshot folder not found: nowhere"),
    (["the pier", "--records", "nowhere"], "records folder not found: nowhere"),
])
def test_usage_errors_exit_2(dataset: Path, args: list[str], says: str) -> None:
    result = run_cli("find", *args, *(["--snapshots", "snapshots"]
                                       if "--snapshots" not in args else []), cwd=dataset)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"opencase find: error: {says}\n"


def test_a_source_whose_snapshot_is_missing(dataset: Path) -> None:
    (dataset / "snapshots/gazette.txt").unlink()
    result = find_cli(dataset, "the pier", "--source", "gazette-report")
    assert result.returncode == 2
    assert result.stderr == ("opencase find: error: no snapshot of source 'gazette-report' "
                             "(sha256 b8a02daafd38...) in snapshots\n")
    # without --source, the sources whose snapshot is there are searched
    assert find_cli(dataset, "the pier will close").stdout.splitlines()[-1] == (
        "found once in 'pier-notice'")


def test_a_snapshot_that_is_not_utf8_is_not_searched(dataset: Path) -> None:
    path = dataset / "snapshots/gazette.txt"
    old = hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_bytes(b"the pier will close \xff\n")
    new = hashlib.sha256(path.read_bytes()).hexdigest()
    sources = dataset / "records/sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    result = find_cli(dataset, "the pier will close")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "note: snapshot snapshots/gazette.txt cannot be read as UTF-8 text; not searched",
        "snapshots/pier.txt:3:18: pier-notice: The council said [the pier will close] on 3 "
        "May 2024 for six weeks of repairs.",
        "found once in 'pier-notice'",
    ]
    only = find_cli(dataset, "the pier will close", "--source", "gazette-report")
    assert (only.returncode, only.stderr) == (2, (
        "opencase find: error: the snapshot of 'gazette-report' (snapshots/gazette.txt) cannot "
        "be read as UTF-8 text\n"))


def test_records_that_cannot_be_read_say_so(dataset: Path) -> None:
    (dataset / "records/sources.yaml").write_text("sources:\n  - id: [broken\n",
                                                  encoding="utf-8")
    result = find_cli(dataset, "the pier")
    assert result.returncode == 2
    assert result.stderr == ("opencase find: error: no source of records has its snapshot in "
                             "snapshots; check --records and --snapshots (some record files "
                             "cannot be read: run `opencase validate`)\n")


def test_the_library_function() -> None:
    assert opencase.find is find and "find" in opencase.__all__
    with pytest.raises(InvalidArgument, match="needs the snapshot folder"):
        find("the pier", FIXTURES / "find/records")
    result = find("the pier will close", FIXTURES / "find/records", FIXTURES / "find/snapshots")
    assert result.ok and len(result.occurrences) == 3


# ---- quote-not-found names the nearest passage


def test_quote_not_found_names_the_nearest_passage(dataset: Path) -> None:
    (dataset / "records/people.yaml").write_text(
        "people:\n"
        "  - id: harbour-master\n"
        "    description: The harbour master.\n"
        "    cite:\n"
        "      - source: pier-notice\n"
        "        quote: Fishing from the pier, will stop too\n"
        "      - source: pier-notice\n"
        "        quote: The harbour master disagreed\n"
        "      - source: pier-notice\n"
        "        quote: Nothing like this at all\n", encoding="utf-8")
    result = run_cli("validate", "records", "--snapshots", "snapshots", cwd=dataset)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "records/people.yaml:6:9: error quote-not-found cite[0]: 'Fishing from the pier, will "
        "stop too' does not occur in the snapshot of 'pier-notice'; nearest passage (line 4, "
        "column 1, 98% alike), [-quote-]{+source+}: 'Fishing from the pier[-,-] will stop too'; "
        "copy the passage exactly",
        # the double spaces of the source are no difference
        "records/people.yaml:8:9: error quote-not-found cite[1]: 'The harbour master "
        "disagreed' does not occur in the snapshot of 'pier-notice'; nearest passage (line 5, "
        "column 47, 94% alike), [-quote-]{+source+}: 'The harbour master [-disagreed-]"
        "{+agreed+}'; copy the passage exactly",
        "records/people.yaml:10:9: error quote-not-found cite[2]: 'Nothing like this at all' "
        "does not occur in the snapshot of 'pier-notice'; copy the passage exactly",
        "invalid: 3 errors, 0 warnings (2 files, 4 records)",
    ]


def test_valid_records_never_import_rapidfuzz() -> None:
    code = ("import sys, opencase\n"
            f"r = opencase.validate({str(FIXTURES / 'find/records')!r}, "
            f"{str(FIXTURES / 'find/snapshots')!r})\n"
            "assert r.ok, r.format_text()\n"
            "print('rapidfuzz' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "False\n"


# ---- the nearest-passage search itself


def _replace_snapshot(dataset: Path, text: str) -> None:
    """Give pier-notice the snapshot ``text`` (its sha256 in sources.yaml updated)."""
    path = dataset / "snapshots/pier.txt"
    old = hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_text(text, encoding="utf-8")
    new = hashlib.sha256(path.read_bytes()).hexdigest()
    sources = dataset / "records/sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def _snapshot(tmp_path: Path, text: str) -> Snapshot:
    path = tmp_path / "text.txt"
    path.write_text(text, encoding="utf-8")
    return Snapshot("x", path)


@pytest.mark.parametrize(("quote", "marked", "similarity"), [
    ("Anthony Walgate, 2", "Anthony Walgate, [-2-]{+23+}", 97),
    ("Anthony Walgate 23", "Anthony Walgate{+,+} 23", 97),
    ("the murder of Anthony", "the [-murder-]{+murders+} of Anthony", 97),
    ("convicted in 2016 of murder", "convicted in 2016 of [-murder-]{+the murders+}", 91),
    ("He was convicted in 2015", "He was convicted in [-2015-]{+2016+}", 95),
    ("anthony walgate", "[-anthony-]{+Anthony+} [-walgate-]{+Walgate+}", 86),  # case counts
])
def test_marked_differences(tmp_path: Path, quote: str, marked: str, similarity: int) -> None:
    snap = _snapshot(tmp_path, "He was convicted in 2016 of the murders of Anthony Walgate, 23, "
                     "and others.\n")
    (best, *_) = nearest_passages(snap, quote)
    assert (best.marked(), best.similarity) == (marked, similarity)
    assert snap.text[best.start:best.end] == best.text


def test_marked_keeps_context_words_around_each_difference(tmp_path: Path) -> None:
    words = " ".join(f"w{k}" for k in range(30))
    snap = _snapshot(tmp_path, words + ".\n")
    (best,) = nearest_passages(snap, words.replace("w3 ", "w3, ").replace("w25", "v25"),
                               limit=1)
    assert best.marked(context=2) == (
        "... w1 w2 w3[-,-] w4 w5 ... w23 w24 [-v25-]{+w25+} w26 w27 ...")
    assert best.marked() == best.marked(context=30)  # (all of it)


def test_large_snapshots_are_searched_around_the_quotes_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(nearest, "WHOLE_TEXT", 1000)  # (a long text, without the wait)
    filler = "Nothing to see in this line at all.\n" * 200
    snap = _snapshot(tmp_path, filler + "The harbour master agreed to the closure.\n" + filler)
    (best,) = nearest_passages(snap, "The harbour master agreed, to the closure", limit=1)
    assert (best.line, best.column, best.marked()) == (
        201, 1, "The harbour master agreed[-,-] to the closure")
    # a quote none of whose words occurs finds nothing there
    assert nearest_passages(snap, "Thx hxrbour mxster xgreed") == []


def test_overlong_quotes_are_not_looked_for(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path, "a b " * 1000)
    assert nearest_passages(snap, "a b " * (nearest.MAX_QUOTE // 4 + 1) + "c") == []


def test_cite_says_when_occurrences_were_left_out(dataset: Path) -> None:
    from opencase.curating.find import MAX_SHOWN

    _replace_snapshot(dataset, "".join(f"Line {k}: the pier.\n" for k in range(MAX_SHOWN + 5)))
    result = find_cli(dataset, "the pier", "--source", "pier-notice", "--cite")
    assert result.returncode == 1
    items = yaml.safe_load(result.stdout)
    assert len(items) == MAX_SHOWN
    assert result.stdout.splitlines()[-1] == (
        f"# only the first {MAX_SHOWN} occurrences in 'pier-notice' are listed: cite a longer "
        "passage")
