"""Corrections are records: what an earlier version published wrongly, what it is now, why,
and the citation or note that justifies it. Their validation (each rule a coded issue at its
line), the published ``corrections`` table (its Table Schema, `opencase check`, `frictionless
validate`, the round trip through `opencase.load`), and the Stephen Port dataset's corrections
against the 1.0.0 records and the records as they are."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import opencase
from opencase.codes import Code
from opencase.language.models import KINDS, Correction
from opencase.publishing.layout import layout

from .conftest import REPO, SHARED_SOURCES, needs_shared, run_cli

COLUMNS = ["id", "record_id", "field", "old_value", "new_value", "reason", "version", "date",
           "date_start", "date_end", "note"]

VALUE = """\
  - id: gauge-staff-count
    record: gauge-staff
    field: count
    old_value: 11
    new_value: 12
    reason: The first version miscounted the staff; the article says twelve.
    version: 1.1.0
    date: 2024-05
    cite:
      - source: harbour-article
        quote: 12 staff had ignored the gauges
"""
REMOVAL = """\
  - id: mayor-resigned-removed
    record: mayor-resigned
    reason: No text says that the mayor resigned.
    version: 2.0.0
    note: The event had no passage to rest on.
"""

TYPE = """\
  - id: harbour-council-type
    record: harbour-council
    field: type
    old_value: other
    new_value: government
    reason: The article calls it the council.
    version: 1.1.0
    cite:
      - source: harbour-article
        quote: The council in Harbour Town
"""
LIST = """\
  - id: gauge-staff-count
    record: council-fined
    field: participants
    old_value: someone
    new_value: a list as the curator writes it
    reason: Lists are written as the curator chooses.
    version: 1.1.0
    note: Not compared with the record.
