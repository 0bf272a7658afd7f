"""``opencase check`` on inputs that once gave a false "valid" or an internal error (issue 10,
section 3): inline data, dictionary-encoded and duplicated Parquet columns, constraint and enum
numbers beyond int64, nested values in keys, encodings that need a byte-order mark, impossible
dialect and field values, ``skipInitialSpace`` in headers, very long labels, and the CSV/Parquet
twin comparison in the CSV's declared encoding.

Each class is tried on several inputs; where frictionless gives a verdict on a package,
opencase gives the same one (valid or invalid). Every run goes through the real command too:
exit 0 or 1, never an internal error.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from opencase.datapackage.check import check
from opencase.report import Report

from .conftest import run_main


def package(folder: Path, resources: list[dict[str, Any]],
            files: dict[str, bytes | str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (files or {}).items():
        (folder / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    desc = {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
            "name": "inputs", "resources": resources}
    (folder / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    return folder


def frictionless_valid(folder: Path) -> bool | None:
    """frictionless's verdict on the package, or None where it has none (it fails inside)."""
    frictionless = pytest.importorskip("frictionless")
    try:
        return bool(frictionless.validate(str(folder / "datapackage.json")).valid)
    except Exception:  # frictionless fails inside: no verdict
        return None


def checked(folder: Path) -> Report:
    """The report of ``check``, after the command (its ``main``, in this process: the entry
    point is tested in test_check.py) gave the same verdict without an internal error or a
    traceback, within seconds."""
    start = time.monotonic()
    run = run_main("check", folder, "--format", "json")
    assert time.monotonic() - start < 60
    both = run.stdout + run.stderr
    assert "Traceback" not in both and "internal error" not in both, both
    assert run.returncode in (0, 1), both
    report = check(folder)
    assert run.returncode == (0 if report.ok else 1)
    assert Counter(i["code"] for i in json.loads(run.stdout)["issues"]) == codes(report)
    return report


def codes(report: Report) -> Counter[str]:
    return Counter(i.code for i in report.issues)


def agrees(folder: Path, report: Report) -> None:
    verdict = frictionless_valid(folder)
    if verdict is not None:
        assert report.ok == verdict, report.format_text()


def field(name: str, type_: str = "string", **props: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **props}


# ---------------------------------------------------------------- inline data


INLINE = [
    # (data, schema or None, issue codes)
    ([["id", "n"], ["a", 1], ["b", "two"]], [field("id"), field("n", "integer")],
     {"cell-type": 1}),
    ([{"id": "a", "n": 1}, {"id": "b", "n": "x"}], [field("id"), field("n", "integer")],
     {"cell-type": 1}),
    ([["id", "n"], ["a", 1], ["a", 2]],
     [field("id", constraints={"unique": True}), field("n", "integer")], {"cell-unique": 1}),
    ([["id", "n"], ["a", 1]], [field("id"), field("n", "integer", constraints={"maximum": 0})],
     {"cell-range": 1}),
    ([["id", "x"], ["a", 1]], [field("id"), field("n", "integer")], {"header-mismatch": 1}),
    ([["id", "n"], ["a", 1, 2], ["b"], [None, None]], None, {"row-shape": 2, "blank-row": 1}),
    ([{"a": 1}, {"b": 2}], None, {"blank-row": 1}),  # the header is the first object's keys
    ([["id", "n"], ["a", 1]], None, {}),
    ([["id", "n"], ["a", 1]], [field("id"), field("n", "integer")], {}),
    ({"id": "a"}, [field("id")], {"descriptor-invalid": 1}),
    ({"id": "a"}, None, {"descriptor-invalid": 1}),
    ([1, 2, 3], None, {"descriptor-invalid": 1}),
    ([], None, {"descriptor-invalid": 1}),
    ("id,n\na,1", None, {"descriptor-invalid": 1}),
    ([["id"], {"id": "a"}], None, {"descriptor-invalid": 1}),
    ([[]], None, {"table-unreadable": 1}),
]


@pytest.mark.parametrize(("data", "fields", "want"), INLINE,
                         ids=[f"inline-{i}" for i in range(len(INLINE))])
