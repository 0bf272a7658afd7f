"""Hostile or careless input to the parts of case model 2 found by review: each is a located
issue or a LoadError, never an internal error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import opencase
from opencase.errors import LoadError

from .conftest import REPO, run_cli

EXAMPLE = REPO / "examples" / "fictional-vell-case"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A writable copy of the fictional example dataset."""
    return Path(shutil.copytree(EXAMPLE, tmp_path / "example"))


@pytest.mark.parametrize("value", ["2021-13-01", "2021-21", "2021-02-30"])
def test_an_impossible_reported_date_is_reported_not_a_crash(example: Path, value: str
                                                            ) -> None:
    people = example / "records" / "people.yaml"
    text = people.read_text(encoding="utf-8")
    assert text.count("    reported:\n") >= 1
    people.write_text(text.replace("    reported:\n", (
        "    reported:\n"
        "      - field: reported_age_as_of\n"
        f"        value: {value}\n"
        "        cite:\n"
        "          - source: wpca-press-release\n"
        "            quote: Kasimir Vell, 34, who died in hospital on 13 June 2021\n"), 1),
        encoding="utf-8")
    line = text[:text.index("    reported:\n")].count("\n") + 3  # the value's line
    out = run_cli("validate", "records", "--snapshots", "snapshots", cwd=example)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "internal error" not in out.stderr and "Traceback" not in out.stderr
    assert (f"records/people.yaml:{line}:9: error reported-value-invalid reported[0].value: "
            f"'{value}' is not a valid `reported_age_as_of`") in out.stdout


def test_a_package_declaring_a_field_named_like_a_record_method_does_not_load(
        example: Path, tmp_path: Path) -> None:
    out = run_cli("publish", "records", "--snapshots", "snapshots", "--out",
                  str(tmp_path / "pkg"), cwd=example)
    assert out.returncode == 0, out.stdout + out.stderr
    descriptor = tmp_path / "pkg" / "datapackage.json"
    data = json.loads(descriptor.read_text(encoding="utf-8"))
    data["opencase:extensions"]["fields"]["people"].append(
        {"name": "model_config", "type": "text", "list": False, "description": "x"})
    descriptor.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(LoadError, match="model_config"):
        opencase.load(tmp_path / "pkg").records("people")


def test_model_1_declared_but_model_2_fields_used_is_a_warning(example: Path) -> None:
    config = example / "package.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("model: 2\n", "model: 1\n"),
                      encoding="utf-8")
    report = opencase.validate(example / "records", example / "snapshots")
    newer = [(i.code, i.field, i.severity) for i in report.issues
             if i.code in ("model-features-newer", "model-outdated")]
    assert [c for c, *_ in newer] == ["model-outdated", "model-features-newer"]
    assert newer[1][2] == "warning"
    out = run_cli("validate", "records", "--snapshots", "snapshots", "--strict", cwd=example)
    assert out.returncode == 1
    assert " warning " not in out.stdout  # (--strict: an error)
    assert "error model-features-newer" in out.stdout


def test_model_1_records_without_model_2_fields_get_no_warning(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    (tmp_path / "package.yaml").write_text(
        "name: m1\ntitle: M1\nversion: 1.0.0\n", encoding="utf-8")
    (records / "sources.yaml").write_text(
        "sources:\n  - id: s\n    title: A title (a field model 1 has)\n    kind: report\n"
        "    cite:\n      - source: s\n        quote: x\n", encoding="utf-8")
    report = opencase.validate(records)
    assert "model-features-newer" not in {i.code for i in report.issues}
    assert "model-outdated" in {i.code for i in report.issues}
