"""The data pass of ``opencase check``: every table resource, foreign keys, CSV/Parquet twins.

Resources are checked one at a time, referenced resources first (so a foreign key is checked
as soon as its child table is read, and only the distinct referenced values are kept in
memory). A CSV resource with a Parquet twin is compared with it column by column right after
it is checked; a twin with identical rows is not checked a second time (its findings would be
the CSV's), one that differs is reported and then checked in full.

Two rules beyond the standard's, for a table of rows kept in several tables (opencase's
``entities``), each read from the descriptor, not from knowledge of records:

- a field marked ``"x-names-resource": true`` names, on each row, the resource that holds that
  row's (single-field) primary key: a row whose key that resource lacks is a ``foreign-key``
  error (no row may stand for a record that is not there);
- a field with ``"x-references": [resources]`` whose foreign key points into such a table
  may only refer to rows of those resources (``reference-kind``).
"""

from __future__ import annotations

import codecs
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from opencase.codes import Code
from opencase.datapackage.table.arrow import is_text
from opencase.datapackage.table.checker import (
    Checked,
    TableChecker,
    all_null,
    canonical_key,
    column_values,
    comparable,
    foreign_pair,
    key_set,
    key_text,
    missing_values,
    typed_column,
)
from opencase.datapackage.table.read import (
    Emitter,
    RawTable,
    decoded,
    read_inline,
    read_parquet,
    show,
)
from opencase.datapackage.table.read_csv import has_header, read_csv, text_encoding
from opencase.report import Report

__all__ = ["DataChecker"]


_PACKED = (".gz", ".bz2", ".zip", ".xz", ".zst")


class Resource(Protocol):  # what opencase.datapackage.check hands over
    name: str
    label: str
    fmt: str | None
    files: list[Any]
    desc: dict[str, Any]
    schema: dict[str, Any] | None
    dialect: dict[str, Any]


@dataclass
class _Deferred:
    resource: Resource
    emit: Emitter
    fk: dict[str, Any]
    columns: list[Any]


