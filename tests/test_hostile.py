"""The hostile-input corpus (``tests/hostile/``): broken and malicious inputs, each with the
outcome it must give, run through the real ``opencase`` command.

``tests/hostile/manifest.yaml`` lists every case: the input (a file under
``tests/hostile/records/``, or a maker below for inputs that cannot or should not be committed:
FIFOs, symlinks, huge or deeply nested files), the exit code, the issue codes with their
counts, and where the first issue is. Every run must finish in bounded time, print no
traceback, and name the offending file in every issue.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import opencase

from .conftest import FIXTURES, TESTS, opencase_command, run_cli

HOSTILE = TESTS / "hostile"
MANIFEST: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (HOSTILE / "manifest.yaml").read_text(encoding="utf-8")
)
BOUND_SECONDS = 20  # a bounded case that takes longer has hung or is quadratic
BOUND_MEMORY = 1024 * 1024 * 1024  # address space of a bounded run (the CLI needs ~300 MiB)

Maker = Callable[[Path], None]
MAKERS: dict[str, Maker] = {}


def maker(fn: Maker) -> Maker:
    MAKERS[fn.__name__.replace("_", "-")] = fn
    return fn


# ---------------------------------------------------------------- records made at test time

CITE = "    cite:\n      - source: harbour-article\n        quote: Mayor Ada Lovell\n"


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="")


@maker
def deep_flow(tmp: Path) -> None:
    """100,000 nested flow lists: libyaml must not recurse, the reader stops at depth 32."""
    _write(tmp / "records/deep-flow.yaml", "people: " + "[" * 100_000 + "]" * 100_000 + "\n")


@maker
def deep_flow_unclosed(tmp: Path) -> None:
    _write(tmp / "records/deep-flow-unclosed.yaml", "people: " + "[" * 100_000 + "\n")


@maker
def deep_mapping(tmp: Path) -> None:
    _write(tmp / "records/deep-mapping.yaml", "people: " + "{a: " * 100_000 + "\n")


@maker
def deep_block(tmp: Path) -> None:
    """1,000 nested block lists, one per line."""
    lines = ["people:"] + [" " * i + "-" for i in range(1, 1001)]
    _write(tmp / "records/deep-block.yaml", "\n".join(lines) + "\n")


@maker
def alias_flood(tmp: Path) -> None:
    """A million aliases (4 MB): reading stops after 100 problems."""
    _write(tmp / "records/alias-flood.yaml", "people: [&a x, " + "*a, " * 1_000_000 + "]\n")


@maker
def item_flood(tmp: Path) -> None:
    """20,000 list items that are not records: reported 100 times, then reading stops."""
    _write(tmp / "records/item-flood.yaml", "people: [" + "x, " * 20_000 + "]\n")


@maker
def long_name(tmp: Path) -> None:
    """A 1 MB name: names are limited to 100,000 characters."""
    text = "people:\n  - id: long-name\n    name: " + "a" * 1_000_000 + "\n" + CITE
    _write(tmp / "records/long-name.yaml", text)


@maker
def long_description(tmp: Path) -> None:
    """A 96,000-character description: long text up to the limit of 100,000 is kept."""
    text = ("people:\n  - id: long-description\n    name: Ada\n    description: "
            + "lorem ipsum " * 8_000 + "\n" + CITE)
    _write(tmp / "records/long-description.yaml", text)


@maker
def too_large(tmp: Path) -> None:
    """A (sparse) file one byte over the 64 MiB limit: refused before it is read."""
    with open(tmp / "records/too-large.yaml", "wb") as f:
        f.truncate(64 * 1024 * 1024 + 1)


@maker
def fifo_record(tmp: Path) -> None:
    """A named pipe: opening it for reading would block for ever; it must not."""
    os.mkfifo(tmp / "records/fifo.yaml")


@maker
def symlink_record(tmp: Path) -> None:
    """A symlink to a file outside the records folder (whose text messages could echo)."""
    outside = tmp / "outside.yaml"
    _write(outside, "secret-token: s3cr3t\n")
    (tmp / "records/symlink.yaml").symlink_to(outside)


@maker
def broken_symlink_record(tmp: Path) -> None:
    (tmp / "records/broken-symlink.yaml").symlink_to(tmp / "no-such-file.yaml")


@maker
def symlinked_folder(tmp: Path) -> None:
    """A symlinked folder of records: not followed, and reported rather than skipped."""
    other = tmp / "elsewhere"
    other.mkdir()
    _write(other / "more.yaml", "people:\n  - id: elsewhere\n    name: Ada\n" + CITE)
    (tmp / "records/linked").symlink_to(other, target_is_directory=True)


@maker
def folder_named_yaml(tmp: Path) -> None:
    """A folder whose name ends in .yaml is a folder: its files are read, it is not."""
    folder = tmp / "records/folder.yaml"
    folder.mkdir()
    _write(folder / "inside.yaml", "people:\n  - id: inside-folder\n    name: Ada\n" + CITE)


@maker
def records_root_fifo(tmp: Path) -> None:
    """`opencase validate` given a FIFO as its records path."""
    os.mkfifo(tmp / "records/root.fifo")


# ---------------------------------------------------------------- snapshot folders


@maker
def snapshot_symlink(tmp: Path) -> None:
    """The only snapshot of a source is a symlink: not followed, so the source is missing."""
    snap = tmp / "snapshots/harbour.txt"
    snap.unlink()
    snap.symlink_to(FIXTURES / "snapshots/harbour.txt")


@maker
def snapshot_symlink_out(tmp: Path) -> None:
    """An extra snapshot that links out of the folder (to a file anyone could read)."""
    (tmp / "snapshots/passwd.txt").symlink_to("/etc/passwd")


@maker
def snapshot_broken_symlink(tmp: Path) -> None:
    (tmp / "snapshots/gone.txt").symlink_to(tmp / "no-such-snapshot.txt")


@maker
def snapshot_fifo(tmp: Path) -> None:
    """A FIFO among the snapshots: hashing every file must not block on it."""
    os.mkfifo(tmp / "snapshots/pipe.txt")


@maker
def snapshot_folder_as_file(tmp: Path) -> None:
    """A folder where a snapshot file could be: walked, its files found by hash."""
    inner = tmp / "snapshots/harbour-copy.txt"
    inner.mkdir()
    (tmp / "snapshots/harbour.txt").rename(inner / "harbour.txt")


@maker
def snapshot_duplicate(tmp: Path) -> None:
    """Two files with the same bytes (so the same hash): either serves; no problem."""
    shutil.copy(tmp / "snapshots/harbour.txt", tmp / "snapshots/harbour-again.txt")


@maker
def snapshot_too_large(tmp: Path) -> None:
    with open(tmp / "snapshots/huge.txt", "wb") as f:
        f.truncate(64 * 1024 * 1024 + 1)


@maker
def snapshot_not_utf8(tmp: Path) -> None:
    """A snapshot whose hash a source names, but whose bytes are Latin-1, not UTF-8."""
    import hashlib

    raw = "Caf\u00e9 owner Jos\u00e9 Lovell said so.\n".encode("latin-1")
    (tmp / "snapshots/latin.txt").write_bytes(raw)
    sha = hashlib.sha256(raw).hexdigest()
    _write(tmp / "records/latin-source.yaml", (
        "sources:\n  - id: latin-article\n    title: Latin-1 article\n    kind: news-article\n"
        f"    sha256: {sha}\n"
        "people:\n  - id: jose-lovell\n    name: José Lovell\n    cite:\n"
        "      - source: latin-article\n        quote: owner José Lovell\n"
    ))


@maker
def snapshot_folded_numbers(tmp: Path) -> None:
    """A snapshot with a superscript, a footnote marker, a fraction, a circled number, a
    ligature, a decomposed accent and "not equal"; quotes that would read them as other numbers,
    words or symbols, and quotes of the passages as they are."""
    import hashlib

    raw = ("It grew to 10\u2074 cells in 1\u00bd hours; over 10,000\u00b9 people saw item "
           "\u2460. The \ufb01nal report said cafe\u0301 staff found x \u2260 y.\n").encode()
    (tmp / "snapshots/numbers.txt").write_bytes(raw)
    sha = hashlib.sha256(raw).hexdigest()
    wrong = ["grew to 104 cells", "in 11/2 hours", "over 10,0001", "item 1.", "The fi",
             "said cafe", "found x ="]
    right = ["grew to 10\u2074 cells", "1\u00bd hours", "10,000\u00b9 people", "item \u2460.",
             "The final report", "said caf\u00e9 staff", "found x \u2260 y"]
    cites = "".join(f'      - source: numbers\n        quote: "{q}"\n' for q in wrong + right)
    _write(tmp / "records/numbers.yaml", (
        "sources:\n  - id: numbers\n    title: Numbers\n    kind: news-article\n"
        f"    sha256: {sha}\n"
        "cases:\n  - id: numbers-case\n    name: Numbers\n    cite:\n"
        '      - source: numbers\n        quote: "It grew"\n'
        "events:\n  - id: growth\n    case: numbers-case\n    type: other\n"
        f"    description: growth\n    cite:\n{cites}"
    ))


@maker
def snapshot_tampered(tmp: Path) -> None:
    """The snapshot was edited after its hash was recorded: no file has the hash any more."""
    snap = tmp / "snapshots/harbour.txt"
    snap.write_bytes(snap.read_bytes().replace(b"fined", b"praised"))


# ---------------------------------------------------------------- running a case


def _layout(tmp: Path, case: dict[str, Any]) -> None:
    shutil.copytree(FIXTURES / "valid", tmp / "records")
    shutil.copytree(FIXTURES / "snapshots", tmp / "snapshots")
    if "file" in case:
        shutil.copy(HOSTILE / "records" / case["file"], tmp / "records" / case["file"])
    if "make" in case:
        MAKERS[case["make"]](tmp)


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (BOUND_MEMORY, BOUND_MEMORY))


def _run(case: dict[str, Any], args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    if not case.get("bounded"):
        return run_cli(*args, cwd=cwd)
    try:
        return subprocess.run(
            [*opencase_command(), *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=BOUND_SECONDS,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"opencase {' '.join(args)} ran longer than {BOUND_SECONDS} s")


def _args(case: dict[str, Any]) -> list[str]:
    args = ["validate", case.get("path", "records"), "--snapshots", "snapshots",
            "--format", "json"]
    return [*args, "--strict"] if case.get("strict") else args


def _target(case: dict[str, Any]) -> str:
    return case["target"] if "target" in case else "records/" + case.get("file", "")


def _alone(case: dict[str, Any]) -> bool:
    """Whether a case needs a run of its own; the others share one run (``shared``)."""
    return "file" not in case or bool(case.get("strict") or case.get("bounded"))


def _ids(section: str, alone: bool | None = None) -> list[Any]:
    return [
        pytest.param(c, id=c.get("file", c.get("make", "?")) + ("+strict" * bool(c.get("strict"))))
        for c in MANIFEST[section]
        if alone is None or _alone(c) == alone
    ]


def _check_issues(case: dict[str, Any], issues: list[dict[str, Any]], exit_code: int) -> None:
    assert exit_code == case["exit"], issues
    assert Counter(i["code"] for i in issues) == Counter(case.get("codes", {})), issues
    for i in issues:
        assert i["file"] and i["message"], i
    if issues:
        first = issues[0]
        # `at` is one location, or a list of the locations that different libyaml releases
        # give (each stops at its own place where it has a limit of its own)
        wants = case.get("at", {})
        wants = wants if isinstance(wants, list) else [wants]
        assert any({k: first[k] for k in want} == want for want in wants), first
        if any("line" in want for want in wants):
            assert first["line"] is not None


def _check_values(case: dict[str, Any], tmp: Path) -> None:
    for name in case.get("creates_nothing", []):
        assert not (tmp / name).exists(), f"{name} was created: a record ran code"
    for rid, fields in case.get("values", {}).items():
        report = opencase.validate(tmp / "records", tmp / "snapshots")
        (rec,) = [r for r in report.dataset.all_records() if r.id == rid]
        assert {f: getattr(rec, f) for f in fields} == fields


def _check(case: dict[str, Any], result: subprocess.CompletedProcess[str], tmp: Path) -> None:
    both = result.stdout + result.stderr
    assert "Traceback" not in both, both
    if case["exit"] == 2:
        assert result.returncode == 2, both
        assert result.stdout == ""
        assert case["stderr"] in result.stderr
        return
    assert result.stderr == "", result.stderr
    issues = json.loads(result.stdout)["issues"]
    target = _target(case)
    for i in issues:
        assert (i["file"] or "").startswith(target), (target, i)
    _check_issues(case, issues, result.returncode)
    _check_values(case, tmp)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """One run over every committed hostile file that needs no run of its own, all in one
    records folder: the JSON report, with each file's issues apart."""
    tmp = tmp_path_factory.mktemp("hostile")
    _layout(tmp, {})
    for case in MANIFEST["records"]:
        if not _alone(case):
            shutil.copy(HOSTILE / "records" / case["file"], tmp / "records")
    result = run_cli(*_args({}), cwd=tmp)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == ""
    assert result.returncode == 1
    return tmp, json.loads(result.stdout)


