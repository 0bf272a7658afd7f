"""Column-wise Table Schema checks with pyarrow, for :mod:`opencase.datapackage.check`.

Each field is checked as a whole column (read by :mod:`opencase.datapackage.table.read` and
:mod:`opencase.datapackage.table.read_csv`, cast by :mod:`opencase.datapackage.table.cast`):
missing values, types, constraints (required, unique, pattern, enum, minimum/maximum,
exclusive bounds, minLength/maxLength), blank rows, primary keys and
``uniqueKeys``. Keys are unique without hashing when the rows are in strictly increasing key
order (as opencase publishes them); otherwise one hash pass (``count_distinct``) decides, and
only when there are duplicates are they located (group counts and a join). Python touches
single values only to write the messages of the first failing rows of each check.

The semantics follow frictionless 5 (the reference implementation) so that both find the same
cells: rows are numbered as frictionless numbers them (the header is row 1); a value that fails
its type is not checked against constraints; a missing value is checked only by ``required``;
a row whose cells are all missing is a blank row (and only that); ``unique`` and primary-key
duplicates are reported on every occurrence after the first; a primary key whose cells are all
missing is an error, one with some missing cells is compared as it is. Known, deliberate
differences: a ``pattern`` must match the whole value (frictionless wraps it as ``^pattern$``
without a group, which changes the meaning of a top-level ``|``); integers beyond 38 digits are
refused; naive and zone-aware datetimes compare as if naive ones were UTC; the time zone of a
``time`` is ignored when comparing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from opencase.codes import Code
from opencase.datapackage.table.arrow import STR, failed_cast, keep, per_unique
from opencase.datapackage.table.cast import SUPPORTED, cast_text, decimal_reader
from opencase.datapackage.table.cast_typed import beyond, cast_constant, cast_native
from opencase.datapackage.table.exact import PY_OPS, exact_bound, exact_key, exact_value, refine
from opencase.datapackage.table.keys import (
    all_null,
    canonical_key,
    comparable,
    foreign_pair,
    key_set,
    key_text,
    later_duplicates,
)
from opencase.datapackage.table.read import Emitter, RawTable, RowMap, show

__all__ = [
    "Checked", "TableChecker", "all_null", "canonical_key", "column_values", "comparable",
    "foreign_pair", "key_set", "key_text", "later_duplicates", "missing_values", "typed_column",
]



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
        self._exact: dict[str, tuple[dict[str, Any], Any, bool]] = {}
        mv = schema.get("missingValues", [""])
        self.missing = missing_values(mv)

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
                emit.mask(Code.BLANK_ROW, blank, lambda i: "the row is empty: delete it or fill "
                          "it in", what="")
            else:
                blank = None

        invalid = raw.invalid or [None] * len(self.fields)
        for f, native, missing, v, wrong in zip(self.fields, raw.native, missing_masks, values,
                                                invalid, strict=True):
            name: str = f["name"]  # every field has one (check_schema drops a schema without)
            if v is None:
                continue
            t, reason = typed_column(f, v, native)
            if reason:
                emit.add(Code.COLUMN_TYPE, f"field {name!r}: {reason}; its values are not "
                         "checked", field=name)
                continue
            if wrong is not None and pc.any(wrong).as_py():  # inline JSON of another type
                t = keep(pc.invert(wrong), t)
            typed[name] = t
            if f.get("type") == "number" and pa.types.is_floating(t.type):
                self._exact[name] = (f, v, native)
            bad = failed_cast(v, t)
            emit.mask(Code.CELL_TYPE, bad, lambda i, v=v, f=f: (
                f"{f['name']}: {show(_value(v, i))} is not a valid {_type_name(f)}"),
                field=name, what=f" (not a valid {_type_name(f)})")
            self._constraints(f, v, t, missing, blank, native)

        self._keys(typed, raw)
        return Checked(typed, raw.num_rows, raw.rows)

    # -- constraints

    def _constraints(self, f: dict[str, Any], v: Any, t: Any, missing: Any,
                     blank: Any, native: bool = False) -> None:
        emit, name = self.emit, f["name"]
        cons = f.get("constraints") or {}
        if not isinstance(cons, dict):
            return
        ftype = f.get("type", "any")
        ok = SUPPORTED.get(ftype, SUPPORTED["any"]) | {"unique"}
        if cons.get("required") is True:
            mask = missing if blank is None else pc.and_(missing, pc.invert(blank))
            emit.mask(Code.CELL_REQUIRED, mask, lambda i: f"{name} is required but empty",
                      field=name)
        if "pattern" in cons and "pattern" in ok and isinstance(cons["pattern"], str):
            fails, why = _pattern_fails(t, cons["pattern"])
            if fails is None:
                emit.add(Code.SCHEMA_INVALID, f"field {name!r}: pattern {cons['pattern']!r} {why}",
                         field=name)
            else:
                emit.mask(Code.CELL_PATTERN, fails, lambda i: (
                    f"{name}: {show(_value(v, i))} does not match the pattern "
                    f"{cons['pattern']}"), field=name)
        if "enum" in cons and "enum" in ok and isinstance(cons["enum"], list):
            try:
                inside = _in_enum(f, t, cons["enum"], native)
                exact = {exact_bound(x) if not isinstance(x, str) else _decimal(f, x)
                         for x in cons["enum"]} - {None}
                if pa.types.is_floating(t.type) and ftype == "number" and exact:
                    inside = refine(v, inside, exact_value(f, native), exact.__contains__)
                fails = pc.and_(pc.is_valid(t), pc.invert(inside))
            except pa.ArrowNotImplementedError:
                self._cannot(name, "enum", t)
                fails = None
            listed = ", ".join(str(x) for x in cons["enum"][:12])
            more = ", ..." if len(cons["enum"]) > 12 else ""
            emit.mask(Code.CELL_ENUM, fails, lambda i: (
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
            side = beyond(cons[key], t.type)
            bound = cast_constant(f, cons[key], t.type)
            if side and pa.types.is_floating(t.type):  # beyond every finite float: only an
                at = pc.equal(t, side * float("inf"))  # infinity on its side beats it
                fails = at if (op in (pc.greater, pc.greater_equal)) == (side > 0) \
                    else pc.invert(at)
                fails = pc.or_(fails, pc.is_nan(t))
            elif side:  # beyond every value the column can hold: every present value fails
                fails = pc.is_valid(t) if op(pa.scalar(0), pa.scalar(side)).as_py() else None
            elif bound is None:
                emit.add(Code.SCHEMA_INVALID, f"field {name!r}: {key} {cons[key]!r} is not a "
                         f"valid {ftype}", field=name)
                continue
            else:
                fails = op(t, bound)
                limit = exact_bound(cons[key])
                if pa.types.is_floating(t.type) and limit is not None and ftype == "number":
                    # where the float ties with the bound, the exact value decides
                    tie = pc.equal(t, bound)
                    fails = pc.or_(pc.and_(fails, pc.invert(tie)), refine(
                        v, tie, exact_value(f, native), partial(_holds, PY_OPS[op], limit)))
                if pa.types.is_floating(t.type):
                    fails = pc.or_(fails, pc.is_nan(t))
            emit.mask(Code.CELL_RANGE, fails, lambda i, key=key, says=says: (
                f"{name}: {show(_value(v, i))} is {says} {cons[key]}"), field=name)
        for key, op, says in (("minLength", pc.less, "shorter than minLength"),
                              ("maxLength", pc.greater, "longer than maxLength")):
            if key not in cons or key not in ok or not isinstance(cons[key], int):
                continue
            length = _lengths(f, t)
            fails = op(length, min(cons[key], 2**62))  # (a longer limit: no text is that long)
            emit.mask(Code.CELL_LENGTH, fails, lambda i, key=key, says=says, length=length: (
                f"{name}: {show(_value(v, i))} has length {length[i].as_py()}, {says} "
                f"{cons[key]}"), field=name)
        if cons.get("unique") is True:
            try:
                later, first = later_duplicates(t, None, [t])
                if len(later) and ftype == "number" and pa.types.is_floating(t.type):
                    later, first = later_duplicates(exact_key(f, v, native, t), None)
            except pa.ArrowNotImplementedError:
                self._cannot(name, "unique", t)
                return
            where = _first_rows(later, first, emit.limit)
            emit.indices(Code.CELL_UNIQUE, later, lambda i: (
                f"{name}: {show(_value(v, i))} must be unique but is the same as in row "
                f"{emit.rows(where[i])}"), field=name)

    def _cannot(self, name: str, what: str, t: Any) -> None:
        """A check the column's Arrow type does not allow: reported, never passed."""
        self.emit.add(Code.COLUMN_TYPE, f"field {name!r}: its {what} cannot be checked on a "
                      f"column of type {t.type}", field=name)

    # -- primary and unique keys

    def _keys(self, typed: dict[str, Any], raw: RawTable) -> None:
        emit = self.emit
        pk = self.schema.get("primaryKey")
        if isinstance(pk, str):
            pk = [pk]
        keys: list[tuple[Code, list[str]]] = []
        if isinstance(pk, list) and pk:
            keys.append((Code.PRIMARY_KEY, pk))
        for uk in self.schema.get("uniqueKeys") or []:
            if isinstance(uk, list) and uk:
                keys.append((Code.UNIQUE_KEY, uk))
        for code, names in keys:
            if not all(n in typed for n in names):
                continue
            cols = [typed[n] for n in names]
            label = ", ".join(names)
            empty = all_null(cols)
            if code == Code.PRIMARY_KEY:
                emit.mask(code, empty, lambda i, label=label: (
                    f"the primary key ({label}) is empty: every row needs one"), field=label)
            try:
                key = canonical_key(cols)
                later, first = later_duplicates(key, pc.invert(empty), cols)
                if len(later) and len(names) == 1 and names[0] in self._exact:
                    f, v, native = self._exact[names[0]]
                    later, first = later_duplicates(exact_key(f, v, native, cols[0]), None)
            except pa.ArrowNotImplementedError:
                self._cannot(label, code.replace("-", " "), cols[0])
                continue
            where = _first_rows(later, first, emit.limit)
            kind = "primary key" if code == Code.PRIMARY_KEY else "unique key"
            emit.indices(code, later, lambda i, key=key, cols=cols, kind=kind, label=label,
                         where=where: (
                f"the {kind} ({label}) {show(key_text(key, cols, i))} is the same as in row "
                f"{emit.rows(where[i])}"), field=label)


