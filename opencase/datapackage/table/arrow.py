"""Arrow helpers shared by the table modules of ``opencase check`` and ``opencase.load``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["STR", "arange", "arrow_message", "failed_cast", "is_text", "keep", "per_unique"]

STR = pa.string()


def arrow_message(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def is_text(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def arange(n: int) -> pa.Array:
    return pa.array(range(n), pa.int64())


def keep(mask: Any, v: Any) -> Any:
    return pc.if_else(mask, v, pa.scalar(None, v.type))


def per_unique(v: Any, fn: Callable[[str], Any], out: pa.DataType) -> Any:
    """Apply ``fn`` (returning None for invalid) once per distinct value."""
    uniq = pc.unique(v).drop_null()
    results = []
    for x in uniq.to_pylist():
        try:
            results.append(fn(x))
        except (ValueError, TypeError, OverflowError, ArithmeticError, LookupError,
                AttributeError, RecursionError):  # e.g. {"x": 1} as a geopoint, [[[...]]]
            results.append(None)
    idx = pc.index_in(v, value_set=uniq)
    return pc.take(pa.array(results, out), idx)


def failed_cast(v: Any, typed: Any) -> Any:
    """True where a value is present but did not cast."""
    return pc.and_(pc.is_valid(v), pc.is_null(typed))
