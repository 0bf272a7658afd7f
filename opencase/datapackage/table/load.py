"""Reading one table resource for :func:`opencase.load`, as its Table Schema and CSV dialect say.

A CSV resource is read the way ``opencase check`` reads it
(:mod:`opencase.datapackage.table.read_csv`: text columns, the declared encoding and dialect)
and each field is cast by :mod:`opencase.datapackage.table.cast` with its ``format``,
``bareNumber``, ``decimalChar``/``groupChar``, ``trueValues``/``falseValues`` and (field or
schema) ``missingValues``: ``integer`` to int64 (decimal128 when a value is beyond int64),
``number`` to float64, ``boolean`` to bool, ``date`` to date32, ``datetime`` to timestamp (UTC;
a value without a zone is read as UTC), ``time`` to time64 (a time with an offset as the time of
day in UTC), ``year`` to int64; ``object``, ``array``, ``geojson``, ``list``, ``geopoint``,
``yearmonth`` and ``duration`` as :mod:`opencase.datapackage.table.types` reads them; ``string``
and ``any`` stay text. A multipart CSV resource is its parts joined byte for byte (one header,
in the first part), as the Data Package spec and frictionless read it.

Nothing is half-read: a descriptor property that cannot work, a dialect or schema feature load
does not support, a row of the wrong shape, a header that differs from the schema or a value
that is not of its field's type is a :class:`LoadError` naming the file (and the row and field).
"""

from __future__ import annotations

import codecs
import csv
import shutil
import tempfile
from pathlib import Path
from typing import Any

from opencase.errors import LoadError

__all__ = ["read_table"]

FIELD_TYPES = frozenset((
    "string", "number", "integer", "boolean", "object", "array", "list", "date", "time",
    "datetime", "year", "yearmonth", "duration", "geopoint", "geojson", "any",
))
TYPED = frozenset(("integer", "number", "boolean", "date", "datetime", "time", "year"))
_UNSUPPORTED_DIALECT = ("commentChar", "commentRows", "nullSequence")


