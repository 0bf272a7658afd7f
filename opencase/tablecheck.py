"""Column-wise Table Schema checks with pyarrow, for :mod:`opencase.checking`.

A CSV resource is read with every column as text (``pyarrow.csv``, multi-threaded), then each
field is checked as a whole column: missing values, type casts, constraints (required, unique,
pattern, enum, minimum/maximum, minLength/maxLength), primary and unique keys (hash group
counts) and foreign keys (``is_in`` against the referenced values). Python touches single
values only to write the messages for the first failing rows of each check, and for the rare
types and formats that have no vectorised form (``object``, ``array``, ``geopoint``, custom date
formats, ...), which are checked once per *distinct* value.

The semantics follow frictionless 5 (the reference implementation) so that both find the same
cells: rows are numbered as frictionless numbers them (the header is row 1, so the first data
row is row 2, and an empty line counts as a row); a value that fails its type is not checked
against constraints; a missing value is checked only by ``required``; a row whose cells are all
missing is a blank row (and only that); ``unique`` and primary-key duplicates are reported on
every occurrence after the first. Known, deliberate differences: a ``pattern`` must match the
whole value (frictionless wraps it as ``^pattern$`` without a group, which changes the meaning
of a top-level ``|``); integers beyond 38 digits, underscores in numbers and non-ASCII digits
are refused; naive and zone-aware datetimes compare as if naive ones were UTC; the time zone of
a ``time`` is ignored when comparing.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from .report import Report

__all__ = [
    "Checked", "Emitter", "RawTable", "TableChecker", "column_values", "read_csv",
    "read_inline", "read_parquet", "typed_column",
]

DEFAULT_TRUE = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]
KNOWN_TYPES = {
    "string", "number", "integer", "boolean", "object", "array", "list", "date", "time",
    "datetime", "year", "yearmonth", "duration", "geopoint", "geojson", "any",
}
SUPPORTED = {
    "any": {"required", "enum"},
    "array": {"required", "minLength", "maxLength", "enum"},
    "boolean": {"required", "enum"},
    "duration": {"required", "enum"},
    "geojson": {"required", "enum"},
    "geopoint": {"required", "enum"},
    "list": {"required", "minLength", "maxLength"},
    "object": {"required", "minLength", "maxLength", "enum"},
    "string": {"required", "minLength", "maxLength", "pattern", "enum"},
}
_ORDERED = {"required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"}
for _t in ("integer", "number", "date", "datetime", "time", "year", "yearmonth"):
    SUPPORTED[_t] = _ORDERED

STR = pa.string()
_NULL_STR = pa.scalar(None, STR)
_SEP = "\x1f"
_NONE = "\x00"


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


def _dialect_options(dialect: dict[str, Any], fmt: str) -> dict[str, Any]:
    quote = dialect.get("quoteChar", '"')
    escape = dialect.get("escapeChar")
    return {
        "delimiter": dialect.get("delimiter", "\t" if fmt == "tsv" else ","),
        "quote_char": quote if quote else False,
        "double_quote": bool(dialect.get("doubleQuote", True)),
        "escape_char": escape if escape else False,
    }


def _read_header(path: Path, encoding: str, opts: dict[str, Any]) -> list[str] | None:
    enc = "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding
    opener: Callable[..., Any] = open
    if path.suffix == ".gz":
        import gzip

        opener = gzip.open
    elif path.suffix == ".bz2":
        import bz2

        opener = bz2.open
    with opener(path, "rt", encoding=enc, newline="") as f:
        kwargs: dict[str, Any] = {"delimiter": opts["delimiter"],
                                  "doublequote": opts["double_quote"]}
        if opts["quote_char"]:
            kwargs["quotechar"] = opts["quote_char"]
        else:
            kwargs["quoting"] = csv.QUOTE_NONE
        if opts["escape_char"]:
            kwargs["escapechar"] = opts["escape_char"]
        return next(csv.reader(f, **kwargs), None)


def read_csv(path: Path, resource: dict[str, Any], dialect: dict[str, Any], fmt: str,
             names: list[str], emit: Emitter) -> RawTable | None:
    """Read a CSV resource as text columns; header and row-shape problems become issues."""
    encoding = resource.get("encoding") or "utf-8"
    opts = _dialect_options(dialect, fmt)
    header = dialect.get("header", True) is not False
    unsupported = sorted(k for k in ("commentChar", "commentRows", "nullSequence")
                         if k in dialect)
    if isinstance(dialect.get("headerRows"), list) and dialect["headerRows"] not in ([1], []):
        unsupported.append("headerRows")
    if unsupported:
        emit.add("dialect-unsupported", "the CSV dialect uses " + ", ".join(unsupported)
                 + ", which opencase check does not support; rows may be misread")
    try:
        labels = _read_header(path, encoding, opts) if header else None
    except (UnicodeDecodeError, LookupError) as exc:
        emit.add("table-unreadable", f"the header cannot be read as {encoding} text: {exc}")
        return None
    except csv.Error as exc:
        emit.add("table-unreadable", f"the header row is not valid CSV: {exc}")
        return None
    if header:
        if labels is None:
            emit.add("table-unreadable", "the file is empty (no header row)")
            return None
        _compare_labels(labels, names, emit)
        width = len(labels)
    else:
        width = len(names)
    cols = [f"c{i}" for i in range(width)]

    def read(threads: bool, bad: list[tuple[int | None, str]]) -> pa.Table:
        def on_invalid(row: Any) -> str:
            bad.append((row.number, row.text))
            return "skip"

        return pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(
                use_threads=threads, column_names=cols, skip_rows=1 if header else 0,
                encoding=encoding, block_size=8 << 20),
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
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError) as exc:
        emit.add("table-unreadable", f"the file cannot be read as {encoding} CSV: "
                 f"{_arrow_message(exc)}")
        return None
    first = 2 if header else 1
    fixed: list[tuple[int, list[str]]] = []
    for n, text in sorted(bad, key=lambda b: b[0] or 0):
        row = _split_row(text, opts)
        cells = len(row)
        if cells > width:
            msg = f"the row has {cells} cells but the header has {width}: remove the extra cells"
        else:
            msg = (f"the row has {cells} cell{'s' * (cells != 1)} but the header has {width}: "
                   "add the missing cells (empty ones for missing values)")
        emit.add("row-shape", msg, line=n)
        if n is not None:
            fixed.append((n, row))
    if fixed and len(fixed) == len(bad):
        table = _reinsert(table, fixed, first, width)
    if dialect.get("skipInitialSpace"):
        table = pa.table([pc.utf8_ltrim(c, characters=" ") for c in table.columns], names=cols)
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


def _split_row(text: str, opts: dict[str, Any]) -> list[str]:
    try:
        kwargs: dict[str, Any] = {"delimiter": opts["delimiter"],
                                  "doublequote": opts["double_quote"]}
        if opts["quote_char"]:
            kwargs["quotechar"] = opts["quote_char"]
        else:
            kwargs["quoting"] = csv.QUOTE_NONE
        if opts["escape_char"]:
            kwargs["escapechar"] = opts["escape_char"]
        return next(csv.reader(io.StringIO(text), **kwargs), [])
    except csv.Error:
        return text.split(opts["delimiter"])


def _arrow_message(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _compare_labels(labels: list[str], names: list[str], emit: Emitter) -> None:
    seen: set[str] = set()
    for i, label in enumerate(labels):
        expected = names[i] if i < len(names) else None
        if expected is None:
            emit.add("header-mismatch", f"column {i + 1} ({show(label)}) is not in the schema: "
                     "remove it or add a field for it", line=1)
        elif label == "":
            emit.add("header-mismatch", f"column {i + 1} has a blank label; the schema names "
                     f"it {expected!r}", line=1, field=expected)
        elif label != expected:
            emit.add("header-mismatch", f"column {i + 1} is labelled {show(label)} but the "
                     f"schema's field {i + 1} is {expected!r}", line=1, field=expected)
        if label in seen and label:
            emit.add("header-mismatch", f"the label {show(label)} appears twice", line=1)
        seen.add(label)
    for j in range(len(labels), len(names)):
        emit.add("header-mismatch", f"the schema's field {names[j]!r} has no column in the "
                 "file", line=1, field=names[j])


def read_parquet(path: Path, names: list[str], emit: Emitter,
                 only: Iterable[str] | None = None) -> RawTable | None:
    """Read a Parquet resource's columns by name (``only``: just these fields)."""
    try:
        pf = pq.ParquetFile(path)
        have = pf.schema_arrow.names
        wanted = set(only) if only is not None else None
        cols = [n for n in names if n in have and (wanted is None or n in wanted)]
        # row group by row group: the decoding buffers of one group at a time, not the file's
        table = pa.concat_tables(
            [pf.read_row_group(i, columns=cols, use_threads=True)
             for i in range(pf.num_row_groups)]
        ) if pf.num_row_groups else pf.read(columns=cols)
    except (pa.ArrowException, OSError) as exc:
        emit.add("table-unreadable", f"the file cannot be read as Parquet: {_arrow_message(exc)}")
        return None
    if only is None:
        for n in names:
            if n not in have:
                emit.add("header-mismatch", f"the schema's field {n!r} has no column in the "
                         "file", field=n)
        for n in have:
            if n not in names:
                emit.add("header-mismatch", f"column {n!r} is not in the schema: remove it or "
                         "add a field for it")
    columns = [table.column(n) if n in table.column_names else None for n in names]
    native = [c is not None and not _is_text(c.type) for c in columns]
    return RawTable(columns, table.num_rows, RowMap(2, []), native)