def test_inline_data_is_checked_like_a_file(tmp_path: Path, data: Any,
                                            fields: list[dict[str, Any]] | None,
                                            want: dict[str, int]) -> None:
    res: dict[str, Any] = {"name": "inline", "data": data}
    if fields is not None:
        res["schema"] = {"fields": fields}
    pkg = package(tmp_path, [res])
    report = checked(pkg)
    assert codes(report) == Counter(want)
    assert all(i.file == "datapackage.json#inline" for i in report.issues)
    if "cell-type" in want:
        assert [i.line for i in report.issues] == [3]
    agrees(pkg, report)


# ---------------------------------------------------------------- Parquet columns

DICTIONARY_COLUMNS = [
    ("string", pa.array(["a", "b", "a", None])),
    ("integer", pa.array([1, 2, 1, 3], pa.int32())),  # (frictionless reads an integer
    ("integer", pa.array([1, 2, 1, 3], pa.int64())),  # column with nulls as floats)
    ("number", pa.array([1.5, 2.0, 1.5, None])),
    ("boolean", pa.array([True, False, True, None])),
    ("date", pa.array([dt.date(2020, 1, 2), dt.date(2021, 3, 4), dt.date(2020, 1, 2), None])),
    ("datetime", pa.array([dt.datetime(2020, 1, 2, 3, 4), None, None, None],
                          pa.timestamp("us", "UTC"))),
    ("any", pa.array(["x", "y", "x", "x"])),
]


@pytest.mark.parametrize(("type_", "values"), DICTIONARY_COLUMNS,
                         ids=[f"{t}-{v.type}" for t, v in DICTIONARY_COLUMNS])
def test_dictionary_encoded_parquet_columns(tmp_path: Path, type_: str, values: pa.Array
                                            ) -> None:
    """What pandas writes for a `category` column: read as its values, checked as they are
    (a duplicate value in a unique field, a value outside the enum)."""
    table = pa.table({"id": pa.array([1, 2, 3, 4]), "v": pc.dictionary_encode(values)})
    files = {}
    pkg = package(tmp_path, [{"name": "t", "path": "t.parquet", "format": "parquet",
                              "schema": {"fields": [field("id", "integer"), field("v", type_)],
                                         "primaryKey": ["id"]}}], files)
    pq.write_table(table, pkg / "t.parquet")
    if type_ in ("string", "any"):  # (pyarrow reads other dictionary columns decoded)
        assert pa.types.is_dictionary(pq.read_schema(pkg / "t.parquet").field("v").type)
    report = checked(pkg)
    assert report.ok and not report.issues, report.format_text()
    agrees(pkg, report)
    # the same column as a key: duplicates found, located
    desc = json.loads((pkg / "datapackage.json").read_text())
    desc["resources"][0]["schema"]["fields"][1]["constraints"] = {"unique": True}
    (pkg / "datapackage.json").write_text(json.dumps(desc))
    report = checked(pkg)
    first = values.to_pylist()[0]
    dups = values.to_pylist().count(first) - 1
    assert codes(report) == Counter({"cell-unique": dups}), report.format_text()


def test_a_parquet_file_with_a_duplicated_column_name(tmp_path: Path) -> None:
    pkg = package(tmp_path, [{"name": "t", "path": "t.parquet", "format": "parquet",
                              "schema": {"fields": [field("a", "integer"),
                                                    field("b", "integer")]}}])
    pq.write_table(pa.Table.from_arrays([pa.array([1]), pa.array([2]), pa.array([3])],
                                        names=["a", "a", "b"]), pkg / "t.parquet")
    report = checked(pkg)
    assert codes(report) == Counter({"header-mismatch": 1})
    assert "2 columns named 'a'" in report.issues[0].message
    agrees(pkg, report)


# ---------------------------------------------------------------- numbers beyond int64

