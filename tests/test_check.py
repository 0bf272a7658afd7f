"""``opencase check``: a Data Package verified without its records.

The central test plants errors in a small CSV package and compares what opencase finds with
what frictionless (the reference implementation) finds on the same files, cell by cell.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from opencase.datapackage.check import check
from opencase.report import CODES, Report

from .conftest import run_cli

PEOPLE_CSV = """\
id,name,age,score,born,active,kind,code,parent,email
p1,Ann,30,1.5,1990-01-02,true,a,AB12,,ann@example.org
p2,,abc,2.5,1991-02-03,false,b,AB13,p1,
p2,Carl,40,x,1991-13-03,maybe,z,ab,p9,
p4,D,200,-1,1992-01-01,1,a,ABCDEFGHIJ,p1,
p5,Eve, 12 ,1e3,,0,c,AB14,p2,
,F,5,NaN,2000-01-01,TRUE,a,AB15,,
p7,Gil,7,0.5,2000-02-30,False,b,AB12,p5,not-an-email
p8,Hal,8
p9,Ida,9,1,2001-01-01,true,a,AB16,p1,,surplus
,,,,,,,,,
p10,Jo,10,2,2002-2-3,true,a,AB17,p4,
"""

EVENTS_CSV = """\
event_id,person_id,year,when,seq
e1,p1,2016,2016-01-01T10:00:00Z,1
e2,p99,16,2016-01-01 10:00,2
e3,p2,2017,2016-01-01T10:00:00+01:00,2
e4,p4,2018,2016-01-01 10:00:00,3
e4,p4,1999,2016-02-30T10:00:00,3
e6,,2019,,4
"""


def field(name: str, type_: str = "string", **constraints: Any) -> dict[str, Any]:
    f: dict[str, Any] = {"name": name, "type": type_}
    if constraints:
        f["constraints"] = constraints
    return f


PEOPLE_SCHEMA = {
    "fields": [
        field("id", pattern="p[0-9]+"),
        field("name", required=True, minLength=2, maxLength=5),
        field("age", "integer", minimum=0, maximum=150),
        field("score", "number", minimum=0),
        field("born", "date"),
        field("active", "boolean"),
        field("kind", enum=["a", "b", "c"]),
        field("code", pattern="[A-Z]{2}[0-9]+", unique=True),
        field("parent"),
        {"name": "email", "type": "string", "format": "email"},
    ],
    "primaryKey": ["id"],
    "foreignKeys": [{"fields": ["parent"], "reference": {"resource": "", "fields": ["id"]}}],
}
EVENTS_SCHEMA = {
    "fields": [
        field("event_id"),
        field("person_id"),
        field("year", "year", minimum=2000),
        field("when", "datetime"),
        field("seq", "integer", exclusiveMinimum=0),
    ],
    "primaryKey": ["event_id", "seq"],
    "foreignKeys": [
        {"fields": ["person_id"], "reference": {"resource": "people", "fields": ["id"]}}
    ],
}


def digest(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def write_package(folder: Path, resources: list[dict[str, Any]], **extra: Any) -> Path:
    """Write datapackage.json, filling in `bytes` and `hash` of every file resource."""
    for r in resources:
        if "path" in r and isinstance(r["path"], str) and (folder / r["path"]).is_file():
            r.setdefault("bytes", (folder / r["path"]).stat().st_size)
            r.setdefault("hash", digest(folder / r["path"]))
    desc = {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
            "name": "planted", **extra, "resources": resources}
    (folder / "datapackage.json").write_text(json.dumps(desc, indent=2), encoding="utf-8")
    return folder


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    (tmp_path / "people.csv").write_text(PEOPLE_CSV, encoding="utf-8")
    (tmp_path / "events.csv").write_text(EVENTS_CSV, encoding="utf-8")
    return write_package(tmp_path, [
        {"name": "people", "path": "people.csv", "format": "csv", "schema": PEOPLE_SCHEMA},
        {"name": "events", "path": "events.csv", "format": "csv", "schema": EVENTS_SCHEMA},
    ])


# ---------------------------------------------------------------- the same as frictionless

FRICTIONLESS_KINDS = {
    "type-error": "type",
    "unique-error": "unique",
    "primary-key": "primary-key",
    "foreign-key": "foreign-key",
    "blank-row": "blank-row",
    "missing-cell": "row-shape",
    "extra-cell": "row-shape",
}
CONSTRAINT_KINDS = {
    "required": "required", "pattern": "pattern", "enum": "enum", "minimum": "range",
    "maximum": "range", "exclusiveMinimum": "range", "exclusiveMaximum": "range",
    "minLength": "length", "maxLength": "length",
}
ROW_LEVEL = {"primary-key", "foreign-key", "blank-row", "row-shape"}


def frictionless_findings(descriptor: Path) -> set[tuple[str, int | None, str | None, str]]:
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(descriptor))
    found = set()
    for task in report.tasks:
        for e in task.errors:
            d = e.to_descriptor()
            if e.type == "constraint-error":
                kind = CONSTRAINT_KINDS[d["note"].split('"')[1]]
            else:
                kind = FRICTIONLESS_KINDS[e.type]
            fld = None if kind in ROW_LEVEL else d.get("fieldName")
            if kind == "foreign-key":
                fld = ", ".join(d["fieldNames"])
            found.add((task.name, d.get("rowNumber"), fld, kind))
    return found


def opencase_findings(report: Report, names: dict[str, str]
                      ) -> set[tuple[str, int | None, str | None, str]]:
    found = set()
    for i in report.issues:
        kind = i.code.removeprefix("cell-")
        fld = None if kind in ROW_LEVEL - {"foreign-key"} else i.field
        found.add((names[i.file or ""], i.line, fld, kind))
    return found


def assert_same_as_frictionless(folder: Path, report: Report) -> None:
    names = {r["path"]: r["name"] for r in
             json.loads((folder / "datapackage.json").read_text())["resources"]}
    assert opencase_findings(report, names) == frictionless_findings(
        folder / "datapackage.json")


def test_finds_what_frictionless_finds(planted: Path) -> None:
    report = check(planted)
    ours = opencase_findings(report, {"people.csv": "people", "events.csv": "events"})
    theirs = frictionless_findings(planted / "datapackage.json")
    assert ours == theirs
    # and the planted errors are all there
    kinds = {k for _, _, _, k in ours}
    assert kinds == {"type", "required", "pattern", "enum", "range", "length", "unique",
                     "primary-key", "foreign-key", "blank-row", "row-shape"}
    assert ("people", 8, "born", "type") in ours  # 2000-02-30 does not exist
    assert ("events", 6, None, "primary-key") in ours  # composite key, second occurrence
    assert not report.ok


EDGE_VALUES = {
    "integer": ["1", "+1", "-0", " 12 ", "1.0", "1_000", "0x10", "007", "9" * 25, "\u0663",
                "1e3", "abc", "--1", "1 2"],
    "number": ["1", "1.5", "-1.5e3", "1e", ".5", "5.", " 1.5 ", "NaN", "nan", "inf",
               "-Infinity", "1_0", "1,5", "0x1", "abc", "+.5", "1e400", "sNaN"],
    "boolean": ["true", "True", "TRUE", "1", "false", "0", "yes", "t", " true", "tRuE"],
    "date": ["2020-01-05", "2020-1-5", "2020-01-5", "2020-02-30", "2020-02-29", "2021-02-29",
             "20200105", "2020-01-05T00:00", "0000-01-01", "0001-01-01", "2020-13-01",
             "2020-01- 5", " 2020-01-05", "2020-1-05"],
    "datetime": ["2016-01-01T10:00:00Z", "2016-01-01 10:00:00", "2016-01-01x10:00:00",
                 "2016-01-01T10:00", "2016-01-01T10:00:00+01:00", "2016-01-01T10:00:00+0100",
                 "2016-01-01T10:00:00+01", "2016-01-01T24:00:00", "2016-01-01T10:00:60",
                 "2016-02-30T10:00:00", "2016-01-01T10:00:00.123", "2016-01-01T10:00:00,5",
                 "2016-01-01T10:00:00 ", "2016-01-01T25:00:00", "20160101T100000"],
    "time": ["10:00:00", "10:00", "24:00:00", "10:00:00Z", "10:00:00.5", "10:00:00+01:00",
             "1:00:00", "10:60:00", "abc"],
    "year": ["2020", "0000", "+123", "-001", "-000", " 123", "20201", "99", "abcd", "2020 "],
    "yearmonth": ["2020-01", "2020-1", "2020-13", "2020-00", " 2020-01", "2020/01",
                  "-2020-01", "2020-01-01"],
    "duration": ["P1Y", "PT1H", "P", "1Y", "P1.5D", "PT"],
    "object": ['{"a": 1}', "[1]", "x", "{}"],
    "array": ["[1, 2]", '{"a":1}', "[]", "x"],
    "geopoint": ["1, 2", "1,2", "200, 1", "x", "1"],
}


def test_types_agree_with_frictionless_on_edge_cases(tmp_path: Path) -> None:
    import csv
    import io

    resources = []
    for type_, values in EDGE_VALUES.items():
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerows([["id", "v"], *([f"r{i}", v] for i, v in enumerate(values))])
        (tmp_path / f"{type_}.csv").write_text(buf.getvalue(), encoding="utf-8")
        resources.append({"name": type_, "path": f"{type_}.csv", "schema": {
            "fields": [field("id"), field("v", type_)]}})
    write_package(tmp_path, resources)
    report = check(tmp_path)
    assert len(report.errors) > 40
    assert_same_as_frictionless(tmp_path, report)


CONSTRAINT_CASES = {
    "a": (field("v", "integer", enum=[1, 2, 3], unique=True), ["1", "01", "4", " 2", "+3", "1"]),
    "b": (field("v", "number", minimum=1.5, maximum=10, unique=True),
          ["1.5", "1.49", "10", "10.0", "1e1", "nan", "-inf", "1.5"]),
    "c": (field("v", "date", minimum="2020-01-01", maximum="2020-12-31"),
          ["2019-12-31", "2020-01-01", "2021-01-01", "2020-6-1"]),
    "d": (field("v", minLength=2, maxLength=3, pattern="[a-zé]+",
                enum=["ab", "abc", "éé", "a", "abcd"]),
          ["ab", "éé", "a", "abcd", "AB", "abc", "x y"]),
    "e": (field("v", "boolean", enum=[True]), ["true", "1", "false", "0"]),
    "f": (field("v", "year", minimum=2000, exclusiveMaximum=2020),
          ["1999", "2000", "2019", "2020"]),
    "g": (field("v", "datetime", minimum="2020-01-01T00:00:00Z"),
          ["2019-12-31T23:59:59Z", "2020-01-01T00:00:00Z", "2020-01-01T01:00:00+02:00"]),
    "h": (field("v", unique=True, required=True), ["x", "", "x", "y", "", "y"]),
    "i": (field("v", "time", maximum="12:00:00"), ["11:59:59", "12:00:00", "12:00:01"]),
}


def test_constraints_agree_with_frictionless_on_edge_cases(tmp_path: Path) -> None:
    resources = []
    for name, (fld, values) in CONSTRAINT_CASES.items():
        rows = "".join(f"r{i},{v}\n" for i, v in enumerate(values))
        (tmp_path / f"{name}.csv").write_text("id,v\n" + rows, encoding="utf-8")
        resources.append({"name": name, "path": f"{name}.csv",
                          "schema": {"fields": [field("id"), fld]}})
    write_package(tmp_path, resources)
    report = check(tmp_path)
    assert len(report.errors) > 20
    assert_same_as_frictionless(tmp_path, report)


def test_locations_and_messages(planted: Path) -> None:
    report = check(planted)
    by = {(i.file, i.line, i.field, i.code): i for i in report.issues}
    i = by[("people.csv", 3, "age", "cell-type")]
    assert '"abc"' in i.message and "integer" in i.message
    assert "row 3" in by[("people.csv", 4, "id", "primary-key")].message
    fk = by[("events.csv", 3, "person_id", "foreign-key")]
    assert '"p99"' in fk.message and "people" in fk.message
    for issue in report.issues:
        assert issue.code in CODES


# ---------------------------------------------------------------- clean packages, twins


def twin_package(folder: Path, rows: int = 50) -> Path:
    """A CSV and a Parquet resource holding the same table, written as opencase writes them."""
    (folder / "csv").mkdir()
    (folder / "parquet").mkdir()
    table = pa.table({
        "id": [f"r{i}" for i in range(rows)],
        "n": pa.array(range(rows), pa.int64()),
        "x": pa.array([i / 4 for i in range(rows)], pa.float64()),
        "day": pa.array([19000 + i for i in range(rows)], pa.int32()).cast(pa.date32()),
        "note": [None if i % 3 else f"note, {i}" for i in range(rows)],
    })
    pacsv.write_csv(table, folder / "csv/things.csv",
                    pacsv.WriteOptions(eol="\r\n", quoting_style="needed"))
    pq.write_table(table, folder / "parquet/things.parquet", compression="zstd")
    schema = {"fields": [field("id", required=True), field("n", "integer", minimum=0),
                         field("x", "number"), field("day", "date"), field("note")],
              "primaryKey": ["id"]}
    return write_package(folder, [
        {"name": "things", "path": "csv/things.csv", "format": "csv", "schema": schema},
        {"name": "things-parquet", "path": "parquet/things.parquet", "format": "parquet",
         "schema": schema},
    ])


def test_clean_twin_package_is_valid(tmp_path: Path) -> None:
    report = check(twin_package(tmp_path))
    assert report.ok, report.format_text()
    assert report.issues == []
    assert report.stats == {"resources": 2, "tables": 2, "rows": 100}


def test_one_changed_byte_fails_naming_the_file(tmp_path: Path) -> None:
    pkg = twin_package(tmp_path)
    path = pkg / "csv/things.csv"
    data = bytearray(path.read_bytes())
    data[data.index(b"r17")] = ord("R")
    path.write_bytes(bytes(data))
    report = check(pkg)
    codes = {i.code for i in report.errors}
    assert "hash-mismatch" in codes and "bytes-mismatch" not in codes
    msg = next(i.message for i in report.errors if i.code == "hash-mismatch")
    assert "csv/things.csv" in msg
    twin = [i for i in report.errors if i.code == "twin-mismatch"]
    assert [(i.file, i.line, i.field) for i in twin] == [("parquet/things.parquet", 19, "id")]


def test_parquet_that_differs_is_reported_and_checked(tmp_path: Path) -> None:
    pkg = twin_package(tmp_path)
    path = pkg / "parquet/things.parquet"
    t = pq.read_table(path)
    t = t.set_column(1, "n", pa.array([-1, *range(1, t.num_rows)], pa.int64()))
    pq.write_table(t, path)
    desc = json.loads((pkg / "datapackage.json").read_text())
    desc["resources"][1]["bytes"] = path.stat().st_size
    desc["resources"][1]["hash"] = digest(path)
    (pkg / "datapackage.json").write_text(json.dumps(desc))
    report = check(pkg)
    got = {(i.code, i.file, i.line, i.field) for i in report.errors}
    assert got == {("twin-mismatch", "parquet/things.parquet", 2, "n"),
                   ("cell-range", "parquet/things.parquet", 2, "n")}


def test_parquet_column_of_the_wrong_type(tmp_path: Path) -> None:
    pq.write_table(pa.table({"id": ["a"], "n": ["1"], "d": [1.5]}), tmp_path / "t.parquet")
    write_package(tmp_path, [{"name": "t", "path": "t.parquet", "schema": {"fields": [
        field("id"), field("n", "integer"), field("d", "date")]}}])
    report = check(tmp_path)
    assert {(i.code, i.field) for i in report.errors} == {("column-type", "d")}


# ---------------------------------------------------------------- keys


def test_foreign_keys_composite_self_and_across(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x,y,up\n1,a,\n1,b,1\n2,a,3\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("x,y\n1,a\n2,b\n,\n1,\n", encoding="utf-8")
    write_package(tmp_path, [
        {"name": "a", "path": "a.csv", "schema": {
            "fields": [field("x", "integer"), field("y"), field("up", "integer")],
            "uniqueKeys": [["x", "y"]],
            "foreignKeys": [{"fields": ["up"], "reference": {"fields": ["x"]}}]}},
        {"name": "b", "path": "b.csv", "schema": {
            "fields": [field("x", "integer"), field("y")],
            "foreignKeys": [{"fields": ["x", "y"],
                             "reference": {"resource": "a", "fields": ["x", "y"]}}]}},
    ])
    report = check(tmp_path)
    got = {(i.code, i.file, i.line) for i in report.errors}
    # a: up=3 is not an x; b: (2, b) is not an (x, y) of a, (1, None) neither; (None, None)
    # is a blank row, not a broken key
    assert got == {("foreign-key", "a.csv", 4), ("foreign-key", "b.csv", 3),
                   ("foreign-key", "b.csv", 5), ("blank-row", "b.csv", 4)}
    assert_same_as_frictionless(tmp_path, report)


def test_limit_lists_the_first_rows_then_counts_the_rest(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},x{i}" for i in range(1000))
    (tmp_path / "t.csv").write_text("n,s\n" + rows + "\n", encoding="utf-8")
    write_package(tmp_path, [{"name": "t", "path": "t.csv", "schema": {
        "fields": [field("n", "integer"), field("s", "integer")]}}])
    report = check(tmp_path, limit=5)
    bad = [i for i in report.errors if i.code == "cell-type"]
    assert [i.line for i in bad] == [2, 3, 4, 5, 6, 7]
    assert "995 more rows from row 7" in bad[-1].message


def test_missing_values_schema_and_field_level(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b\nNA,1\n,x\n-,-\n", encoding="utf-8")
    write_package(tmp_path, [{"name": "t", "path": "t.csv", "schema": {
        "missingValues": ["NA", ""],
        "fields": [field("a", "integer", required=True),
                   {**field("b", "integer"), "missingValues": ["-"]}]}}])
    report = check(tmp_path)
    got = {(i.code, i.line, i.field) for i in report.errors}
    assert got == {("cell-required", 2, "a"), ("cell-required", 3, "a"),
                   ("cell-type", 3, "b"), ("cell-type", 4, "a")}
    assert_same_as_frictionless(tmp_path, report)


# ---------------------------------------------------------------- descriptor and paths


def test_descriptor_not_json(tmp_path: Path) -> None:
    (tmp_path / "datapackage.json").write_text('{"resources": [\n  {"name": "a",}\n]}')
    report = check(tmp_path)
    [issue] = report.errors
    assert issue.code == "descriptor-json" and "line 2" in issue.message


def test_descriptor_profile(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    desc = {"name": "Bad Name", "created": "yesterday", "licenses": [{}],
            "resources": [
                {"name": "a", "path": "a.csv", "bytes": "4", "hash": "sha256:xyz"},
                {"name": "a", "path": "a.csv", "data": []},
                {"path": "a.csv", "schema": {"fields": [{"name": "x", "type": "float"}],
                                              "primaryKey": ["nope"]}},
            ]}
    (tmp_path / "datapackage.json").write_text(json.dumps(desc))
    report = check(tmp_path)
    codes = [i.code for i in report.issues]
    assert codes.count("descriptor-invalid") >= 6
    assert "descriptor-recommendation" in codes
    assert codes.count("schema-invalid") == 2
    text = report.format_text()
    assert "two resources are named 'a'" in text and "`/created`" in text
    # the profile's findings, each located by a JSON pointer
    assert "`/resources/0/bytes` must be an integer" in text
    assert "`/resources/1` has `data` and `path`: it needs exactly one of them" in text
    assert "`/resources/2` needs `name`" in text
    assert "`/licenses/0` needs `name` or `path`" in text
    assert {i.file for i in report.issues if i.message.startswith("`/")} == {"datapackage.json"}


@pytest.mark.parametrize(("desc", "says"), [
    ({}, "the descriptor needs `resources`"),
    ({"resources": "x"}, '`/resources` must be an array, not the string "x"'),
    ({"resources": []}, "`/resources` must not be empty"),
    ({"resources": [5]}, "`/resources/0` must be an object, not the number 5"),
    ({"resources": [{"name": "a"}]}, "`/resources/0` needs `data` or `path`"),
    ({"resources": [{"name": "a", "path": []}]}, "`/resources/0/path` must not be empty"),
    ({"resources": [{"name": "a", "path": 7}]},
     "`/resources/0/path` must be a string or an array, not the number 7"),
    ({"keywords": [1], "resources": [{"name": "a", "data": [{"x": 1}]}]},
     "`/keywords/0` must be a string, not the number 1"),
    ({"$schema": 5, "resources": [{"name": "a", "data": [{"x": 1}]}]},
     "`/$schema` must be a string, not the number 5"),
])
def test_descriptor_structure_is_checked_against_the_profile(
        tmp_path: Path, desc: dict[str, Any], says: str) -> None:
    (tmp_path / "datapackage.json").write_text(json.dumps(desc))
    report = check(tmp_path)
    assert [i.code for i in report.errors] == ["descriptor-invalid"], report.format_text()
    assert report.errors[0].message == says
    assert report.errors[0].file == "datapackage.json"  # a descriptor problem is located there


def test_the_vendored_profile_is_the_official_draft_07_schema() -> None:
    from jsonschema import Draft7Validator

    from opencase.datapackage.profile import PROFILE_FILE

    schema = json.loads(PROFILE_FILE.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$ref" not in PROFILE_FILE.read_text(encoding="utf-8")  # nothing to fetch
    readme = (PROFILE_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(PROFILE_FILE.read_bytes()).hexdigest() in readme


def test_jsonschema_is_imported_only_to_check_a_descriptor() -> None:
    code = ("import sys, opencase, opencase.datapackage.check, opencase.datapackage.load; "
            "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.csv", "a/../../outside.csv",
                                  "~/x.csv", "C:/x.csv", "a\\b.csv", "file:///etc/passwd"])
def test_unsafe_paths_are_refused(tmp_path: Path, path: str) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (tmp_path / "outside.csv").write_text("x\n1\n")
    write_package(pkg, [{"name": "a", "path": path, "schema": {"fields": [field("x")]}}])
    report = check(pkg)
    assert [i.code for i in report.errors] == ["unsafe-path"]


def test_symlink_out_of_the_package_is_refused(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (tmp_path / "secret.csv").write_text("x\n1\n")
    os.symlink(tmp_path / "secret.csv", pkg / "a.csv")
    write_package(pkg, [{"name": "a", "path": "a.csv", "schema": {"fields": [field("x")]}}])
    report = check(pkg)
    assert [i.code for i in report.errors] == ["unsafe-path"]


def test_missing_file_and_md5_hash(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    md5 = hashlib.md5(b"x\n1\n").hexdigest()
    write_package(tmp_path, [
        {"name": "a", "path": "a.csv", "hash": md5, "bytes": 4},
        {"name": "b", "path": "b.csv"},
        {"name": "c", "path": "a.csv", "hash": "md5:" + "0" * 32},
    ])
    report = check(tmp_path)
    assert sorted((i.code, i.file) for i in report.errors) == [
        ("hash-mismatch", "a.csv"), ("resource-missing", "b.csv")]


# ---------------------------------------------------------------- CLI


def test_cli_exit_codes_and_formats(planted: Path, tmp_path: Path) -> None:
    bad = run_cli("check", planted)
    assert bad.returncode == 1
    assert "people.csv:3: error cell-type age:" in bad.stdout
    gh = run_cli("check", planted, "--format", "github", "--limit", "1")
    assert "::error file=people.csv,line=3,title=cell-type::" in gh.stdout
    js = json.loads(run_cli("check", planted, "--format", "json").stdout)
    assert js["valid"] is False and js["issues"][0]["file"]
    good = run_cli("check", twin_package(tmp_path / "good" if (tmp_path / "good").mkdir()
                                          is None else tmp_path))
    assert good.returncode == 0, good.stdout + good.stderr
    missing = run_cli("check", tmp_path / "nowhere")
    assert missing.returncode == 2 and "no data package" in missing.stderr
    assert "example" in run_cli("check", "--help").stdout


def test_a_zipped_package_is_checked_and_a_zip_slip_refused(tmp_path: Path) -> None:
    import zipfile

    pkg = twin_package(tmp_path / "pkg" if (tmp_path / "pkg").mkdir() is None else tmp_path)
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(pkg.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(pkg).as_posix())
    assert check(archive).ok
    slip = tmp_path / "slip.zip"
    with zipfile.ZipFile(slip, "w") as zf:
        zf.writestr("datapackage.json", "{}")
        zf.writestr("../escaped.csv", "x\n")
    result = run_cli("check", slip)
    assert result.returncode == 2 and "refused" in result.stderr
    assert not (tmp_path / "escaped.csv").exists()


def test_the_committed_package_checks_clean() -> None:
    from .conftest import REPO

    if not (REPO / "datapackage" / "datapackage.json").is_file():
        pytest.skip("no committed datapackage/")
    report = check(REPO / "datapackage")
    assert report.ok and not report.issues, report.format_text()


def test_twins_written_differently_but_holding_the_same_rows(tmp_path: Path) -> None:
    """A CSV not byte-identical to the Parquet table written by pyarrow (other quoting, other
    number spelling) is compared value by value."""
    pkg = twin_package(tmp_path)
    t = pq.read_table(pkg / "parquet/things.parquet")
    lines = ["id,n,x,day,note"]
    for row in t.to_pylist():
        note = "" if row["note"] is None else f'"{row["note"]}"'
        lines.append(f"{row['id']},{row['n']:+d},{row['x']:.3e},{row['day']},{note}")
    (pkg / "csv/things.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    desc = json.loads((pkg / "datapackage.json").read_text())
    desc["resources"][0].pop("bytes")
    desc["resources"][0].pop("hash")
    (pkg / "datapackage.json").write_text(json.dumps(desc))
    report = check(pkg)
    assert report.ok and not report.issues, report.format_text()


@pytest.mark.parametrize(("name", "stem"), [
    ("people", "people"), ("people-parquet", "people"), ("people_csv", "people"),
    ("People.PQ", "People"), ("people-tsv", "people"), ("parquet", "parquet"),
    ("csv-people", "csv-people"),
])
def test_table_stem_is_the_twin_convention(name: str, stem: str) -> None:
    from opencase.datapackage.descriptor import PARQUET_SUFFIX, table_stem

    assert table_stem(name) == stem
    assert table_stem(stem + PARQUET_SUFFIX) == stem