def read_table(resource: dict[str, Any], files: list[Path], shown: str,
               max_bytes: int = 2 * 1024**3) -> Any:
    """The resource's rows as a ``pyarrow.Table`` (``files``: its verified local files; a
    Parquet table may decode to at most ``max_bytes``)."""
    import pyarrow as pa

    from opencase.datapackage.descriptor import resource_format

    fmt = resource_format(resource) or "csv"
    if not files:
        raise LoadError(f"{shown}: the resource has no `path`; inline `data` is not "
                        "supported by opencase.load")
    try:
        if fmt == "parquet":
            return pa.concat_tables([_read_parquet(f, shown, max_bytes) for f in files])
        return _read_csv(resource, files, shown, fmt)
    except (pa.ArrowException, OSError, ValueError, TypeError, LookupError, csv.Error,
            RecursionError, OverflowError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LoadError(f"{shown}: cannot be read: {first}") from None


def _read_csv(resource: dict[str, Any], files: list[Path], shown: str, fmt: str) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    from opencase.datapackage.table.cast import cast_text
    from opencase.datapackage.table.checker import column_values, missing_values
    from opencase.datapackage.table.read import Emitter
    from opencase.datapackage.table.read_csv import dialect_options, read_csv, read_header
    from opencase.datapackage.table.types import COMPOUND, read_compound
    from opencase.report import Report

    dialect = _dialect(resource, shown)
    encoding = resource.get("encoding") or "utf-8"  # as check reads it: null or "" is UTF-8
    if not isinstance(encoding, str):
        raise LoadError(f"{shown}: `encoding` must be a string, not {encoding!r}")
    try:
        text = getattr(codecs.lookup(encoding), "_is_text_encoding", True)
    except (LookupError, ValueError):
        text = False
    if not text:
        raise LoadError(f"{shown}: `encoding` {encoding!r} is not a known text encoding")
    schema = resource.get("schema")
    fields = _fields(schema, shown)
    with tempfile.TemporaryDirectory(prefix="opencase-") as tmp:
        path = files[0] if len(files) == 1 else _join(files, Path(tmp))
        if fields is None:  # no schema: every column is text, named by the header
            first = read_header(path, encoding, dialect_options(dialect, fmt)) or []
            header = dialect.get("header", True) is not False
            names = first if header else [f"field{i}" for i in range(1, len(first) + 1)]
            if len(set(names)) != len(names):
                raise LoadError(f"{shown}: the header names a column twice")
            fields = [{"name": n, "type": "string"} for n in names]
        report = Report()
        raw = read_csv(path, resource, dialect, fmt, [f["name"] for f in fields],
                       Emitter(report, shown, 1))
    if report.issues or raw is None:
        issue = report.issues[0] if report.issues else None
        where = f" (row {issue.line})" if issue is not None and issue.line else ""
        says = issue.message if issue is not None else "it cannot be read"
        raise LoadError(f"{shown}{where}: {says}")
    default = missing_values(schema.get("missingValues", [""]) if isinstance(schema, dict)
                              else [""])
    columns = []
    for f, col in zip(fields, raw.columns, strict=True):
        _, values = column_values(f, col, False, default)
        ftype = f.get("type", "any")
        typed = cast_text(f, values)
        bad = pc.and_(pc.is_valid(values), pc.is_null(typed))
        if pc.any(bad).as_py():
            i = pc.index(bad, True).as_py()
            kind = ftype + (f" ({f['format']})" if f.get("format", "default") != "default"
                            else "")
            raise LoadError(f"{shown} (row {raw.rows(i)}): field {f['name']!r}: "
                            f"{values[i].as_py()!r} is not a valid {kind}")
        if ftype in COMPOUND:
            typed = read_compound(f, values, f"{shown}: field {f['name']!r} ({ftype})")
        columns.append(typed if ftype in TYPED | COMPOUND else values)
    return pa.table(columns, names=[f["name"] for f in fields])


# bytes one value of each Parquet physical type takes once decoded (a string: its offset)
_WIDTH = {"BOOLEAN": 1, "INT32": 4, "INT64": 8, "INT96": 12, "FLOAT": 4, "DOUBLE": 8,
          "BYTE_ARRAY": 4}


def _read_parquet(path: Path, shown: str, max_bytes: int) -> Any:
    """A Parquet file read whole, unless it decodes to more than ``max_bytes`` (a bomb: a
    few kilobytes of run-length or dictionary encoding can stand for gigabytes).

    Before anything is decoded, each column chunk counts for the larger of its uncompressed
    size and its values times their decoded width (from the footer). Top-level strings and
    binaries are read as dictionaries (each distinct value once) and their full length is
    counted before they are expanded. (Strings inside lists or structs are not counted.)"""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    def refuse(size: int) -> None:
        if size > max_bytes:
            raise LoadError(f"{shown}: decodes to about {size:,} bytes or more, beyond the "
                            f"limit of {max_bytes:,} (max_bytes)")

    meta = pq.read_metadata(path)
    size = 0
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        for j in range(group.num_columns):
            chunk = group.column(j)
            width = _WIDTH.get(chunk.physical_type) or max(meta.schema.column(j).length or 0, 1)
            size += max(chunk.total_uncompressed_size, chunk.num_values * width)
    refuse(size)
    stored = pq.read_schema(path)
    texts = [i for i, f in enumerate(stored) if _is_binary(f.type)]
    table = pq.read_table(path, read_dictionary=sorted({stored.field(i).name for i in texts}))
    for i in texts:
        for chunk in table.column(i).chunks:
            if pa.types.is_dictionary(chunk.type):
                lengths = pc.binary_length(chunk.dictionary)
                size += pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0
        refuse(size)
    for i in texts:
        col = table.column(i)
        if pa.types.is_dictionary(col.type):
            table = table.set_column(i, stored.field(i), col.cast(stored.field(i).type))
    return table


def _is_binary(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
                or pa.types.is_large_binary(t))


def _join(files: list[Path], folder: Path) -> Path:
    """The parts of a multipart resource joined into one file (the header is in the first)."""
    target = folder / ("joined" + "".join(files[0].suffixes[-1:]))
    with open(target, "wb") as out:
        for f in files:
            with open(f, "rb") as src:
                shutil.copyfileobj(src, out)
    return target


def _dialect(resource: dict[str, Any], shown: str) -> dict[str, Any]:
    dialect = resource.get("dialect", {})
    if isinstance(dialect, str):
        raise LoadError(f"{shown}: a `dialect` given as a path ({dialect!r}) is not supported "
                        "by opencase.load; give it inline")
    if not isinstance(dialect, dict):
        raise LoadError(f"{shown}: `dialect` must be an object, not {dialect!r}")
    for key in ("delimiter", "quoteChar", "escapeChar"):
        if key not in dialect:
            continue
        value = dialect[key]
        if not isinstance(value, str) or len(value) > 1 or (key == "delimiter" and not value):
            raise LoadError(f"{shown}: dialect `{key}` must be a single character, not "
                            f"{value!r}")
        if value in "\r\n" and value:
            raise LoadError(f"{shown}: dialect `{key}` cannot be a line break")
        if not value.isascii():
            raise LoadError(f"{shown}: dialect `{key}` {value!r} is not an ASCII character, "
                            "which opencase.load does not support")
    for key in ("header", "doubleQuote", "skipInitialSpace"):
        if key in dialect and not isinstance(dialect[key], bool):
            raise LoadError(f"{shown}: dialect `{key}` must be true or false, not "
                            f"{dialect[key]!r}")
    delimiter = dialect.get("delimiter", ",")
    quote, escape = dialect.get("quoteChar", '"'), dialect.get("escapeChar")
    if delimiter in (quote, escape):
        raise LoadError(f"{shown}: the dialect's delimiter {delimiter!r} is also its quote or "
                        "escape character")
    terminator = dialect.get("lineTerminator", "\r\n")
    if terminator not in ("\r\n", "\n", "\r"):
        raise LoadError(f"{shown}: dialect `lineTerminator` {terminator!r} is not supported by "
                        "opencase.load (only \\n, \\r\\n and \\r)")
    rows = dialect.get("headerRows")
    if rows is not None and (rows not in ([1], []) or rows == [True]):  # True == 1
        raise LoadError(f"{shown}: dialect `headerRows` {rows!r} is not supported by "
                        "opencase.load (only one header row, the first)")
    used = [k for k in _UNSUPPORTED_DIALECT if k in dialect]
    if used:
        raise LoadError(f"{shown}: the dialect uses {', '.join(used)}, which opencase.load "
                        "does not support")
    out = dict(dialect)
    if rows == []:
        out["header"] = False
    if escape is not None and escape == quote:
        out.pop("escapeChar")
    return out


def _fields(schema: Any, shown: str) -> list[dict[str, Any]] | None:
    """The schema's fields, each checked for what reading needs; None without a schema."""
    if schema is None:
        return None
    if isinstance(schema, str):
        raise LoadError(f"{shown}: a `schema` given as a path ({schema!r}) is not supported by "
                        "opencase.load; give it inline")
    if not isinstance(schema, dict):
        raise LoadError(f"{shown}: `schema` must be an object, not {schema!r}")
    _strings(schema, "missingValues", shown, "the schema's", objects=True)
    fields = schema.get("fields")
    if not isinstance(fields, list):
        raise LoadError(f"{shown}: the schema needs `fields`, an array of field descriptors")
    names: set[str] = set()
    for i, f in enumerate(fields, 1):
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            raise LoadError(f"{shown}: schema field {i} must be an object with a `name`")
        name = f["name"]
        if name in names:
            raise LoadError(f"{shown}: two schema fields are named {name!r}")
        names.add(name)
        where = f"field {name!r}:"
        ftype = f.get("type", "any")
        if not isinstance(ftype, str) or ftype not in FIELD_TYPES:
            raise LoadError(f"{shown}: {where} unknown type {ftype!r}")
        for key, kind, says in (("format", str, "a string"), ("bareNumber", bool,
                                "true or false"), ("groupChar", str, "a string"),
                                ("decimalChar", str, "a string")):
            if key in f and not isinstance(f[key], kind):
                raise LoadError(f"{shown}: {where} `{key}` must be {says}, not {f[key]!r}")
        if f.get("decimalChar") == "":
            raise LoadError(f"{shown}: {where} `decimalChar` cannot be empty")
        if f.get("groupChar") and f.get("groupChar") == f.get("decimalChar", "."):
            raise LoadError(f"{shown}: {where} `groupChar` and `decimalChar` are the same")
        for key in ("trueValues", "falseValues"):
            _strings(f, key, shown, f"{where}")
        _strings(f, "missingValues", shown, f"{where}", objects=True)
    return fields


def _strings(obj: dict[str, Any], key: str, shown: str, where: str,
             objects: bool = False) -> None:
    value = obj.get(key)
    if value is None:
        return
    ok = isinstance(value, list) and all(
        isinstance(x, str) or (objects and isinstance(x, dict)
                               and isinstance(x.get("value"), str)) for x in value)
    if not ok:
        raise LoadError(f"{shown}: {where} `{key}` must be an array of strings, not {value!r}")