BIG = [
    # (constraints, field type, the rows' issue codes)
    ({"minimum": 10**30}, "integer", {"cell-range": 2}),
    ({"minimum": -(10**30)}, "integer", {}),
    ({"maximum": 10**30}, "integer", {}),
    ({"maximum": -(10**30)}, "integer", {"cell-range": 2}),
    ({"exclusiveMinimum": 2**63}, "integer", {"cell-range": 2}),
    ({"exclusiveMaximum": 2**63}, "integer", {}),
    ({"exclusiveMinimum": -(2**63) - 1}, "integer", {}),
    ({"exclusiveMaximum": -(2**64)}, "integer", {"cell-range": 2}),
    ({"enum": [1, 10**30]}, "integer", {"cell-enum": 1}),
    ({"enum": [10**30, -(10**30)]}, "integer", {"cell-enum": 2}),
    ({"minimum": 10**400}, "number", {"cell-range": 2}),
    ({"maximum": 10**400, "minimum": -(10**400)}, "number", {}),
    ({"enum": [1, 10**400]}, "number", {"cell-enum": 1}),
    ({"minimum": 10**30, "enum": [2000, 10**30]}, "year", {"cell-range": 2, "cell-enum": 1}),
    ({"maximum": 10**30}, "year", {}),
]


@pytest.mark.parametrize(("constraints", "type_", "want"), BIG,
                         ids=[f"{t}-{json.dumps(c)[:40]}" for c, t, _ in BIG])
def test_constraint_numbers_beyond_int64(tmp_path: Path, constraints: dict[str, Any],
                                         type_: str, want: dict[str, int]) -> None:
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "format": "csv", "schema": {
        "fields": [field("v", type_, constraints=constraints)]}}],
        {"t.csv": "v\n1999\n2000\n" if type_ == "year" else "v\n1\n2000\n"})
    report = checked(pkg)
    assert codes(report) == Counter(want), report.format_text()
    agrees(pkg, report)


def test_constraint_numbers_beyond_int64_on_big_and_parquet_columns(tmp_path: Path) -> None:
    """A CSV column with integers beyond int64 (read as decimals) and a Parquet uint64
    column, against bounds and enums beyond their range."""
    big = {"minimum": 10**19, "maximum": 10**40, "enum": [10**20, 10**50]}
    pkg = package(tmp_path, [
        {"name": "c", "path": "c.csv", "format": "csv",
         "schema": {"fields": [field("v", "integer", constraints=big)]}},
        {"name": "p", "path": "p.parquet", "format": "parquet",
         "schema": {"fields": [field("v", "integer", constraints={
             "maximum": 2**64, "minimum": -(2**64), "enum": [2**64, 1, 2]})]}},
    ], {"c.csv": "v\n100000000000000000000\n20000000000000000000\n5\n"})
    pq.write_table(pa.table({"v": pa.array([1, 3], pa.uint8())}), pkg / "p.parquet")
    report = checked(pkg)
    assert sorted((i.file, i.code, i.line) for i in report.issues) == [
        ("c.csv", "cell-enum", 3), ("c.csv", "cell-enum", 4), ("c.csv", "cell-range", 4),
        ("p.parquet", "cell-enum", 3)]
    agrees(pkg, report)


# ---------------------------------------------------------------- nested values in keys


