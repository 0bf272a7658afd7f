"""Reading a table resource for ``opencase check``: Parquet as typed columns, inline data as
text cells (CSV: :mod:`opencase.datapackage.table.read_csv`); the header against the schema;
and the :class:`Emitter` that turns failing rows into located issues.

Rows are numbered as frictionless numbers them: the header is row 1, an empty line is a row,
and a row with too many or too few cells keeps its place (extra cells dropped, missing ones
empty) after a ``row-shape`` issue.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from opencase.codes import Code
from opencase.datapackage.table.arrow import STR, arrow_message, is_text
from opencase.report import Report

__all__ = ["Emitter", "RawTable", "RowMap", "compare_labels", "decoded", "read_inline",
           "read_parquet", "show"]

def show(value: Any, limit: int = 60) -> str:
    """A value as it appears in messages: JSON-quoted and shortened."""
    if value is None:
        return "(empty)"
    if not isinstance(value, str):
        value = str(value)
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------- issues, capped per check


@dataclass
class RowMap:
    """Table index -> row number as frictionless counts it (header = row 1)."""

    first: int = 2
    skipped: list[int] = field(default_factory=list)  # sorted row numbers not in the table

    def __call__(self, i: int) -> int:
        r = int(i) + self.first
        for s in self.skipped:
            if s <= r:
                r += 1
            else:
                break
        return r


# what a failing row says, given its table index; the checks bind their loop values as the
# lambda's defaults (lambda i, f=f: ...), which a Callable[[int], str] would not admit to mypy
Describe = Callable[..., str]


@dataclass
class Emitter:
    """Adds issues for one resource, at most ``limit`` per check, then one "and K more"."""

    report: Report
    file: str
    limit: int
    rows: RowMap = field(default_factory=RowMap)

    def add(self, code: Code, message: str, *, line: int | None = None,
            field: str | None = None) -> None:
        self.report.add(code, message, file=self.file, line=line, field=field)

    def mask(self, code: Code, mask: Any, describe: Describe,
             field: str | None = None, what: str = "") -> int:
        """Issues for the rows where ``mask`` (boolean, null = false) is true."""
        if mask is None or not pc.any(mask).as_py():
            return 0
        idx = pc.indices_nonzero(pc.fill_null(mask, False))
        return self.indices(code, idx, describe, field, what)

    def indices(self, code: Code, idx: Any, describe: Describe,
                field: str | None = None, what: str = "") -> int:
        """Issues for the rows at the (sorted) table indices ``idx``."""
        n = len(idx)
        shown = idx[: self.limit + 1]
        shown = shown.to_pylist() if hasattr(shown, "to_pylist") else list(shown)
        for i in shown[: self.limit]:
            self.add(code, describe(int(i)), line=self.rows(int(i)), field=field)
        if n > self.limit:
            nxt = self.rows(int(shown[self.limit]))
            where = f" in field {field!r}" if field else ""
            self.add(code, f"{n - self.limit:,} more rows from row {nxt} on{where} fail the "
                     f"same check{what} (only the first {self.limit} are listed)",
                     line=nxt, field=field)
        return n


# ---------------------------------------------------------------- reading


@dataclass
class RawTable:
    """One resource's columns, in schema order (None = the column is absent)."""

    columns: list[pa.ChunkedArray | None]
    num_rows: int
    rows: RowMap
    native: list[bool]  # True where a column is typed (Parquet) rather than text
    invalid: list[Any] | None = None  # per column, inline cells whose JSON type is wrong


def compare_labels(labels: list[str], names: list[str], emit: Emitter) -> None:
    """Header labels against the schema's field names, by position. A label is read without
    the white space around it, as frictionless reads it."""
    labels = [label.strip() for label in labels]
    seen: set[str] = set()
    for i, label in enumerate(labels):
        expected = names[i] if i < len(names) else None
        if expected is None:
            emit.add(Code.HEADER_MISMATCH, f"column {i + 1} ({show(label)}) is not in the schema: "
                     "remove it or add a field for it", line=1)
        elif label == "":
            emit.add(Code.HEADER_MISMATCH, f"column {i + 1} has a blank label; the schema names "
                     f"it {expected!r}", line=1, field=expected)
        elif label != expected:
            emit.add(Code.HEADER_MISMATCH, f"column {i + 1} is labelled {show(label)} but the "
                     f"schema's field {i + 1} is {expected!r}", line=1, field=expected)
        if label in seen and label:
            emit.add(Code.HEADER_MISMATCH, f"the label {show(label)} appears twice", line=1)
        seen.add(label)
    for j in range(len(labels), len(names)):
        emit.add(Code.HEADER_MISMATCH, f"the schema's field {names[j]!r} has no column in the "
                 "file", line=1, field=names[j])


