"""Every problem in one run: a record's structural error hides none of its other problems
(quotes, references, ``supports``) nor those of other records, and "did you mean" suggests
only what the place accepts (the fields of the record's kind, the ids of the kinds a field
refers to), and only when it is a few typing slips away.

The fixture (tests/fixtures/one_run) has one source and four records, each with a structural
problem and another besides."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import opencase
from opencase.suggest import closest
from tests.conftest import run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "one_run"
RECORDS, SNAPSHOTS = FIXTURE / "records", FIXTURE / "snapshots"


def test_every_problem_of_every_record_in_one_run() -> None:
    report = opencase.validate(RECORDS, SNAPSHOTS)
    assert [(i.line, i.code, i.record_id, i.field) for i in report.sorted()] == [
        (11, "unknown-key", "council", "title"),
        (18, "unknown-key", "jo-bloggs", "titel"),
        # checked although jo-bloggs failed its model: its citation is valid on its own
        (21, "quote-not-found", "jo-bloggs", "cite[0].quote"),
        (22, "unknown-supported-field", "jo-bloggs", "cite[0].supports[0]"),
        (26, "unknown-source", "al-smith", "cite[0].source"),
        (31, "not-in-vocabulary", "meeting", "type"),
        # checked although the event failed its model: these fields are valid on their own
        (34, "unknown-reference", "meeting", "participants[0].who"),
        (36, "unknown-reference", "meeting", "proceeding"),
        # in a list field with a problem, each item is checked on its own, at its position
        (46, "not-in-vocabulary", "city-council", "names[0].type"),
        (49, "quote-not-found", "city-council", "names[0].cite[0].quote"),
        (51, "not-in-vocabulary", "city-council", "names[1].type"),
        (53, "unknown-source", "city-council", "names[1].cite[0].source"),
        (58, "invalid-type", "city-council", "cite[0].supports"),  # this citation waits
        (60, "quote-not-found", "city-council", "cite[1].quote"),
        (62, "missing-key", "hearing", "name"),
        (64, "not-in-vocabulary", "hearing", "type"),
        (68, "not-in-vocabulary", "hearing", "parties[0].role"),
        (69, "unknown-reference", "hearing", "parties[1].who"),
    ]


@pytest.mark.parametrize(("line", "ending"), [
    # 'title' is two slips from 'cite': no guess, the list of fields instead
    (11, "unknown field 'title'; allowed fields: cite, date, description, id, name, "
         "not_applicable, reported, unknown"),
    (18, "unknown field 'titel'; did you mean 'title'? allowed fields: cite, description, id, "
         "name, names, not_applicable, office, rank, reported, reported_age, "
         "reported_age_as_of, title, unknown"),
    (22, "cite[0].supports: people have no field 'nam'; did you mean 'name'? fields: "
         "description, name, names, not_applicable, office, rank, reported, reported_age, "
         "reported_age_as_of, title, unknown"),
    (26, "cite[0].source: 'minuets' is not a record; cite a source record's id; did you mean "
         "'minutes'?"),
    (34, "participants[0].who: no record has id 'jo-blogs'; did you mean 'jo-bloggs'?"),
    # the event 'meeting' is one letter away, but a proceeding is wanted: no guess
    (36, "proceeding: no record has id 'meetin'"),
])
def test_suggestions_come_from_what_the_place_accepts(line: int, ending: str) -> None:
    report = opencase.validate(RECORDS, SNAPSHOTS)
    (issue,) = [i for i in report.issues if i.line == line]
    assert issue.message == ending


def test_a_value_near_a_vocabulary_value_is_suggested(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    text = (RECORDS / "meeting.yaml").read_text(encoding="utf-8")
    sha = next(line.split()[-1] for line in text.splitlines() if "sha256:" in line)
    (records / "r.yaml").write_text(
        "sources:\n  - id: minutes\n    title: Minutes\n    kind: news-articl\n"
        f"    sha256: {sha.upper()}\n", encoding="utf-8")
    found = {i.field: i.message for i in opencase.validate(records, SNAPSHOTS).issues}
    assert found["kind"].startswith(
        "kind: 'news-articl' is not allowed; did you mean 'news-article'? use one of ")
    assert found["sha256"] == (f"sha256: {sha.upper()!r} has capital letters; write the "
                               "SHA-256 in lower case, as `sha256sum` prints it")


def test_the_cli_reports_them_all_and_exits_1() -> None:
    result = run_cli("validate", RECORDS, "--snapshots", SNAPSHOTS)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 19
    assert lines[-1] == "invalid: 18 errors, 0 warnings (1 file, 7 records)"


@pytest.mark.parametrize(("word", "choices", "expected"), [
    ("titel", ["cite", "title"], "title"),  # two neighbours swapped: one slip
    ("nam", ["name", "names"], "name"),  # the nearest
    ("partys", ["parties", "party_role"], "parties"),  # two slips in six letters
    ("descripton", ["description", "date"], "description"),
    ("title", ["cite", "date", "name"], None),  # two slips in five letters
    ("who", ["participants", "case"], None),
    ("Name", ["name", "names"], "name"),
])
def test_closest(word: str, choices: list[str], expected: str | None) -> None:
    assert closest(word, choices) == expected


@pytest.mark.parametrize(("quote", "where"), [
    ("compliant with policy", "line 1, column 20: 'non-compliant with policy'"),
    ("fi", "line 1, column 60: 'The ﬁnal'"),  # inside a ligature's expansion
])
def test_a_quote_inside_a_longer_word_says_so(tmp_path: Path, quote: str, where: str) -> None:
    snapshots, records = tmp_path / "snapshots", tmp_path / "records"
    snapshots.mkdir()
    records.mkdir()
    data = "The result was non-compliant with policy in 10⁴ cases. The ﬁnal report.\n"
    (snapshots / "a.txt").write_text(data, encoding="utf-8")
    sha = hashlib.sha256(data.encode("utf-8")).hexdigest()
    (records / "a.yaml").write_text(
        f"sources:\n  - id: a\n    title: A\n    kind: report\n    sha256: {sha}\n"
        f"    cite:\n      - source: a\n        quote: {quote}\n", encoding="utf-8")
    (issue,) = opencase.validate(records, snapshots).issues
    assert (issue.code, issue.line) == ("quote-not-found", 8)
    assert issue.message == (f"cite[0]: {quote!r} occurs in the snapshot of 'a' only as part "
                             f"of a longer word or number ({where}); quote whole words")


def test_every_command_gives_a_passage_the_same_line_and_column(tmp_path: Path) -> None:
    """Lines end at "\\n" (a lone "\\r" or U+2028 is no line end), a byte order mark takes no
    column: in coverage, find and the quote-not-found hint alike."""
    from opencase.curating.find import find

    snapshots, records = tmp_path / "snapshots", tmp_path / "records"
    snapshots.mkdir()
    records.mkdir()
    data = "\ufeffAlpha one. Beta two.\rGamma three.\u2028Delta four.\nEpsilon five.\n"
    (snapshots / "c.txt").write_text(data, encoding="utf-8")
    sha = hashlib.sha256(data.encode("utf-8")).hexdigest()
    (records / "c.yaml").write_text(
        f"sources:\n  - id: c\n    title: C\n    kind: report\n    sha256: {sha}\n"
        "    cite:\n      - source: c\n        quote: Epsilon five\n", encoding="utf-8")
    found = {o.quote: (o.line, o.column) for phrase in ("Alpha one", "Delta four")
             for o in find(phrase, records, snapshots).occurrences}
    assert found == {"Alpha one": (1, 1), "Delta four": (1, 35)}
    covered = opencase.coverage(records, snapshots, minimum=0)
    uncovered = {p.text: (p.line, p.column) for p in covered.sources[0].uncovered}
    assert uncovered["Alpha one"] == (1, 1)
    assert uncovered["Delta four"] == (1, 35)
