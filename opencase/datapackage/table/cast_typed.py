"""Casting what is already typed, for ``opencase check``: a Parquet column to the Arrow type
:func:`opencase.datapackage.table.cast.cast_text` gives its field, and a constraint value
(``minimum``, an ``enum`` item, ...) to the type of the column it is compared with.
"""

from __future__ import annotations

import json
import re
import sys
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from opencase.datapackage.table.arrow import STR, arrow_message, keep
from opencase.datapackage.table.cast import UTC_TIMESTAMP, cast_text

__all__ = ["beyond", "cast_constant", "cast_native"]


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
                d = keep(pc.equal(pc.floor_temporal(col, unit="day"), col), d)
            return d, None
        if ft == "datetime" and pa.types.is_timestamp(t):
            if t.tz is None:
                col = pc.assume_timezone(col, "UTC")
            return pc.cast(col, UTC_TIMESTAMP), None
        if ft == "time" and pa.types.is_time(t):
            return pc.cast(col, pa.time64("us")), None
        if ft == "year" and pa.types.is_integer(t):
            n = pc.cast(col, pa.int64())
            return keep(pc.and_(pc.greater_equal(n, 0), pc.less_equal(n, 9999)), n), None
        if ft == "any":
            return col, None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        return None, arrow_message(exc)
    return None, f"a Parquet column of type {t} cannot hold {ft} values"


def beyond(value: Any, t: pa.DataType) -> int:
    """1 if the number ``value`` (a constraint) is above every value a column of numeric type
    ``t`` can hold, -1 if below every one, else 0 (e.g. 10**30 and an int64 column)."""
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,4300}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return 0
    if pa.types.is_integer(t):
        signed = pa.types.is_signed_integer(t)
        high = 2 ** (t.bit_width - signed) - 1
        low = -(2 ** (t.bit_width - 1)) if signed else 0
    elif pa.types.is_decimal(t):
        high = 10 ** (t.precision - t.scale) - 1
        low = -high
    elif pa.types.is_floating(t) and isinstance(value, int):
        high = int(sys.float_info.max)
        low = -high
    else:
        return 0
    return 1 if value > high else -1 if value < low else 0


def cast_constant(f: dict[str, Any], value: Any, typed_type: pa.DataType) -> pa.Scalar | None:
    """A constraint value (minimum, enum item, ...) in the column's Arrow type, or None (also
    for a number beyond the type's range: see :func:`beyond`)."""
    ft = f.get("type", "any")
    if isinstance(value, bool) and ft == "boolean":
        return pa.scalar(value)
    if ft in ("integer", "number", "year") and beyond(value, typed_type):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and ft in ("integer", "number", "year"):
        try:
            if isinstance(value, int) and pa.types.is_decimal(typed_type):
                return pa.scalar(Decimal(value), typed_type)
            if isinstance(value, int) and pa.types.is_floating(typed_type):
                return pa.scalar(float(value), typed_type)
            return pa.scalar(value).cast(typed_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OverflowError):
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
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OverflowError):
        return None
