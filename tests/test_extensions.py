"""Dataset extensions (package.yaml `extensions:`) and the case-model version (`model:`):
each mistake a located issue with its own code; an extended dataset validated, schemas and
tables built from its case model, published and loaded back."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from opencase.codes import Code, Severity
from opencase.language.casemodel import STANDARD, case_model
from opencase.language.extensions import read_extensions
from opencase.language.models import KINDS, MODEL_VERSION, Event, Person, Source
from opencase.report import Report
from opencase.validation.validate import validate

from .conftest import FIXTURES, run_cli

EXTENDED = FIXTURES / "extensions"
SNAPSHOTS = FIXTURES / "publish" / "snapshots"
HEAD = "name: test-case\ntitle: A test case\nversion: 1.0.0\nmodel: 2\n"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/extensions: records/ and package.yaml."""
    dest = tmp_path / "dataset"
    shutil.copytree(EXTENDED, dest)
    return dest


def _plain(tmp_path: Path, package_yaml: str) -> Path:
    """A dataset of the small valid records (no extension used) with ``package_yaml``."""
    shutil.copytree(FIXTURES / "valid", tmp_path / "records")
    (tmp_path / "package.yaml").write_text(package_yaml, encoding="utf-8")
    return tmp_path / "records"


def _check(records: Path, **kw: object) -> Report:
    """``validate`` with the snapshots of the small valid records."""
    return validate(records, FIXTURES / "snapshots", **kw)  # type: ignore[arg-type]


def _config_issues(report: Report, path: Path
                   ) -> list[tuple[str, int | None, int | None, str | None]]:
    return [(i.code, i.line, i.column, i.field) for i in report.issues if i.file == str(path)]


# ---------------------------------------------------------------- mistakes, located