def test_list_struct_and_map_columns_in_keys(tmp_path: Path) -> None:
    """Nested Parquet values (read as `any`) in unique fields, primary, unique and foreign
    keys and enums are compared whole: [1, 2] equals [1, 2], not [1] nor [12]."""
    lists = pa.array([[1, 2], [12], [1, 2], None, [1, None], [1, None]])
    structs = pa.array([{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "x"}, None,
                        {"a": None, "b": None}, {"a": None, "b": None}])
    maps = pa.array([[("k", 1)], [("k", 2)], [("k", 1)], [], [], None],
                    pa.map_(pa.string(), pa.int64()))
    nested = pa.array([[[1], [2, 3]], [[1, 2], [3]], [[1], [2, 3]], [], [], []])
    pkg = package(tmp_path, [
        {"name": "t", "path": "t.parquet", "format": "parquet", "schema": {
            "fields": [field("n", "integer"),
                       field("l", "any", constraints={"unique": True}),
                       field("s", "any", constraints={"unique": True}),
                       field("m", "any", constraints={"unique": True}),
                       field("x", "any", constraints={"enum": [[[1], [2, 3]], []]})],
            "primaryKey": ["l"], "uniqueKeys": [["s", "n"], ["m", "x"]],
            "foreignKeys": [{"fields": ["l"], "reference": {"resource": "ref",
                                                            "fields": ["l"]}}]}},
        {"name": "ref", "path": "ref.parquet", "format": "parquet",
         "schema": {"fields": [field("l", "any")]}},
    ])
    pq.write_table(pa.table({"n": [1, 2, 1, 3, 4, 4], "l": lists, "s": structs, "m": maps,
                             "x": nested}), pkg / "t.parquet")
    pq.write_table(pa.table({"l": pa.array([[1, 2], [1, None]])}), pkg / "ref.parquet")
    report = checked(pkg)
    found = sorted((i.code, i.line, i.field) for i in report.issues)
    assert found == [
        ("cell-enum", 3, "x"),  # [[1, 2], [3]] is not [[1], [2, 3]]
        ("cell-unique", 4, "l"), ("cell-unique", 4, "m"), ("cell-unique", 4, "s"),
        ("cell-unique", 6, "m"),  # [] and []
        ("cell-unique", 7, "l"), ("cell-unique", 7, "s"),  # [1, null], {null, null}
        ("foreign-key", 3, "l"),  # [12] is not [1, 2]
        ("primary-key", 4, "l"), ("primary-key", 5, "l"), ("primary-key", 7, "l"),
        ("unique-key", 4, "m, x"), ("unique-key", 4, "s, n"), ("unique-key", 6, "m, x"),
        ("unique-key", 7, "s, n"),
    ], report.format_text()
    by_line = {(i.code, i.line): i.message for i in report.issues}
    assert '"[1, 2]" is the same as in row 2' in by_line[("primary-key", 4)]


# ---------------------------------------------------------------- encodings


BOMLESS = [
    # (declared encoding, the file's bytes' encoding, valid?)
    ("utf-16", "utf-16-le", False),
    ("utf-16", "utf-16-be", False),
    ("UTF16", "utf-16-le", False),
    ("utf-32", "utf-32-le", False),
    ("utf-32", "utf-32-be", False),
    ("utf-16", "utf-16", True),  # with its byte-order mark
    ("utf-32", "utf-32", True),
    ("utf-16-le", "utf-16-le", True),
    ("utf-16-be", "utf-16-be", True),
    ("utf-32-be", "utf-32-be", True),
    ("utf-8-sig", "utf-8", True),
    ("utf-8-sig", "utf-8-sig", True),
    ("latin-1", "latin-1", True),
    ("zlib", "utf-8", False),  # not a text encoding
    ("rot13", "utf-8", False),
    ("no-such-encoding", "utf-8", False),
]


@pytest.mark.parametrize(("declared", "actual", "valid"), BOMLESS,
                         ids=[f"{d}-as-{a}" for d, a, _ in BOMLESS])
def test_encodings_that_need_a_byte_order_mark(tmp_path: Path, declared: str, actual: str,
                                              valid: bool) -> None:
    text = "id,name\n1,Zoë\n2,Ada\n"
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "format": "csv",
                              "encoding": declared, "schema": {
                                  "fields": [field("id", "integer"), field("name")]}}],
                  {"t.csv": text.encode(actual)})
    report = checked(pkg)
    assert report.ok is valid, report.format_text()
    if not valid:
        assert len(report.issues) == 1
        assert report.issues[0].code in ("table-unreadable", "descriptor-invalid")
    if declared in ("utf-16", "utf-32") and not valid:
        assert "byte-order mark" in report.issues[0].message
    if declared not in ("zlib", "rot13"):  # frictionless fails inside on those
        agrees(pkg, report)


# ---------------------------------------------------------------- impossible values