class DataChecker:
    def __init__(self, report: Report, limit: int) -> None:
        self.report = report
        self.limit = limit
        self.keysets: dict[tuple[str, tuple[str, ...]], Any] = {}
        self.alias: dict[str, str] = {}  # identical Parquet twin -> its CSV resource
        self.needed: dict[str, set[tuple[str, ...]]] = {}
        self.deferred: list[_Deferred] = []
        # a table whose rows name the resource holding them -> (its field naming it, the
        # resources it may name); and, once read, its keys, those names and its emitter
        self.row_tables: dict[str, tuple[str, set[str]]] = {}
        self.rows_of: dict[str, tuple[Any, Any, Emitter]] = {}
        self.kinds_deferred: list[tuple[Resource, Emitter, dict[str, Any], Any]] = []

    def run(self, tables: Sequence[Resource],
            pairs: Sequence[tuple[Resource, Resource]]) -> int:
        twin_of = {id(c): p for c, p in pairs}
        csv_of = {id(p): c for c, p in pairs}
        for r in tables:
            for fk in _fks(r):
                self.needed.setdefault(fk["reference"]["resource"], set()).add(
                    tuple(fk["reference"]["fields"]))
        by_name = {r.name: r for r in tables}
        for r in tables:
            naming = _names_field(r)
            if naming is None:
                continue
            field, named = naming
            self.row_tables[r.name] = (field, named)
            for name in named & by_name.keys():
                key = tuple((by_name[name].schema or {}).get("primaryKey") or ())
                if len(key) == 1:
                    self.needed.setdefault(name, set()).add(key)
        for c, p in pairs:  # the CSV stands in for its twin when they are identical
            self.needed.setdefault(c.name, set()).update(self.needed.get(p.name, set()))
        done: set[int] = set()
        rows = 0
        for r in _parents_first(tables):
            pa.default_memory_pool().release_unused()
            if id(r) in csv_of and id(csv_of[id(r)]) not in done:
                r = csv_of[id(r)]  # a twin pair is checked CSV first
            if id(r) in done:
                continue
            done.add(id(r))
            twin = twin_of.get(id(r))
            if twin is not None and id(twin) not in done:
                done.add(id(twin))
                rows += self._pair(r, twin)
                continue
            checked = self._check(r)
            rows += checked.num_rows if checked else 0
            del checked
        for d in self.deferred:
            self._foreign_key(d.resource, d.emit, d.fk, d.columns, final=True)
        for r, emit, fk, column in self.kinds_deferred:
            self._reference_kind(r, emit, fk, column)
        self._rows_named(by_name)
        return rows

    # ------------------------------------------------------------ one resource

    def _read(self, r: Resource, emit: Emitter) -> RawTable | None:
        assert r.schema is not None
        names = [f["name"] for f in r.schema["fields"]]
        if "data" in r.desc and not r.files:
            return read_inline(r.desc["data"], names, emit, has_header(r.dialect),
                               r.schema["fields"])
        if len(r.files) > 1 and r.fmt in ("csv", "tsv", None) and not any(
                f.suffix.lower() in _PACKED for f in r.files):
            # a CSV split over several files: the parts joined byte for byte, the header in
            # the first part only (as the Data Package standard has it)
            with tempfile.TemporaryDirectory(prefix="opencase-") as tmp:
                joined = Path(tmp) / "joined.csv"
                with open(joined, "wb") as out:
                    for part in r.files:
                        with open(part, "rb") as f:
                            shutil.copyfileobj(f, out, 1 << 20)
                return read_csv(joined, r.desc, r.dialect, r.fmt or "csv", names, emit)
        if len(r.files) != 1:
            emit.add(Code.FORMAT_UNSUPPORTED, f"resource {r.name!r} has a Table Schema but is "
                     f"split over {len(r.files)} {r.fmt or ''} files, whose rows opencase "
                     "check cannot read: only their bytes and hash are checked")
            return None
        if r.fmt == "parquet":
            return read_parquet(r.files[0], names, emit)
        return read_csv(r.files[0], r.desc, r.dialect, r.fmt or "csv", names, emit)

    def _check(self, r: Resource, raw: RawTable | None = None,
               emit: Emitter | None = None) -> Checked | None:
        """Check one resource's rows (``raw``: already read) and its foreign keys."""
        emit = emit or Emitter(self.report, r.label, self.limit)
        if raw is None:
            raw = self._read(r, emit)
        if raw is None:
            return None
        emit.rows = raw.rows
        assert r.schema is not None
        checked = TableChecker(r.schema, emit).run(raw)
        del raw
        self._keys_of(r, checked, emit)
        return checked

    def _keys_of(self, r: Resource, checked: Checked, emit: Emitter) -> None:
        """Keep the values other tables refer to; check this table's foreign keys."""
        for fields in self.needed.get(r.name, ()):
            if all(f in checked.typed for f in fields):
                self.keysets[(r.name, fields)] = key_set([checked.typed[f] for f in fields])
        naming = self.row_tables.get(r.name)
        key = tuple((r.schema or {}).get("primaryKey") or ())
        if naming is not None and len(key) == 1 and key[0] in checked.typed \
                and naming[0] in checked.typed:
            self.rows_of[r.name] = (checked.typed[key[0]], checked.typed[naming[0]], emit)
        for fk in _fks(r):
            fields = fk["fields"]
            if all(f in checked.typed for f in fields):
                columns = [checked.typed[f] for f in fields]
                if not self._foreign_key(r, emit, fk, columns, final=False):
                    self.deferred.append(_Deferred(r, emit, fk, columns))
                if len(fields) == 1 and self._kinds_of(r, fk) is not None:
                    target = fk["reference"]["resource"]
                    if self.alias.get(target, target) in self.rows_of:
                        self._reference_kind(r, emit, fk, columns[0])
                    else:  # (the referenced table comes later: only in a cycle)
                        self.kinds_deferred.append((r, emit, fk, columns[0]))

    def _pair(self, c: Resource, p: Resource) -> int:
        """A CSV resource and its Parquet twin; returns the rows read."""
        p_found = Report(strict=self.report.strict)  # the Parquet file's header issues
        if (len(c.files) == 1 and len(p.files) == 1 and c.fmt == "csv" and not c.dialect
                and not _text_rules(c.schema)):
            p_emit = Emitter(p_found, p.label, self.limit)
            assert p.schema is not None
            raw = read_parquet(p.files[0], [f["name"] for f in p.schema["fields"]], p_emit)
            if raw is not None and all(col is not None for col in raw.columns):
                # Is the CSV file, byte for byte, the Parquet table written as CSV? Then both
                # hold the same rows, and the (typed, faster to read) Parquet data is checked
                # once, reporting against the CSV file, whose rows frictionless would number
                # the same way. The comparison runs beside the checks; their issues are kept
                # only if it succeeds.
                names = [f["name"] for f in p.schema["fields"]]
                with ThreadPoolExecutor(max_workers=1) as pool:
                    same = pool.submit(csv_matches, c.files[0], raw, names,
                                       c.desc.get("encoding") or "utf-8")
                    found = Report(strict=self.report.strict)
                    emit = Emitter(found, c.label, self.limit, raw.rows)
                    assert c.schema is not None
                    checked = TableChecker(c.schema, emit).run(raw)
                    identical = same.result()
                del raw
                pa.default_memory_pool().release_unused()
                if identical:
                    self.alias[p.name] = c.name
                    self.report.extend(p_found.issues)
                    self.report.extend(found.issues)
                    emit.report = self.report
                    self._keys_of(c, checked, emit)
                    return 2 * checked.num_rows
                del checked, found
            else:
                del raw
        csv_checked = self._check(c)
        rows = csv_checked.num_rows if csv_checked else 0
        if csv_checked is not None and self._same_rows(c, csv_checked, p):
            self.alias[p.name] = c.name
            self.report.extend(p_found.issues)
            return 2 * rows
        del csv_checked
        twin_checked = self._check(p)
        return rows + (twin_checked.num_rows if twin_checked else 0)

    def _foreign_key(self, r: Resource, emit: Emitter, fk: dict[str, Any],
                     columns: list[Any], *, final: bool) -> bool:
        """Check one foreign key; False if the referenced values are not known yet."""
        target = fk["reference"]["resource"]
        ref_fields = tuple(fk["reference"]["fields"])
        values = self.keysets.get((self.alias.get(target, target), ref_fields))
        if values is None:
            return final  # the referenced table could not be read: already reported
        fields = fk["fields"]
        if len(columns) == 1:
            child = comparable(columns[0])
            if values.type != child.type:  # numbers with numbers, text with text
                child, values = foreign_pair(child, values)
            key = child
            fails = pc.and_(pc.is_valid(child), pc.invert(pc.is_in(child, value_set=values)))
        else:
            key = canonical_key(columns)
            fails = pc.and_(pc.invert(all_null(columns)),
                            pc.invert(pc.is_in(key, value_set=values)))
        label = ", ".join(fields)
        where = "this resource" if target == r.name else f"resource {target!r}"
        ref_label = ", ".join(ref_fields)
        emit.mask(Code.FOREIGN_KEY, fails, lambda i: (
            f"{label} {show(key_text(key, columns, i))} is not a value of {ref_label} in "
            f"{where}"),
            field=label)
        return True

    def _kinds_of(self, r: Resource, fk: dict[str, Any]) -> list[str] | None:
        """The resources a single-field foreign key into a table of rows kept in several
        tables may refer to (its field's ``x-references``), or ``None``."""
        if fk["reference"]["resource"] not in self.row_tables:
            return None
        field = next((f for f in (r.schema or {}).get("fields", [])
                      if f.get("name") == fk["fields"][0]), None)
        kinds = field.get("x-references") if field else None
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            return None
        return kinds

    def _reference_kind(self, r: Resource, emit: Emitter, fk: dict[str, Any],
                        column: Any) -> None:
        """``reference-kind`` for each value of ``column`` that refers to a row of a resource
        its field's ``x-references`` does not list."""
        target = fk["reference"]["resource"]
        found = self.rows_of.get(self.alias.get(target, target))
        allowed = self._kinds_of(r, fk)
        if found is None or allowed is None:
            return  # the referenced table could not be read: already reported
        if set(allowed) >= self.row_tables[self.alias.get(target, target)][1]:
            return  # (every resource the table may name is allowed: nothing can fail)
        keys, names, _ = found
        child, keys = comparable(column), comparable(keys)
        if child.type != keys.type:
            return  # refers to no row there: a foreign-key error already
        # the ids of the allowed rows (few, next to every row), then, for the few values not
        # among them, which are rows of another resource (the rest: foreign-key errors)
        good = pc.filter(keys, pc.is_in(names, value_set=pa.array(allowed, names.type)))
        other = pc.and_(pc.is_valid(child), pc.invert(pc.is_in(child, value_set=good)))
        at = pc.indices_nonzero(pc.fill_null(other, False))
        if not len(at):
            return
        kind = pc.take(names, pc.index_in(pc.take(child, at), value_set=keys))
        at, kind = pc.filter(at, pc.is_valid(kind)), pc.drop_null(kind)
        label = fk["fields"][0]
        shown = dict(zip(at.to_pylist()[:self.limit + 1], kind.to_pylist(), strict=False))
        emit.indices(Code.REFERENCE_KIND, at, lambda i: (
            f"{label} {show(child[i].as_py())} is a row of {shown.get(i)!r} in {target!r}; "
            f"{label} may only refer to rows of {', '.join(map(repr, allowed))}"),
            field=label)

    def _rows_named(self, by_name: dict[str, Resource]) -> None:
        """``foreign-key`` for each row of a table of rows kept in several tables whose key
        the resource its row names does not hold."""
        for name, (keys, names, emit) in self.rows_of.items():
            field = self.row_tables[name][0]
            mine = comparable(keys)
            for other in sorted(self.row_tables[name][1] & by_name.keys()):
                key = tuple((by_name[other].schema or {}).get("primaryKey") or ())
                values = self.keysets.get((self.alias.get(other, other), key))
                if values is None or len(key) != 1:
                    continue  # unreadable (already reported), or no single-field key
                # the rows naming this resource (their positions), then those it lacks
                at = pc.indices_nonzero(pc.fill_null(
                    pc.equal(names, pa.scalar(other, names.type)), False))
                ids = pc.take(mine, at)
                if ids.type != values.type:
                    ids, values = foreign_pair(ids, values)
                lacking = pc.take(at, pc.indices_nonzero(pc.fill_null(
                    pc.invert(pc.is_in(ids, value_set=values)), False)))
                emit.indices(Code.FOREIGN_KEY, lacking,
                             lambda i, other=other, key=key, m=mine, f=field: (
                    f"{f} {other!r} says that resource {other!r} holds this row, but "
                    f"{show(m[i].as_py())} is not a value of {key[0]} there"),
                    field=field)

    # ------------------------------------------------------------ twins

    def _same_rows(self, c: Resource, checked: Checked, p: Resource) -> bool:
        """Compare a CSV resource's typed columns with its Parquet twin's, column by column."""
        emit = Emitter(self.report, p.label, self.limit, checked.rows)
        if len(p.files) != 1:
            return False
        try:
            pf = pq.ParquetFile(p.files[0])
            names = pf.schema_arrow.names
            have = set(names)
            n = pf.metadata.num_rows
        except (pa.ArrowException, OSError):
            return False  # the full check of the Parquet file reports it
        if len(have) != len(names):
            return False  # a column name given twice: the full check reports it
        if n != checked.num_rows:
            emit.add(Code.TWIN_MISMATCH, f"{p.label} has {n:,} rows but its CSV twin {c.label} "
                     f"has {checked.num_rows:,}")
            return False
        assert p.schema is not None
        default_missing = missing_values(p.schema.get("missingValues", [""]))
        same = True
        pool = pa.default_memory_pool()
        pool.release_unused()
        groups = [pf.metadata.row_group(g).num_rows for g in range(pf.num_row_groups)]
        for f in p.schema["fields"]:
            name = f["name"]
            if name not in have:
                return False
            if name not in checked.typed:
                continue
            # one row group at a time, and the CSV column let go once compared: memory stays
            # near the size of the CSV table
            a = checked.typed.pop(name)
            masks, start = [], 0
            for g, rows in enumerate(groups):
                col = decoded(pf.read_row_group(g, columns=[name]).column(0))
                native = not is_text(col.type)
                _, v = column_values(f, col, native, default_missing)
                t, reason = typed_column(f, v, native)
                if reason:
                    return False
                diff = _differs(a.slice(start, rows), t)
                if diff is None:
                    return False
                masks.append(diff)
                start += rows
            diff = pa.chunked_array([ch for m in masks for ch in _chunks(m)], pa.bool_())
            shown = emit.mask(Code.TWIN_MISMATCH, diff, lambda i, a=a, name=name: (
                f"{name}: the Parquet value {show(_parquet_value(pf, name, i))} differs from "
                f"{show(_plain(a, i))} in {c.label}"), field=name)
            same = same and not shown
            del a, masks, diff
            pool.release_unused()
        return same