@pytest.mark.parametrize("case", _ids("records", alone=False))
def test_hostile_record_file(case: dict[str, Any], shared: tuple[Path, dict[str, Any]]) -> None:
    """A committed hostile file, checked in the shared run: its issues are what it must give,
    and the exit code it would give alone (1 when any of them is an error) is its `exit`."""
    tmp, report = shared
    issues = [i for i in report["issues"] if i["file"] == _target(case)]
    exit_code = 1 if any(i["severity"] == "error" for i in issues) else 0
    _check_issues(case, issues, exit_code)
    _check_values(case, tmp)


@pytest.mark.parametrize("case", _ids("records", alone=True))
def test_hostile_records(case: dict[str, Any], tmp_path: Path) -> None:
    _layout(tmp_path, case)
    _check(case, _run(case, _args(case), tmp_path), tmp_path)


@pytest.mark.parametrize("case", _ids("snapshots"))
def test_hostile_snapshots(case: dict[str, Any], tmp_path: Path) -> None:
    _layout(tmp_path, case)
    _check(case, _run(case, _args(case), tmp_path), tmp_path)


def test_shared_run_reports_nothing_else(shared: tuple[Path, dict[str, Any]]) -> None:
    """The valid fixture next to the hostile files stays clean: every issue of the shared run
    belongs to a hostile file."""
    _, report = shared
    files = {"records/" + c["file"] for c in MANIFEST["records"] if not _alone(c)}
    assert {i["file"] for i in report["issues"]} <= files


