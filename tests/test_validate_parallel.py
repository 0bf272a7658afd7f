"""Validation on several worker processes finds exactly what one process finds.

``validate(..., dataset=False)`` splits a large records folder between worker processes
(``$OPENCASE_JOBS`` forces it on small ones). Here the fixture is spread over one file per
kind, so that references, citations and duplicate ids cross the workers' shares, and every
single break of ``test_validate`` (and a few more that span files) must give the same issues,
in the same order, with 2 and 3 workers as in one process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opencase.validation import validate as validation
from opencase.validation.validate import validate

from .conftest import FIXTURES
from .test_validate import BREAKS

KINDS = ["cases", "sources", "people", "organisations", "groups", "events", "proceedings",
         "findings", "statements", "relationships"]


def _spread(text: str, folder: Path) -> None:
    """One file per top-level kind of ``text`` (numbered, so that they keep their order)."""
    folder.mkdir()
    parts: dict[str, list[str]] = {}
    kind = "preamble"
    for line in text.splitlines(keepends=True):
        head = line.split(":", 1)[0]
        if not line.startswith((" ", "#", "\n")) and head in [*KINDS, "findigns"]:
            kind = head
        parts.setdefault(kind, []).append(line)
    for n, (name, lines) in enumerate(parts.items()):
        (folder / f"{n:02d}-{name}.yaml").write_text("".join(lines), encoding="utf-8")


def _no_fallback(*args: object, **kwargs: object) -> None:
    raise AssertionError("a worker failed: validated in one process instead")


def _issues(folder: Path, snapshots: Path | None, jobs: str, monkeypatch: pytest.MonkeyPatch,
            strict: bool = False) -> list[tuple]:
    monkeypatch.setenv("OPENCASE_JOBS", jobs)
    if jobs != "1":  # the workers must do it all: no fallback to one process
        monkeypatch.setattr(validation, "_validate", _no_fallback)
    report = validate(folder, snapshots, dataset=False, strict=strict)
    monkeypatch.undo()
    assert report.dataset is None
    return [(i.code, i.severity, i.message, i.file, i.line, i.column, i.record_id, i.field)
            for i in report.issues] + [report.stats]


EXTRA = [
    ("duplicate id across files", "  - id: gauge-staff", "  - id: harbour-floods"),
    ("source id reused by a person", "  - id: ada-lovell", "  - id: harbour-article"),
    ("two breaks", "proceeding: flood-review", "proceeding: nowhere\n    extra: 1"),
]


@pytest.mark.parametrize(
    ("old", "new"),
    [(b[1], b[2]) for b in BREAKS] + [(e[1], e[2]) for e in EXTRA],
    ids=[b[0] for b in BREAKS] + [e[0] for e in EXTRA],
)
def test_workers_find_what_one_process_finds(
    tmp_path: Path, snapshots: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    text = (FIXTURES / "valid" / "harbour.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    _spread(text.replace(old, new), tmp_path / "records")
    one = _issues(tmp_path / "records", snapshots, "1", monkeypatch)
    assert one[:-1], "each break gives at least one issue"
    for jobs in ("2", "3"):
        assert _issues(tmp_path / "records", snapshots, jobs, monkeypatch) == one


@pytest.mark.parametrize("strict", [False, True])
def test_without_snapshots_and_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, strict: bool
) -> None:
    text = (FIXTURES / "valid" / "harbour.yaml").read_text(encoding="utf-8")
    _spread(text, tmp_path / "records")
    one = _issues(tmp_path / "records", None, "1", monkeypatch, strict)
    assert [i[0] for i in one[:-1]] == ["snapshot-missing"]
    assert _issues(tmp_path / "records", None, "2", monkeypatch, strict) == one


def test_a_valid_folder_in_parallel(
    tmp_path: Path, snapshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _spread((FIXTURES / "valid" / "harbour.yaml").read_text(encoding="utf-8"),
            tmp_path / "records")
    assert _issues(tmp_path / "records", snapshots, "2", monkeypatch) == [
        {"files": 10, "records": 12}
    ]


@pytest.mark.parametrize("hashed_first", [True, False])
def test_a_source_id_used_twice_is_the_first_valid_source_of_it_in_both(
    tmp_path: Path, snapshots: Path, monkeypatch: pytest.MonkeyPatch, hashed_first: bool
) -> None:
    """Two sources with one id, one with a snapshot hash and one without, the larger file
    first in the workers' shares: citations of that id are checked against the first (in
    file order) in one process and on several workers alike."""
    folder = tmp_path / "records"
    folder.mkdir()
    hashed = "sources:\n  - id: s\n    kind: report\n    sha256: " + "ab" * 32 + "\n"
    bare = ("sources:\n  - id: s\n    kind: report\n    title: " + "long " * 400 + "\n"
            "    cite:\n      - source: s\n        quote: a quote\n")
    first, second = (hashed, bare) if hashed_first else (bare, hashed)
    (folder / "a.yaml").write_text(first, encoding="utf-8")
    (folder / "b.yaml").write_text(second, encoding="utf-8")
    (folder / "c.yaml").write_text(
        "people:\n  - id: p\n    name: P\n    cite:\n      - source: s\n        quote: q\n",
        encoding="utf-8")
    one = _issues(folder, snapshots, "1", monkeypatch)
    codes = {i[0] for i in one[:-1]}
    assert "duplicate-id" in codes
    assert ("snapshot-missing" in codes) is hashed_first
    assert ("quote-unverifiable" in codes) is not hashed_first
    for jobs in ("2", "3"):
        assert _issues(folder, snapshots, jobs, monkeypatch) == one