_TEXT_OPTIONS = ("trueValues", "falseValues", "decimalChar", "groupChar", "bareNumber",
                 "missingValues")


def _text_rules(schema: dict[str, Any] | None) -> bool:
    """Whether a CSV schema has rules on the text of its cells (true/false words, decimal and
    group characters, non-bare numbers, date/time formats, missing values, 4-digit years):
    then its rows must be checked as the CSV's own text, not as its Parquet twin's values."""
    if schema is None:
        return True
    if schema.get("missingValues", [""]) != [""]:
        return True
    for f in schema.get("fields", []):
        if any(k in f for k in _TEXT_OPTIONS) or f.get("type") in ("year", "yearmonth"):
            return True
        if f.get("format", "default") != "default" and f.get("type") in (
                "date", "time", "datetime"):
            return True
    return False


def _chunks(m: Any) -> list[Any]:
    return list(m.chunks) if isinstance(m, pa.ChunkedArray) else [m]


def _parquet_value(pf: Any, name: str, i: int) -> Any:
    """Row ``i`` of a Parquet column (read again, only to write a message)."""
    start = 0
    for g in range(pf.num_row_groups):
        rows = pf.metadata.row_group(g).num_rows
        if i < start + rows:
            return pf.read_row_group(g, columns=[name]).column(0)[i - start].as_py()
        start += rows
    return None