MISTAKES = [
    ("unknown kind (vocabulary)", """\
        vocabularies:
          event.type:
            - value: stop-and-search
              definition: A stop.
        """, Code.EXTENSION_UNKNOWN_KIND, 7, 5, "extensions.vocabularies.event.type"),
    ("unknown field", """\
        vocabularies:
          events.tpye:
            - value: stop-and-search
              definition: A stop.
        """, Code.EXTENSION_UNKNOWN_FIELD, 7, 5, "extensions.vocabularies.events.tpye"),
    ("not a vocabulary", """\
        vocabularies:
          events.description:
            - value: stop-and-search
              definition: A stop.
        """, Code.EXTENSION_NOT_A_VOCABULARY, 7, 5,
     "extensions.vocabularies.events.description"),
    ("nested not a vocabulary", """\
        vocabularies:
          events.participants.who:
            - value: stop-and-search
              definition: A stop.
        """, Code.EXTENSION_NOT_A_VOCABULARY, 7, 5,
     "extensions.vocabularies.events.participants.who"),
    ("value clash", """\
        vocabularies:
          events.type:
            - value: murder
              definition: Already there.
        """, Code.EXTENSION_VALUE_CLASH, 8, 9, "extensions.vocabularies.events.type.0.value"),
    ("value twice", """\
        vocabularies:
          events.type:
            - value: stop
              definition: A stop.
            - value: stop
              definition: Again.
        """, Code.EXTENSION_VALUE_CLASH, 10, 9,
     "extensions.vocabularies.events.type.1.value"),
    ("bad slug", """\
        vocabularies:
          events.type:
            - value: Stop And Search
              definition: A stop.
        """, Code.EXTENSION_INVALID, 8, 9, "extensions.vocabularies.events.type.0.value"),
    ("missing definition", """\
        vocabularies:
          proceedings.parties.role:
            - value: amicus
        """, Code.EXTENSION_INVALID, 8, 9, "extensions.vocabularies.proceedings.parties.role.0"),
    ("unknown kind (fields)", """\
        fields:
          persons:
            - name: nationality
              type: text
              description: N.
        """, Code.EXTENSION_UNKNOWN_KIND, 7, 5, "extensions.fields.persons"),
    ("unknown type", """\
        fields:
          people:
            - name: nationality
              type: string
              description: N.
        """, Code.EXTENSION_INVALID, 9, 9, "extensions.fields.people.0.type"),
    ("reference kinds unknown", """\
        fields:
          people:
            - name: employer
              type: reference
              kinds: [organisations, companies]
              description: E.
        """, Code.EXTENSION_UNKNOWN_KIND, 10, 32, "extensions.fields.people.0.kinds.1"),
    ("reference without kinds", """\
        fields:
          people:
            - name: employer
              type: reference
              description: E.
        """, Code.EXTENSION_INVALID, 8, 9, "extensions.fields.people.0"),
    ("field name clash", """\
        fields:
          people:
            - name: rank
              type: text
              description: R.
        """, Code.EXTENSION_FIELD_CLASH, 8, 9, "extensions.fields.people.0.name"),
    ("derived column clash", """\
        fields:
          events:
            - name: date_start
              type: date
              description: D.
        """, Code.EXTENSION_FIELD_CLASH, 8, 9, "extensions.fields.events.0.name"),
    ("published column clash", """\
        fields:
          events:
            - name: case_id
              type: text
              description: C.
        """, Code.EXTENSION_FIELD_CLASH, 8, 9, "extensions.fields.events.0.name"),
    ("reserved name", """\
        fields:
          events:
            - name: names
              type: text
              list: true
              description: N.
        """, Code.EXTENSION_FIELD_CLASH, 8, 9, "extensions.fields.events.0.name"),
    ("field added twice", """\
        fields:
          people:
            - name: nationality
              type: text
              description: N.
            - name: nationality
              type: text
              description: Again.
        """, Code.EXTENSION_FIELD_CLASH, 11, 9, "extensions.fields.people.1.name"),
    ("SQL reserved word", """\
        fields:
          findings:
            - name: order
              type: integer
              description: O.
        """, Code.EXTENSION_RESERVED_WORD, 8, 9, "extensions.fields.findings.0.name"),
    ("SQL reserved item column", """\
        fields:
          people:
            - name: groups
              type: reference
              kinds: [groups]
              list: true
              description: G.
        """, Code.EXTENSION_RESERVED_WORD, 8, 9, "extensions.fields.people.0.name"),
    ("not snake_case", """\
        fields:
          people:
            - name: Nationality
              type: text
              description: N.
        """, Code.EXTENSION_INVALID, 8, 9, "extensions.fields.people.0.name"),
    ("list not a boolean", """\
        fields:
          people:
            - name: nationality
              type: text
              list: sometimes
              description: N.
        """, Code.EXTENSION_INVALID, 10, 9, "extensions.fields.people.0.list"),
    ("unknown key", """\
        fields:
          people:
            - name: nationality
              type: text
              description: N.
              required: true
        """, Code.EXTENSION_INVALID, 11, 9, "extensions.fields.people.0.required"),
    ("not a mapping", """\
        - events.type
        """, Code.EXTENSION_INVALID, 5, 1, "extensions"),
    ("field named like a record method", """\
        fields:
          people:
            - name: model_config
              type: text
              description: M.
        """, Code.EXTENSION_FIELD_CLASH, 8, 9, "extensions.fields.people.0.name"),
    ("field named like a record attribute", """\
        fields:
          events:
            - name: json
              type: text
              description: J.
        """, Code.EXTENSION_FIELD_CLASH, 8, 9, "extensions.fields.events.0.name"),
]


