"""``opencase check`` on reading inputs that once gave a false "valid" (issue 10, section 3,
after an independent review): a CSV byte for byte its Parquet twin but with text rules, a
line break inside a header label, a CSV without a schema, a resource split over several files,
``headerRows: []``, UTF-16 with a byte-order mark, comment rows.

Every run goes through the real command, and frictionless gives the same verdict.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from .test_check_inputs import agrees, checked, codes, field, package

# ---------------------------------------------------------------- twins with text rules

TEXT_RULES = [  # (column, field properties): the CSV pyarrow writes breaks the text rule
    (pa.array([True, False]), {"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}),
    (pa.array([1, None]), {"type": "integer", "missingValues": ["NA"]}),
    (pa.array([pa.scalar(0, pa.date32()).as_py()]), {"type": "date", "format": "%d/%m/%Y"}),
    (pa.array([5, 20]), {"type": "year"}),
]


@pytest.mark.parametrize(("column", "props"), TEXT_RULES,
                         ids=["trueValues", "missingValues", "format", "year"])
def test_a_twin_csv_is_checked_by_its_own_text_rules(tmp_path: Path, column: pa.Array,
                                                     props: dict[str, Any]) -> None:
    """The CSV is exactly what pyarrow writes from its Parquet twin; its text rules (true
    words, missing values, date format, 4-digit years) still apply to the CSV's text."""
    table = pa.table({"a": column})
    buf = io.BytesIO()
    pcsv.write_csv(table, buf, pcsv.WriteOptions(eol="\n"))
    pq.write_table(table, tmp_path / "t.parquet")
    schema = {"fields": [{"name": "a", **props}]}
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "schema": schema},
                             {"name": "t-parquet", "path": "t.parquet", "schema": schema}],
                  {"t.csv": buf.getvalue()})
    report = checked(pkg)
    assert "cell-type" in codes(report), report.format_text()
    agrees(pkg, report)


# ---------------------------------------------------------------- header rows


@pytest.mark.parametrize(("text", "valid"), [
    ('"x\n,",b\nzzz,q\ny"\n', False),  # the rest of the header is not a row
    ('"x\n,",b\n1,q\n"2\n",r\n', True),
])
def test_a_line_break_inside_a_header_label(tmp_path: Path, text: str, valid: bool) -> None:
    """A quoted header label may hold a line break: the rows start after the whole header
    record, not after its first physical line."""
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "schema": {"fields": [
        field("x\n,", "integer"), field("b")]}}], {"t.csv": text})
    report = checked(pkg)
    assert report.ok == valid, report.format_text()
    agrees(pkg, report)


@pytest.mark.parametrize("dialect", [{"headerRows": []}, {"header": False}])
@pytest.mark.parametrize("inline", [False, True])
def test_header_rows_empty_means_no_header(tmp_path: Path, dialect: dict[str, Any],
                                           inline: bool) -> None:
    """`headerRows: []` reads the first row as data, as `header: false` does: "a,b" is then
    a row whose "b" is not an integer."""
    fields = [field("a"), field("b", "integer")]
    where: dict[str, Any] = {"data": [["a", "b"], ["x", 1]]} if inline else {"path": "t.csv"}
    pkg = package(tmp_path, [{"name": "t", **where, "dialect": dialect,
                              "schema": {"fields": fields}}], {"t.csv": "a,b\nx,1\n"})
    report = checked(pkg)
    assert [(i.code, i.line) for i in report.issues] == [("cell-type", 1)], report.format_text()
    agrees(pkg, report)


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("declared", ["utf-16-le", "utf-16-be", "utf-32-le", "UTF-16LE"])
@pytest.mark.parametrize("bom", [True, False])
def test_a_byte_order_mark_under_a_declared_byte_order(tmp_path: Path, declared: str,
                                                       bom: bool) -> None:
    """UTF-16 declared with its byte order and a file starting with that order's byte-order
    mark: the mark is not part of the first label."""
    codec = declared.lower().replace("utf-16le", "utf-16-le")
    text = "id,name\n1,Zoë\n".encode(codec)
    if bom:
        text = "\ufeff".encode(codec) + text
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "encoding": declared,
                              "schema": {"fields": [field("id", "integer"), field("name")]}}],
                  {"t.csv": text})
    report = checked(pkg)
    # (frictionless keeps the mark under utf-32-le: a header mismatch)
    assert report.ok == (not bom or "32" not in declared), report.format_text()
    agrees(pkg, report)


# ---------------------------------------------------------------- no schema