"""


def _write(records: Path, text: str) -> Path:
    path = records / "corrections.yaml"
    path.write_text("corrections:\n" + text, encoding="utf-8")
    return path


def _issues(records: Path, snapshots: Path) -> list[tuple[str, int | None, str | None]]:
    report = opencase.validate(records, snapshots, strict=True)
    return [(i.code, i.line, i.field) for i in report.issues]


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize("text", [VALUE, REMOVAL, VALUE + REMOVAL, TYPE, LIST],
                         ids=["value", "removal", "both", "vocabulary value", "list"])
def test_a_valid_correction_has_no_issue(harbour: Path, snapshots: Path, text: str) -> None:
    _write(harbour, text)
    assert _issues(harbour, snapshots) == []


CASES = {
    "missing reason": (VALUE.replace(
        "    reason: The first version miscounted the staff; the article says twelve.\n", ""),
        Code.MISSING_KEY, 2, "reason"),
    "no cite and no note": (REMOVAL.replace(
        "    note: The event had no passage to rest on.\n", ""),
        Code.CORRECTION_UNJUSTIFIED, 2, None),
    "bad version": (VALUE.replace("version: 1.1.0", "version: v1.1"),
                    Code.INVALID_VALUE, 8, "version"),
    "version with four parts": (VALUE.replace("version: 1.1.0", "version: 1.1.0.2"),
                                Code.INVALID_VALUE, 8, "version"),
    "record naming nothing, with a field": (VALUE.replace("record: gauge-staff",
                                                          "record: gauge-stuff"),
                                            Code.CORRECTION_UNKNOWN_RECORD, 3, "record"),
    "record naming nothing, with a new value": (REMOVAL.replace(
        "    version: 2.0.0\n", "    new_value: resigned\n    version: 2.0.0\n"),
        Code.CORRECTION_UNKNOWN_RECORD, 3, "record"),
    "a field the kind has not": (VALUE.replace("field: count", "field: cuont"),
                                 Code.CORRECTION_UNKNOWN_FIELD, 4, "field"),
    "a record id that is no id": (VALUE.replace("record: gauge-staff", "record: Gauge Staff"),
                                  Code.INVALID_ID, 3, "record"),
    "a new value the record does not hold": (VALUE.replace("new_value: 12", "new_value: 13"),
                                             Code.CORRECTION_VALUE_DIFFERS, 6, "new_value"),
    "a vocabulary value the record does not hold": (TYPE.replace("new_value: government",
                                                                 "new_value: regulator"),
                                                    Code.CORRECTION_VALUE_DIFFERS, 6,
                                                    "new_value"),
    "a value removed that the record still holds": (VALUE.replace("    new_value: 12\n", ""),
                                                    Code.CORRECTION_VALUE_DIFFERS, 4, "field"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_rule_is_a_coded_issue_at_its_line(harbour: Path, snapshots: Path,
                                                case: str) -> None:
    text, code, line, field = CASES[case]
    _write(harbour, text)
    report = opencase.validate(harbour, snapshots, strict=True)
    found = [(i.code, i.line, i.field, i.file) for i in report.issues]
    assert found == [(code, line, field, str(harbour / "corrections.yaml"))], case
    assert not report.ok


def test_messages_say_what_to_do(harbour: Path, snapshots: Path) -> None:
    _write(harbour, VALUE.replace("record: gauge-staff", "record: gauge-stuff")
           + REMOVAL.replace("    note: The event had no passage to rest on.\n", "")
           + VALUE.replace("gauge-staff-count", "other").replace("field: count", "field: cuont")
           + VALUE.replace("gauge-staff-count", "third").replace("1.1.0", "2.0"))
    run = run_cli("validate", str(harbour), "--snapshots", str(snapshots))
    assert run.returncode == 1, run.stdout + run.stderr
    where = f"{harbour / 'corrections.yaml'}"
    assert run.stdout.splitlines()[:4] == [
        f"{where}:3:5: error correction-unknown-record record: no record has id 'gauge-stuff'; "
        "did you mean 'gauge-staff'? (only a correction that removed its record, without "
        "`field` and `new_value`, names a former id)",
        f"{where}:13:5: error correction-unjustified correction 'mayor-resigned-removed' has "
        "neither `cite:` nor `note`; add the passage that supports the new value, or a note "
        "that justifies the correction",
        f"{where}:19:5: error correction-unknown-field field: groups have no field 'cuont'; "
        "did you mean 'count'?",
        f"{where}:34:5: error invalid-value version: '2.0' is not a semantic version; write "
        "the dataset version as major.minor.patch, e.g. '2.0.0'",
    ]


def test_a_number_is_kept_as_its_text_and_the_date_is_not_looked_for_in_quotes(
        harbour: Path, snapshots: Path) -> None:
    # the citation backs the whole record: the lint would look for 2024-05 in it, were the
    # date not the curator's (when the correction was made)
    _write(harbour, VALUE)
    report = opencase.validate(harbour, snapshots, strict=True)
    assert report.ok and report.issues == []
    assert report.dataset is not None
    (c,) = report.dataset.records["corrections"]
    assert isinstance(c, Correction)
    assert (c.record, c.field, c.old_value, c.new_value, c.version, c.date) == (
        "gauge-staff", "count", "11", "12", "1.1.0", "2024-05")


def test_the_model_is_a_kind_with_the_contract_s_columns() -> None:
    assert KINDS["corrections"] is Correction
    spec = layout()["corrections"]
    assert spec.names == COLUMNS
    assert spec.primary_key == ("id",)
    # record_id names a removed record by its former id: no foreign key but the id's own
    assert [(fk.column, fk.table) for fk in spec.foreign_keys] == [("id", "entities")]


# ---------------------------------------------------------------- the published table


@pytest.fixture
def package(harbour: Path, snapshots: Path, tmp_path: Path) -> Path:
    _write(harbour, VALUE + REMOVAL)
    (tmp_path / "package.yaml").write_text("name: harbour\ntitle: Harbour\nversion: 2.0.0\n",
                                           encoding="utf-8")
    out = tmp_path / "datapackage"
    report = opencase.publish(harbour, out, snapshots=snapshots)
    assert report.ok, report.format("text")
    return out


def _resource(descriptor: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in descriptor["resources"] if r["name"] == name)


def test_the_table_and_its_schema_in_datapackage_json(package: Path) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for name in ("corrections", "corrections-parquet"):
        schema = _resource(descriptor, name)["schema"]
        assert [f["name"] for f in schema["fields"]] == COLUMNS
        assert all(f["description"] for f in schema["fields"])
        fields = {f["name"]: f for f in schema["fields"]}
        assert fields["reason"]["constraints"]["required"] is True
        assert fields["version"]["constraints"]["required"] is True
        assert "pattern" in fields["version"]["constraints"]
        assert "required" not in fields["new_value"].get("constraints", {})
        assert [fk["fields"] for fk in schema["foreignKeys"]] == [["id"]]
    assert _resource(descriptor, "corrections")["description"].startswith("A correction:")
    csv = (package / "csv" / "corrections.csv").read_text(encoding="utf-8").splitlines()
    assert csv == [
        ",".join(f'"{c}"' for c in COLUMNS),
        '"gauge-staff-count","gauge-staff","count","11","12","The first version miscounted '
        'the staff; the article says twelve.","1.1.0","2024-05",2024-05-01,2024-05-31,',
        '"mayor-resigned-removed","mayor-resigned",,,,"No text says that the mayor resigned.",'
        '"2.0.0",,,,"The event had no passage to rest on."',
    ]


def test_a_correction_is_an_entity_with_its_citations(package: Path) -> None:
    pkg = opencase.load(package)
    entities = {e["id"]: e for e in pkg.table("entities").to_pylist()}
    assert entities["gauge-staff-count"]["kind"] == "corrections"
    assert entities["gauge-staff-count"]["label"] == ("The first version miscounted the "
                                                     "staff; the article says twelve.")
    assert entities["mayor-resigned-removed"]["kind"] == "corrections"
    assert "mayor-resigned" not in entities
    cites = [(c["record_id"], c["record_kind"], c["quote"], c["quote_start"] is not None)
             for c in pkg.table("citations").to_pylist() if c["record_kind"] == "corrections"]
    assert cites == [("gauge-staff-count", "corrections", "12 staff had ignored the gauges",
                      True)]


def test_check_and_frictionless_validate_pass(package: Path) -> None:
    run = run_cli("check", str(package))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1].startswith("valid: 0 errors, 0 warnings")
    run = subprocess.run([sys.executable, "-m", "frictionless", "validate",
                          str(package / "datapackage.json"), "--json"],
                         capture_output=True, text=True, timeout=300)
    result = json.loads(run.stdout)
    assert result["valid"] is True, run.stdout[-3000:]
    names = {t["name"] for t in result["tasks"]}
    assert {"corrections", "corrections-parquet"} <= names


def test_loaded_back_equal_to_the_records(package: Path, harbour: Path,
                                          snapshots: Path) -> None:
    report = opencase.validate(harbour, snapshots)
    assert report.dataset is not None
    curated = report.dataset.records["corrections"]
    loaded = opencase.load(package).records("corrections")
    assert loaded == curated
    assert [c.model_dump() for c in loaded] == [c.model_dump() for c in curated]
    assert loaded[0].cite[0].quote == "12 staff had ignored the gauges"
    assert loaded[1].cite == [] and loaded[1].note == "The event had no passage to rest on."


def test_a_package_published_before_corrections_loads(package: Path, tmp_path: Path) -> None:
    """A package without the `corrections` table (published by an opencase that had no such
    kind) has no corrections, and its other records load as before."""
    old = tmp_path / "old"
    shutil.copytree(package, old)
    descriptor = json.loads((old / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"]
                               if not r["name"].startswith("corrections")]
    (old / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (old / "csv" / "corrections.csv").unlink()
    (old / "parquet" / "corrections.parquet").unlink()
    pkg = opencase.load(old)
    assert pkg.records("corrections") == []
    assert [g.id for g in pkg.records("groups")] == ["gauge-staff"]


# ---------------------------------------------------------------- the Stephen Port dataset


def _as_text(value: Any) -> str | None:
    """A record's value as a correction writes it (a list: its items, comma-separated)."""
    if value is None or value == []:
        return None
    if isinstance(value, list):
        return ", ".join(f"{v.who} ({v.role.value})" if hasattr(v, "who") else str(v)
                         for v in value)
    return str(getattr(value, "value", value))


