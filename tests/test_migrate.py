"""opencase migrate: a model-1 dataset upgraded mechanically, every comment kept byte for
byte, idempotent, --check without writing; the library function and the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from opencase.codes import Code
from opencase.errors import InputNotFound, UsageError
from opencase.language.models import MODEL_VERSION
from opencase.validation.migrate import migrate
from opencase.validation.validate import validate

from .conftest import FIXTURES, run_cli

MODEL_1 = FIXTURES / "migrate" / "package.yaml"
VERSION_LINE = b"version: 0.3.1  # not bumped by migrate\n"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A copy of the small valid records with the model-1 package.yaml beside them."""
    shutil.copytree(FIXTURES / "valid", tmp_path / "records")
    shutil.copy(MODEL_1, tmp_path / "package.yaml")
    return tmp_path


def _outdated(dataset: Path) -> list[Code]:
    report = validate(dataset / "records", FIXTURES / "snapshots")
    assert report.ok
    return [i.code for i in report.issues]


def test_migrate_inserts_the_model_after_version_and_keeps_every_byte(dataset: Path) -> None:
    before = MODEL_1.read_bytes()
    assert _outdated(dataset) == [Code.MODEL_OUTDATED]
    result = migrate(dataset / "records")
    assert (result.from_version, result.to_version, result.needed, result.written) == (
        1, MODEL_VERSION, True, True)
    after = (dataset / "package.yaml").read_bytes()
    # exactly one line added, after `version:`; every other byte (comments, blank lines,
    # quoting, the `model:` inside the description) as it was
    assert after == before.replace(VERSION_LINE, VERSION_LINE + b"model: 2\n")
    assert _outdated(dataset) == []
    assert [i.code for i in validate(dataset / "records", FIXTURES / "snapshots").issues] == []


def test_migrate_is_idempotent(dataset: Path) -> None:
    migrate(dataset / "records")
    once = (dataset / "package.yaml").read_bytes()
    again = migrate(dataset / "records")
    assert (again.needed, again.written) == (False, False)
    assert (dataset / "package.yaml").read_bytes() == once
    assert "nothing to do" in again.message()


def test_check_writes_nothing(dataset: Path) -> None:
    result = migrate(dataset / "records", check=True)
    assert (result.needed, result.written) == (True, False)
    assert (dataset / "package.yaml").read_bytes() == MODEL_1.read_bytes()


def test_an_older_model_value_is_replaced_in_place(dataset: Path) -> None:
    path = dataset / "package.yaml"
    text = MODEL_1.read_bytes().replace(VERSION_LINE, VERSION_LINE + b"model: '1'   # old\n")
    path.write_bytes(text.replace(b"\n", b"\r\n"))  # CRLF line ends kept too
    migrate(dataset / "records")
    assert path.read_bytes() == text.replace(b"model: '1'", b"model: 2").replace(b"\n", b"\r\n")


def test_version_on_the_last_line_without_a_line_end(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "valid", tmp_path / "records")
    path = tmp_path / "package.yaml"
    path.write_bytes(b"name: x\ntitle: X\nversion: 1.0.0")
    migrate(tmp_path / "records")
    assert path.read_bytes() == b"name: x\ntitle: X\nversion: 1.0.0\nmodel: 2"


@pytest.mark.parametrize(("before", "after"), [
    (b"name: x\ntitle: X\n", b"name: x\ntitle: X\nmodel: 2\n"),
    (b"# no version yet\r\nname: x\r\ntitle: X",
     b"# no version yet\r\nname: x\r\ntitle: X\r\nmodel: 2\r\n"),
    (b"name: x\ndescription: >-\n  Text.\n", b"name: x\ndescription: >-\n  Text.\nmodel: 2\n"),
])
def test_without_a_version_line_the_model_goes_at_the_end(
        tmp_path: Path, before: bytes, after: bytes) -> None:
    shutil.copytree(FIXTURES / "valid", tmp_path / "records")
    path = tmp_path / "package.yaml"
    path.write_bytes(before)
    assert migrate(tmp_path / "records").written
    assert path.read_bytes() == after


def test_config_given_explicitly_and_errors(dataset: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "meta.yaml"
    shutil.move(dataset / "package.yaml", elsewhere)
    with pytest.raises(UsageError, match="no package metadata file"):
        migrate(dataset / "records")
    assert migrate(dataset / "records", config=elsewhere).written
    with pytest.raises(InputNotFound, match="records folder not found"):
        migrate(tmp_path / "nowhere")
    elsewhere.write_text("name: x\ntitle: X\nversion: 1.0.0\nmodel: 3\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not a case-model version this opencase supports"):
        migrate(dataset / "records", config=elsewhere)
    elsewhere.write_text("name: x\ntitle: [X\n", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot be read"):
        migrate(dataset / "records", config=elsewhere)


def test_the_cli_exit_codes(dataset: Path) -> None:
    records = str(dataset / "records")
    check = run_cli("migrate", records, "--check")
    assert check.returncode == 1, check.stderr
    assert "needs migrating from case model 1 to 2" in check.stdout
    assert (dataset / "package.yaml").read_bytes() == MODEL_1.read_bytes()
    done = run_cli("migrate", records)
    assert done.returncode == 0, done.stderr
    assert "migrated from case model 1 to 2" in done.stdout
    assert "the record files need no change" in done.stdout
    assert run_cli("migrate", records, "--check").returncode == 0
    assert run_cli("migrate", records).returncode == 0
    (dataset / "package.yaml").write_text("name: x\ntitle: X\nversion: 1.0.0\nmodel: 9\n",
                                          encoding="utf-8")
    newer = run_cli("migrate", records)
    assert newer.returncode == 2 and "supports (1 to" in newer.stderr


def test_the_help_has_an_example() -> None:
    out = run_cli("migrate", "--help")
    assert out.returncode == 0
    assert "opencase migrate records --check" in out.stdout


def test_the_library_function_is_public(dataset: Path) -> None:
    import opencase

    assert opencase.migrate is migrate and "migrate" in opencase.__all__
    assert opencase.migrate(dataset / "records", check=True).needed