def read_parquet(path: Path, names: list[str], emit: Emitter,
                 only: Iterable[str] | None = None) -> RawTable | None:
    """Read a Parquet resource's columns by name (``only``: just these fields).

    Dictionary-encoded columns (pandas' ``category``) are decoded to their values. A column
    name the file holds twice is reported, and its first column is read."""
    try:
        pf = pq.ParquetFile(path)
        have = pf.schema_arrow.names
        first = {n: i for i, n in reversed(list(enumerate(have)))}
        wanted = set(only) if only is not None else None
        cols = [n for n in names if n in first and (wanted is None or n in wanted)]
        # row group by row group: the decoding buffers of one group at a time, not the file's
        if len(first) == len(have):
            groups = [pf.read_row_group(i, columns=cols, use_threads=True)
                      for i in range(pf.num_row_groups)]
        else:  # a name given twice cannot be read by name
            idx = [first[n] for n in cols]
            groups = [pf.read_row_group(i, use_threads=True).select(idx)
                      for i in range(pf.num_row_groups)]
        table = pa.concat_tables(groups) if groups else pf.schema_arrow.empty_table().select(
            [first[n] for n in cols])
    except (pa.ArrowException, OSError, KeyError) as exc:
        emit.add(Code.TABLE_UNREADABLE,
                 f"the file cannot be read as Parquet: {arrow_message(exc)}")
        return None
    if only is None:
        for n in names:
            if n not in first:
                emit.add(Code.HEADER_MISMATCH, f"the schema's field {n!r} has no column in the "
                         "file", field=n)
        for n in first:
            if n not in names:
                emit.add(Code.HEADER_MISMATCH, f"column {n!r} is not in the schema: remove it or "
                         "add a field for it")
        for n in sorted({n for n in have if have.count(n) > 1}, key=first.__getitem__):
            emit.add(Code.HEADER_MISMATCH, f"the file has {have.count(n)} columns named {n!r}; "
                     "only the first is checked", field=n if n in names else None)
    by_name = dict(zip(cols, table.columns, strict=True))
    columns = [decoded(by_name[n]) if n in by_name else None for n in names]
    native = [c is not None and not is_text(c.type) for c in columns]
    return RawTable(columns, table.num_rows, RowMap(2, []), native)


def decoded(col: Any) -> Any:
    """A column with its dictionary encoding (if any) undone: the values, column-wise."""
    if not pa.types.is_dictionary(col.type):
        return col
    return pc.cast(col, col.type.value_type)


def read_inline(data: Any, names: list[str], emit: Emitter,
                header: bool = True, fields: list[Any] | None = None) -> RawTable | None:
    """Inline ``data``: a list of arrays (the first is the header, unless ``header`` is False)
    or a list of objects, read as text cells the way a CSV file is (a JSON null is an empty
    cell; a row with more or fewer cells than the header is a ``row-shape`` issue)."""
    if not isinstance(data, list) or not data:
        emit.add(Code.DESCRIPTOR_INVALID, "inline `data` must be a non-empty array of rows")
        return None
    rows: list[list[Any]]
    first = 2 if header else 1
    width = len(names)
    if data and all(isinstance(r, dict) for r in data):
        rows = [[r.get(n) for n in names] for r in data]
        first = 2
    elif all(isinstance(r, list) for r in data):
        if header:
            if not data or not data[0]:
                emit.add(Code.TABLE_UNREADABLE, "inline `data` has no header row")
                return None
            labels = ["" if x is None else _text(x) or "" for x in data[0]]
            compare_labels(labels, names, emit)
            width, body = len(labels), data[1:]
        else:
            body = data
        rows = []
        for n, r in enumerate(body, first):
            if len(r) != width:
                count = len(r)
                emit.add(Code.ROW_SHAPE, f"the row has {count} cell{'s' * (count != 1)} but the "
                         f"header has {width}", line=n)
            rows.append((list(r[:width]) + [None] * len(names))[: len(names)])
    else:
        emit.add(Code.DESCRIPTOR_INVALID, "inline `data` rows must all be arrays or all objects")
        return None
    if fields is not None:  # each JSON cell as its field's type reads it (see inline_cells)
        from opencase.datapackage.table.inline import inline_cells

        cells = [inline_cells(f, [r[i] for r in rows]) if i < width else None
                 for i, f in enumerate(fields)]
        columns: list[pa.ChunkedArray | None] = [
            None if c is None else pa.chunked_array([c[0]]) for c in cells]
        return RawTable(columns, len(rows), RowMap(first, []), [False] * len(names),
                        [None if c is None else c[1] for c in cells])
    columns = [
        pa.chunked_array([pa.array([_text(r[i]) for r in rows], STR)])
        if i < width else None for i in range(len(names))
    ]
    return RawTable(columns, len(rows), RowMap(first, []), [False] * len(names))


def _text(v: Any) -> str | None:
    """An inline JSON cell as the text a CSV file would hold (None: empty)."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)
