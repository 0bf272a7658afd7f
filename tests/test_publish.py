"""opencase publish: the Data Package on disk, its determinism, atomicity and the CLI."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import frictionless
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import opencase
from opencase.language.models import KINDS
from opencase.progress import Progress
from opencase.publishing import publish as publishing
from opencase.publishing.layout import arrow_schema, layout
from opencase.publishing.publish import DATAPACKAGE_PROFILE, PublishError, publish
from opencase.publishing.tables import from_tables
from opencase.validation.validate import validate

from .conftest import FIXTURES

DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "date": "DATE", "number": "DOUBLE",
                "boolean": "BOOLEAN"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/publish: records/, snapshots/, package.yaml."""
    dest = tmp_path / "project"
    shutil.copytree(FIXTURES / "publish", dest)
    return dest


def _publish(project: Path, out: Path | None = None, **kw: Any) -> publishing.Publication:
    kw.setdefault("snapshots", project / "snapshots")
    return publish(project / "records", out or project / "datapackage", **kw)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _cli(*args: Any, cwd: Path | None = None, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opencase", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def package(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    pub = _publish(project)
    assert pub.ok, pub.format("text")
    return project / "datapackage"


# ---------------------------------------------------------------- the package


def test_frictionless_validate_passes(package: Path) -> None:
    report = frictionless.validate(package / "datapackage.json")
    assert report.valid, report.flatten(["taskName", "type", "note"])


def test_frictionless_cli_validate_passes(package: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "frictionless", "validate",
                          str(package / "datapackage.json"), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert json.loads(run.stdout)["valid"] is True, run.stdout[-2000:]


def test_descriptor(package: Path) -> None:
    d = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert d["$schema"] == DATAPACKAGE_PROFILE
    assert (d["name"], d["title"], d["version"]) == (
        "millbrook-bridge", "The Millbrook bridge collapse (test fixture)", "1.2.3")
    assert d["id"].startswith("urn:uuid:")
    assert "created" not in d
    assert d["licenses"][0]["name"] == "CC-BY-4.0"
    assert d["contributors"] == [{"title": "opencase test suite", "roles": ["creator"]}]
    assert d["keywords"] == ["test", "fixture"]
    assert {s["title"] for s in d["sources"]} >= {
        'Millbrook bridge report blames "years of neglect"'}
    names = [r["name"] for r in d["resources"]]
    tables = list(layout())
    assert names == tables + [f"{t}-parquet" for t in tables]
    for res in d["resources"]:
        data = (package / res["path"]).read_bytes()
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert res["type"] == "table" and "$schema" not in res
        if res["format"] == "csv":
            assert (res["mediatype"], res["encoding"], res["bytes"]) == (
                "text/csv", "utf-8", len(data))
        else:
            assert res["mediatype"] == "application/vnd.apache.parquet"
            assert res["path"] == f"parquet/{res['name'].removesuffix('-parquet')}.parquet"


def test_parquet_is_zstd_and_csv_is_rfc4180(package: Path) -> None:
    meta = pq.ParquetFile(package / "parquet" / "people.parquet").metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    raw = (package / "csv" / "people.csv").read_bytes()
    assert raw.startswith(b'"id","name","title","rank","office","description"')
    assert raw.endswith(b"\r\n") and raw.count(b"\r\n") >= 3
    raw.decode("utf-8")
    # the multi-line description with quotes and commas is one quoted field
    assert b'"Leader of the council; called the report ""fair, if painful"".\nQuoted once."' in raw


def _duckdb_rows(con: Any, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def test_duckdb_reads_the_same_values_from_csv_and_parquet(package: Path) -> None:
    con = duckdb.connect()
    for name, spec in layout().items():
        cols = ", ".join(f"'{c.name}': '{DUCKDB_TYPES[c.type]}'" for c in spec.columns)
        csv_rows = _duckdb_rows(con, f"SELECT * FROM read_csv('{package}/csv/{name}.csv', "
                                     f"header=true, columns={{{cols}}})")
        pq_rows = _duckdb_rows(con, f"SELECT * FROM read_parquet('{package}/parquet/"
                                    f"{name}.parquet')")
        assert csv_rows == pq_rows, name
        expected = pq.read_table(package / "parquet" / f"{name}.parquet").to_pylist()
        assert [dict(zip(spec.names, r, strict=True)) for r in pq_rows] == expected, name


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_pandas_reads_the_same_values_from_csv_and_parquet(package: Path) -> None:
    for name in layout():
        from_csv = pd.read_csv(package / "csv" / f"{name}.csv", dtype=str,
                               keep_default_na=False, na_values=[""])
        from_pq = pd.read_parquet(package / "parquet" / f"{name}.parquet")
        assert list(from_csv.columns) == list(from_pq.columns) == layout()[name].names
        a = [[_cell(v) for v in row] for row in from_csv.itertuples(index=False)]
        b = [[_cell(v) for v in row] for row in from_pq.itertuples(index=False)]
        assert a == b, name


def test_records_come_back_from_csv_and_from_parquet(project: Path, package: Path) -> None:
    records = validate(project / "records", project / "snapshots").dataset.records
    from_pq = {n: pq.read_table(package / "parquet" / f"{n}.parquet") for n in layout()}
    multiline = pacsv.ParseOptions(newlines_in_values=True)
    from_csv = {  # as the Table Schema says: only an empty cell is null
        n: pacsv.read_csv(package / "csv" / f"{n}.csv", parse_options=multiline,
                          convert_options=pacsv.ConvertOptions(
                              column_types=arrow_schema(n), strings_can_be_null=True,
                              null_values=[""]))
        for n in layout()
    }
    empty_as_text = {  # nulls read as "" (pyarrow's default for strings)
        n: pacsv.read_csv(package / "csv" / f"{n}.csv", parse_options=multiline,
                          convert_options=pacsv.ConvertOptions(column_types=arrow_schema(n)))
        for n in layout()
    }
    for tables in (from_pq, from_csv, empty_as_text):
        back = from_tables(tables)
        for kind in KINDS:
            assert back[kind] == records.get(kind, []), kind


def test_readme_documents_every_table_and_column(package: Path) -> None:
    readme = (package / "README.md").read_text(encoding="utf-8")
    for name, spec in layout().items():
        assert f"### {name}" in readme
        for col in spec.names:
            assert f"| `{col}` |" in readme, (name, col)
    for needle in ("CC-BY-4.0", "Creative Commons", "How to cite", "How provenance works",
                   "TextPositionSelector", "`affected`", "read_resource", "DuckDB"):
        assert needle in readme, needle


# ---------------------------------------------------------------- determinism


def test_publishing_twice_gives_identical_bytes(project: Path, package: Path,
                                                tmp_path: Path) -> None:
    first = _files(package)
    assert _publish(project, tmp_path / "elsewhere" / "pkg").ok
    assert _files(tmp_path / "elsewhere" / "pkg") == first
    assert _publish(project).ok  # over the previous package
    assert _files(package) == first


def test_created_only_from_source_date_epoch_or_option(project: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    pub = _publish(project, tmp_path / "a")
    assert pub.descriptor is not None and pub.descriptor["created"] == "2023-11-14T22:13:20Z"
    pub = _publish(project, tmp_path / "b", created="2024-02-03T04:05:06+01:00")
    assert pub.descriptor is not None and pub.descriptor["created"] == "2024-02-03T03:05:06Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(PublishError, match="SOURCE_DATE_EPOCH"):
        _publish(project, tmp_path / "c")


def test_zip(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "dist" / "pkg"
    pub = _publish(project, out, zip=True)
    assert pub.zip_path == tmp_path / "dist" / "millbrook-bridge-1.2.3.zip"
    first = pub.zip_path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == _files(out)
    assert _publish(project, out, zip=True).zip_path.read_bytes() == first  # type: ignore[union-attr]
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == [
        "millbrook-bridge-1.2.3.zip", "millbrook-bridge-1.2.3.zip.sha256", "pkg"]
    checksum = (tmp_path / "dist" / "millbrook-bridge-1.2.3.zip.sha256").read_text()
    assert checksum == f"{hashlib.sha256(first).hexdigest()}  millbrook-bridge-1.2.3.zip\n"


@pytest.mark.parametrize(
    ("created", "stamp"),
    [
        ("1970-01-01T00:00:01Z", (1980, 1, 1, 0, 0, 0)),  # SOURCE_DATE_EPOCH=1
        ("2108-01-01T00:00:00Z", (2107, 12, 31, 23, 59, 58)),
        ("2021-06-15T12:30:10Z", (2021, 6, 15, 12, 30, 10)),
    ],
)
def test_zip_entries_carry_created_within_what_a_zip_can_hold(
    project: Path, tmp_path: Path, created: str, stamp: tuple[int, ...]
) -> None:
    """A `created` time before 1980 or after 2107 cannot be a zip entry's time: the entries
    get the nearest one (once an internal error), the descriptor keeps the exact time."""
    pub = _publish(project, tmp_path / "pkg", zip=True, created=created)
    assert pub.zip_path is not None
    with zipfile.ZipFile(pub.zip_path) as zf:
        assert {info.date_time for info in zf.infolist()} == {stamp}
        assert json.loads(zf.read("datapackage.json"))["created"] == created


# ---------------------------------------------------------------- atomicity


def _no_temporaries(parent: Path) -> None:
    left = [p.name for p in parent.iterdir() if p.name.startswith(".")]
    assert left == []


@pytest.mark.parametrize("writer", ["_write_parquet", "_write_csv", "_write_zip", "_swap"])
def test_a_failure_leaves_the_previous_package_untouched(
    project: Path, package: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    before = _files(package)
    # the next package would differ...
    people = project / "records" / "actors.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace("Engineer\n", "An engineer\n"),
                      encoding="utf-8")
    calls = {"n": 0}
    real = getattr(publishing, writer)

    def failing(*args: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3 or writer in ("_write_zip", "_swap"):
            raise OSError("disk full (injected)")
        return real(*args, **kw)

    monkeypatch.setattr(publishing, writer, failing)
    with pytest.raises(OSError, match="injected"):
        _publish(project, zip=True)
    assert _files(package) == before
    _no_temporaries(package.parent)
    assert not list(package.parent.glob("*.zip"))


def test_a_failed_swap_puts_the_previous_package_back(
    project: Path, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _files(package)
    real_rename = os.rename
    # the swap by two renames, where the system cannot exchange two folders atomically
    monkeypatch.setattr(publishing, "_exchange", lambda a, b: False)

    def rename(src: Any, dst: Any) -> None:
        if Path(src).name.startswith(".datapackage.tmp-"):
            raise OSError("rename failed (injected)")
        real_rename(src, dst)

    monkeypatch.setattr(publishing.os, "rename", rename)
    with pytest.raises(OSError, match="injected"):
        _publish(project)
    assert _files(package) == before
    _no_temporaries(package.parent)


def test_an_interrupt_leaves_the_previous_package_untouched(
    project: Path, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _files(package)

    def interrupted(*args: Any, **kw: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(publishing, "_write_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _publish(project)
    assert _files(package) == before
    _no_temporaries(package.parent)


def test_refuses_to_replace_a_folder_that_is_not_a_package(project: Path) -> None:
    (project / "notes").mkdir()
    (project / "notes" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(PublishError, match=r"without a datapackage\.json"):
        _publish(project, project / "notes")
    assert (project / "notes" / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_invalid_records_publish_nothing(project: Path, package: Path) -> None:
    before = _files(package)
    bad = project / "records" / "bad.yaml"
    bad.write_text("people:\n  - id: x\n    name: X\n    nickname: y\n", encoding="utf-8")
    pub = _publish(project)
    assert not pub.ok and pub.path is None
    assert "unknown-key" in {i.code for i in pub.report.errors}
    assert _files(package) == before
    _no_temporaries(package.parent)


# ---------------------------------------------------------------- without snapshots


def test_without_snapshots_quotes_are_published_unverified(project: Path, tmp_path: Path
                                                           ) -> None:
    pub = publish(project / "records", tmp_path / "pkg")
    assert pub.ok
    unverified = [i for i in pub.report.warnings if i.code == "quote-unverified"]
    assert {i.record_id for i in unverified} >= {"priya-nair", "nair-warned"}
    assert any("priya-nair cite[1]" in i.message for i in unverified)
    cites = pq.read_table(tmp_path / "pkg" / "parquet" / "citations.parquet")
    assert cites.column("quote_start").null_count == cites.num_rows
    assert cites.column("quote_end").null_count == cites.num_rows
    assert frictionless.validate(tmp_path / "pkg" / "datapackage.json").valid


def test_unverified_quotes_of_name_variants_and_reported_values_are_listed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publishing, "MAX_LISTED_UNVERIFIED", 10_000)
    example = Path(__file__).parent.parent / "examples" / "fictional-vell-case"
    pub = publish(example / "records", tmp_path / "pkg")
    fields = {(i.record_id, i.field) for i in pub.report.warnings
              if i.code == "quote-unverified"}
    assert any(f.startswith("names[") and f.endswith(".cite[0]") for _, f in fields)
    assert any(f.startswith("reported[") for _, f in fields)
    cites = pq.read_table(tmp_path / "pkg" / "parquet" / "citations.parquet").to_pylist()
    published = {(c["record_id"], c["part"], c["part_position"], c["cite_index"])
                 for c in cites if c["cite_index"] is not None}  # (not a snapshot's own row)
    assert len(fields) == len(published)  # every citation published unverified is listed


def test_many_unverified_quotes_are_summarised(project: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publishing, "MAX_LISTED_UNVERIFIED", 3)
    pub = publish(project / "records", tmp_path / "pkg")
    unverified = [i for i in pub.report.warnings if i.code == "quote-unverified"]
    (more,) = pub.report.omitted  # counted, not listed
    assert len(unverified) == 3 and more.code == "quote-unverified"
    assert more.message == f"... and {more.count} more quotes published unverified, with " \
        "empty quote_start/quote_end"
    assert pub.report.warning_count == len(pub.report.warnings) + more.count


def test_strict_refuses_unverified_quotes(project: Path, tmp_path: Path) -> None:
    pub = publish(project / "records", tmp_path / "pkg", strict=True)
    assert not pub.ok and not (tmp_path / "pkg").exists()


# ---------------------------------------------------------------- package.yaml


def test_invalid_package_config_is_reported_with_its_line(project: Path) -> None:
    (project / "package.yaml").write_text(
        "name: Millbrook Bridge\ntitle: T\nversion: 1.0\ncolour: red\n", encoding="utf-8")
    pub = _publish(project)
    assert not pub.ok
    errors = {(i.field, i.line) for i in pub.report.errors if i.code == "package-config"}
    assert errors == {("name", 1), ("version", 3), ("colour", 4)}


@pytest.mark.parametrize(
    ("text", "says", "line"),
    [
        ("name: m\ntitle: T\nversion: 1.0.0\nversion: 2.0.0\n", "yaml-duplicate-key", 4),
        ("name: m\ntitle: &t T\nversion: 1.0.0\n", "yaml-alias", 2),
        ("name: m\ntitle: !!python/name:os.system T\nversion: 1.0.0\n", "yaml-tag", 2),
        ("name: m\ntitle: T\nversion: 1\n", "'1' is not a semantic version", 3),
    ],
    ids=["duplicate key", "anchor", "tag", "version as a number"],
)
def test_package_config_is_read_like_record_files(
    project: Path, text: str, says: str, line: int
) -> None:
    """package.yaml is read as safely as records: a repeated key never silently wins."""
    (project / "package.yaml").write_text(text, encoding="utf-8")
    pub = _publish(project)
    assert not pub.ok
    ((msg, at),) = {(i.message, i.line) for i in pub.report.errors if i.code == "package-config"}
    assert says in msg and at == line


def test_missing_package_config(project: Path) -> None:
    (project / "package.yaml").unlink()
    with pytest.raises(FileNotFoundError, match=r"package\.yaml"):
        _publish(project)


# ---------------------------------------------------------------- CLI and API


def test_the_api_is_exported() -> None:
    assert opencase.publish is publish


def test_cli_publish(project: Path) -> None:
    run = _cli("publish", "records", "--snapshots", "snapshots", "--out", "dp", cwd=project,
               env={"SOURCE_DATE_EPOCH": ""})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "published dp" in run.stdout
    assert run.stderr == ""  # no progress bar when stderr is not a terminal
    assert frictionless.validate(project / "dp" / "datapackage.json").valid


def test_cli_publish_json_and_zip(project: Path) -> None:
    run = _cli("publish", "records", "--out", "dp", "--zip", "--format", "json", cwd=project)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["valid"] is True and result["stats"]["tables"] == len(layout())
    assert "quote-unverified" in {i["code"] for i in result["issues"]}
    assert (project / "millbrook-bridge-1.2.3.zip").is_file()


def test_cli_publish_invalid_records_exit_1(project: Path) -> None:
    (project / "records" / "bad.yaml").write_text("people:\n  - id: Bad Id\n    name: X\n",
                                                  encoding="utf-8")
    run = _cli("publish", "records", "--out", "dp", cwd=project)
    assert run.returncode == 1
    assert "invalid-id" in run.stdout and "records/bad.yaml:2" in run.stdout
    assert not (project / "dp").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "records"], "is or holds the records (records)"),
        (["--config", "nope.yaml"], "nope.yaml"),
        (["--created", "last tuesday"], "ISO 8601"),
        (["--snapshots", "no-such-folder"], "no-such-folder"),
    ],
)
def test_cli_publish_usage_errors_exit_2(project: Path, args: list[str], message: str) -> None:
    run = _cli("publish", "records", *args, cwd=project)
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (dot files too), and every folder, by path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


# (the folder the command runs in, relative to the project; --out; what the error says)
OUT_REFUSED = [
    (".", ".", "'.' is not a folder of its own"),
    (".", "./", "'.' is not a folder of its own"),
    (".", "..", "'..' is not a folder of its own"),
    (".", "records/..", "'records/..' is not a folder of its own"),
    (".", "/", "'/' is not a folder of its own"),
    (".", "{project}", "is or holds the current folder"),
    (".", "../project", "is or holds the current folder"),
    ("records", "..", "'..' is not a folder of its own"),
    ("records", "{project}/records/sub/..", "is not a folder of its own"),
    (".", "records", "is or holds the records"),
    (".", "snapshots", "is or holds the snapshots"),
    ("..", "project", "is or holds the records"),  # the parent of the records folder
    ("..", ".", "'.' is not a folder of its own"),
]


@pytest.mark.parametrize(("where", "out", "says"), OUT_REFUSED,
                         ids=[f"{w}:{o}" for w, o, _ in OUT_REFUSED])
def test_out_that_holds_the_inputs_or_the_current_folder_is_refused(
    project: Path, where: str, out: str, says: str
) -> None:
    """--out ., .., the root, the current folder (however spelt) or a folder holding the
    records or snapshots: a usage error (exit 2) before anything is written or validated."""
    (project / "datapackage").mkdir()
    (project / "datapackage" / "datapackage.json").write_text("{}", encoding="utf-8")
    before, around = _tree(project), sorted(p.name for p in project.parent.iterdir())
    cwd = (project / where).resolve()
    records = os.path.relpath(project / "records", cwd)
    snapshots = os.path.relpath(project / "snapshots", cwd)
    run = _cli("publish", records, "--snapshots", snapshots, "--out",
               out.format(project=project), "--zip", cwd=cwd)
    assert run.returncode == 2, run.stdout + run.stderr
    assert says in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert run.stdout == ""
    assert _tree(project) == before
    assert sorted(p.name for p in project.parent.iterdir()) == around


def test_the_library_refuses_the_same_outs(project: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.chdir(project)
    for out in (".", "..", project, project / "records", project / "snapshots"):
        with pytest.raises(PublishError, match=r"not a folder of its own|is or holds"):
            _publish(project, Path(out))
    with pytest.raises(PublishError, match="is or holds the current folder"):
        publishing.write_package({}, project.parent, publishing.load_config(
            project / "package.yaml", publishing.Report()))  # type: ignore[arg-type]
    assert not (project / "datapackage").exists()


def test_a_zip_path_that_is_a_folder_is_refused_before_writing(project: Path,
                                                               package: Path) -> None:
    before = _files(package)
    (package.parent / "millbrook-bridge-1.2.3.zip").mkdir()
    with pytest.raises(PublishError, match="exists and is not a file"):
        _publish(project, zip=True)
    assert _files(package) == before
    _no_temporaries(package.parent)


def test_progress_bar_only_when_asked_or_on_a_terminal() -> None:
    out = io.StringIO()
    bar = Progress(2, "publishing", stream=out)  # a StringIO is not a terminal
    bar.step("a")
    bar.close()
    assert out.getvalue() == ""
    bar = Progress(2, "publishing", enabled=True, stream=out)
    bar.step("people.csv")
    assert "publishing [" in out.getvalue() and "1/2" in out.getvalue()


def test_publish_validates_each_record_once(project: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """Every model validation of a record goes through its model's validator: counted here,
    a publish validates each record exactly once (the model object it makes is the one
    published), however many checks it then runs."""
    from collections import Counter

    from opencase.reading.files import read_records

    calls: Counter[str] = Counter()

    class Counting:
        def __init__(self, kind: str, real: Any) -> None:
            self.kind, self.real = kind, real

        def validate_python(self, *args: Any, **kwargs: Any) -> Any:
            calls[self.kind] += 1
            return self.real.validate_python(*args, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

    for kind, model in KINDS.items():
        monkeypatch.setattr(model, "__pydantic_validator__",
                            Counting(kind, model.__pydantic_validator__))
    records = read_records(project / "records").records
    assert records
    assert _publish(project).ok
    assert calls == Counter(raw.kind for raw in records)