IMPOSSIBLE = [
    # (dialect, field properties, issue code) : values that cannot work
    ({"delimiter": ""}, {}, "descriptor-invalid"),
    ({"delimiter": ",,"}, {}, "descriptor-invalid"),
    ({"delimiter": "\n"}, {}, "descriptor-invalid"),
    ({"quoteChar": "''"}, {}, "descriptor-invalid"),
    ({"quoteChar": ""}, {}, "descriptor-invalid"),
    ({"escapeChar": ""}, {}, "descriptor-invalid"),
    ({"escapeChar": "\\\\"}, {}, "descriptor-invalid"),
    ({"delimiter": 5}, {}, "descriptor-invalid"),
    ({"header": "yes"}, {}, "descriptor-invalid"),
    ({"headerRows": "1"}, {}, "descriptor-invalid"),
    ({"commentChar": 5}, {}, "descriptor-invalid"),
    ({"lineTerminator": 5}, {}, "descriptor-invalid"),
    ({}, {"decimalChar": ""}, "schema-invalid"),
    ({}, {"decimalChar": 1}, "schema-invalid"),
    ({}, {"groupChar": 1}, "schema-invalid"),
]


@pytest.mark.parametrize(("dialect", "props", "code"), IMPOSSIBLE,
                         ids=[json.dumps([d, p]) for d, p, _ in IMPOSSIBLE])
def test_impossible_dialect_and_field_values_are_descriptor_errors(
    tmp_path: Path, dialect: dict[str, Any], props: dict[str, Any], code: str
) -> None:
    res: dict[str, Any] = {"name": "t", "path": "t.csv", "format": "csv", "schema": {
        "fields": [field("id", "integer"), field("n", "number", **props)]}}
    if dialect:
        res["dialect"] = dialect
    pkg = package(tmp_path, [res], {"t.csv": "id,n\n1,1.5\n2,2\n"})
    report = checked(pkg)
    assert codes(report) == Counter({code: 1}), report.format_text()
    agrees(pkg, report)


def test_a_list_field_with_an_empty_delimiter(tmp_path: Path) -> None:
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "format": "csv", "schema": {
        "fields": [field("l", "list", delimiter="", constraints={"minLength": 1})]}}],
        {"t.csv": 'l\n"a,b"\n'})
    assert codes(checked(pkg)) == Counter({"schema-invalid": 1})


NON_ASCII_DIALECTS = [
    ({"delimiter": "é"}, "idéname\n1éZoë\n2é\"x é y\"\n", True),
    ({"delimiter": "→"}, "id→name\n1→a\n2→b→c\n", False),  # a row with 3 cells
    ({"delimiter": "\u0000"}, "id\u0000name\n1\u0000a\n", True),
    ({"quoteChar": "«"}, "id,name\n1,«a, b»\n", True),
    ({"delimiter": ";", "escapeChar": "ß"}, "id;name\n1;aß;b\n", True),
    ({"delimiter": "é"}, "id,name\n1,a\n", False),  # the file uses commas
]


@pytest.mark.parametrize(("dialect", "text", "valid"), NON_ASCII_DIALECTS,
                         ids=[json.dumps(d) for d, _, _ in NON_ASCII_DIALECTS])
def test_non_ascii_dialect_characters_are_read(tmp_path: Path, dialect: dict[str, Any],
                                               text: str, valid: bool) -> None:
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "format": "csv", "dialect": dialect,
                              "schema": {"fields": [field("id", "integer"), field("name")]}}],
                  {"t.csv": text})
    report = checked(pkg)
    assert report.ok is valid, report.format_text()
    agrees(pkg, report)


# ---------------------------------------------------------------- headers


@pytest.mark.parametrize("skip", [True, False])
def test_skip_initial_space_applies_to_the_header(tmp_path: Path, skip: bool) -> None:
    """Labels are read without the spaces around them (as frictionless reads them), cells
    without those after a delimiter only under `skipInitialSpace`."""
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "format": "csv",
                              "dialect": {"skipInitialSpace": skip},
                              "schema": {"fields": [
                                  field("a", "integer"), field("b", constraints={"enum": ["x"]}),
                                  field("c", "integer")]}}],
                  {"t.csv": "a,  b, c \n1, x,  3\n"})
    report = checked(pkg)
    if skip:
        assert report.ok and not report.issues, report.format_text()
    else:
        assert [(i.code, i.line, i.field) for i in report.issues] == [("cell-enum", 2, "b")]
    agrees(pkg, report)