def read_inline(data: Any, names: list[str], emit: Emitter) -> RawTable | None:
    """Inline ``data``: a list of arrays (the first is the header) or a list of objects."""
    if not isinstance(data, list):
        emit.add("descriptor-invalid", "inline `data` must be an array of rows")
        return None
    rows: list[list[Any]]
    if data and all(isinstance(r, dict) for r in data):
        rows = [[r.get(n) for n in names] for r in data]
    elif data and all(isinstance(r, list) for r in data):
        _compare_labels([str(x) for x in data[0]], names, emit)
        rows = [list(r) + [None] * (len(names) - len(r)) for r in data[1:]]
    else:
        emit.add("descriptor-invalid", "inline `data` rows must all be arrays or all objects")
        return None

    def text(v: Any) -> str | None:
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (dict, list)):
            return json.dumps(v)
        return str(v)

    columns: list[pa.ChunkedArray | None] = [
        pa.chunked_array([pa.array([text(r[i]) for r in rows], STR)]) for i in range(len(names))
    ]
    return RawTable(columns, len(rows), RowMap(2, []), [False] * len(names))


def _is_text(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


# ---------------------------------------------------------------- type casts


def _arange(n: int) -> pa.Array:
    return pa.array(range(n), pa.int64())


def _bad(v: Any, typed: Any) -> Any:
    """True where a value is present but did not cast."""
    return pc.and_(pc.is_valid(v), pc.is_null(typed))


def _match(v: Any, pattern: str) -> Any:
    return pc.match_substring_regex(v, pattern)


def _keep(mask: Any, v: Any) -> Any:
    return pc.if_else(mask, v, pa.scalar(None, v.type))


def _per_unique(v: Any, fn: Callable[[str], Any], out: pa.DataType) -> Any:
    """Apply ``fn`` (returning None for invalid) once per distinct value."""
    uniq = pc.unique(v).drop_null()
    results = []
    for x in uniq.to_pylist():
        try:
            results.append(fn(x))
        except (ValueError, TypeError, OverflowError, ArithmeticError):
            results.append(None)
    idx = pc.index_in(v, value_set=uniq)
    return pc.take(pa.array(results, out), idx)


_INT = r"^[+-]?\d+$"
_NUM = (r"(?i)^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|s?nan\d*)$")


def _integer(f: dict[str, Any], v: Any) -> Any:
    bare = f.get("bareNumber", True) is not False
    if bare:
        try:
            return pc.cast(v, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    s = pc.utf8_trim_whitespace(v)
    if not bare:
        s = pc.replace_substring_regex(s, r"^[^-\d]*|\D*$", "")
    s = _keep(_match(s, _INT), pc.replace_substring_regex(s, r"^\+", ""))
    try:
        return pc.cast(s, pa.int64())
    except pa.ArrowInvalid:
        pass
    fits = pc.less_equal(pc.utf8_length(pc.replace_substring_regex(s, r"^-", "")), 38)
    return pc.cast(_keep(fits, s), pa.decimal128(38, 0))


def _number(f: dict[str, Any], v: Any) -> Any:
    bare = f.get("bareNumber", True) is not False
    group, decimal = f.get("groupChar", ""), f.get("decimalChar", ".")
    plain = bare and not group and decimal == "."
    if plain:
        try:
            return pc.cast(v, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    s = pc.utf8_trim_whitespace(v)
    if not plain:
        if not bare:
            s = pc.replace_substring_regex(s, r"^[^-\d]*|\D*$", "")
        if group:
            s = pc.replace_substring(s, group, "")
        if decimal != ".":
            s = _keep(pc.invert(pc.match_substring(s, ".")), s)
            s = pc.replace_substring(s, decimal, ".")
    s = _keep(_match(s, _NUM), s)
    s = pc.replace_substring_regex(s, r"(?i)^([+-]?)s?nan\d*$", r"\1nan")
    return pc.cast(s, pa.float64())


def _boolean(f: dict[str, Any], v: Any) -> Any:
    true = pa.array([str(x) for x in f.get("trueValues", DEFAULT_TRUE)], STR)
    false = pa.array([str(x) for x in f.get("falseValues", DEFAULT_FALSE)], STR)
    is_t, is_f = pc.is_in(v, value_set=true), pc.is_in(v, value_set=false)
    return pc.if_else(is_t, True, pc.if_else(is_f, False, pa.scalar(None, pa.bool_())))


def _valid_iso_dates(s: Any) -> Any:
    """``YYYY-MM-DD`` strings -> date32 (null where the day does not exist)."""
    ts = pc.strptime(s, format="%Y-%m-%d", unit="s", error_is_null=True)
    back = pc.strftime(ts, format="%Y-%m-%d")
    ok = pc.and_(pc.equal(back, s), pc.invert(pc.starts_with(s, "0000")))
    return pc.cast(_keep(ok, ts), pa.date32())


def _date(f: dict[str, Any], v: Any) -> Any:
    fmt = f.get("format", "default")
    if fmt in (None, "default"):
        try:
            return pc.cast(v, pa.date32())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        return _valid_iso_dates(v)  # the rest: see cast_text
    if fmt == "any":
        return _per_unique(v, lambda x: _parse_any(x).date(), pa.date32())
    return _per_unique(v, lambda x: datetime.strptime(x, fmt).date(), pa.date32())


def _parse_any(x: str) -> datetime:
    try:
        from dateutil import parser  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - dateutil is nearly always there
        return datetime.fromisoformat(x)
    return parser.parse(x)


_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:[.,]\d+)?|24:00:00(?:[.,]0+)?"
_TZ = r"(?:Z|[+-]\d{2}(?::?\d{2})?)?"
_DATETIME = rf"^\d{{4}}-\d{{2}}-\d{{2}}.(?:{_TIME}){_TZ}$"
_UTC = pa.timestamp("us", "UTC")


def _datetime(f: dict[str, Any], v: Any) -> Any:
    fmt = f.get("format", "default")
    if fmt not in (None, "default"):
        parse = _parse_any if fmt == "any" else (lambda x: datetime.strptime(x, fmt))
        return _per_unique(v, lambda x: _utc(parse(x)), _UTC)
    ok = _match(v, _DATETIME)
    day = _valid_iso_dates(pc.utf8_slice_codeunits(_keep(ok, v), 0, 10))
    s = _keep(pc.is_valid(day), v)
    s = pc.replace_substring_regex(s, r"^(.{10}).", r"\1T")
    s = pc.replace_substring_regex(s, r",(\d)", r".\1")
    s = pc.replace_substring_regex(s, r"(\.\d{6})\d+", r"\1")
    s = pc.replace_substring_regex(s, r"([+-]\d{2})$", r"\1:00")
    s = pc.replace_substring_regex(s, r"^(.{19}(?:\.\d+)?)$", r"\1Z")  # naive: as UTC
    try:
        return pc.cast(s, _UTC)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _per_unique(s, _py_isodatetime, _UTC)


def _utc(d: datetime) -> datetime:
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)


def _py_isodatetime(x: str) -> datetime:
    from datetime import timedelta

    midnight = "T24:00:00" in x
    if midnight:
        x = x.replace("T24:00:00", "T00:00:00", 1)
    d = _utc(datetime.fromisoformat(x.replace("Z", "+00:00")))
    return d + timedelta(days=1) if midnight else d


def _time(f: dict[str, Any], v: Any) -> Any:
    fmt = f.get("format", "default")
    t64 = pa.time64("us")
    if fmt not in (None, "default"):
        def parse(x: str) -> Any:
            d = _parse_any(x) if fmt == "any" else datetime.strptime(x, fmt)
            return d.time().replace(tzinfo=None)

        return _per_unique(v, parse, t64)
    s = _keep(_match(v, rf"^(?:{_TIME}){_TZ}$"), v)
    h = pc.cast(pc.utf8_slice_codeunits(s, 0, 2), pa.int64())
    m = pc.cast(pc.utf8_slice_codeunits(s, 3, 5), pa.int64())
    sec = pc.cast(pc.utf8_slice_codeunits(s, 6, 8), pa.int64())
    frac = pc.replace_substring_regex(
        pc.utf8_slice_codeunits(s, 8, 40), r"^[.,](\d{0,6})\d*.*$|^.*$", r"\1")
    frac = pc.cast(pc.utf8_rpad(frac, width=6, padding="0"), pa.int64())
    us = pc.add(pc.multiply(pc.add(pc.multiply(pc.add(pc.multiply(h, 60), m), 60), sec),
                            1_000_000), frac)
    us = pc.if_else(pc.equal(h, 24), 0, us)
    return pc.cast(us, t64)


def _year(f: dict[str, Any], v: Any) -> Any:
    ok = pc.and_(pc.equal(pc.utf8_length(v), 4), _match(v, r"^\s*[+-]?\d+\s*$"))
    s = pc.replace_substring_regex(pc.utf8_trim_whitespace(_keep(ok, v)), r"^\+", "")
    n = pc.cast(s, pa.int64())
    return _keep(pc.greater_equal(n, 0), n)


def _yearmonth_py(x: str) -> int | None:
    year, month = x.split("-")
    y, m = int(year), int(month)
    return y * 12 + m - 1 if 1 <= m <= 12 else None


def _json_of(kind: type) -> Callable[[str], Any]:
    def parse(x: str) -> Any:
        value = json.loads(x)
        return x if isinstance(value, kind) else None

    return parse


def _geopoint_py(fmt: str) -> Callable[[str], Any]:
    def parse(x: str) -> Any:
        if fmt == "array":
            lon, lat = json.loads(x)
        elif fmt == "object":
            obj = json.loads(x)
            lon, lat = obj["lon"], obj["lat"]
        else:
            lon, lat = (float(p) for p in x.split(","))
        lon, lat = float(lon), float(lat)
        return x if -180 <= lon <= 180 and -90 <= lat <= 90 else None

    return parse


_DURATION = re.compile(
    r"^P(?!$)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?"
    r"(?:T(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?$")
_GEOJSON_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon", "GeometryCollection", "Feature", "FeatureCollection"}
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_URI = r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$"


def _string(f: dict[str, Any], v: Any) -> Any:
    fmt = f.get("format", "default")
    if fmt == "uuid":
        return _keep(_match(v, _UUID), v)
    if fmt == "email":
        return _keep(_match(v, _EMAIL), v)
    if fmt == "uri":
        return _keep(_match(v, _URI), v)
    if fmt == "binary":
        return _per_unique(v, lambda x: x if base64.b64decode(x) is not None else None, STR)
    return v


def _other(f: dict[str, Any], v: Any) -> Any:
    t = f.get("type", "any")
    if t == "object":
        return _per_unique(v, _json_of(dict), STR)
    if t == "array":
        return _per_unique(v, _json_of(list), STR)
    if t == "geojson":
        return _per_unique(
            v, lambda x: x if json.loads(x).get("type") in _GEOJSON_TYPES else None, STR)
    if t == "geopoint":
        return _per_unique(v, _geopoint_py(f.get("format", "default")), STR)
    if t == "duration":
        return _per_unique(v, lambda x: x if _DURATION.match(x) else None, STR)
    if t == "yearmonth":
        return _per_unique(v, _yearmonth_py, pa.int64())
    return v  # list, any, unknown types: every value is valid


CASTS: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "integer": _integer, "number": _number, "boolean": _boolean, "date": _date,
    "datetime": _datetime, "time": _time, "year": _year, "string": _string,
}


