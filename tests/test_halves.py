"""Validation in two halves (opencase.validation.halves): a large dataset's records are
checked by this process and a forked child at once, and the report is exactly the one a
single process gives; whenever the child cannot help, this process does its half."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import opencase
from opencase.validation import halves
from tests.conftest import FIXTURES, REPO, SHARED_SOURCES
from tests.test_hostile import HOSTILE, MANIFEST, _alone
from tests.test_model2_validation import BREAKS, FILE, MODEL2

ITEMS = list(range(10))


def _whose(part: Sequence[int]) -> tuple[int, list[int]]:
    """Which process checked ``part``, and what it held."""
    return os.getpid(), list(part)


def _fork_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any number of items is worth a fork, and this process may fork: a test process that
    has used pyarrow keeps its idle pool threads, which would rule the fork out
    (``test_no_fork_while_other_threads_run`` tests that rule)."""
    monkeypatch.setattr(halves, "MIN_ITEMS", 1)
    monkeypatch.setattr(halves, "_only_thread", lambda: True)


@pytest.fixture
def small_is_large(monkeypatch: pytest.MonkeyPatch) -> None:
    _fork_always(monkeypatch)


def _no_child_left() -> bool:
    """Whether every child this process forked has been waited for."""
    try:
        os.waitpid(-1, os.WNOHANG)  # a child still running, or one never waited for
    except ChildProcessError:
        return True
    return False


def test_the_second_half_is_checked_by_a_child(small_is_large: None) -> None:
    (mine, first), (child, second) = halves.in_two(ITEMS, lambda i: 1, _whose)
    assert mine == os.getpid() != child
    assert first + second == ITEMS
    assert len(first) == len(second) == 5
    assert _no_child_left()


@pytest.mark.parametrize(("weights", "cut"), [
    ([1] * 10, 5),
    ([9, 1, 1, 1, 1, 1, 1, 1, 1, 1], 1),  # one heavy item is a half on its own
    ([1, 1, 1, 1, 1, 1, 1, 1, 1, 9], 9),
    ([0] * 10, 1),
])
def test_the_halves_are_split_by_weight(small_is_large: None, weights: list[int],
                                        cut: int) -> None:
    (_, first), (_, second) = halves.in_two(ITEMS, lambda i: weights[i], _whose)
    assert (first, second) == (ITEMS[:cut], ITEMS[cut:])


def _fails_in_the_child(how: str) -> Any:
    parent = os.getpid()

    def check(part: Sequence[int]) -> Any:
        if os.getpid() != parent:
            if how == "raises":
                raise RuntimeError("broken")
            if how == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            if how == "unpicklable":
                return lambda: part
        return _whose(part)

    return check


@pytest.mark.parametrize("how", ["raises", "killed", "unpicklable"])
def test_a_failed_child_leaves_its_half_to_this_process(small_is_large: None, how: str) -> None:
    results = halves.in_two(ITEMS, lambda i: 1, _fails_in_the_child(how))
    assert results == [(os.getpid(), ITEMS[:5]), (os.getpid(), ITEMS[5:])]
    assert _no_child_left()


@pytest.mark.parametrize("how", ["works", "raises", "killed"])
def test_a_program_that_ignores_sigchld(small_is_large: None, how: str) -> None:
    """Children are then reaped by the system and their exit status is lost: a whole result
    is still taken, a missing one still falls back."""
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        results = halves.in_two(ITEMS, lambda i: 1, _fails_in_the_child(how))
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert [part for _, part in results] == [ITEMS[:5], ITEMS[5:]]
    assert (results[1][0] == os.getpid()) is (how != "works")


def test_a_failure_here_stops_the_child(small_is_large: None) -> None:
    parent = os.getpid()

    def check(part: Sequence[int]) -> Any:
        if os.getpid() == parent:
            raise KeyError("here")
        threading.Event().wait(60)  # (the child would take a minute)
        return _whose(part)

    with pytest.raises(KeyError):
        halves.in_two(ITEMS, lambda i: 1, check)
    assert _no_child_left()


def test_no_fork_while_other_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(halves, "MIN_ITEMS", 1)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not halves._only_thread()
        assert halves.in_two(ITEMS, lambda i: 1, _whose) == [(os.getpid(), ITEMS)]
    finally:
        stop.set()
        thread.join()


