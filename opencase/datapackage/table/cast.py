"""Casting Table Schema values with pyarrow, column by column, for ``opencase check``.

A text column (CSV, or text in Parquet) is cast to the Arrow type of its field: ``integer`` to
int64, ``number`` to float64, ``boolean`` to bool, ``date`` to date32, ``datetime`` to
timestamp (UTC), ``time`` to time64 (a time with a UTC offset as the time of day in UTC, as a
datetime is), ``year`` to int64; other types stay text. A value that does not cast becomes
null, and :func:`cast_text` re-reads the values the vectorised casts refuse, once per distinct
value, the way frictionless reads them, so that both agree on edge cases.
A typed Parquet column is normalised to the same Arrow types by
:func:`opencase.datapackage.table.cast_typed.cast_native`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from opencase.datapackage.table.arrow import STR, keep, per_unique

__all__ = ["DEFAULT_FALSE", "DEFAULT_TRUE", "SUPPORTED", "UTC_TIMESTAMP", "cast_text",
           "decimal_reader", "utc"]

DEFAULT_TRUE = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]
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


# ---------------------------------------------------------------- type casts


def _match(v: Any, pattern: str) -> Any:
    return pc.match_substring_regex(v, pattern)


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
    s = keep(_match(s, _INT), pc.replace_substring_regex(s, r"^\+", ""))
    try:
        return pc.cast(s, pa.int64())
    except pa.ArrowInvalid:
        pass
    fits = pc.less_equal(pc.utf8_length(pc.replace_substring_regex(s, r"^-", "")), 38)
    return pc.cast(keep(fits, s), pa.decimal128(38, 0))


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
            s = keep(pc.invert(pc.match_substring(s, ".")), s)
            s = pc.replace_substring(s, decimal, ".")
    s = keep(_match(s, _NUM), s)
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
    return pc.cast(keep(ok, ts), pa.date32())


def _date(f: dict[str, Any], v: Any) -> Any:
    fmt = f.get("format", "default")
    if fmt in (None, "default"):
        try:
            return pc.cast(v, pa.date32())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        return _valid_iso_dates(v)  # the rest: see cast_text
    if fmt == "any":
        return per_unique(v, lambda x: _parse_any(x).date(), pa.date32())
    return per_unique(v, lambda x: datetime.strptime(x, fmt).date(), pa.date32())


def _parse_any(x: str) -> datetime:
    from dateutil import parser  # imported when a field's format is "any"

    return parser.parse(x)


_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:[.,]\d+)?|24:00:00(?:[.,]0+)?"
_TZ = r"(?:Z|[+-]\d{2}(?::?\d{2})?)?"
_DATETIME = rf"^\d{{4}}-\d{{2}}-\d{{2}}.(?:{_TIME}){_TZ}$"
UTC_TIMESTAMP = pa.timestamp("us", "UTC")


def _datetime(f: dict[str, Any], v: Any) -> Any:
    fmt = f.get("format", "default")
    if fmt not in (None, "default"):
        parse = _parse_any if fmt == "any" else (lambda x: datetime.strptime(x, fmt))
        return per_unique(v, lambda x: utc(parse(x)), UTC_TIMESTAMP)
    ok = _match(v, _DATETIME)
    day = _valid_iso_dates(pc.utf8_slice_codeunits(keep(ok, v), 0, 10))
    s = keep(pc.is_valid(day), v)
    s = pc.replace_substring_regex(s, r"^(.{10}).", r"\1T")
    s = pc.replace_substring_regex(s, r",(\d)", r".\1")
    s = pc.replace_substring_regex(s, r"(\.\d{6})\d+", r"\1")
    s = pc.replace_substring_regex(s, r"([+-]\d{2})$", r"\1:00")
    s = pc.replace_substring_regex(s, r"^(.{19}(?:\.\d+)?)$", r"\1Z")  # naive: as UTC
    try:
        return pc.cast(s, UTC_TIMESTAMP)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return per_unique(s, _py_isodatetime, UTC_TIMESTAMP)


def utc(d: datetime) -> datetime:
    """``d`` in UTC (a naive ``d`` taken as UTC)."""
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)


def _py_isodatetime(x: str) -> datetime:
    from datetime import timedelta

    midnight = "T24:00:00" in x
    if midnight:
        x = x.replace("T24:00:00", "T00:00:00", 1)
    d = utc(datetime.fromisoformat(x.replace("Z", "+00:00")))
    return d + timedelta(days=1) if midnight else d


def _time(f: dict[str, Any], v: Any) -> Any:
    fmt = f.get("format", "default")
    t64 = pa.time64("us")
    if fmt not in (None, "default"):
        def parse(x: str) -> Any:
            d = _parse_any(x) if fmt == "any" else datetime.strptime(x, fmt)
            return (utc(d) if d.tzinfo is not None else d).time()

        return per_unique(v, parse, t64)
    s = keep(_match(v, rf"^(?:{_TIME}){_TZ}$"), v)
    h = pc.cast(pc.utf8_slice_codeunits(s, 0, 2), pa.int64())
    m = pc.cast(pc.utf8_slice_codeunits(s, 3, 5), pa.int64())
    sec = pc.cast(pc.utf8_slice_codeunits(s, 6, 8), pa.int64())
    frac = pc.replace_substring_regex(
        pc.utf8_slice_codeunits(s, 8, 40), r"^[.,](\d{0,6})\d*.*$|^.*$", r"\1")
    frac = pc.cast(pc.utf8_rpad(frac, width=6, padding="0"), pa.int64())
    us = pc.add(pc.multiply(pc.add(pc.multiply(pc.add(pc.multiply(h, 60), m), 60), sec),
                            1_000_000), frac)
    us = pc.if_else(pc.equal(h, 24), 0, us)
    # a time with a UTC offset is read as the time of day in UTC, as a datetime is
    zone = pc.extract_regex(s, r"(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?$")
    zh = pc.cast(pc.struct_field(zone, "h"), pa.int64())
    zm = pc.cast(pc.fill_null(pc.replace_substring_regex(
        pc.struct_field(zone, "m"), r"^$", "0"), "0"), pa.int64())
    offset = pc.multiply(pc.add(pc.multiply(zh, 60), zm), 60_000_000)
    offset = pc.if_else(pc.equal(pc.struct_field(zone, "sign"), "-"), pc.negate(offset), offset)
    us = pc.modulo(pc.subtract(us, pc.fill_null(offset, 0)), 86_400_000_000)
    return pc.cast(us, t64)


def _year(f: dict[str, Any], v: Any) -> Any:
    ok = pc.and_(pc.equal(pc.utf8_length(v), 4), _match(v, r"^\s*[+-]?\d+\s*$"))
    s = pc.replace_substring_regex(pc.utf8_trim_whitespace(keep(ok, v)), r"^\+", "")
    n = pc.cast(s, pa.int64())
    return keep(pc.greater_equal(n, 0), n)


def _yearmonth_py(x: str) -> int | None:
    year, month = x.split("-")
    y, m = int(year), int(month)
    return y * 12 + m - 1 if 1 <= m <= 12 else None


def _json_of(kind: type) -> Callable[[str], Any]:
    def parse(x: str) -> Any:
        value = json.loads(x)
        return x if isinstance(value, kind) else None

    return parse


def geopoint(x: str, fmt: str) -> tuple[float, float]:
    """A Table Schema ``geopoint`` of format ``fmt`` as (lon, lat); raises ValueError,
    TypeError or KeyError when ``x`` is not one."""
    if fmt == "array":
        lon, lat = json.loads(x)
    elif fmt == "object":
        obj = json.loads(x)
        lon, lat = obj["lon"], obj["lat"]
    else:
        lon, lat = x.split(",")
    return float(lon), float(lat)


def _geopoint_py(fmt: str) -> Callable[[str], Any]:
    def parse(x: str) -> Any:
        lon, lat = geopoint(x, fmt)
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
        return keep(_match(v, _UUID), v)
    if fmt == "email":
        return keep(_match(v, _EMAIL), v)
    if fmt == "uri":
        return keep(_match(v, _URI), v)
    if fmt == "binary":
        return per_unique(v, lambda x: x if base64.b64decode(x) is not None else None, STR)
    return v


def _other(f: dict[str, Any], v: Any) -> Any:
    t = f.get("type", "any")
    if t == "object":
        return per_unique(v, _json_of(dict), STR)
    if t == "array":
        return per_unique(v, _json_of(list), STR)
    if t == "geojson":
        return per_unique(
            v, lambda x: x if json.loads(x).get("type") in _GEOJSON_TYPES else None, STR)
    if t == "geopoint":
        return per_unique(v, _geopoint_py(f.get("format", "default")), STR)
    if t == "duration":
        return per_unique(v, lambda x: x if _DURATION.match(x) else None, STR)
    if t == "yearmonth":
        return per_unique(v, _yearmonth_py, pa.int64())
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
        exact = decimal_reader(f)

        def read_number(x: str) -> float | None:
            d = exact(x)
            return None if d is None else float(d)

        return read_number
    if fmt not in (None, "default"):
        return None  # custom formats are read per distinct value already
    if ftype == "date":
        return lambda x: datetime.strptime(x, "%Y-%m-%d").date()
    from dateutil.parser import isoparse  # imported when a value needs it (a declared dependency)

    if ftype == "datetime":
        def read_datetime(x: str) -> datetime:
            assert x[16] == ":" and len(x) >= 19
            return utc(isoparse(x))

        return read_datetime
    if ftype == "time":
        def read_time(x: str) -> Any:
            assert x[5] == ":" and len(x) >= 8
            d = isoparse(f"2000-01-01T{x}")
            return (utc(d) if d.tzinfo is not None else d).time()

        return read_time
    return None


def decimal_reader(f: dict[str, Any]) -> Callable[[str], Decimal | None]:
    """frictionless's exact reading of one text value of a ``number`` field (a Decimal)."""
    bare = f.get("bareNumber", True) is not False
    group, decimal = f.get("groupChar", ""), f.get("decimalChar", ".")
    special = {"bareNumber", "groupChar", "decimalChar"} & set(f)

    def read(x: str) -> Decimal | None:
        x = x.strip()
        if special:
            if not bare:
                x = _BARE.sub("", x)
            x = x.replace(group, "") if group else x
            if decimal != "." and "." in x:
                return None
            x = x.replace(decimal, ".")
        return Decimal(x)

    return read
