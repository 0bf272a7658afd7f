"""The Table Schema types that are not plain Arrow scalars, read for :func:`opencase.load`.

Each is read as frictionless reads it, in the nearest Arrow type:

- ``object``, ``array``, ``geojson``: the JSON value, as Arrow infers it (a struct, a list);
  a column whose values do not share one Arrow type (``[1, "a"]``, objects with different
  keys) is a :class:`LoadError` saying so.
- ``list``: ``list<item>``, each cell split on ``delimiter`` (default ``,``) and each item
  read as ``itemType`` (default ``string``; ``string``, ``integer``, ``number``, ``boolean``,
  ``date``, ``datetime``, ``time``, ``year``).
- ``geopoint``: ``fixed_size_list<double, 2>``, ``[lon, lat]`` (frictionless's order) in any
  of the three formats.
- ``yearmonth``: ``struct<year: int64, month: int64>``.
- ``duration``: ``month_day_nano_interval`` (years as 12 months, weeks as 7 days, hours,
  minutes and seconds as nanoseconds); a fractional year, month, week or day is refused.

The values have already been checked (``opencase.datapackage.table.cast``) when these run; the
casts work
once per distinct value (JSON, geopoints, durations) or column by column (lists, yearmonths).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from opencase.datapackage.table.cast import geopoint
from opencase.errors import LoadError

__all__ = ["COMPOUND", "read_compound"]

COMPOUND = frozenset(("object", "array", "geojson", "list", "geopoint", "yearmonth", "duration"))
_LIST_ITEMS = frozenset(("string", "integer", "number", "boolean", "date", "datetime", "time",
                         "year"))
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def read_compound(f: dict[str, Any], values: Any, where: str) -> Any:
    """The text column ``values`` (nulls: missing) of field ``f`` in its Arrow type;
    :class:`LoadError` naming ``where`` (the file and field) when it cannot be."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ftype = f.get("type")
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if ftype in ("object", "array", "geojson"):
        return _per_unique(values, json.loads, None, where, ftype)
    if ftype == "geopoint":
        return _per_unique(values, _geopoint(f.get("format", "default")),
                           pa.list_(pa.float64(), 2), where, ftype)
    if ftype == "duration":
        return _per_unique(values, _duration, pa.month_day_nano_interval(), where, ftype)
    if ftype == "yearmonth":
        parts = pc.split_pattern(values, "-")
        year = pc.cast(pc.list_element(parts, 0), pa.int64())
        month = pc.cast(pc.list_element(parts, 1), pa.int64())
        return pa.StructArray.from_arrays([year, month], ["year", "month"],
                                          mask=pc.is_null(values))
    return _list(f, values, where)


def _list(f: dict[str, Any], values: Any, where: str) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    from opencase.datapackage.table.cast import cast_text

    delimiter, item = f.get("delimiter", ","), f.get("itemType", "string")
    if not isinstance(delimiter, str) or not delimiter:
        raise LoadError(f"{where}: a list's `delimiter` must be a non-empty string, not "
                        f"{delimiter!r}")
    if item not in _LIST_ITEMS:
        raise LoadError(f"{where}: a list of {item!r} items is not supported by opencase.load "
                        f"(only {', '.join(sorted(_LIST_ITEMS))})")
    lists = pc.split_pattern(values, delimiter)
    flat = pc.list_flatten(lists)
    typed = cast_text({"name": f.get("name"), "type": item}, flat)
    bad = pc.and_(pc.is_valid(flat), pc.is_null(typed))
    if pc.any(bad).as_py():
        value = flat[pc.index(bad, True).as_py()].as_py()
        raise LoadError(f"{where}: the list item {value!r} is not a valid {item}")
    offsets = lists.offsets
    return pa.ListArray.from_arrays(offsets, typed, mask=pc.is_null(values))


def _per_unique(values: Any, parse: Callable[[str], Any], t: Any, where: str,
                ftype: str) -> Any:
    """``parse`` once per distinct value, the results as one Arrow array of type ``t`` (or
    the type Arrow infers; then every value must come back as it was parsed)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    uniq = pc.unique(values).drop_null()
    try:
        parsed = [parse(x) for x in uniq.to_pylist()]
    except (ValueError, KeyError, TypeError) as exc:
        raise LoadError(f"{where}: {exc}") from None
    try:
        arr = pa.array(parsed, t)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise LoadError(f"{where}: its {ftype} values do not share one Arrow type ({exc}), "
                        "which opencase.load does not support") from None
    if t is None and arr.to_pylist() != parsed:  # e.g. objects with different keys
        raise LoadError(f"{where}: its {ftype} values do not share one Arrow type (their keys "
                        "or item types differ), which opencase.load does not support")
    if pa.types.is_null(arr.type):  # every value missing
        return pa.nulls(len(values), pa.string())
    return pc.take(arr, pc.index_in(values, value_set=uniq))


def _geopoint(fmt: str) -> Callable[[str], list[float]]:
    def parse(x: str) -> list[float]:
        return list(geopoint(x, fmt))

    return parse


def _duration(x: str) -> tuple[int, int, int]:
    m = _DURATION.match(x)
    if m is None:
        raise ValueError(f"the duration {x!r} has a fractional year, month, week or day, or a "
                         "sign, which opencase.load does not support")
    y, mo, w, d = (int(g or 0) for g in m.groups()[:4])
    h, mi, s = (float(g or 0) for g in m.groups()[4:])
    return y * 12 + mo, w * 7 + d, round((h * 3600 + mi * 60 + s) * 1e9)
