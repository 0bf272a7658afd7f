"""A dataset's extensions published and read back: the descriptor records the case model, the
Table Schemas, CSV, Parquet and data dictionary hold the added columns and values, both
checkers pass, opencase.load gives the records back equal, and `opencase schemas --config`
writes a dataset's own schemas."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import opencase
from opencase.language.casemodel import CaseModel
from opencase.language.extensions import read_extensions
from opencase.language.models import MODEL_VERSION
from opencase.report import Report
from opencase.validation.declared import declared_model
from opencase.validation.validate import validate

from .conftest import FIXTURES, run_cli

EXTENDED = FIXTURES / "extensions"
SNAPSHOTS = FIXTURES / "publish" / "snapshots"
HEAD = "name: test-case\ntitle: A test case\nversion: 1.0.0\nmodel: 2\n"


# ---------------------------------------------------------------- published and loaded back


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("extended") / "package"
    run = run_cli("publish", str(EXTENDED / "records"), "--snapshots", str(SNAPSHOTS), "--out",
                  str(out), "--strict")
    assert run.returncode == 0, run.stdout + run.stderr
    return out


def _resource(descriptor: dict[str, Any], name: str) -> dict[str, Any]:
    (res,) = [r for r in descriptor["resources"] if r["name"] == name]
    return res


def _field(resource: dict[str, Any], name: str) -> dict[str, Any]:
    (field,) = [f for f in resource["schema"]["fields"] if f["name"] == name]
    return field


def test_the_descriptor_records_the_model_and_the_extensions(published: Path) -> None:
    descriptor = json.loads((published / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["opencase:model"] == MODEL_VERSION
    declared = descriptor["opencase:extensions"]
    assert declared["vocabularies"]["events.type"] == [{
        "value": "structural-failure",
        "definition": "A structure (a bridge, a building) failed or collapsed."}]
    assert declared["fields"]["people"][3] == {
        "name": "employer", "type": "reference", "kinds": ["organisations"], "list": False,
        "description": "The organisation the person worked for."}
    ext, problems = read_extensions(declared)
    assert problems == [] and ext == case_model_of(EXTENDED).extensions


def case_model_of(folder: Path) -> CaseModel:
    report = Report()
    model = declared_model(folder / "records", None, report)
    assert report.issues == []
    return model


def test_extension_columns_and_categories_in_the_table_schemas(published: Path) -> None:
    descriptor = json.loads((published / "datapackage.json").read_text(encoding="utf-8"))
    for suffix in ("", "-parquet"):
        people = _resource(descriptor, "people" + suffix)
        assert {"profession", "age_given", "chartered", "employer"} <= {
            f["name"] for f in people["schema"]["fields"]}
        assert [_field(people, n)["type"] for n in ("profession", "age_given", "chartered",
                                                    "employer")] == [
            "string", "number", "boolean", "string"]
        assert {"fields": ["employer"],
                "reference": {"resource": "organisations" + suffix, "fields": ["id"]}} in \
            people["schema"]["foreignKeys"]
        languages = _resource(descriptor, "person_languages" + suffix)
        assert [f["name"] for f in languages["schema"]["fields"]] == [
            "person_id", "position", "language"]
        events = _resource(descriptor, "events" + suffix)
        assert {"reported_on", "reported_on_start", "reported_on_end", "injured"} <= {
            f["name"] for f in events["schema"]["fields"]}
        categories = _field(events, "type")["categories"]
        assert {"value": "structural-failure", "label": "A structure (a bridge, a building) "
                "failed or collapsed."} in categories
        assert categories[-1]["value"] == "other"  # an added value goes before `other`
        roles = _field(_resource(descriptor, "event_participants" + suffix), "role")
        assert "bystander" in roles["constraints"]["enum"]
        # one names table for every kind: the value added for people is everyone's
        name_types = _field(_resource(descriptor, "names" + suffix), "type")
        assert "surname-only" in name_types["constraints"]["enum"]
    readme = (published / "README.md").read_text(encoding="utf-8")
    assert "`profession`" in readme and "structural-failure" in readme
    assert "## This dataset's extensions" in readme
    assert ("- `people.employer`, added field (reference to `organisations`): The organisation "
            "the person worked for.") in readme
    assert "- `people.languages`, added field (a list of text, in a child table)" in readme


def test_extension_values_in_the_csv_and_parquet_files(published: Path) -> None:
    people = pq.read_table(published / "parquet" / "people.parquet").to_pylist()
    nair = next(p for p in people if p["id"] == "priya-nair")
    assert (nair["profession"], nair["age_given"], nair["chartered"], nair["employer"]) == (
        "Engineer", 41.0, True, "county-council")
    events = pacsv.read_csv(published / "csv" / "events.csv").to_pylist()
    assert {"reported_on", "reported_on_start", "reported_on_end", "injured"} <= set(events[0])
    assert (events[0]["type"], events[0]["injured"]) == ("structural-failure", 3)
    languages = pq.read_table(published / "parquet" / "person_languages.parquet").to_pylist()
    assert [(r["person_id"], r["position"], r["language"]) for r in languages] == [
        ("priya-nair", 0, "English"), ("priya-nair", 1, "Welsh")]


def test_the_extended_package_passes_both_checkers(published: Path) -> None:
    assert opencase.check(published).issues == []
    run = subprocess.run([sys.executable, "-m", "frictionless", "validate",
                          str(published / "datapackage.json"), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert json.loads(run.stdout)["valid"] is True, run.stdout[-3000:]


def test_records_publish_and_load_back_equal_with_their_extensions(published: Path) -> None:
    report = validate(EXTENDED / "records", SNAPSHOTS, strict=True)
    assert report.ok and report.dataset is not None
    pkg = opencase.load(published)
    assert pkg.case_model.extensions == case_model_of(EXTENDED).extensions
    for kind, curated in report.dataset.records.items():
        loaded = pkg.records(kind)
        assert [r.model_dump() for r in loaded] == [r.model_dump() for r in curated], kind
    (nair,) = [p for p in pkg.records("people") if p.id == "priya-nair"]
    assert nair.model_dump(include={"employer", "languages"}) == {
        "employer": "county-council", "languages": ["English", "Welsh"]}
    assert pkg.records("events")[0].type.definition.startswith("A structure")
    (reyes,) = [p for p in pkg.records("people") if p.id == "tom-reyes"]
    assert [(n.name, n.type.value) for n in reyes.names] == [("Reyes", "surname-only")]


def test_a_package_with_a_broken_declaration_does_not_load(published: Path,
                                                           tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(published, copy)
    path = copy / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["opencase:extensions"]["fields"]["people"][0]["type"] = "colour"
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(opencase.LoadError, match="unknown type 'colour'"):
        opencase.load(copy).records("people")


def test_schemas_for_a_dataset(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    run = run_cli("schemas", "--config", str(EXTENDED / "package.yaml"), "--out", str(out))
    assert run.returncode == 0, run.stderr
    schema = json.loads((out / "records.schema.json").read_text(encoding="utf-8"))
    person = schema["definitions"]["Person"]["properties"]
    assert {"profession", "age_given", "chartered", "employer", "languages"} <= set(person)
    assert "structural-failure" in schema["definitions"]["EventType"]["enum"]
    table = json.loads((out / "tables" / "people.json").read_text(encoding="utf-8"))
    assert "profession" in [f["name"] for f in table["fields"]]
    check = run_cli("schemas", "--config", str(EXTENDED / "package.yaml"), "--out", str(out),
                    "--check")
    assert check.returncode == 0, check.stdout
    standard = run_cli("schemas", "--out", str(out), "--check")
    assert standard.returncode == 1 and "records.schema.json" in standard.stdout


def test_schemas_of_a_dataset_with_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "package.yaml"
    broken.write_text(HEAD + "extensions:\n  fields:\n    persons: []\n", encoding="utf-8")
    with pytest.raises(opencase.OpencaseError, match="extension-unknown-kind"):
        opencase.schemas(tmp_path / "out", config=broken)
    run = run_cli("schemas", "--config", str(broken), "--out", str(tmp_path / "out"))
    assert run.returncode == 1 and ":7:5: error extension-unknown-kind" in run.stdout
    assert not (tmp_path / "out").exists()