class _Compare:
    """A file-like sink that compares what is written (UTF-8, from pyarrow's CSV writer) with a
    file's bytes, the text encoded as the file declares (``codec``: None for UTF-8)."""

    closed = False

    def __init__(self, f: Any, codec: str | None) -> None:
        self.f = f
        self.decoder = codecs.getincrementaldecoder("utf-8")() if codec else None
        self.encoder = codecs.getincrementalencoder(codec)() if codec else None

    def write(self, data: Any) -> int:
        n = len(data)
        out = bytes(data)
        if self.decoder is not None and self.encoder is not None:
            out = self.encoder.encode(self.decoder.decode(out))
        if self.f.read(len(out)) != out:
            raise _Differs
        return n

    def flush(self) -> None:
        pass


class _Differs(Exception):
    pass


def _line_end(f: Any, codec: str | None) -> str:
    """The line ending of the file's first line (its text decoded as declared)."""
    head = f.read(1 << 16)
    f.seek(0)
    text = head.decode(codec or "utf-8", errors="replace")
    at = text.find("\n")
    return "\r\n" if at > 0 and text[at - 1] == "\r" else "\n"


def csv_matches(path: Any, raw: RawTable, names: list[str], encoding: str = "utf-8") -> bool:
    """Whether the CSV file is exactly ``raw`` written by pyarrow's CSV writer (header, quoting
    of text, comma, the file's line ending) in the file's declared ``encoding``: then both hold
    the same rows."""
    codec = text_encoding(encoding)
    if codec is None:
        return False  # an encoding that cannot be read: the CSV's own check reports it
    if codec == "utf-8":
        codec = None
    with open(path, "rb") as f:
        try:
            eol = _line_end(f, codec)
            table = pa.table(raw.columns, names=names)
            sink = _Compare(f, codec)
            pcsv.write_csv(table, sink, pcsv.WriteOptions(
                include_header=True, eol=eol, quoting_style="needed"))
        except _Differs:
            return False
        except (pa.ArrowException, OSError, ValueError):  # (UnicodeError is a ValueError)
            return False
        return f.read(1) == b""


