"""A newcomer's path, end to end, through the real ``opencase`` command: a new dataset
repository (``init``), a source registered (``source add``), a passage found and its ``cite:``
entry pasted (``find --cite``), the records validated, their coverage held to a minimum,
the package published and checked. No step is done by hand but writing the records."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import run_cli

ARTICLE = """\
Man dies after arrest in Northtown
A 42-year-old man died in hospital on 12 March 2023, two days after he was restrained by \
officers in Northtown, the watchdog said.
The Independent Office for Police Conduct (IOPC) said it had opened an investigation into \
the actions of three officers.
"""


def _ok(*args: str | Path, cwd: Path) -> str:
    result = run_cli(*map(str, args), cwd=cwd)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def _cite(phrase: str, cwd: Path) -> list[dict[str, str]]:
    """The ``cite:`` item that ``find --cite`` prints, as pasted into a record."""
    item = yaml.safe_load(_ok("find", phrase, "--source", "northtown", "--cite", cwd=cwd))
    assert isinstance(item, list) and len(item) == 1
    return item


def test_from_init_to_a_checked_package(tmp_path: Path) -> None:
    _ok("init", "northtown-case", cwd=tmp_path)
    repo = tmp_path / "northtown-case"
    readme = (repo / "README.md").read_text(encoding="utf-8")
    for step in ("opencase source add", "opencase find", "opencase validate",
                 "opencase coverage", "opencase publish", "opencase check"):
        assert step in readme, step  # the curator's README walks this same path
    _ok("validate", "records", "--snapshots", "snapshots", "--strict", cwd=repo)

    # the example goes, as the generated README says (one file and its snapshot); the
    # curator's own source comes in through `source add`
    assert "rm records/example.yaml snapshots/example-notice.txt" in readme
    (repo / "records/example.yaml").unlink()
    (repo / "snapshots/example-notice.txt").unlink()
    text = tmp_path / "article.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    added = _ok("source", "add", text, "--id", "northtown", "--kind", "news-article",
                "--title", "Man dies after arrest in Northtown", "--language", "en", cwd=repo)
    assert "added source 'northtown'" in added
    source = yaml.safe_load((repo / "records/sources.yaml").read_text(encoding="utf-8"))
    assert source["sources"][0]["id"] == "northtown"

    # a phrase typed with a typographic difference is still found, as validation matches it
    death = _cite("A 42‑year‑old man died in hospital on 12 March 2023", repo)
    iopc = _cite("The Independent Office for Police Conduct", repo)
    records = {
        "cases": [{"id": "northtown-death", "name": "The death after arrest in Northtown",
                   "cite": _cite("Man dies after arrest in Northtown", repo)}],
        "organisations": [{"id": "iopc", "name": "Independent Office for Police Conduct",
                           "type": "police-oversight", "cite": iopc}],
        "events": [{"id": "death", "case": "northtown-death", "type": "death",
                    "description": "A 42-year-old man died in hospital.",
                    "date": "2023-03-12", "cite": death}],
    }
    (repo / "records/case.yaml").write_text(yaml.safe_dump(records, sort_keys=False),
                                            encoding="utf-8")
    _ok("validate", "records", "--snapshots", "snapshots", "--strict", cwd=repo)

    # coverage: the share of the source's letters cited, held to a minimum
    report = json.loads(_ok("coverage", "records", "--snapshots", "snapshots", "--format",
                            "json", "--min", "10", cwd=repo))
    share = report["sources"]["northtown"]["share"]
    assert 0.4 < share < 1
    strict = run_cli("coverage", "records", "--snapshots", "snapshots", "--min", "100",
                     cwd=repo)
    assert strict.returncode == 1
    assert "the watchdog said" in strict.stdout  # an uncovered passage, listed

    _ok("publish", "records", "--snapshots", "snapshots", "--out", "datapackage", "--strict",
        cwd=repo)
    checked = _ok("check", "datapackage", cwd=repo)
    assert checked.startswith("valid: 0 errors, 0 warnings")
    descriptor = json.loads((repo / "datapackage/datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["name"] == "northtown-case"