def test_a_native_librarys_threads_count(tmp_path: Path) -> None:
    """Threads that pyarrow starts in C++ are not in ``threading``'s count, but rule out a
    fork all the same (run in a fresh process: this one may have such threads already)."""
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code = (
        "import threading\n"
        "from opencase.validation import halves\n"
        "print(halves._only_thread())\n"
        "import pyarrow.csv as c\n"
        f"c.read_csv({str(tmp_path / 't.csv')!r})\n"
        "print(threading.active_count(), halves._only_thread(), halves._can_fork())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.split() == ["True", "1", "False", "False"]


def test_too_little_memory_for_a_child(small_is_large: None,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(halves, "_available_bytes", lambda: halves._resident_bytes() - 1)
    assert halves.in_two(ITEMS, lambda i: 1, _whose) == [(os.getpid(), ITEMS)]


def test_the_child_prints_nowhere(small_is_large: None, capfd: pytest.CaptureFixture[str],
                                  ) -> None:
    """Its standard outputs are /dev/null: nothing of it reaches the caller's, and it holds
    none of the caller's pipes open."""
    parent = os.getpid()

    def check(part: Sequence[int]) -> Any:
        if os.getpid() != parent:
            os.write(1, b"from the child\n")
            os.write(2, b"from the child\n")
        return _whose(part)

    results = halves.in_two(ITEMS, lambda i: 1, check)
    assert results[1][0] != parent
    assert capfd.readouterr() == ("", "")


def test_few_items_are_checked_here() -> None:
    assert len(ITEMS) < halves.MIN_ITEMS
    assert halves.in_two(ITEMS, lambda i: 1, _whose) == [(os.getpid(), ITEMS)]


# ---------------------------------------------------------------- the same report


def _hostile(tmp: Path) -> tuple[Path, Path]:
    """The valid fixture and every hostile record file that shares a run, in one folder."""
    shutil.copytree(FIXTURES / "valid", tmp / "records")
    for case in MANIFEST["records"]:
        if not _alone(case):
            shutil.copy(HOSTILE / "records" / case["file"], tmp / "records")
    return tmp / "records", FIXTURES / "snapshots"


def _model2_broken(tmp: Path) -> tuple[Path, Path]:
    """The model-2 fixture with every break of tests/test_model2_validation.py that still
    applies once the others are made: problems of citations, references, reported values,
    names, people and proceedings, found by the checks of each record."""
    records = Path(shutil.copytree(MODEL2 / "records", tmp / "records"))
    path = records / FILE
    text = path.read_text(encoding="utf-8")
    for _, edits, _ in BREAKS:
        if all(text.count(old) == 1 for old, _ in edits):
            for old, new in edits:
                text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return records, MODEL2 / "snapshots"


_PLANTED_CORRECTIONS = """\
  - id: casimir-vell-description-stale
    record: casimir-vell
    field: description
    new_value: A description the record no longer holds.
    reason: Planted by tests/test_halves.py, its new value stale.
    version: 1.0.0
    date: 2023-11
    note: Planted by the tests.
  - id: casimir-vell-names-listed
    record: casimir-vell
    field: names
    reason: Planted by tests/test_halves.py, a correction of a list field.
    version: 1.0.0
    date: 2023-11
    note: Planted by the tests.
"""

_LAST_FILES = {  # (sorted last, so in the second half)
    "zz-model.yaml": """\
people:
  - id: unnamed-person
    nmae: Nobody
    cite:
      - source: no-such-source
        quote: Casimir Vell
  - id: odile-vell
    name: A second record of this id
""",
    "zz-yaml.yaml": "people:\n  - id: twice\n    id: twice\n",
}


def _example_across(tmp: Path) -> tuple[Path, Path]:
    """The example dataset with corrections (early in the files) of a record late in them,
    one whose new value is stale and one of a list field; and, last, a record that fails its
    model, a second record of an id, and a YAML problem."""
    root = Path(shutil.copytree(REPO / "examples" / "fictional-vell-case", tmp / "example"))
    corrections = root / "records" / "corrections.yaml"
    corrections.write_text(corrections.read_text(encoding="utf-8") + _PLANTED_CORRECTIONS,
                           encoding="utf-8")
    for name, text in _LAST_FILES.items():
        (root / "records" / name).write_text(text, encoding="utf-8")
    return root / "records", root / "snapshots"


def test_the_planted_dataset_crosses_the_halves(tmp_path: Path) -> None:
    """The corrections are checked first, the record they name is in the second half, and
    each plant gives its issue."""
    from opencase.reading.files import read_records
    from opencase.validation.validate import _work

    records, snapshots = _example_across(tmp_path)
    raws = read_records(records).records
    cut = halves._middle(raws, _work)
    assert {r.id for r in raws[cut:]} >= {"casimir-vell", "unnamed-person", "twice"}
    codes = [i.code for i in opencase.validate(records, snapshots, dataset=False).issues]
    for code in ("correction-value-differs", "unknown-key", "unknown-source", "duplicate-id",
                 "yaml-duplicate-key"):
        assert code in codes, code
    assert codes.count("correction-value-differs") == 1  # (a list field is not compared)


DATASETS = {
    "example-across": _example_across,
    "hostile": _hostile,
    "model2-broken": _model2_broken,
    "evidence": lambda tmp: (FIXTURES / "evidence" / "records",
                             FIXTURES / "evidence" / "snapshots"),
    "model2": lambda tmp: (FIXTURES / "model2" / "records", FIXTURES / "model2" / "snapshots"),
    "example": lambda tmp: (REPO / "examples" / "fictional-vell-case" / "records",
                            REPO / "examples" / "fictional-vell-case" / "snapshots"),
    "stephen-port": lambda tmp: (REPO / "records", SHARED_SOURCES),
}


@pytest.mark.parametrize("strict", [False, True], ids=["", "strict"])
@pytest.mark.parametrize("name", DATASETS)
def test_two_halves_give_the_report_of_one_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, strict: bool,
) -> None:
    records, snapshots = DATASETS[name](tmp_path)
    if not snapshots.is_dir():
        pytest.skip(f"{snapshots} is not here")
    monkeypatch.setattr(halves, "_can_fork", lambda: False)
    one = opencase.validate(records, snapshots, strict=strict, dataset=False)

    sent = []  # what each child sent back: [its result], or [] if it failed
    result = halves._Child.result

    def kept(child: Any) -> Any:
        sent.append(result(child))
        return sent[-1]

    monkeypatch.undo()
    _fork_always(monkeypatch)
    monkeypatch.setattr(halves._Child, "result", kept)
    two = opencase.validate(records, snapshots, strict=strict, dataset=False)
    assert [len(found) for found in sent] == [1]  # one child, and its half came from it
    assert two.issues == one.issues
    assert two.stats == one.stats
    if name in ("hostile", "model2-broken"):
        assert len({i.code for i in one.issues}) > 10  # (reports with much in them)
    assert _no_child_left()
