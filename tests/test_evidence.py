"""The evidence lint: a citation that backs a number, a date or a name states it.

``tests/fixtures/evidence/`` is a small fictional dataset in which every citation states what
it backs (the lint finds nothing). Each case below changes one thing in a copy of it and states
the evidence issues that must follow: code, line and field (the file is always
``riverside.yaml``); the matchers are tested on their own after that.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import opencase
from opencase.codes import Code
from opencase.report import Severity
from opencase.validation.evidence import date_stated, name_stated, number_stated, number_words
from opencase.validation.folding import fold

from .conftest import FIXTURES, run_cli

DATA = FIXTURES / "evidence"
FILE = "riverside.yaml"
VALUE = Code.EVIDENCE_VALUE_NOT_IN_QUOTE
NAME = Code.EVIDENCE_NAME_NOT_IN_QUOTE
EVIDENCE = {VALUE, NAME}

# (case id, text to replace (must occur once), replacement, [(code, line, field), ...])
CASES: list[tuple[str, str, str, list[tuple[Code, int, str]]]] = [
    # counts, ages and other numbers
    ("count in words (twenty-three) stated", "", "", []),
    ("count not stated, whole-record citation", "count: 23", "count: 24", [(VALUE, 63, "count")]),
    ("count of the start of a larger number", "count: 23", "count: 20", [(VALUE, 63, "count")]),
    ("count with thousands separator stated", "", "", []),
    ("count inside a larger number", "count: 1250", "count: 125", [(VALUE, 92, "count")]),
    ("age not stated", "reported_age: 34", "reported_age: 33",
     [(VALUE, 42, "cite[0].supports[1]")]),
    (
        "a note that states the value",
        "        quote: Twenty-three officers gave evidence\n",
        "        quote: Twenty-three officers gave evidence\n"
        "        note: Twenty-three gave evidence, and one more was named in a list.\n",
        [],
    ),
    (
        "a note that does not state the value",
        "count: 23\n    cite:\n      - source: report\n"
        "        quote: Twenty-three officers gave evidence\n",
        "count: 24\n    cite:\n      - source: report\n"
        "        quote: Twenty-three officers gave evidence\n"
        "        note: The officers were all from one force.\n",
        [(VALUE, 63, "count")],
    ),
    (
        "a dozen is not a count",
        "events:\n",
        "  - id: witnesses\n    name: witnesses\n    count: 12\n    cite:\n"
        "      - source: report\n        quote: A dozen witnesses were called.\n"
        "        supports: [name, count]\nevents:\n",
        [(VALUE, 73, "cite[0].supports[1]")],
    ),
    # dates
    ("interval: both years stated", "", "", []),
    ("interval: a year not stated", "date: 2019/2022", "date: 2018/2022",
     [(VALUE, 10, "cite[0].supports[0]")]),
    ("interval with an open end", "date: 2019/2022", "date: 2019/..", []),
    ("interval with an unknown start", "date: 2019/2022", "date: /2022", []),
    ("year of a month not stated", "date: 2020-07", "date: 2021-07",
     [(VALUE, 76, "cite[0].supports[0]")]),
    ("month not stated", "date: 2020-07", "date: 2020-06", [(VALUE, 76, "cite[0].supports[0]")]),
    ("day not stated", "date: 2021-03-15", "date: 2021-03-16",
     [(VALUE, 86, "cite[0].supports[1]")]),
    ("day not in a month's quote", "date: 2020-07", "date: 2020-07-15",
     [(VALUE, 76, "cite[0].supports[0]")]),
    ("coarser date than the quote", "date: 2021-03-15", "date: 2021-03", []),
    # names
    ("name not in quote", "name: Helen Achebe", "name: Helen Okafor",
     [(NAME, 50, "cite[0].supports[0]")]),
    ("surname alone is not the name", "name: Helen Achebe", "name: Helen Ada Achebe",
     [(NAME, 50, "cite[0].supports[0]")]),
    ("office not in quote", "office: coroner", "office: senior coroner",
     [(NAME, 50, "cite[0].supports[2]")]),
    ("short name not in quote", "short_name: RC", "short_name: RCC",
     [(NAME, 59, "cite[0].supports[1]")]),
    ("short name inside a word", "short_name: RC", "short_name: Riv", [(NAME, 59,
                                                                        "cite[0].supports[1]")]),
    (
        "name stated by a name variant",
        "        supports: [name, reported_age]\n",
        "        supports: [reported_age]\n      - source: report\n"
        "        quote: whom the jury called \"T. Brennan\"\n        supports: [name]\n",
        [],
    ),
    (
        "name stated by no name variant",
        "        supports: [name, reported_age]\n",
        "        supports: [reported_age]\n      - source: report\n"
        "        quote: had been detained in July 2020\n        supports: [name]\n",
        [(NAME, 45, "cite[1].supports[0]")],
    ),
    ("name variant not in its quote", "name: T. Brennan", "name: T. Brenan",
     [(NAME, 24, "names[0].cite[0]")]),
    ("group label: no whole-record check", "name: officers who gave evidence",
     "name: the officers heard", []),
    # reported values
    ("reported value not in its quote", "value: 35", "value: 36",
     [(VALUE, 37, "reported[1].cite[0]")]),
    ("reported name not in its quote", "field: reported_age\n        value: 35",
     "field: name\n        value: Tom Brennan", [(NAME, 37, "reported[1].cite[0]")]),
    ("reported value of a field not checked", "field: reported_age\n        value: 35",
     "field: description\n        value: a man of 35", []),
]


def _copy(tmp_path: Path) -> Path:
    dest = tmp_path / "records"
    shutil.copytree(DATA / "records", dest)
    return dest


def _break(records: Path, old: str, new: str) -> None:
    path = records / FILE
    text = path.read_text(encoding="utf-8")
    if old:
        assert text.count(old) == 1, f"{old!r} must occur once in {FILE}"
        path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_evidence_issue(
    tmp_path: Path, old: str, new: str, expected: list[tuple[Code, int, str]]
) -> None:
    records = _copy(tmp_path)
    _break(records, old, new)
    report = opencase.validate(records, DATA / "snapshots")
    found = [(i.code, i.line, i.field) for i in report.issues if i.code in EVIDENCE]
    assert found == expected
    for issue in report.issues:
        if issue.code in EVIDENCE:
            assert issue.severity is Severity.WARNING
            assert Path(issue.file).name == FILE


def test_the_fixture_has_no_issue_at_all() -> None:
    report = opencase.validate(DATA / "records", DATA / "snapshots", strict=True)
    assert [(i.code, i.message) for i in report.issues] == []


def test_message_names_field_value_citation_and_fix(tmp_path: Path) -> None:
    records = _copy(tmp_path)
    _break(records, "date: 2021-03-15", "date: 2021-03-16")
    (issue,) = [i for i in opencase.validate(records, DATA / "snapshots").issues
                if i.code in EVIDENCE]
    assert (issue.line, issue.column, issue.record_id) == (86, 26, "inquest")
    assert issue.message == (  # as docs/curating.md shows it
        "cite[0] supports date (2021-03-16), but its quote does not state 16 March 2021; quote "
        "the passage that states it, say in the citation's `note` how it gives the value, "
        "writing the value itself out (\"four days after 14 February 2022: 10 February 2022\"), "
        "or remove 'date' from `supports`")


def test_strict_makes_it_an_error_through_the_cli(tmp_path: Path) -> None:
    records = _copy(tmp_path)
    _break(records, "count: 23", "count: 9")
    snapshots = DATA / "snapshots"
    lenient = run_cli("validate", records, "--snapshots", snapshots)
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    line = f"{records / FILE}:63:5: warning evidence-value-not-in-quote count (9) is stated"
    assert lenient.stdout.startswith(line), lenient.stdout
    strict = run_cli("validate", records, "--snapshots", snapshots, "--strict")
    assert strict.returncode == 1
    assert f"{records / FILE}:63:5: error evidence-value-not-in-quote" in strict.stdout
    assert strict.stdout.strip().endswith("invalid: 1 error, 0 warnings (1 file, 9 records)")


# ---------------------------------------------------------------- the matchers


def _f(text: str) -> str:
    return fold(text).casefold()


@pytest.mark.parametrize(("text", "value", "stated"), [
    ("Twenty-three officers", 23, True),
    ("twenty three officers", 23, True),
    ("twenty–three officers", 23, True),  # an en dash folds to a hyphen
    ("Twenty-three officers", 20, False),
    ("Twenty-three officers", 3, False),
    ("23 officers", 23, True),
    ("123 officers", 23, False),
    ("1.23 miles", 23, False),
    ("23,000 people", 23, False),
    ("23.5 miles", 23, False),
    ("the 23rd officer", 23, True),
    ("a 45-year-old man", 45, True),
    ("a forty-five-year-old man", 45, True),
    ("£1,250 in costs", 1250, True),
    ("1 250 in costs", 1250, True),
    ("1250 in costs", 1250, True),
    ("£1,250 in costs", 250, False),
    ("one hundred and five", 105, True),
    ("a hundred and five", 105, True),
    ("one hundred five", 105, True),
    ("one hundred and five", 100, False),
    ("one hundred and five", 5, False),
    ("one hundred people", 100, True),
    ("zero tolerance", 0, True),
    ("2.5 miles", 2.5, True),
    ("3 miles", 3.0, True),
    ("NINE officers", 9, True),
    ("a dozen witnesses", 12, False),
    ("some officers", 9, False),
])
def test_number_stated(text: str, value: int | float, stated: bool) -> None:
    assert number_stated(_f(text), value) is stated


@pytest.mark.parametrize(("n", "words"), [
    (0, ["zero"]),
    (17, ["seventeen"]),
    (40, ["forty"]),
    (23, ["twenty-three", "twenty three"]),
    (100, ["one hundred", "a hundred"]),
    (310, ["three hundred and ten", "three hundred ten"]),
    (999, ["nine hundred and ninety-nine", "nine hundred and ninety nine",
           "nine hundred ninety-nine", "nine hundred ninety nine"]),
])
def test_number_words(n: int, words: list[str]) -> None:
    assert number_words(n) == words


def test_number_words_only_below_a_thousand() -> None:
    with pytest.raises(ValueError, match="outside"):
        number_words(1000)


@pytest.mark.parametrize(("text", "edtf", "stated"), [
    ("in 2019", "2019", True),
    ("in 800 AD", "0800", True),
    ("in 20191", "2019", False),
    ("in July 2019", "2019-07", True),
    ("in Jul. 2019", "2019-07", True),
    ("in Sept 2019", "2019-09", True),
    ("in May 2019", "2019-05", True),
    ("in 2019", "2019-07", False),
    ("in June 2019", "2019-07", False),
    ("on 2019-07-15", "2019-07-15", True),
    ("on 15/07/2019", "2019-07-15", True),
    ("on 7/15/2019", "2019-07-15", True),
    ("in 07/2019", "2019-07", True),
    ("in 2019-07", "2019-07", True),
    ("on 15 July 2019", "2019-07-15", True),
    ("on July 15th, 2019", "2019-07-15", True),
    ("on 5 July 2019", "2019-07-05", True),
    ("in July 2019", "2019-07-15", False),
    ("on 16 July 2019", "2019-07-15", False),
    ("around 2019", "2019~", True),
    ("between 2014 and 2015", "2014/2015", True),
    ("in 2014", "2014/2015", False),
    ("since 2014", "2014/..", True),
    ("until July 2019", "../2019-07", True),
    ("until 2019", "../2019-07", False),
])
def test_date_stated(text: str, edtf: str, stated: bool) -> None:
    assert date_stated(_f(text), edtf) is stated


@pytest.mark.parametrize(("text", "name", "stated"), [
    ("For the Met to miss one murder", "Met", True),
    ("the Metropolitan Police", "Met", False),
    ("Gabriel Kovari’s former flatmate", "Kovari", True),
    ("STEPHEN PORT", "Stephen Port", True),
    ("Stephen\u00a0Port", "Stephen Port", True),
    ("Port, 44,", "Stephen Port", False),
    ("the jury called “T. Brennan”", "T. Brennan", True),
    ("José Álvarez", "José Álvarez", True),
    ("Josés", "José", False),
])
def test_name_stated(text: str, name: str, stated: bool) -> None:
    assert name_stated(_f(text), name) is stated


def test_extension_fields_are_checked(tmp_path: Path) -> None:
    """A dataset's added integer and date fields are read from its model like built-in ones."""
    records = _copy(tmp_path)
    (tmp_path / "package.yaml").write_text(
        "model: 2\nextensions:\n  fields:\n    events:\n"
        "      - name: days_held\n        type: integer\n        description: Days held.\n"
        "      - name: released\n        type: date\n        description: When released.\n",
        encoding="utf-8")
    _break(records, "    description: Tomas Brennan was detained.\n",
           "    days_held: 9\n    released: 2020-08\n"
           "    description: Tomas Brennan was detained.\n")
    _break(records, "supports: [date, description]", "supports: [date, description, days_held, "
           "released]")
    report = opencase.validate(records, DATA / "snapshots")
    found = [(i.code, i.line, i.column, i.field, i.message.split(";")[0]) for i in report.issues]
    assert found == [
        (VALUE, 78, 39, "cite[0].supports[2]",
         "cite[0] supports days_held (9), but its quote does not state 9 (in digits or English "
         "words)"),
        (VALUE, 78, 50, "cite[0].supports[3]",
         "cite[0] supports released (2020-08), but its quote does not state August 2020"),
    ]
