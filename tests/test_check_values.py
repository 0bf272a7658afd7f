"""``opencase check`` on values and keys that once gave a false "valid", an internal error or
a hang (issue 10, section 3, after an independent review): Parquet uuid and float16 columns in
enums and keys, patterns only Python's ``re`` takes, numbers beyond float64's precision, enum
values of another JSON type, foreign keys between fields of different types, separators inside
composite keys, and inline data cells of every JSON type.

Each case runs the real command (exit 0 or 1, never an internal error) and, where frictionless
gives a verdict, opencase gives the same one."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from .test_check_inputs import agrees, checked, field, package


def parquet(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


UUIDS = pa.array([uuid.UUID(int=1).bytes, uuid.UUID(int=1).bytes], pa.uuid())
HALF = pa.array([1.0, 1.0], pa.float16())


@pytest.mark.parametrize("column", [UUIDS, HALF], ids=["uuid", "float16"])
@pytest.mark.parametrize("schema", [
    {"fields": [field("a", "any", constraints={"enum": [1]})]},
    {"fields": [field("a", "any", constraints={"unique": True})]},
    {"fields": [field("a", "any")], "primaryKey": ["a"]},
    {"fields": [field("a", "any"), field("b", "any")], "primaryKey": ["a", "b"]},
    {"fields": [field("a", "any"), field("b", "any")],
     "foreignKeys": [{"fields": ["b"], "reference": {"resource": "", "fields": ["a"]}}]},
], ids=["enum", "unique", "pk", "composite-pk", "self-fk"])
def test_parquet_uuid_and_float16_columns_in_enums_and_keys(
        tmp_path: Path, column: pa.Array, schema: dict[str, Any]) -> None:
    names = [f["name"] for f in schema["fields"]]
    folder = package(tmp_path, [{"name": "t", "path": "t.parquet", "format": "parquet",
                                 "schema": schema}],
                     {"t.parquet": parquet(pa.table({n: column for n in names}))})
    report = checked(folder)
    agrees(folder, report)
    if "unique" in str(schema) or "primaryKey" in schema:
        assert not report.ok  # two equal values


@pytest.mark.parametrize(("pattern", "text", "valid"), [
    ("(?=a)a+", "aaa", True),  # RE2 refuses look-ahead: Python's re decides
    ("(?=a)a+", "aab", False),
    (r"(\w)\1", "xx", True),  # a back-reference
    (r"(\w)\1", "xy", False),
])
def test_patterns_only_python_takes(tmp_path: Path, pattern: str, text: str,
                                    valid: bool) -> None:
    folder = package(tmp_path, [{"name": "t", "path": "t.csv", "schema": {
        "fields": [field("a", constraints={"pattern": pattern})]}}], {"t.csv": f"a\n{text}\n"})
    report = checked(folder)
    assert report.ok is valid, report.format_text()
    agrees(folder, report)


def test_a_backtracking_pattern_is_refused_not_a_hang(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from opencase.datapackage.table import checker

    monkeypatch.setattr(checker, "_PATTERN_SECONDS", 1)  # (the time limit itself: 10 s)
    folder = package(tmp_path, [{"name": "t", "path": "t.csv", "schema": {
        "fields": [field("a", constraints={"pattern": "(?=a)(a+)+b"})]}}],
        {"t.csv": "a\n" + "a" * 40 + "\nab\n"})
    report = checked(folder)  # (frictionless itself never ends here)
    assert [i.code for i in report.issues] == ["schema-invalid"]


TWO = [field("a"), field("b")]


@pytest.mark.parametrize(("child", "parent"), [
    ('x,"y\x1fz"\n', '"x\x1fy",z\n'),  # the old separator inside a value
    ('"",x\n', '"\x00",x\n'),  # the old spelling of a missing part
    ("a,bc\n", "ab,c\n"),
])
def test_composite_foreign_keys_never_collide(tmp_path: Path, child: str, parent: str) -> None:
    fk = [{"fields": ["a", "b"], "reference": {"resource": "p", "fields": ["a", "b"]}}]
    folder = package(tmp_path, [
        {"name": "t", "path": "t.csv", "schema": {"fields": TWO, "foreignKeys": fk}},
        {"name": "p", "path": "p.csv", "schema": {"fields": TWO}}],
        {"t.csv": "a,b\n" + child, "p.csv": "a,b\n" + parent})
    report = checked(folder)
    assert not report.ok
    agrees(folder, report)


@pytest.mark.parametrize("rows", ['x,"y\x1fz"\n"x\x1fy",z\n', '"",x\n"\x00",x\n'])
def test_composite_primary_keys_never_collide(tmp_path: Path, rows: str) -> None:
    folder = package(tmp_path, [{"name": "t", "path": "t.csv", "schema": {
        "fields": TWO, "primaryKey": ["a", "b"]}}], {"t.csv": "a,b\n" + rows})
    report = checked(folder)
    assert report.ok, report.format_text()
    agrees(folder, report)


@pytest.mark.parametrize(("constraints", "text", "valid"), [
    ({"maximum": 0.3}, "0.30000000000000001", False),
    ({"maximum": 0.3}, "0.3", True),
    ({"minimum": 0.3}, "0.29999999999999999", False),
    ({"exclusiveMaximum": 0.3}, "0.29999999999999999", True),
    ({"exclusiveMinimum": 0.3}, "0.30000000000000001", True),
    ({"maximum": 2**53}, "9007199254740992.5", False),
    ({"minimum": 2**53 + 1}, "9007199254740992", False),
    ({"maximum": 10**400}, "Infinity", False),
    ({"maximum": 10**400}, "1e401", False),
    ({"maximum": 10**400}, "1e300", True),
    ({"minimum": 10**400}, "Infinity", True),
    ({"minimum": -(10**400)}, "-Infinity", False),
    ({"enum": [0.3]}, "0.30000000000000001", False),
    ({"enum": [0.3]}, "0.3", True),
    ({"enum": [1]}, "1.0", True),
    ({"enum": ["0.3"]}, "0.3", True),
])
def test_numbers_are_compared_exactly(tmp_path: Path, constraints: dict[str, Any], text: str,
                                      valid: bool) -> None:
    folder = package(tmp_path, [{"name": "t", "path": "t.csv", "schema": {
        "fields": [field("a", "number", constraints=constraints)]}}], {"t.csv": f"a\n{text}\n"})
    report = checked(folder)
    assert report.ok is valid, report.format_text()
    agrees(folder, report)


@pytest.mark.parametrize("schema", [
    {"fields": [field("a", "number")], "primaryKey": ["a"]},
    {"fields": [field("a", "number", constraints={"unique": True})]},
])
def test_negative_zero_equals_zero_in_keys(tmp_path: Path, schema: dict[str, Any]) -> None:
    folder = package(tmp_path, [{"name": "t", "path": "t.csv", "schema": schema}],
                     {"t.csv": "a\n0\n-0\n"})
    report = checked(folder)
    assert not report.ok
    agrees(folder, report)


def test_parquet_floats_are_compared_exactly(tmp_path: Path) -> None:
    schema = {"fields": [field("a", "number", constraints={"minimum": 2**53 + 1})]}
    folder = package(tmp_path, [{"name": "t", "path": "t.parquet", "format": "parquet",
                                 "schema": schema}],
                     {"t.parquet": parquet(pa.table({"a": pa.array([2.0**53])}))})
    report = checked(folder)
    assert not report.ok
    agrees(folder, report)


@pytest.mark.parametrize(("type_", "enum", "text", "valid"), [
    ("string", [1], "1", False),
    ("string", [True], "true", False),
    ("string", [1.5], "1.5", False),
    ("string", ["1"], "1", True),
    ("boolean", [1], "true", False),
    ("boolean", [True], "true", True),
    ("boolean", ["true"], "1", True),
    ("year", [2020.0], "2020", False),
    ("year", [2020], "2020", True),
    ("integer", [2.0], "2", True),
    ("integer", [2.5], "2", False),
    ("number", [True], "1", False),
    ("any", [1], "1", False),
    ("any", ["1"], "1", True),
    ("date", [20200101], "20200101", False),
])
def test_enum_values_are_read_with_the_fields_type(tmp_path: Path, type_: str, enum: list[Any],
                                                    text: str, valid: bool) -> None:
    folder = package(tmp_path, [{"name": "t", "path": "t.csv", "schema": {
        "fields": [field("a", type_, constraints={"enum": enum})]}}], {"t.csv": f"a\n{text}\n"})
    report = checked(folder)
    assert report.ok is valid, report.format_text()
    agrees(folder, report)


@pytest.mark.parametrize(("child", "parent", "valid"), [
    (("string", "1"), ("integer", "1"), False),
    (("integer", "1"), ("string", "1"), False),
    (("integer", "1"), ("number", "1.0"), True),
    (("number", "1.0"), ("integer", "1"), True),
    (("date", "2020-01-01"), ("datetime", "2020-01-01T00:00:00Z"), False),
    (("boolean", "true"), ("string", "true"), False),
])
def test_foreign_keys_between_fields_of_different_types(
        tmp_path: Path, child: tuple[str, str], parent: tuple[str, str], valid: bool) -> None:
    for n, extra in ((1, []), (2, [field("k")])):
        fields = [f["name"] for f in extra] + ["ref"]
        fk = [{"fields": fields, "reference": {"resource": "p",
                                               "fields": [f if f == "k" else "id"
                                                          for f in fields]}}]
        folder = package(tmp_path / str(n), [
            {"name": "t", "path": "t.csv", "schema": {
                "fields": [*extra, field("ref", child[0])], "foreignKeys": fk}},
            {"name": "p", "path": "p.csv", "schema": {
                "fields": [*extra, field("id", parent[0])]}}],
            {"t.csv": ("k," if extra else "") + f"ref\n{'x,' if extra else ''}{child[1]}\n",
             "p.csv": ("k," if extra else "") + f"id\n{'x,' if extra else ''}{parent[1]}\n"})
        report = checked(folder)
        assert report.ok is valid, report.format_text()
        agrees(folder, report)


@pytest.mark.parametrize(("rows", "valid"), [
    ("0.1\n0.10000000000000001\n", True),
    ("nan\nnan\n", True),
    ("0.1\n0.1000\n", False),
    ("1\n1.0\n", False),
])
@pytest.mark.parametrize("how", ["pk", "unique"])
def test_number_keys_are_compared_exactly(tmp_path: Path, rows: str, valid: bool,
                                          how: str) -> None:
    schema: dict[str, Any] = ({"fields": [field("a", "number")], "primaryKey": ["a"]}
                              if how == "pk" else
                              {"fields": [field("a", "number", constraints={"unique": True})]})
    folder = package(tmp_path, [{"name": "t", "path": "t.csv", "schema": schema}],
                     {"t.csv": "a\n" + rows})
    report = checked(folder)
    assert report.ok is valid, report.format_text()
    agrees(folder, report)


@pytest.mark.parametrize(("props", "cells", "valid"), [
    ({"type": "string"}, [5], False),
    ({"type": "string"}, [True], False),
    ({"type": "string"}, [[1]], False),
    ({"type": "string"}, ["x"], True),
    ({"type": "string", "constraints": {"enum": [1]}}, ["1"], False),
    ({"type": "integer"}, [1.0], True),
    ({"type": "integer"}, [1.5], False),
    ({"type": "integer"}, [True], False),
    ({"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}, [True], True),
    ({"type": "boolean"}, [1], False),
    ({"type": "year"}, [12], True),
    ({"type": "year"}, [2020.0], False),
    ({"type": "number"}, [1, 2.5], True),
    ({"type": "date"}, [20200101], False),
    ({"type": "object"}, [{"a": 1}], True),
    ({"type": "object"}, [[1]], False),
])
def test_inline_cells_are_read_from_their_json_type(tmp_path: Path, props: dict[str, Any],
                                                    cells: list[Any], valid: bool) -> None:
    folder = package(tmp_path, [{"name": "t", "data": [["a"], *([c] for c in cells)],
                                 "schema": {"fields": [{"name": "a", **props}]}}])
    report = checked(folder)
    assert report.ok is valid, report.format_text()
    agrees(folder, report)