def test_manifest_lists_every_file_and_maker() -> None:
    files = {p.name for p in (HOSTILE / "records").iterdir()}
    listed = {c["file"] for c in MANIFEST["records"] if "file" in c}
    assert files == listed
    made = {c["make"] for section in MANIFEST.values() for c in section if "make" in c}
    assert made == set(MAKERS)
    for section in MANIFEST.values():
        for c in section:
            assert c.get("why"), c
            assert c["exit"] in (0, 1, 2), c


def test_hostile_records_in_text_format(tmp_path: Path) -> None:
    """Every committed hostile file in one folder, in the human format: each line names the
    file, a severity, a code and a message, and each file gives the codes it gives alone."""
    _layout(tmp_path, {})
    expected: Counter[tuple[str, str]] = Counter()
    for case in MANIFEST["records"]:
        if "file" in case and not case.get("strict"):
            shutil.copy(HOSTILE / "records" / case["file"], tmp_path / "records")
            for code, n in case.get("codes", {}).items():
                expected[(f"records/{case['file']}", code)] += n
    result = run_cli("validate", "records", "--snapshots", "snapshots", cwd=tmp_path)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    found: Counter[tuple[str, str]] = Counter()
    for line in lines[:-1]:
        where, rest = line.split(": ", 1)
        severity, code, message = rest.split(" ", 2)
        assert severity in ("error", "warning") and message, line
        found[(where.split(":")[0], code)] += 1
    assert found == expected