@needs_shared
def test_the_dataset_s_corrections_say_what_its_records_now_say() -> None:
    report = opencase.validate(REPO / "records", SHARED_SOURCES, strict=True)
    assert report.ok and report.dataset is not None
    records = {r.id: r for r in report.dataset.all_records()}
    corrections = report.dataset.records["corrections"]
    assert len(corrections) == 24
    for c in corrections:
        assert isinstance(c, Correction)
        assert c.version == "2.0.0" and c.cite, c.id
        if c.field is None:  # a removal: the record is gone
            assert c.new_value is None and c.record not in records, c.id
            continue
        assert _as_text(getattr(records[c.record], c.field)) == c.new_value, c.id


def _git_show(commit: str, path: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    run = subprocess.run([git, "show", f"{commit}:{path}"], capture_output=True, text=True,
                         cwd=REPO, timeout=60)
    return run.stdout if run.returncode == 0 else None


DATASET_1_0_0 = "ac89ba74ab1e88a40253db7083e89617a1161c91"  # "Dataset 1.0.0"


def test_the_dataset_s_corrections_say_what_1_0_0_published(tmp_path: Path) -> None:
    """Every old value is what dataset 1.0.0 published (its records from git history)."""
    files = ["case", "events", "groups", "organisations", "people", "proceedings",
             "relationships", "sources", "statements"]
    old = tmp_path / "records"
    old.mkdir()
    for name in files:
        text = _git_show(DATASET_1_0_0, f"records/{name}.yaml")
        if text is None:
            pytest.skip("the git history of dataset 1.0.0 is not available")
        (old / f"{name}.yaml").write_text(text, encoding="utf-8")
    report = opencase.validate(old)
    assert report.dataset is not None
    published = {r.id: r for r in report.dataset.all_records()}
    text = (REPO / "records" / "corrections.yaml").read_text(encoding="utf-8")
    corrections = yaml.safe_load(text)["corrections"]
    former = {c["new_value"]: c["old_value"] for c in corrections if c.get("field") == "id"}
    for c in corrections:
        if "field" not in c:  # a removal: 1.0.0 had the record
            assert c["record"] in published, c["id"]
        elif c["field"] == "id":  # a new id: 1.0.0 had the old one
            assert c["old_value"] in published and c["record"] not in published, c["id"]
        else:
            value = getattr(published[former.get(c["record"], c["record"])], c["field"])
            assert _as_text(value) == c.get("old_value"), c["id"]