@pytest.mark.parametrize(("declaration", "code", "line", "column", "field"),
                         [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_located_in_package_yaml_with_its_code(
        tmp_path: Path, declaration: str, code: Code, line: int, column: int,
        field: str) -> None:
    text = HEAD + "extensions:\n" + textwrap.indent(textwrap.dedent(declaration), "  ")
    records = _plain(tmp_path, text)
    report = _check(records)
    assert _config_issues(report, tmp_path / "package.yaml") == [(code, line, column, field)]
    assert not report.ok
    assert report.issues[0].severity is Severity.ERROR


def test_the_cli_reports_a_mistake_at_its_place_and_exits_1(tmp_path: Path) -> None:
    records = _plain(tmp_path, HEAD + "extensions:\n  fields:\n    people:\n"
                     "      - name: select\n        type: text\n        description: S.\n")
    out = run_cli("validate", str(records))
    assert out.returncode == 1, out.stderr
    assert (f"{tmp_path / 'package.yaml'}:8:9: error extension-reserved-word field 'select' "
            "would be published as a column 'select'") in out.stdout
    assert "Traceback" not in out.stderr


def test_a_declaration_in_error_keeps_its_valid_parts() -> None:
    ext, problems = read_extensions({
        "vocabularies": {"events.type": [{"value": "murder", "definition": "x"},
                                         {"value": "stop", "definition": "A stop."}]},
        "fields": {"people": [{"name": "id", "type": "text", "description": "x"},
                              {"name": "nationality", "type": "text", "description": "N."}]},
    })
    assert [p.code for p in problems] == [Code.EXTENSION_VALUE_CLASH, Code.EXTENSION_FIELD_CLASH]
    model = case_model(ext)
    assert "stop" in model.vocabularies["events.type"]._value2member_map_
    assert "nationality" in model.kinds["people"].model_fields


# ---------------------------------------------------------------- the model version


@pytest.mark.parametrize(("model_line", "code", "severity", "line", "column"), [
    ("", Code.MODEL_OUTDATED, Severity.INFO, 1, 1),
    ("model: 1\n", Code.MODEL_OUTDATED, Severity.INFO, 4, 1),
    (f"model: {MODEL_VERSION + 1}\n", Code.MODEL_UNSUPPORTED, Severity.ERROR, 4, 1),
    ("model: two\n", Code.MODEL_UNSUPPORTED, Severity.ERROR, 4, 1),
    ("model: 0\n", Code.MODEL_UNSUPPORTED, Severity.ERROR, 4, 1),
])
def test_the_model_version_is_checked(tmp_path: Path, model_line: str, code: Code,
                                      severity: Severity, line: int, column: int) -> None:
    head = "name: test-case\ntitle: A test case\nversion: 1.0.0\n"
    records = _plain(tmp_path, head + model_line)
    report = _check(records)
    (issue,) = [i for i in report.issues if i.file == str(tmp_path / "package.yaml")]
    assert (issue.code, issue.severity, issue.line, issue.column, issue.field) == (
        code, severity, line, column, "model")
    assert report.ok is (severity is Severity.INFO)  # model-1 records validate unchanged


def test_a_newer_model_says_which_opencase_supports_it(tmp_path: Path) -> None:
    records = _plain(tmp_path, HEAD.replace("model: 2", f"model: {MODEL_VERSION + 1}"))
    (issue,) = _check(records).issues
    assert f"written for case model {MODEL_VERSION + 1}" in issue.message
    assert f"supports (models 1 to {MODEL_VERSION})" in issue.message
    assert f"upgrade to an opencase that supports case model {MODEL_VERSION + 1}" in \
        issue.message


def test_the_current_model_and_no_package_yaml_say_nothing(tmp_path: Path) -> None:
    assert _check(_plain(tmp_path, HEAD)).issues == []
    assert _check(FIXTURES / "valid").issues == []  # no package.yaml beside it


def test_an_info_issue_is_not_a_warning_even_under_strict(tmp_path: Path) -> None:
    records = _plain(tmp_path, "name: test-case\ntitle: A test case\nversion: 1.0.0\n")
    report = _check(records, strict=True)
    assert [i.severity for i in report.issues] == [Severity.INFO]
    assert report.ok and report.summary().startswith("valid: 0 errors, 0 warnings")
    github = report.format_github()
    assert github.startswith("::notice file=") and "title=model-outdated" in github


def test_config_given_explicitly(tmp_path: Path, dataset: Path) -> None:
    elsewhere = tmp_path / "elsewhere.yaml"
    shutil.move(dataset / "package.yaml", elsewhere)
    records = dataset / "records"
    assert not validate(records, SNAPSHOTS).ok  # the extensions are not found
    assert validate(records, SNAPSHOTS, config=elsewhere, strict=True).issues == []
    out = run_cli("validate", str(records), "--snapshots", str(SNAPSHOTS), "--config",
                  str(elsewhere), "--strict")
    assert out.returncode == 0, out.stdout + out.stderr
    missing = run_cli("validate", str(records), "--config", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "no package metadata file" in missing.stderr



def test_coverage_takes_the_config_too(tmp_path: Path, dataset: Path) -> None:
    elsewhere = tmp_path / "elsewhere.yaml"
    shutil.move(dataset / "package.yaml", elsewhere)
    out = run_cli("coverage", str(dataset / "records"), "--snapshots", str(SNAPSHOTS),
                  "--config", str(elsewhere))
    assert "151/401 letters covered, 37.6% (151 cited, 0 marked uncited)" in out.stdout, \
        out.stdout
    assert "error" not in out.stdout


# ---------------------------------------------------------------- the extended dataset


def test_the_extended_dataset_validates_strictly(dataset: Path) -> None:
    report = validate(dataset / "records", SNAPSHOTS, strict=True)
    assert report.issues == []
    people = {p.id: p for p in report.dataset.records["people"]}
    nair = people["priya-nair"]
    assert (nair.profession, nair.age_given, nair.chartered, nair.employer,
            nair.languages) == ("Engineer", 41.0, True, "county-council", ["English", "Welsh"])
    assert isinstance(nair, Person) and type(nair) is not Person
    (event,) = report.dataset.records["events"]
    assert isinstance(event, Event)
    added = event.model_dump(include={"type", "reported_on", "injured"})
    assert added == {"type": "structural-failure", "reported_on": "2020-03~", "injured": 3}
    assert event.participants[0].role == "bystander"
    assert event.type.definition == "A structure (a bridge, a building) failed or collapsed."


@pytest.mark.parametrize(("old", "new", "code", "message"), [
    ("type: structural-failure", "type: structural-failur", Code.NOT_IN_VOCABULARY,
     "'structural-failur' is not allowed"),
    ("role: bystander", "role: bystandr", Code.NOT_IN_VOCABULARY, "'bystandr' is not allowed"),
    ("profession: Engineer", "profesion: Engineer", Code.UNKNOWN_KEY,
     "did you mean 'profession'?"),
    ("employer: county-council", "employer: county-counsel", Code.UNKNOWN_REFERENCE,
     "county-counsel"),
    ("employer: county-council", "employer: tom-reyes", Code.WRONG_REFERENCE_KIND,
     "tom-reyes"),
    ("chartered: true", "chartered: yes", Code.INVALID_TYPE, "true or false"),
    ("injured: 3", "injured: 3.5", Code.INVALID_TYPE, "whole number"),
    ("age_given: 41", "age_given: nan", Code.INVALID_TYPE, "number written in digits"),
    ("reported_on: 2020-03~", "reported_on: March 2020", Code.INVALID_DATE, "reported_on"),
])
def test_typos_in_extended_records_still_error(dataset: Path, old: str, new: str, code: Code,
                                               message: str) -> None:
    path = dataset / "records" / "records.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    report = validate(dataset / "records", SNAPSHOTS)
    (issue,) = report.errors
    assert issue.code == code and message in issue.message
    assert issue.file is not None and issue.file.endswith("records.yaml")
    line = text[:text.index(old)].count("\n") + 1
    assert issue.line == line


def test_the_standard_model_is_shared_and_an_extended_one_built_once() -> None:
    assert case_model() is STANDARD and dict(STANDARD.kinds) == KINDS
    ext, _ = read_extensions({"fields": {"sources": [
        {"name": "paywalled", "type": "boolean", "description": "P."}]}})
    again, _ = read_extensions({"fields": {"sources": [
        {"name": "paywalled", "type": "boolean", "description": "P."}]}})
    model = case_model(ext)
    assert case_model(again) is model
    assert issubclass(model.kinds["sources"], Source)
    assert model.kinds["events"] is Event  # kinds not extended stay the standard ones


@pytest.mark.parametrize("declaration", [
    {"fields": {"people": [{"name": "x", "type": "reference", "kinds": [["a"]],
                            "description": "d"}]}},
    {"vocabularies": {"events.type": [1, None, [2], "text"]}},
    {"fields": {"people": [{"name": ["x"], "type": {"a": 1}, "description": 3, "list": [1]}]}},
    {"vocabularies": {"events.type": None}, "fields": []},
    {"vocabularies": {"": [], ".": [], "events.": [], "events.type.x": []}},
    {"fields": {"people": "nationality"}},
    [], 7, "extensions",
])
def test_a_malformed_declaration_gives_problems_never_an_exception(declaration: Any) -> None:
    ext, problems = read_extensions(declaration)
    assert problems and all(p.code.value.startswith("extension-") for p in problems)
    case_model(ext)  # what is left still builds
