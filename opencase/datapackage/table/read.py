"""Reading a table resource for ``opencase check``: CSV as text columns, Parquet as typed
columns, inline data; and the :class:`Emitter` that turns failing rows into located issues.

Rows are numbered as frictionless numbers them: the header is row 1, an empty line is a row,
and a row with too many or too few cells keeps its place (extra cells dropped, missing ones
empty) after a ``row-shape`` issue.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from opencase.codes import Code
from opencase.datapackage.table.cast import STR, _arrow_message, _is_text
from opencase.report import Report

__all__ = ["Emitter", "RawTable", "RowMap", "csv_labels", "decoded", "has_header", "read_csv",
           "read_inline", "read_parquet", "show", "text_encoding"]

MAX_HEADER_CHARS = 64 << 20  # the longest header row read (labels of any length up to this)


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


@dataclass
class Emitter:
    """Adds issues for one resource, at most ``limit`` per check, then one "and K more"."""

    report: Report
    file: str
    limit: int
    rows: RowMap = field(default_factory=RowMap)

    def add(self, code: str, message: str, *, line: int | None = None,
            field: str | None = None) -> None:
        self.report.add(code, message, file=self.file, line=line, field=field)

    def mask(self, code: str, mask: Any, describe: Callable[[int], str],
             field: str | None = None, what: str = "") -> int:
        """Issues for the rows where ``mask`` (boolean, null = false) is true."""
        if mask is None or not pc.any(mask).as_py():
            return 0
        idx = pc.indices_nonzero(pc.fill_null(mask, False))
        return self.indices(code, idx, describe, field, what)

    def indices(self, code: str, idx: Any, describe: Callable[[int], str],
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


def _dialect_options(dialect: dict[str, Any], fmt: str) -> dict[str, Any]:
    quote = dialect.get("quoteChar", '"')
    escape = dialect.get("escapeChar")
    return {
        "delimiter": dialect.get("delimiter", "\t" if fmt == "tsv" else ","),
        "quote_char": quote if quote else False,
        "double_quote": bool(dialect.get("doubleQuote", True)),
        "escape_char": escape if escape else False,
    }


def _open_text(path: Path, encoding: str) -> Any:
    enc = "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding
    opener: Callable[..., Any] = open
    if path.suffix == ".gz":
        import gzip

        opener = gzip.open
    elif path.suffix == ".bz2":
        import bz2

        opener = bz2.open
    return opener(path, "rt", encoding=enc, newline="")


def _read_header(path: Path, encoding: str, opts: dict[str, Any]) -> list[str] | None:
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_HEADER_CHARS)  # a label may be long (the default stops at 128 KiB)
    try:
        with _open_text(path, encoding) as f:
            return next(csv.reader(f, **_reader_options(opts)), None)
    finally:
        csv.field_size_limit(limit)


def csv_labels(path: Path, resource: dict[str, Any], dialect: dict[str, Any],
               fmt: str) -> list[str]:
    """The column names of a CSV file without a Table Schema: its header labels (each once),
    or field1, field2... as wide as its first row without a header; none if it cannot be read
    (reading its rows then reports why)."""
    opts = {**_dialect_options(dialect, fmt),
            "skip_initial_space": dialect.get("skipInitialSpace") is True}
    try:
        row = _read_header(path, resource.get("encoding") or "utf-8", opts) or []
    except (UnicodeError, LookupError, csv.Error, OSError):
        return []
    if not has_header(dialect):
        return [f"field{i}" for i in range(1, len(row) + 1)]
    return list(dict.fromkeys(label.strip() for label in row))


def _plain_copy(path: Path, encoding: str, opts: dict[str, Any]) -> pa.Buffer:
    """The rows of a CSV file whose dialect pyarrow cannot read (a non-ASCII delimiter or
    quote), read by the stdlib reader and written as a plain UTF-8 CSV, row for row."""
    out = io.StringIO()
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_HEADER_CHARS)
    try:
        with _open_text(path, encoding) as f:
            csv.writer(out, lineterminator="\n").writerows(csv.reader(f, **_reader_options(opts)))
    finally:
        csv.field_size_limit(limit)
    return pa.py_buffer(out.getvalue().encode("utf-8"))


def text_encoding(encoding: Any) -> str | None:
    """The codec name of a declared ``encoding`` if Python can decode text with it (not
    ``zlib``, ``rot13`` and the like), else None."""
    if not isinstance(encoding, str) or not encoding:
        return None
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError):
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def has_header(dialect: dict[str, Any]) -> bool:
    """Whether a table has a header row: not under `header: false` nor `headerRows: []`."""
    return dialect.get("header", True) is not False and dialect.get("headerRows") != []


def _bom_encoding(path: Path, encoding: str) -> str:
    """UTF-16 declared with its byte order (utf-16-le) for a file that starts with that
    order's byte-order mark: read as utf-16, which drops the mark, as frictionless does (it
    keeps the mark under utf-32-le); any other encoding as declared."""
    boms = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    name = text_encoding(encoding) or ""
    bom = boms.get(name)
    if bom is None:
        return encoding
    try:
        with open(path, "rb") as f:
            start = f.read(4)
    except OSError:
        return encoding
    return name[:6] if start.startswith(bom) else encoding


def _decode_problem(exc: Exception, encoding: str, path: Path) -> str:
    name = text_encoding(encoding) or encoding
    try:
        with open(path, "rb") as f:
            start = f.read(4)
    except OSError:
        start = b""
    if name in ("utf-16", "utf-32") and not start.startswith(_BOMS):
        return (f"the file does not start with a byte-order mark (BOM), which encoding "
                f"{encoding!r} needs to tell the byte order: declare {name}-le or {name}-be")
    return f"the file cannot be read as {encoding} text: {exc}"


def read_csv(path: Path, resource: dict[str, Any], dialect: dict[str, Any], fmt: str,
             names: list[str], emit: Emitter) -> RawTable | None:
    """Read a CSV resource as text columns; header and row-shape problems become issues."""
    encoding = resource.get("encoding") or "utf-8"
    if text_encoding(encoding) is None:
        emit.add(Code.DESCRIPTOR_INVALID, f"`encoding` {encoding!r} is not a text encoding "
                 "(e.g. utf-8, latin-1, utf-16-le); the rows are not read")
        return None
    encoding = _bom_encoding(path, encoding)
    opts = _dialect_options(dialect, fmt)
    # the stdlib reader (header, rows pyarrow refuses) also skips spaces after a delimiter
    ropts = {**opts, "skip_initial_space": dialect.get("skipInitialSpace") is True}
    header = has_header(dialect)
    unsupported = sorted(k for k in ("commentChar", "commentRows", "nullSequence")
                         if k in dialect)
    if isinstance(dialect.get("headerRows"), list) and dialect["headerRows"] not in ([1], []):
        unsupported.append("headerRows")
    if unsupported:
        misread = [k for k in unsupported if k != "nullSequence"]
        emit.add(Code.DIALECT_UNSUPPORTED, "the CSV dialect uses " + ", ".join(unsupported)
                 + ", which opencase check does not support; "
                 + ("its rows are not checked" if misread else "rows may be misread"))
        if misread:  # comment rows or another header row would be read as rows
            return None
    try:
        labels = _read_header(path, encoding, ropts) if header else None
    except (UnicodeError, LookupError) as exc:
        emit.add(Code.TABLE_UNREADABLE,
                 f"the header cannot be read: {_decode_problem(exc, encoding, path)}")
        return None
    except csv.Error as exc:
        emit.add(Code.TABLE_UNREADABLE, f"the header row is not valid CSV: {exc}")
        return None
    if header:
        if labels is None:
            emit.add(Code.TABLE_UNREADABLE, "the file is empty (no header row)")
            return None
        _compare_labels(labels, names, emit)
        width = len(labels)
        longest = max(map(len, labels), default=0)
    else:
        longest = 0
        width = len(names)
    cols = [f"c{i}" for i in range(width)]
    source: Any = path
    if ropts["skip_initial_space"] or any(
        isinstance(c, str) and not (c.isascii() and c != "\0") for c in opts.values()
    ):
        # pyarrow reads ASCII delimiters and quotes only, and cannot skip the spaces after a
        # delimiter (before a quoted cell): the stdlib reader copies the rows into a plain
        # (comma, double quote, UTF-8) CSV that pyarrow then reads as usual
        try:
            source = _plain_copy(path, encoding, ropts)
        except (UnicodeError, LookupError) as exc:
            emit.add(Code.TABLE_UNREADABLE, _decode_problem(exc, encoding, path))
            return None
        except csv.Error as exc:
            emit.add(Code.TABLE_UNREADABLE, f"the file is not valid CSV: {exc}")
            return None
        encoding, opts = "utf-8", _dialect_options({}, "csv")
        ropts = {**opts, "skip_initial_space": False}

    def read(threads: bool, bad: list[tuple[int | None, str]]) -> pa.Table:
        def on_invalid(row: Any) -> str:
            bad.append((row.number, row.text))
            return "skip"

        if isinstance(source, pa.Buffer):
            return pcsv.read_csv(pa.BufferReader(source), **options(threads, on_invalid))
        return pcsv.read_csv(source, **options(threads, on_invalid))

    def options(threads: bool, on_invalid: Callable[[Any], str]) -> dict[str, Any]:
        return dict(
            read_options=pcsv.ReadOptions(
                # the header record is skipped as parsed (a quoted label may hold a line
                # break), not as one physical line
                use_threads=threads, column_names=cols, skip_rows_after_names=int(header),
                encoding=encoding, block_size=max(4 << 20, 8 * longest)),
            parse_options=pcsv.ParseOptions(
                **opts, newlines_in_values=True, ignore_empty_lines=False,
                invalid_row_handler=on_invalid),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(cols, STR), strings_can_be_null=False,
                quoted_strings_can_be_null=False, null_values=[]),
        )

    bad: list[tuple[int | None, str]] = []
    try:
        table = read(True, bad)
        if bad and any(n is None for n, _ in bad):
            bad = []
            table = read(False, bad)
    except (UnicodeError, LookupError) as exc:
        emit.add(Code.TABLE_UNREADABLE, _decode_problem(exc, encoding, path))
        return None
    except pa.ArrowInvalid as exc:
        emit.add(Code.TABLE_UNREADABLE, f"the file cannot be read as {encoding} CSV: "
                 f"{_arrow_message(exc)}")
        return None
    first = 2 if header else 1
    fixed: list[tuple[int, list[str]]] = []
    for n, text in sorted(bad, key=lambda b: b[0] or 0):
        row = _split_row(text, ropts)
        cells = len(row)
        if cells > width:
            msg = f"the row has {cells} cells but the header has {width}: remove the extra cells"
        else:
            msg = (f"the row has {cells} cell{'s' * (cells != 1)} but the header has {width}: "
                   "add the missing cells (empty ones for missing values)")
        emit.add(Code.ROW_SHAPE, msg, line=n)
        if n is not None:
            fixed.append((n, row))
    if fixed and len(fixed) == len(bad):
        table = _reinsert(table, fixed, first, width)
    columns: list[pa.ChunkedArray | None] = [
        table.column(i) if i < width else None for i in range(len(names))
    ]
    skipped = [] if len(fixed) == len(bad) else sorted(n for n, _ in bad if n is not None)
    return RawTable(columns, table.num_rows, RowMap(first, skipped), [False] * len(names))


def _reinsert(table: pa.Table, fixed: list[tuple[int, list[str]]], first: int,
              width: int) -> pa.Table:
    """Put the rows pyarrow skipped for having too many or too few cells back in their place,
    as frictionless reads them: extra cells dropped, missing ones null."""
    pieces, cursor = [], 0
    for k, (n, cells) in enumerate(fixed):
        at = n - first - k  # rows of ``table`` before this one
        pieces.append(table.slice(cursor, at - cursor))
        row = (cells + [None] * width)[:width]
        pieces.append(pa.table([pa.array([c], STR) for c in row], names=table.column_names))
        cursor = at
    pieces.append(table.slice(cursor))
    return pa.concat_tables(pieces)


def _reader_options(opts: dict[str, Any]) -> dict[str, Any]:
    """The stdlib ``csv.reader`` options for a resource's dialect."""
    kwargs: dict[str, Any] = {"delimiter": opts["delimiter"], "doublequote": opts["double_quote"],
                              "skipinitialspace": opts.get("skip_initial_space", False)}
    if opts["quote_char"]:
        kwargs["quotechar"] = opts["quote_char"]
    else:
        kwargs["quoting"] = csv.QUOTE_NONE
    if opts["escape_char"]:
        kwargs["escapechar"] = opts["escape_char"]
    return kwargs


def _split_row(text: str, opts: dict[str, Any]) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text), **_reader_options(opts)), [])
    except csv.Error:
        return text.split(opts["delimiter"])




def _compare_labels(labels: list[str], names: list[str], emit: Emitter) -> None:
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
                 f"the file cannot be read as Parquet: {_arrow_message(exc)}")
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
    native = [c is not None and not _is_text(c.type) for c in columns]
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
            labels = ["" if x is None else _text(x) for x in data[0]]
            _compare_labels(labels, names, emit)
            width, body = len(labels), data[1:]
        else:
            body = data
        rows = []
        for n, r in enumerate(body, first):
            if len(r) != width:
                cells = len(r)
                emit.add(Code.ROW_SHAPE, f"the row has {cells} cell{'s' * (cells != 1)} but the "
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
