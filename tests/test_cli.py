"""The ``opencase`` command through its real entry point: formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, SHARED_SOURCES, needs_shared, run_cli


def break_record(records: Path) -> None:
    path = records / "harbour.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("    description: Mayor\n",
                                                 "    descripton: Mayor\n"),
        encoding="utf-8",
    )


def test_valid_records_exit_0(harbour: Path, snapshots: Path) -> None:
    result = run_cli("validate", harbour, "--snapshots", snapshots, "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "valid: 0 errors, 0 warnings (1 file, 12 records)"
    assert result.stderr == ""


def test_text_format_names_file_line_column(harbour: Path, snapshots: Path) -> None:
    break_record(harbour)
    result = run_cli("validate", harbour, "--snapshots", snapshots)
    assert result.returncode == 1
    first, summary = result.stdout.strip().splitlines()
    assert first.startswith(f"{harbour / 'harbour.yaml'}:23:5: error unknown-key ")
    assert "'descripton'" in first and "did you mean 'description'?" in first
    assert summary == "invalid: 1 error, 0 warnings (1 file, 12 records)"


def test_relative_paths_in_messages(harbour: Path, snapshots: Path) -> None:
    break_record(harbour)
    result = run_cli("validate", "records", "--snapshots", snapshots, cwd=harbour.parent)
    assert result.stdout.startswith("records/harbour.yaml:23:5: error unknown-key ")


def test_json_format(harbour: Path, snapshots: Path) -> None:
    break_record(harbour)
    result = run_cli("validate", harbour, "--snapshots", snapshots, "--format", "json")
    assert result.returncode == 1
    out = json.loads(result.stdout)
    assert (out["valid"], out["errors"], out["warnings"]) == (False, 1, 0)
    (issue,) = out["issues"]
    assert issue["code"] == "unknown-key"
    assert issue["severity"] == "error"
    assert (issue["line"], issue["column"], issue["field"], issue["record_id"]) == (
        23, 5, "descripton", "ada-lovell")
    assert issue["file"].endswith("harbour.yaml")


def test_github_format(harbour: Path, snapshots: Path) -> None:
    break_record(harbour)
    result = run_cli("validate", harbour, "--snapshots", snapshots, "--format", "github")
    assert result.returncode == 1
    line = result.stdout.splitlines()[0]
    assert line.startswith(f"::error file={harbour / 'harbour.yaml'},line=23,col=5,"
                           "title=unknown-key::unknown field 'descripton'")


def test_warnings_exit_0_unless_strict(harbour: Path) -> None:
    assert run_cli("validate", harbour).returncode == 0
    strict = run_cli("validate", harbour, "--strict")
    assert strict.returncode == 1
    assert "error snapshot-missing" in strict.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["validate", "/no/such/folder"], "records folder not found: /no/such/folder"),
        (["validate", "--snapshots", "/no/such/snaps"], "snapshot folder not found"),
    ],
)
def test_unusable_input_exits_2(harbour: Path, args: list[str], says: str) -> None:
    result = run_cli(*args, cwd=harbour.parent)
    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_usage_errors_exit_2() -> None:
    result = run_cli("validate", "--format", "xml")
    assert result.returncode == 2
    assert "invalid choice: 'xml'" in result.stderr
    assert run_cli("no-such-verb").returncode == 2
    assert run_cli().returncode == 2


def test_help_and_version() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "validate" in result.stdout and "Exit codes" in result.stdout
    helped = run_cli("validate", "--help")
    assert "example:" in helped.stdout and "--snapshots" in helped.stdout
    version = run_cli("--version")
    import opencase

    assert version.stdout.strip() == f"opencase {opencase.__version__}"


def test_python_dash_m(harbour: Path, snapshots: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "opencase", "validate", str(harbour), "--snapshots",
         str(snapshots)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@needs_shared
def test_real_records_are_valid() -> None:
    result = run_cli("validate", REPO / "records", "--snapshots", SHARED_SOURCES, "--strict")
    assert result.returncode == 0, result.stdout


def test_a_closed_pipe_stops_quietly(harbour: Path) -> None:
    """`opencase validate --format json | head -1`: no error message, no traceback."""
    from .conftest import opencase_command

    for _ in range(3):  # many issues, so that output outlasts the reader
        (harbour / f"broken-{_}.yaml").write_text(
            "people:\n" + "".join(f"  - id: p{i}\n    nmae: x\n" for i in range(2000)),
            encoding="utf-8")
    proc = subprocess.Popen([*opencase_command(), "validate", str(harbour), "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 2
    assert err == ""