@pytest.mark.parametrize("length", [131_072, 200_000, 3_000_000])
def test_long_header_labels_are_read(tmp_path: Path, length: int) -> None:
    label = "é" * length
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "format": "csv", "schema": {
        "fields": [field("id", "integer"), field(label, "integer")]}}],
        {"t.csv": f"id,{label}\n1,2\n3,x\n"})
    report = checked(pkg)
    assert [(i.code, i.line) for i in report.issues] == [("cell-type", 3)]


# ---------------------------------------------------------------- twins and encodings


@pytest.mark.parametrize(("declared", "differs"), [
    ("latin-1", True), ("cp1252", True), ("utf-16", True), ("utf-8", False), ("UTF8", False),
])
def test_twin_comparison_reads_the_csv_in_its_declared_encoding(
    tmp_path: Path, declared: str, differs: bool
) -> None:
    """The CSV's bytes are exactly its Parquet twin written as UTF-8 CSV. Declared in another
    encoding, it holds other text ("Zoë" read as latin-1 is "ZoÃ«"): a twin mismatch, not a
    match byte for byte."""
    table = pa.table({"id": pa.array([1, 2]), "name": pa.array(["Zoë", "Ada"])})
    pkg = tmp_path
    pq.write_table(table, pkg / "t.parquet")
    (pkg / "t.csv").write_bytes(b'"id","name"\n1,"Zo\xc3\xab"\n2,"Ada"\n')
    fields = [field("id", "integer"), field("name")]
    package(pkg, [
        {"name": "t", "path": "t.csv", "format": "csv", "encoding": declared,
         "schema": {"fields": fields}},
        {"name": "t-parquet", "path": "t.parquet", "format": "parquet",
         "schema": {"fields": fields}},
    ])
    report = checked(pkg)
    if declared == "utf-16":  # not UTF-16 at all: the CSV cannot be read
        assert codes(report) == Counter({"table-unreadable": 1}), report.format_text()
    elif differs:
        assert [(i.code, i.file, i.line) for i in report.issues] == [
            ("twin-mismatch", "t.parquet", 2)], report.format_text()
    else:
        assert report.ok and not report.issues, report.format_text()


def test_twins_in_another_encoding_that_agree(tmp_path: Path) -> None:
    """A latin-1 CSV whose text is its Parquet twin's: identical rows, no issue."""
    table = pa.table({"id": pa.array([1, 2]), "name": pa.array(["Zoë", "Ada"])})
    pq.write_table(table, tmp_path / "t.parquet")
    (tmp_path / "t.csv").write_bytes('"id","name"\n1,"Zoë"\n2,"Ada"\n'.encode("latin-1"))
    fields = [field("id", "integer"), field("name")]
    pkg = package(tmp_path, [
        {"name": "t", "path": "t.csv", "format": "csv", "encoding": "latin-1",
         "schema": {"fields": fields}},
        {"name": "t-parquet", "path": "t.parquet", "format": "parquet",
         "schema": {"fields": fields}},
    ])
    report = checked(pkg)
    assert report.ok and not report.issues, report.format_text()


def test_skip_initial_space_before_a_quoted_cell(tmp_path: Path) -> None:
    """Under `skipInitialSpace` a quoted cell may follow ", ": its delimiter stays inside it,
    and the spaces inside the quotes are kept."""
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "format": "csv",
                              "dialect": {"skipInitialSpace": True},
                              "schema": {"fields": [
                                  field("id", "integer"),
                                  field("name", constraints={"enum": ["x, y", " z"]})]}}],
                  {"t.csv": 'id, name\n1, "x, y"\n2, " z"\n3,  " z"\n4, z\n'})
    report = checked(pkg)
    assert [(i.code, i.line) for i in report.issues] == [("cell-enum", 5)]
    agrees(pkg, report)