@pytest.mark.parametrize(("text", "dialect", "valid"), [
    ("a,b\n1,2\n", {}, True),
    ("a,a\n1,2,3\n,,\n", {}, False),  # a label twice, an extra cell, a blank row
    ("a,b\n1,2\n\n", {}, False),
    ("a,\n1,2\n", {}, False),  # a blank label
    ("a;b\n1;2;3\n", {"delimiter": ";"}, False),
    ("1,2\n3,4\n", {"header": False}, True),
    ("1,2\n3\n", {"header": False}, False),
])
def test_a_csv_without_a_schema_has_its_rows_read(tmp_path: Path, text: str,
                                                  dialect: dict[str, Any], valid: bool) -> None:
    """Without a Table Schema the header's labels are the fields: the rows' shape is checked."""
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "dialect": dialect}], {"t.csv": text})
    report = checked(pkg)
    assert report.ok == valid, report.format_text()
    agrees(pkg, report)


# ---------------------------------------------------------------- several files, other formats


@pytest.mark.parametrize(("parts", "schema", "valid"), [
    (["a\n1\n", "2\n3\n"], True, True),
    (["a\n1\n", "a\nx\n"], True, False),  # the header only in the first part: "a" is a row
    (["a\n1\n", "2\n"], False, True),
    (["a\n1\n", "2,3\n"], False, False),
    (["a\n1", "2\n"], True, True),  # the parts joined byte for byte: "12"
])
def test_a_csv_split_over_several_files(tmp_path: Path, parts: list[str], schema: bool,
                                        valid: bool) -> None:
    names = [f"t{i}.csv" for i in range(len(parts))]
    res: dict[str, Any] = {"name": "t", "path": names}
    if schema:
        res["schema"] = {"fields": [field("a", "integer")]}
    pkg = package(tmp_path, [res], dict(zip(names, parts, strict=True)))
    report = checked(pkg)
    assert report.ok == valid, report.format_text()
    if schema or valid:  # (frictionless reads no rows of a split CSV without a schema)
        agrees(pkg, report)


def test_a_foreign_key_into_a_split_csv(tmp_path: Path) -> None:
    pkg = package(tmp_path, [
        {"name": "p", "path": ["p1.csv", "p2.csv"], "schema": {"fields": [field("id")]}},
        {"name": "c", "path": "c.csv", "schema": {"fields": [field("ref")], "foreignKeys": [
            {"fields": "ref", "reference": {"resource": "p", "fields": "id"}}]}},
    ], {"p1.csv": "id\nx\n", "p2.csv": "y\n", "c.csv": "ref\ny\nz\n"})
    report = checked(pkg)
    assert [(i.code, i.line) for i in report.issues] == [("foreign-key", 3)], report.format_text()
    agrees(pkg, report)


@pytest.mark.parametrize(("files", "fmt"), [
    ({"t.json": '[{"a": 1}]'}, "json"),
    ({"t1.parquet": b"", "t2.parquet": b""}, "parquet"),
    ({"t1.csv.gz": b"", "t2.csv.gz": b""}, "csv"),
])
def test_declared_rows_that_cannot_be_read_are_an_error(tmp_path: Path,
                                                        files: dict[str, bytes | str],
                                                        fmt: str) -> None:
    """A Table Schema whose rows opencase cannot read is never "valid"."""
    if fmt == "parquet":
        for name in files:
            pq.write_table(pa.table({"a": [1]}), tmp_path / name)
        files = {}
    paths = [*files] or ["t1.parquet", "t2.parquet"]
    pkg = package(tmp_path, [{"name": "t", "path": paths[0] if len(paths) == 1 else paths,
                              "format": fmt,
                              "schema": {"fields": [field("a", "integer")]}}], files)
    report = checked(pkg)
    assert codes(report) == {"format-unsupported": 1}, report.format_text()
    assert not report.ok


@pytest.mark.parametrize("dialect", [{"commentChar": "#"}, {"commentRows": [2]},
                                     {"headerRows": [2]}, {"headerRows": [1, 2]}])
def test_comment_and_header_rows_opencase_cannot_read_are_an_error(
        tmp_path: Path, dialect: dict[str, Any]) -> None:
    """Rows that would be misread (a comment row, a second header row) are never "valid"."""
    pkg = package(tmp_path, [{"name": "t", "path": "t.csv", "dialect": dialect,
                              "schema": {"fields": [field("a", "integer")]}}],
                  {"t.csv": "a\n# x\n1\n"})
    report = checked(pkg)
    assert codes(report) == {"dialect-unsupported": 1}, report.format_text()
    assert not report.ok
