"""Generated documentation stays in step with the code."""

from __future__ import annotations

from opencase.codes import CODES, codes_markdown

from .conftest import REPO


def test_issue_code_table_is_current() -> None:
    committed = (REPO / "docs" / "issue-codes.md").read_text(encoding="utf-8")
    assert committed == codes_markdown(), (
        "docs/issue-codes.md is stale: run `python -m opencase.report > docs/issue-codes.md`"
    )


def test_every_code_is_documented_with_a_fix() -> None:
    for code in CODES.values():
        assert code.meaning.endswith(".") and code.fix.endswith("."), code.code
        assert code.code == code.code.lower() and " " not in code.code


def test_citation_file_names_the_published_dataset_version() -> None:
    import json

    import yaml

    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    config = yaml.safe_load((REPO / "package.yaml").read_text(encoding="utf-8"))
    package = json.loads((REPO / "datapackage" / "datapackage.json").read_text(encoding="utf-8"))
    assert cff["version"] == package["version"] == config["version"]
    assert cff["title"] == package["title"]
    assert cff["license"] == package["licenses"][0]["name"]
