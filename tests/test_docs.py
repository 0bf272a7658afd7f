"""Generated documentation stays in step with the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from opencase.codes import CODES, codes_markdown

from .conftest import REPO


def _markdown_with_generated_sections() -> list[Path]:
    files = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md"))]
    return [f for f in files if f.is_file() and "[[[cog" in f.read_text(encoding="utf-8")]


def test_the_issue_code_table_is_a_generated_section() -> None:
    page = (REPO / "docs" / "issue-codes.md").read_text(encoding="utf-8")
    assert "codes_markdown()" in page and codes_markdown() in page


@pytest.mark.parametrize("doc", _markdown_with_generated_sections(),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_generated_sections_are_current(doc: Path) -> None:
    """What scripts/regenerate.py would write is what is committed (cog --check)."""
    done = subprocess.run([sys.executable, "-m", "cogapp", "--check", str(doc)], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, (
        f"{doc.relative_to(REPO)} is stale: run `python scripts/regenerate.py`\n{done.stdout}"
        f"{done.stderr}")


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