def column_values(f: dict[str, Any], col: Any, native: bool, default_missing: pa.Array
                  ) -> tuple[Any, Any]:
    """The missing-value mask of a column and the column with its missing values as nulls."""
    if native:
        return pc.is_null(col), col
    mv = missing_values(f["missingValues"]) if "missingValues" in f else default_missing
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
    return keep(valid, chunk)


def _first_rows(later: pa.Array, first: pa.Array, limit: int) -> dict[int, int]:
    """For the duplicates that will be listed: row index -> index of the first occurrence."""
    return dict(zip(later[: limit + 1].to_pylist(), first[: limit + 1].to_pylist(),
                    strict=True))


def missing_values(mv: Any) -> pa.Array:
    """A ``missingValues`` list (strings, or objects with a ``value``) as a text array."""
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


def _type_name(f: dict[str, Any]) -> str:
    fmt = f.get("format")
    ftype = f.get("type", "any")
    return f"{ftype} ({fmt})" if fmt and fmt != "default" else ftype


def _pattern_fails(t: Any, pattern: str) -> tuple[Any | None, str]:
    """Where a present value does not match ``pattern`` as a whole, or (None, why not)."""
    try:
        ok = pc.match_substring_regex(t, f"^(?:{pattern})$")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError):
            return None, "is not a valid regular expression"
        uniq = pc.unique(t).drop_null()
        matched = _python_fullmatch(pattern, uniq.to_pylist())
        if matched is None:
            return None, (f"is not one RE2 takes, and Python's matching of it took more than "
                          f"{_PATTERN_SECONDS:g} seconds (it backtracks): simplify it")
        ok = pc.take(pa.array(matched, pa.bool_()), pc.index_in(t, value_set=uniq))
    return pc.and_(pc.is_valid(t), pc.invert(ok)), ""


