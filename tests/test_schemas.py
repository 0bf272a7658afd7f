"""schemas/: generated from the models, committed, and usable by editors and frictionless."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import frictionless
import jsonschema
import pytest
import yaml

from opencase.publishing.layout import layout
from opencase.publishing.schemas import (
    generated_files,
    record_file_schema,
    stale_files,
    write_schemas,
)

from .conftest import FIXTURES, REPO, run_cli

SCHEMAS = REPO / "schemas"


class _Yaml12Loader(yaml.SafeLoader):
    """Reads YAML the way yaml-language-server does (1.2 core: no dates, no yes/no booleans)."""


_Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:timestamp",
                                                   "tag:yaml.org,2002:bool")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(  # (1.2 core booleans: true and false only)
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def _record_files() -> list[Path]:
    return sorted((REPO / "records").rglob("*.yaml")) + sorted(
        (FIXTURES / "publish" / "records").glob("*.yaml"))


def test_committed_schemas_are_what_the_models_generate() -> None:
    assert stale_files(SCHEMAS) == [], (
        "schemas/ is stale: run `opencase schemas` and commit the result")


def test_one_table_schema_per_published_table() -> None:
    names = {p.stem for p in (SCHEMAS / "tables").glob("*.json")}
    assert names == set(layout())


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = record_file_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.parametrize("path", _record_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_record_files_match_the_json_schema(path: Path, validator: Any) -> None:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({"people": [{"id": "a", "name": "A", "cite": [], "nickname": "x"}]}, "nickname"),
        ({"organisations": [{"id": "a", "name": "A", "type": "bakery", "cite": []}]}, "bakery"),
        ({"cases": [{"id": "a", "name": "A", "date": "2016-13-99x"}]}, "2016-13-99x"),
        ({"persons": []}, "persons"),
        ({"people": [{"id": "Not A Slug", "name": "A"}]}, "Not A Slug"),
    ],
)
def test_the_json_schema_rejects_bad_records(doc: dict[str, Any], fragment: str,
                                             validator: Any) -> None:
    messages = " ".join(e.message for e in validator.iter_errors(doc))
    assert fragment in messages


def test_an_unquoted_year_is_accepted_as_an_edtf_date(validator: Any) -> None:
    doc = yaml.load("cases:\n  - id: c\n    name: C\n    date: 2016\n    cite: []\n",
                    Loader=_Yaml12Loader)
    assert list(validator.iter_errors(doc)) == []


@pytest.mark.parametrize("name", list(layout()))
def test_table_schemas_are_valid_for_frictionless(name: str) -> None:
    descriptor = json.loads((SCHEMAS / "tables" / f"{name}.json").read_text(encoding="utf-8"))
    report = frictionless.Schema.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])


def test_write_schemas_removes_tables_that_are_gone(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    write_schemas(out)
    (out / "tables" / "gone.json").write_text("{}", encoding="utf-8")
    assert stale_files(out) == ["tables/gone.json"]
    write_schemas(out)
    assert not (out / "tables" / "gone.json").exists()
    assert stale_files(out) == []
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == \
        sorted(generated_files())


def test_cli_schemas_check(tmp_path: Path) -> None:
    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, copy)
    ok = run_cli("schemas", "--check", "--out", copy)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (copy / "tables" / "people.json").write_text("{}\n", encoding="utf-8")
    stale = run_cli("schemas", "--check", "--out", copy, "--format", "json")
    assert stale.returncode == 1
    issues = json.loads(stale.stdout)["issues"]
    assert [i["code"] for i in issues] == ["schema-stale"]
    assert "people.json" in issues[0]["file"]
    written = run_cli("schemas", "--out", copy)
    assert written.returncode == 0
    assert run_cli("schemas", "--check", "--out", copy).returncode == 0


def test_library_function_matches_the_verb(tmp_path: Path) -> None:
    import opencase

    written = opencase.schemas(tmp_path / "schemas")
    assert sorted(p.relative_to(tmp_path / "schemas").as_posix() for p in written) == sorted(
        generated_files())
    assert stale_files(tmp_path / "schemas") == []


EXAMPLE = REPO / "examples" / "fictional-vell-case"


@pytest.mark.parametrize("path", sorted((EXAMPLE / "records").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_the_example_matches_its_own_json_schema(path: Path) -> None:
    """The editor JSON Schema of a dataset with extensions accepts its valid record files,
    reported values written as numbers (``value: 34``) included."""
    from opencase.report import Report
    from opencase.validation.declared import model_in

    report = Report()
    schema = record_file_schema(model_in(EXAMPLE / "package.yaml", report))
    assert report.issues == []
    validator = jsonschema.validators.validator_for(schema)(schema)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []
