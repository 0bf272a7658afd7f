"""Validation of the record structures of case model 2: citations inside name variants and
reported values, `supports` naming any field, reported values, unknown and not-applicable
fields, people known by an office, name variants, and the parties and links of proceedings.

The valid dataset is ``tests/fixtures/model2/records/river.yaml`` (a fictional case) with its
snapshot in ``tests/fixtures/model2/snapshots/``. Each case below edits it and states every
issue that must follow: code, line, column and field (the file is always ``river.yaml``).
The evidence lint (``evidence-*``: whether a quote states the value it backs) is tested on its
own; its findings are left out here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import opencase
from opencase.report import CODES, Severity
from tests.conftest import FIXTURES, run_cli

FILE = "river.yaml"
MODEL2 = FIXTURES / "model2"
SNAPSHOTS = MODEL2 / "snapshots"

NAMES_CITE = (
    '          - source: river-news\n            quote: the police log spelled "Thomas Reyes"\n'
)
REPORTED_35 = "      - field: reported_age\n        value: 35\n"
PREFERRED_34 = "        preferred: true\n        reason: The article gives it as fact.\n"
FINDING_CITE = (
    "    cite:\n      - source: river-news\n        quote: The jury found that the restraint"
)
REVIEW_LINKS = "    links:\n      - type: follows\n        target: reyes-inquest\n"


def _reported(field: str, first: str, second: str) -> str:
    """Two reported values of ``field``, the first preferred, both citing one passage."""
    cite = ("        cite:\n          - source: river-news\n"
            "            quote: A judicial review brought by the Reyes family\n")
    return (f"    reported:\n      - field: {field}\n        value: {first}\n"
            f"        preferred: true\n{cite}      - field: {field}\n"
            f"        value: {second}\n{cite}")


Edit = tuple[str, str]
Expected = tuple[str, int, int, str | None]

# (case id, edits (each text must occur once), every issue that follows)
BREAKS: list[tuple[str, list[Edit], list[Expected]]] = [
    # --- citations of name variants and reported values are checked as the record's are
    (
        "name variant cites an unknown source",
        [(NAMES_CITE, NAMES_CITE.replace("source: river-news", "source: river-newz"))],
        [("unknown-source", 22, 13, "names[0].cite[0].source")],
    ),
    (
        "name variant cites via an unknown source",
        [(NAMES_CITE, NAMES_CITE + "            via: nowhere\n")],
        [("unknown-source", 24, 13, "names[0].cite[0].via")],
    ),
    (
        "name variant quote not in the snapshot",
        [('spelled "Thomas Reyes"\n', 'spelled "Thomas Reyes" twice\n')],
        [("quote-not-found", 23, 13, "names[0].cite[0].quote")],
    ),
    (
        "name variant quote ambiguous",
        [("            quote: after police officers restrained him\n",
          "            quote: police\n")],
        [("quote-ambiguous", 71, 13, "names[0].cite[0].quote")],
    ),
    (
        "name variant quote with a suffix that does not fit",
        [(NAMES_CITE, NAMES_CITE + "            suffix: in the court record\n")],
        [("quote-not-found", 23, 13, "names[0].cite[0].quote")],
    ),
    (
        "name variant citation supports an unknown field",
        [(NAMES_CITE, NAMES_CITE + "            supports: [nmae]\n")],
        [("unknown-supported-field", 24, 24, "names[0].cite[0].supports[0]")],
    ),
    (
        "reported value quote not in the snapshot",
        [("was 35 according to his family", "was 35 according to her family")],
        [("quote-not-found", 36, 13, "reported[1].cite[0].quote")],
    ),
    (
        "reported value cites a person",
        [("          - source: river-news\n            quote: was 35",
          "          - source: tomas-reyes\n            quote: was 35")],
        [("unknown-source", 35, 13, "reported[1].cite[0].source")],
    ),
    # --- supports may name the new fields, and still refuses unknown ones
    (
        "supports names a field that does not exist",
        [("supports: [name, type, parties, links]", "supports: [name, type, partys, links]")],
        [("unknown-supported-field", 140, 32, "cite[0].supports[2]")],
    ),
    # --- reported values
    (
        "reported field misspelt",
        [(REPORTED_35, REPORTED_35.replace("field: reported_age", "field: reported_aeg"))],
        [("reported-single", 25, 9, "reported[0].field"),
         ("reported-field-unknown", 32, 9, "reported[1].field")],
    ),
    (
        "reported field is a list",
        [(REPORTED_35, REPORTED_35.replace("field: reported_age", "field: names"))],
        [("reported-single", 25, 9, "reported[0].field"),
         ("reported-field-unknown", 32, 9, "reported[1].field")],
    ),
    (
        "reported field is the id",
        [(REPORTED_35, REPORTED_35.replace("field: reported_age", "field: id"))],
        [("reported-single", 25, 9, "reported[0].field"),
         ("reported-field-unknown", 32, 9, "reported[1].field")],
    ),
    (
        "reported field is the unknown map",
        [(REPORTED_35, REPORTED_35.replace("field: reported_age", "field: unknown"))],
        [("reported-single", 25, 9, "reported[0].field"),
         ("reported-field-unknown", 32, 9, "reported[1].field")],
    ),
    (
        "reported field that cannot be a field name",
        [(REPORTED_35, REPORTED_35.replace("field: reported_age", "field: Reported Age"))],
        [("reported-field-unknown", 32, 9, "reported[1].field")],
    ),
    (
        "reported age not a whole number",
        [(REPORTED_35, REPORTED_35.replace("value: 35", "value: 35.5"))],
        [("reported-value-invalid", 33, 9, "reported[1].value")],
    ),
    (
        "reported age out of range",
        [(REPORTED_35, REPORTED_35.replace("value: 35", "value: 350"))],
        [("reported-value-invalid", 33, 9, "reported[1].value")],
    ),
    (
        "reported value not in the vocabulary",
        [(REVIEW_LINKS, REVIEW_LINKS + _reported("type", "judicial-review", "judical-review"))],
        [("reported-value-invalid", 145, 9, "reported[1].value")],
    ),
    (
        "reported date not a date",
        [(REVIEW_LINKS, REVIEW_LINKS + _reported("date", "2021", "2021-02-30"))],
        [("reported-preferred-conflict", 140, 9, "reported[0].preferred"),
         ("reported-value-invalid", 145, 9, "reported[1].value")],
    ),
    (
        "reported reference to no record",
        [(REVIEW_LINKS, REVIEW_LINKS + _reported("case", "river-death", "river-deth"))],
        [("unknown-reference", 145, 9, "reported[1].value")],
    ),
    (
        "reported reference to a record of the wrong kind",
        [(REVIEW_LINKS, REVIEW_LINKS + _reported("case", "river-death", "river-jury"))],
        [("wrong-reference-kind", 145, 9, "reported[1].value")],
    ),
    (
        "reported reference that is not an id",
        [(REVIEW_LINKS, REVIEW_LINKS + _reported("case", "river-death", "River Death"))],
        [("reported-value-invalid", 145, 9, "reported[1].value")],
    ),
    (
        "two preferred values",
        [(REPORTED_35, REPORTED_35 + "        preferred: true\n")],
        [("reported-preferred-twice", 34, 9, "reported[1].preferred")],
    ),
    (
        "preferred value and an empty field",
        [("    reported_age: 34\n", "")],
        [("reported-preferred-conflict", 26, 9, "reported[0].preferred")],
    ),
    (
        "preferred value and a field holding the other",
        [(PREFERRED_34, ""), (REPORTED_35, REPORTED_35 + "        preferred: true\n")],
        [("reported-preferred-conflict", 32, 9, "reported[1].preferred")],
    ),
    (
        "none preferred and a field holding another value",
        [(PREFERRED_34, ""), ("    reported_age: 34\n", "    reported_age: 36\n"),
         ("        quote: the death of Tomas Reyes, 34,\n",
          "        quote: the death of Tomas Reyes, 34,\n        supports: [name]\n")],
        [("reported-value-unlisted", 17, 5, "reported_age")],
    ),
    (
        "a single reported value",
        [(REPORTED_35 + "        cite:\n          - source: river-news\n"
          "            quote: was 35 according to his family\n", "")],
        [("reported-single", 25, 9, "reported[0].field")],
    ),
    (
        "the same value reported twice",
        [("value: 35\n", "value: 34\n"),
         ("quote: was 35 according to his family", "quote: Reyes, 34, who died")],
        [("reported-single", 25, 9, "reported[0].field"),
         ("reported-duplicate", 33, 9, "reported[1].value")],
    ),
    # --- unknown and not applicable
    (
        "unknown names no field",
        [("      name: The article names only the office.",
          "      nmae: The article names only the office.")],
        [("status-not-a-field", 58, 7, "unknown.nmae")],
    ),
    (
        "unknown key that cannot be a field name",
        [("      name: The article names only the office.",
          "      Name: The article names only the office.")],
        [("status-not-a-field", 58, 7, "unknown.Name")],
    ),
    (
        "unknown key that is a path",
        [("      name: The article names only the office.",
          "      ../name: The article names only the office.")],
        [("status-not-a-field", 58, 7, "unknown.../name")],
    ),
    (
        "unknown names the citations",
        [("      name: The article names only the office.",
          "      cite: The article names only the office.")],
        [("status-not-a-field", 58, 7, "unknown.cite")],
    ),
    (
        "not applicable names a required field",
        [("      proceeding: The restraint", "      case: The restraint")],
        [("status-required-field", 93, 7, "not_applicable.case")],
    ),
    (
        "unknown names a field with a value",
        [("      date: The article gives only", "      status: The article gives only")],
        [("status-field-has-value", 120, 7, "unknown.status")],
    ),
    (
        "unknown names a field with reported values",
        [("      reported_age_as_of: The article", "      reported_age: The article")],
        [("status-field-has-value", 38, 7, "unknown.reported_age")],
    ),
    (
        "a field both unknown and not applicable",
        [("      name: The article names only the office.\n",
          "      name: The article names only the office.\n    not_applicable:\n"
          "      name: No one is named.\n")],
        [("status-both", 60, 7, "not_applicable.name")],
    ),
    # --- people known only by an office
    (
        "a person with no name, office, rank or description",
        [("    office: Chief Constable\n", "")],
        [("person-unidentified", 55, 5, None)],
    ),
    # --- name variants
    (
        "a name variant that is the record's name",
        [("      - name: Thomas Reyes", "      - name: TOMAS  REYES"),
         ('quote: the police log spelled "Thomas Reyes"', "quote: death of Tomas Reyes")],
        [("name-variant-same", 19, 9, "names[0].name")],
    ),
    (
        "a name variant that is the short name",
        [("    type: police-force\n", "    type: police-force\n    short_name: Police\n")],
        [("name-variant-same", 68, 9, "names[0].name")],
    ),
    (
        "a name variant given twice",
        [(NAMES_CITE, NAMES_CITE + "      - name: Thomas\u00a0Reyes\n        type: other\n"
          "        cite:\n          - source: river-news\n"
          "            quote: the police log spelled\n"
          "            suffix: '\"Thomas Reyes\"'\n")],
        [("name-variant-duplicate", 24, 9, "names[1].name")],
    ),
    # --- parties, links and references of proceedings
    (
        "counsel represents someone who is not a party",
        [("        represents: reyes-family", "        represents: tomas-reyes")],
        [("represents-not-a-party", 118, 9, "parties[3].represents")],
    ),
    (
        "counsel represents themself",
        [("        represents: reyes-family", "        represents: joan-okafor")],
        [("represents-not-a-party", 118, 9, "parties[3].represents")],
    ),
    (
        "counsel represents no record",
        [("        represents: reyes-family", "        represents: reyes-famly")],
        [("unknown-reference", 118, 9, "parties[3].represents")],
    ),
    (
        "represents names a record of the wrong kind",
        [("        represents: reyes-family", "        represents: river-death")],
        [("wrong-reference-kind", 118, 9, "parties[3].represents")],
    ),
    (
        "a party that is no record",
        [("      - who: river-jury", "      - who: river-juri")],
        [("unknown-reference", 112, 9, "parties[1].who")],
    ),
    (
        "a party that is an event",
        [("      - who: river-jury", "      - who: reyes-restrained")],
        [("wrong-reference-kind", 112, 9, "parties[1].who")],
    ),
    (
        "conducted by no record",
        [("conducted_by: helen-marsh", "conducted_by: helen-march")],
        [("unknown-reference", 107, 5, "conducted_by")],
    ),
    (
        "conducted by a case",
        [("conducted_by: helen-marsh", "conducted_by: river-death")],
        [("wrong-reference-kind", 107, 5, "conducted_by")],
    ),
    (
        "a link to the proceeding itself",
        [("        target: reyes-inquest", "        target: reyes-review")],
        [("link-to-self", 136, 9, "links[0].target")],
    ),
    (
        "a link to no record",
        [("        target: reyes-inquest", "        target: reyes-inqest")],
        [("unknown-reference", 136, 9, "links[0].target")],
    ),
    (
        "a finding about no record",
        [("subjects: [reyes-restrained, tomas-reyes]", "subjects: [reyes-restrained, tomas]")],
        [("unknown-reference", 146, 34, "subjects[1]")],
    ),
]


EDITS = {case: edits for case, edits, _ in BREAKS}


@pytest.fixture
def river(tmp_path: Path) -> Path:
    """A writable copy of the model-2 records."""
    dest = tmp_path / "records"
    shutil.copytree(MODEL2 / "records", dest)
    return dest


def _edit(records: Path, edits: list[Edit]) -> None:
    path = records / FILE
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"fixture text to replace must occur once: {old!r}"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def test_valid_fixture_is_valid(river: Path) -> None:
    report = opencase.validate(river, SNAPSHOTS, strict=True)
    assert report.issues == []
    assert report.stats == {"files": 1, "records": 13}


@pytest.mark.parametrize(
    ("edits", "expected"), [case[1:] for case in BREAKS], ids=[case[0] for case in BREAKS]
)
def test_each_break_gives_its_issues(
    river: Path, edits: list[Edit], expected: list[Expected]
) -> None:
    _edit(river, edits)
    report = opencase.validate(river, SNAPSHOTS)
    found = [(i.code, i.line, i.column, i.field) for i in report.sorted()
             if not i.code.startswith("evidence-")]
    assert found == expected
    assert {Path(i.file or "").name for i in report.issues} == {FILE}
    for issue in report.issues:
        assert issue.severity is CODES[issue.code].severity
        assert issue.message


def test_supports_may_name_every_new_field(river: Path) -> None:
    _edit(river, [("supports: [name, type, parties, links]",
                   "supports: [names, parties, links, reported, unknown, not_applicable, "
                   "conducted_by, subjects]")])
    assert opencase.validate(river, SNAPSHOTS, strict=True).issues == []


def test_a_field_holding_one_of_the_values_none_preferred(river: Path) -> None:
    """With no value preferred, the field may hold one of the reported values."""
    _edit(river, [(PREFERRED_34, "")])
    assert opencase.validate(river, SNAPSHOTS, strict=True).issues == []


def test_messages_say_what_to_do(river: Path) -> None:
    _edit(river, [
        ("supports: [name, type, parties, links]", "supports: [name, type, partys, links]"),
        (REPORTED_35, REPORTED_35.replace("field: reported_age", "field: reported_aeg")),
        ("      name: The article names only the office.",
         "      nmae: The article names only the office."),
        ("    reported_age: 34\n", ""),
    ])
    messages = {i.code: i.message for i in opencase.validate(river, SNAPSHOTS).issues}
    assert "did you mean 'parties'?" in messages["unknown-supported-field"]
    assert "did you mean 'reported_age'?" in messages["reported-field-unknown"]
    assert "did you mean 'name'?" in messages["status-not-a-field"]
    assert "set `reported_age: 34`" in messages["reported-preferred-conflict"]


@pytest.mark.parametrize(("field", "first", "second", "message"), [
    ("type", "judicial-review", "judical", "reported[1].value: 'judical' is not a valid `type`: "
     "use one of 'criminal-investigation', "),
    ("date", "2021", "2021-02-30", "reported[1].value: '2021-02-30' is not a valid `date`: "
     "'2021-02-30': 2021-02 has no day 30 (it has 28 days)"),
    ("date", "2021", "2021/2020", "reported[1].value: '2021/2020' is not a valid `date`: "
     "'2021/2020': the interval ends (2020) before it starts (2021)"),
])
def test_invalid_reported_values_say_why(
    river: Path, field: str, first: str, second: str, message: str
) -> None:
    _edit(river, [(REVIEW_LINKS, REVIEW_LINKS + _reported(field, first, second))])
    (issue,) = [i for i in opencase.validate(river, SNAPSHOTS).issues
                if i.code == "reported-value-invalid"]
    assert issue.message.startswith(message)


def test_severities(river: Path) -> None:
    warnings = {"reported-single", "reported-duplicate", "name-variant-same",
                "name-variant-duplicate", "represents-not-a-party"}
    for case in BREAKS:
        for code, *_ in case[2]:
            assert (CODES[code].severity is Severity.WARNING) is (code in warnings), code


def test_every_problem_in_one_run(river: Path) -> None:
    """Breaks in citations of list items, reported values, statuses, people, names and
    proceedings are all reported by one run."""
    for case in ("name variant cites an unknown source",
                 "reported value quote not in the snapshot", "two preferred values",
                 "unknown names no field", "a person with no name, office, rank or description",
                 "a name variant that is the short name",
                 "counsel represents someone who is not a party",
                 "a link to the proceeding itself"):
        _edit(river, EDITS[case])
    codes = sorted(i.code for i in opencase.validate(river, SNAPSHOTS).issues)
    assert codes == sorted([
        "unknown-source", "quote-not-found", "reported-preferred-twice", "status-not-a-field",
        "person-unidentified", "name-variant-same", "represents-not-a-party", "link-to-self",
    ])


def test_nested_citations_are_located_for_publishing(river: Path) -> None:
    report = opencase.validate(river, SNAPSHOTS)
    text = (SNAPSHOTS / "river.txt").read_text(encoding="utf-8")
    nested = report.dataset.nested
    assert sorted(nested) == [
        ("river-police", "names[0]", 0),
        ("tomas-reyes", "names[0]", 0),
        ("tomas-reyes", "reported[0]", 0),
        ("tomas-reyes", "reported[1]", 0),
    ]
    check = nested[("tomas-reyes", "reported[1]", 0)]
    assert (check.record_id, check.place, check.index) == ("tomas-reyes", "reported[1]", 0)
    assert text[check.match.start:check.match.end] == "was 35 according to his family"
    variant = nested[("tomas-reyes", "names[0]", 0)]
    assert text[variant.match.start:variant.match.end] == 'the police log spelled "Thomas Reyes"'
    assert ("tomas-reyes", 0) in report.dataset.citations  # the record's own, as before
    assert len(list(report.dataset.all_citations())) == len(report.dataset.citations) + 4


def test_without_a_dataset_the_same_issues(river: Path) -> None:
    """``dataset=False`` (what ``opencase validate`` asks for) checks nested quotes too."""
    _edit(river, EDITS["name variant quote not in the snapshot"])
    report = opencase.validate(river, SNAPSHOTS, dataset=False)
    assert [(i.code, i.field) for i in report.issues] == [
        ("quote-not-found", "names[0].cite[0].quote")]


def test_model_1_records_still_validate(harbour: Path, snapshots: Path) -> None:
    assert opencase.validate(harbour, snapshots, strict=True).issues == []


def test_cli_reports_nested_locations(river: Path) -> None:
    _edit(river, EDITS["name variant quote not in the snapshot"]
          + EDITS["counsel represents someone who is not a party"])
    result = run_cli("validate", river, "--snapshots", SNAPSHOTS)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    path = str(river / FILE)
    assert any(line.startswith(f"{path}:23:13: error quote-not-found names[0].cite[0]:")
               for line in lines), lines
    assert any(line.startswith(f"{path}:118:9: warning represents-not-a-party "
                               "parties[3].represents:") for line in lines), lines


def test_keys_that_cannot_be_field_names_say_which_can(river: Path) -> None:
    _edit(river, EDITS["unknown key that cannot be a field name"])
    (issue,) = opencase.validate(river, SNAPSHOTS).issues
    assert issue.message == (
        "unknown.Name: 'Name' is not a field name (lowercase letters, digits and underscores); "
        "did you mean 'name'? fields that may be: description, name, names, office, rank, "
        "reported_age, reported_age_as_of, title")


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "fictional-vell-case"


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="the example dataset is absent")
@pytest.mark.parametrize(("old", "new", "code", "message"), [
    ("        value: 9\n", "        value: nine\n", "reported-value-invalid",
     "reported[1].value: 'nine' is not a valid `restraint_minutes`: input should be a whole "
     "number written in digits"),
    ("      - field: restraint_minutes\n        value: 9\n",
     "      - field: recorded_by\n        value: 9\n", "reported-field-unknown",
     "reported[1].field: `recorded_by` is a list"),
    ("    restraint_minutes: 11\n", "    restraint_minutes: 9\n",
     "reported-preferred-conflict", "reported[0]: '11' is the preferred `restraint_minutes`, "
     "but the record's `restraint_minutes` holds 9"),
])
def test_a_dataset_extension_field_is_reported_like_a_built_in_one(
    tmp_path: Path, old: str, new: str, code: str, message: str
) -> None:
    """A field the dataset adds in package.yaml (the example's `restraint_minutes`, an
    integer) is checked by its own declared validation."""
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy)
    events = copy / "records" / "events.yaml"
    text = events.read_text(encoding="utf-8")
    assert text.count(old) == 1
    events.write_text(text.replace(old, new), encoding="utf-8")
    found = [i for i in opencase.validate(copy / "records", copy / "snapshots").issues
             if i.code == code]
    assert len(found) == 1 and found[0].message.startswith(message), found
    assert Path(found[0].file or "").name == "events.yaml"


def test_floods_of_reported_values_and_variants_are_each_reported_once(river: Path) -> None:
    """2,000 copies of one reported value and of one name variant: every repeat is reported,
    each once (one pass over the items, no pairwise comparison)."""
    entry = ("      - field: reported_age\n        value: 35\n        cite:\n"
             "          - source: river-news\n            quote: was 35 according to his family\n")
    variant = ("      - name: Thomas Reyes\n        type: spelling\n        cite:\n"
               "          - source: river-news\n"
               '            quote: the police log spelled "Thomas Reyes"\n')
    _edit(river, [(REPORTED_35, entry * 2000 + REPORTED_35),
                  ("    names:\n      - name: Thomas Reyes\n",
                   "    names:\n" + variant * 2000 + "      - name: Thomas Reyes\n")])
    counts: dict[str, int] = {}
    for issue in opencase.validate(river, SNAPSHOTS, dataset=False).issues:
        counts[issue.code] = counts.get(issue.code, 0) + 1
    assert {c: n for c, n in counts.items() if c != "duplicate-citation"} == {
        "reported-duplicate": 2000, "name-variant-duplicate": 2000}


def test_coverage_counts_the_quotes_of_variants_and_reported_values(river: Path) -> None:
    """The passages only a name variant and a reported value quote are covered."""
    from opencase.validation.coverage import coverage

    def uncovered_on_line_7() -> list[str]:
        (source,) = coverage(river, SNAPSHOTS).sources
        return [p.text for p in source.uncovered if p.line == 7]

    assert uncovered_on_line_7() == ["Reyes, whose name"]
    _edit(river, [(REPORTED_35 + "        cite:\n          - source: river-news\n"
                   "            quote: was 35 according to his family\n", ""),
                  ("    names:\n      - name: Thomas Reyes\n        type: spelling\n"
                   "        cite:\n" + NAMES_CITE, "")])
    assert uncovered_on_line_7() == [
        'Reyes, whose name the police log spelled "Thomas Reyes", was 35 according to his '
        "family"]
