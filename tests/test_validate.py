"""Validation: each single break of a valid record gives exactly one located issue.

The valid dataset is ``tests/fixtures/valid/harbour.yaml`` with its snapshot in
``tests/fixtures/snapshots/``. Each case below edits one thing in a copy of it and states the
issue that must follow: code, line and field (the file is always ``harbour.yaml``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import opencase
from opencase.report import CODES, Severity

FILE = "harbour.yaml"

# (case id, text to replace (must occur once), replacement, code, line, field)
BREAKS = [
    (
        "misspelt key",
        "    description: Mayor\n",
        "    descripton: Mayor\n",
        "unknown-key",
        23,
        "descripton",
    ),
    (
        "duplicated key",
        "    name: Ada Lovell\n",
        "    name: Ada Lovell\n    name: Ada Lovel\n",
        "yaml-duplicate-key",
        23,
        None,
    ),
    ("missing required field", "    name: review of the floods\n", "", "missing-key", 62, "name"),
    ("impossible date", 'date: "2019"', 'date: "2021-02-30"', "invalid-date", 4, "date"),
    ("inverted interval", 'date: "2019"', 'date: "2019/2018"', "date-order", 4, "date"),
    ("bad month", "published: 2020-03", "published: 2020-13", "invalid-date", 16, "published"),
    ("duplicate id", "  - id: gauge-staff", "  - id: ada-lovell", "duplicate-id", 43, "id"),
    (
        "dangling reference",
        "proceeding: flood-review",
        "proceeding: flood-reveiw",
        "unknown-reference",
        72,
        "proceeding",
    ),
    (
        "reference to wrong kind",
        "    organisation: harbour-council",
        "    organisation: ada-lovell",
        "wrong-reference-kind",
        46,
        "organisation",
    ),
    (
        "participant reference",
        "      - who: harbour-council",
        "      - who: nobody",
        "unknown-reference",
        56,
        "participants[0].who",
    ),
    (
        "list reference",
        "subjects: [harbour-council]",
        "subjects: [harbour-counsel]",
        "unknown-reference",
        66,
        "subjects[0]",
    ),
    (
        "quote changed by one word",
        "quote: 12 staff had ignored the gauges",
        "quote: 12 staff had repaired the gauges",
        "quote-not-found",
        49,
        "cite[0].quote",
    ),
    (
        "prefix that does not fit",
        "        suffix: the sirens were broken",
        "        suffix: the sirens were fixed",
        "quote-not-found",
        77,
        "cite[0].quote",
    ),
    (
        "ambiguous quote",
        "        suffix: the sirens were broken\n",
        "",
        "quote-ambiguous",
        77,
        "cite[0].quote",
    ),
    (
        "missing citation",
        "    cite:\n      - source: harbour-article\n        quote: a review said\n",
        "",
        "missing-citation",
        62,
        None,
    ),
    (
        "citation to unknown source",
        "      - source: harbour-article\n        quote: a review said",
        "      - source: harbour-articel\n        quote: a review said",
        "unknown-source",
        68,
        "cite[0].source",
    ),
    (
        "supports unknown field",
        "supports: [name, description, reported_age]",
        "supports: [name, description, age]",
        "unknown-supported-field",
        28,
        "cite[0].supports[2]",
    ),
    ("not in vocabulary", "    type: review", "    type: reveiw", "not-in-vocabulary", 64, "type"),
    ("invalid id", "  - id: sirens-broken", "  - id: Sirens Broken", "invalid-id", 71, "id"),
    ("number as text", "    count: 12", "    count: twelve", "invalid-type", 45, "count"),
    (
        "value out of range",
        "reported_age: 52",
        "reported_age: 520",
        "invalid-value",
        24,
        "reported_age",
    ),
    (
        "list expected",
        "subjects: [harbour-council]",
        "subjects: harbour-council",
        "invalid-type",
        66,
        "subjects",
    ),
    (
        "spreadsheet formula",
        "    description: Mayor\n",
        '    description: =HYPERLINK("x")\n',
        "spreadsheet-formula",
        23,
        "description",
    ),
    ("alias", "    name: Ada Lovell\n", "    name: &n Ada Lovell\n", "yaml-alias", 22, None),
    (
        "python tag",
        "    name: Ada Lovell\n",
        "    name: !!python/name:os.system ''\n",
        "yaml-tag",
        22,
        None,
    ),
    ("syntax error", "    name: Ada Lovell\n", "    name: [Ada Lovell\n", "yaml-syntax", 23, None),
    ("tab indentation", "    name: Ada Lovell\n", "\tname: Ada Lovell\n", "yaml-syntax", 22, None),
    (
        "unquoted colon",
        "    name: Ada Lovell\n",
        "    name: Ada: Lovell\n",
        "yaml-syntax",
        22,
        None,
    ),
    ("unknown kind", "findings:\n", "findigns:\n", "unknown-kind", 70, None),
    (
        "record not a mapping",
        "relationships:\n",
        "relationships:\n  - just text\n",
        "not-a-record",
        89,
        None,
    ),
    (
        "quote without a snapshot",
        "      - source: harbour-article\n        quote: a review said",
        "      - source: gazette-report\n        quote: a review said",
        "quote-unverifiable",
        69,
        "cite[0].quote",
    ),
]


def _break(records: Path, old: str, new: str) -> None:
    path = records / FILE
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"fixture text to replace must occur once: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_valid_fixture_is_valid(harbour: Path, snapshots: Path) -> None:
    report = opencase.validate(harbour, snapshots, strict=True)
    assert report.issues == []
    assert report.ok
    assert report.stats == {"files": 1, "records": 12}


@pytest.mark.parametrize(
    ("old", "new", "code", "line", "field"),
    [case[1:] for case in BREAKS],
    ids=[case[0] for case in BREAKS],
)
def test_one_break_one_issue(
    harbour: Path, snapshots: Path, old: str, new: str, code: str, line: int, field: str | None
) -> None:
    _break(harbour, old, new)
    report = opencase.validate(harbour, snapshots)
    found = [(i.code, Path(i.file or "").name, i.line, i.field) for i in report.issues]
    assert found == [(code, FILE, line, field)]
    issue = report.issues[0]
    assert issue.severity is CODES[code].severity
    assert issue.column is not None and issue.column >= 1
    assert issue.message  # the message says what to do; checked per case below where it matters


def test_misspelt_key_suggests_the_right_one(harbour: Path, snapshots: Path) -> None:
    _break(harbour, "    description: Mayor\n", "    descripton: Mayor\n")
    (issue,) = opencase.validate(harbour, snapshots).issues
    assert "did you mean 'description'?" in issue.message
    assert issue.record_id == "ada-lovell"
    assert (issue.line, issue.column) == (23, 5)


def test_duplicate_id_names_the_first_place(harbour: Path, snapshots: Path) -> None:
    _break(harbour, "  - id: gauge-staff", "  - id: ada-lovell")
    (issue,) = opencase.validate(harbour, snapshots).issues
    assert "harbour.yaml:21" in issue.message


def test_every_problem_in_one_run(harbour: Path, snapshots: Path) -> None:
    _break(harbour, "    description: Mayor\n", "    descripton: Mayor\n")
    _break(harbour, 'date: "2019"', 'date: "2021-02-30"')
    _break(harbour, "proceeding: flood-review", "proceeding: nowhere")
    codes = sorted(i.code for i in opencase.validate(harbour, snapshots).issues)
    assert codes == ["invalid-date", "unknown-key", "unknown-reference"]


def test_a_snapshot_not_in_the_given_folder_is_an_error(harbour: Path, tmp_path: Path) -> None:
    empty = tmp_path / "no-snapshots"
    empty.mkdir()
    report = opencase.validate(harbour, empty)
    assert [(i.code, i.severity, i.line, i.field) for i in report.issues] == [
        ("snapshot-not-found", Severity.ERROR, 12, "sha256")
    ]
    assert report.issues[0].message.endswith(
        "so its quotes cannot be checked; every file there belongs to another source: add the "
        "snapshot (`opencase source add`) or fix the hash")
    assert not report.ok


def test_a_mistyped_hash_names_the_unnamed_files_and_the_nearest_hash(
    harbour: Path, snapshots: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "snaps"
    folder.mkdir()
    data = (snapshots / "harbour.txt").read_bytes()
    (folder / "harbour.txt").write_bytes(data)
    (folder / "other.txt").write_bytes(b"Another text that no source names.\n")
    sha = hashlib.sha256(data).hexdigest()
    typo = sha[:20] + ("0" if sha[20] != "0" else "1") + sha[21:]
    records = harbour / "harbour.yaml"
    records.write_text(records.read_text(encoding="utf-8").replace(sha, typo), encoding="utf-8")
    report = opencase.validate(harbour, folder)
    found = [i for i in report.issues if i.code == "snapshot-not-found"]
    assert [(i.line, i.field, i.record_id) for i in found] == [(12, "sha256", "harbour-article")]
    assert found[0].message == (
        f"no file in {folder} has the sha256 of source 'harbour-article' ({typo[:12]}...), "
        f"so its quotes cannot be checked; files no source names: {folder / 'harbour.txt'}, "
        f"{folder / 'other.txt'}; {folder / 'harbour.txt'} has sha256 {sha}, 1 digit away: a "
        f"mistyped hash? Copy it from `sha256sum {folder / 'harbour.txt'}`")


def test_without_a_folder_a_snapshot_is_missing_a_warning_and_strict_makes_it_an_error(
    harbour: Path,
) -> None:
    report = opencase.validate(harbour)
    assert [(i.code, i.severity, i.line, i.field) for i in report.issues] == [
        ("snapshot-missing", Severity.WARNING, 12, "sha256")
    ]
    assert report.ok
    strict = opencase.validate(harbour, strict=True)
    assert [(i.code, i.severity) for i in strict.issues] == [("snapshot-missing", Severity.ERROR)]
    assert not strict.ok


def test_without_snapshot_folder_quotes_are_unverified(harbour: Path) -> None:
    report = opencase.validate(harbour)
    assert [i.code for i in report.issues] == ["snapshot-missing"]
    assert all(c.match is None for c in report.dataset.citations.values())


def test_matches_keep_offsets_into_the_raw_snapshot(harbour: Path, snapshots: Path) -> None:
    report = opencase.validate(harbour, snapshots)
    text = (snapshots / "harbour.txt").read_text(encoding="utf-8")
    checks = report.dataset.citations
    statement = checks[("lovell-failed", 0)]
    assert text[statement.match.start : statement.match.end] == (
        "She said: \u201cWe failed the town\u2014and we will do better.\u201d"
    )
    finding = checks[("sirens-broken", 0)]
    assert text[finding.match.start : finding.match.end] == "The review found that"
    assert text[finding.match.end :].startswith(" the sirens were broken")


def test_validated_records_are_models_sorted_by_id(harbour: Path, snapshots: Path) -> None:
    report = opencase.validate(harbour, snapshots)
    orgs = report.dataset.records["organisations"]
    assert [o.id for o in orgs] == ["harbour-council", "harbour-gazette"]
    assert isinstance(orgs[0], opencase.language.models.Organisation)
    assert report.dataset.records["events"][0].participants[0].role == "subject"


def test_missing_records_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        opencase.validate(tmp_path / "nowhere")


# Whole-file problems: (case id, file bytes, code, line, column)
FILES = [
    ("not UTF-8", b"people:\n  - id: a\n    name: caf\xe9\n", "encoding", 3, 14),
    ("NUL byte", b"people:\n  - id: a\n    name: x\x00y\n", "control-character", 3, 12),
    ("escape character", b"people:\n  - id: a\n    name: \x1b[31m\n", "control-character", 3, 11),
    ("empty file", b"", "empty-file", None, None),
    ("only comments", b"# nothing yet\n", "empty-file", None, None),
    ("a list at the top", b"- id: a\n- id: b\n", "not-a-mapping", 1, 1),
    ("a scalar at the top", b"just some text\n", "not-a-mapping", 1, 1),
    ("kind holding a scalar", b"people: Ada Lovell\n", "not-a-list", 1, 1),
    ("two documents", b"people: []\n---\npeople: []\n", "yaml-syntax", 2, 1),
    (
        "deep nesting",
        b"people:\n  - id: a\n    name: " + b"[" * 40 + b"]" * 40 + b"\n",
        "yaml-too-deep",
        3,
        40,
    ),
]


@pytest.mark.parametrize(
    ("content", "code", "line", "column"),
    [case[1:] for case in FILES],
    ids=[case[0] for case in FILES],
)
def test_file_level_problems(
    tmp_path: Path, content: bytes, code: str, line: int | None, column: int | None
) -> None:
    (tmp_path / "broken.yaml").write_bytes(content)
    report = opencase.validate(tmp_path)
    assert [(i.code, Path(i.file or "").name, i.line, i.column) for i in report.issues] == [
        (code, "broken.yaml", line, column)
    ]


def test_bom_and_crlf_are_read_as_plain_utf8(harbour: Path, snapshots: Path) -> None:
    path = harbour / FILE
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    report = opencase.validate(harbour, snapshots, strict=True)
    assert report.issues == []


def test_yaml_scalars_stay_text(tmp_path: Path) -> None:
    """YAML 1.1 guesses (no -> false, 0755 -> octal, dates -> date objects) never apply."""
    (tmp_path / "r.yaml").write_text(
        "people:\n  - id: no-one\n    name: no\n    description: 0755\n"
        "    reported_age_as_of: 2019-07-01\n",
        encoding="utf-8",
    )
    report = opencase.validate(tmp_path)
    assert [i.code for i in report.issues] == ["missing-citation"]
    (person,) = [r for r in report.dataset.records["people"]] if report.dataset.records else []
    assert (person.name, person.description, person.reported_age_as_of) == (
        "no",
        "0755",
        "2019-07-01",
    )


def test_file_size_limit(tmp_path: Path) -> None:
    from opencase.reading.files import read_records

    (tmp_path / "big.yaml").write_text("people: []\n" + "#" * 2000 + "\n", encoding="utf-8")
    rs = read_records(tmp_path, max_file_bytes=1000)
    assert [(i.code, Path(i.file or "").name) for i in rs.issues] == [
        ("file-too-large", "big.yaml")
    ]


def test_symlinked_record_file_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "missing-target.yaml")
    report = opencase.validate(tmp_path)
    assert [(i.code, Path(i.file or "").name) for i in report.issues] == [
        ("not-a-regular-file", "gone.yaml")
    ]


def test_symlinked_snapshot_is_not_followed(harbour: Path, snapshots: Path, tmp_path: Path) -> None:
    folder = tmp_path / "snaps"
    folder.mkdir()
    (folder / "harbour.txt").symlink_to(snapshots / "harbour.txt")
    report = opencase.validate(harbour, folder)
    assert sorted(i.code for i in report.issues) == ["snapshot-not-found", "snapshot-unreadable"]


def test_an_empty_records_folder_is_an_error(tmp_path: Path) -> None:
    """A mistyped path that happens to be an empty folder must not pass CI as 'valid'."""
    (tmp_path / "records").mkdir()
    report = opencase.validate(tmp_path / "records")
    assert [(i.code, i.severity, i.file) for i in report.issues] == [
        ("no-records", Severity.ERROR, str(tmp_path / "records"))
    ]


def test_references_into_an_unreadable_file_point_at_the_cause(
    harbour: Path, snapshots: Path
) -> None:
    """A kind misspelt in one file makes references to its records fail: each such error
    says so, so the curator fixes the cause first."""
    (harbour / "people.yaml").write_text(
        "peple:\n  - id: sam-reed\n    name: Sam Reed\n", encoding="utf-8")
    _break(harbour, "speaker: ada-lovell", "speaker: sam-reed")
    issues = opencase.validate(harbour, snapshots).issues
    assert [(i.code, Path(i.file or "").name) for i in issues] == [
        ("unknown-kind", "people.yaml"), ("unknown-reference", FILE)]
    assert issues[1].message.endswith(
        "(some records in " + str(harbour / "people.yaml") + " could not be read: fix the "
        "errors there first)")


def test_no_suggestion_of_an_invalid_id(harbour: Path, snapshots: Path) -> None:
    _break(harbour, "  - id: ada-lovell", "  - id: Ada-Lovell")
    issues = opencase.validate(harbour, snapshots).issues
    assert all("did you mean 'Ada-Lovell'" not in i.message for i in issues)
    assert "invalid-id" in {i.code for i in issues}


# ---------------------------------------------------------------- spreadsheet formulas

# (a description as YAML text, whether it starts like a formula): a formula after leading
# white space, control or invisible characters is caught too (a spreadsheet skips them)
FORMULAS = [
    ('"\\t=HYPERLINK(1)"', True),  # tab
    ('"\\r+1"', True),  # carriage return
    ('"\\r\\n-2+3"', True),
    ('" \\t =1+1"', True),
    ("'  =1+1'", True),
    ('"\\u00a0=1+1"', True),  # no-break space, escaped
    ("\u00a0=1+1", True),  # no-break space, as a plain scalar
    ("\u200b+1", True),  # zero-width space
    ('"\\u200d\\u2060@x"', True),  # zero-width joiner, word joiner
    ('"\\u3000-1"', True),  # ideographic space
    ('"\\u202e=1"', True),  # a bidi control
    ('"\\u034f\\ufe0f=1"', True),  # a grapheme joiner, a variation selector
    ('"\\u180b+1"', True),  # a Mongolian variation selector
    ('"\\u3164\\u2800@x"', True),  # a Hangul filler, the Braille blank
    ('"\\ufeff=1"', True),  # a byte-order mark inside the value
    ("=1", True),
    ('"\\t-"', False),  # a lone sign is no formula
    ('"\\t"', False),
    ("x=1", False),
    ("Mayor - 2019", False),
    ('"-1.5"', False),  # a number: a spreadsheet reads it as one, not as a formula
    ('"+3"', False),
    ('"-1.5+1"', True),
    ('"\\u00e9=1"', False),  # a letter, not white space
]


@pytest.mark.parametrize(("text", "formula"), FORMULAS, ids=[t for t, _ in FORMULAS])
def test_a_formula_after_leading_white_space_is_caught(
    harbour: Path, snapshots: Path, text: str, formula: bool
) -> None:
    _break(harbour, "    description: Mayor\n", f"    description: {text}\n")
    report = opencase.validate(harbour, snapshots)
    found = [(i.code, i.line, i.field) for i in report.issues]
    assert found == ([("spreadsheet-formula", 23, "description")] if formula else [])
    if formula:
        assert "would run as a formula" in report.issues[0].message


def test_a_formula_after_white_space_is_caught_in_a_large_file(tmp_path: Path) -> None:
    """Large files are read by record shapes (the fast reader's shortcut): a value starting
    with a no-break or zero-width space must still be looked at."""
    records = tmp_path / "records"
    records.mkdir()
    lines = ["people:"]
    for i in range(2000):
        desc = {500: "\u00a0=1+1", 1500: "\u200b@SUM(A1)", 1700: "\u3000-5",
                1800: '" =1+1"', 1900: "' \t@x'"}.get(i, "Mayor")
        lines += [f"  - id: person-{i}", f"    name: Person {i}", f"    description: {desc}"]
    (records / "people.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(lines) * 20 > 64 * 1024
    report = opencase.validate(records)
    found = [(i.code, i.line, i.record_id) for i in report.issues
             if i.code == "spreadsheet-formula"]
    assert found == [("spreadsheet-formula", 1 + 3 * 500 + 3, "person-500"),
                     ("spreadsheet-formula", 1 + 3 * 1500 + 3, "person-1500"),
                     ("spreadsheet-formula", 1 + 3 * 1700 + 3, "person-1700"),
                     ("spreadsheet-formula", 1 + 3 * 1800 + 3, "person-1800"),
                     ("spreadsheet-formula", 1 + 3 * 1900 + 3, "person-1900")]


def test_the_fast_reader_flags_no_formula_where_none_can_be() -> None:
    """The later lines of a folded block scalar start with spaces, not a value: a file without
    formula-like values is not scanned value by value (as record shapes read it)."""
    from opencase.reading.fastyaml import read_fast

    lines = ["events:"]
    for i in range(2000):
        lines += [f"  - id: event-{i}", "    description: >-", "      Someone gave a statement",
                  "", "      in 1993.", f"    place: \"x{i}\""]
    got = read_fast("\n".join(lines) + "\n")
    assert got is not None and got[2] is False


@pytest.mark.parametrize(("value", "at"), [
    ("=1", 0), ("-1", 0), ("\t=1", 1), ("\x01\x1f@x", 2), ("\r\n+1", 2), ("\x00=1", 1),
    ("\u00ad=1", 1), ("\u2028=1", 1), ("\U000e0001=1", 1), ("\u180e\u2061-1", 2),
    ("-", None), ("\t=", None), ("", None), ("a=1", None), ("\u00e9=1", None), ("1+1", None),
])
def test_formula_start(value: str, at: int | None) -> None:
    from opencase.reading.formulas import formula_start

    assert formula_start(value) == at