_PATTERN_SECONDS = 10.0
_MATCHER = (
    "import json, re, sys\n"
    "p, values = json.load(sys.stdin)\n"
    "rx = re.compile(p)\n"
    "json.dump([rx.fullmatch(x) is not None for x in values], sys.stdout)\n"
)


def _python_fullmatch(pattern: str, values: list[str]) -> list[bool] | None:
    """Python's ``re`` full match of each value, in a child process with a time limit (a
    pattern such as ``(a+)+b`` can backtrack for ever), or None if it took too long."""
    import subprocess
    import sys

    if not values:
        return []
    try:
        run = subprocess.run([sys.executable, "-I", "-c", _MATCHER],
                             input=json.dumps([pattern, values]), capture_output=True,
                             text=True, timeout=_PATTERN_SECONDS, check=True)
        out = json.loads(run.stdout)
    except (subprocess.SubprocessError, OSError, ValueError):
        return None
    return out if isinstance(out, list) and len(out) == len(values) else None


def _own_kind(ftype: str, x: Any, native: bool) -> bool:
    """Whether frictionless's reader of a ``ftype`` field takes the JSON enum value ``x``
    (it reads enum values as it reads cells: a string field takes no number, a boolean field
    no 1, a year field no 2020.0)."""
    if isinstance(x, str):
        return True
    if ftype == "any":
        return native  # text cells are strings, equal to no number or boolean
    if isinstance(x, bool):
        return ftype in ("boolean", "year")
    if isinstance(x, int):
        return ftype in ("integer", "number", "year")
    if isinstance(x, float):
        return ftype == "number" or (ftype == "integer" and x.is_integer())
    return ftype not in ("string", "boolean", "integer", "number", "year")


