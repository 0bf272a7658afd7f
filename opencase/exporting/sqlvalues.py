"""Arrow columns as the values SQLite stores, converted column by column.

Strings, integers and floats are stored as they are; booleans as 0 and 1; dates, times and
timestamps as ISO 8601 text (``2016-11-23``, ``10:30:00``, ``2016-11-23T10:30:00``); a
``yearmonth`` as ``YYYY-MM``; a ``duration`` as an ISO 8601 duration (``P1Y2M3DT4H``);
decimals as floats; every other nested value (``object``, ``array``, ``list``, ``geopoint``)
as its JSON text. Only those nested values are converted one by one.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["sqlite_values"]


def sqlite_values(array: Any, schema_type: str = "") -> list[Any]:
    """The values of the Arrow ``array`` (of a field of Table Schema type ``schema_type``),
    in the Python types :mod:`sqlite3` stores, nulls as ``None``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    t = array.type
    if pa.types.is_dictionary(t):
        array = array.dictionary_decode()
        t = array.type
    if pa.types.is_boolean(t):
        array = pc.cast(array, pa.int8())
    elif pa.types.is_date(t) or pa.types.is_time(t):
        array = pc.cast(array, pa.string())
    elif pa.types.is_timestamp(t):
        array = pc.replace_substring(pc.cast(array, pa.string()), " ", "T", max_replacements=1)
    elif pa.types.is_decimal(t):
        array = pc.cast(array, pa.float64())
    elif pa.types.is_struct(t) and schema_type == "yearmonth" \
            and {f.name for f in t} == {"year", "month"}:
        year = pc.utf8_lpad(pc.cast(array.field("year"), pa.string()), 4, "0")
        month = pc.utf8_lpad(pc.cast(array.field("month"), pa.string()), 2, "0")
        joined = pc.binary_join_element_wise(year, month, "-")
        array = pc.if_else(pc.is_null(array), pa.scalar(None, pa.string()), joined)
    elif pa.types.is_interval(t):
        return [None if v is None else _duration(v) for v in array.to_pylist()]
    elif pa.types.is_nested(t):
        return [None if v is None else json.dumps(v, ensure_ascii=False, default=str)
                for v in array.to_pylist()]
    return list(array.to_pylist())


def _duration(value: Any) -> str:
    """A month-day-nanosecond interval as an ISO 8601 duration."""
    months, days, nanos = value.months, value.days, value.nanoseconds
    years, months = divmod(months, 12)
    date = "".join(f"{n}{unit}" for n, unit in ((years, "Y"), (months, "M"), (days, "D")) if n)
    hours, rest = divmod(nanos, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    seconds = rest / 1e9
    shown = f"{seconds:.9f}".rstrip("0").rstrip(".") if seconds else ""
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (shown, "S"))
                   if n)
    return "P" + (date or ("" if time else "0D")) + (f"T{time}" if time else "")
