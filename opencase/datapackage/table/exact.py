"""Exact comparisons of ``number`` values, for :mod:`opencase.datapackage.table.checker`.

Numbers are checked as float64 columns, but frictionless compares them as exact Decimals: a
text such as ``0.30000000000000001`` is more than ``0.3`` though both are the same float. Float
rounding keeps order, so a float comparison is right except where the float value of a cell
ties with the constraint's: only those cells are re-read exactly, once per distinct value.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from opencase.datapackage.table.arrow import keep, per_unique
from opencase.datapackage.table.cast import decimal_reader

__all__ = ["PY_OPS", "exact_bound", "exact_key", "exact_value", "refine"]

PY_OPS: dict[Any, Callable[[Any, Any], bool]] = {
    pc.less: operator.lt, pc.greater: operator.gt,
    pc.less_equal: operator.le, pc.greater_equal: operator.ge,
}


def exact_bound(value: Any) -> Decimal | None:
    """A JSON constraint number as frictionless reads it (a float through its text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    return None


def exact_value(f: dict[str, Any], native: bool) -> Callable[[Any], Decimal | None]:
    """The exact reading of one cell: the field's text reading, or a float through its text
    (as frictionless reads a typed float)."""
    if native:
        return lambda x: Decimal(str(x))
    return decimal_reader(f)


def refine(v: Any, mask: Any, read: Callable[[Any], Decimal | None],
           test: Callable[[Decimal], bool]) -> Any:
    """Where ``mask`` is true and the exact value of ``v`` passes ``test`` (decided once per
    distinct value of ``v`` among those rows)."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return mask
    uniq = pc.unique(pc.filter(v, mask)).drop_null()
    out = []
    for x in uniq.to_pylist():
        try:
            d = read(x)
            out.append(d is not None and bool(test(d)))
        except (ValueError, TypeError, ArithmeticError, InvalidOperation):
            out.append(False)
    hit = pc.take(pa.array(out, pa.bool_()), pc.index_in(v, value_set=uniq))
    return pc.and_(mask, pc.fill_null(hit, False))


def exact_key(f: dict[str, Any], v: Any, native: bool, t: Any) -> Any:
    """A number column as the text of each exact value, for keys with float duplicates:
    ``0.1`` and ``0.10000000000000001`` differ, ``0`` and ``-0`` do not, and no NaN equals
    another (null), as with frictionless's Decimals. Once per distinct value."""
    read = exact_value(f, native)

    def canon(x: Any) -> str | None:
        d = read(x)
        if d is None or d.is_nan():
            return None
        return "0" if d == 0 else str(d.normalize())

    return keep(pc.is_valid(t), per_unique(v, canon, pa.string()))