def _in_enum(f: dict[str, Any], t: Any, enum: list[Any], native: bool = False) -> Any:
    """Where the typed column ``t`` holds one of the ``enum`` values (numbers beyond the
    column's range can equal none of its values; lists and objects are compared whole)."""
    if pa.types.is_nested(t.type):
        try:
            allowed: Any = comparable(pa.array(enum, t.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            allowed = pa.array([], comparable(t).type)
        return pc.is_in(comparable(t), value_set=allowed)
    t = comparable(t)
    ftype = f.get("type", "any")
    enum = [x for x in enum if _own_kind(ftype, x, native)]
    typed = [cast_constant(f, x, t.type) for x in enum if not beyond(x, t.type)]
    return pc.is_in(t, value_set=pa.array([a.as_py() for a in typed if a is not None], t.type))


def _decimal(f: dict[str, Any], x: str) -> Any:
    try:
        return decimal_reader(f)(x)
    except ArithmeticError:
        return None


def _lengths(f: dict[str, Any], t: Any) -> Any:
    ftype = f.get("type", "any")
    if ftype in ("array", "object"):
        return per_unique(t, lambda x: len(json.loads(x)), pa.int64())
    if ftype == "list":
        delim = f.get("delimiter", ",")
        return per_unique(t, lambda x: len(x.split(delim)), pa.int64())
    return pc.utf8_length(t)


def _holds(op: Callable[[Any, Any], bool], bound: Decimal, value: Decimal) -> bool:
    """``op(value, bound)``: whether an exact value fails a bound (``op`` as in PY_OPS)."""
    return op(value, bound)