def _differs(a: Any, b: Any) -> Any | None:
    if a.type != b.type:
        try:
            b = pc.cast(b, a.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            try:
                a, b = pc.cast(a, pa.string()), pc.cast(b, pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
    both_null = pc.and_(pc.is_null(a), pc.is_null(b))
    same = pc.coalesce(pc.equal(a, b), both_null)
    if pa.types.is_floating(a.type):
        same = pc.or_(same, pc.fill_null(pc.and_(pc.is_nan(a), pc.is_nan(b)), False))
    return pc.invert(same)


def _plain(col: Any, i: int) -> Any:
    return col[i].as_py()


def _names_field(r: Resource) -> tuple[str, set[str]] | None:
    """The field marked ``x-names-resource`` (its name, and the resource names its ``enum``
    allows), if ``r`` has one."""
    for f in (r.schema or {}).get("fields", []):
        if f.get("x-names-resource") is True and isinstance(f.get("name"), str):
            enum = (f.get("constraints") or {}).get("enum") or []
            return f["name"], {v for v in enum if isinstance(v, str)}
    return None


def _fks(r: Resource) -> list[dict[str, Any]]:
    return list((r.schema or {}).get("foreignKeys") or [])


def _parents_first(tables: Sequence[Resource]) -> list[Resource]:
    """Tables ordered so that a referenced table comes before those referring to it (in the
    package's order otherwise; tables in a cycle keep it)."""
    by_name = {r.name: r for r in tables}
    parents = {id(r): {fk["reference"]["resource"] for fk in _fks(r)} - {r.name}
               for r in tables}
    out: list[Resource] = []
    placed: set[str] = set()
    pending = list(tables)
    while pending:
        ready = [r for r in pending
                 if all(p in placed or p not in by_name for p in parents[id(r)])]
        if not ready:
            ready = pending[:1]
        first = ready[0]
        out.append(first)
        placed.add(first.name)
        pending = [r for r in pending if r is not first]
    return out
