"""Reading a CSV (or TSV) resource for ``opencase check`` and ``opencase.load``: its dialect,
its encoding (with or without a byte-order mark), its header, and its rows as text columns,
numbered as :mod:`opencase.datapackage.table.read` describes.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from opencase.codes import Code
from opencase.datapackage.table.arrow import STR, arrow_message
from opencase.datapackage.table.read import Emitter, RawTable, RowMap, compare_labels

__all__ = ["csv_labels", "dialect_options", "has_header", "read_csv", "read_header",
           "text_encoding"]

MAX_HEADER_CHARS = 64 << 20  # the longest header row read (labels of any length up to this)


def dialect_options(dialect: dict[str, Any], fmt: str) -> dict[str, Any]:
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


def read_header(path: Path, encoding: str, opts: dict[str, Any]) -> list[str] | None:
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
    opts = {**dialect_options(dialect, fmt),
            "skip_initial_space": dialect.get("skipInitialSpace") is True}
    try:
        row = read_header(path, resource.get("encoding") or "utf-8", opts) or []
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
    opts = dialect_options(dialect, fmt)
    # the stdlib reader (header, rows pyarrow refuses) also skips spaces after a delimiter
    ropts = {**opts, "skip_initial_space": dialect.get("skipInitialSpace") is True}
    header = has_header(dialect)
    unsupported: list[str] = sorted(k for k in ("commentChar", "commentRows", "nullSequence")
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
        labels = read_header(path, encoding, ropts) if header else None
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
        compare_labels(labels, names, emit)
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
        encoding, opts = "utf-8", dialect_options({}, "csv")
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
                 f"{arrow_message(exc)}")
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