def cast_text(f: dict[str, Any], v: Any) -> Any:
    """Cast a text column (nulls = missing values) to the field's type; null where invalid.

    The vectorised cast decides the common forms; the values it refuses (few: the errors, and
    rare spellings such as ``1_000`` or ``2020-1-5``) are decided once per distinct value by
    the same Python reading frictionless uses, so both agree on the edge cases."""
    ftype = f.get("type", "any")
    typed = CASTS.get(ftype, _other)(f, v)
    exact = _python_reader(f)
    return typed if exact is None else _retry_failures(v, typed, exact)


def _retry_failures(v: Any, typed: Any, read: Callable[[str], Any]) -> Any:
    failed = pc.and_(pc.is_valid(v), pc.is_null(typed))
    if not pc.any(failed).as_py():
        return typed
    uniq = pc.unique(pc.filter(v, failed))
    results = []
    for x in uniq.to_pylist():
        try:
            results.append(read(x))
        except (ValueError, TypeError, OverflowError, ArithmeticError, AssertionError,
                IndexError, KeyError):
            results.append(None)
    if all(r is None for r in results):
        return typed
    try:
        values = pa.array(results, typed.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        values = pa.array([r if _fits(r, typed.type) else None for r in results], typed.type)
    return pc.coalesce(typed, pc.take(values, pc.index_in(v, value_set=uniq)))


def _fits(value: Any, t: pa.DataType) -> bool:
    try:
        pa.array([value], t)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return False
    return True


_BARE = re.compile(r"((^[^-\d]*)|(\D*$))")


def _python_reader(f: dict[str, Any]) -> Callable[[str], Any] | None:
    """frictionless's reading of one text value for the types whose vectorised cast is not
    exhaustive (None where the vectorised cast already is)."""
    ftype, fmt = f.get("type", "any"), f.get("format", "default")
    bare = f.get("bareNumber", True) is not False
    if ftype == "integer":
        def read_int(x: str) -> int:
            x = x.strip()
            return int(x if bare else _BARE.sub("", x))

        return read_int
    if ftype == "number":
        from decimal import Decimal

        group, decimal = f.get("groupChar", ""), f.get("decimalChar", ".")
        special = {"bareNumber", "groupChar", "decimalChar"} & set(f)

        def read_number(x: str) -> float | None:
            x = x.strip()
            if special:
                if not bare:
                    x = _BARE.sub("", x)
                x = x.replace(group, "") if group else x
                if decimal != "." and "." in x:
                    return None
                x = x.replace(decimal, ".")
            return float(Decimal(x))

        return read_number
    if fmt not in (None, "default"):
        return None  # custom formats are read per distinct value already
    if ftype == "date":
        return lambda x: datetime.strptime(x, "%Y-%m-%d").date()
    try:
        from dateutil.parser import isoparse  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - then the vectorised reading decides alone
        return None
    if ftype == "datetime":
        def read_datetime(x: str) -> datetime:
            assert x[16] == ":" and len(x) >= 19
            return _utc(isoparse(x))

        return read_datetime
    if ftype == "time":
        def read_time(x: str) -> Any:
            assert x[5] == ":" and len(x) >= 8
            return isoparse(f"2000-01-01T{x}").time()

        return read_time
    return None


def cast_native(f: dict[str, Any], col: Any) -> tuple[Any, str | None]:
    """A typed (Parquet) column in the same Arrow type :func:`cast_text` gives, or the reason
    it cannot hold the field's type."""
    t, ft = col.type, f.get("type", "any")
    if pa.types.is_dictionary(t):
        col, t = pc.cast(col, t.value_type), t.value_type
    try:
        if ft == "integer" and (pa.types.is_integer(t) or pa.types.is_decimal(t)):
            if pa.types.is_decimal(t) and t.scale != 0:
                return None, f"{t} is not an integer type"
            return (pc.cast(col, pa.int64()) if pa.types.is_integer(t)
                    or t.precision <= 18 else col), None
        if ft == "number" and (pa.types.is_floating(t) or pa.types.is_integer(t)
                               or pa.types.is_decimal(t)):
            return pc.cast(col, pa.float64()), None
        if ft == "boolean" and pa.types.is_boolean(t):
            return col, None
        if ft == "date" and (pa.types.is_date(t) or pa.types.is_timestamp(t)):
            d = pc.cast(col, pa.date32()) if pa.types.is_date(t) else None
            if d is None:
                d = pc.cast(pc.floor_temporal(col, unit="day"), pa.date32())
                d = _keep(pc.equal(pc.floor_temporal(col, unit="day"), col), d)
            return d, None
        if ft == "datetime" and pa.types.is_timestamp(t):
            if t.tz is None:
                col = pc.assume_timezone(col, "UTC")
            return pc.cast(col, _UTC), None
        if ft == "time" and pa.types.is_time(t):
            return pc.cast(col, pa.time64("us")), None
        if ft == "year" and pa.types.is_integer(t):
            n = pc.cast(col, pa.int64())
            return _keep(pc.and_(pc.greater_equal(n, 0), pc.less_equal(n, 9999)), n), None
        if ft == "any":
            return col, None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        return None, _arrow_message(exc)
    return None, f"a Parquet column of type {t} cannot hold {ft} values"


def cast_constant(f: dict[str, Any], value: Any, typed_type: pa.DataType) -> pa.Scalar | None:
    """A constraint value (minimum, enum item, ...) in the column's Arrow type, or None."""
    ft = f.get("type", "any")
    if isinstance(value, bool) and ft == "boolean":
        return pa.scalar(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and ft in ("integer", "number", "year"):
        try:
            return pa.scalar(value).cast(typed_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dict, list)):
        text = json.dumps(value)
    else:
        text = str(value)
    typed = cast_text(f, pa.chunked_array([pa.array([text], STR)]))
    scalar = typed[0] if len(typed) else None
    if scalar is None or not scalar.is_valid:
        return None
    try:
        return scalar.cast(typed_type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


# ---------------------------------------------------------------- keys


def canonical_key(columns: list[Any]) -> Any:
    """One comparable column for a key: the value itself, or for several fields the values as
    text joined by a separator (a missing part spelt as NUL)."""
    if len(columns) == 1:
        return columns[0]
    parts = [pc.fill_null(pc.cast(c, STR), _NONE) for c in columns]
    return pc.binary_join_element_wise(*parts, _SEP)


def all_null(columns: list[Any]) -> Any:
    mask = pc.is_null(columns[0])
    for c in columns[1:]:
        mask = pc.and_(mask, pc.is_null(c))
    return mask


def strictly_increasing(columns: list[Any]) -> bool:
    """Whether the rows are in strictly increasing order of ``columns`` (no missing values):
    then no two rows share these values."""
    n = len(columns[0])
    if n < 2:
        return True
    if any(c.null_count for c in columns):
        return False
    try:
        lt = eq = None
        for c in columns:
            a, b = c.slice(0, n - 1), c.slice(1)
            less, same = pc.less(a, b), pc.equal(a, b)
            if lt is None:
                lt, eq = less, same
            else:
                lt = pc.or_(lt, pc.and_(eq, less))
                eq = pc.and_(eq, same)
            if not pc.all(pc.or_(lt, eq)).as_py():
                return False
        return bool(pc.all(lt).as_py())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return False


def later_duplicates(key: Any, keep: Any | None, sorted_by: list[Any] | None = None
                     ) -> tuple[pa.Array, pa.Array]:
    """Rows whose key equals an earlier row's (every occurrence after the first), sorted, and
    for each the index of the first occurrence. ``keep``: rows to consider (null keys never
    are)."""
    n = len(key)
    none = pa.array([], pa.int64()), pa.array([], pa.int64())
    if sorted_by is not None and strictly_increasing(sorted_by):
        return none  # sorted rows (as opencase publishes them): no hashing needed
    valid = pc.is_valid(key)
    if keep is not None:
        valid = pc.and_(valid, keep)
    present = pc.sum(valid).as_py() or 0
    if present < 2 or pc.count_distinct(pc.filter(key, valid) if keep is not None else key,
                                        mode="only_valid").as_py() == present:
        return none  # the common case: no duplicates, one hash pass
    t = pa.table({"k": key, "i": _arange(n)}).filter(valid)
    if pa.types.is_floating(key.type) or pa.types.is_boolean(key.type):
        t = t.set_column(0, "k", pc.cast(t.column("k"), STR))
    groups = t.group_by("k").aggregate([("i", "min"), ("i", "count")])
    groups = groups.filter(pc.greater(groups.column("i_count"), 1))
    if groups.num_rows == 0:
        return none
    joined = t.join(groups.select(["k", "i_min"]), "k", join_type="inner")
    joined = joined.filter(pc.not_equal(joined.column("i"), joined.column("i_min")))
    joined = joined.sort_by("i")
    return (joined.column("i").combine_chunks(), joined.column("i_min").combine_chunks())


def key_set(columns: list[Any]) -> Any:
    """The values a foreign key may point to (rows whose key is all missing are left out, as
    frictionless does). Duplicates are harmless to ``is_in``, so none are removed."""
    if len(columns) == 1:
        return columns[0].drop_null()
    return pc.filter(canonical_key(columns), pc.invert(all_null(columns)))


# ---------------------------------------------------------------- checking one table


@dataclass
class Checked:
    """What checking one table leaves for later steps (foreign keys, twins)."""

    typed: dict[str, Any]  # field name -> typed column (null = missing or invalid)
    num_rows: int
    rows: RowMap


class TableChecker:
    """Checks one resource's fields, constraints, primary and unique keys."""

    def __init__(self, schema: dict[str, Any], emit: Emitter) -> None:
        self.schema = schema
        self.emit = emit
        self.fields: list[dict[str, Any]] = [
            f for f in schema.get("fields", []) if isinstance(f, dict)
        ]
        mv = schema.get("missingValues", [""])
        self.missing = _missing_values(mv)

    def run(self, raw: RawTable) -> Checked:
        emit = self.emit
        typed: dict[str, Any] = {}
        missing_masks: list[Any] = []
        values: list[Any] = []
        for f, col, native in zip(self.fields, raw.columns, raw.native, strict=True):
            if col is None:
                missing_masks.append(None)
                values.append(None)
                continue
            missing, v = column_values(f, col, native, self.missing)
            missing_masks.append(missing)
            values.append(v)
        present = [m for m in missing_masks if m is not None]
        blank = None
        if present and len(present) == len(self.fields) and raw.num_rows:
            blank = present[0]
            for m in present[1:]:
                blank = pc.and_(blank, m)
            if pc.any(blank).as_py():
                emit.mask("blank-row", blank, lambda i: "the row is empty: delete it or fill "
                          "it in", what="")
            else:
                blank = None

        for f, native, missing, v in zip(self.fields, raw.native, missing_masks, values,
                                         strict=True):
            name = f.get("name")
            if v is None:
                continue
            t, reason = typed_column(f, v, native)
            if reason:
                emit.add("column-type", f"field {name!r}: {reason}; its values are not "
                         "checked", field=name)
                continue
            typed[name] = t
            bad = _bad(v, t)
            emit.mask("cell-type", bad, lambda i, v=v, f=f: (
                f"{f['name']}: {show(_value(v, i))} is not a valid {_type_name(f)}"),
                field=name, what=f" (not a valid {_type_name(f)})")
            self._constraints(f, v, t, missing, blank)

        self._keys(typed, raw)
        return Checked(typed, raw.num_rows, raw.rows)

    # -- constraints

    def _constraints(self, f: dict[str, Any], v: Any, t: Any, missing: Any,
                     blank: Any) -> None:
        emit, name = self.emit, f["name"]
        cons = f.get("constraints") or {}
        if not isinstance(cons, dict):
            return
        ftype = f.get("type", "any")
        ok = SUPPORTED.get(ftype, SUPPORTED["any"]) | {"unique"}
        if cons.get("required") is True:
            mask = missing if blank is None else pc.and_(missing, pc.invert(blank))
            emit.mask("cell-required", mask, lambda i: f"{name} is required but empty",
                      field=name)
        if "pattern" in cons and "pattern" in ok and isinstance(cons["pattern"], str):
            fails = _pattern_fails(t, cons["pattern"])
            if fails is None:
                emit.add("schema-invalid", f"field {name!r}: pattern {cons['pattern']!r} is not "
                         "a valid regular expression", field=name)
            else:
                emit.mask("cell-pattern", fails, lambda i: (
                    f"{name}: {show(_value(v, i))} does not match the pattern "
                    f"{cons['pattern']}"), field=name)
        if "enum" in cons and "enum" in ok and isinstance(cons["enum"], list):
            allowed = [cast_constant(f, x, t.type) for x in cons["enum"]]
            allowed_arr = pa.array([a.as_py() for a in allowed if a is not None], t.type)
            fails = pc.and_(pc.is_valid(t), pc.invert(pc.is_in(t, value_set=allowed_arr)))
            listed = ", ".join(str(x) for x in cons["enum"][:12])
            more = ", ..." if len(cons["enum"]) > 12 else ""
            emit.mask("cell-enum", fails, lambda i: (
                f"{name}: {show(_value(v, i))} is not one of the allowed values "
                f"({listed}{more})"), field=name)
        for key, op, says in (
            ("minimum", pc.less, "less than the minimum"),
            ("maximum", pc.greater, "more than the maximum"),
            ("exclusiveMinimum", pc.less_equal, "not more than the exclusive minimum"),
            ("exclusiveMaximum", pc.greater_equal, "not less than the exclusive maximum"),
        ):
            if key not in cons or key not in ok:
                continue
            bound = cast_constant(f, cons[key], t.type)
            if bound is None:
                emit.add("schema-invalid", f"field {name!r}: {key} {cons[key]!r} is not a "
                         f"valid {ftype}", field=name)
                continue
            fails = op(t, bound)
            if pa.types.is_floating(t.type):
                fails = pc.or_(fails, pc.is_nan(t))
            emit.mask("cell-range", fails, lambda i, key=key, says=says: (
                f"{name}: {show(_value(v, i))} is {says} {cons[key]}"), field=name)
        for key, op, says in (("minLength", pc.less, "shorter than minLength"),
                              ("maxLength", pc.greater, "longer than maxLength")):
            if key not in cons or key not in ok or not isinstance(cons[key], int):
                continue
            length = _lengths(f, t)
            fails = op(length, cons[key])
            emit.mask("cell-length", fails, lambda i, key=key, says=says, length=length: (
                f"{name}: {show(_value(v, i))} has length {length[i].as_py()}, {says} "
                f"{cons[key]}"), field=name)
        if cons.get("unique") is True:
            later, first = later_duplicates(t, None, [t])
            where = _first_rows(later, first, emit.limit)
            emit.indices("cell-unique", later, lambda i: (
                f"{name}: {show(_value(v, i))} must be unique but is the same as in row "
                f"{emit.rows(where[i])}"), field=name)

    # -- primary and unique keys

    def _keys(self, typed: dict[str, Any], raw: RawTable) -> None:
        emit = self.emit
        pk = self.schema.get("primaryKey")
        if isinstance(pk, str):
            pk = [pk]
        keys: list[tuple[str, list[str]]] = []
        if isinstance(pk, list) and pk:
            keys.append(("primary-key", pk))
        for uk in self.schema.get("uniqueKeys") or []:
            if isinstance(uk, list) and uk:
                keys.append(("unique-key", uk))
        for code, names in keys:
            if not all(n in typed for n in names):
                continue
            cols = [typed[n] for n in names]
            label = ", ".join(names)
            empty = all_null(cols)
            if code == "primary-key":
                emit.mask(code, empty, lambda i, label=label: (
                    f"the primary key ({label}) is empty: every row needs one"), field=label)
            key = canonical_key(cols)
            later, first = later_duplicates(key, pc.invert(empty), cols)
            where = _first_rows(later, first, emit.limit)
            kind = "primary key" if code == "primary-key" else "unique key"
            emit.indices(code, later, lambda i, key=key, kind=kind, label=label, where=where: (
                f"the {kind} ({label}) {show(_key_text(key, i))} is the same as in row "
                f"{emit.rows(where[i])}"), field=label)


def column_values(f: dict[str, Any], col: Any, native: bool, default_missing: pa.Array
                  ) -> tuple[Any, Any]:
    """The missing-value mask of a column and the column with its missing values as nulls."""
    if native:
        return pc.is_null(col), col
    mv = _missing_values(f["missingValues"]) if "missingValues" in f else default_missing
    only_empty = mv.to_pylist() == [""]

    def is_missing(chunk: Any) -> Any:
        if only_empty:
            m = pc.equal(pc.binary_length(chunk), 0)
        elif len(mv):
            m = pc.is_in(chunk, value_set=mv)
        else:
            m = pc.is_null(chunk)
        return pc.or_(m, pc.is_null(chunk)) if chunk.null_count else m

    if not isinstance(col, pa.ChunkedArray):
        col = pa.chunked_array([col])
    masks, values = [], []
    for chunk in col.chunks:
        m = pc.fill_null(is_missing(chunk), True)
        masks.append(m)
        values.append(_with_nulls(chunk, m))
    return (pa.chunked_array(masks, pa.bool_()),
            pa.chunked_array(values, col.type))


def typed_column(f: dict[str, Any], v: Any, native: bool) -> tuple[Any, str | None]:
    """The column cast to the field's type (null = missing or invalid), or why it cannot be."""
    if native:
        return cast_native(f, v)
    return cast_text(f, v), None


def _with_nulls(chunk: Any, missing: Any) -> Any:
    """``chunk`` with nulls where ``missing`` is true, sharing the text buffers (no copy)."""
    valid = pc.invert(missing)
    if chunk.type == STR and not chunk.offset and not valid.offset:
        bufs = chunk.buffers()
        return pa.Array.from_buffers(STR, len(chunk), [valid.buffers()[1], bufs[1], bufs[2]])
    return _keep(valid, chunk)


def _first_rows(later: pa.Array, first: pa.Array, limit: int) -> dict[int, int]:
    """For the duplicates that will be listed: row index -> index of the first occurrence."""
    return dict(zip(later[: limit + 1].to_pylist(), first[: limit + 1].to_pylist(),
                    strict=True))


def _missing_values(mv: Any) -> pa.Array:
    out: list[str] = []
    if isinstance(mv, list):
        for x in mv:
            if isinstance(x, str):
                out.append(x)
            elif isinstance(x, dict) and isinstance(x.get("value"), str):
                out.append(x["value"])
    return pa.array(out, STR)


def _value(v: Any, i: int) -> Any:
    return v[i].as_py()


def _key_text(key: Any, i: int) -> str:
    value = key[i].as_py()
    if isinstance(value, str):
        return value.replace(_SEP, ", ").replace(_NONE, "(empty)")
    return str(value)


def _type_name(f: dict[str, Any]) -> str:
    fmt = f.get("format")
    ftype = f.get("type", "any")
    return f"{ftype} ({fmt})" if fmt and fmt != "default" else ftype


def _pattern_fails(t: Any, pattern: str) -> Any | None:
    try:
        ok = pc.match_substring_regex(t, f"^(?:{pattern})$")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        try:
            rx = re.compile(pattern)
        except re.error:
            return None
        ok = pc.is_valid(_per_unique(t, lambda x: x if rx.fullmatch(x) else None, STR))
        ok = _keep(pc.is_valid(t), ok)
    return pc.and_(pc.is_valid(t), pc.invert(ok))


def _lengths(f: dict[str, Any], t: Any) -> Any:
    ftype = f.get("type", "any")
    if ftype in ("array", "object"):
        return _per_unique(t, lambda x: len(json.loads(x)), pa.int64())
    if ftype == "list":
        delim = f.get("delimiter", ",")
        return _per_unique(t, lambda x: len(x.split(delim)), pa.int64())
    return pc.utf8_length(t)
